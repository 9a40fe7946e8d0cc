"""The dataset contract.

A dataset is a table of typed fields with a row key per row (``ids``): the user's id
column, or a hash of the row's fields plus its occurrence among identical rows
(``lumos.store.keys.row_keys``). Row keys say which row; they label selections, slices,
links and exports, and never key the cache (a model's outputs are cached by the content
of its input fields). Rows stay in Arrow; code asks for the rows it needs by index, so
a million rows never become a million Python dicts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from lumos.api.types import Spec

if TYPE_CHECKING:
    import pyarrow as pa

ID_FIELD = "id"
PARENT_FIELD = "_parent"


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
        """Row keys, in row order (unique within the dataset)."""

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
