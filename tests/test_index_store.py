"""The SQLite store's in-memory band keys against a brute-force reference.

Random adds, replaces, removes, bulk adds, merges and compactions, with tiny limits so that
every path (pending keys, the dict, sorted runs, segments, removed articles, a compaction that
makes other connections reload, the cache of candidates' records) is taken; after each step,
a writer, a reader that follows along and a freshly opened connection must all give the
reference's candidates: per key, the oldest ``max_bucket`` stored articles holding it.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from syndet.errors import IndexStoreError
from syndet.store import Record
from syndet.store import sqlite as store
from syndet.store.sqlite import SQLiteStore

MAX_BUCKET = 3


def keys_for(rnd: random.Random) -> np.ndarray:
    """32 band keys from a small space (so buckets fill up); the low 32 bits are noise the
    store cuts off, and two bands sometimes share a key."""
    tops = [rnd.randrange(40) for _ in range(32)]
    return np.array([(t << 32) | rnd.randrange(1 << 32) for t in tops], dtype=np.uint64)


def record(doc_id: str) -> Record:
    return Record(doc_id=doc_id, fingerprint=1, length=1, shingles=b"\0" * 8)


class Reference:
    def __init__(self) -> None:
        self.docs: dict[str, np.ndarray] = {}  # in insertion order

    def candidates(self, keys: np.ndarray) -> set[str]:
        out: set[str] = set()
        for top in set((keys >> np.uint64(32)).tolist()):
            holders = [d for d, k in self.docs.items() if top in (k >> np.uint64(32)).tolist()]
            out.update(holders[:MAX_BUCKET])
        return out


def ids(records: list[Record]) -> set[str]:
    return {r.doc_id for r in records}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_candidates_equal_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(store, "MERGE_AT", 7)
    monkeypatch.setattr(store, "_RECENT_MAX", 50)
    monkeypatch.setattr(store, "_COMPACT_MIN", 3)
    monkeypatch.setattr(store, "_SEGMENT_PAIRS", 100)
    monkeypatch.setattr(store, "_RECORDS_CACHED", 4)  # records are cached and evicted
    monkeypatch.setattr(store, "_FENCE_MIN", 16)  # large runs are probed through fences
    rnd = random.Random(seed)
    path = str(tmp_path / "s.syndet")
    ref = Reference()
    writer, reader = SQLiteStore(path), SQLiteStore(path)
    keys_of = ref.docs.__getitem__  # the old version's keys, as the index would compute them
    n = 0
    try:
        for step in range(160):
            op = rnd.random()
            stored = list(ref.docs)
            if op < 0.55 or not stored:
                n += 1
                doc_id, keys = f"d{n}", keys_for(rnd)
                got = writer.add(record(doc_id), keys, MAX_BUCKET, ids, replace=False, keys_of=None)
                assert got == ref.candidates(keys), step
                ref.docs[doc_id] = keys
            elif op < 0.65:
                doc_id, keys = rnd.choice(stored), keys_for(rnd)
                del ref.docs[doc_id]
                got = writer.add(
                    record(doc_id),
                    keys,
                    MAX_BUCKET,
                    ids,
                    replace=True,
                    keys_of=lambda r: keys_of(r.doc_id),  # never needed by SQLite
                )
                assert got == ref.candidates(keys), step
                ref.docs[doc_id] = keys
            elif op < 0.8:
                doc_id = rnd.choice(stored)
                assert writer.remove(doc_id, lambda r: np.empty(0, np.uint64))
                del ref.docs[doc_id]
            elif op < 0.88:
                batch = [f"b{n}-{i}" for i in range(rnd.randrange(1, 12))]
                n += 1
                keys = np.stack([keys_for(rnd) for _ in batch], axis=1)
                writer.add_many([record(d) for d in batch], keys)
                for i, d in enumerate(batch):
                    ref.docs[d] = keys[:, i]
            else:
                writer.merge()
            for _ in range(3):
                q = keys_for(rnd)
                want = ref.candidates(q)
                assert ids(writer.candidates(q, MAX_BUCKET)) == want, step
                assert ids(reader.candidates(q, MAX_BUCKET)) == want, step
            if step % 40 == 39:
                fresh = SQLiteStore(path)
                q = keys_for(rnd)
                assert ids(fresh.candidates(q, MAX_BUCKET)) == ref.candidates(q)
                fresh.close()
        assert writer.count() == len(ref.docs)
        assert writer.integrity_check() == ["ok"]
        gen = writer._conn.execute("SELECT value FROM meta WHERE name = 'gen'").fetchone()
        assert gen is not None  # a compaction happened, and the reader followed it
    finally:
        writer.close()
        reader.close()


def test_second_writer_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two connections that both write, alternating at random: each must see the other's
    adds, removals and merges (they change its ``data_version``) and its own (they do not)."""
    monkeypatch.setattr(store, "MERGE_AT", 5)
    monkeypatch.setattr(store, "_RECENT_MAX", 40)
    monkeypatch.setattr(store, "_RECORDS_CACHED", 6)
    rnd = random.Random(7)
    path = str(tmp_path / "two.syndet")
    ref = Reference()
    a, b = SQLiteStore(path), SQLiteStore(path)
    try:
        for step in range(150):
            w = rnd.choice([a, b])
            stored = list(ref.docs)
            if rnd.random() < 0.8 or not stored:
                doc_id, keys = f"d{step}", keys_for(rnd)
                got = w.add(record(doc_id), keys, MAX_BUCKET, ids, replace=False, keys_of=None)
                assert got == ref.candidates(keys), step
                ref.docs[doc_id] = keys
            else:
                doc_id = rnd.choice(stored)
                assert w.remove(doc_id, lambda r: np.empty(0, np.uint64))
                del ref.docs[doc_id]
            q = keys_for(rnd)
            assert ids(a.candidates(q, MAX_BUCKET)) == ref.candidates(q), step
            assert ids(b.candidates(q, MAX_BUCKET)) == ref.candidates(q), step
    finally:
        a.close()
        b.close()


