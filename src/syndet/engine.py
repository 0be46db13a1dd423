"""Where the scan keeps its per-partition intermediates.

The local engine runs every partition through numba kernels that use all worker threads. What
later stages need from a partition (its normalized lines between the two passes, its shingles
until verification) is *spilled* to disk and memory-mapped back, so memory stays bounded by
what the corpus-wide stages keep (band keys, fingerprints, ids: a few hundred bytes per
document) instead of growing with the text. Intermediates are raw ``.npy`` arrays: written
and read once or twice, uncompressed, and memory-mapped without a copy (decoding zstd Parquet
alone cost about 10 s per million documents per pass in measurements here).

:class:`DaskEngine` runs the same per-partition functions of :mod:`syndet.pipeline` on a Dask
cluster (``pip install 'syndet[dask]'``), for corpora that outgrow one machine. See its
documentation for how each corpus-wide step is distributed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import itertools
import operator
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from syndet.errors import ConfigError

if TYPE_CHECKING:
    import pyarrow as pa

    from syndet.config import Config
    from syndet.io.readers import Skip
    from syndet.pipeline import ReadPart, Scanner, SignedPart, _Found

__all__ = ["DaskEngine", "RaggedRef", "Spill", "require_dask"]


@dataclass(frozen=True)
class RaggedRef:
    """A spilled ragged array: row ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""

    offsets: np.ndarray | str  # the array itself, or the path of its .npy file
    values: np.ndarray | str


@dataclass(frozen=True)
class _WorkerFiles(RaggedRef):
    """A ragged array spilled to one Dask worker's local folder.

    The paths mean something on that worker's machine only: when Dask moves the object to
    another worker (or to the client), it travels as the arrays themselves and arrives as an
    in-memory :class:`RaggedRef`, so a scan is correct on any cluster, whichever worker runs
    a task.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        offsets, values = Spill.get(self)
        return RaggedRef, (np.array(offsets), np.array(values))


#: :meth:`Spill.read_for` reads a spilled partition whole when at least 1/_READ_WHOLE of its
#: documents are needed.
_READ_WHOLE = 16


def _remove_files(paths: Iterable[str]) -> None:
    """Delete files, those already gone included."""
    for path in paths:
        with contextlib.suppress(OSError):
            os.remove(path)


class Spill:
    """Ragged arrays kept in memory or written to ``.npy`` files and memory-mapped back.

    ``Spill(None)`` keeps everything in memory (small corpora, tests); ``Spill("auto")`` uses a
    fresh temporary folder that :meth:`close` removes; any other string is a folder to use.
    """

    def __init__(self, where: str | None = "auto") -> None:
        self._own = where == "auto"
        self.dir = tempfile.mkdtemp(prefix="syndet-") if where == "auto" else where
        if self.dir is not None:
            os.makedirs(self.dir, exist_ok=True)
        self._ids = itertools.count()
        self._dropping: threading.Thread | None = None

    def put(self, offsets: np.ndarray, values: np.ndarray, kind: type = RaggedRef) -> RaggedRef:
        """Store one ragged array; returns a reference (a ``kind``) for :meth:`get`."""
        if self.dir is None:
            return RaggedRef(offsets, values)
        n = next(self._ids)
        paths = []
        for name, arr in (("offsets", offsets), ("values", values)):
            path = os.path.join(self.dir, f"{n}-{name}.npy")
            np.save(path, np.ascontiguousarray(arr))
            paths.append(path)
        return kind(paths[0], paths[1])  # type: ignore[no-any-return]

    @staticmethod
    def read(ref: RaggedRef) -> tuple[np.ndarray, np.ndarray]:
        """The arrays behind a reference, read whole into memory: one sequential read, for a
        caller that needs much of it (faulting a memory map in page by page re-reads pages
        the system dropped from its cache one small read at a time)."""
        if isinstance(ref.offsets, str) and isinstance(ref.values, str):
            return np.load(ref.offsets), np.load(ref.values)
        return Spill.get(ref)

    @staticmethod
    def read_for(ref: RaggedRef, needed: int, total: int) -> tuple[np.ndarray, np.ndarray]:
        """The arrays behind a reference when ``needed`` of its ``total`` documents are
        wanted: read whole (:meth:`read`) from 1/16 of them up, since spread-out documents
        touch most pages anyway; below that, memory-mapped (:meth:`get`)."""
        whole = needed * _READ_WHOLE >= max(total, 1)
        return Spill.read(ref) if whole else Spill.get(ref)

    @staticmethod
    def get(ref: RaggedRef) -> tuple[np.ndarray, np.ndarray]:
        """The arrays behind a reference (memory-mapped: pages are read on demand)."""
        if isinstance(ref.offsets, str) and isinstance(ref.values, str):
            return np.load(ref.offsets, mmap_mode="r"), np.load(ref.values, mmap_mode="r")
        assert isinstance(ref.offsets, np.ndarray) and isinstance(ref.values, np.ndarray)
        return ref.offsets, ref.values

    def drop(self, refs: Iterable[RaggedRef | np.ndarray | str]) -> None:
        """Delete the files of references (or paths) no longer needed, on a background thread.

        Deleting gigabytes of spilled files is the kernel freeing their cached pages: seconds
        of one core at 1M documents, which the scan can spend meanwhile on work that leaves a
        core idle (clustering, the report). :meth:`close` waits for it."""
        paths = [
            p
            for ref in refs
            for p in ((ref.offsets, ref.values) if isinstance(ref, RaggedRef) else (ref,))
            if isinstance(p, str)
        ]
        if not paths:
            return

        self._wait()
        self._dropping = threading.Thread(
            target=_remove_files, args=(paths,), name="syndet-spill-drop"
        )
        self._dropping.start()

    def _wait(self) -> None:
        if self._dropping is not None:
            self._dropping.join()
            self._dropping = None

    def close(self) -> None:
        self._wait()
        if self._own and self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the Dask engine --------------------------------------------------------------------------

_NEEDS_DASK = "the dask engine needs Dask: pip install 'syndet[dask]'"


def require_dask() -> None:
    """Raise a :class:`ConfigError` saying how to install Dask when it is missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"{_NEEDS_DASK} ({e})") from e


