"""lumos: see why an NLP model says what it says.

Public entry points are re-exported here; heavy modules load on first use.
"""

from __future__ import annotations

from typing import Any

from lumos.api import types
from lumos.api.component import Generator, Interpreter, Metric, Projector
from lumos.api.dataset import Dataset
from lumos.api.model import Model
from lumos.api.registry import register
from lumos.api.types import SpecError

__version__ = "0.1.0"


def serve(models: Any = None, datasets: Any = None, **kwargs: Any) -> Any:
    """Start the browser workbench (see ``lumos.server.serve``)."""
    from lumos.server.serve import serve as _serve

    return _serve(models=models, datasets=datasets, **kwargs)


def load_dataset(source: Any, **kwargs: Any) -> Any:
    """Load a dataset from a file path, DataFrame, Arrow table or HF dataset."""
    from lumos.datasets import load

    return load(source, **kwargs)


__all__ = ["types", "Generator", "Interpreter", "Metric", "Projector", "Dataset", "Model",
           "register", "SpecError", "serve", "load_dataset", "__version__"]
