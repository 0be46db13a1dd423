"""syndet.Index add and query speed, and its size, against datasketch's MinHashLSH.

Usage::

    python benchmarks/index.py [--sizes 100000,1000000] [--adds 2000] [--queries 2000]
                               [--configs default,plain] [--backends sqlite,redis]
                               [--redis-max 100000] [--peer-max 1000000] [--json out.json]
                               [--dir DIR --keep]

For each size N, an index is filled with N generated articles (``benchmarks/_gen.py``: ~500
words, ~10% near-duplicates) in bulk (``add_many(match=False)``, not timed as adds); then
``--adds`` further articles are added **one at a time** with ``Index.add`` and ``--queries``
more are looked up with ``Index.query``, each call timed on its own (p50, p99, and articles
per second as calls / summed call time). A few calls first warm the kernels up.

* ``default``: the index's default settings (the scan's rules: credits, quotes and link
  lines removed; 32 bands of 1 row). ``plain``: the same without any boilerplate rule, which
  shows the cost of the stages and the store alone.
* ``sqlite`` is the embedded file; ``redis`` a redis-server started here on 127.0.0.1. Sizes
  above ``--redis-max`` are skipped for Redis (syndet's and datasketch's): they need the whole
  index in the server's memory. datasketch in memory is skipped above ``--peer-max``.
* datasketch ``MinHashLSH`` with the same 32 x 1 bands, in memory and with its Redis storage,
  does the same work on the same articles: its base is inserted from syndet's signatures (as
  ``LeanMinHash``, not timed); each timed add or query computes a ``MinHash`` from the text
  (word 5-grams, ``update_batch``) and inserts or queries it. It returns candidate ids only:
  no verification, no relation, no persistence of the in-memory variant.

The size is the SQLite file after a checkpoint, per article, and the same less the bytes of
the stored shingles (what exact verification needs). "open s" is the time to open the built
index again in the same process, after dropping the file from the operating system's cache
(``posix_fadvise``, this file only): a crawler starting up cold, which loads every band key
into memory and reads the article rows and the id index once. The timed calls follow, so
they start cold too (``--no-evict`` keeps whatever the system has cached).
Nothing is asserted: the numbers are for reading, and the machine may be shared.

``--keep`` keeps each SQLite base in ``--dir`` and reuses it when it is there (building 1M
articles takes minutes): the timed adds are taken out again afterwards, with SQL, so that the
file holds the base only.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

if not __package__:  # run as `python benchmarks/index.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._gen import Corpus, generate_corpus

BULK = 50_000
WARM = 20
#: Memory datasketch's in-memory MinHashLSH takes per article with 32 bands (a set, a bytes
#: key and a dict slot per band, plus the article's 32 band values): estimated, not measured,
#: with a margin. A larger run is skipped rather than let the machine run out of memory.
DATASKETCH_BYTES = 12_000


@dataclass
class Row:
    size: int
    tool: str
    backend: str
    config: str
    build_s: float | None
    add_p50_ms: float
    add_p99_ms: float
    adds_per_s: float
    query_p50_ms: float
    query_p99_ms: float
    copies_found: float | None = None
    bytes_per_article: float | None = None
    bytes_beyond_shingles: float | None = None
    merge_ms_per_add: float | None = None
    open_s: float | None = None


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _available_bytes() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _tail_texts(corpus: Corpus, n: int) -> list[str]:
    """The articles after the first ``n`` as strings (not all: a million take 4 GB)."""
    tail: list[str] = corpus.to_arrow().slice(n).to_pylist()
    return tail


def _stats(lat: list[float]) -> tuple[float, float, float]:
    ms = np.array(lat) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), len(ms) / ms.sum() * 1e3


def _timed(calls: int, fn: Callable[[int], Any]) -> tuple[list[float], list[Any]]:
    lat, out = [], []
    for i in range(calls):
        t0 = time.perf_counter()
        out.append(fn(i))
        lat.append(time.perf_counter() - t0)
    return lat, out


# -- syndet ---------------------------------------------------------------------------------


def _config(name: str) -> Any:
    from syndet.config import BoilerplateConfig
    from syndet.index import INDEX_CONFIG

    if name == "plain":
        off = BoilerplateConfig(
            strip_credits=False,
            strip_quotes=False,
            line_filter=False,
            strip_galleries=False,
            learn_chrome=False,
        )
        return replace(INDEX_CONFIG, boilerplate=off)
    return INDEX_CONFIG


def run_syndet(
    corpus: Corpus, n: int, args: argparse.Namespace, backend: str, config: str, where: str
) -> Row:
    import syndet

    texts = corpus.to_arrow()
    ids = [f"d{i}" for i in range(len(corpus))]
    build: float | None = None
    reuse = backend == "sqlite" and args.keep and Path(where).exists()
    if not reuse:
        index = syndet.Index(where, _config(config))
        t0 = time.perf_counter()
        for start in range(0, n, BULK):
            end = min(n, start + BULK)
            index.add_many(ids[start:end], texts.slice(start, end - start), match=False)
            log(f"  {backend}/{config}: {end:,} stored, {time.perf_counter() - t0:.0f} s")
        build = time.perf_counter() - t0
        index.close()
    if backend == "sqlite" and not args.no_evict:
        _evict(where)
    rss = _rss_mb()
    t0 = time.perf_counter()
    index = syndet.Index(where, _config(config))
    opened = time.perf_counter() - t0
    if len(index) != n:
        raise SystemExit(f"{where} holds {len(index):,} articles, not {n:,}")
    log(
        f"  {backend}/{config}: opened in {opened:.2f} s{' (kept base)' if reuse else ''}; "
        f"the process grew by {_rss_mb() - rss:,.0f} MB"
    )
    size = beyond = None
    store: Any = index._store
    if backend == "sqlite":
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shingle_bytes = store._conn.execute("SELECT sum(length(data)) FROM shingles").fetchone()[0]
        # pages in use (a kept base has free pages where earlier timed adds were)
        pages, free, page = (
            store._conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
        total = (pages - free) * page
        size, beyond = total / n, (total - shingle_bytes) / n
    rest = _tail_texts(corpus, n)
    for i in range(WARM):  # kernels loaded, caches warm; then removed again
        index.add(f"warm{i}", rest[-1 - i])
        index.remove(f"warm{i}")
    adds = args.adds
    add_lat, found = _timed(adds, lambda i: index.add(ids[n + i], rest[i]))
    q_lat, _ = _timed(args.queries, lambda i: index.query(rest[adds + i]))
    # Of the timed adds that copy an earlier article, how many named it among their matches.
    hits = total_copies = 0
    for i, matches in enumerate(found):
        src = int(corpus.source[n + i])
        if 0 <= src < n + i:
            total_copies += 1
            hits += any(m.doc_id == f"d{src}" for m in matches)
    merge = None
    if backend == "sqlite":
        # The timed adds parked their band keys; moving them into the bands table happens in
        # the add that reaches MERGE_AT. Its cost per parked add, measured here for the
        # --adds just made, bounds the amortized cost from above (a larger merge touches
        # each page of the table once for more keys).
        t0 = time.perf_counter()
        store.merge()
        merge = (time.perf_counter() - t0) * 1e3 / adds
        if args.keep:
            _truncate(store, n)
    index.close()
    a50, a99, rate = _stats(add_lat)
    q50, q99, _ = _stats(q_lat)
    return Row(
        n, "syndet", backend, config, build, a50, a99, rate, q50, q99,
        hits / total_copies if total_copies else None, size, beyond, merge, opened,
    )  # fmt: skip


def _evict(path: str) -> None:
    """Drop the index file from the operating system's cache (this file only), so that the
    open and the timed calls start cold, as after a crawler's restart on a busy machine."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _truncate(store: Any, n: int) -> None:
    """Take every article after the first ``n`` out of a SQLite index (the base was built by
    bulk adds, which leave nothing pending; later merges made segments of later articles)."""
    c = store._conn
    with store._write():
        last = c.execute("SELECT id FROM docs ORDER BY id LIMIT 1 OFFSET ?", (n - 1,)).fetchone()[0]
        c.execute("DELETE FROM docs WHERE id > ?", (last,))
        c.execute("DELETE FROM shingles WHERE id >= ?", ((last + 1) << 10,))
        c.execute("DELETE FROM pending")
        c.execute("DELETE FROM removed WHERE doc > ?", (last,))
        c.execute("DELETE FROM segments WHERE last_doc > ?", (last,))
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# -- datasketch -----------------------------------------------------------------------------