class DaskEngine:
    """Runs a scan's partitions on a Dask cluster, with the same results as the local engine.

    ``scheduler`` is None (start a local cluster of ``workers`` single-threaded worker
    processes for this scan, stopped after it), the address of a running scheduler
    (``"tcp://host:8786"``), or a ``distributed.Client`` to use as it is.

    How the scan is distributed (every arrow is a set of Dask tasks; the client only ever
    holds per-document arrays of a few hundred bytes, which the local engine holds too):

    * documents are read on the client (:class:`syndet.io.readers.CorpusReader` decides file
      order, ids and skips once, the same way for every engine) and each Arrow batch is
      scattered to a worker as one partition;
    * phase A (:func:`~syndet.pipeline.read_partition`) runs per partition on the workers; its
      normalized lines stay there, in a file in the worker's local directory (with ``spill``,
      the default: partitions' large arrays live in such files, memory-mapped when a task
      needs them, and the folder is removed when the engine closes);
    * chrome learning needs the corpus-wide ``(line hash, document, words)`` triples of
      non-empty lines (24 bytes per line). They are gathered to the client, which runs
      :func:`~syndet.boilerplate.learn_chrome` as the local engine does, and the chrome hashes
      (a few thousand) are broadcast to the workers. (A shuffle by line hash would also work,
      but deciding a line needs each document's own-prose count, a second corpus-wide
      aggregation, for data the client can hold.)
    * phase B (:func:`~syndet.pipeline.sign_partition`) runs per partition; band keys (in
      memory) and shingles (in files) stay on the workers, the per-document summary goes to
      the client, which ranks the ids;
    * buckets: whole bands go to reducers (the keys are one row per band, so reducer ``j``
      gets a run of consecutive bands, sliced out of the partitions by one task per worker
      and reducer, and the corpus's ranks once). Each reducer bands its bands with the
      local engine's own code (:func:`syndet.pipeline.band_pairs_packed`): a bucket is all
      on one reducer, so the star over a huge bucket and its hub, the lowest-ranked member,
      are the local engine's;
    * a shuffle on the pair (packed ranks) drops the pairs found by several reducers;
    * verification: a join by document. One task per worker reads, from the signed
      partitions that worker holds (their shingles in its local files), the documents any
      pair partition needs, stores them together (one file in its local folder) and hands
      each pair partition its share as one compact ragged array; each pair partition then
      joins one piece per worker (moving each document at most once per pair partition, as
      arrays: no object columns that Dask could turn into strings) and runs
      :func:`~syndet.pipeline.verify_seq_pairs`; only reported pairs go back to the client;
    * clustering runs on the client (see ``Scanner._cluster``); the members it must check
      against their source (documents of candidate pairs) are verified on the workers the
      same way, read from those stores (in one chunk per worker thread when they are many),
      and each round's connected components are computed on the workers when it has more
      than ``client_edges_max`` edges (:meth:`components`).

    Pairs are computed in rank space (a document's position in sorted id order), so the
    output does not depend on how the corpus was partitioned.
    """

    #: Above this many verified edges, a clustering round's connected components are
    #: computed on the workers (:meth:`components`); below, by union-find on the client.
    client_edges_max = 5_000_000

    def __init__(
        self,
        scheduler: Any = None,
        *,
        workers: int | None = None,
        spill: bool = True,
        client_edges_max: int | None = None,
    ) -> None:
        require_dask()
        self.scheduler = scheduler
        self.workers = workers
        #: spill partitions' normalized lines and shingles to each worker's local folder
        #: (memory-mapped back when needed) instead of keeping them in the workers' memory
        self.spill = spill
        if client_edges_max is not None:
            self.client_edges_max = client_edges_max
        self.client: Any = None
        self._cluster: Any = None
        self._own_client = False
        self._scans: list[str] = []  # scans whose spill folders the workers hold
        self.component_rounds = 0  # clustering rounds whose components the workers computed
        self._info: dict[str, Any] = {}  # the scan's summary["engine"]

    def __enter__(self) -> DaskEngine:
        # imported by name: distributed is an optional dependency, and untyped
        distributed: Any = importlib.import_module("distributed")
        Client, LocalCluster = distributed.Client, distributed.LocalCluster
        if self.scheduler is None:
            # One single-threaded worker process per core: numba kernels then run one per
            # process (see _kernel_slot) and processes do not share the GIL.
            self._cluster = LocalCluster(
                n_workers=self.workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: 8787 may be another cluster's
            )
            self.client = Client(self._cluster)
            self._own_client = True
        elif isinstance(self.scheduler, str):
            try:
                self.client = Client(self.scheduler, timeout="30s")
            except OSError as e:
                raise ConfigError(f"cannot reach the Dask scheduler {self.scheduler}: {e}") from e
            self._own_client = True
        else:
            self.client = self.scheduler
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None and self._scans:
            for scan in self._scans:
                # a lost worker took its folder with it: nothing left to remove there
                with contextlib.suppress(Exception):
                    self.client.run(_drop_spill, scan)
            self._scans.clear()
        if self._own_client and self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        self.client = self._cluster = None

    def _threads(self) -> int:
        """Worker threads of the cluster (at least 1)."""
        return sum(self.client.nthreads().values()) or 1

    def _reducers(self, bands: int) -> int:
        # A few reducers per worker thread balance the load; more only add tasks (the band
        # shuffle costs workers x reducers tasks, and so does verification, since reducers
        # are also the pair partitions). Each holds one band at least.
        return max(1, min(bands, 4 * self._threads()))

    def _by_worker(self, futures: list[Any]) -> list[tuple[list[str] | None, list[int]]]:
        """The positions of ``futures`` grouped by a worker that holds each one's result (the
        worker, or None where none is known), in order within each group."""
        who = self.client.who_has(futures)
        groups: dict[str, list[int]] = {}
        for i, f in enumerate(futures):
            holders = who.get(f.key) or ("",)
            groups.setdefault(holders[0], []).append(i)
        return [([w] if w else None, idx) for w, idx in groups.items()]

    def run(
        self, scanner: Scanner, batches: Iterable[pa.Table], seconds: dict[str, float]
    ) -> _Found:
        """The scan's engine part (everything up to clustering) on the cluster."""
        import dask

        # Never let Dask turn object columns into strings behind our back (it did turn a
        # Jaccard of 0.5 into 0.75 in a measurement here); this engine ships arrays, not
        # object columns, but a user's dataframe code on the same client must not change that.
        with dask.config.set({"dataframe.convert-string": False}):
            return self._run(scanner, batches, seconds)

    def _run(
        self, scanner: Scanner, batches: Iterable[pa.Table], seconds: dict[str, float]
    ) -> _Found:
        from syndet import lsh as lsh_stage
        from syndet.pipeline import _add_seconds, _Found, collect_docs, learn_corpus_chrome

        client = self.client
        cfg = scanner.config
        submit = client.submit
        scan: str | None = None
        if self.spill:
            import uuid

            scan = uuid.uuid4().hex
            self._scans.append(scan)

        # Phase A: scatter each batch as it is read, read it on a worker.
        wait = importlib.import_module("distributed").wait
        read_futs: list[Any] = []
        summary_futs: list[Any] = []
        marks: list[int] = []  # reader skips recorded before each batch was handed over
        # Reading is faster than phase A: at most this many raw batches wait on the workers.
        window = 2 * self._threads() + 2
        seen = 0
        for batch, waited in _timed(batches):
            seconds["read"] += waited
            marks.append(len(scanner._skips))
            data = client.scatter(batch, hash=False)
            read_futs.append(submit(_read_task, data, cfg, seen, scan, pure=False))
            summary_futs.append(submit(_read_summary, read_futs[-1], pure=False))
            seen += batch.num_rows
            scanner._tick("reading", seen)
            del data
            if len(summary_futs) > window:
                wait(summary_futs[-window - 1])
        summaries = client.gather(summary_futs)
        del summary_futs
        self._splice_skips(scanner, marks, [s[0] for s in summaries])
        scanner._tick("reading", seen)
        for s in summaries:
            _add_seconds(seconds, s[1])

        t0 = time.perf_counter()
        chrome = learn_corpus_chrome(cfg, [s[2] for s in summaries])
        del summaries
        seconds["boilerplate"] += time.perf_counter() - t0

        # Phase B: sign every partition with the corpus's chrome.
        chrome_fut = client.scatter(chrome, broadcast=True, hash=False)
        signed_all = [
            submit(_sign_task, f, chrome_fut, cfg, scanner.bands, scanner.rows, scan, pure=False)
            for f in read_futs
        ]
        # Dropped now, each partition's phase-A lines leave its worker once it is signed.
        del read_futs
        signed_sums: list[tuple[SignedPart, list[Skip]]] = client.gather(
            [submit(_sign_summary, f, pure=False) for f in signed_all]
        )
        stats: Counter[str] = Counter()
        for summary, skips in signed_sums:
            _add_seconds(seconds, summary.seconds)
            stats.update(summary.stats)
            for skip in skips:
                scanner._record(skip)
        signed = [f for f, (s, _) in zip(signed_all, signed_sums, strict=True) if s.num_rows]
        del signed_all

        t0 = time.perf_counter()
        docs = collect_docs([s for s, _ in signed_sums])
        counts = [s.num_rows for s, _ in signed_sums if s.num_rows]
        del signed_sums
        n = len(docs.rank)
        scanner._tick("signatures", seen, seen)
        if not signed:
            return _nothing_found(docs, stats, chrome, cfg, scanner.bands)
        starts = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
        seconds["collect"] += time.perf_counter() - t0

        # Buckets: whole bands to reducers, each bands its own as the local engine does; the
        # pairs are then shuffled by pair to drop those found by several reducers.
        t0 = time.perf_counter()
        reducers = self._reducers(scanner.bands)
        # One task per (worker, reducer) cuts the bands out of the partitions the worker holds:
        # a task per partition and reducer cost more in Dask's overhead than the banding.
        held = self._by_worker(signed)
        grouped = [i for _, idx in held for i in idx]
        order = np.concatenate([starts[i] + np.arange(counts[i]) for i in grouped])
        rank_all = client.scatter(docs.rank[order], broadcast=True, hash=False)
        # where each partition's ranks are in rank_all (verification reads them there too)
        at = np.empty((len(signed), 2), dtype=np.int64)
        at[grouped, 0] = np.concatenate(([0], np.cumsum([counts[i] for i in grouped])[:-1]))
        at[:, 1] = at[:, 0] + counts
        buckets = []
        for b0, b1 in _band_ranges(scanner.bands, reducers):
            pieces = [
                submit(
                    _band_rows,
                    b0,
                    b1,
                    *(signed[i] for i in idx),
                    **_near(where),
                )
                for where, idx in held
            ]
            buckets.append(
                submit(_band_reduce, pieces, rank_all, cfg.lsh.max_bucket, reducers, pure=False)
            )
        pair_parts = [
            submit(
                _distinct_pairs,
                [submit(operator.getitem, b, j, pure=False) for b in buckets],
                pure=False,
            )
            for j in range(reducers)
        ]
        bucket_stats = np.sum(
            client.gather([submit(operator.getitem, b, reducers, pure=False) for b in buckets]),
            axis=0,
            dtype=np.int64,
        ).reshape(3)
        del buckets
        seconds["lsh"] += time.perf_counter() - t0
        scanner._tick("lsh", n, n)

        # Verification: each pair partition joined with the shingles of its documents.
        t0 = time.perf_counter()
        evidence, stores = self._evidence(signed, held, rank_all, at, pair_parts, scan)
        # the stores hold every document clustering may verify: the signed partitions can go
        del signed
        verified = [
            submit(_verify_task, p, ev, cfg, True, pure=False)
            for p, ev in zip(pair_parts, evidence, strict=True)
        ]
        del evidence
        results = client.gather(verified)
        del verified, pair_parts
        candidates = sum(r[2] for r in results)
        packed = np.concatenate([r[0] for r in results]) if results else np.empty(0, np.uint64)
        order = np.argsort(packed, kind="stable")
        by_rank = np.argsort(docs.rank, kind="stable")
        pairs = _unpack(packed[order], by_rank)
        keys = results[0][1].keys() if results else ()
        scores = {k: np.concatenate([r[1][k] for r in results])[order] for k in keys}
        seconds["verify"] += time.perf_counter() - t0
        scanner._tick("verify", candidates, candidates)

        def verify(row_pairs: np.ndarray) -> dict[str, np.ndarray]:
            row_pairs = np.asarray(row_pairs, dtype=np.int64).reshape(-1, 2)
            # The first round checks every clustered document: in a few chunks, verified in
            # parallel (one task would leave all workers but one idle).
            chunks = client.scatter(
                np.array_split(docs.rank[row_pairs], self._verify_chunks(len(row_pairs))),
                hash=False,
            )
            needed = [submit(_needed_ranks, c, pure=False) for c in chunks]
            evidence = self._pieces(
                [submit(_take_stored, needed, store, **_near(where)) for where, store in stores],
                len(chunks),
            )
            done = client.gather(
                [
                    submit(_verify_task, c, ev, cfg, False, pure=False)
                    for c, ev in zip(chunks, evidence, strict=True)
                ]
            )
            return {k: np.concatenate([d[1][k] for d in done]) for k in done[0][1]}

        self._engine_info(client, len(counts), reducers)
        return _Found(
            docs=docs,
            stats=stats,
            chrome_lines_learned=int(chrome.size),
            candidates=int(candidates),
            cstats=lsh_stage.CandidateStats(
                bucket_pairs=int(bucket_stats[0]),
                candidate_pairs=int(candidates),
                capped_buckets=int(bucket_stats[1]),
                pairs_not_expanded=int(bucket_stats[2]),
            ),
            pairs=pairs,
            scores=scores,
            verify=verify,
            engine=self._info,
            components=self.components,
        )

    def _engine_info(self, client: Any, partitions: int, reducers: int) -> dict[str, Any]:
        self._info = {
            "name": "dask",
            "scheduler": client.scheduler.address,
            "workers": len(client.nthreads()),
            "partitions": partitions,
            "reducers": reducers,
            "spill": self.spill,
            "client_edges_max": self.client_edges_max,
            "component_rounds_on_workers": 0,
        }
        return self._info

    def components(self, n: int, pairs: np.ndarray) -> np.ndarray:
        """Connected components of ``n`` rows under ``pairs``: the smallest row of each row's
        component, as :func:`syndet.cluster.components` gives.

        Up to :attr:`client_edges_max` edges, union-find here on the client. Beyond, on the
        workers: the edges are split into partitions, each partition is reduced to a spanning
        forest (one ``(row, smallest row of its component)`` edge per row it holds), and the
        forests are merged in a tree, a few at a time, each merge again reduced to a forest.
        The client receives one label per row that has an edge, never the union-find's work.
        """
        from syndet.cluster import components as union_find

        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if len(pairs) <= self.client_edges_max:
            return union_find(n, pairs)
        client = self.client
        parts = max(2, min(4 * self._threads(), -(-len(pairs) // 250_000)))
        bounds = np.linspace(0, len(pairs), parts + 1).astype(np.int64)
        chunks = client.scatter(
            [pairs[bounds[i] : bounds[i + 1]] for i in range(parts)], hash=False
        )
        forests = [client.submit(_forest, c, pure=False) for c in chunks]
        del chunks
        while len(forests) > 1:
            forests = [
                client.submit(_merge_forests, *forests[i : i + 4], pure=False)
                for i in range(0, len(forests), 4)
            ]
        rows, labels = client.gather(forests[0])
        root = np.arange(n, dtype=np.int64)
        root[rows] = labels
        self.component_rounds += 1
        self._info["component_rounds_on_workers"] = self.component_rounds
        return root

    def _evidence(
        self,
        signed: list[Any],
        held: list[tuple[list[str] | None, list[int]]],
        rank_all: Any,
        at: np.ndarray,
        pair_parts: list[Any],
        scan: str | None,
    ) -> tuple[list[list[Any]], list[tuple[list[str] | None, Any]]]:
        """For each pair partition, the tasks holding the shingles of its pairs' documents;
        and each worker's store of those documents, with the worker.

        One task per worker reads, from all the signed partitions that worker holds, the
        documents any pair partition needs, keeps them as the worker's store (a file in its
        spill folder) and hands each pair partition its share as one compact ragged array: a
        pair partition then joins one piece per worker. (A task per signed partition, and a
        piece per signed partition and pair partition, cost more in Dask's overhead and in
        small transfers than the reading itself.) ``held`` groups the signed partitions by the
        worker holding them (:meth:`_by_worker`, as the banding found them); ``rank_all``
        holds the ranks of the documents, partition ``i``'s at ``at[i, 0]:at[i, 1]``.

        Clustering verifies documents of reported pairs only: its rounds read them from the
        stores (:func:`_take_stored`), a fraction of the signed partitions' shingles.
        """
        submit = self.client.submit
        needed = [submit(_needed_ranks, p, pure=False) for p in pair_parts]
        taken = [
            submit(
                _take_held, needed, rank_all, at[idx], scan, *(signed[i] for i in idx),
                **_near(where),
            )
            for where, idx in held
        ]  # fmt: skip
        stores = [
            (where, submit(operator.getitem, t, len(pair_parts), pure=False))
            for (where, _), t in zip(held, taken, strict=True)
        ]
        return self._pieces(taken, len(pair_parts)), stores

    def _pieces(self, taken: list[Any], parts: int) -> list[list[Any]]:
        """Pair partition ``j``'s piece of each worker's evidence task."""
        submit = self.client.submit
        return [[submit(operator.getitem, t, j, pure=False) for t in taken] for j in range(parts)]

    def _verify_chunks(self, pairs: int) -> int:
        """How many tasks verify ``pairs`` clustering pairs: one per worker thread when they
        are many, one when a round holds a few."""
        return max(1, min(self._threads(), pairs // _VERIFY_CHUNK_MIN))

    @staticmethod
    def _splice_skips(scanner: Scanner, marks: list[int], part_skips: list[list[Skip]]) -> None:
        """Put each partition's phase-A skips where the local engine would have recorded them
        (right after the reader's skips up to that batch), so skipped.<fmt> is the same."""
        reader = list(scanner._skips)
        merged: list[Skip] = []
        prev = 0
        for mark, skips in zip(marks, part_skips, strict=True):
            merged += reader[prev:mark]
            prev = mark
            for skip in skips:
                merged.append(skip)
                scanner._notify(skip)
        merged += reader[prev:]
        scanner._skips[:] = merged


def _nothing_found(
    docs: Any, stats: Counter[str], chrome: np.ndarray, config: Config, bands: int
) -> _Found:
    """What a scan in which every document was skipped found (as the local engine says it)."""
    from syndet import lsh as lsh_stage
    from syndet.pipeline import _Found, verify_seq_pairs
    from syndet.shingle import ShingleBatch

    def verify(pairs: np.ndarray) -> dict[str, np.ndarray]:
        raise AssertionError("no documents, no pairs to verify")

    empty = np.empty((bands, 0), dtype=np.uint64)
    _, cstats = lsh_stage.candidate_pairs(empty, docs.rank)
    none = ShingleBatch(np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.uint64))
    no = np.zeros(0, dtype=bool)
    return _Found(
        docs=docs,
        stats=stats,
        chrome_lines_learned=int(chrome.size),
        candidates=0,
        cstats=cstats,
        pairs=np.empty((0, 2), dtype=np.int64),
        scores=verify_seq_pairs(config, np.empty((0, 2), dtype=np.int64), none, no),
        verify=verify,
        engine={"name": "dask"},
    )


def _timed(items: Iterable[Any]) -> Iterator[tuple[Any, float]]:
    it = iter(items)
    while True:
        t0 = time.perf_counter()
        item = next(it, None)
        waited = time.perf_counter() - t0
        if item is None:
            return
        yield item, waited


# Tasks run on Dask workers: module-level so workers import them by name.

_KERNEL_LOCK = threading.Lock()


@contextlib.contextmanager
def _kernel_slot() -> Iterator[int]:
    """One task at a time per worker process runs numba kernels, with the worker's threads.

    numba's default (workqueue) threading layer must not be entered by two threads at once,
    and a worker with several threads would run several tasks at once; a worker's threads
    become the kernels' threads instead.
    """
    import numba

    _register_sizes()
    with _KERNEL_LOCK:
        try:
            from distributed import get_worker

            worker = get_worker()
            state = getattr(worker, "state", worker)
            threads = int(getattr(state, "nthreads", 1))
        except (ImportError, ValueError):
            threads = 1
        avail = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
        threads = max(1, min(threads, avail))
        numba.set_num_threads(threads)
        yield threads


@functools.lru_cache(maxsize=1)
def _register_sizes() -> None:
    """Tell Dask how large partitions are. Its default for an unknown object is a few bytes,
    and the scheduler then moves a worker's 30 MB partition to a task's other inputs instead
    of the other way round (seen here: most of the verification time went to such moves)."""
    from syndet.pipeline import ReadPart, SignedPart

    sizeof: Any = importlib.import_module("dask.sizeof").sizeof

    def nbytes(value: Any) -> int:
        if isinstance(value, np.ndarray):
            return int(value.nbytes)
        if isinstance(value, RaggedRef):
            return nbytes(value.offsets) + nbytes(value.values)
        if hasattr(value, "nbytes"):  # Arrow tables
            return int(value.nbytes)
        return int(sizeof(value))

    def part_size(part: Any) -> int:
        return sum(nbytes(getattr(part, f.name)) for f in dataclasses.fields(part))

    sizeof.register(ReadPart)(part_size)
    sizeof.register(SignedPart)(part_size)


_SPILLS: dict[str, Spill] = {}
_SPILLS_LOCK = threading.Lock()


def _worker_spill(scan: str | None) -> Spill | None:
    """This worker's spill folder for one scan (in the worker's local directory), or None
    when the engine keeps intermediates in the workers' memory."""
    if scan is None:
        return None
    with _SPILLS_LOCK:
        spill = _SPILLS.get(scan)
        if spill is None:
            try:
                from distributed import get_worker

                base = get_worker().local_directory
            except (ImportError, ValueError):  # not on a worker (a direct call)
                base = tempfile.gettempdir()
            spill = _SPILLS[scan] = Spill(os.path.join(base, f"syndet-spill-{scan}"))
        return spill


def _drop_spill(scan: str) -> None:
    """Remove this worker's spill folder of a finished scan (run on every worker)."""
    with _SPILLS_LOCK:
        spill = _SPILLS.pop(scan, None)
    if spill is not None and spill.dir is not None:
        shutil.rmtree(spill.dir, ignore_errors=True)


def _read_task(
    batch: pa.Table, config: Config, first_row: int, scan: str | None = None
) -> tuple[ReadPart, list[Skip]]:
    from syndet.pipeline import read_partition

    with _kernel_slot() as threads:
        part, skips = read_partition(batch, config, first_row=first_row, threads=threads)
    spill = _worker_spill(scan)
    if spill is not None:  # the normalized lines wait on disk for the corpus's chrome
        part.authored = spill.put(*Spill.get(part.authored), kind=_WorkerFiles)
    return part, skips


def _read_summary(
    res: tuple[ReadPart, list[Skip]],
) -> tuple[list[Skip], dict[str, float], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    part, skips = res
    return skips, part.seconds, part.chrome_lines()


def _sign_task(
    res: tuple[ReadPart, list[Skip]],
    chrome: np.ndarray,
    config: Config,
    bands: int,
    rows: int,
    scan: str | None = None,
) -> tuple[SignedPart, list[Skip]]:
    from syndet.pipeline import sign_partition
    from syndet.verify import distinct_counts

    with _kernel_slot():
        # no sorted sets: verification compares the sequences (verify_seq_pairs); the set
        # sizes clustering needs are counted here
        part, skips = sign_partition(res[0], chrome, config, bands, rows, sets=False)
        seq_off, seq = Spill.get(part.seqs)
        part.set_sizes = distinct_counts(seq_off, seq)
    spill = _worker_spill(scan)
    if spill is not None and part.num_rows:  # shingles wait on disk for verification
        part.seqs = spill.put(seq_off, seq, kind=_WorkerFiles)
    if spill is not None and isinstance(res[0].authored, _WorkerFiles):
        # the partition's lines are done with (phase B was their last use): removed now, on
        # the worker that holds them, rather than all together when the scan ends
        _remove_files([res[0].authored.offsets, res[0].authored.values])  # type: ignore[list-item]
    return part, skips


def _sign_summary(res: tuple[SignedPart, list[Skip]]) -> tuple[SignedPart, list[Skip]]:
    return res[0].summary(), res[1]


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _near(where: list[str] | None) -> dict[str, Any]:
    """Submit options of a task pinned to the worker that holds its inputs, which runs
    elsewhere only if that worker is gone; with no known holder (None), anywhere (distributed
    refuses ``allow_other_workers`` without ``workers``)."""
    if where is None:
        return {"pure": False}
    return {"workers": where, "allow_other_workers": True, "pure": False}


#: A clustering round's verification is split into chunks of at least this many pairs
#: (:meth:`DaskEngine._verify_chunks`).
_VERIFY_CHUNK_MIN = 2_000


def _reducer_of(values: np.ndarray, reducers: int) -> np.ndarray:
    """Reducer of each 64-bit value: a multiplicative hash's top bits, so that structured
    values (packed pairs) spread as evenly as hashes do."""
    mixed = values.astype(np.uint64) * _MIX  # wraps modulo 2**64, as intended
    return np.asarray((mixed >> np.uint64(32)) % np.uint64(reducers), dtype=np.int64)


def _split(dest: np.ndarray, reducers: int, *columns: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    if reducers <= np.iinfo(np.uint16).max:  # a stable sort of 16-bit ints is a radix sort
        dest = dest.astype(np.uint16)
    order = np.argsort(dest, kind="stable")
    bounds = np.searchsorted(dest[order], np.arange(reducers + 1))
    return [tuple(c[order[bounds[j] : bounds[j + 1]]] for c in columns) for j in range(reducers)]


def _band_ranges(bands: int, reducers: int) -> list[tuple[int, int]]:
    """The bands ``[b0, b1)`` of each reducer: consecutive, as even as can be."""
    bounds = [j * bands // reducers for j in range(reducers + 1)]
    return list(itertools.pairwise(bounds))


def _band_rows(b0: int, b1: int, *parts: tuple[SignedPart, list[Skip]]) -> np.ndarray:
    """The keys of bands ``[b0, b1)`` of some signed partitions, side by side: keys are one row
    per band, so a reducer's share is a slice of each partition's (and the ranks travel once,
    not once per band)."""
    return np.concatenate([p[0].keys[b0:b1] for p in parts], axis=1)


def _band_reduce(
    pieces: list[np.ndarray], rank: np.ndarray, max_bucket: int, reducers: int
) -> list[Any]:
    """Candidate pairs of some whole bands, as packed ranks ``lo << 32 | hi``, split by the
    reducer that drops duplicates; and ``[bucket pairs, capped buckets, not expanded]``.

    ``pieces`` are every signed partition's keys of these bands, in partition order, and
    ``rank`` the corpus's ranks in the same order: the bands' buckets are all here, and are
    banded by the local engine's own code (:func:`syndet.pipeline.band_pairs_packed`), so
    buckets, stars and hubs are exactly the local engine's.
    """
    from syndet.pipeline import band_pairs_packed

    bands = pieces[0].shape[0] if pieces else 0
    with _kernel_slot():
        packed, st = band_pairs_packed(list(pieces), rank, bands, max_bucket)
    stats = np.array([st.bucket_pairs, st.capped_buckets, st.pairs_not_expanded], np.int64)
    return [*(p[0] for p in _split(_reducer_of(packed, reducers), reducers, packed)), stats]


def _distinct_pairs(pieces: list[np.ndarray]) -> np.ndarray:
    """The distinct packed pairs of one pair partition, sorted."""
    return np.unique(np.concatenate(pieces)) if pieces else np.empty(0, dtype=np.uint64)


def _rank_pairs(pairs: np.ndarray) -> np.ndarray:
    """``(m, 2)`` rank pairs from packed ones (or as they are, when already pairs)."""
    if pairs.ndim == 2:
        return np.asarray(pairs, dtype=np.int64)
    lo = (pairs >> np.uint64(32)).astype(np.int64)
    hi = (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return np.stack([lo, hi], axis=1)


def _unpack(packed: np.ndarray, by_rank: np.ndarray) -> np.ndarray:
    """Corpus rows of packed rank pairs."""
    return np.asarray(by_rank[_rank_pairs(packed)], dtype=np.int64).reshape(-1, 2)


def _needed_ranks(pairs: np.ndarray) -> np.ndarray:
    return np.asarray(np.unique(_rank_pairs(pairs)), dtype=np.int64)


def _rows_among(want: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """The positions in ``rank`` of the ranks in the sorted ``want``, in order."""
    if not want.size:
        return np.empty(0, dtype=np.int64)
    pos = np.minimum(np.searchsorted(want, rank), len(want) - 1)
    return np.flatnonzero(want[pos] == rank)


@dataclass(frozen=True)
class _Store:
    """Documents' evidence: ranks, shingle sequences, fingerprints and lengths."""

    rank: np.ndarray
    seqs: RaggedRef
    fingerprints: np.ndarray
    lengths: np.ndarray

    def pieces(
        self, needed: list[np.ndarray], seqs: tuple[np.ndarray, np.ndarray] | None = None
    ) -> list[tuple[np.ndarray, ...]]:
        """For each sorted ``needed`` rank array, the columns of the documents among them
        (``seqs``: the sequences, when already read)."""
        from syndet._arrays import ragged_take

        rows = [_rows_among(want, self.rank) for want in needed]
        if seqs is None:
            used = np.unique(np.concatenate(rows)) if rows else np.empty(0, np.int64)
            seqs = Spill.read_for(self.seqs, used.size, len(self.rank))
        off, values = seqs
        return [
            (self.rank[r], *ragged_take(off, values, r), self.fingerprints[r], self.lengths[r])
            for r in rows
        ]


def _take_held(
    needed: list[np.ndarray],
    rank: np.ndarray,
    at: np.ndarray,
    scan: str | None,
    *parts: tuple[SignedPart, list[Skip]],
) -> list[Any]:
    """For each of the sorted ``needed`` rank arrays: ranks, shingle sequences, fingerprints
    and lengths of the documents among them in ``parts`` (signed partitions one worker
    holds), as one compact ragged array; and last, a :class:`_Store` of all those documents
    (spilled to this worker's folder for the scan ``scan``). The ranks of ``parts[k]`` are
    ``rank[at[k, 0]:at[k, 1]]``.

    Each partition's shingles are read once (whole, when many of its documents are needed),
    one partition at a time."""
    from syndet._arrays import ragged_concat

    # every rank any pair partition needs: each signed partition's share is taken as one piece
    union = np.unique(np.concatenate(needed)) if needed else np.empty(0, np.int64)
    taken: list[tuple[np.ndarray, ...]] = []
    for (part, _), (lo, hi) in zip(parts, at, strict=True):
        (piece,) = _Store(rank[lo:hi], part.seqs, part.fingerprints, part.lengths).pieces([union])
        if piece[0].size:  # (a partition none of whose documents is needed is only mapped)
            taken.append(piece)
    first = parts[0][0]
    if not taken:  # none of the needed documents is here: empty columns
        taken.append((rank[:0], *ragged_concat([]), first.fingerprints[:0], first.lengths[:0]))
    offsets, values = ragged_concat([(t[1], t[2]) for t in taken])
    ranks, fingerprints, lengths = (np.concatenate([t[k] for t in taken]) for k in (0, 3, 4))
    del taken
    spill = _worker_spill(scan)
    kept = RaggedRef(offsets, values) if spill is None else spill.put(offsets, values, _WorkerFiles)
    store = _Store(ranks, kept, fingerprints, lengths)
    return [*store.pieces(needed, (offsets, values)), store]


def _take_stored(needed: list[np.ndarray], store: _Store) -> list[tuple[np.ndarray, ...]]:
    """:func:`_take_held`'s pieces, from the documents a worker stored then."""
    return store.pieces(needed)


def _verify_task(
    pairs: np.ndarray, evidence: list[tuple[np.ndarray, ...]], config: Config, reported: bool
) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
    """Scores of the given pairs (packed, or ``(m, 2)`` ranks) from the fetched evidence;
    with ``reported``, only the pairs with a relation (and their packed ranks)."""
    from syndet._arrays import ragged_concat
    from syndet.pipeline import verify_seq_pairs
    from syndet.shingle import ShingleBatch

    ranks = np.concatenate([e[0] for e in evidence])
    seqs = ShingleBatch(*ragged_concat([(e[1], e[2]) for e in evidence]))
    fingerprints = np.concatenate([e[3] for e in evidence])
    lengths = np.concatenate([e[4] for e in evidence])
    order = np.argsort(ranks, kind="stable")
    want = _rank_pairs(pairs)
    local = order[np.minimum(np.searchsorted(ranks[order], want), max(len(ranks) - 1, 0))]
    if not np.array_equal(ranks[local] if len(ranks) else local, want):
        raise AssertionError("the evidence lacks documents of the pairs to verify")
    same = (fingerprints[local[:, 0]] == fingerprints[local[:, 1]]) & (
        lengths[local[:, 0]] == lengths[local[:, 1]]
    )
    with _kernel_slot():
        scores = verify_seq_pairs(config, local, seqs, same)
    if not reported:
        return pairs, scores, len(local)
    keep = scores["relation"] > 0
    return pairs[keep], {k: v[keep] for k, v in scores.items()}, len(local)


def _forest(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of these edges and the smallest row of each one's component under them
    (a spanning forest: those ``(row, label)`` edges connect what the edges connect)."""
    from syndet.cluster import components as union_find

    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    rows = np.unique(pairs)
    # on compact ids, in row order: union-find's roots (the smallest id) are the smallest rows
    root = union_find(len(rows), np.searchsorted(rows, pairs))
    return rows, rows[root]


def _merge_forests(*forests: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One forest of several forests' edges."""
    edges = [np.stack([rows, labels], axis=1) for rows, labels in forests]
    return _forest(np.concatenate(edges) if edges else np.empty((0, 2), dtype=np.int64))