def test_catch_up_is_skipped_only_when_no_one_else_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is read again at a lookup exactly when another connection committed since."""
    path = str(tmp_path / "v.syndet")
    reads: list[int] = []
    real = store._Bands._read

    def counted(self: store._Bands, conn: object) -> None:
        reads.append(id(self))
        real(self, conn)  # type: ignore[arg-type]

    monkeypatch.setattr(store._Bands, "_read", counted)
    a, b = SQLiteStore(path), SQLiteStore(path)
    keys = [np.full(32, top << 32, dtype=np.uint64) for top in range(1, 3)]  # two buckets
    try:
        a.add(record("x"), keys[0], MAX_BUCKET, ids, replace=False, keys_of=None)
        a.candidates(keys[1], MAX_BUCKET)
        reads.clear()
        # a's own add and the lookups after it: nothing to read
        assert a.add(record("y"), keys[0], MAX_BUCKET, ids, replace=False, keys_of=None) == {"x"}
        assert ids(a.candidates(keys[0], MAX_BUCKET)) == {"x", "y"}
        assert id(a._bands) not in reads
        # b's add changes a's data_version: a reads it
        b.add(record("z"), keys[0], MAX_BUCKET, ids, replace=False, keys_of=None)
        assert ids(a.candidates(keys[0], MAX_BUCKET)) == {"x", "y", "z"}
        assert reads.count(id(a._bands)) == 1
        assert ids(a.candidates(keys[0], MAX_BUCKET)) == {"x", "y", "z"}
        assert reads.count(id(a._bands)) == 1
        # a removal by a itself is read back from the file
        assert a.remove("x", lambda r: np.empty(0, np.uint64))
        assert ids(a.candidates(keys[0], MAX_BUCKET)) == {"y", "z"}
        assert ids(b.candidates(keys[0], MAX_BUCKET)) == {"y", "z"}
        # a refused add (the id exists) leaves memory as it was
        with pytest.raises(IndexStoreError):
            a.add(record("y"), keys[1], MAX_BUCKET, ids, replace=False, keys_of=None)
        assert ids(a.candidates(keys[1], MAX_BUCKET)) == set()
    finally:
        a.close()
        b.close()


PEER = r"""
import sys
import numpy as np
from syndet.store import Record
from syndet.store.sqlite import SQLiteStore

s = SQLiteStore(sys.argv[1])
for line in sys.stdin:
    op, arg = line.split()
    keys = np.full(32, int(arg) << 32, dtype=np.uint64)
    if op == "add":
        record = Record(doc_id=f"c{arg}", fingerprint=1, length=1, shingles=b"\0" * 8)
        got = s.add(record, keys, 100, lambda rs: sorted(r.doc_id for r in rs), replace=False,
                    keys_of=None)
    else:
        got = sorted(r.doc_id for r in s.candidates(keys, 100))
    print(" ".join(got) or "-", flush=True)
