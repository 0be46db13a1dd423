"""The embedded backend: one SQLite file in WAL mode (standard library only).

Layout::

    meta(name PRIMARY KEY, value)                 settings, as JSON; counters ``removed``, ``gen``
    docs(id INTEGER PRIMARY KEY, id_hash, doc_id, fingerprint, length, published, source)
                                                  one row per article; index on id_hash
    shingles(id INTEGER PRIMARY KEY, data)        the shingles in 496-byte parts: row id is
                                                  (article id << 10) + part number
    pending(doc INTEGER PRIMARY KEY, keys)        band keys of each article added since the
                                                  last merge (32-bit keys, little-endian)
    segments(id, last_doc, pairs)                 band keys of older articles: sorted packed
                                                  (key << 32 | doc) uint64 pairs, one blob per
                                                  range of article numbers
    removed(doc INTEGER PRIMARY KEY)              removed articles still in the segments

Lookups never read band keys from disk: every process holds all of them in memory
(:class:`_Bands`, 8 bytes per article and band: 256 MB at a million articles of 32 bands),
loaded when the index is opened (the segments are a few large blobs, read sequentially) and
brought up to date before each lookup by reading what other processes added since (nothing is
read when ``PRAGMA data_version`` shows that no other connection has committed). Only the
candidates' rows and shingles are read from the file.

Size is what the choices below are about (the target is at most 1 KB per article beyond the
shingles): a band costs 8 bytes in a segment, 4 while pending; the shingles (about 4 KB an
article) are cut into small rows, because whole 2-4 KB rows left about 15% of every page empty
(see ``_PART``); band keys are cut to 32 bits (two unrelated keys then meet with chance
``2**-32`` per band and stored article, so at a million articles about one query in 130 gets
one false candidate, which costs one exact check); and the id lookup goes through a 64-bit hash
of the id, not a second copy of every (often long) URL.

Crash safety: every ``add`` is one transaction. In WAL mode with ``synchronous=NORMAL`` a
commit is in the WAL file (the operating system's cache) before ``add`` returns, so a writer
killed at any moment loses nothing that returned; only a power cut can lose the last commits
(``durable=True`` also syncs each commit to disk). Readers in other processes see a consistent
snapshot while one process writes. The memory copies are only ever built from such snapshots.
A writer copies the WAL back into the file (a checkpoint) on a background thread with its own
connection, so that no add waits for that copy and its two syncs (:class:`_Checkpointer`).
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import xxhash

from syndet.errors import IndexStoreError
from syndet.store import Record, check_new_ids

__all__ = ["SQLiteStore"]

T = TypeVar("T")

#: "SynD": marks the file as a syndet index, so that another SQLite file is refused clearly.
APPLICATION_ID = 0x53796E44
SCHEMA_VERSION = 2
_KEY_SHIFT = 32  # 64-bit band keys -> 32 bits
_DOC_MASK = (1 << 32) - 1  # article numbers in the low half of a packed (key, doc) pair
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
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    last_doc INTEGER NOT NULL,
    pairs BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS removed (doc INTEGER PRIMARY KEY);
"""


def _signed(value: int) -> int:
    """An unsigned 64-bit value in SQLite's signed 64-bit INTEGER."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _id_hash(doc_id: str) -> int:
    return _signed(xxhash.xxh64_intdigest(doc_id.encode("utf-8", "surrogatepass")))


@functools.lru_cache(maxsize=64)
def _docs_sql(n: int) -> str:
    marks = ", ".join("?" * n)
    return f"SELECT {_COLUMNS} FROM docs WHERE id IN ({marks}) ORDER BY id"


#: Most shingle parts inserted by one statement (more are inserted row by row).
_PARTS_PER_INSERT = 64


@functools.lru_cache(maxsize=_PARTS_PER_INSERT)
def _shingles_sql(n: int) -> str:
    return "INSERT INTO shingles (id, data) VALUES " + ", ".join(["(?, ?)"] * n)


@functools.lru_cache(maxsize=64)
def _parts_sql(n: int) -> str:
    """The shingle parts of ``n`` articles, in order (row id ranges, one per article)."""
    values = ", ".join(["(?)"] * n)
    return (
        f"WITH d(doc) AS (VALUES {values}) SELECT s.id, s.data FROM d JOIN shingles s "
        f"ON s.id >= d.doc << {_PARTS_BITS} AND s.id < (d.doc + 1) << {_PARTS_BITS} "
        "ORDER BY s.id"
    )


def _short_keys(keys: np.ndarray) -> np.ndarray:
    """64-bit band keys cut to their top 32 bits (as uint64), as the index stores them."""
    out: np.ndarray = np.asarray(keys, dtype=np.uint64) >> np.uint64(_KEY_SHIFT)
    return out


def _distinct_shorts(keys: np.ndarray) -> np.ndarray:
    """An article's short band keys, each once, sorted (uint64)."""
    out: np.ndarray = _band_kernels().distinct_shorts(np.ascontiguousarray(keys, dtype=np.uint64))
    return out


