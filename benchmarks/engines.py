"""The whole scan on the local engine and on the Dask engine, same documents, same run.

Usage::

    python benchmarks/engines.py [--docs 10000,100000] [--workers 2] [--seed 0] [--json out.json]

Both engines scan the same generated corpus (``benchmarks/_gen.py``: ~500-word news-like
articles, ~10% near-duplicates) with the default settings, end to end (``scan_table``: phase A,
chrome learning, phase B, banding, verification, clustering, report frames):

* **local**: ``Scanner()``, one process, numba kernels on every core, intermediates spilled to
  a temporary folder;
* **dask**: ``Scanner(engine="dask", scheduler=client)`` on a ``LocalCluster`` of ``--workers``
  single-threaded worker processes. The cluster is started before the clock (its start-up
  time is reported on its own), so the scan times compare the engines, not process start-up.

One small scan on each engine first warms numba's kernels (cache loading) in this process and
in every worker; it is not timed. The two results are compared (pairs and clusters must be
equal) and the ratio ``dask seconds / local seconds`` is printed: the issue's target is at most
1.5 at a million documents. Wall clock (``time.perf_counter``); the client's peak RSS and each
worker's peak RSS are recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

if not __package__:  # run as `python benchmarks/engines.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._gen import generate_corpus


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def corpus_table(n: int, seed: int) -> Any:
    import pyarrow as pa

    column = generate_corpus(n, seed).to_arrow()
    return pa.table({"id": pa.array([f"doc{i:08d}" for i in range(n)]), "text": column})


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(n: int, seed: int, client: Any, spill: str | None = "auto") -> dict[str, Any]:
    from syndet import Scanner

    log(f"[{n:,} docs] generating")
    table = corpus_table(n, seed)
    out: dict[str, Any] = {"docs": n}
    results = {}
    for name, scanner in (
        ("local", Scanner(progress=None)),
        ("dask", Scanner(engine="dask", scheduler=client, spill=spill)),
    ):
        log(f"[{n:,} docs] {name}")
        t0 = time.perf_counter()
        res = scanner.scan_table(table)
        seconds = time.perf_counter() - t0
        results[name] = res
        out[name] = {
            "seconds": round(seconds, 2),
            "docs_per_s": round(n / seconds, 1),
            "stages": res.summary["seconds"],
            "candidates": res.summary["pairs"]["candidates"],
            "reported": res.summary["pairs"]["reported"],
        }
    out["ratio"] = round(out["dask"]["seconds"] / out["local"]["seconds"], 3)
    out["same_output"] = bool(
        results["dask"].pairs.equals(results["local"].pairs)
        and results["dask"].clusters.equals(results["local"].clusters)
    )
    out["dask_partitions"] = results["dask"].summary["engine"].get("partitions")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", default="10000,100000", help="comma-separated corpus sizes")
    p.add_argument("--workers", type=int, default=2, help="Dask worker processes (default 2)")
    p.add_argument("--seed", type=int, default=0, help="document generator seed")
    p.add_argument("--json", metavar="PATH", help="write every number to this JSON file")
    p.add_argument(
        "--no-spill",
        action="store_true",
        help="Dask workers keep shingles in memory (spill=None) instead of their local folder",
    )
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.docs.split(",") if x]

    import dask
    import distributed
    import numba

    from syndet import Scanner

    meta = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "numba": numba.__version__,
        "dask": dask.__version__,
        "distributed": distributed.__version__,
        "dask_workers": args.workers,
        "dask_spill": not args.no_spill,
        "load_start": os.getloadavg()[0],
    }
    if meta["load_start"] > 0.5:
        log(f"load average is {meta['load_start']:.2f}: other processes may disturb the timings")
    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    meta["cluster_start_seconds"] = round(time.perf_counter() - t0, 2)
    try:
        warm = corpus_table(300, seed=args.seed + 1)
        t0 = time.perf_counter()
        Scanner().scan_table(warm)
        Scanner(engine="dask", scheduler=client, batch_size=64).scan_table(warm)
        meta["warm_up_seconds"] = round(time.perf_counter() - t0, 2)
        spill = None if args.no_spill else "auto"
        rows = [run_size(n, args.seed, client, spill) for n in sizes]

        def worker_rss() -> float:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        meta["worker_peak_rss_mb"] = sorted(round(v) for v in client.run(worker_rss).values())
    finally:
        client.close()
        cluster.close()
    meta["client_peak_rss_mb"] = round(_peak_rss_mb())
    meta["load_end"] = os.getloadavg()[0]

    print(f"{'docs':>10}  {'local s':>8}  {'dask s':>8}  {'dask/local':>10}  same output")
    for r in rows:
        print(
            f"{r['docs']:>10,}  {r['local']['seconds']:>8.1f}  {r['dask']['seconds']:>8.1f}  "
            f"{r['ratio']:>10.2f}  {r['same_output']}"
        )
    print(
        f"cluster start {meta['cluster_start_seconds']} s; peak RSS client "
        f"{meta['client_peak_rss_mb']} MB, workers {meta['worker_peak_rss_mb']} MB"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "sizes": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
