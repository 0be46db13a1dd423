"""The embedded backend: one SQLite file in WAL mode (standard library only).

Layout::

    meta(name PRIMARY KEY, value)                 settings, as JSON
    docs(id INTEGER PRIMARY KEY, id_hash, doc_id, fingerprint, length, published, source)
                                                  one row per article; index on id_hash
    shingles(id INTEGER PRIMARY KEY, data)        the shingles in 496-byte parts: row id is
                                                  (article id << 10) + part number
    bands(key, doc, PRIMARY KEY (key, doc))       WITHOUT ROWID: one row per article and band

Size is what the choices below are about (the target is at most 1 KB per article beyond the
shingles): ``bands`` is a clustered B-tree, so a band costs one small row and no separate
index; the shingles (about 4 KB an article) are cut into small rows, because whole 2-4 KB
rows left about 15% of every page empty (see ``_PART``); band keys are cut to 32 bits (4 bytes
instead of 8: two unrelated keys then meet with chance ``2**-32`` per band and stored article,
so at a million articles about one query in 130 gets one false candidate, which costs one
exact check); and the id lookup goes through a 64-bit hash of the id, not a second copy of
every (often long) URL.

Crash safety: every ``add`` is one transaction. In WAL mode with ``synchronous=NORMAL`` a
commit is in the WAL file (the operating system's cache) before ``add`` returns, so a writer
killed at any moment loses nothing that returned; only a power cut can lose the last commits
(``durable=True`` also syncs each commit to disk). Readers in other processes see a consistent
snapshot while one process writes.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import numpy as np
import xxhash

from syndet.errors import IndexStoreError
from syndet.store import Record, check_new_ids

__all__ = ["SQLiteStore"]

T = TypeVar("T")

#: "SynD": marks the file as a syndet index, so that another SQLite file is refused clearly.
APPLICATION_ID = 0x53796E44
SCHEMA_VERSION = 1
_KEY_SHIFT = 32  # 64-bit band keys -> 32 bits
_KEY_BIAS = 1 << 31  # ... shifted into the signed range, so SQLite stores them in 4 bytes
_COLUMNS = "id, doc_id, fingerprint, length, published, source"
#: Bytes of shingles per row of ``shingles``. Rows appended in row id order fill a page
#: before the next is begun, up to the space no further row fits in: smaller rows waste less
#: there but cost more row headers (measured per article beyond the shingles, 20k articles:
#: 1,000-byte rows 1,143 bytes, 496 bytes 968, 288 bytes 949; a whole-blob row 1,324).
_PART = 496
_PARTS_BITS = 10  # up to 1,024 parts (128,000 shingles) per article

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    id_hash INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    fingerprint INTEGER NOT NULL,
    length INTEGER NOT NULL,
    published INTEGER,
    source TEXT
);
CREATE INDEX IF NOT EXISTS docs_id_hash ON docs (id_hash);
CREATE TABLE IF NOT EXISTS shingles (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pending (doc INTEGER PRIMARY KEY, keys BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS bands (
    key INTEGER NOT NULL,
    doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)
) WITHOUT ROWID;
"""


