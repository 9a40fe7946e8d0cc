"""A workspace: named models and datasets assembled, checked and served by one engine.

Assembly checks every model against every dataset: a dataset compatible with a model
supplies each of its required inputs with a field of the same type; labels share the
model's vocabulary; and the values of the fields the model reads (its inputs and gold
fields; no other column) fit its types, or the message names file, column and row. A
model compatible with no dataset fails assembly with a message naming the field. A
smoke prediction on one example checks each model's outputs against its spec, so a
model that breaks its spec fails at start, not in the UI.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from lumos.api import types as T
from lumos.api.dataset import ID_FIELD, Dataset
from lumos.api.model import Model, check_outputs
from lumos.api.types import SpecError
from lumos.engine.predict import Engine
from lumos.store import keys


def compatibility_problem(model: Model, dataset_spec: T.Spec, *, cli: bool = False
                          ) -> str | None:
    """Why ``dataset_spec`` cannot feed ``model`` (None when it can). A missing field
    names the dataset's columns and the mapping to add (``cli``: as a --column flag)."""
    from lumos.datasets import mapping_hint

    for name, fs in model.input_spec().items():
        have = dataset_spec.get(name)
        if have is None:
            if fs.required:
                return (f"field '{name}' ({fs.type_name}) is required by the model but "
                        f"missing; {mapping_hint(name, fs, dataset_spec, cli=cli)}")
            continue
        away = (f"--column {name}_file={name}" if cli
                else f'columns={{"{name}_file": "{name}"}}')
        if not isinstance(have, type(fs)) and not isinstance(fs, type(have)):
            return (f"field '{name}' is {have.type_name} in the dataset but the model "
                    f"expects {fs.type_name}; "
                    + mapping_hint(name, fs, {c: s for c, s in dataset_spec.items()
                                               if c != name}, cli=cli).replace(
                        "the dataset's columns are", "its other columns are")
                    + f", or, if '{name}' is not meant for the model, rename it ({away})")
        vocab_m = getattr(fs, "vocab", None)
        vocab_d = getattr(have, "vocab", None)
        if vocab_m and vocab_d and not set(vocab_d) <= set(vocab_m):
            extra = sorted(set(vocab_d) - set(vocab_m))
            return (f"field '{name}' has labels {', '.join(extra)} that the model does not "
                    f"know (model labels: {', '.join(vocab_m)}); write the model's labels "
                    f"in that column, or, if '{name}' is not the gold label, rename it "
                    f"({away})")
    return None


def fields_in_use(model: Model, dataset_spec: T.Spec) -> T.Spec:
    """The dataset fields ``model`` reads, typed as the model wants them: its inputs, and
    the gold fields its outputs are scored against (their ``parent``)."""
    used = {n: fs for n, fs in model.input_spec().items() if n in dataset_spec}
    for fs in model.output_spec().values():
        parent = getattr(fs, "parent", None)
        if parent and parent in dataset_spec and parent not in used:
            used[parent] = dataset_spec[parent]
    return used


def value_problem(model: Model, dataset: Dataset) -> str | None:
    """Why the values of ``dataset``'s fields that ``model`` reads cannot feed it (a blank
    where it needs text, a label it does not know), naming column and row; None when
    they can, or when the dataset cannot check its values. Other columns are not read."""
    check = getattr(dataset, "check_fields", None)
    if check is None:
        return None
    try:
        check(fields_in_use(model, dataset.spec()))
    except SpecError as e:
        return str(e)
    return None