def _pack(shorts: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """``(key, doc)`` pairs as one sortable uint64 each: the 32-bit key above the doc."""
    docs = np.asarray(docs, dtype=np.uint64)
    if docs.size and int(docs.max()) > _DOC_MASK:
        raise IndexStoreError("the index has more than 2**32 article numbers")
    out: np.ndarray = (np.asarray(shorts, dtype=np.uint64) << np.uint64(_KEY_SHIFT)) | docs
    return out


def _pairs(doc: int, blob: bytes) -> np.ndarray:
    """One article's packed pairs from its ``pending`` keys, each key once (two bands may cut
    to the same 32 bits: the article is then once in that bucket)."""
    shorts = np.unique(np.frombuffer(blob, dtype="<u4")).astype(np.uint64)
    out: np.ndarray = (shorts << np.uint64(_KEY_SHIFT)) | np.uint64(doc)
    return out


class _Bands:
    """Every article's band keys, in this process's memory: probing needs no disk read.

    The file holds them in two forms: ``segments``, large blobs of sorted packed
    ``(key << 32) | doc`` pairs, each for a range of article numbers, read in one sequential
    sweep when an index is opened; and ``pending``, one small row per article added since the
    last merge (an add appends one row instead of touching a large structure). In memory they
    are sorted uint64 arrays ("runs", merged when one grows as large as the one before, so
    there are few) plus a dict for the latest keys. Before each lookup, inside the lookup's
    read snapshot, the segments and pending rows of articles numbered above ``upto`` are read:
    article numbers only grow (AUTOINCREMENT) and writes are serialized, so that is exactly
    what other processes added since. Removed articles stay in the runs and are filtered out
    through ``removed`` (their numbers, read again when ``meta.removed`` changes) until a
    compaction rewrites the segments and bumps ``meta.gen``, which makes every process load
    afresh.
    """

    def __init__(self) -> None:
        self.reset(None)

    def reset(self, gen: str | None) -> None:
        self.gen = gen
        # ``PRAGMA data_version`` of the snapshot memory was last brought up to date in, or
        # None when it must be read again (see :meth:`refresh`).
        self.version: int | None = None
        self.segment = 0  # highest segment id looked at
        self.upto = 0  # every article numbered up to this one is in memory
        self.segment_last = 0  # highest article number in a segment
        self.pending: list[int] = []  # article numbers read from pending, above segment_last
        self.runs: list[np.ndarray] = []
        self.fences: list[np.ndarray] = []  # one per run (empty for a small one)
        self.recent = _Recent()
        self.removed_mark: str | None = None
        self.removed: set[int] = set()

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Bring memory up to date with ``conn``'s current snapshot (inside a transaction).

        ``PRAGMA data_version`` changes exactly when *another* connection (of this process or
        any other) has committed since this one last read; this connection's own commits do
        not change it. So when it equals the value memory was last brought up to date at, the
        file holds nothing new but what this connection wrote itself, and every such write
        either updates memory too (:meth:`note`, an add's keys) or sets ``version`` to None
        (everything else), which makes this read the file again. That saves the three catch-up
        queries below on most adds of a single writer.
        """
        (version,) = conn.execute("PRAGMA data_version").fetchone()
        if version == self.version:
            return
        self._read(conn)
        self.version = version

    def note(self, doc: int, shorts: np.ndarray) -> None:
        """After this connection committed an add of article ``doc`` (numbered above every
        other one) with the distinct short band keys ``shorts`` (sorted uint64), on a snapshot
        memory was up to date with: memory takes the keys as :meth:`refresh` would have read
        them from ``pending``."""
        if self.version is None or doc <= self.upto:
            self.version = None
            return
        self._take_pending(doc, shorts)

    def _take_pending(self, doc: int, shorts: np.ndarray) -> None:
        if not self.recent.add(doc, shorts):
            self._fold()
            self.recent.add(doc, shorts)
        self.pending.append(doc)
        self.upto = doc
        if self.recent.size > _RECENT_MAX:
            self._fold()

    def _read(self, conn: sqlite3.Connection) -> None:
        marks = dict(conn.execute("SELECT name, value FROM meta WHERE name IN ('gen', 'removed')"))
        gen = marks.get("gen", "0")
        if gen != self.gen:
            self.reset(gen)
        new = conn.execute(
            "SELECT id, last_doc, length(pairs) FROM segments WHERE id > ? ORDER BY id",
            (self.segment,),
        ).fetchall()
        need = [(seg_id, size // 8) for seg_id, last_doc, size in new if last_doc > self.upto]
        if need:
            # One array for all of them (a million articles: 256 MB), filled a blob at a time
            # and sorted in place: the segments are sorted runs, which a stable sort (timsort)
            # merges in a few passes (at 32M pairs about 1.5 s, against 5-10 s from scratch).
            run = np.empty(sum(n for _, n in need), dtype=np.uint64)
            at = 0
            for seg_id, _ in need:
                (blob,) = conn.execute(
                    "SELECT pairs FROM segments WHERE id = ?", (seg_id,)
                ).fetchone()
                pairs = np.frombuffer(blob, dtype="<u8")
                if self.upto:  # its first articles may be in memory already
                    pairs = pairs[(pairs & np.uint64(_DOC_MASK)) > np.uint64(self.upto)]
                run[at : at + len(pairs)] = pairs
                at += len(pairs)
                del blob, pairs
            run = run[:at]
            if len(need) > 1:
                run.sort(kind="stable")
            self._add_run(run)
        for seg_id, last_doc, _ in new:
            self.segment = seg_id
            self.segment_last = max(self.segment_last, last_doc)
            self.upto = max(self.upto, last_doc)
        if new:
            cut = bisect.bisect_right(self.pending, self.segment_last)
            del self.pending[:cut]
        for doc, blob in conn.execute(
            "SELECT doc, keys FROM pending WHERE doc > ? ORDER BY doc", (self.upto,)
        ):
            self._take_pending(doc, np.unique(np.frombuffer(blob, dtype="<u4")).astype(np.uint64))
        mark = marks.get("removed", "0")
        if mark != self.removed_mark:
            self.removed = {d for (d,) in conn.execute("SELECT doc FROM removed")}
            self.removed_mark = mark

    def _fold(self) -> None:
        """Move the latest keys into a sorted run."""
        if self.recent.size:
            self._add_run(self.recent.take_pairs())

    def _add_run(self, run: np.ndarray) -> None:
        runs = self.runs
        runs.append(run)
        # Few runs, each probed with a binary search per key and lookup: a run as large as
        # half the one before it is merged into it (a merge sorts two sorted halves).
        while len(runs) > 1 and 2 * len(runs[-1]) >= len(runs[-2]):
            last = runs.pop()
            merged = np.concatenate([runs[-1], last])
            merged.sort(kind="stable")  # two sorted runs: one merge pass
            runs[-1] = merged
        del self.fences[len(runs) - 1 :]
        self.fences.append(_fence(runs[-1]))

    def members(self, shorts: np.ndarray, max_bucket: int) -> list[int]:
        """The oldest ``max_bucket`` stored members of each bucket of the distinct short keys
        ``shorts`` (uint64), removed ones skipped; sorted."""
        removed = self.removed
        cap = max_bucket + len(removed)  # enough from each run to skip every removed one
        found = []
        if self.runs:
            probe = _band_kernels().probe_docs
            q = shorts << np.uint64(_KEY_SHIFT)
            for run, fences in zip(self.runs, self.fences, strict=True):
                which, docs = probe(run, fences, _fence_bits(len(run)), q, cap)
                if len(docs):
                    found.append((which, docs))
        if self.recent.size:
            which, docs = self.recent.docs(shorts, cap)
            if len(docs):
                found.append((which, docs))
        if not found:
            return []
        by_key: dict[int, list[int]] = {}
        for which, docs in found:
            for i, d in zip(which.tolist(), docs.tolist(), strict=True):
                by_key.setdefault(i, []).append(d)
        out: set[int] = set()
        for docs in by_key.values():
            if removed:
                docs = [d for d in docs if d not in removed]
            # oldest first, across the runs and the latest keys
            out.update(sorted(set(docs))[:max_bucket] if len(docs) > max_bucket else docs)
        return sorted(out)


class _Recent:
    """The latest articles' short band keys: a hash table of chains in numpy arrays, filled
    and probed by numba kernels (a dict of lists cost about 1 µs per key and add)."""

    def __init__(self) -> None:
        self.size = 0  # entries (article and key) held
        self._entries = 0  # capacity, set when the arrays are made

    def add(self, doc: int, shorts: np.ndarray) -> bool:
        """Link ``doc`` to its distinct keys; ``False`` (nothing done) when full: the caller
        then folds the table into a run and adds again."""
        if self.size + len(shorts) > self._entries:
            if self.size:
                return False
            self._allocate(len(shorts))
        _band_kernels().recent_add(
            self._slot_key, self._head, self._tail, self._doc, self._next, self.size, shorts, doc
        )
        self.size += len(shorts)
        return True

    def _allocate(self, need: int) -> None:
        self._entries = max(_RECENT_MAX + 1024, need)
        slots = 1 << (2 * self._entries - 1).bit_length()  # keys fill at most half
        self._slot_key = np.zeros(slots, dtype=np.uint64)
        self._head = np.empty(slots, dtype=np.int64)
        self._tail = np.empty(slots, dtype=np.int64)
        self._doc = np.empty(self._entries, dtype=np.int64)
        self._next = np.empty(self._entries, dtype=np.int64)

    def docs(self, shorts: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """``(index in shorts, doc)`` of the oldest ``cap`` docs of each key."""
        out: tuple[np.ndarray, np.ndarray] = _band_kernels().recent_docs(
            self._slot_key, self._head, self._doc, self._next, shorts, cap
        )
        return out

    def take_pairs(self) -> np.ndarray:
        """Every entry as a sorted packed ``(key << 32) | doc`` pair; the table is emptied."""
        pairs: np.ndarray = _band_kernels().recent_pairs(
            self._slot_key, self._head, self._doc, self._next, self.size
        )
        self.size = 0
        return pairs


@functools.lru_cache(maxsize=1)
def _band_kernels() -> Any:
    from syndet._kernels import bands

    return bands


#: Runs of at least this many pairs get a fence (8 bytes per 16 pairs: 16 MB at 32M pairs).
_FENCE_MIN = 1 << 16
_NO_FENCE = np.empty(0, dtype=np.int64)


def _fence_bits(pairs: int) -> int:
    """Prefix bits of a run's fence: about 16 pairs per prefix."""
    return max(1, pairs.bit_length() - 4)


def _fence(run: np.ndarray) -> np.ndarray:
    if len(run) < _FENCE_MIN:
        return _NO_FENCE
    out: np.ndarray = _band_kernels().fence(run, _fence_bits(len(run)))
    return out


#: Pending keys held in the dict of a process's memory before they are sorted into a run.
_RECENT_MAX = 1 << 17

#: Adds between two merges of the pending band keys into a segment. A merge of 50,000
#: articles writes one 13 MB blob; reading them back costs a process that opens the index
#: one sequential read per segment.
MERGE_AT = 50_000

#: Largest segment, in (key, doc) pairs (8 bytes each): a bulk add is cut into several.
_SEGMENT_PAIRS = 1 << 22

#: A merge rewrites the segments without the removed articles once these are at least this
#: many and a quarter of the stored ones.
_COMPACT_MIN = 10_000

#: Candidates' records kept in memory (about 4.5 KB each).
_RECORDS_CACHED = 4_096

#: Write transactions between two checkpoints by the background thread (an add writes about
#: 9 pages to the WAL, so about 9,000 pages).
CHECKPOINT_EVERY = 1_000
#: Pages in the WAL after which a commit checkpoints by itself (SQLite's own automatic
#: checkpoint), should the background thread fall behind.
_AUTOCHECKPOINT = 20_000


class _Checkpointer:
    """Copies the WAL back into the database file on its own thread and connection.

    SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that add
    copies thousands of pages and syncs twice (60-90 ms at 100k articles on a shared disk,
    about 0.06 ms per add on average). A passive checkpoint on another connection does the
    same work without holding up the writer (the writer may append to the WAL meanwhile; the
    standard library releases the GIL while SQLite works), so the writer only signals it.
    A process killed during a checkpoint loses nothing: the WAL stays valid until it is
    reset, which only a writer does, after a complete checkpoint.
    """

    def __init__(self, path: str, synchronous: str) -> None:
        # The file the writer has open, whatever the working directory is now, and never a
        # new empty one (mode=rw).
        self._uri = Path(os.path.abspath(path)).as_uri() + "?mode=rw"
        self._synchronous = synchronous
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="syndet-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._uri, uri=True, timeout=60.0, isolation_level=None)
        except sqlite3.Error:
            return  # the writer's own automatic checkpoint still runs
        try:
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                with suppress(sqlite3.Error):  # busy or failed: the next signal tries again
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()

    def signal(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=60.0)


class SQLiteStore:
    """A syndet index in one SQLite file, or in memory when ``path`` is ``None``."""

    def __init__(self, path: str | None, *, readonly: bool = False, durable: bool = False) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._bands = _Bands()
        self._checkpointer: _Checkpointer | None = None
        self._abspath = os.path.abspath(path) if path is not None else ""
        # Records read as candidates, by article number, most recently used last: an
        # article's row never changes (a replace stores a new number, and AUTOINCREMENT never
        # gives a number twice), and the members of crowded buckets are candidates again
        # and again (3 in 4 candidates at 100k generated articles), each a read of its rows.
        self._cache: OrderedDict[int, Record] = OrderedDict()
        self._writes = 0  # write transactions since the last checkpoint signal
        self._synchronous = "FULL" if durable else "NORMAL"
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
            # The band keys are loaded now, not by the first lookup (one sequential read of
            # the segments: about a second per million articles).
            conn.execute("BEGIN")
            try:
                self._bands.refresh(conn)
                if path is not None:
                    self._warm()
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._close_quietly()
            raise IndexStoreError(f"cannot open the index {where}: {exc}") from exc

    # -- opening ---------------------------------------------------------------------------

    def _warm(self) -> None:
        """Read the id index and the article rows once, into this connection's page cache.

        Every add looks its id up and inserts it into the id index at a random place, and
        every candidate's row is read: in a large index each is a random disk read until the
        page is cached (about 25 and 60 bytes an article: 85 MB at a million articles, read in
        order in well under a second). The shingles, 4 KB an article, are read when needed.
        """
        c = self._conn
        c.execute(
            "SELECT count(*) FROM docs INDEXED BY docs_id_hash WHERE id_hash IS NOT NULL"
        ).fetchone()
        c.execute("SELECT max(length + fingerprint) FROM docs").fetchone()

    def _configure(self, *, durable: bool, readonly: bool) -> None:
        c = self._conn
        if self.path is not None and not readonly:
            mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise IndexStoreError(f"{self.path}: cannot switch to WAL mode (got {mode!r})")
        c.execute(f"PRAGMA synchronous={self._synchronous}")
        # Reads go through SQLite's own page cache, not a memory map: the pages a query needs
        # are scattered, a fault on a mapped file reads ahead far more than one page, and the
        # operating system may drop its cache at any time. Measured at 1M articles after the
        # system's cache was dropped: query p50 26 ms mapped, 0.4 ms with this cache once warm.
        c.execute("PRAGMA mmap_size=0")
        c.execute("PRAGMA cache_size=-524288")  # up to 512 MiB per connection, filled as read
        # Checkpoints are made by a background thread (_Checkpointer) every CHECKPOINT_EVERY
        # write transactions; this connection checkpoints by itself only if that falls behind.
        c.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT}")

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
                c.execute("COMMIT")
            except BaseException:
                # Memory may hold what this transaction read of its own writes (a removal's
                # number): read the file again at the next lookup.
                self._bands.version = None
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
            self._writes += 1
            if self._writes >= CHECKPOINT_EVERY and self.path is not None:
                self._writes = 0
                if self._checkpointer is None:
                    self._checkpointer = _Checkpointer(self._abspath, self._synchronous)
                self._checkpointer.signal()

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

    def _candidates(self, shorts: np.ndarray, max_bucket: int) -> list[Record]:
        """Inside a transaction: the members of the buckets of the distinct short keys
        ``shorts`` (:func:`_distinct_shorts`), from memory."""
        self._bands.refresh(self._conn)
        if not len(shorts):
            return []
        wanted = self._bands.members(shorts, max_bucket)
        if not wanted:
            return []
        cache = self._cache
        missing = [i for i in wanted if i not in cache]
        found: dict[int, Record] = {}
        if missing:
            rows = self._conn.execute(_docs_sql(len(missing)), missing).fetchall()
            found = dict(zip([r[0] for r in rows], self._records(rows), strict=True))
        out: list[Record] = []
        for i in wanted:
            record = found.get(i)
            if record is None:
                record = cache.get(i)
                if record is None:
                    continue  # not stored (cannot happen: the numbers come from the file)
                cache.move_to_end(i)
            out.append(record)
        for i, record in found.items():
            cache[i] = record
            if len(cache) > _RECORDS_CACHED:
                cache.popitem(last=False)
        return out

    def candidates(self, keys: np.ndarray, max_bucket: int) -> list[Record]:
        with self._lock, self._errors("a query"):
            c = self._conn
            c.execute("BEGIN")  # one snapshot for the pending keys and the merged ones
            try:
                return self._candidates(_distinct_shorts(keys), max_bucket)
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

    def _insert(self, record: Record, keys: np.ndarray | None, shingles: bool = True) -> int:
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
        if rowid > _DOC_MASK:
            raise IndexStoreError("the index has more than 2**32 article numbers")
        if shingles:
            self._insert_shingles(record, rowid)
        if keys is not None:
            blob = _short_keys(keys).astype("<u4").tobytes()
            c.execute("INSERT INTO pending (doc, keys) VALUES (?, ?)", (rowid, blob))
        return rowid

    def _merge(self, more: np.ndarray | None = None) -> None:
        """Inside a write transaction: every pending key (and ``more`` packed pairs of newer
        articles) into new segments; then, if many articles were removed, a compaction."""
        c = self._conn
        self._bands.version = None  # memory follows the new segments at the next lookup
        rows = c.execute("SELECT doc, keys FROM pending ORDER BY doc").fetchall()
        parts = [_pairs(doc, blob) for doc, blob in rows]
        if more is not None and more.size:
            parts.append(more)
        if parts:
            self._write_segments(np.concatenate(parts))
            c.execute("DELETE FROM pending")
        removed = c.execute("SELECT count(*) FROM removed").fetchone()[0]
        if removed >= _COMPACT_MIN and 4 * removed >= self.count():
            self._compact()

    def _write_segments(self, pairs: np.ndarray) -> None:
        """Packed pairs of articles newer than every segment as segments, each a range of
        article numbers, sorted."""
        docs = pairs & np.uint64(_DOC_MASK)
        pairs = pairs[np.argsort(docs, kind="stable")]
        docs = pairs & np.uint64(_DOC_MASK)
        start = 0
        while start < len(pairs):
            end = min(len(pairs), start + _SEGMENT_PAIRS)
            while end < len(pairs) and docs[end] == docs[end - 1]:
                end += 1  # an article's pairs stay in one segment
            part = np.sort(pairs[start:end])
            self._conn.execute(
                "INSERT INTO segments (last_doc, pairs) VALUES (?, ?)",
                (int(docs[end - 1]), part.astype("<u8").tobytes()),
            )
            start = end

    def _compact(self) -> None:
        """Rewrite the segments without the removed articles (every process reloads)."""
        c = self._conn
        gone = np.array([d for (d,) in c.execute("SELECT doc FROM removed")], dtype=np.uint64)
        kept = []
        for (blob,) in c.execute("SELECT pairs FROM segments ORDER BY id"):
            pairs = np.frombuffer(blob, dtype="<u8").astype(np.uint64)
            kept.append(pairs[~np.isin(pairs & np.uint64(_DOC_MASK), gone)])
        c.execute("DELETE FROM segments")
        c.execute("DELETE FROM removed")
        if kept:
            self._write_segments(np.concatenate(kept))
        c.execute(
            "INSERT INTO meta (name, value) VALUES ('gen', '1') ON CONFLICT (name) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _delete(self, rowid: int) -> None:
        c = self._conn
        self._bands.version = None  # memory reads ``removed`` again at the next lookup
        c.execute("DELETE FROM pending WHERE doc = ?", (rowid,))
        c.execute(
            "DELETE FROM shingles WHERE id >= ? AND id < ?",
            (rowid << _PARTS_BITS, (rowid + 1) << _PARTS_BITS),
        )
        c.execute("DELETE FROM docs WHERE id = ?", (rowid,))
        # Its keys stay in the segments (and in other processes' memory) until a compaction:
        # every process skips the numbers listed here.
        c.execute("INSERT OR IGNORE INTO removed (doc) VALUES (?)", (rowid,))
        c.execute(
            "INSERT INTO meta (name, value) VALUES ('removed', '1') ON CONFLICT (name) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

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
        with self._lock, self._errors("an add"):
            with self._write():
                old = self._get(record.doc_id)
                if old is not None:
                    if not replace:
                        raise IndexStoreError(
                            f"{record.doc_id!r} is already in the index (remove it first, or add "
                            "with replace=True)"
                        )
                    self._delete(old[0])
                shorts = _distinct_shorts(keys)
                result = decide(self._candidates(shorts, max_bucket))
                rowid = self._insert(record, keys)
                if len(self._bands.pending) + 1 >= MERGE_AT:
                    self._merge()
            # Committed: memory takes the keys it would otherwise read back at the next lookup.
            self._bands.note(rowid, shorts)
        return result

    def _insert_shingles(self, record: Record, rowid: int) -> None:
        data = record.shingles
        if len(data) > _PART << _PARTS_BITS:
            raise IndexStoreError(f"{record.doc_id!r} is too long for the index")
        first = rowid << _PARTS_BITS
        parts = range(0, len(data), _PART)
        # One statement for up to _PARTS_PER_INSERT parts (an article has about nine):
        # executemany steps and binds a statement per row, which cost more than the rows.
        for lo in range(0, len(parts), _PARTS_PER_INSERT):
            values: list[Any] = []
            for p in range(lo, min(lo + _PARTS_PER_INSERT, len(parts))):
                values += (first + p, data[parts[p] : parts[p] + _PART])
            self._conn.execute(_shingles_sql(len(values) // 2), values)

    def add_many(self, records: Sequence[Record], keys: np.ndarray) -> None:
        """Bulk insert; ``keys`` is ``(bands, len(records))``. All or nothing."""
        check_new_ids(records)
        with self._errors("a bulk add"), self._write():
            self._bands.version = None  # memory reads the new segments at the next lookup
            rowids = np.empty(len(records), dtype=np.uint64)
            # The batch's article rows first, then its shingles: the rows (and the id index's
            # new pages) then lie together in the file instead of one page among every 25
            # pages of shingles, and reading them all when an index is opened is a few long
            # reads, not thousands of short ones.
            for i, r in enumerate(records):
                if self._get(r.doc_id) is not None:
                    raise IndexStoreError(f"{r.doc_id!r} is already in the index")
                rowids[i] = self._insert(r, None, shingles=False)
            for r, rowid in zip(records, rowids.tolist(), strict=True):
                self._insert_shingles(r, rowid)
            pairs = np.unique(_pack(_short_keys(keys), np.broadcast_to(rowids, keys.shape)))
            self._merge(pairs)  # with the pending keys: segments stay in article order

    def remove(self, doc_id: str, keys_of: Callable[[Record], np.ndarray]) -> bool:
        with self._errors("a remove"), self._write():
            old = self._get(doc_id)
            if old is None:
                return False
            self._delete(old[0])
        return True

    # -- maintenance -----------------------------------------------------------------------

    def merge(self) -> None:
        """Move the pending band keys into a segment now (also done every MERGE_AT adds)."""
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
            if self._checkpointer is not None:
                self._checkpointer.close()
                self._checkpointer = None
            self._conn.close()
