"""The Dask engine: the same scans as the local engine, on a real Dask cluster.

Every test compares the Dask engine's pairs and clusters with the local engine's (and with the
brute-force reference of test_pipeline), under partitionings that differ from the local one.
One module-wide local cluster of two single-threaded worker processes serves the tests; one
test starts a real ``dask scheduler`` and two ``dask worker`` processes and scans through them
from the command line.
"""

from __future__ import annotations

import contextlib
import json
import operator
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

from syndet import DEFAULT_CONFIG, Scanner
from syndet.cli import cli
from syndet.errors import ConfigError
from test_pipeline import make_corpus, reference_pairs

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def table(docs: dict[str, str], order: list[str] | None = None) -> pa.Table:
    ids = order if order is not None else list(docs)
    return pa.table({"id": ids, "text": [docs[i] for i in ids]})


def as_dict(result: Any) -> dict[tuple[str, str], str]:
    return {(a, b): r for a, b, r in result.pairs.select("a", "b", "relation").iter_rows()}


def same_result(local: Any, dask: Any) -> None:
    assert dask.pairs.equals(local.pairs)
    assert dask.clusters.equals(local.clusters)
    assert dask.skips == local.skips
    for key in ("documents", "boilerplate", "pairs", "clusters", "lsh"):
        assert dask.summary[key] == local.summary[key], key
    assert dask.summary["engine"]["name"] == "dask"


def test_dask_equals_local_and_the_reference(client: Client) -> None:
    docs = make_corpus()
    local = Scanner().scan_table(table(docs))
    order = list(docs)
    random.Random(11).shuffle(order)
    # another order and other partitions: 7 documents per partition, several per worker
    dask = Scanner(engine="dask", scheduler=client, batch_size=7).scan_table(table(docs, order))
    same_result(local, dask)
    want = reference_pairs(docs)
    assert as_dict(dask) == want
    assert set(want.values()) == {"duplicate", "syndicated", "partial", "rewritten"}
    assert dask.summary["engine"]["partitions"] == -(-len(docs) // 7)


def test_huge_buckets_become_the_same_stars(client: Client) -> None:
    # Ten copies of one story in buckets capped at four: stars around the lowest id, and the
    # same counts of capped buckets and pairs not expanded, whichever worker holds a bucket.
    docs = make_corpus(seed=8, stories=4)
    story = docs["story00"]
    for i in range(10):
        docs[f"mirror{i}"] = story + f"\nMirror site number {i}."
    config = replace(DEFAULT_CONFIG, lsh=replace(DEFAULT_CONFIG.lsh, max_bucket=4))
    local = Scanner(config).scan_table(table(docs))
    assert local.summary["lsh"]["capped_buckets"] > 0
    order = sorted(docs, reverse=True)
    dask = Scanner(config, engine="dask", scheduler=client, batch_size=5).scan_table(
        table(docs, order)
    )
    same_result(local, dask)


def test_skips_are_the_same_and_in_the_same_order(client: Client, tmp_path: Path) -> None:
    docs = make_corpus(seed=4, stories=4)
    lines = []
    for i, (doc_id, text) in enumerate(docs.items()):
        lines.append(json.dumps({"id": doc_id, "text": text}))
        if i % 3 == 0:
            lines.append("{not json")  # a reader skip
        if i % 4 == 1:
            lines.append(json.dumps({"id": f"empty{i}", "text": " ... "}))  # empty
        if i % 5 == 2:
            lines.append(json.dumps({"id": f"short{i}", "text": "only three words"}))
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    local = Scanner(batch_size=4).scan([path])
    seen: list[str] = []
    dask = Scanner(
        engine="dask", scheduler=client, batch_size=4, on_skip=lambda s: seen.append(s.where)
    ).scan([path])
    assert {s.reason for s in local.skips} >= {"empty", "too_short"}
    assert len(local.skips) > 5
    same_result(local, dask)
    assert sorted(seen) == sorted(s.where for s in local.skips)


def test_shingle_data_is_not_corrupted_in_transit(client: Client) -> None:
    # Shingles travel between workers as uint64 arrays. Dask's defaults turn object columns of
    # bytes into strings, which once turned a Jaccard of 0.5 into 0.75: this pair has a Jaccard
    # of exactly 0.5 (200 shared shingles out of 400), and must keep it.
    def words(tag: str, n: int) -> list[str]:
        return [f"{tag}{i}x" for i in range(n)]

    shared = words("common", 204)
    docs = {
        "a": " ".join(shared + words("left", 100)),
        "b": " ".join(shared + words("right", 100)),
    }
    local = Scanner().scan_table(table(docs))
    dask = Scanner(engine="dask", scheduler=client, batch_size=1).scan_table(table(docs))
    for result in (local, dask):
        row = result.pairs.row(0, named=True)
        assert (row["a"], row["b"], row["shared"]) == ("a", "b", 200)
        assert row["jaccard"] == 0.5
        assert row["containment_a"] == row["containment_b"] == 200 / 300
    same_result(local, dask)


def test_a_scan_with_every_document_skipped(client: Client) -> None:
    docs = {"a": "too short", "b": "", "c": "four words only here"}
    local = Scanner().scan_table(table(docs))
    dask = Scanner(engine="dask", scheduler=client).scan_table(table(docs))
    same_result(local, dask)
    assert dask.summary["documents"]["scanned"] == 0


def test_demo_corpus_with_html_on_a_local_cluster(client: Client) -> None:
    # HTML extraction runs on the workers; the folder reader runs on the client.
    local = Scanner().scan([CORPUS])
    dask = Scanner(engine="dask", scheduler=client, batch_size=9).scan([CORPUS])
    same_result(local, dask)
    assert len(dask.pairs) > 30


def test_cli_engine_dask_starts_and_stops_a_local_cluster(tmp_path: Path) -> None:
    local = Scanner().scan([CORPUS])
    res = CliRunner().invoke(
        cli, ["scan", str(CORPUS), "--engine", "dask", "--workers", "2", "-o", str(tmp_path), "-q"]
    )
    assert res.exit_code == 0, res.output
    assert pl.read_parquet(tmp_path / "pairs.parquet").equals(local.pairs)
    assert pl.read_parquet(tmp_path / "clusters.parquet").equals(local.clusters)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["engine"]["workers"] == 2


def test_missing_dask_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'syndet\[dask\]'"):
        Scanner(engine="dask")
    res = CliRunner().invoke(cli, ["scan", str(CORPUS), "--engine", "dask"])
    assert res.exit_code == 1
    assert "pip install 'syndet[dask]'" in res.output


def test_engine_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="engine must be one of"):
        Scanner(engine="spark")
    with pytest.raises(ConfigError, match="needs engine='dask'"):
        Scanner(scheduler="tcp://127.0.0.1:8786")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started inside; each is stopped on the way out (terminate, then kill)."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for p in reversed(started):
            p.terminate()
        for p in reversed(started):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


