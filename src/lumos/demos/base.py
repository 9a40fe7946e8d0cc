"""Built-in demos: real models and data that ship inside packages or are made here.

A demo is a name, a description and a ``build(progress)`` function that returns the
models and datasets to serve. Assets that must be trained are trained once, with a
progress bar, and kept in the user cache dir (``$LUMOS_HOME`` overrides it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumos.models.packaged import minilm_path, package_file

__all__ = ["Demo", "all_demos", "cache_dir", "get_demo", "minilm_path", "package_file",
           "register_demo"]


@dataclass(frozen=True)
class Demo:
    name: str
    description: str
    #: returns (models, datasets); a model may be a zero-arg factory, loaded when needed
    build: Callable[..., tuple[dict[str, Any], dict[str, Any]]]
    #: what is real and what is not, shown by `lumos demo --list`
    notes: str = ""
    default_dataset: str = ""
    extras: tuple[str, ...] = field(default_factory=tuple)


_DEMOS: dict[str, Demo] = {}


def register_demo(demo: Demo) -> Demo:
    _DEMOS[demo.name] = demo
    return demo


def all_demos() -> dict[str, Demo]:
    import lumos.demos.catalog  # noqa: F401 - registers the built-in demos

    return dict(_DEMOS)


def get_demo(name: str) -> Demo:
    demos = all_demos()
    if name not in demos:
        raise KeyError(f"no demo named '{name}' (demos: {sorted(demos)})")
    return demos[name]


def cache_dir(*parts: str) -> Path:
    """Where trained demo assets live: ``$LUMOS_HOME/demos`` or the user cache dir."""
    home = os.environ.get("LUMOS_HOME")
    if home:
        base = Path(home)
    else:
        from platformdirs import user_cache_dir

        base = Path(user_cache_dir("lumos"))
    p = base.joinpath("demos", *parts)
    p.mkdir(parents=True, exist_ok=True)
    return p


def materialise(obj: Any) -> Any:
    """A model or dataset from a value that may be a zero-arg factory."""
    from lumos.api.dataset import Dataset
    from lumos.api.model import Model

    return obj() if callable(obj) and not isinstance(obj, Model | Dataset) else obj
