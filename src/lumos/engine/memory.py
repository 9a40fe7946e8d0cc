"""The engine's in-memory cache: bounded by bytes, least recently used out first.

Entries are ``(table, key) -> value`` where a table is ``(model key, field)``. Two pools
share nothing: *kept* values (predictions the store also holds) and *transient* ones (a
perturbation method's thousands of edited copies, ``persist=False``), each with its own
byte budget, so a LIME run can never push real predictions out. Any table can be
evicted, the last one included. Sizes are estimates (array buffers exactly, Python
objects roughly), good enough for a budget.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

#: default budget for kept values; transient ones get a quarter of it
DEFAULT_BYTES = 512 * 2**20


def value_size(v: Any) -> int:
    """Rough bytes held by ``v`` (arrays by their buffers, containers recursively)."""
    if isinstance(v, np.ndarray):
        return int(v.nbytes) + 112
    if isinstance(v, str | bytes):
        return len(v) + 49
    if isinstance(v, Mapping):
        return 64 + sum(value_size(k) + value_size(x) for k, x in v.items())
    if isinstance(v, list | tuple):
        return 56 + 8 * len(v) + sum(value_size(x) for x in v)
    return sys.getsizeof(v)


class _Pool:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.entries: OrderedDict[tuple[str, str, str], tuple[Any, int]] = OrderedDict()

    def put(self, table: tuple[str, str], key: str, value: Any) -> None:
        k = (table[0], table[1], key)
        old = self.entries.pop(k, None)
        if old is not None:
            self.size -= old[1]
        n = value_size(value)
        if n > self.limit:
            return  # larger than the whole budget: the store keeps it
        self.entries[k] = (value, n)
        self.size += n
        while self.size > self.limit:
            _, (_, m) = self.entries.popitem(last=False)
            self.size -= m

    def get(self, table: tuple[str, str], key: str) -> tuple[bool, Any]:
        k = (table[0], table[1], key)
        hit = self.entries.get(k)
        if hit is None:
            return False, None
        self.entries.move_to_end(k)
        return True, hit[0]


class MemoryCache:
    """Thread-safe LRU of model outputs, bounded by ``max_bytes`` (plus a quarter of it
    for transient values)."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self._lock = threading.Lock()
        self._kept = _Pool(max_bytes)
        self._transient = _Pool(max_bytes // 4)

    @property
    def max_bytes(self) -> int:
        return self._kept.limit

    def size(self, *, transient: bool = False) -> int:
        return (self._transient if transient else self._kept).size

    def __len__(self) -> int:
        return len(self._kept.entries) + len(self._transient.entries)

    def put_many(self, table: tuple[str, str], values: Iterable[tuple[str, Any]], *,
                 transient: bool = False) -> None:
        with self._lock:
            pool = self._transient if transient else self._kept
            for key, v in values:
                pool.put(table, key, v)

    def get_many(self, table: tuple[str, str], keys: Iterable[str]) -> dict[str, Any]:
        """The values found for ``keys`` (kept first, then transient)."""
        found: dict[str, Any] = {}
        with self._lock:
            for key in keys:
                ok, v = self._kept.get(table, key)
                if not ok:
                    ok, v = self._transient.get(table, key)
                if ok:
                    found[key] = v
        return found

    def clear(self) -> None:
        with self._lock:
            for pool in (self._kept, self._transient):
                pool.entries.clear()
                pool.size = 0
