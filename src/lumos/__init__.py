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
    ``kwargs`` go to the adapter, e.g. ``label_field="label"``)."""
    import importlib

    loader = importlib.import_module("lumos.models.load")
    return loader.load_model(path_or_name, task=task, **kwargs)


__all__ = ["types", "Generator", "Interpreter", "Metric", "Projector", "Dataset", "Model",
           "register", "SpecError", "serve", "load_dataset", "load_model", "generate",
           "__version__"]
