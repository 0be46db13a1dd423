"""Throughput of syndet against datasketch and rensa: end to end, and stage by stage.

Usage::

    python benchmarks/throughput.py [--docs 10000,100000,1000000] [--data ../shared/data]
                                    [--peer-max-docs 100000] [--workdir DIR] [--workers 1]
                                    [--seed 0] [--json out.json] [--plot out.png]

Every tool runs **on the same documents in the same run**: synthetic news-like articles of
~500 words / ~3.5 KB with ~10% near-duplicates (``benchmarks/_gen.py``), and with ``--data``
the real articles of allsides-dev (``text``) and Reuters-21578 (``body``). Each corpus is
written once to a Parquet file in ``--workdir`` (kept, and reused by later runs).

**End to end**, each tool in its own process, started through ``/usr/bin/time`` (CPU time
and peak RSS of that process alone), wall clock from process start to exit:

* syndet: ``syndet scan FILE -o DIR -q`` (default settings, all cores: read, boilerplate,
  normalize, shingle, MinHash, LSH, verification, clustering, report files); its
  ``summary.json`` gives the seconds of every stage. An untimed first scan fills numba's
  kernel cache.
* datasketch and rensa (``--child`` processes of this script): read the file in batches,
  Python 5-gram tokenizer, signatures (``MinHash.bulk`` with xxh64 / ``RMinHash.update``),
  LSH at a threshold of 0.5 (``MinHashLSH`` insert + query of every document /
  ``RMinHashLSH`` ``insert_many`` + ``query_all``): candidate pairs only. Above
  ``--peer-max-docs`` they run on the first documents and are extrapolated (stage seconds
  linearly, peak RSS on the line through their two largest measured runs), labelled so.

``--plot`` draws end-to-end time and peak RSS against corpus size, one line per tool.

**Stages in one process** (skipped with ``--no-stages``): timings are wall clock
(``time.perf_counter``); process CPU time is recorded too, so a tool that quietly used more
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
     Above ``--peer-max-docs`` documents, on the first ones (extrapolated).

   Both pair sets are compared (and with the generator's known (original, copy) pairs). With the
   same ``(bands, rows)`` they should agree up to syndet's ``max_bucket`` cap.

``--workers`` (default 1) sets ``numba.set_num_threads`` (and ``RAYON_NUM_THREADS`` for rensa) so
the ratios are per core; syndet is then timed again with all cores. The default run (10k and 100k
documents) takes several minutes on a 2-core machine, most of it in datasketch; with 1M, about
18 minutes on a loaded one.
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
from dataclasses import asdict, dataclass, field, replace
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


def run_size(n: int, path: Path, args: argparse.Namespace, all_threads: int) -> SizeResult:
    """The in-process stage comparison on the corpus file written for this size."""
    import numba
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    table = pq.read_table(path, columns=["text", "copy_of"])
    column = table["text"].combine_chunks()
    source = table["copy_of"].to_numpy()
    del table
    copies = np.flatnonzero(source >= 0)
    truth_pairs = np.sort(np.stack([source[copies], copies], axis=1), axis=1)
    res = SizeResult(
        docs=n,
        generate_seconds=time.perf_counter() - t0,
        mean_bytes=float(len(column.buffers()[2] or b"") / max(n, 1)) if n else 0.0,
        copies=int(copies.size),
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
    texts = column.slice(0, m).to_pylist()
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
    ml = min(n, args.peer_max_docs)
    log(f"datasketch MinHashLSH insert+query of {ml:,} documents...")
    d_pairs, t_ins, t_q, cpu_ins, cpu_q = datasketch_lsh(sig[:ml])
    d_row = Row("datasketch MinHashLSH", "LSH insert+query", ml, t_ins + t_q, cpu_ins + cpu_q)
    d_row.ratio = lsh_main.rate / d_row.rate
    d_row.note = f"insert {t_ins:.1f}s, query {t_q:.1f}s"
    if ml < n:
        d_row.extrapolated_seconds = n / d_row.rate
        s_pairs = s_pairs[(s_pairs < ml).all(axis=1)]  # compared on the same documents
        truth_pairs = truth_pairs[(truth_pairs < ml).all(axis=1)]
    res.rows.append(d_row)

    sp, dp = _pack(s_pairs, n), _pack(d_pairs, n)
    truth = _pack(truth_pairs, n)
    both = np.intersect1d(sp, dp)
    res.lsh = {
        "compared_docs": ml,
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
# Corpus files: each size is written to disk once; every tool reads the same file.


def synth_corpus_file(n: int, seed: int, workdir: Path) -> Path:
    """``synth-<n>-seed<seed>.parquet`` (id, text, copy_of), generated unless already there."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = workdir / f"synth-{n}-seed{seed}.parquet"
    if path.exists():
        return path
    log(f"generating {n:,} documents (seed {seed}) into {path}...")
    corpus: Corpus = generate_corpus(n, seed=seed)
    table = pa.table(
        {
            "id": pa.array([f"doc{i:08d}" for i in range(n)], pa.string()),
            "text": corpus.to_arrow(),
            "copy_of": pa.array(corpus.source),
        }
    )
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp, compression="lz4", row_group_size=65536)
    tmp.rename(path)
    return path


