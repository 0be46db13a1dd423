"""The SQLite store's in-memory band keys against a brute-force reference.

Random adds, replaces, removes, bulk adds, merges and compactions, with tiny limits so that
every path (pending keys, the dict, sorted runs, segments, removed articles, a compaction that
makes other connections reload) is taken; after each step, a writer, a reader that follows
along and a freshly opened connection must all give the reference's candidates: per key, the
oldest ``max_bucket`` stored articles holding it.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

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
