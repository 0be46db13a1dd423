"""Throughput of syndet's signature and LSH stages against datasketch and rensa.

Usage::

    python benchmarks/throughput.py [--docs 10000,100000] [--workers 1] [--peer-docs N]
                                    [--seed 0] [--json out.json] [--plot out.png]

Every tool runs **on the same generated documents in the same run** (``benchmarks/_gen.py``:
synthetic news-like articles of ~500 words / ~3.5 KB, ~10% near-duplicates). Timings are wall
clock (``time.perf_counter``); process CPU time is recorded too, so a tool that quietly used more
than one core shows up in the ``--json`` output. Nothing here is asserted: the numbers are for
reading, not for tests.

What is measured, for each ``--docs`` size:

1. **Signature stage** (documents -> 128-value MinHash signatures), docs/s.

   * syndet: ``normalize_batch`` + ``shingle_batch`` (word 5-grams, xxHash64) + ``signature_batch``
     (affine64) over the Arrow string column in batches of 4096, with each step also reported on
     its own. One small warm-up call first (numba JIT / cache loading, not timed).
   * datasketch: ``MinHash.bulk(..., num_perm=128, seed=1, scheme="affine64",
     hashfunc=xxhash.xxh64_intdigest)`` fed each document's word 5-gram shingles (UTF-8 bytes).
   * rensa: ``RMinHash(num_perm=128, seed=1).update(shingles)`` per document, and also rensa's
     bulk ``RMinHash.digest_matrix_from_token_sets`` for reference.

   The peers get Python strings and are charged for tokenizing them the way a user would
   (lowercase, delete apostrophes, split on non-alphanumerics, join word 5-grams): the same shingle
   sets syndet hashes, so datasketch's signatures are checked bit for bit against syndet's. The
   peers run on the first ``--peer-docs`` documents (default ``min(docs, 20000)``); their docs/s
   is extrapolated to the full size.

2. **LSH stage** (signatures -> candidate pairs), threshold 0.5, docs/s.

   * syndet: ``band_keys`` + ``candidate_pairs`` with ``optimal_params(0.5, 128)``.
   * datasketch: ``MinHashLSH(threshold=0.5, num_perm=128)``: insert every document, then query
     every document and keep the pairs ``(i, j)``, ``i < j``. The ``LeanMinHash`` objects are
     built from syndet's signatures before the clock starts; only insert + query are timed.

   Both pair sets are compared (and with the generator's known (original, copy) pairs). With the
   same ``(bands, rows)`` they should agree up to syndet's ``max_bucket`` cap.

``--workers`` (default 1) sets ``numba.set_num_threads`` (and ``RAYON_NUM_THREADS`` for rensa) so
the ratios are per core; syndet is then timed again with all cores. The default run (10k and 100k
documents) takes a few minutes on a 2-core machine, most of it in datasketch.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

if not __package__:  # run as `python benchmarks/throughput.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._gen import Corpus, generate_corpus

K = 5  # words per shingle
NUM_PERM = 128
SEED = 1
SCHEME = "affine64"
THRESHOLD = 0.5
BATCH = 4096

# ---------------------------------------------------------------------------------------------
# Measurements


@dataclass
class Row:
    """One timed measurement (a row of the printed table)."""

    tool: str
    stage: str
    docs: int
    seconds: float
    cpu_seconds: float
    ratio: float | None = None  # syndet's docs/s divided by this row's (peers only)
    note: str = ""
    extrapolated_seconds: float | None = None  # peers: time for the full size at this rate

    @property
    def rate(self) -> float:
        return self.docs / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class SizeResult:
    docs: int
    generate_seconds: float
    mean_bytes: float
    copies: int
    rows: list[Row] = field(default_factory=list)
    signature_check: dict[str, Any] = field(default_factory=dict)
    lsh: dict[str, Any] = field(default_factory=dict)


class Clock:
    """Wall and process-CPU time of a ``with`` block (a GC pass first, for steadier numbers)."""

    def __enter__(self) -> Clock:
        gc.collect()
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.wall0
        self.cpu_seconds = time.process_time() - self.cpu0


# ---------------------------------------------------------------------------------------------
# syndet


def syndet_signatures(column: Any) -> tuple[np.ndarray, dict[str, float]]:
    """Signatures of every document, batch by batch; seconds spent in each step."""
    from syndet.minhash import signature_batch
    from syndet.normalize import normalize_batch
    from syndet.shingle import shingle_batch

    parts: list[np.ndarray] = []
    spent = {"normalize": 0.0, "shingle": 0.0, "minhash": 0.0}
    for start in range(0, len(column), BATCH):
        t0 = time.perf_counter()
        norm = normalize_batch(column.slice(start, BATCH))
        t1 = time.perf_counter()
        sh = shingle_batch(norm.offsets, norm.data, K)
        t2 = time.perf_counter()
        parts.append(
            signature_batch(sh.offsets, sh.hashes, num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
        )
        t3 = time.perf_counter()
        spent["normalize"] += t1 - t0
        spent["shingle"] += t2 - t1
        spent["minhash"] += t3 - t2
    sig = np.concatenate(parts) if parts else np.empty((0, NUM_PERM), dtype=np.uint64)
    return sig, spent


def syndet_lsh(sig: np.ndarray) -> tuple[np.ndarray, Any]:
    """Candidate pairs (row indices, ``i < j``) of the signatures at ``THRESHOLD``."""
    from syndet.lsh import band_keys, candidate_pairs, optimal_params

    bands, rows = optimal_params(THRESHOLD, NUM_PERM)
    keys = band_keys(sig, bands, rows)
    return candidate_pairs(keys, np.arange(sig.shape[0], dtype=np.int64))


def warm_up(column: Any) -> None:
    """Compile (or load) every numba kernel on a few documents; not timed."""
    sig, _ = syndet_signatures(column.slice(0, min(len(column), 256)))
    syndet_lsh(sig)


# ---------------------------------------------------------------------------------------------
# Peers: a plain Python tokenizer, as a datasketch or rensa user would write it.

_WORD = re.compile(r"[^\W_]+")


def shingles(text: str, k: int = K) -> list[str]:
    """Word k-grams: lowercase, apostrophes deleted, split on non-alphanumerics."""
    words = _WORD.findall(text.lower().replace("’", "").replace("'", ""))
    return [" ".join(words[i : i + k]) for i in range(len(words) - k + 1)]


def tokenize(texts: list[str]) -> int:
    """The peers' tokenizing alone (what datasketch is fed), shown for reference.

    Each document's shingles are dropped once counted, as they are in the peers' runs: keeping
    them all alive would charge this row for memory the peers never hold.
    """
    return sum(len([s.encode("utf-8") for s in shingles(t)]) for t in texts)


def datasketch_bulk(texts: list[str]) -> list[Any]:
    import xxhash
    from datasketch import MinHash

    return list(
        MinHash.bulk(
            ([s.encode("utf-8") for s in shingles(t)] for t in texts),
            num_perm=NUM_PERM,
            seed=SEED,
            scheme=SCHEME,
            hashfunc=xxhash.xxh64_intdigest,
        )
    )


def rensa_update(texts: list[str]) -> list[Any]:
    from rensa import RMinHash

    out = []
    for t in texts:
        m = RMinHash(num_perm=NUM_PERM, seed=SEED)
        m.update(shingles(t))
        out.append(m)
    return out


def rensa_matrix(texts: list[str]) -> Any:
    from rensa import RMinHash

    token_sets: Iterator[list[str]] = (shingles(t) for t in texts)
    return RMinHash.digest_matrix_from_token_sets(token_sets, NUM_PERM, SEED)


def datasketch_lsh(sig: np.ndarray) -> tuple[np.ndarray, float, float, float, float]:
    """Pairs from MinHashLSH insert + query of every row; insert and query wall/CPU seconds."""
    from datasketch import MinHashLSH

    from syndet.minhash import to_lean_minhash

    lean = [to_lean_minhash(row, seed=SEED, scheme=SCHEME) for row in sig]  # not timed
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with Clock() as c_insert:
        for i, m in enumerate(lean):
            lsh.insert(i, m)
    found: list[tuple[int, int]] = []
    with Clock() as c_query:
        for i, m in enumerate(lean):
            found.extend((i, j) for j in lsh.query(m) if j > i)
    pairs = np.array(found, dtype=np.int64).reshape(-1, 2)
    return pairs, c_insert.seconds, c_query.seconds, c_insert.cpu_seconds, c_query.cpu_seconds


def lsh_params_datasketch() -> tuple[int, int]:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    return int(lsh.b), int(lsh.r)


# ---------------------------------------------------------------------------------------------
# Running one size


def _pack(pairs: np.ndarray, n: int) -> np.ndarray:
    return np.unique(pairs[:, 0].astype(np.int64) * n + pairs[:, 1].astype(np.int64))


def _timed_peer(
    name: str, stage: str, fn: Callable[[list[str]], Any], texts: list[str], total: int
) -> tuple[Row, Any]:
    with Clock() as c:
        out = fn(texts)
    row = Row(name, stage, len(texts), c.seconds, c.cpu_seconds)
    row.extrapolated_seconds = total / row.rate
    return row, out


def run_size(n: int, args: argparse.Namespace, all_threads: int) -> SizeResult:
    import numba

    log(f"generating {n:,} documents (seed {args.seed})...")
    t0 = time.perf_counter()
    corpus: Corpus = generate_corpus(n, seed=args.seed)
    column = corpus.to_arrow()
    gen_seconds = time.perf_counter() - t0
    res = SizeResult(
        docs=n,
        generate_seconds=gen_seconds,
        mean_bytes=float(corpus.offsets[-1] / max(n, 1)),
        copies=int((corpus.source >= 0).sum()),
    )
    workers = args.workers
    wlabel = f"syndet ({workers} thread{'s' if workers > 1 else ''})"

    # -- signature stage: syndet --------------------------------------------------------------
    numba.set_num_threads(workers)
    warm_up(column)
    log(f"syndet signatures, {workers} thread(s)...")
    with Clock() as c:
        sig, spent = syndet_signatures(column)
    main = Row(wlabel, "signature (normalize+shingle+minhash)", n, c.seconds, c.cpu_seconds, 1.0)
    res.rows.append(main)
    for step, sec in spent.items():
        res.rows.append(Row(wlabel, f"  {step}", n, sec, float("nan")))
    if all_threads != workers:
        numba.set_num_threads(all_threads)
        log(f"syndet signatures, {all_threads} threads...")
        with Clock() as c:
            syndet_signatures(column)
        res.rows.append(
            Row(f"syndet ({all_threads} threads)", "signature", n, c.seconds, c.cpu_seconds)
        )
        numba.set_num_threads(workers)

    # -- signature stage: peers ---------------------------------------------------------------
    m = min(args.peer_docs if args.peer_docs else min(n, 20_000), n)
    texts = corpus.texts[:m]
    note = f"first {m:,} docs, rate extrapolated" if m < n else ""
    log(f"datasketch MinHash.bulk on {m:,} documents...")
    row, mhs = _timed_peer(
        "datasketch MinHash.bulk", "signature (+tokenize)", datasketch_bulk, texts, n
    )
    row.note = note
    res.rows.append(row)
    ds_sig = np.array([mh.hashvalues for mh in mhs], dtype=np.uint64).reshape(-1, NUM_PERM)
    same = int((ds_sig == sig[:m]).all(axis=1).sum())
    res.signature_check = {"docs": m, "identical_rows_datasketch_vs_syndet": same}
    del mhs, ds_sig
    log(f"rensa RMinHash.update on {m:,} documents...")
    row, _ = _timed_peer("rensa RMinHash.update", "signature (+tokenize)", rensa_update, texts, n)
    row.note = note
    res.rows.append(row)
    log(f"rensa digest_matrix_from_token_sets on {m:,} documents...")
    row, _ = _timed_peer(
        "rensa digest_matrix (bulk)", "signature (+tokenize)", rensa_matrix, texts, n
    )
    row.note = note
    res.rows.append(row)
    log(f"python tokenizer alone on {m:,} documents...")
    row, _ = _timed_peer(
        "python tokenizer (peers' share)", "5-gram shingles only", tokenize, texts, n
    )
    row.note = note
    res.rows.append(row)
    for r in res.rows:
        if r.tool.startswith(("datasketch", "rensa", "python")):
            r.ratio = main.rate / r.rate
    del texts

    # -- LSH stage -------------------------------------------------------------------------------
    from syndet.lsh import optimal_params

    bands, rows = optimal_params(THRESHOLD, NUM_PERM)
    log(f"syndet LSH ({bands} bands x {rows} rows), {workers} thread(s)...")
    with Clock() as c:
        s_pairs, stats = syndet_lsh(sig)
    lsh_main = Row(wlabel, "LSH band_keys+candidate_pairs", n, c.seconds, c.cpu_seconds, 1.0)
    res.rows.append(lsh_main)
    if all_threads != workers:
        numba.set_num_threads(all_threads)
        with Clock() as c:
            syndet_lsh(sig)
        res.rows.append(Row(f"syndet ({all_threads} threads)", "LSH", n, c.seconds, c.cpu_seconds))
        numba.set_num_threads(workers)
    log(f"datasketch MinHashLSH insert+query of {n:,} documents...")
    d_pairs, t_ins, t_q, cpu_ins, cpu_q = datasketch_lsh(sig)
    d_row = Row("datasketch MinHashLSH", "LSH insert+query", n, t_ins + t_q, cpu_ins + cpu_q)
    d_row.ratio = lsh_main.rate / d_row.rate
    d_row.note = f"insert {t_ins:.1f}s, query {t_q:.1f}s"
    res.rows.append(d_row)

    sp, dp = _pack(s_pairs, n), _pack(d_pairs, n)
    truth = _pack(corpus.copy_pairs(), n)
    both = np.intersect1d(sp, dp)
    res.lsh = {
        "syndet_bands_rows": [bands, rows],
        "datasketch_bands_rows": list(lsh_params_datasketch()),
        "syndet_pairs": int(sp.size),
        "datasketch_pairs": int(dp.size),
        "both": int(both.size),
        "syndet_only": int(sp.size - both.size),
        "datasketch_only": int(dp.size - both.size),
        "copy_pairs": int(truth.size),
        "copy_pairs_found_syndet": int(np.isin(truth, sp).sum()),
        "copy_pairs_found_datasketch": int(np.isin(truth, dp).sum()),
        "syndet_stats": asdict(stats),
    }
    return res


# ---------------------------------------------------------------------------------------------
# Output


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _fmt_rate(r: float) -> str:
    return f"{r:,.0f}"


def table(results: Iterable[SizeResult]) -> str:
    lines = [
        "| tool | stage | docs | seconds | docs/s | ratio vs syndet |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for res in results:
        for r in res.rows:
            docs = f"{r.docs:,}" if r.docs == res.docs else f"{r.docs:,} of {res.docs:,}*"
            ratio = "—" if r.ratio is None else f"{r.ratio:,.1f}x"
            lines.append(
                f"| {r.tool} | {r.stage} | {docs} | {r.seconds:.2f} | {_fmt_rate(r.rate)} "
                f"| {ratio} |"
            )
    return "\n".join(lines)


def headline(results: list[SizeResult]) -> dict[str, Any]:
    big = max(results, key=lambda r: r.docs)
    at100k = next((r for r in results if r.docs == 100_000), big)

    def ratio(res: SizeResult, tool: str) -> float:
        return next(r.ratio for r in res.rows if r.tool == tool and r.ratio is not None)

    return {
        "signature_docs": big.docs,
        "signature_ratio_vs_datasketch_bulk": ratio(big, "datasketch MinHash.bulk"),
        "lsh_docs": at100k.docs,
        "lsh_ratio_vs_minhashlsh": ratio(at100k, "datasketch MinHashLSH"),
    }


def report(results: list[SizeResult], meta: dict[str, Any]) -> dict[str, Any]:
    print()
    print(
        f"syndet {meta['syndet']} | datasketch {meta['datasketch']} | rensa {meta['rensa']} | "
        f"numba {meta['numba']} | {meta['cpus']} CPUs | workers={meta['workers']} | "
        f"load average at start {meta['load_start']:.2f}"
    )
    print(
        f"signatures: {NUM_PERM} permutations ({SCHEME}, seed {SEED}), word {K}-gram shingles; "
        f"LSH threshold {THRESHOLD}"
    )
    for res in results:
        print(
            f"corpus {res.docs:,}: {res.mean_bytes:,.0f} bytes/doc, {res.copies:,} near-duplicates,"
            f" generated in {res.generate_seconds:.1f}s"
        )
    print()
    print(table(results))
    print()
    print(
        "* peers ran on the first documents of the corpus only; their docs/s is extrapolated "
        "to the full size:"
    )
    for res in results:
        for r in res.rows:
            if r.extrapolated_seconds is not None and r.docs < res.docs:
                print(
                    f"  {r.tool} at {res.docs:,} docs: ~{r.extrapolated_seconds:.0f}s "
                    f"(measured {r.seconds:.1f}s on {r.docs:,})"
                )
    print()
    for res in results:
        sc, lsh = res.signature_check, res.lsh
        print(
            f"[{res.docs:,} docs] datasketch signatures identical to syndet's: "
            f"{sc['identical_rows_datasketch_vs_syndet']:,}/{sc['docs']:,} rows"
        )
        print(
            f"[{res.docs:,} docs] LSH pairs (syndet {tuple(lsh['syndet_bands_rows'])} vs "
            f"datasketch {tuple(lsh['datasketch_bands_rows'])} bands x rows): "
            f"syndet {lsh['syndet_pairs']:,}, datasketch {lsh['datasketch_pairs']:,}, "
            f"both {lsh['both']:,}, syndet only {lsh['syndet_only']:,}, "
            f"datasketch only {lsh['datasketch_only']:,}; known copy pairs found: "
            f"syndet {lsh['copy_pairs_found_syndet']:,}/{lsh['copy_pairs']:,}, "
            f"datasketch {lsh['copy_pairs_found_datasketch']:,}/{lsh['copy_pairs']:,}"
        )
        for r in res.rows:
            limit = 1 if r.tool.startswith(("datasketch", "rensa", "python")) else meta["workers"]
            if r.cpu_seconds > 1.3 * limit * r.seconds and "threads)" not in r.tool:
                print(
                    f"  note: {r.tool} / {r.stage.strip()} used {r.cpu_seconds / r.seconds:.1f}"
                    " cores on average (CPU time / wall time)"
                )
    head = headline(results)
    print()
    print(
        f"signature stage: syndet / datasketch bulk = "
        f"{head['signature_ratio_vs_datasketch_bulk']:.1f}x (target >= 10x) "
        f"[{head['signature_docs']:,} docs, per core]"
    )
    label = "100k" if head["lsh_docs"] == 100_000 else f"{head['lsh_docs']:,}"
    print(
        f"LSH stage at {label}: syndet / MinHashLSH insert+query = "
        f"{head['lsh_ratio_vs_minhashlsh']:.1f}x (target >= 10x)"
    )
    return head


def plot(results: list[SizeResult], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed; --plot skipped (pip install matplotlib)")
        return
    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4), squeeze=False)
    for ax, res in zip(axes[0], results, strict=True):
        rows = [r for r in res.rows if not r.stage.startswith(" ")]
        labels = [f"{r.tool}\n{r.stage}" for r in rows]
        ax.barh(labels, [r.rate for r in rows])
        ax.set_xscale("log")
        ax.set_xlabel("documents / second")
        ax.set_title(f"{res.docs:,} documents")
        ax.tick_params(axis="y", labelsize=7)
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    log(f"plot written to {path}")


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="syndet vs datasketch / rensa throughput on generated news-like documents."
    )
    p.add_argument(
        "--docs",
        default="10000,100000",
        type=lambda s: [int(x) for x in s.split(",") if x.strip()],
        help="comma-separated corpus sizes (default 10000,100000)",
    )
    p.add_argument("--workers", type=int, default=1, help="threads for syndet (default 1)")
    p.add_argument(
        "--peer-docs",
        type=int,
        default=0,
        help="documents the peers' signature stage runs on (default min(docs, 20000))",
    )
    p.add_argument("--seed", type=int, default=0, help="document generator seed")
    p.add_argument("--json", metavar="PATH", help="write every number to this JSON file")
    p.add_argument("--plot", metavar="PATH", help="bar chart of docs/s (needs matplotlib)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cpus = os.cpu_count() or 1
    if args.workers < 1:
        raise SystemExit("--workers must be >= 1")
    # Before rensa is imported: its rayon pool reads this once.
    os.environ.setdefault("RAYON_NUM_THREADS", str(args.workers))

    import datasketch
    import numba
    import rensa  # noqa: F401  (fail early if missing)

    import syndet

    all_threads = int(numba.get_num_threads())  # the default: every core numba may use
    if args.workers > all_threads:
        log(f"--workers {args.workers} > {all_threads} (numba threads); using {all_threads}")
        args.workers = all_threads

    from importlib.metadata import version

    meta: dict[str, Any] = {
        "syndet": getattr(syndet, "__version__", version("syndet")),
        "datasketch": datasketch.__version__,
        "rensa": version("rensa"),
        "numba": numba.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": cpus,
        "numba_threads_max": all_threads,
        "workers": args.workers,
        "rayon_num_threads": os.environ.get("RAYON_NUM_THREADS"),
        "seed": args.seed,
        "peer_docs": args.peer_docs or None,
        "load_start": os.getloadavg()[0],
    }
    if meta["load_start"] > 0.5:
        log(f"load average is {meta['load_start']:.2f}: other processes may disturb the timings")

    t_start = time.perf_counter()
    results = [run_size(n, args, all_threads) for n in args.docs]
    meta["load_end"] = os.getloadavg()[0]
    meta["total_seconds"] = time.perf_counter() - t_start
    head = report(results, meta)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:,.0f} MB; total run {meta['total_seconds']:.0f}s")

    if args.json:
        out = {
            "meta": meta,
            "headline": head,
            "peak_rss_mb": peak_mb,
            "sizes": [
                {
                    **{k: v for k, v in asdict(res).items() if k != "rows"},
                    "rows": [
                        {**asdict(r), "docs_per_s": r.rate, "cpu_seconds": _nan_none(r.cpu_seconds)}
                        for r in res.rows
                    ],
                }
                for res in results
            ],
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        log(f"numbers written to {args.json}")
    if args.plot:
        plot(results, args.plot)
    return 0


def _nan_none(x: float) -> float | None:
    return None if x != x else x


if __name__ == "__main__":
    raise SystemExit(main())
