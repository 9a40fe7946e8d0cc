"""Runs models and components over datasets in batches, with caching."""

from lumos.engine.predict import Cancelled, Engine
from lumos.engine.workspace import Workspace, compatibility_problem

__all__ = ["Cancelled", "Engine", "Workspace", "compatibility_problem"]
