"""Generation runs kept for the rest of one audit, by content key.

Two checks of a suite often run the same generator with the same options on the same
rows and differ only in the statistic they read (``synonyms`` judged on its flip rate
and on its accuracy drop): the search, tagging and validity checks would run twice for
the same counterfactuals. :class:`GenerationMemo` runs it once and hands the second
check the same :class:`~lumos.engine.generate.GenerationRun` (checks only read it).

The key (:func:`generation_key`) is content, never a name or an address: the model's
key (its weights and settings, ``keys.model_key``), the generator's id and version, the
hash of its full config (defaults filled in, seed included), the dataset's spec, and
each parent row's id and content key, in order. A change to any of them is a new key,
so a stale run cannot be returned; the memo lives in memory for one audit only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lumos.api import types as T
from lumos.api.component import Generator
from lumos.api.dataset import ID_FIELD
from lumos.api.model import Model
from lumos.engine.generate import GenerationRun
from lumos.store import keys


def generation_key(model: Model, generator: Generator, config: Any,
                   rows: Sequence[Mapping[str, Any]], spec: T.Spec,
                   validity: str = "default") -> str:
    """The content key of generating with ``generator`` (``config`` made by its
    ``make_config``) on ``rows`` of a dataset with ``spec``, predicted by ``model``."""
    fields = sorted(spec)
    spec_part = [[n, type(spec[n]).__name__, repr(spec[n])] for n in fields]
    row_part = [[str(r.get(ID_FIELD, "")), keys.example_key(r, fields)] for r in rows]
    return keys.derived_key(model, generator, config, keys.content_key(spec_part),
                            keys.content_key(row_part), f"validity={validity}")


class GenerationMemo:
    """Generation runs by :func:`generation_key`, for the length of one audit."""

    def __init__(self) -> None:
        self._runs: dict[str, GenerationRun] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._runs)

    def get_or_run(self, key: str, run: Callable[[], GenerationRun]) -> GenerationRun:
        found = self._runs.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        out = run()
        self._runs[key] = out
        return out


__all__ = ["GenerationMemo", "generation_key"]
