"""Faithfulness of salience maps: the erasure scores (ERASER comprehensiveness,
sufficiency, AOPC) of maps an explanation produced, added to its results.

The measures are ``lumos.components.metrics.erasure.erasure_scores``; this module
runs them with a run context on the engine, so the erased copies go through the same
batching and in-memory cache as every other prediction (never into the store).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api.model import Differentiable, Model
from lumos.api.types import SpecError
from lumos.components.metrics.erasure import SCORE_MEANINGS, erasure_scores, score_label
from lumos.engine.concurrency import model_access
from lumos.engine.context import run_context
from lumos.engine.predict import Engine

__all__ = ["SCORE_MEANINGS", "add_faithfulness", "faithfulness_scores", "score_label"]


def faithfulness_scores(engine: Engine, model: Model, examples: Sequence[Mapping[str, Any]],
                        maps: Sequence[Mapping[str, Any]], *,
                        cancel: threading.Event | None = None, **options: Any
                        ) -> list[dict[str, Any]]:
    """Erasure scores of ``maps[i]`` (a TokenSalience value) for ``examples[i]``;
    ``options`` are ``erasure_scores``'s (``fractions``, ``top_fraction``)."""
    # erasure_scores calls embed and forward_from_embeds itself (for gradient targets):
    # it holds the model for those fields; its predictions go through the engine
    direct = model.gradient_fields() if isinstance(model, Differentiable) else ()
    with model_access(model, direct):
        return erasure_scores(model, examples, maps,
                              context=run_context(engine, cancel=cancel), **options)


def add_faithfulness(engine: Engine, model: Model, examples: Sequence[Mapping[str, Any]],
                     results: list[dict[str, Any]], field: str, *,
                     cancel: threading.Event | None = None) -> None:
    """Attach ERASER comprehensiveness/sufficiency/AOPC of ``field``'s maps in place, as
    each result's ``"faithfulness"``."""
    if not results or not isinstance(results[0].get(field), Mapping) or \
            "salience" not in results[0][field]:
        raise SpecError(f"faithfulness: output '{field}' is not a salience map")
    rows = faithfulness_scores(engine, model, examples, [r[field] for r in results],
                               cancel=cancel)
    for r, row in zip(results, rows, strict=True):
        r["faithfulness"] = row
