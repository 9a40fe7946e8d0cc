"""Contracts only: field types, Model, Dataset, components and the registry.

Nothing here imports torch, transformers or other heavy libraries.
"""

from lumos.api import types
from lumos.api.component import Component, Generator, Interpreter, Metric, Projector
from lumos.api.context import Cancelled, RunContext
from lumos.api.dataset import Dataset
from lumos.api.model import Activations, BatchPool, Differentiable, EmbeddedBatch, Model
from lumos.api.registry import register
from lumos.api.types import SpecError

__all__ = [
    "types", "Cancelled", "Component", "RunContext", "Generator", "Interpreter", "Metric",
    "Projector", "Dataset", "Activations", "BatchPool", "Differentiable", "EmbeddedBatch", "Model",
    "register", "SpecError",
]
