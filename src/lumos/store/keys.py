"""Every key lumos uses, in one module: row keys, cache keys, model keys, derived keys.

Two kinds of key are never conflated:

- A **row key** says *which row* of a dataset: selection, slices, saved datapoints'
  parent links, URLs and exports use it. It is the user's ``id`` column when the data
  has one (empty or duplicate ids are refused, naming the rows), otherwise a hash of the
  row's fields plus the row's occurrence number among identical rows, computed column
  by column once per dataset (:func:`row_keys`).
- A **cache key** says *what the model saw*: a content hash over the fields of the
  model's input spec, bytes as given (no normalisation; gold fields in the input spec
  count too). A row key, a client's or a file's id never enters it
  (:func:`example_keys`).

A **model key** (:func:`model_key`) travels with the model object: the adapter's
``fingerprint()`` (weights, tokenizer, settings) computed once, recomputed when the
model's cheap ``state_token()`` changes (for torch: parameter version counters, data
pointers, shapes) or after ``invalidate_fingerprint()``, combined with the store schema
version and the major.minor versions of torch, transformers and captum. A **derived
key** (:func:`derived_key`) adds a component's id, its declared ``version`` and a hash of
its config. Nothing here uses ``id()`` of an object or a user-supplied id.

This module sits in ``store`` rather than ``engine`` because datasets (a layer below the
engine) compute row keys when they are built.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import uuid
import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from lumos.api.dataset import ID_FIELD
from lumos.api.types import SpecError

if TYPE_CHECKING:
    import pyarrow as pa

    from lumos.api.component import Component
    from lumos.api.dataset import Dataset
    from lumos.api.model import Model

#: version of the store's tables; bump it when a cached value's meaning changes
SCHEMA_VERSION = 2

#: libraries whose major.minor version enters every model and derived key
KEYED_LIBRARIES = ("torch", "transformers", "captum")

_IDENTITY_ATTR = "_lumos_identity"
_identity_lock = threading.Lock()


class DuplicateIdError(SpecError):
    """A dataset's ``id`` column is empty somewhere or repeats a value."""


# ------------------------------------------------------------------ versions
@cache
def library_versions() -> str:
    """``"torch=2.13;transformers=4.57;captum=0.8"`` (``-`` for one not installed)."""
    parts = []
    for lib in KEYED_LIBRARIES:
        try:
            v = metadata.version(lib)
        except metadata.PackageNotFoundError:
            v = "-"
        parts.append(f"{lib}={'.'.join(v.split('.')[:2])}")
    return ";".join(parts)


def _digest(*parts: str | bytes, size: int = 10) -> str:
    h = hashlib.blake2b(digest_size=size)
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def _json(value: Any) -> bytes:
    def default(o: Any) -> Any:
        if isinstance(o, np.ndarray | np.generic):
            return o.tolist()
        if isinstance(o, tuple | set | frozenset):
            return list(o)
        raise TypeError(f"cannot hash a value of type {type(o).__name__}")

    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY,
                        default=default)