class Workspace:
    """Models and datasets by name, plus the engine that serves them."""

    def __init__(self, models: Mapping[str, Model] | None = None,
                 datasets: Mapping[str, Dataset] | None = None, *,
                 engine: Engine | None = None, smoke_test: bool = True) -> None:
        self.engine = engine if engine is not None else Engine()
        self.models: dict[str, Model] = {}
        self.datasets: dict[str, Dataset] = {}
        self.loading: dict[str, str] = {}
        self._lock = threading.RLock()
        for dname, ds in (datasets or {}).items():
            self.add_dataset(dname, ds)
        for mname, m in (models or {}).items():
            self.add_model(mname, m, smoke_test=smoke_test)

    @property
    def store(self) -> Any:
        return self.engine.store

    # ------------------------------------------------------------- assembly
    def add_dataset(self, name: str, dataset: Dataset) -> None:
        self._migrate_row_keys(name, dataset)
        with self._lock:
            self.datasets[name] = dataset

    def _migrate_row_keys(self, name: str, dataset: Dataset) -> None:
        """Remap the row keys saved under ``name`` by store schema 1 (slices, parents of
        datapoints) to today's, once: the old keys were per-row content hashes."""
        store = self.engine.store
        if not store.pending_row_key_migration(name):
            return
        table = dataset.to_arrow()
        fields = [n for n in dataset.spec() if n in table.column_names]
        bare = table.drop_columns([ID_FIELD]) if ID_FIELD in table.column_names else table
        mapping: dict[str, str] = {}
        for old, new in zip(keys.legacy_row_ids(bare, fields), dataset.ids, strict=True):
            mapping.setdefault(old, new)  # identical rows shared one old id: the first
        store.migrate_row_keys(name, mapping)

    def add_model(self, name: str, model: Model, *, smoke_test: bool = True) -> None:
        problems = {d: compatibility_problem(model, ds.spec()) or value_problem(model, ds)
                    for d, ds in self.datasets.items()}
        if self.datasets and all(problems.values()):
            detail = "; ".join(f"dataset '{d}': {p}" for d, p in problems.items())
            raise SpecError(f"model '{name}' fits none of the datasets: {detail}")
        if smoke_test:
            ok = next((d for d, p in problems.items() if p is None), None)
            if ok is not None and len(self.datasets[ok]):
                ex = self.datasets[ok].examples([0])
                out = model.predict(ex, fields=model.default_fields())
                check_outputs(model, out, model.default_fields(), f"model '{name}'")
        with self._lock:
            self.models[name] = model
            self.loading.pop(name, None)

    def load_model_async(self, name: str, factory: Callable[[], Model],
                         on_error: Callable[[str, BaseException], None] | None = None
                         ) -> threading.Thread:
        """Build and add a model in a background thread; ``loading`` shows its state."""
        self.loading[name] = "loading"

        def work() -> None:
            try:
                self.add_model(name, factory())
            except BaseException as e:  # shown to the user by whoever polls ``loading``
                self.loading[name] = f"error: {e}"
                if on_error is not None:
                    on_error(name, e)

        t = threading.Thread(target=work, name=f"load-{name}", daemon=True)
        t.start()
        return t

    # ------------------------------------------------------------- lookups
    def model(self, name: str) -> Model:
        try:
            return self.models[name]
        except KeyError:
            raise KeyError(f"no model named '{name}' (models: {sorted(self.models)})") from None

    def dataset(self, name: str) -> Dataset:
        try:
            return self.datasets[name]
        except KeyError:
            raise KeyError(f"no dataset named '{name}' (datasets: {sorted(self.datasets)})") \
                from None

    def compatible_datasets(self, model_name: str) -> list[str]:
        m = self.model(model_name)
        return [d for d, ds in self.datasets.items()
                if compatibility_problem(m, ds.spec()) is None]

    # ------------------------------------------------------------- running
    def predict(self, model_name: str, examples: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        return self.engine.predict(self.model(model_name), examples, fields=fields,
                                   model_name=model_name, **kwargs)

    def predict_dataset(self, model_name: str, dataset_name: str,
                        indices: Sequence[int] | None = None, **kwargs: Any
                        ) -> list[dict[str, Any]]:
        ds = self.dataset(dataset_name)
        idx = list(range(len(ds))) if indices is None else list(indices)
        return self.predict(model_name, ds.examples(idx), **kwargs)
