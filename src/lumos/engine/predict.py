"""The prediction engine: batches, de-duplicates, sorts by length, caches.

``Engine.predict`` is the one way the server, the CLI and components get model outputs:
it looks each (model, example, field) up in memory, then in the store, runs the model
only on what is missing (sorted by length into batches of ``max_batch_size``, several at
once on the model's :meth:`~lumos.api.model.Model.batch_pool` when every field asked for
is one the model declared concurrent; each batch holds the model's lock from
``lumos.engine.concurrency``), checks the outputs against the model's spec, and writes
each batch to the store as it finishes, so a killed run keeps every finished batch.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from lumos.api.dataset import Dataset
from lumos.api.model import Model, check_outputs
from lumos.engine.batches import Cancelled, ProgressFn, plan_batches, run_batches
from lumos.engine.concurrency import model_access, pool_for
from lumos.engine.memory import DEFAULT_BYTES, MemoryCache
from lumos.store import Store, keys

__all__ = ["Cancelled", "Engine", "ProgressFn"]

class Engine:
    """Predictions through two caches: a bounded in-memory LRU, then the store.

    Every value is keyed by ``(model key, cache key, field)`` (``lumos.store.keys``): the
    model's fingerprint with the library and schema versions, and a content hash of the
    fields in the model's input spec. Ids that label rows never enter a key.
    ``memory_bytes`` bounds the in-memory cache (default 512 MiB, plus a quarter of that
    for transient perturbation copies, which never evict real predictions)."""

    def __init__(self, store: Store | None = None, *,
                 memory_bytes: int = DEFAULT_BYTES) -> None:
        self.store = store if store is not None else Store()
        self.memory = MemoryCache(memory_bytes)
        #: examples asked for (distinct per call) and those the model had to run on
        #: (the rest came from the memory cache or the store), over this engine's life
        self.calls = {"requested": 0, "computed": 0}

    # ------------------------------------------------------------------ helpers
    def fingerprint(self, model: Model) -> str:
        """The model's key (recomputed when its weights change; see ``model_key``)."""
        return keys.model_key(model)

    @staticmethod
    def cache_keys(model: Model, examples: Sequence[Mapping[str, Any]]) -> list[str]:
        """Content keys of the examples over the model's input-spec fields."""
        return keys.example_keys(model, examples)

    @staticmethod
    def row_labels(model: Model, examples: Sequence[Mapping[str, Any]]) -> list[str]:
        """How results are labelled for callers: each example's ``id``, else its key."""
        return [keys.row_label(ex, k)
                for ex, k in zip(examples, keys.example_keys(model, examples), strict=True)]

    def cached(self, model: Model, cache_keys: Sequence[str], fields: Collection[str]
               ) -> dict[tuple[str, str], Any]:
        """What is cached for ``cache_keys`` (memory, then the store), without running
        the model: ``{(cache key, field): value}`` for every pair found."""
        fp = self.fingerprint(model)
        found: dict[tuple[str, str], Any] = {}
        for f in fields:
            for k, v in self.memory.get_many((fp, f), cache_keys).items():
                found[(k, f)] = v
        rest = [k for k in dict.fromkeys(cache_keys) if any((k, f) not in found
                                                            for f in fields)]
        if rest and fields and model.persistent_cache():
            found.update(self.store.get_outputs(fp, rest, list(fields)))
        return found

    def _remember(self, fp: str, field: str, values: Mapping[str, Any], *,
                  transient: bool = False) -> None:
        self.memory.put_many((fp, field), values.items(), transient=transient)

    def forget_memory(self) -> None:
        """Drop the in-process cache (the store keeps everything)."""
        self.memory.clear()

    # ---------------------------------------------------------------- predict
    def predict(
        self,
        model: Model,
        examples: Sequence[Mapping[str, Any]] | Dataset,
        *,
        fields: Collection[str] | None = None,
        model_name: str = "model",
        progress: bool | str = False,
        on_progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        use_cache: bool = True,
        persist: bool = True,
    ) -> list[dict[str, Any]]:
        """Outputs for ``examples`` (in order), each holding exactly ``fields``.

        Outputs are cached by content: two examples with the same input fields share
        them, whatever their ``id``. ``persist=False`` keeps new outputs in memory only
        (in the transient pool) and does not look in the store: for transient inputs
        such as a perturbation method's thousands of edited copies, which nobody looks
        up after the method has run (it caches its result).

        ``examples`` may be a whole dataset (``lumos.datasets.load(...)``): a dataset that
        lacks a field the model reads is refused with its columns and the mapping to add."""
        if isinstance(examples, Dataset):
            examples = self._dataset_examples(model, examples, model_name)
        wanted = list(fields) if fields is not None else model.default_fields()
        spec = model.output_spec()
        for f in wanted:
            if f not in spec:
                raise KeyError(f"{model_name} has no output field '{f}' "
                               f"(fields: {sorted(spec)})")
        fp = self.fingerprint(model)
        persist = persist and model.persistent_cache()
        if persist:
            self.store.touch_model(fp, model_name, model.description)
        ids = self.cache_keys(model, examples)
        results: dict[str, dict[str, Any]] = {i: {} for i in ids}
        missing: dict[str, set[str]] = {}

        if use_cache:
            for f in wanted:
                for i, v in self.memory.get_many((fp, f), results).items():
                    results[i][f] = v
            need_store = [i for i in results if len(results[i]) < len(wanted)]
            if need_store and persist:
                got = self.store.get_outputs(fp, need_store, wanted)
                per_field: dict[str, dict[str, Any]] = {}
                for (i, f), v in got.items():
                    results[i][f] = v
                    per_field.setdefault(f, {})[i] = v
                for f, vals in per_field.items():
                    self._remember(fp, f, vals)
        for i in results:
            lacking = [f for f in wanted if f not in results[i]]
            if lacking:
                missing[i] = set(lacking)

        self.calls["requested"] += len(results)
        self.calls["computed"] += len(missing)
        if missing:
            first_index: dict[str, int] = {}
            for n, i in enumerate(ids):
                first_index.setdefault(i, n)
            todo = sorted(missing, key=lambda i: model.length_key(examples[first_index[i]]))
            self._run(model, examples, first_index, todo, missing, wanted, fp, results,
                      model_name=model_name, progress=progress, on_progress=on_progress,
                      cancel=cancel, persist=persist)
        return [dict(results[i]) for i in ids]

    def _run(self, model: Model, examples: Sequence[Mapping[str, Any]],
             first_index: Mapping[str, int], todo: list[str], missing: Mapping[str, set[str]],
             wanted: list[str], fp: str, results: dict[str, dict[str, Any]], *,
             model_name: str, progress: bool | str, on_progress: ProgressFn | None,
             cancel: threading.Event | None, persist: bool = True) -> None:
        def work(batch_ids: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
            need = sorted(set().union(*(missing[i] for i in batch_ids)))
            batch = [examples[first_index[i]] for i in batch_ids]
            with model_access(model, need):
                outs = model.predict(batch, fields=need)
            if len(outs) != len(batch):
                raise RuntimeError(f"{model_name}.predict returned {len(outs)} outputs "
                                   f"for {len(batch)} inputs")
            check_outputs(model, outs, need, model_name)
            return need, outs

        def finish(batch_ids: Sequence[str],
                   done: tuple[list[str], list[dict[str, Any]]]) -> None:
            need, outs = done
            rows = []
            per_field: dict[str, dict[str, Any]] = {f: {} for f in need}
            for i, out in zip(batch_ids, outs, strict=True):
                for f in need:
                    v = out[f]
                    results[i][f] = v
                    per_field[f][i] = v
                    rows.append((i, f, v))
            if persist:
                self.store.put_outputs(fp, rows)
            for f, vals in per_field.items():
                self._remember(fp, f, vals, transient=not persist)

        pool = pool_for(model, set().union(*(missing[i] for i in todo)))
        run_batches(plan_batches(todo, model.max_batch_size, pool), work, finish=finish,
                    pool=pool,
                    progress=progress, default_desc=f"predict {model_name}",
                    on_progress=on_progress, cancel=cancel)

    @staticmethod
    def _dataset_examples(model: Model, dataset: Dataset, model_name: str
                          ) -> list[dict[str, Any]]:
        from lumos.api.types import SpecError
        from lumos.engine.workspace import compatibility_problem, value_problem

        problem = compatibility_problem(model, dataset.spec()) or value_problem(model, dataset)
        if problem is not None:
            where = getattr(dataset, "source", "") or getattr(dataset, "name", "dataset")
            raise SpecError(f"{where}: model '{model_name}' cannot read it: {problem}")
        return dataset.examples(range(len(dataset)))

    def predict_dataset(self, model: Model, dataset: Dataset,
                        indices: Sequence[int] | None = None, **kwargs: Any
                        ) -> list[dict[str, Any]]:
        idx = list(range(len(dataset))) if indices is None else list(indices)
        return self.predict(model, dataset.examples(idx), **kwargs)
