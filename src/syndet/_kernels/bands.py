"""numba kernels of the SQLite index's in-memory band keys (:mod:`syndet.store.sqlite`;
private, imported lazily).

A run is a sorted uint64 array of packed ``(key << 32) | doc`` pairs. Probing 32 keys in a
million articles' run (32M pairs, 256 MB) with binary searches touches about 25 places each,
most of them cache misses; a fence (the position of the first pair of each top-``bits``
prefix, 8 bytes per prefix) narrows each search to a few dozen neighbouring pairs.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

u64 = nb.uint64


@nb.njit(cache=True)
def fence(run: np.ndarray, bits: int) -> Any:
    """``out[p]``: the position of the first pair in ``run`` whose top ``bits`` bits are at
    least ``p``, for p in 0..2**bits (so a prefix's pairs are ``out[p]:out[p + 1]``)."""
    size = 1 << bits
    shift = u64(64 - bits)
    out = np.empty(size + 1, dtype=np.int64)
    n = run.shape[0]
    j = 0
    for p in range(size + 1):
        while j < n and (run[j] >> shift) < u64(p):
            j += 1
        out[p] = j
    return out


@nb.njit(cache=True)
def probe(run: np.ndarray, fences: np.ndarray, bits: int, queries: np.ndarray, cap: int) -> Any:
    """For each query ``key << 32``: the position of its first pair in ``run`` and how many
    pairs hold that key (at most ``cap``). ``fences`` may be empty: then the whole run is
    searched."""
    m = queries.shape[0]
    n = run.shape[0]
    starts = np.zeros(m, dtype=np.int64)
    counts = np.zeros(m, dtype=np.int64)
    shift = u64(64 - bits)
    step = u64(32)
    for i in range(m):
        q = queries[i]
        lo = 0
        hi = n
        if fences.shape[0] > 0:
            p = np.int64(q >> shift)
            lo = fences[p]
            hi = fences[p + 1]
        while lo < hi:  # first pair >= q
            mid = (lo + hi) >> 1
            if run[mid] < q:
                lo = mid + 1
            else:
                hi = mid
        key = q >> step  # compared as keys: q + 2**32 would wrap for the largest key
        j = lo
        stop = min(n, lo + cap)
        while j < stop and (run[j] >> step) == key:
            j += 1
        starts[i] = lo
        counts[i] = j - lo
    return starts, counts


@nb.njit(cache=True)
def probe_docs(
    run: np.ndarray, fences: np.ndarray, bits: int, queries: np.ndarray, cap: int
) -> Any:
    """:func:`probe`'s buckets as ``(query index, doc)`` pairs: for each query ``key << 32``
    the docs of its first ``cap`` pairs in ``run`` (the oldest), query after query."""
    starts, counts = probe(run, fences, bits, queries, cap)
    total = 0
    for i in range(counts.shape[0]):
        total += counts[i]
    which = np.empty(total, dtype=np.int64)
    docs = np.empty(total, dtype=np.int64)
    mask = u64(0xFFFFFFFF)
    at = 0
    for i in range(counts.shape[0]):
        for j in range(starts[i], starts[i] + counts[i]):
            which[at] = i
            docs[at] = np.int64(run[j] & mask)
            at += 1
    return which, docs


# The latest articles' keys, in a hash table of chains: slot s holds key ``slot_key[s] - 1``
# (0: empty), whose docs are the entries head[s], e_next[head[s]], ... (-1 ends), in the order
# they were added (oldest first); tail[s] is the last, where the next one is linked.


@nb.njit(cache=True, inline="always")
def _slot(slot_key: np.ndarray, key: Any) -> Any:
    mask = slot_key.shape[0] - 1
    s = np.int64((key * u64(0x9E3779B97F4A7C15)) >> u64(40)) & mask
    while slot_key[s] != 0 and slot_key[s] != key + u64(1):
        s = (s + 1) & mask
    return s


@nb.njit(cache=True)
def recent_add(
    slot_key: np.ndarray,
    head: np.ndarray,
    tail: np.ndarray,
    e_doc: np.ndarray,
    e_next: np.ndarray,
    used: int,
    keys: np.ndarray,
    doc: int,
) -> None:
    """Link ``doc`` into the chains of ``keys`` (distinct), as entries ``used, used + 1...``."""
    for i in range(keys.shape[0]):
        key = keys[i]
        s = _slot(slot_key, key)
        e = used + i
        e_doc[e] = doc
        e_next[e] = -1
        if slot_key[s] == 0:
            slot_key[s] = key + u64(1)
            head[s] = e
        else:
            e_next[tail[s]] = e
        tail[s] = e


@nb.njit(cache=True)
def recent_docs(
    slot_key: np.ndarray,
    head: np.ndarray,
    e_doc: np.ndarray,
    e_next: np.ndarray,
    keys: np.ndarray,
    cap: int,
) -> Any:
    """The oldest ``cap`` docs of each key's chain as ``(key index, doc)`` pairs."""
    which = np.empty(0, dtype=np.int64)
    docs = np.empty(0, dtype=np.int64)
    for write in (False, True):  # count, then fill
        at = 0
        for i in range(keys.shape[0]):
            s = _slot(slot_key, keys[i])
            e = head[s] if slot_key[s] != 0 else -1
            c = 0
            while e >= 0 and c < cap:
                if write:
                    which[at] = i
                    docs[at] = e_doc[e]
                at += 1
                c += 1
                e = e_next[e]
        if not write:
            which = np.empty(at, dtype=np.int64)
            docs = np.empty(at, dtype=np.int64)
    return which, docs


@nb.njit(cache=True)
def recent_pairs(
    slot_key: np.ndarray, head: np.ndarray, e_doc: np.ndarray, e_next: np.ndarray, used: int
) -> Any:
    """Every entry as a packed ``(key << 32) | doc`` pair, sorted; the table is emptied."""
    out = np.empty(used, dtype=np.uint64)
    at = 0
    for s in range(slot_key.shape[0]):
        if slot_key[s] != 0:
            key = (slot_key[s] - u64(1)) << u64(32)
            e = head[s]
            while e >= 0:
                out[at] = key | u64(e_doc[e])
                at += 1
                e = e_next[e]
            slot_key[s] = 0
    out = out[:at]
    out.sort()
    return out


@nb.njit(cache=True)
def distinct_shorts(keys: np.ndarray) -> Any:
    """The top 32 bits of each 64-bit band key, each value once, sorted (as uint64)."""
    out = np.sort(keys >> u64(32))
    m = 0
    for i in range(out.shape[0]):
        if m == 0 or out[i] != out[m - 1]:
            out[m] = out[i]
            m += 1
    return out[:m]
