"""The dataset contract.

A dataset is a table of typed fields with a stable id per row (a content hash of the
row's spec fields, so the same example gets the same id everywhere: in the cache, in
exports, in links). Rows stay in Arrow; code asks for the rows it needs by index, so a
million rows never become a million Python dicts.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from lumos.api.types import Spec

if TYPE_CHECKING:
    import pyarrow as pa

ID_FIELD = "id"
PARENT_FIELD = "_parent"


def _default(o: Any) -> Any:
    tolist = getattr(o, "tolist", None)
    if tolist is not None:
        return tolist()
    raise TypeError(f"cannot hash a value of type {type(o).__name__}")


def example_id(example: Mapping[str, Any], fields: Sequence[str] | None = None) -> str:
    """Stable content hash of an example's fields (all fields when ``fields`` is None).

    Keys starting with ``_`` and the ``id`` key itself are not content.
    """
    names = sorted(fields if fields is not None else example)
    content = {n: example.get(n) for n in names if n != ID_FIELD and not n.startswith("_")}
    blob = orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY,
                        default=_default)
    return hashlib.blake2b(blob, digest_size=10).hexdigest()


class Dataset(ABC):
    """Base class of every dataset."""

    @abstractmethod
    def spec(self) -> Spec:
        """The typed fields of each row."""

    @abstractmethod
    def __len__(self) -> int: ...

    @property
    @abstractmethod
    def ids(self) -> Sequence[str]:
        """Row ids, in row order."""

    @abstractmethod
    def examples(self, indices: Sequence[int]) -> list[dict[str, Any]]:
        """The rows at ``indices`` as dicts (with an ``id`` key)."""

    @abstractmethod
    def to_arrow(self) -> pa.Table:
        """The whole dataset as an Arrow table (with an ``id`` column)."""

    def description(self) -> str:
        return ""

    def index_of(self, ex_id: str) -> int:
        lookup = getattr(self, "_index", None)
        if lookup is None:
            lookup = {i: n for n, i in enumerate(self.ids)}
            self._index = lookup
        try:
            return int(lookup[ex_id])
        except KeyError:
            raise KeyError(f"no example with id '{ex_id}' in this dataset") from None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        n = len(self)
        for start in range(0, n, 1024):
            yield from self.examples(range(start, min(start + 1024, n)))
