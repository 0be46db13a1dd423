"""The whole scan on the local engine and on the Dask engine, same documents, same run.

Usage::

    python benchmarks/engines.py [--docs 10000,100000] [--workers 2] [--seed 0]
                                 [--engines local,dask] [--corpus-dir DIR] [--json out.json]

Both engines scan the same generated corpus (``benchmarks/_gen.py``: ~500-word news-like
articles, ~10% near-duplicates) with the default settings, end to end, the way a user runs
``syndet scan corpus.parquet``: the corpus is written once to an uncompressed Parquet file
(``--corpus-dir``, reused by later runs) and each engine streams it from there (read, phase A,
chrome learning, phase B, banding, verification, clustering, report frames):

* **local**: ``Scanner().scan([path])`` in a fresh child process, so that its peak RSS
  (``ru_maxrss``) is the scan's own memory, not the generator's or the Dask client's; numba
  kernels on every core, intermediates spilled to a temporary folder. A small scan first
  warms numba's kernels (cache loading); it is not timed.
* **dask**: ``Scanner(engine="dask", scheduler=client)`` on a ``LocalCluster`` of ``--workers``
  single-threaded worker processes. The cluster is started before the clock (its start-up
  time is reported on its own), so the scan times compare the engines, not process start-up.

The two results are compared (pairs and clusters must be equal) and the ratio
``dask seconds / local seconds`` is printed: the issue's target is at most 1.5 at a million
documents. Wall clock (``time.perf_counter``); every stage's seconds (``summary.json``'s
``seconds``) and the load average at the start and end of each scan are recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if not __package__:  # run as `python benchmarks/engines.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._gen import generate_corpus
from benchmarks.throughput import read_through


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def corpus_table(n: int, seed: int) -> Any:
    import pyarrow as pa

    column = generate_corpus(n, seed).to_arrow()
    return pa.table({"id": pa.array([f"doc{i:08d}" for i in range(n)]), "text": column})


def corpus_file(n: int, seed: int, folder: Path) -> Path:
    """The corpus as an uncompressed Parquet file, written once (in slices: at 1M the text
    alone is 3.5 GB)."""
    import pyarrow.parquet as pq

    path = folder / f"corpus-{n}-seed{seed}.parquet"
    if path.exists():
        return path
    log(f"[{n:,} docs] writing {path}")
    tmp = path.with_suffix(".tmp")
    table = corpus_table(n, seed)
    pq.write_table(table, tmp, compression="none", row_group_size=65536)
    del table
    os.replace(tmp, path)
    return path


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(path: str, out_prefix: str) -> int:
    """Run in the child process: one timed local scan of ``path``; results to files."""
    from syndet import Scanner

    Scanner().scan_table(corpus_table(300, seed=1))  # warm the kernels, not timed
    base = _peak_rss_mb()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    res = Scanner().scan([path])
    seconds = time.perf_counter() - t0
    res.pairs.write_parquet(out_prefix + "-pairs.parquet")
    res.clusters.write_parquet(out_prefix + "-clusters.parquet")
    info = {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(_peak_rss_mb()),
        "rss_before_scan_mb": round(base),
        "load_start": load,
        "load_end": os.getloadavg()[0],
        "stages": res.summary["seconds"],
        "workers": res.summary["settings"]["workers"],
        "candidates": res.summary["pairs"]["candidates"],
        "reported": res.summary["pairs"]["reported"],
    }
    Path(out_prefix + ".json").write_text(json.dumps(info))
    return 0


def run_local(path: Path, work: Path) -> tuple[dict[str, Any], Any, Any]:
    import polars as pl

    prefix = str(work / f"local-{path.stem}")
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", str(path), prefix]
    subprocess.run(cmd, check=True, env=env)
    info = json.loads(Path(prefix + ".json").read_text())
    return (
        info,
        pl.read_parquet(prefix + "-pairs.parquet"),
        pl.read_parquet(prefix + "-clusters.parquet"),
    )


def run_size(
    n: int,
    seed: int,
    client: Any,
    engines: list[str],
    folder: Path,
    work: Path,
    spill: str | None = "auto",
) -> dict[str, Any]:
    from syndet import Scanner

    path = corpus_file(n, seed, folder)
    out: dict[str, Any] = {"docs": n, "corpus_bytes": path.stat().st_size}
    results = {}
    if "local" in engines:
        log(f"[{n:,} docs] local")
        read_through(path)  # untimed: see throughput.read_through
        info, pairs, clusters = run_local(path, work)
        out["local"] = {**info, "docs_per_s": round(n / info["seconds"], 1)}
        results["local"] = (pairs, clusters)
    if "dask" in engines:
        log(f"[{n:,} docs] dask")
        read_through(path)  # untimed: see throughput.read_through
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        res = Scanner(engine="dask", scheduler=client, spill=spill).scan([str(path)])
        seconds = time.perf_counter() - t0
        results["dask"] = (res.pairs, res.clusters)
        out["dask"] = {
            "seconds": round(seconds, 2),
            "docs_per_s": round(n / seconds, 1),
            "load_start": load,
            "load_end": os.getloadavg()[0],
            "stages": res.summary["seconds"],
            "candidates": res.summary["pairs"]["candidates"],
            "reported": res.summary["pairs"]["reported"],
            "partitions": res.summary["engine"].get("partitions"),
        }
    if "local" in results and "dask" in results:
        out["ratio"] = round(out["dask"]["seconds"] / out["local"]["seconds"], 3)
        (lp, lc), (dp, dc) = results["local"], results["dask"]
        out["same_output"] = bool(dp.equals(lp) and dc.equals(lc))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_child"]:
        return _child(argv[1], argv[2])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", default="10000,100000", help="comma-separated corpus sizes")
    p.add_argument("--workers", type=int, default=2, help="Dask worker processes (default 2)")
    p.add_argument("--seed", type=int, default=0, help="document generator seed")
    p.add_argument("--engines", default="local,dask", help="local, dask or both (default)")
    p.add_argument(
        "--corpus-dir",
        metavar="DIR",
        help="where the corpus files are written once and reused (default: a temporary folder)",
    )
    p.add_argument(
        "--no-spill",
        action="store_true",
        help="Dask workers keep shingles in memory (spill=None) instead of their local folder",
    )
    p.add_argument("--json", metavar="PATH", help="write every number to this JSON file")
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.docs.split(",") if x]
    engines = [e for e in args.engines.split(",") if e]

    import numba

    meta: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "numba": numba.__version__,
        "engines": engines,
        "load_start": os.getloadavg()[0],
    }
    if meta["load_start"] > 0.5:
        log(f"load average is {meta['load_start']:.2f}: other processes may disturb the timings")
    client = cluster = None
    with tempfile.TemporaryDirectory(prefix="syndet-engines-") as tmp:
        folder = Path(args.corpus_dir) if args.corpus_dir else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tmp)
        try:
            if "dask" in engines:
                import dask
                import distributed

                from syndet import Scanner

                meta.update(
                    dask=dask.__version__,
                    distributed=distributed.__version__,
                    dask_workers=args.workers,
                    dask_spill=not args.no_spill,
                )
                t0 = time.perf_counter()
                cluster = distributed.LocalCluster(
                    n_workers=args.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                )
                client = distributed.Client(cluster)
                meta["cluster_start_seconds"] = round(time.perf_counter() - t0, 2)
                warm = corpus_table(300, seed=args.seed + 1)
                Scanner(engine="dask", scheduler=client, batch_size=64).scan_table(warm)
            spill = None if args.no_spill else "auto"
            rows = [run_size(n, args.seed, client, engines, folder, work, spill) for n in sizes]
            if client is not None:

                def worker_rss() -> float:
                    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

                meta["worker_peak_rss_mb"] = sorted(
                    round(v) for v in client.run(worker_rss).values()
                )
                meta["client_peak_rss_mb"] = round(_peak_rss_mb())
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
    meta["load_end"] = os.getloadavg()[0]

    print(f"{'docs':>10}  {'local s':>8}  {'local MB':>8}  {'dask s':>8}  {'dask/local':>10}  same")
    for r in rows:
        loc, dsk = r.get("local", {}), r.get("dask", {})
        nan = float("nan")
        print(
            f"{r['docs']:>10,}  {loc.get('seconds', nan):>8.1f}  "
            f"{loc.get('peak_rss_mb', nan):>8.0f}  {dsk.get('seconds', nan):>8.1f}"
            f"  {r.get('ratio', nan):>10.2f}  {r.get('same_output', '-')}"
        )
        if loc:
            print(
                f"{'':>10}  local stages: "
                + ", ".join(f"{k} {v:.1f}" for k, v in loc["stages"].items())
                + f"; load {loc['load_start']:.2f} -> {loc['load_end']:.2f}"
            )
    if "worker_peak_rss_mb" in meta:
        print(
            f"cluster start {meta['cluster_start_seconds']} s; peak RSS Dask client "
            f"{meta['client_peak_rss_mb']} MB, workers {meta['worker_peak_rss_mb']} MB"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "sizes": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
