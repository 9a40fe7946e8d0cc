"""The persistent store: cached model outputs and user-created data, in SQLite (WAL).

Every write is its own transaction, so a killed process loses at most the batch it was
writing; WAL keeps readers going while a writer works.

Two kinds of table: the **cache** (``outputs``, ``models`` and the ``projections``
namespace of ``state``), which can always be recomputed, and **user tables**
(``datapoints`` and the rest of ``state``: slices, selections, layouts, settings), which
cannot. The schema version is kept in ``meta``. Opening a store written under an older
schema sets its cache tables aside (renamed ``*_schema<N>``, with a one-line message;
``lumos cache prune`` drops them) and migrates user tables in place: nothing a user
saved is dropped. Row keys inside saved slices and datapoints' parent links are
remapped when their dataset is next loaded (:meth:`Store.pending_row_key_migration`).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from lumos.store.codec import decode, encode
from lumos.store.keys import SCHEMA_VERSION

#: namespaces of ``state`` that hold cached values rather than what a user saved
CACHE_NAMESPACES = ("projections",)

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
CREATE TABLE IF NOT EXISTS models (
  key TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,
  created REAL NOT NULL, used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
        self._touched: set[tuple[str, str]] = set()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._upgrade(target)
                self._create_tables()
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)",
                                 [str(SCHEMA_VERSION)])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # ---------------------------------------------------------------- schema
    def _create_tables(self) -> None:
        # one statement at a time: executescript() would commit the open transaction
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def _tables(self) -> set[str]:
        return {r[0] for r in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}

    def schema_version(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        return int(row[0])

    def _upgrade(self, where: str) -> None:
        """Set an older schema's cache aside; keep (and later remap) its user tables."""
        tables = self._tables()
        if not tables:
            return  # a new file
        version = 1
        if "meta" in tables:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            version = int(row[0]) if row else 1
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{where}: written by a newer lumos (store schema {version}; "
                               f"this one reads {SCHEMA_VERSION}); upgrade lumos or point "
                               "LUMOS_HOME at another directory")
        if version == SCHEMA_VERSION:
            return
        aside = 0
        if "outputs" in tables:
            aside += self._db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0]
            self._db.execute(f"ALTER TABLE outputs RENAME TO outputs_schema{version}")
        if "state" in tables:
            marks = ",".join("?" * len(CACHE_NAMESPACES))
            self._db.execute(f"CREATE TABLE IF NOT EXISTS state_schema{version} AS "
                             f"SELECT * FROM state WHERE namespace IN ({marks})",
                             CACHE_NAMESPACES)
            cur = self._db.execute(f"DELETE FROM state WHERE namespace IN ({marks})",
                                   CACHE_NAMESPACES)
            aside += cur.rowcount
        # datasets whose saved row keys (slices, parents) need remapping to schema 2's
        pending: set[str] = set()
        if "datapoints" in tables:
            pending |= {r[0] for r in self._db.execute("SELECT DISTINCT dataset FROM datapoints")}
        if "state" in tables:
            for (blob,) in self._db.execute("SELECT value FROM state"):
                v = orjson.loads(blob)
                if isinstance(v, dict) and isinstance(v.get("dataset"), str) and \
                        isinstance(v.get("ids"), list):
                    pending.add(v["dataset"])
        self._create_tables()
        for name in pending:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             [f"rowkeys:{name}", str(version)])
        print(f"lumos: {where} was written under store schema {version}; its {aside} cached "
              f"values are set aside (schema {SCHEMA_VERSION} recomputes them; "
              "`lumos cache prune` drops them); saved slices and datapoints are kept",
              file=sys.stderr)

    def pending_row_key_migration(self, dataset: str) -> bool:
        """Whether ``dataset``'s saved slices and parent links still use old row keys."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM meta WHERE key=?",
                                    [f"rowkeys:{dataset}"]).fetchone() is not None

    def migrate_row_keys(self, dataset: str, mapping: Mapping[str, str]) -> int:
        """Rewrite ``dataset``'s saved row keys through ``mapping`` (old -> new), once.

        Returns how many references changed; a key not in ``mapping`` is kept as it is
        (a datapoint's own key, or a row that has gone)."""
        changed = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for ex_id, parent in self._db.execute(
                        "SELECT id, parent FROM datapoints WHERE dataset=?",
                        [dataset]).fetchall():
                    if parent in mapping and mapping[parent] != parent:
                        self._db.execute("UPDATE datapoints SET parent=? WHERE dataset=? "
                                         "AND id=?", [mapping[parent], dataset, ex_id])
                        changed += 1
                for ns, key, blob in self._db.execute(
                        "SELECT namespace, key, value FROM state").fetchall():
                    v = orjson.loads(blob)
                    if not (isinstance(v, dict) and v.get("dataset") == dataset
                            and isinstance(v.get("ids"), list)):
                        continue
                    new = [mapping.get(i, i) for i in v["ids"]]
                    if new != v["ids"]:
                        changed += sum(a != b for a, b in zip(new, v["ids"], strict=True))
                        v["ids"] = list(dict.fromkeys(new))
                        self._db.execute("UPDATE state SET value=? WHERE namespace=? AND "
                                         "key=?", [orjson.dumps(v), ns, key])
                self._db.execute("DELETE FROM meta WHERE key=?", [f"rowkeys:{dataset}"])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return changed

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

    # ------------------------------------------------------- cache management
    def touch_model(self, key: str, name: str,
                    describe: Callable[[], str] = lambda: "") -> None:
        """Record that the model with ``key`` was used now, under ``name`` (``"model"``,
        the engine's default, never replaces a real name). ``describe`` is called only
        when the row is written: once per key and name in this process, not per call."""
        if (key, name) in self._touched:
            return
        description = describe()
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO models VALUES (?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET "
                "name=CASE WHEN excluded.name='model' THEN models.name ELSE excluded.name "
                "END, description=excluded.description, used=excluded.used",
                [key, name, description, now, now])
        self._touched.add((key, name))

    def _model_rows(self) -> dict[str, tuple[str, str, float]]:
        return {k: (n, d, u) for k, n, d, u in self._db.execute(
            "SELECT key, name, description, used FROM models")}

    def cache_info(self) -> dict[str, Any]:
        """What the cache holds: per model key (and the derived keys built on it), its
        name, rows and bytes; tables set aside from older schemas; the file's size."""
        with self._lock:
            names = self._model_rows()
            rows = self._db.execute(
                "SELECT model, COUNT(*), SUM(LENGTH(value)) FROM outputs GROUP BY model"
            ).fetchall()
            aside = {t: self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in sorted(self._tables()) if "_schema" in t}
            projections = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(value)), 0) FROM state WHERE "
                "namespace='projections'").fetchone()
        models: dict[str, dict[str, Any]] = {}
        for key, count, size in rows:
            base = key.split("|", 1)[0]
            name, description, used = names.get(base, ("?", "", 0.0))
            m = models.setdefault(base, {"key": base, "name": name,
                                         "description": description, "used": used,
                                         "rows": 0, "bytes": 0, "derived": {}})
            m["rows"] += count
            m["bytes"] += size or 0
            if "|" in key:
                method = key.split("|")[1]
                d = m["derived"].setdefault(method, {"rows": 0, "bytes": 0})
                d["rows"] += count
                d["bytes"] += size or 0
        size = 0
        if isinstance(self.path, Path):
            size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*")
                       if p.is_file())
        return {"path": str(self.path), "schema": SCHEMA_VERSION, "bytes": size,
                "models": sorted(models.values(), key=lambda m: -m["bytes"]),
                "projections": {"rows": projections[0], "bytes": projections[1]},
                "set_aside": aside}

    def models_named(self, name_or_key: str) -> list[str]:
        """Model keys recorded under ``name_or_key`` (a name, a key or a key's prefix)."""
        with self._lock:
            rows = self._model_rows()
            found = [k for k, (n, _, _) in rows.items()
                     if n == name_or_key or k.startswith(name_or_key)]
            if not found:
                found = [r[0] for r in self._db.execute(
                    "SELECT DISTINCT model FROM outputs WHERE model LIKE ?",
                    [name_or_key + "%"]) if "|" not in r[0]]
        return sorted(set(found))

    def clear_cache(self, model_keys: Sequence[str] | None = None) -> int:
        """Delete cached values (of ``model_keys`` only, when given); user tables stay."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if model_keys is None:
                    n = self._db.execute("DELETE FROM outputs").rowcount
                    n += self._db.execute(
                        "DELETE FROM state WHERE namespace='projections'").rowcount
                    self._db.execute("DELETE FROM models")
                else:
                    n = 0
                    for k in model_keys:
                        n += self._db.execute("DELETE FROM outputs WHERE model=? OR "
                                              "model LIKE ?", [k, k + "|%"]).rowcount
                        self._db.execute("DELETE FROM models WHERE key=?", [k])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._touched.clear()
        return int(n)

    def prune(self, *, unused_days: float = 30.0) -> dict[str, int]:
        """Drop tables set aside from older schemas and the cache of models not used for
        ``unused_days``, then give the space back to the file system (VACUUM)."""
        cutoff = time.time() - unused_days * 86400
        with self._lock:
            aside = [t for t in self._tables() if "_schema" in t]
            dropped = 0
            for t in aside:
                dropped += self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                self._db.execute(f"DROP TABLE {t}")
            stale = [k for k, (_, _, used) in self._model_rows().items() if used < cutoff]
            known = set(self._model_rows())
            orphans = [r[0] for r in self._db.execute("SELECT DISTINCT model FROM outputs")
                       if r[0].split("|", 1)[0] not in known]
        removed = self.clear_cache(stale) if stale else 0
        with self._lock:
            for k in orphans:
                removed += self._db.execute("DELETE FROM outputs WHERE model=?",
                                            [k]).rowcount
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {"set_aside_rows": dropped, "models": len(stale), "rows": removed}

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
