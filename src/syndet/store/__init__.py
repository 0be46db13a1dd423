"""Storage backends of :class:`syndet.Index` (private to the index; crawlers use ``Index``).

A store keeps, per article, what exact verification needs (a :class:`Record`) and the article's
LSH band keys. It knows nothing about shingles or relations: the index hands it keys and records
and a ``decide`` callback, and the store runs that callback inside whatever makes "look up the
candidates, then insert" atomic for it (a SQLite write transaction, a Redis WATCH/MULTI). That
is what lets two crawler processes adding copies of one story at the same time still see each
other's copy.

Band keys are unsigned 64-bit values from :func:`syndet.lsh.band_keys`, one per band, with the
band number already mixed in, so one namespace of keys serves every band.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

__all__ = ["Record", "Store", "check_new_ids", "open_store"]

T = TypeVar("T")


@dataclass(slots=True)
class Record:
    """One stored article: what verification needs, plus its metadata."""

    doc_id: str
    #: xxh64 of the normalized text; with ``length``, decides ``duplicate`` as the scan does.
    fingerprint: int
    #: Length of the normalized text in UTF-8 bytes.
    length: int
    #: The sorted, duplicate-free shingle hashes as little-endian uint64 bytes. Raw on purpose:
    #: the hashes are uniform, so delta + varint coding saves nothing at article sizes (the
    #: gaps of 500 sorted 64-bit hashes need about 55 bits, which is 8 varint bytes anyway).
    shingles: bytes
    #: Publication time in microseconds since the epoch (UTC), if known.
    published: int | None = None
    source: str | None = None

    def shingle_array(self) -> np.ndarray:
        return np.frombuffer(self.shingles, dtype="<u8").astype(np.uint64, copy=False)


class Store(Protocol):
    """What :class:`syndet.Index` needs from a backend."""

    def settings(self) -> dict[str, Any] | None:
        """The settings the index was created with, or ``None`` for a new, empty index."""

    def init_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Store ``settings`` unless some are stored already; return what is stored."""

    def candidates(self, keys: np.ndarray, max_bucket: int) -> list[Record]:
        """Stored articles sharing at least one key (at most ``max_bucket`` per key)."""

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
        """Atomically: find the candidates, ``decide(candidates)``, insert ``record``.

        An article already stored under the same id raises :class:`IndexStoreError` unless
        ``replace`` is set; then it is removed first (its keys from ``keys_of(old)``) and is
        not among the candidates.
        """

    def add_many(self, records: Sequence[Record], keys: np.ndarray) -> None:
        """Insert many new articles without looking for matches (bulk loading)."""

    def remove(self, doc_id: str, keys_of: Callable[[Record], np.ndarray]) -> bool:
        """Remove one article; ``False`` if it was not stored."""

    def contains(self, doc_id: str) -> bool: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


def check_new_ids(records: Sequence[Record]) -> None:
    """Refuse a bulk add that names one id twice (before anything is written)."""
    seen: set[str] = set()
    for r in records:
        if r.doc_id in seen:
            from syndet.errors import IndexStoreError

            raise IndexStoreError(f"{r.doc_id!r} is given twice")
        seen.add(r.doc_id)


def open_store(location: str | None, *, durable: bool = False) -> Store:
    """The backend for a location: ``redis://...``/``rediss://...``, a file path, or memory."""
    if location is not None and location.startswith(("redis://", "rediss://", "unix://")):
        from syndet.store.redis import RedisStore

        return RedisStore(location)
    from syndet.store.sqlite import SQLiteStore

    return SQLiteStore(location, durable=durable)
