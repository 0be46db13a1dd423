"""The shared backend: one Redis database for a fleet of crawlers on many machines.

Keys, under a prefix (``syndet:`` unless the URL says ``?prefix=name``)::

    {p}settings        string   the settings, as JSON
    {p}count           string   number of stored articles
    {p}seq             string   counter that orders the members of a bucket (oldest first)
    {p}doc:{doc_id}    hash     fp, len, sh (shingle set bytes), pub, src
    {p}b:{key}         zset     ids of the articles in one LSH bucket, scored by {p}seq

An add is optimistic: it WATCHes the article's id and every bucket it falls into, reads the
candidates, verifies them on the client, and writes in one MULTI/EXEC; if another crawler
changed one of those buckets in between, EXEC fails and the add starts again. So two machines
adding copies of one story at the same time still see each other's copy, and articles that
share no bucket never make each other retry.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from syndet.errors import ConfigError, IndexStoreError
from syndet.store import Record, check_new_ids

__all__ = ["RedisStore"]

T = TypeVar("T")

#: Retries of an add whose buckets keep changing under it (each retry is one round trip).
_MAX_RETRIES = 100


def _split_prefix(url: str) -> tuple[str, str]:
    """The URL without syndet's ``prefix`` parameter, and the prefix."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = "syndet:"
    kept = []
    for name, value in query:
        if name == "prefix":
            prefix = value if value.endswith(":") else value + ":"
        else:
            kept.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(kept))), prefix


