"""Run contexts for calling a component directly, as the engine would."""

from __future__ import annotations

import threading
from typing import Any

from lumos.api.context import RunContext
from lumos.engine.context import config_seed, run_context
from lumos.engine.predict import Engine
from lumos.store import Store


def context_for(config: Any = None, *, engine: Engine | None = None,
                cancel: threading.Event | None = None) -> RunContext:
    """The context ``explain`` would give a component run with ``config``: predictions
    through ``engine`` (default: a fresh in-memory one), seeded with the config's seed."""
    return run_context(engine if engine is not None else Engine(Store(":memory:")),
                       seed=config_seed(config), cancel=cancel)
