"""Static visual tools on the engine: files a person opens without a server.

* :func:`highlight` colours each token of a text by a value (an activation, a salience
  map, attention) and writes one self-contained HTML file or a notebook fragment;
* :func:`embed_map` maps token or sentence embeddings to 2-D (t-SNE, UMAP) as an
  interactive offline HTML map, a PNG, or TensorBoard Projector TSV files;
* :func:`plot` draws training curves from Flair, Hugging Face and TensorBoard logs as PNG
  and interactive HTML.

Each lives in its own module and is imported on first use, so ``import lumos.visual`` is
cheap.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_EXPORTS = {
    "highlight": "lumos.visual.highlight",
    "embed_map": "lumos.visual.embed_map",
    "plot": "lumos.visual.plotter",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        # importing a submodule named like its function (``highlight``) binds the name
        # here to the module; the function wins, so ``from lumos.visual import highlight``
        # gives the function (``plot`` lives in ``plotter`` so it never collides)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lumos.visual' has no attribute '{name}'")


class _Package(types.ModuleType):
    """Each function shares its name with its module, and importing a submodule sets the
    package's attribute to the module: keep the function there instead, so
    ``lumos.visual.embed_map(...)`` works whichever import came first (the module stays
    in ``sys.modules``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if (name in _EXPORTS and isinstance(value, types.ModuleType)
                and value.__name__ == _EXPORTS[name]):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
