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
from typing import Any

_EXPORTS = {
    "highlight": "lumos.visual.highlight",
    "embed_map": "lumos.visual.embed_map",
    "plot": "lumos.visual.plot",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        # importing the submodule bound its module object to the same name here; the
        # function is what `from lumos.visual import highlight` must find
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lumos.visual' has no attribute '{name}'")
