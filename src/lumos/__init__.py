"""lumos: see why an NLP model says what it says.

Public entry points are re-exported here; heavy modules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lumos.api import types
from lumos.api.component import Generator, Interpreter, Metric, Projector
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.registry import register
from lumos.api.types import SpecError

if TYPE_CHECKING:  # for type checkers; at run time ``__getattr__`` loads it on use
    from lumos.engine.generate import generate

__version__ = "0.1.0"

#: subpackages reachable as attributes after ``import lumos`` (imported on first use,
#: so ``import lumos`` and ``lumos --help`` stay light: no torch, pandas or pyarrow)
_SUBPACKAGES = ("api", "components", "datasets", "demos", "engine", "models", "server",
                "store", "testing", "cli")


#: functions re-exported here but loaded on first use: name -> defining module
_LAZY = {"generate": "lumos.engine.generate"}


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"lumos.{name}")
    if name in _LAZY:  # ``lumos.generate``: counterfactuals (engine, numpy) on first use
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lumos' has no attribute '{name}'")


def serve(models: Any = None, datasets: Any = None, **kwargs: Any) -> Any:
    """Start the browser workbench (see ``lumos.server.serve``)."""
    from lumos.server.serve import serve as _serve

    return _serve(models=models, datasets=datasets, **kwargs)


def load_dataset(source: Any, **kwargs: Any) -> Any:
    """Load a dataset: a bundled one by name (``"tweets"``), a file path (CSV, JSONL,
    Parquet), a DataFrame, an Arrow table or a Hugging Face dataset; ``columns=`` maps
    model fields to columns (see ``lumos.datasets.load``)."""
    from lumos.datasets import load

    return load(source, **kwargs)


def load_model(path_or_name: Any, task: str | None = None, **kwargs: Any) -> Any:
    """Load a model: a directory saved with ``save_pretrained``, a ``.keras``/``.joblib``
    file, a ``.gguf`` file or a URL, with the adapter that fits it (``task`` names one;
    ``kwargs`` go to the adapter, e.g. ``label_field="label"``); or a demo's model by
    name, as ``--model`` takes it (``"sentiment"``, ``"sentiment:tfidf-logreg"``)."""
    import importlib

    loader = importlib.import_module("lumos.models.load")
    if isinstance(path_or_name, str) and _bare_name(path_or_name):
        return _demo_model(path_or_name, loader.ModelLoadError, bool(task or kwargs))
    return loader.load_model(path_or_name, task=task, **kwargs)


def _bare_name(arg: str) -> bool:
    """A word that names nothing on disk (no separator, suffix or scheme): a demo's."""
    from pathlib import Path

    p = Path(arg)
    return not p.exists() and "/" not in arg and "\\" not in arg and not p.suffix \
        and "://" not in arg


def _demo_model(name: str, error: type[Exception], options: bool) -> Any:
    import difflib

    from lumos.demos import all_demos
    from lumos.demos.base import materialise

    demos = all_demos()
    demo, _, member = name.partition(":")
    if demo not in demos:
        close = difflib.get_close_matches(demo, list(demos), n=1)
        raise error(f"{name}: no such model directory, file or demo"
                    + (f"; did you mean '{close[0]}'?" if close else "")
                    + f" (demos: {', '.join(sorted(demos))}; or give a directory saved "
                    "with save_pretrained, a .keras/.joblib/.gguf file or an http(s) URL)")
    if options:
        raise error(f"{name}: a demo's model takes no task or options; load its directory "
                    "to pass them, e.g. lumos.load_model(lumos.demos.sentiment."
                    "sentiment_model_dir(), label_field='label')")
    models, _ = demos[demo].build()
    if member and member not in models:
        raise error(f"{name}: demo '{demo}' has no model '{member}' (models: "
                    f"{', '.join(models)})")
    return materialise(models[member or next(iter(models))])


__all__ = ["types", "Generator", "Interpreter", "Metric", "Projector", "Dataset", "Model",
           "register", "SpecError", "serve", "load_dataset", "load_model", "generate",
           "__version__"]