# ---------------------------------------------------------------- cache keys
def example_key(example: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The cache key of one example: a hash over ``fields`` (a model's input spec).

    An absent field and a ``None`` field hash alike; ``id`` and ``_``-prefixed keys are
    never content, whatever ``fields`` says."""
    content = {n: example.get(n) for n in sorted(fields)
               if n != ID_FIELD and not n.startswith("_")}
    return "c" + _digest(_json(content))


def example_keys(model: Model, examples: Sequence[Mapping[str, Any]]) -> list[str]:
    """Cache keys of ``examples`` for ``model`` (content of its input-spec fields)."""
    names = sorted(model.input_spec())
    return [example_key(ex, names) for ex in examples]


_example_key_cache: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], list[str]]] = \
    weakref.WeakKeyDictionary()


def dataset_example_keys(dataset: Dataset, fields: Sequence[str]) -> list[str]:
    """:func:`example_key` of every row of ``dataset``, computed once per dataset object
    (so a page that polls the table does not hash every row again)."""
    names = tuple(sorted(fields))
    with _identity_lock:
        known = _example_key_cache.setdefault(dataset, {})
        if names in known:
            return known[names]
    present = [n for n in names if n in dataset.to_arrow().column_names]
    cols = [dataset.to_arrow().column(n).to_pylist() for n in present]
    out = [example_key(dict(zip(present, vals, strict=True)), names)
           for vals in zip(*cols, strict=True)] if cols else \
        [example_key({}, names)] * len(dataset)
    with _identity_lock:
        known[names] = out
    return out


def row_label(example: Mapping[str, Any], key: str) -> str:
    """How a result is labelled for the caller: the example's own id, else its key."""
    given = example.get(ID_FIELD)
    return str(given) if given not in (None, "") else key


def datapoint_key(example: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The row key of a user-created datapoint: a hash of its fields (``d`` + 20 hex).

    Identical edits of one dataset collapse into one saved datapoint."""
    content = {n: example.get(n) for n in sorted(fields)
               if n != ID_FIELD and not n.startswith("_")}
    return "d" + _digest(_json(content))


def selection_key(dataset: str, ids: Sequence[str]) -> str:
    """The id of a stored selection: a hash of its dataset and row keys, in order
    (``s`` + 20 hex), so saving the same selection twice gives the same id."""
    return "s" + _digest(dataset, _json(list(ids)))


# ------------------------------------------------------------------ row keys
def _as_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as text, for hashing: lists joined by a unit separator (an empty list
    and a missing one stay different), other types cast by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        if not pa.types.is_string(t.value_type):
            col = pc.cast(col, pa.list_(pa.string()))
        joined = pc.binary_join(col, "\x1f")
        return pc.binary_join_element_wise("[", joined, "")
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col
    return pc.cast(col, pa.string())


def _hex16(h: np.ndarray) -> np.ndarray:
    """uint64 hashes as 16-character lowercase hex, vectorised."""
    shifts = np.arange(60, -1, -4, dtype=np.uint64)
    digits = ((h[:, None] >> shifts) & np.uint64(0xF)).astype(np.uint8)
    table = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    return np.ascontiguousarray(table[digits]).view("S16").ravel()


def row_keys(table: pa.Table, fields: Sequence[str], *, where: str = "dataset",
             locate: Callable[[int], str] | None = None) -> pa.Array:
    """Row keys of ``table``: its ``id`` column if it has one, else content + occurrence.

    The id column is checked: an empty value or a value that repeats raises
    :class:`DuplicateIdError` naming ``where`` and both rows (as ``locate(row)`` names
    them: a file's line; default ``row N``, counted from 0). Without one,
    each row's key is ``r`` + 16 hex digits of a hash over ``fields`` (column by
    column, in C), with ``~2``, ``~3``... appended to the second and later copies of an
    identical row, so keys are unique even where rows repeat."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    def at(row: int) -> str:
        return locate(row) if locate is not None else f"row {row}"

    if ID_FIELD in table.column_names:
        ids = pc.cast(table.column(ID_FIELD), pa.string())
        blank = pc.or_(pc.is_null(ids), pc.equal(pc.utf8_trim_whitespace(
            pc.fill_null(ids, "")), ""))
        bad = pc.index(blank, True).as_py()
        if bad is not None and bad >= 0:
            raise DuplicateIdError(f"{where}: column '{ID_FIELD}' is empty at {at(bad)}; "
                                   "every row needs an id (or drop the column and rows "
                                   "are keyed by their content)")
        arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        s = pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object)
        dup = s.duplicated(keep=False).to_numpy()
        if dup.any():
            first = int(np.argmax(dup))
            value = s.iloc[first]
            rows = np.flatnonzero((s == value).to_numpy())
            raise DuplicateIdError(
                f"{where}: column '{ID_FIELD}' repeats the id {value!r} at "
                f"{at(int(rows[0]))} and {at(int(rows[1]))}; ids must be unique "
                "(or drop the column and rows are keyed by their content)")
        return arr
    if table.num_rows == 0:
        return pa.array([], pa.string())
    h = _row_hashes(table, fields)
    keys = np.char.add(b"r", _hex16(h))
    occurrence = pd.Series(h).groupby(h).cumcount().to_numpy()
    out = pa.array(keys, pa.binary()).cast(pa.string())
    repeats = np.flatnonzero(occurrence > 0)
    if len(repeats):  # only the repeated rows are touched in Python
        values = out.to_numpy(zero_copy_only=False).astype(object)
        for i in repeats:
            values[i] = f"{values[i]}~{occurrence[i] + 1}"
        out = pa.array(values, pa.string())
    return out


def _row_hashes(table: pa.Table, fields: Sequence[str]) -> np.ndarray:
    """A uint64 hash per row over ``fields`` (and their names), column by column."""
    import pandas as pd

    names = [f for f in sorted(fields) if f in table.column_names and f != ID_FIELD]
    if not names:
        return np.zeros(table.num_rows, dtype=np.uint64)
    frame = pd.DataFrame({
        name: pd.Series(_as_strings(table.column(name)).to_numpy(zero_copy_only=False),
                        dtype=object).fillna("\x00null")
        for name in names})
    h: np.ndarray = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    # the column names enter the hash too: {'a': 'x'} and {'b': 'x'} differ
    return h ^ np.uint64(int(_digest("|".join(names), size=8), 16))


_row_hash_cache: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], np.ndarray]] = \
    weakref.WeakKeyDictionary()