s.close()
"""


def test_two_writing_processes_see_each_other(tmp_path: Path) -> None:
    """Another process's commits change this one's ``data_version``; the adds of each writer
    are found by the other's next lookup and by its own."""
    path = str(tmp_path / "p.syndet")
    here = SQLiteStore(path)
    peer = subprocess.Popen(
        [sys.executable, "-c", PEER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(store.__file__).parents[2])},
    )
    assert peer.stdin is not None and peer.stdout is not None

    def ask(line: str) -> list[str]:
        assert peer.stdin is not None and peer.stdout is not None
        peer.stdin.write(line + "\n")
        peer.stdin.flush()
        answer = peer.stdout.readline().split()
        return [] if answer == ["-"] else answer

    def keys(top: int) -> np.ndarray:
        return np.full(32, top << 32, dtype=np.uint64)

    def mine(top: int) -> list[str]:
        return sorted(r.doc_id for r in here.candidates(keys(top), 100))

    try:
        for top in range(1, 6):
            assert ask(f"add {top}") == []  # a new bucket
            got = here.add(
                Record(doc_id=f"p{top}", fingerprint=1, length=1, shingles=b"\0" * 8),
                keys(top),
                100,
                lambda rs: sorted(r.doc_id for r in rs),
                replace=False,
                keys_of=None,
            )
            assert got == [f"c{top}"]  # the peer's add, committed by another process
            assert mine(top) == [f"c{top}", f"p{top}"]  # and its own
            assert ask(f"query {top}") == [f"c{top}", f"p{top}"]
            assert ask(f"add {top}0") == []
            assert mine(top * 10) == [f"c{top}0"]
    finally:
        peer.stdin.close()
        assert peer.wait(timeout=60) == 0
        here.close()


def test_background_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the writer's own automatic checkpoint off, the database file still takes the
    WAL's pages: the background thread copies them, and it stops when the store closes."""
    import threading
    import time

    monkeypatch.setattr(store, "CHECKPOINT_EVERY", 5)
    monkeypatch.setattr(store, "_AUTOCHECKPOINT", 0)  # 0: SQLite never checkpoints by itself
    # a relative path, and the working directory changes before the thread opens the file
    (tmp_path / "an index #1").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    writer = SQLiteStore("an index #1/c.syndet")
    monkeypatch.chdir(tmp_path / "elsewhere")
    path = str(tmp_path / "an index #1" / "c.syndet")
    before = os.path.getsize(path)
    rnd = random.Random(5)
    for i in range(40):
        writer.add(record(f"d{i}"), keys_for(rnd), MAX_BUCKET, ids, replace=False, keys_of=None)
    deadline = time.monotonic() + 60  # waits for the thread, asserts nothing about speed
    while os.path.getsize(path) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.path.getsize(path) > before
    writer.close()
    assert not [t for t in threading.enumerate() if t.name == "syndet-checkpoint"]
    assert not list((tmp_path / "elsewhere").iterdir())  # no stray new index
    reopened = SQLiteStore(path)
    assert reopened.count() == 40
    assert reopened.integrity_check() == ["ok"]
    reopened.close()


@pytest.mark.parametrize("seed", [0, 1])
def test_probe_equals_searchsorted(seed: int) -> None:
    """The band kernel's probe, with and without a fence, against numpy's binary search."""
    from syndet._kernels import bands

    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 1 << 32, 3_000, dtype=np.uint64)
    keys[:40] = keys[40]  # a crowded bucket
    keys[40:45] = [0, 1, (1 << 32) - 1, (1 << 32) - 2, 1 << 31]  # the ends of the key space
    docs = rng.integers(0, 1 << 32, keys.size, dtype=np.uint64)
    run = np.sort((keys << np.uint64(32)) | docs)
    queries = np.sort(
        np.unique(np.concatenate([keys[::7], rng.integers(0, 1 << 32, 500, dtype=np.uint64)]))
    ) << np.uint64(32)
    lo = np.searchsorted(run, queries)
    # the pairs of the key after (the largest key's end is the run's end, not a wrapped 0)
    after = queries + np.uint64(1 << 32)
    hi = np.where(after > queries, np.searchsorted(run, after), len(run))
    assert (hi - lo)[-1] > 0  # the largest key is stored and probed
    for bits in (1, 4, 7, 12):
        for cap in (1, 3, 100):
            for fences in (bands.fence(run, bits), np.empty(0, dtype=np.int64)):
                starts, counts = bands.probe(run, fences, bits, queries, cap)
                assert np.array_equal(counts, np.minimum(hi - lo, cap))
                assert np.array_equal(starts[counts > 0], lo[counts > 0])
