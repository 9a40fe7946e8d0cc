"""The persistent store: cached model outputs and user-created data, in SQLite (WAL).

Every write is its own transaction, so a killed process loses at most the batch it was
writing; WAL keeps readers going while a writer works.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from lumos.store.codec import decode, encode

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
  model TEXT NOT NULL, example TEXT NOT NULL, field TEXT NOT NULL, value BLOB NOT NULL,
  PRIMARY KEY (model, example, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS datapoints (
  dataset TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, data BLOB NOT NULL,
  created REAL NOT NULL, PRIMARY KEY (dataset, id)
);
CREATE TABLE IF NOT EXISTS state (
  namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, updated REAL NOT NULL,
  PRIMARY KEY (namespace, key)
);
"""


def default_store_path() -> Path:
    """``$LUMOS_HOME/store.sqlite``, else the user cache dir."""
    home = os.environ.get("LUMOS_HOME")
    if home:
        return Path(home) / "store.sqlite"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("lumos")) / "store.sqlite"


class Store:
    """A thread-safe handle on one SQLite file (``":memory:"`` for tests)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path not in (None, ":memory:") else path
        target = str(self.path) if self.path is not None else str(default_store_path())
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ----------------------------------------------------------------- outputs
    def get_outputs(self, model: str, ids: Sequence[str], fields: Sequence[str]
                    ) -> dict[tuple[str, str], Any]:
        """Cached values for every (id, field) found; missing pairs are absent."""
        found: dict[tuple[str, str], Any] = {}
        if not ids or not fields:
            return found
        fmarks = ",".join("?" * len(fields))
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start:start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT example, field, value FROM outputs WHERE model=? "
                    f"AND example IN ({marks}) AND field IN ({fmarks})",
                    [model, *chunk, *fields],
                ).fetchall()
                for ex, f, blob in rows:
                    found[(ex, f)] = decode(blob)
        return found

    def put_outputs(self, model: str, rows: Iterable[tuple[str, str, Any]]) -> None:
        data = [(model, ex, f, encode(v)) for ex, f, v in rows]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO outputs VALUES (?,?,?,?)", data)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def count_outputs(self, model: str | None = None) -> int:
        with self._lock:
            if model is None:
                return int(self._db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0])
            return int(self._db.execute(
                "SELECT COUNT(*) FROM outputs WHERE model=?", [model]).fetchone()[0])

    # -------------------------------------------------------------- datapoints
    def put_datapoint(self, dataset: str, example: dict[str, Any],
                      parent: str | None = None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO datapoints VALUES (?,?,?,?,?)",
                [dataset, example["id"], parent, encode(example), time.time()])

    def datapoints(self, dataset: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT data, parent FROM datapoints WHERE dataset=? ORDER BY created",
                [dataset]).fetchall()
        out = []
        for blob, parent in rows:
            ex = decode(blob)
            ex["_parent"] = parent
            out.append(ex)
        return out

    def delete_datapoint(self, dataset: str, ex_id: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM datapoints WHERE dataset=? AND id=?",
                                   [dataset, ex_id])
        return cur.rowcount > 0

    # ------------------------------------------------------------------- state
    def put_state(self, namespace: str, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO state VALUES (?,?,?,?)",
                             [namespace, key, orjson.dumps(value), time.time()])

    def get_state(self, namespace: str, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE namespace=? AND key=?",
                                   [namespace, key]).fetchone()
        return orjson.loads(row[0]) if row else default

    def list_state(self, namespace: str) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM state WHERE namespace=? ORDER BY updated",
                [namespace]).fetchall()
        return {k: orjson.loads(v) for k, v in rows}

    def delete_state(self, namespace: str, key: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM state WHERE namespace=? AND key=?",
                                   [namespace, key])
        return cur.rowcount > 0