def _signed(value: int) -> int:
    """An unsigned 64-bit value in SQLite's signed 64-bit INTEGER."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _id_hash(doc_id: str) -> int:
    return _signed(xxhash.xxh64_intdigest(doc_id.encode("utf-8", "surrogatepass")))


@functools.lru_cache(maxsize=8)
def _buckets_sql(n: int) -> str:
    """``(key, doc)`` of the merged members of ``n`` buckets, in one statement (prepared once:
    sqlite3 caches it by its text). Each bucket gives at most ``?1`` members, its oldest: the
    primary key orders a bucket by doc."""
    return " UNION ALL ".join(
        f"SELECT * FROM (SELECT key, doc FROM bands WHERE key = ?{i + 2} ORDER BY doc LIMIT ?1)"
        for i in range(n)
    )


@functools.lru_cache(maxsize=64)
def _docs_sql(n: int) -> str:
    marks = ", ".join("?" * n)
    return f"SELECT {_COLUMNS} FROM docs WHERE id IN ({marks}) ORDER BY id"


@functools.lru_cache(maxsize=64)
def _parts_sql(n: int) -> str:
    """The shingle parts of ``n`` articles, in order (row id ranges, one per article)."""
    values = ", ".join(["(?)"] * n)
    return (
        f"WITH d(doc) AS (VALUES {values}) SELECT s.id, s.data FROM d JOIN shingles s "
        f"ON s.id >= d.doc << {_PARTS_BITS} AND s.id < (d.doc + 1) << {_PARTS_BITS} "
        "ORDER BY s.id"
    )


def _sql_keys(keys: np.ndarray) -> list[int]:
    short = (np.asarray(keys, dtype=np.uint64) >> np.uint64(_KEY_SHIFT)).astype(np.int64)
    return (short - _KEY_BIAS).tolist()  # type: ignore[no-any-return]


class _Tail:
    """The band keys of the articles added since the last merge, in memory, per connection.

    An add does not insert its 32 band rows into ``bands``: scattered over a large B-tree they
    would dirty 32 pages, each written to the WAL at commit and again at checkpoint (measured:
    most of an add's time at 100k articles). It appends one ``pending`` row instead, next to
    the previous one. Every connection keeps the pending keys in sorted arrays and reads only
    the rows added since it last looked; every :data:`MERGE_AT` adds, the writer moves them into
    ``bands`` in key order (each page touched once) and bumps ``meta.merged``, which tells the
    other connections to start over.
    """

    def __init__(self) -> None:
        self.merged: str | None = None
        self.last = 0  # highest pending doc read
        self.docs_seen = 0
        # Older pending keys in sorted arrays, the latest in a dict: one dict entry per key
        # costs about 100 bytes, a sorted pair 16, and re-sorting after every add would cost
        # more than the add.
        self.keys = np.empty(0, dtype=np.int64)  # sorted by (key, doc)
        self.docs = np.empty(0, dtype=np.int64)
        self.recent: dict[int, list[int]] = {}
        self.recent_size = 0

    def refresh(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM meta WHERE name = 'merged'").fetchone()
        merged = row[0] if row else "0"
        if merged != self.merged:
            self.__init__()  # type: ignore[misc]
            self.merged = merged
        rows = conn.execute(
            "SELECT doc, keys FROM pending WHERE doc > ? ORDER BY doc", (self.last,)
        ).fetchall()
        if not rows:
            return
        recent = self.recent
        for doc, blob in rows:
            for key in np.frombuffer(blob, dtype="<i4").tolist():
                bucket = recent.get(key)
                if bucket is None:
                    recent[key] = [doc]
                else:
                    bucket.append(doc)
            self.recent_size += len(blob) // 4
        self.last = rows[-1][0]
        self.docs_seen += len(rows)
        if self.recent_size > _RECENT_MAX:
            self._fold()

    def _fold(self) -> None:
        """Move the dict's keys into the sorted arrays."""
        keys = np.fromiter(
            (k for k, docs in self.recent.items() for _ in docs), np.int64, self.recent_size
        )
        docs = np.fromiter(
            (d for ds in self.recent.values() for d in ds), np.int64, self.recent_size
        )
        keys = np.concatenate([self.keys, keys])
        docs = np.concatenate([self.docs, docs])
        order = np.lexsort((docs, keys))
        self.keys, self.docs = keys[order], docs[order]
        self.recent, self.recent_size = {}, 0

    def members(self, keys: list[int], limits: dict[int, int]) -> set[int]:
        """Pending members of the given buckets, at most ``limits[key]`` each, oldest first."""
        out: set[int] = set()
        if len(self.keys):
            q = np.asarray(keys, dtype=np.int64)
            lo = np.searchsorted(self.keys, q).tolist()
            hi = np.searchsorted(self.keys, q, side="right").tolist()
            for i, key in enumerate(keys):
                if hi[i] > lo[i]:
                    out.update(self.docs[lo[i] : min(hi[i], lo[i] + limits[key])].tolist())
                    limits[key] -= hi[i] - lo[i]
        for key in keys:
            bucket = self.recent.get(key)
            if bucket and limits[key] > 0:
                out.update(bucket[: limits[key]])
        return out


#: Pending keys held in the dict of a connection's tail before they are sorted in.
_RECENT_MAX = 1 << 17

#: Adds between two merges of the pending band keys into ``bands``. A merge of 50,000
#: articles (1.6 million sorted rows) takes a few seconds in the add that triggers it; the
#: pending keys cost every connection about 25 MB of memory at most.
MERGE_AT = 50_000


class SQLiteStore:
    """A syndet index in one SQLite file, or in memory when ``path`` is ``None``."""

    def __init__(self, path: str | None, *, readonly: bool = False, durable: bool = False) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._tail = _Tail()
        where = path if path is not None else ":memory:"
        try:
            if readonly and path is not None:
                conn = sqlite3.connect(
                    f"file:{path}?mode=ro",
                    uri=True,
                    timeout=60.0,
                    isolation_level=None,
                    check_same_thread=False,
                )
            else:
                # isolation_level=None: transactions are begun and ended here, explicitly.
                # check_same_thread=False: calls are serialized by self._lock instead, so that an
                # index can be shared by a crawler's threads.
                conn = sqlite3.connect(
                    where, timeout=60.0, isolation_level=None, check_same_thread=False
                )
            self._conn = conn
            self._configure(durable=durable, readonly=readonly)
            if not readonly:
                self._create()
            else:
                self._check_application_id()
        except sqlite3.Error as exc:
            self._close_quietly()
            raise IndexStoreError(f"cannot open the index {where}: {exc}") from exc

    # -- opening ---------------------------------------------------------------------------

    def _configure(self, *, durable: bool, readonly: bool) -> None:
        c = self._conn
        if self.path is not None and not readonly:
            mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise IndexStoreError(f"{self.path}: cannot switch to WAL mode (got {mode!r})")
        c.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        # Reads go through SQLite's own page cache, not a memory map: the pages a query needs
        # are scattered, a fault on a mapped file reads ahead far more than one page, and the
        # operating system may drop its cache at any time. Measured at 1M articles after the
        # system's cache was dropped: query p50 26 ms mapped, 0.4 ms with this cache once warm.
        c.execute("PRAGMA mmap_size=0")
        c.execute("PRAGMA cache_size=-524288")  # up to 512 MiB per connection, filled as read
        # Checkpoint less often than the default 1,000 pages: each checkpoint syncs twice, and
        # an add dirties about 35 scattered pages.
        c.execute("PRAGMA wal_autocheckpoint=10000")

    def _check_application_id(self) -> None:
        app = self._conn.execute("PRAGMA application_id").fetchone()[0]
        if app != APPLICATION_ID:
            raise IndexStoreError(f"{self.path} is an SQLite file but not a syndet index")

    def _create(self) -> None:
        with self._write():
            c = self._conn
            app = c.execute("PRAGMA application_id").fetchone()[0]
            if app == 0:
                tables = c.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
                if tables:
                    raise IndexStoreError(f"{self.path} is an SQLite file but not a syndet index")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        c.execute(statement)
                c.execute(f"PRAGMA application_id={APPLICATION_ID}")
                c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif app != APPLICATION_ID:
                raise IndexStoreError(f"{self.path} is an SQLite file but not a syndet index")
            version = c.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise IndexStoreError(
                    f"{self.path} has index format {version}; this syndet reads format "
                    f"{SCHEMA_VERSION}"
                )

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction; the write lock is taken first, so reads inside are current."""
        with self._lock:
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise IndexStoreError(
                f"index {self.path or ':memory:'}: {doing} failed: {exc}"
            ) from exc

    # -- settings --------------------------------------------------------------------------

    def settings(self) -> dict[str, Any] | None:
        with self._lock, self._errors("reading the settings"):
            row = self._conn.execute("SELECT value FROM meta WHERE name = 'settings'").fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def init_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        with self._errors("writing the settings"), self._write():
            self._conn.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('settings', ?)",
                (json.dumps(settings, sort_keys=True),),
            )
            row = self._conn.execute("SELECT value FROM meta WHERE name = 'settings'").fetchone()
        return dict(json.loads(row[0]))

    # -- reads -----------------------------------------------------------------------------

    @staticmethod
    def _record(row: tuple[Any, ...], shingles: bytes) -> Record:
        fp = row[2]
        return Record(
            doc_id=row[1],
            fingerprint=fp + (1 << 64) if fp < 0 else fp,
            length=row[3],
            shingles=shingles,
            published=row[4],
            source=row[5],
        )

    def _records(self, rows: list[tuple[Any, ...]]) -> list[Record]:
        """Records of ``docs`` rows, with their shingles put back together from the parts."""
        if not rows:
            return []
        parts: dict[int, list[bytes]] = {}
        for part_id, data in self._conn.execute(_parts_sql(len(rows)), [r[0] for r in rows]):
            parts.setdefault(part_id >> _PARTS_BITS, []).append(data)
        return [self._record(r, b"".join(parts.get(r[0], ()))) for r in rows]

    def _candidates(self, keys: np.ndarray, max_bucket: int) -> list[Record]:
        """Inside a transaction: the members of the article's buckets, merged and pending."""
        sql_keys = _sql_keys(keys)
        if not sql_keys:
            return []
        self._tail.refresh(self._conn)
        per_key: dict[int, int] = {}
        ids: set[int] = set()
        for key, doc in self._conn.execute(_buckets_sql(len(sql_keys)), (max_bucket, *sql_keys)):
            per_key[key] = per_key.get(key, 0) + 1
            ids.add(doc)
        limits = {key: max_bucket - per_key.get(key, 0) for key in sql_keys}
        ids |= self._tail.members(sql_keys, limits)
        if not ids:
            return []
        # Ids of removed articles may linger in another connection's tail: never found here.
        return self._records(self._conn.execute(_docs_sql(len(ids)), sorted(ids)).fetchall())

    def candidates(self, keys: np.ndarray, max_bucket: int) -> list[Record]:
        with self._lock, self._errors("a query"):
            c = self._conn
            c.execute("BEGIN")  # one snapshot for the pending keys and the merged ones
            try:
                return self._candidates(keys, max_bucket)
            finally:
                c.execute("COMMIT")

    def _get(self, doc_id: str) -> tuple[int, Record] | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM docs WHERE id_hash = ? AND doc_id = ?",
            (_id_hash(doc_id), doc_id),
        ).fetchone()
        return None if row is None else (int(row[0]), self._records([row])[0])

    def contains(self, doc_id: str) -> bool:
        with self._lock, self._errors("a lookup"):
            row = self._conn.execute(
                "SELECT 1 FROM docs WHERE id_hash = ? AND doc_id = ?", (_id_hash(doc_id), doc_id)
            ).fetchone()
        return row is not None

    def count(self) -> int:
        with self._lock, self._errors("counting"):
            return int(self._conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    # -- writes ----------------------------------------------------------------------------

    def _insert(self, record: Record, sql_keys: list[int]) -> int:
        c = self._conn
        cur = c.execute(
            "INSERT INTO docs (id_hash, doc_id, fingerprint, length, published, source)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                _id_hash(record.doc_id),
                record.doc_id,
                _signed(record.fingerprint),
                record.length,
                record.published,
                record.source,
            ),
        )
        rowid = cur.lastrowid
        assert rowid is not None
        data = record.shingles
        if len(data) > _PART << _PARTS_BITS:
            raise IndexStoreError(f"{record.doc_id!r} is too long for the index")
        first = rowid << _PARTS_BITS
        c.executemany(
            "INSERT INTO shingles (id, data) VALUES (?, ?)",
            [(first + p, data[at : at + _PART]) for p, at in enumerate(range(0, len(data), _PART))],
        )
        if sql_keys:
            blob = np.asarray(sql_keys, dtype="<i4").tobytes()
            c.execute("INSERT INTO pending (doc, keys) VALUES (?, ?)", (rowid, blob))
        return rowid

    def _merge(self) -> None:
        """Inside a write transaction: move every pending key into ``bands``, in key order."""
        c = self._conn
        rows = c.execute("SELECT doc, keys FROM pending").fetchall()
        if rows:
            keys = np.frombuffer(b"".join(r[1] for r in rows), dtype="<i4").astype(np.int64)
            docs = np.repeat(
                np.array([r[0] for r in rows], dtype=np.int64), [len(r[1]) // 4 for r in rows]
            )
            self._insert_bands(keys, docs)
            c.execute("DELETE FROM pending")
        c.execute(
            "INSERT INTO meta (name, value) VALUES ('merged', '1') ON CONFLICT (name) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _insert_bands(self, keys: np.ndarray, docs: np.ndarray) -> None:
        # In key order: appending to the B-tree in order touches each page once, where one
        # article at a time would dirty a random page per band. OR IGNORE: two bands of one
        # article may (very rarely) cut to the same 32 bits.
        order = np.lexsort((docs, keys))
        step = 1 << 20
        for start in range(0, len(order), step):
            part = order[start : start + step]
            self._conn.executemany(
                "INSERT OR IGNORE INTO bands (key, doc) VALUES (?, ?)",
                zip(keys[part].tolist(), docs[part].tolist(), strict=True),
            )

    def _delete(self, rowid: int, keys: np.ndarray) -> None:
        c = self._conn
        c.execute("DELETE FROM pending WHERE doc = ?", (rowid,))
        c.executemany(
            "DELETE FROM bands WHERE key = ? AND doc = ?", [(k, rowid) for k in _sql_keys(keys)]
        )
        c.execute(
            "DELETE FROM shingles WHERE id >= ? AND id < ?",
            (rowid << _PARTS_BITS, (rowid + 1) << _PARTS_BITS),
        )
        c.execute("DELETE FROM docs WHERE id = ?", (rowid,))

    def add(
        self,
        record: Record,
        keys: np.ndarray,
        max_bucket: int,
        decide: Callable[[list[Record]], T],
        *,
        replace: bool,
        keys_of: Callable[[Record], np.ndarray],
    ) -> T:
        with self._errors("an add"), self._write():
            old = self._get(record.doc_id)
            if old is not None:
                if not replace:
                    raise IndexStoreError(
                        f"{record.doc_id!r} is already in the index (remove it first, or add "
                        "with replace=True)"
                    )
                self._delete(old[0], keys_of(old[1]))
            result = decide(self._candidates(keys, max_bucket))
            self._insert(record, _sql_keys(keys))
            if self._tail.docs_seen + 1 >= MERGE_AT:
                self._merge()
        return result

    def add_many(self, records: Sequence[Record], keys: np.ndarray) -> None:
        """Bulk insert; ``keys`` is ``(bands, len(records))``. All or nothing."""
        check_new_ids(records)
        with self._errors("a bulk add"), self._write():
            rowids = np.empty(len(records), dtype=np.int64)
            for i, r in enumerate(records):
                if self._get(r.doc_id) is not None:
                    raise IndexStoreError(f"{r.doc_id!r} is already in the index")
                rowids[i] = self._insert(r, [])
            short = (np.asarray(keys, dtype=np.uint64) >> np.uint64(_KEY_SHIFT)).astype(np.int64)
            self._insert_bands(
                (short - _KEY_BIAS).ravel(), np.broadcast_to(rowids, short.shape).ravel()
            )

    def remove(self, doc_id: str, keys_of: Callable[[Record], np.ndarray]) -> bool:
        with self._errors("a remove"), self._write():
            old = self._get(doc_id)
            if old is None:
                return False
            self._delete(old[0], keys_of(old[1]))
        return True

    # -- maintenance -----------------------------------------------------------------------

    def merge(self) -> None:
        """Move the pending band keys into ``bands`` now (also done every MERGE_AT adds)."""
        with self._errors("a merge"), self._write():
            self._merge()

    def integrity_check(self) -> list[str]:
        """SQLite's own check of the file; ``["ok"]`` when sound."""
        with self._lock, self._errors("the integrity check"):
            return [str(r[0]) for r in self._conn.execute("PRAGMA integrity_check").fetchall()]

    def size_bytes(self) -> int:
        """Bytes the index takes on disk (database plus WAL), 0 in memory."""
        if self.path is None:
            return 0
        return sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))

    def _close_quietly(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            with suppress(sqlite3.Error):
                conn.close()

    def close(self) -> None:
        with self._lock, self._errors("closing"):
            self._conn.close()
