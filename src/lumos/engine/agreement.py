"""Agreement of salience methods: run each method (through ``explain``, so maps come from
the cache when it already ran) and rank-correlate every pair of their maps.

The measure is ``lumos.components.metrics.agreement.method_agreement`` (mean
Spearman and Kendall over the examples, sub-word maps summed into words).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from lumos.api import types as T
from lumos.api.model import Model
from lumos.api.types import SpecError
from lumos.components.metrics.agreement import method_agreement
from lumos.engine.interpret import explain, get_interpreter
from lumos.engine.predict import Engine
from lumos.engine.workspace import Workspace


def agreement(target: Workspace | Engine | None, model: Model | str,
              examples: Sequence[Mapping[str, Any]],
              methods: Sequence[tuple[str, Any]], *, absolute: bool = False,
              cancel: threading.Event | None = None) -> dict[str, Any]:
    """``methods`` is a list of (interpreter id, config or None), at least two, each
    giving a token salience map. Returns ``{"methods": ids, "pairs": [{"a", "b",
    "spearman", "kendall", "n", "skipped", "words"}, ...]}``; ``target`` and ``model``
    are as for :func:`lumos.engine.interpret.explain`."""
    if len(methods) < 2:
        raise SpecError("methods: give at least two methods to compare")
    if isinstance(target, Workspace) and isinstance(model, str):
        model = target.model(model)
    if isinstance(model, str):
        raise SpecError(f"model: '{model}' is a name, but no workspace was given to look it "
                        "up in")
    maps: dict[str, list[Any]] = {}
    for method, config in methods:
        interp = get_interpreter(method)
        spec = interp.output_spec(model)
        key = next(iter(spec))
        if not isinstance(spec[key], T.TokenSalience):
            raise SpecError(f"methods: {interp.id} does not give a token salience map")
        results = explain(target, model, examples, interp, config, cancel=cancel)
        maps[interp.id] = [r[key] for r in results]
    pairs = []
    for a, b in itertools.combinations(maps, 2):
        agree = method_agreement(maps[a], maps[b], absolute=absolute)
        pairs.append({"a": a, "b": b, "spearman": agree["spearman"],
                      "kendall": agree["kendall"], "n": agree["n"],
                      "skipped": agree["skipped"], "words": agree["words"]})
    return {"methods": list(maps), "pairs": pairs}