def test_cli_scan_through_a_real_scheduler_and_two_workers(tmp_path: Path) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    logs = tmp_path / "logs"
    logs.mkdir()
    with _processes() as procs:

        def start(name: str, args: list[str]) -> None:
            out = (logs / f"{name}.log").open("wb")
            procs.append(subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT))

        start("scheduler", [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                            "--no-dashboard"])  # fmt: skip
        for i in range(2):
            start(f"worker{i}", [*dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                 "--host", "127.0.0.1", "--no-dashboard"])  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as c:
                    c.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                dead = [p.args for p in procs if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    shown = "\n".join(f.read_text() for f in sorted(logs.iterdir()))
                    pytest.fail(f"the Dask cluster did not start ({dead}):\n{shown[-3000:]}")
                time.sleep(0.5)

        runner = CliRunner()
        local = runner.invoke(cli, ["scan", str(CORPUS), "-o", str(tmp_path / "local"), "-q"])
        assert local.exit_code == 0, local.output
        res = runner.invoke(
            cli,
            ["scan", str(CORPUS), "--scheduler", address, "-o", str(tmp_path / "dask"), "-q"],
        )
        assert res.exit_code == 0, res.output
    for name in ("pairs.parquet", "clusters.parquet", "skipped.parquet"):
        a = pq.read_table(tmp_path / "local" / name)
        b = pq.read_table(tmp_path / "dask" / name)
        assert a.equals(b), name
    summary = json.loads((tmp_path / "dask" / "summary.json").read_text())
    assert summary["engine"]["scheduler"] == address
    assert summary["engine"]["workers"] == 2
    assert all(p.returncode is not None for p in procs)


@pytest.mark.parametrize("shared_key", [False, True])
def test_band_reducers_match_candidate_pairs(shared_key: bool) -> None:
    # Bands split among reducers, keys among partitions: together the reducers' pairs and
    # counts are lsh.candidate_pairs on the whole key matrix, also when one key value occurs
    # in two bands (each band's buckets are its own).
    from syndet.engine import _band_ranges, _band_reduce, _band_rows, _rank_pairs
    from syndet.lsh import candidate_pairs

    rng = np.random.default_rng(3)
    bands, n = 7, 300
    # a third of the documents in a few big buckets, the rest mostly alone in theirs
    values = np.where(
        np.arange(n) < n // 3,
        rng.integers(0, 12, size=(bands, n)),
        rng.integers(100, 900, size=(bands, n)),
    )
    keys = (values + 1000 * np.arange(bands)[:, None]).astype(np.uint64)
    if shared_key:
        keys[1, :5] = keys[0, 0]  # the same value in band 0 and band 1
    rank = rng.permutation(n)
    want, stats = candidate_pairs(keys, rank, max_bucket=8)
    want_ranks = np.sort(rank[want], axis=1)
    # three uneven partitions (stand-ins: only their keys are read) held by two workers, the
    # first and last by one of them; three reducers
    cuts = (slice(0, 50), slice(50, 120), slice(120, n))
    parts = [(SimpleNamespace(keys=np.ascontiguousarray(keys[:, sl])), []) for sl in cuts]
    held = np.concatenate([rank[cuts[0]], rank[cuts[2]], rank[cuts[1]]])
    outs = [
        _band_reduce(
            [_band_rows(b0, b1, parts[0], parts[2]), _band_rows(b0, b1, parts[1])], held, 8, 2
        )
        for b0, b1 in _band_ranges(bands, 3)
    ]
    assert [b1 - b0 for b0, b1 in _band_ranges(bands, 3)] == [2, 2, 3]
    got = _rank_pairs(np.unique(np.concatenate([o[j] for o in outs for j in range(2)])))
    assert np.array_equal(got, want_ranks[np.lexsort((want_ranks[:, 1], want_ranks[:, 0]))])
    totals = np.sum([o[2] for o in outs], axis=0)
    assert list(totals) == [stats.bucket_pairs, stats.capped_buckets, stats.pairs_not_expanded]
    assert stats.capped_buckets > 0


def test_one_worker_takes_the_documents_of_all_its_partitions(tmp_path: Path) -> None:
    # _take_held reads, from the partitions one worker holds (spilled or in memory), the
    # documents each pair partition needs, as one ragged array per pair partition: a pair
    # partition that needs none of them gets empty columns, a partition with none of them is
    # not read. It stores them all (spilled to the worker's folder for the scan), and
    # clustering's _take_stored gets the same pieces from the store. Verified with such
    # evidence, pairs score as with every document at hand.
    from syndet.engine import (
        RaggedRef,
        Spill,
        _drop_spill,
        _take_held,
        _take_stored,
        _verify_task,
        _WorkerFiles,
    )

    rng = np.random.default_rng(5)
    n = 40
    lens = rng.integers(0, 30, size=n)
    lens[[0, 12]] = 300
    offsets = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    values = rng.integers(0, 2**63, size=int(offsets[-1]), dtype=np.uint64)
    values[offsets[12] : offsets[13]] = values[offsets[0] : offsets[1]]  # rows 0 and 12 alike
    fps = rng.integers(0, 2**63, size=n, dtype=np.uint64)
    rank = rng.permutation(n).astype(np.int64)
    spill = Spill(str(tmp_path))

    def part(lo: int, hi: int, spilled: bool) -> tuple[SimpleNamespace, list[Any]]:
        o = offsets[lo : hi + 1] - offsets[lo]
        v = values[offsets[lo] : offsets[hi]]
        seqs = spill.put(o, v) if spilled else RaggedRef(o, v)
        return SimpleNamespace(seqs=seqs, fingerprints=fps[lo:hi], lengths=lens[lo:hi]), []

    # this worker holds rows 0-9 (spilled), 25-39 (spilled) and 10-14 (in memory), in the
    # order the rank array lists them
    cuts = [(0, 10, True), (25, 40, True), (10, 15, False)]
    held = np.concatenate([rank[lo:hi] for lo, hi, _ in cuts])
    at = np.array([[0, 10], [10, 25], [25, 30]])
    want = [
        np.sort(rank[[0, 3, 12, 30, 39]]),  # some of three partitions' documents
        np.sort(rank[[20, 21]]),  # held by another worker only
        np.sort(rank[[26, 5, 27, 28, 29, 31, 32, 33, 34]]),
    ]
    scan = f"test-{tmp_path.name}"
    try:
        *taken, store = _take_held(want, held, at, scan, *(part(*c) for c in cuts))
        assert isinstance(store.seqs, _WorkerFiles)
        stored = _take_stored(want, store)
    finally:
        _drop_spill(scan)
    assert len(taken) == len(stored) == 3
    for w, got, again in zip(want, taken, stored, strict=True):
        ranks, off, vals, fp, ln = got
        rows = np.flatnonzero(np.isin(rank, w) & ((np.arange(n) < 15) | (np.arange(n) >= 25)))
        assert sorted(ranks) == sorted(rank[rows])
        for k, r in enumerate(ranks):
            row = int(np.flatnonzero(rank == r)[0])
            assert np.array_equal(
                vals[off[k] : off[k + 1]], values[offsets[row] : offsets[row + 1]]
            )
            assert fp[k] == fps[row] and ln[k] == lens[row]
        assert fp.dtype == fps.dtype and ln.dtype == lens.dtype and vals.dtype == np.uint64
        assert all(np.array_equal(x, y) for x, y in zip(got, again, strict=True))
    assert taken[1][0].size == 0 and list(taken[1][1]) == [0]
    # a worker whose partitions hold none of the needed documents (kept in memory)
    none, store = _take_held([want[1]], held[:10], at[:1], None, part(0, 10, True))
    assert none[0].size == 0 and none[2].size == 0 and store.rank.size == 0
    assert isinstance(store.seqs.values, np.ndarray)
    # verification from the pieces of several workers: each pair's scores as from its rows
    pairs = np.array([[0, 12], [3, 30], [39, 12]])
    need = [np.unique(rank[pairs])]
    ev = [_take_held(need, held, at, None, *(part(*c) for c in cuts))[0]]
    one = [_take_held(need, rank, np.array([[0, n]]), None, part(0, n, False))[0]]
    got = _verify_task(rank[pairs], ev, DEFAULT_CONFIG, False)[1]
    ref = _verify_task(rank[pairs], one, DEFAULT_CONFIG, False)[1]
    assert all(np.array_equal(got[k], ref[k]) for k in ref)
    assert got["relation"][0] > 0 and not got["relation"][1:].any()
    with pytest.raises(AssertionError, match="lacks documents"):  # never a wrong document
        _verify_task(rank[[[0, 20]]], ev, DEFAULT_CONFIG, False)


def test_components_on_the_workers_equal_union_find(client: Client) -> None:
    # Engine-side connected components (spanning forests merged in a tree on the workers)
    # against the client's union-find: the same label (smallest row) for every row.
    from syndet.cluster import components
    from syndet.engine import DaskEngine

    rng = np.random.default_rng(5)
    n = 5000
    pairs = np.concatenate(
        [
            rng.integers(0, n, size=(2500, 2)),  # random edges: many small components
            np.stack([np.arange(3000, 3400), np.arange(3001, 3401)], axis=1),  # a long chain
            np.stack([np.full(50, 4999), np.arange(4000, 4050)], axis=1),  # a star
        ]
    )
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    rng.shuffle(pairs)  # a chain's edges land in different partitions
    with DaskEngine(client, client_edges_max=0) as engine:
        got = engine.components(n, pairs)
        assert engine.component_rounds == 1
    assert np.array_equal(got, components(n, pairs))
    with DaskEngine(client) as engine:  # few edges: union-find on the client
        assert np.array_equal(engine.components(n, pairs), got)
        assert engine.component_rounds == 0


def test_scan_with_components_on_the_workers(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syndet.engine import DaskEngine

    docs = make_corpus(seed=3)
    local = Scanner().scan_table(table(docs))
    monkeypatch.setattr(DaskEngine, "client_edges_max", 0)  # every round on the workers
    # and every round's members verified in as many chunks as the workers have threads
    monkeypatch.setattr("syndet.engine._VERIFY_CHUNK_MIN", 1)
    dask = Scanner(engine="dask", scheduler=client, batch_size=6).scan_table(table(docs))
    same_result(local, dask)
    assert dask.summary["engine"]["client_edges_max"] == 0
    assert dask.summary["engine"]["component_rounds_on_workers"] >= 1
    assert len(dask.clusters) > 0


def _spill_folders(dask_worker: Any = None) -> list[str]:
    """The syndet spill folders in this worker's local directory (in a task, or through
    ``client.run``, which passes the worker)."""
    import glob
    import os

    from distributed import get_worker

    worker = dask_worker if dask_worker is not None else get_worker()
    return glob.glob(os.path.join(worker.local_directory, "syndet-spill-*"))


def test_workers_spill_shingles_to_disk_and_clean_up(client: Client) -> None:
    from syndet.engine import _WorkerFiles

    docs = make_corpus(seed=6, stories=4)
    dask = Scanner(engine="dask", scheduler=client, batch_size=5).scan_table(table(docs))
    local = Scanner().scan_table(table(docs))
    same_result(local, dask)
    assert dask.summary["engine"]["spill"] is True
    # the scan's folders are gone from every worker once it is over
    assert all(not found for found in client.run(_spill_folders).values())

    # During a scan, a signed partition on a worker holds its shingles as files there.
    from syndet.engine import _read_task, _sign_task

    def sign_on_a_worker(batch: pa.Table) -> tuple[str, str, int]:
        from syndet.pipeline import Scanner as S

        s = S()
        read = _read_task(batch, s.config, 0, "test-scan")
        part, _ = _sign_task(read, np.empty(0, np.uint64), s.config, s.bands, s.rows, "test-scan")
        found = len(_spill_folders())
        from syndet.engine import _drop_spill

        _drop_spill("test-scan")
        # the sequences: verification needs no sorted sets (verify_seq_pairs)
        return type(read[0].authored).__name__, type(part.seqs).__name__, found

    from syndet.io.readers import DOC_SCHEMA

    cols = {f.name: pa.nulls(3, f.type) for f in DOC_SCHEMA}
    cols["id"] = pa.array(["a", "b", "c"], DOC_SCHEMA.field("id").type)
    cols["text"] = pa.array(list(docs.values())[:3], DOC_SCHEMA.field("text").type)
    cols["origin"] = pa.array(["<t>"] * 3, DOC_SCHEMA.field("origin").type)
    batch = pa.table(cols, schema=DOC_SCHEMA)
    kinds = client.submit(sign_on_a_worker, batch, pure=False).result()
    assert kinds == (_WorkerFiles.__name__, _WorkerFiles.__name__, 1)
    assert all(not found for found in client.run(_spill_folders).values())


def test_spilled_shingles_travel_as_arrays(tmp_path: Path) -> None:
    # A worker's spill paths mean nothing elsewhere: moved to another worker (pickled), a
    # spilled array arrives as the arrays themselves.
    import pickle

    from syndet.engine import RaggedRef, Spill, _WorkerFiles

    offsets = np.array([0, 2, 5], dtype=np.int64)
    values = np.arange(5, dtype=np.uint64) * np.uint64(2**40)
    ref = Spill(str(tmp_path)).put(offsets, values, kind=_WorkerFiles)
    assert isinstance(ref, _WorkerFiles) and isinstance(ref.values, str)
    moved = pickle.loads(pickle.dumps(ref))
    assert type(moved) is RaggedRef
    assert isinstance(moved.offsets, np.ndarray) and isinstance(moved.values, np.ndarray)
    assert np.array_equal(moved.offsets, offsets) and np.array_equal(moved.values, values)
    assert moved.values.dtype == np.uint64


def test_dask_keeps_memory_when_spill_is_off(client: Client) -> None:
    docs = make_corpus(seed=2, stories=4)
    local = Scanner().scan_table(table(docs))
    dask = Scanner(engine="dask", scheduler=client, spill=None).scan_table(table(docs))
    same_result(local, dask)
    assert dask.summary["engine"]["spill"] is False


def test_tasks_pinned_near_their_inputs_run_without_a_known_holder(client: Client) -> None:
    # _by_worker gives None when no worker is known to hold a partition (its worker died):
    # such a task must still be submitted, to any worker, and a pinned one runs where asked.
    from syndet.engine import _near

    assert client.submit(operator.add, 1, 2, **_near(None)).result() == 3
    worker = next(iter(client.scheduler_info()["workers"]))
    assert client.submit(operator.add, 2, 3, **_near([worker])).result() == 5