def dataset_content_key(dataset: Dataset, fields: Sequence[str],
                        indices: Sequence[int] | None = None) -> str:
    """One key for the content of ``dataset``'s rows (``indices``, default all) over
    ``fields``, for values computed from many rows at once, such as a projection. The
    per-row hashes are computed once per dataset object (column by column)."""
    names = tuple(sorted(fields))
    with _identity_lock:
        known = _row_hash_cache.setdefault(dataset, {})
        if names not in known:
            known[names] = _row_hashes(dataset.to_arrow(), names)
        h = known[names]
    if indices is not None:
        h = h[np.asarray(list(indices), dtype=np.int64)]
    return "t" + _digest(h.tobytes(), "|".join(names), str(len(h)))


def legacy_row_ids(table: pa.Table, fields: Sequence[str]) -> list[str]:
    """Row ids as store schema 1 wrote them (a content hash per row; identical rows
    shared one). Used once per dataset, to migrate saved slices and datapoints."""
    if ID_FIELD in table.column_names:
        return [str(v) for v in table.column(ID_FIELD).to_pylist()]
    names = sorted(f for f in fields if f in table.column_names)

    def old(example: Mapping[str, Any], keys: Sequence[str]) -> str:
        content = {k: example.get(k) for k in keys}
        blob = orjson.dumps(content, option=orjson.OPT_SORT_KEYS |
                            orjson.OPT_SERIALIZE_NUMPY)
        return hashlib.blake2b(blob, digest_size=10).hexdigest()

    if not names:
        return [old({"row": i}, ["row"]) for i in range(table.num_rows)]
    cols = [table.column(n).to_pylist() for n in names]
    return [old(dict(zip(names, vals, strict=True)), names)
            for vals in zip(*cols, strict=True)]


# ---------------------------------------------------------------- model keys
def model_key(model: Model) -> str:
    """The key of ``model``'s current weights and settings (see the module docstring).

    Kept on the model object itself, so it lives and dies with the model: a new model
    at a freed model's address never inherits it."""
    token: Hashable = model.state_token()
    generation = getattr(model, "_fingerprint_generation", 0)
    ident = model.__dict__.get(_IDENTITY_ATTR)
    if ident is not None and ident[0] == generation and ident[1] == token:
        return str(ident[2])
    with _identity_lock:
        fp = model.fingerprint()
        if not isinstance(fp, str) or not fp:
            raise ValueError(f"{type(model).__qualname__}.fingerprint() must return a "
                             "non-empty string")
        if not model.persistent_cache():
            # known only in this process: a later process must not read these rows
            fp = f"{fp}|process-{uuid.uuid4().hex}"
        key = "m" + _digest(fp, library_versions(), f"schema{SCHEMA_VERSION}")
        model.__dict__[_IDENTITY_ATTR] = (generation, token, key)
    return key


# -------------------------------------------------------------- derived keys
def config_hash(config: Any) -> str:
    """A stable hash of a config dataclass's (or mapping's) values."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        values = dataclasses.asdict(config)
    elif config is None:
        values = {}
    else:
        values = dict(config)
    return _digest(_json(values), size=8)


def component_version(component: Component | type[Component]) -> str:
    version = getattr(component, "version", None)
    if version in (None, ""):
        name = getattr(component, "id", type(component).__name__)
        raise ValueError(f"component '{name}' declares no version")
    return str(version)


def derived_key(model: Model, component: Component | type[Component], config: Any,
                *extra: str) -> str:
    """Key of a value derived from ``model`` by ``component`` with ``config``."""
    cid = getattr(component, "id", "")
    return "|".join([model_key(model), f"{cid}@{component_version(component)}",
                     config_hash(config), *extra])


def content_key(*parts: Any) -> str:
    """A hash of JSON-able parts (for keys over many rows, such as a projection's)."""
    return _digest(*(_json(p) for p in parts), size=12)


#: version of what :func:`activation_key` keys; bump it when activations change meaning
ACTIVATIONS_VERSION = "1"


def activation_key(model: Model, where: int | str) -> str:
    """Key of the activations ``model`` computes at ``where`` (a hidden-state layer index
    or a submodule name): the model key plus what was read, never an object id."""
    what = f"layer:{where}" if isinstance(where, int) else f"module:{where}"
    return "|".join([model_key(model), f"activations@{ACTIVATIONS_VERSION}",
                     _digest(what, size=8)])