def real_corpus_file(data: Path, workdir: Path) -> Path:
    """allsides-dev articles (``text``) and Reuters-21578 (``body``) as one corpus file.

    Documents without text are left out, so every tool gets the same documents.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = workdir / "real-allsides-reuters.parquet"
    if path.exists():
        return path
    ids: list[str] = []
    texts: list[str] = []
    for name, field_name, prefix in (
        ("allsides-dev/articles.jsonl", "text", "allsides-"),
        ("reuters21578.jsonl", "body", "reuters-"),
    ):
        with (data / name).open(encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                text = rec.get(field_name)
                if isinstance(text, str) and text.strip():
                    ids.append(f"{prefix}{rec['id']}")
                    texts.append(text)
    table = pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "text": pa.array(texts, pa.large_string()),
            "copy_of": pa.array(np.full(len(ids), -1, dtype=np.int64)),
        }
    )
    pq.write_table(table, path, compression="lz4")
    return path


# ---------------------------------------------------------------------------------------------
# End to end: each tool in its own process, timed and measured (peak RSS) from outside.

TOOLS = ("syndet", "datasketch", "rensa")
RENSA_BANDS = 32  # rensa needs num_perm divisible by the bands: 32 x 4 (threshold ~0.42)
INCLUDES = {
    "syndet": "`syndet scan FILE -o DIR -q` (default settings, all cores): read Parquet, "
    "boilerplate, normalize, shingle, MinHash, LSH (threshold 0.02), exact verification, "
    "clustering, write pairs/clusters/skipped/summary; interpreter start included",
    "datasketch": "read Parquet in 4,096-doc batches, Python 5-gram tokenizer, MinHash.bulk "
    "(xxh64, 128 perm), MinHashLSH(0.5) insert of every doc, query of every doc -> candidate "
    "pairs; no verification, clustering or output file; interpreter start included",
    "rensa": "read Parquet in 4,096-doc batches, Python 5-gram tokenizer, RMinHash.update "
    f"(128 perm), RMinHashLSH(0.5, {RENSA_BANDS} bands) insert_many + query_all -> candidate "
    "pairs; no verification, clustering or output file; interpreter start included",
}


@dataclass
class E2E:
    """One tool's whole run on one corpus, in its own process."""

    tool: str
    corpus: str  # "10,000" or the real corpus's name
    corpus_docs: int
    docs: int  # documents the tool ran on (fewer than corpus_docs: extrapolated)
    seconds: float  # wall clock, process start to exit
    cpu_seconds: float  # user + system CPU time of the process
    peak_rss_mb: float  # the process's peak RSS (/usr/bin/time)
    stages: dict[str, float]  # seconds per stage, as the tool's process measured them
    pairs: int | None = None  # reported (syndet) or candidate (peers) pairs
    candidates: int | None = None
    load: float = 0.0  # 1-minute load average when the process started
    reused_from: str | None = None  # measured in an earlier size's run on the same documents
    rss_estimated: bool = False  # peak RSS extrapolated, not measured

    @property
    def extrapolated(self) -> bool:
        return self.docs < self.corpus_docs

    @property
    def full_seconds(self) -> float:
        """Seconds for the whole corpus: when the tool ran on a prefix, its stages' seconds
        scaled linearly, plus what is not in a stage (interpreter start, imports) as is."""
        if not self.extrapolated:
            return self.seconds
        staged = sum(self.stages.values())
        return self.seconds - staged + staged * self.corpus_docs / max(self.docs, 1)