def _shingles(text: str) -> list[bytes]:
    words = text.lower().split()
    return [" ".join(words[i : i + 5]).encode() for i in range(len(words) - 4)]


def run_datasketch(corpus: Corpus, n: int, args: argparse.Namespace, redis_url: str | None) -> Row:
    from datasketch import MinHash, MinHashLSH

    from syndet import minhash, normalize, shingle
    from syndet.minhash import to_lean_minhash

    storage = None
    if redis_url is not None:
        host, port = redis_url.split("//")[1].split("/")[0].split(":")
        storage = {
            "type": "redis",
            "basename": b"bench",
            "redis": {"host": host, "port": int(port)},
        }
    lsh = MinHashLSH(num_perm=128, params=(32, 1), storage_config=storage)
    t0 = time.perf_counter()
    texts = corpus.to_arrow()
    for start in range(0, n, BULK):
        end = min(n, start + BULK)
        norm = normalize.normalize_batch(texts.slice(start, end - start))
        sh = shingle.shingle_batch(norm.offsets, norm.data, 5)
        sig = minhash.signature_batch(sh.offsets, sh.hashes)
        with lsh.insertion_session() as session:
            for j in range(end - start):
                session.insert(f"d{start + j}", to_lean_minhash(sig[j]), check_duplication=False)
        log(f"  datasketch/{'redis' if storage else 'memory'}: {end:,} stored")
    build = time.perf_counter() - t0
    rest = _tail_texts(corpus, n)

    import xxhash

    def sketch(text: str) -> Any:
        # the scheme and hash of the base's signatures (datasketch refuses to mix schemes)
        m = MinHash(num_perm=128, seed=1, scheme="affine64", hashfunc=xxhash.xxh64_intdigest)
        m.update_batch(_shingles(text))
        return m

    for i in range(WARM):
        lsh.query(sketch(rest[-1 - i]))
    adds = args.adds
    add_lat, _ = _timed(adds, lambda i: lsh.insert(f"d{n + i}", sketch(rest[i])))
    q_lat, _ = _timed(args.queries, lambda i: lsh.query(sketch(rest[adds + i])))
    a50, a99, rate = _stats(add_lat)
    q50, q99, _ = _stats(q_lat)
    backend = "redis" if storage else "memory"
    return Row(n, "datasketch MinHashLSH", backend, "-", build, a50, a99, rate, q50, q99)