class RedisStore:
    """A syndet index in a Redis database (``redis://host:port/db?prefix=name``)."""

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ConfigError(
                "a redis:// index needs the redis package: pip install 'syndet[redis]'"
            ) from exc
        self._redis_mod = redis
        clean, self.prefix = _split_prefix(url)
        self.url = url
        self._lock = threading.RLock()
        try:
            self._r: Any = redis.Redis.from_url(clean)
            self._r.ping()
        except (redis.RedisError, ValueError) as exc:
            raise IndexStoreError(f"cannot reach the index at {url}: {exc}") from exc

    # -- helpers ---------------------------------------------------------------------------

    def _errors(self, doing: str) -> _Errors:
        return _Errors(self, doing)

    def _doc_key(self, doc_id: str) -> bytes:
        return self.prefix.encode() + b"doc:" + doc_id.encode("utf-8", "surrogatepass")

    def _band_keys(self, keys: np.ndarray) -> list[bytes]:
        head = self.prefix.encode() + b"b:"
        return [head + b"%x" % k for k in np.asarray(keys, dtype=np.uint64).tolist()]

    @staticmethod
    def _record(doc_id: str, fields: Sequence[bytes | None]) -> Record | None:
        fp, length, sh, pub, src = fields
        if fp is None or length is None or sh is None:
            return None  # removed since it was found in a bucket
        return Record(
            doc_id=doc_id,
            fingerprint=int(fp),
            length=int(length),
            shingles=bytes(sh),
            published=int(pub) if pub is not None else None,
            source=src.decode("utf-8") if src is not None else None,
        )

    _FIELDS = ("fp", "len", "sh", "pub", "src")

    def _fetch(self, pipe: Any, doc_ids: list[str]) -> list[Record]:
        for d in doc_ids:
            pipe.hmget(self._doc_key(d), *self._FIELDS)
        rows = pipe.execute() if doc_ids else []
        out = []
        for d, fields in zip(doc_ids, rows, strict=True):
            rec = self._record(d, fields)
            if rec is not None:
                out.append(rec)
        return out

    def _members(self, pipe: Any, band_keys: list[bytes], max_bucket: int) -> list[str]:
        for key in band_keys:
            pipe.zrange(key, 0, max_bucket - 1)
        seen: dict[str, None] = {}
        for members in pipe.execute():
            for m in members:
                seen.setdefault(m.decode("utf-8", "surrogatepass"), None)
        return sorted(seen)

    # -- settings --------------------------------------------------------------------------

    def settings(self) -> dict[str, Any] | None:
        with self._lock, self._errors("reading the settings"):
            raw = self._r.get(self.prefix + "settings")
        return None if raw is None else dict(json.loads(raw))

    def init_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        with self._lock, self._errors("writing the settings"):
            self._r.set(self.prefix + "settings", json.dumps(settings, sort_keys=True), nx=True)
            raw = self._r.get(self.prefix + "settings")
        return dict(json.loads(raw))

    # -- reads -----------------------------------------------------------------------------

    def candidates(self, keys: np.ndarray, max_bucket: int) -> list[Record]:
        with self._lock, self._errors("a query"):
            pipe = self._r.pipeline(transaction=False)
            ids = self._members(pipe, self._band_keys(keys), max_bucket)
            return self._fetch(pipe, ids)

    def contains(self, doc_id: str) -> bool:
        with self._lock, self._errors("a lookup"):
            return bool(self._r.exists(self._doc_key(doc_id)))

    def count(self) -> int:
        with self._lock, self._errors("counting"):
            return int(self._r.get(self.prefix + "count") or 0)

    # -- writes ----------------------------------------------------------------------------

    def _queue_insert(self, pipe: Any, record: Record, band_keys: list[bytes], seq: int) -> None:
        fields: dict[str, Any] = {
            "fp": record.fingerprint,
            "len": record.length,
            "sh": record.shingles,
        }
        if record.published is not None:
            fields["pub"] = record.published
        if record.source is not None:
            fields["src"] = record.source
        pipe.hset(self._doc_key(record.doc_id), mapping=fields)
        member = record.doc_id.encode("utf-8", "surrogatepass")
        for key in band_keys:
            pipe.zadd(key, {member: seq})
        pipe.incr(self.prefix + "count")

    def _queue_delete(self, pipe: Any, record: Record, band_keys: list[bytes]) -> None:
        member = record.doc_id.encode("utf-8", "surrogatepass")
        for key in band_keys:
            pipe.zrem(key, member)
        pipe.delete(self._doc_key(record.doc_id))
        pipe.decr(self.prefix + "count")

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
        redis = self._redis_mod
        band_keys = self._band_keys(keys)
        doc_key = self._doc_key(record.doc_id)
        with self._lock, self._errors("an add"):
            seq = int(self._r.incr(self.prefix + "seq"))
            for _ in range(_MAX_RETRIES):
                with self._r.pipeline(transaction=True) as pipe:
                    try:
                        pipe.watch(doc_key, *band_keys)
                        old = self._record(record.doc_id, pipe.hmget(doc_key, *self._FIELDS))
                        if old is not None and not replace:
                            raise IndexStoreError(
                                f"{record.doc_id!r} is already in the index (remove it first, "
                                "or add with replace=True)"
                            )
                        old_keys = self._band_keys(keys_of(old)) if old is not None else []
                        if old_keys:
                            pipe.watch(*old_keys)
                        reader = self._r.pipeline(transaction=False)
                        ids = self._members(reader, band_keys, max_bucket)
                        ids = [d for d in ids if d != record.doc_id]
                        result = decide(self._fetch(reader, ids))
                        pipe.multi()
                        if old is not None:
                            self._queue_delete(pipe, old, old_keys)
                        self._queue_insert(pipe, record, band_keys, seq)
                        pipe.execute()
                        return result
                    except redis.WatchError:
                        continue
            raise IndexStoreError(
                f"adding {record.doc_id!r}: its buckets kept changing ({_MAX_RETRIES} retries)"
            )

    def add_many(self, records: Sequence[Record], keys: np.ndarray) -> None:
        """Bulk insert, pipelined; each article is written atomically, not the whole batch."""
        check_new_ids(records)
        with self._lock, self._errors("a bulk add"):
            pipe = self._r.pipeline(transaction=False)
            for r in records:
                pipe.exists(self._doc_key(r.doc_id))
            taken = [r.doc_id for r, e in zip(records, pipe.execute(), strict=True) if e]
            if taken:
                raise IndexStoreError(f"{taken[0]!r} is already in the index")
            end = int(self._r.incrby(self.prefix + "seq", len(records)))
            pipe = self._r.pipeline(transaction=False)
            for i, r in enumerate(records):
                self._queue_insert(pipe, r, self._band_keys(keys[:, i]), end - len(records) + i)
                if i % 1000 == 999:
                    pipe.execute()
            pipe.execute()

    def remove(self, doc_id: str, keys_of: Callable[[Record], np.ndarray]) -> bool:
        redis = self._redis_mod
        doc_key = self._doc_key(doc_id)
        with self._lock, self._errors("a remove"):
            for _ in range(_MAX_RETRIES):
                with self._r.pipeline(transaction=True) as pipe:
                    try:
                        pipe.watch(doc_key)
                        old = self._record(doc_id, pipe.hmget(doc_key, *self._FIELDS))
                        if old is None:
                            return False
                        pipe.multi()
                        self._queue_delete(pipe, old, self._band_keys(keys_of(old)))
                        pipe.execute()
                        return True
                    except redis.WatchError:
                        continue
            raise IndexStoreError(f"removing {doc_id!r}: it kept changing")

    def close(self) -> None:
        with self._lock:
            self._r.close()


class _Errors:
    """Turns redis-py errors into IndexStoreError, naming the index and the operation."""

    def __init__(self, store: RedisStore, doing: str) -> None:
        self.store = store
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if exc is not None and isinstance(exc, self.store._redis_mod.RedisError):
            if isinstance(exc, self.store._redis_mod.WatchError):
                return
            raise IndexStoreError(f"index {self.store.url}: {self.doing} failed: {exc}") from exc