def _run_process(argv: list[str], env: dict[str, str], log_path: Path) -> tuple[float, Any]:
    """Run one process to its end: wall seconds, and its CPU time and peak RSS.

    The process is started through ``/usr/bin/time``: a child forked straight from this
    (large) process would count this process's pages in its own peak RSS (Linux keeps the
    high-water mark of the memory it had before ``exec``), so ``os.wait4`` here would
    report at least this process's size. ``time`` is small, and measures its own child.
    """
    import subprocess
    from types import SimpleNamespace

    stats = log_path.with_suffix(".rusage")
    wrapped = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(stats), *argv]
    with log_path.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.run(wrapped, stdout=out, stderr=subprocess.STDOUT, env=env)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{tail}")
    kb, user, system = stats.read_text().split()[-3:]
    return wall, SimpleNamespace(ru_maxrss=int(kb), ru_utime=float(user), ru_stime=float(system))


def _child_env() -> dict[str, str]:
    import syndet

    env = dict(os.environ)
    src = str(Path(syndet.__file__).resolve().parent.parent)  # the syndet being measured
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    env.pop("RAYON_NUM_THREADS", None)  # end to end, every tool uses what it uses by default
    return env


def read_through(path: Path) -> None:
    """Reads ``path`` once, untimed, so that every tool starts with its input in the system's
    file cache. This VM drops file pages nobody touched for a few seconds and its disk reads
    cold files at about 40 MB/s: a 1M corpus (2.9 GB) read cold took 71 s of a 143 s scan,
    which measures the disk, and only for whichever tool happens to run first."""
    with path.open("rb") as f:
        while f.read(1 << 24):
            pass


def run_e2e(tool: str, path: Path, label: str, corpus_docs: int, limit: int, workdir: Path) -> E2E:
    out_dir = workdir / f"out-{tool}-{label.replace(',', '')}"
    out_dir.mkdir(parents=True, exist_ok=True)
    if tool == "syndet":
        argv = [sys.executable, "-m", "syndet.cli", "scan", str(path), "-o", str(out_dir), "-q"]
    else:
        argv = [
            sys.executable, str(Path(__file__).resolve()), "--child", tool, "--corpus",
            str(path), "--limit", str(limit), "--child-out", str(out_dir / "child.json"),
        ]  # fmt: skip
    read_through(path)
    load = os.getloadavg()[0]
    docs = corpus_docs if tool == "syndet" else limit
    log(f"[{label}] {tool} end to end on {docs:,} documents (load {load:.2f})...")
    wall, usage = _run_process(argv, _child_env(), out_dir / "log.txt")
    res = E2E(
        tool=tool,
        corpus=label,
        corpus_docs=corpus_docs,
        docs=docs,
        seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        stages={},
        load=load,
    )
    if tool == "syndet":
        summary = json.loads((out_dir / "summary.json").read_text())
        res.stages = dict(summary["seconds"])
        res.pairs = int(summary["pairs"]["reported"])
        res.candidates = int(summary["pairs"]["candidates"])
    else:
        child = json.loads((out_dir / "child.json").read_text())
        res.stages = child["stages"]
        res.pairs = res.candidates = int(child["pairs"])
    log(
        f"[{label}] {tool}: {res.seconds:.1f}s wall, {res.cpu_seconds:.1f}s CPU, "
        f"peak RSS {res.peak_rss_mb:,.0f} MB"
    )
    return res