# -- running --------------------------------------------------------------------------------


@contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server on a free port of 127.0.0.1, without persistence, for this run only."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _flush(url: str) -> None:
    """Empty the benchmark's Redis database (a large one takes a while to free)."""
    import redis

    redis.Redis.from_url(url, socket_timeout=None).flushall()


def table(rows: list[Row]) -> str:
    head = (
        "| stored | tool | backend | settings | add p50 ms | add p99 ms | adds/s | "
        "query p50 ms | query p99 ms | copies found | bytes/article | beyond shingles | "
        "merge ms/add | open s |\n"
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )

    def opt(x: float | None, fmt: str) -> str:
        return "" if x is None else format(x, fmt)

    return head + "".join(
        f"| {r.size:,} | {r.tool} | {r.backend} | {r.config} | {r.add_p50_ms:.2f} | "
        f"{r.add_p99_ms:.2f} | {r.adds_per_s:,.0f} | {r.query_p50_ms:.2f} | "
        f"{r.query_p99_ms:.2f} | {opt(r.copies_found, '.3f')} | "
        f"{opt(r.bytes_per_article, ',.0f')} | {opt(r.bytes_beyond_shingles, ',.0f')} | "
        f"{opt(r.merge_ms_per_add, '.2f')} | {opt(r.open_s, '.2f')} |\n"
        for r in rows
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="100000,1000000")
    p.add_argument("--adds", type=int, default=2000)
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--configs", default="default,plain")
    p.add_argument("--backends", default="sqlite,redis")
    p.add_argument("--peers", default="memory,redis", help="datasketch storages ('' for none)")
    p.add_argument("--redis-max", type=int, default=100_000)
    p.add_argument("--peer-max", type=int, default=1_000_000, help="datasketch in memory")
    p.add_argument("--dir", default=None, help="where index files go (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep and reuse SQLite bases in --dir")
    p.add_argument(
        "--no-evict", action="store_true", help="open without dropping the file from the cache"
    )
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    configs = [c for c in args.configs.split(",") if c]
    backends = [b for b in args.backends.split(",") if b]
    peers = [x for x in args.peers.split(",") if x]
    rows: list[Row] = []
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="syndet-index-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with redis_server() as url:
        for n in sizes:
            log(f"generating {n + args.adds + args.queries:,} articles")
            corpus = generate_corpus(n + args.adds + args.queries, seed=0)
            for backend in backends:
                if backend == "redis" and n > args.redis_max:
                    log(f"skipping redis at {n:,} (--redis-max {args.redis_max:,})")
                    continue
                for config in configs:
                    if backend == "redis":
                        _flush(url)
                        where = f"{url}?prefix=bench"
                    else:
                        where = str(workdir / f"{n}-{config}.syndet")
                        for suffix in ("", "-wal", "-shm") if not args.keep else ():
                            Path(where + suffix).unlink(missing_ok=True)
                    rows.append(run_syndet(corpus, n, args, backend, config, where))
                    log(table(rows[-1:]))
                    if backend == "sqlite" and not args.keep:
                        for suffix in ("", "-wal", "-shm"):
                            Path(where + suffix).unlink(missing_ok=True)
                    gc.collect()
            for peer in peers:
                limit = args.redis_max if peer == "redis" else args.peer_max
                if n > limit:
                    log(f"skipping datasketch/{peer} at {n:,} (limit {limit:,})")
                    continue
                if peer == "memory" and _available_bytes() < DATASKETCH_BYTES * n:
                    log(
                        f"skipping datasketch/memory at {n:,}: it needs about "
                        f"{DATASKETCH_BYTES * n / 2**30:.0f} GiB and the machine has "
                        f"{_available_bytes() / 2**30:.0f} GiB available"
                    )
                    continue
                if peer == "redis":
                    _flush(url)
                rows.append(run_datasketch(corpus, n, args, url if peer == "redis" else None))
                log(table(rows[-1:]))
                gc.collect()
            del corpus
            gc.collect()
    print(table(rows))
    meta = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_end": os.getloadavg()[0],
        "seconds": round(time.perf_counter() - started),
        "args": vars(args),
    }
    print(f"load average at the end {meta['load_end']:.2f}; {meta['seconds']} s in all")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