def child_main(tool: str, corpus: str, limit: int, out: str) -> int:
    """A peer's whole run, in its own process (``--child``): stage seconds to ``out``."""
    import pyarrow.parquet as pq

    stages = {"read": 0.0, "signature": 0.0, "lsh_insert": 0.0, "lsh_query": 0.0}
    sketches: list[Any] = []
    batches = pq.ParquetFile(corpus).iter_batches(batch_size=BATCH, columns=["text"])
    left = limit
    while left > 0:
        t0 = time.perf_counter()
        batch = next(batches, None)
        if batch is None:
            break
        texts = batch.column(0).to_pylist()[:left]
        t1 = time.perf_counter()
        sketches.extend(datasketch_bulk(texts) if tool == "datasketch" else rensa_update(texts))
        stages["read"] += t1 - t0
        stages["signature"] += time.perf_counter() - t1
        left -= len(texts)
    pairs = 0
    if tool == "datasketch":
        from datasketch import MinHashLSH

        t0 = time.perf_counter()
        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        for i, m in enumerate(sketches):
            lsh.insert(i, m)
        t1 = time.perf_counter()
        for i, m in enumerate(sketches):
            pairs += sum(1 for j in lsh.query(m) if j > i)
    else:
        from rensa import RMinHashLSH

        t0 = time.perf_counter()
        rlsh = RMinHashLSH(THRESHOLD, NUM_PERM, RENSA_BANDS)
        rlsh.insert_many(sketches)
        t1 = time.perf_counter()
        for i, found in enumerate(rlsh.query_all(sketches)):
            pairs += sum(1 for j in found if j > i)
    stages["lsh_insert"] = t1 - t0
    stages["lsh_query"] = time.perf_counter() - t1
    Path(out).write_text(json.dumps({"docs": len(sketches), "stages": stages, "pairs": pairs}))
    return 0


def estimate_rss(runs: list[E2E]) -> None:
    """Peak RSS of extrapolated rows: a line through the tool's two largest measured runs."""
    for tool in TOOLS:
        measured = sorted(
            {(r.docs, r.peak_rss_mb) for r in runs if r.tool == tool and not r.extrapolated}
        )
        for r in runs:
            if r.tool == tool and r.extrapolated and len(measured) >= 2:
                (x0, y0), (x1, y1) = measured[-2:]
                slope = (y1 - y0) / (x1 - x0)
                r.peak_rss_mb = y1 + slope * (r.corpus_docs - x1)
                r.rss_estimated = True


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
            f" read from its file in {res.generate_seconds:.1f}s"
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
        among = "" if lsh["compared_docs"] == res.docs else f", first {lsh['compared_docs']:,}"
        print(
            f"[{res.docs:,} docs{among}] LSH pairs (syndet {tuple(lsh['syndet_bands_rows'])} vs "
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


def e2e_tables(runs: list[E2E]) -> str:
    """The end-to-end table and the per-stage docs/s table (markdown)."""
    lines = [
        "| corpus | tool | documents run | end-to-end s | docs/s | peak RSS MB | CPU s "
        "| time / syndet | RSS / syndet | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = {r.corpus: r for r in runs if r.tool == "syndet"}
    for r in runs:
        ref = base.get(r.corpus)
        sec = r.full_seconds
        t_ratio = f"{sec / ref.seconds:,.1f}x" if ref and r is not ref else "1.0x"
        m_ratio = f"{r.peak_rss_mb / ref.peak_rss_mb:,.2f}x" if ref and r is not ref else "1.0x"
        if r.extrapolated:
            how = f"reused from {r.reused_from}" if r.reused_from else "measured"
            docs = f"{r.docs:,} of {r.corpus_docs:,} ({how})"
            secs = f"~{sec:,.1f} (extrapolated)"
            rss = (
                f"~{r.peak_rss_mb:,.0f} (extrapolated)"
                if r.rss_estimated
                else f">= {r.peak_rss_mb:,.0f} (at {r.docs:,})"
            )
        else:
            docs, secs, rss = f"{r.docs:,}", f"{sec:,.1f}", f"{r.peak_rss_mb:,.0f}"
        lines.append(
            f"| {r.corpus} | {r.tool} | {docs} | {secs} | {r.corpus_docs / sec:,.0f} | {rss} "
            f"| {r.cpu_seconds:,.1f} | {t_ratio} | {m_ratio} | {r.load:.1f} |"
        )
    lines += ["", "| corpus | tool | stage | seconds | docs/s |", "|---|---|---|---:|---:|"]
    for r in runs:
        if r.reused_from:
            continue
        for stage, sec in r.stages.items():
            rate = f"{r.docs / sec:,.0f}" if sec > 0 else "—"
            lines.append(f"| {r.corpus} | {r.tool} | {stage} | {sec:,.2f} | {rate} |")
    return "\n".join(lines)


def plot(runs: list[E2E], path: str, title: str) -> None:
    """End-to-end seconds and peak RSS against corpus size, one line per tool (log-log);
    hollow markers on dashed lines are extrapolated."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed; --plot skipped (pip install matplotlib)")
        return
    synth = [r for r in runs if r.corpus_docs and r.corpus.replace(",", "").isdigit()]
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(12, 4.8))
    colors = {"syndet": "tab:blue", "datasketch": "tab:orange", "rensa": "tab:green"}
    for tool in TOOLS:
        rows = sorted((r for r in synth if r.tool == tool), key=lambda r: r.corpus_docs)
        if not rows:
            continue
        for ax, value, has in (
            (ax_t, lambda r: r.full_seconds, lambda r: True),
            (ax_m, lambda r: r.peak_rss_mb, lambda r: not r.extrapolated or r.rss_estimated),
        ):
            pts = [(r.corpus_docs, value(r), r.extrapolated) for r in rows if has(r)]
            meas = [(x, y) for x, y, e in pts if not e]
            if meas:
                ax.plot(*zip(*meas, strict=True), "o-", color=colors[tool], label=tool)
            if any(e for _, _, e in pts):
                last = meas[-1:] if meas else []
                ext = last + [(x, y) for x, y, e in pts if e]
                ax.plot(*zip(*ext, strict=True), "--", color=colors[tool])
                xs, ys = zip(*[(x, y) for x, y, e in pts if e], strict=True)
                ax.plot(xs, ys, "o", mfc="white", color=colors[tool],
                        label=f"{tool} (extrapolated)")  # fmt: skip
            for x, y, _ in pts:
                text = f"{y:,.0f}" if y >= 10 else f"{y:.1f}"
                ax.annotate(text, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    for ax, ylabel, name in (
        (ax_t, "seconds (log)", "End-to-end time"),
        (ax_m, "peak RSS, MB (log)", "Peak memory (each tool's own process)"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("documents (log)")
        ax.set_ylabel(ylabel)
        ax.set_title(name)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
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
        help="comma-separated corpus sizes (default 10000,100000; 0 for none)",
    )
    p.add_argument("--workers", type=int, default=1, help="threads for syndet's stage rows")
    p.add_argument(
        "--peer-docs",
        type=int,
        default=0,
        help="documents the peers' in-process signature rows run on (default min(docs, 20000))",
    )
    p.add_argument(
        "--peer-max-docs",
        type=int,
        default=100_000,
        help="larger corpora: datasketch and rensa run end to end (and MinHashLSH in the "
        "stage rows) on the first this many documents, extrapolated linearly (default 100000)",
    )
    p.add_argument("--tools", default=",".join(TOOLS), help="end-to-end tools to run")
    p.add_argument("--no-stages", action="store_true", help="skip the in-process stage rows")
    p.add_argument(
        "--data",
        metavar="DIR",
        help="also run end to end on real text: DIR/allsides-dev/articles.jsonl and "
        "DIR/reuters21578.jsonl (e.g. ../shared/data)",
    )
    p.add_argument(
        "--workdir",
        metavar="DIR",
        help="where corpus files and outputs go (default: a folder under the system's temp)",
    )
    p.add_argument("--seed", type=int, default=0, help="document generator seed")
    p.add_argument("--json", metavar="PATH", help="write every number to this JSON file")
    p.add_argument(
        "--plot", metavar="PATH", help="PNG of time and peak RSS against size (matplotlib)"
    )
    p.add_argument("--child", choices=("datasketch", "rensa"), help=argparse.SUPPRESS)
    p.add_argument("--corpus", help=argparse.SUPPRESS)
    p.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--child-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.docs = [n for n in args.docs if n > 0]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args.child, args.corpus, args.limit, args.child_out)
    cpus = os.cpu_count() or 1
    if args.workers < 1:
        raise SystemExit("--workers must be >= 1")
    tools = [t for t in args.tools.split(",") if t]
    if set(tools) - set(TOOLS) or "syndet" not in tools:
        raise SystemExit(f"--tools: syndet plus any of {', '.join(TOOLS[1:])}")
    # Before rensa is imported: its rayon pool reads this once (stage rows: one core each).
    os.environ.setdefault("RAYON_NUM_THREADS", str(args.workers))

    import datasketch
    import numba
    import rensa  # noqa: F401  (fail early if missing)

    import syndet

    all_threads = int(numba.get_num_threads())  # the default: every core numba may use
    if args.workers > all_threads:
        log(f"--workers {args.workers} > {all_threads} (numba threads); using {all_threads}")
        args.workers = all_threads

    import tempfile
    from importlib.metadata import version

    workdir = Path(args.workdir or os.path.join(tempfile.gettempdir(), "syndet-throughput"))
    workdir.mkdir(parents=True, exist_ok=True)
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
        "peer_max_docs": args.peer_max_docs,
        "load_start": os.getloadavg()[0],
        "argv": sys.argv[1:] if argv is None else argv,
    }
    if meta["load_start"] > 0.5:
        log(f"load average is {meta['load_start']:.2f}: other processes may disturb the timings")

    from benchmarks._gen import CHUNK

    t_start = time.perf_counter()
    results: list[SizeResult] = []
    runs: list[E2E] = []
    measured: dict[tuple[str, int], E2E] = {}  # peers' prefix runs, reused by larger sizes
    # Untimed: a first syndet process compiles numba's kernels into its cache (tens of
    # seconds, once per installation); the timed processes then load them, as users' do.
    warm = synth_corpus_file(2 * CHUNK, args.seed + 1, workdir)
    log("warming syndet's kernel cache (not timed)...")
    run_e2e("syndet", warm, "warm-up", 2 * CHUNK, 2 * CHUNK, workdir)
    for n in args.docs:
        path = synth_corpus_file(n, args.seed, workdir)
        label = f"{n:,}"
        for tool in tools:
            limit = n if tool == "syndet" else min(n, args.peer_max_docs)
            prior = measured.get((tool, limit))
            if prior is not None and limit < n and limit % CHUNK == 0:
                # The first `limit` documents of this corpus are the earlier corpus (the
                # generator's chunks are seeded on their own): no need to run them again.
                runs.append(replace(prior, corpus=label, corpus_docs=n, reused_from=prior.corpus))
                continue
            run = run_e2e(tool, path, label, n, limit, workdir)
            runs.append(run)
            if tool != "syndet":
                measured[(tool, limit)] = run
        if not args.no_stages:
            results.append(run_size(n, path, args, all_threads))
    if args.data:
        path = real_corpus_file(Path(args.data), workdir)
        import pyarrow.parquet as pq

        n_real = pq.ParquetFile(path).metadata.num_rows
        for tool in tools:
            runs.append(run_e2e(tool, path, "real (allsides-dev + Reuters)", n_real, n_real,
                                workdir))  # fmt: skip
    estimate_rss(runs)
    meta["load_end"] = os.getloadavg()[0]
    meta["total_seconds"] = time.perf_counter() - t_start

    print()
    print(
        f"syndet {meta['syndet']} | datasketch {meta['datasketch']} | rensa {meta['rensa']} | "
        f"numba {meta['numba']} | {cpus} CPUs | load average at start {meta['load_start']:.2f}, "
        f"at end {meta['load_end']:.2f}"
    )
    print("\nEnd to end, each tool in its own process (wall clock; CPU, peak RSS: /usr/bin/time):")
    for tool in tools:
        print(f"  {tool}: {INCLUDES[tool]}")
    print()
    print(e2e_tables(runs))
    head: dict[str, Any] = {}
    if results:
        print("\nStages in one process (signature and LSH stages alone, same documents):")
        head = report(results, meta)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nthis process's peak RSS {peak_mb:,.0f} MB; total run {meta['total_seconds']:.0f}s")

    if args.json:
        out = {
            "meta": meta,
            "headline": head,
            "peak_rss_mb": peak_mb,
            "end_to_end": [
                {**asdict(r), "extrapolated": r.extrapolated, "full_seconds": r.full_seconds}
                for r in runs
            ],
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
        title = (
            f"syndet {meta['syndet']} vs datasketch {meta['datasketch']} / rensa {meta['rensa']}"
            f" on generated ~500-word articles, {cpus} CPUs, load {meta['load_start']:.1f}"
            f"-{meta['load_end']:.1f}"
        )
        plot(runs, args.plot, title)
    return 0


def _nan_none(x: float) -> float | None:
    return None if x != x else x


if __name__ == "__main__":
    raise SystemExit(main())
