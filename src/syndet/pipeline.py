"""The scan: stages composed into one pipeline.

::

    read (io.readers) -> extract HTML (io.html) -> normalize -> shingle -> minhash -> lsh
      -> verify -> cluster -> report

Documents flow in Arrow batches. Per batch only what later stages need is kept: ids and
metadata columns, one fingerprint and shingle count per document, the LSH band keys (not the
full signatures) and the sorted shingle set for exact verification. Every stage runs vectorized
over a batch; numba kernels use every worker thread, and results never depend on the number of
workers or on input order (pairs and clusters are ordered by document id).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from syndet import cluster as cluster_stage
from syndet import lsh as lsh_stage
from syndet import minhash as minhash_stage
from syndet import normalize as normalize_stage
from syndet import shingle as shingle_stage
from syndet import verify as verify_stage
from syndet._arrays import ragged_concat, ragged_take
from syndet._hashing import xxh64_ranges
from syndet.config import DEFAULT_CONFIG, Config
from syndet.errors import BadDocumentError, ConfigError, CorpusError

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from syndet.io.readers import Skip

__all__ = ["ProgressCallback", "ScanResult", "Scanner", "scan"]

#: ``progress(stage, done, total)``: called as work advances; ``total`` is None when unknown.
ProgressCallback = Callable[[str, int, "int | None"], None]

_NO_DATE = np.iinfo(np.int64).min
_META = ("url", "published", "source", "title", "origin")


@dataclass
class _Prepared:
    """What one batch leaves for the corpus-wide stages."""

    meta: pa.Table
    fingerprints: np.ndarray
    lengths: np.ndarray
    keys: np.ndarray  # (bands, n)
    sets: shingle_stage.ShingleBatch


@dataclass
class ScanResult:
    """Everything a scan found. ``pairs`` and ``clusters`` follow the documented output schema."""

    pairs: pl.DataFrame
    clusters: pl.DataFrame
    summary: dict[str, Any]
    skips: list[Skip] = field(default_factory=list)


def _skip(where: str, reason: str, message: str, doc: str | None) -> Skip:
    from syndet.io.readers import Skip

    return Skip(where=where, reason=reason, message=message, doc=doc)


class Scanner:
    """Runs the scan pipeline with one configuration.

    >>> from syndet import Scanner
    >>> result = Scanner().scan(["corpus/"])            # doctest: +SKIP
    >>> result.pairs.filter(relation="syndicated")      # doctest: +SKIP
    """

    def __init__(
        self,
        config: Config = DEFAULT_CONFIG,
        *,
        workers: int | None = None,
        strict: bool = False,
        progress: ProgressCallback | None = None,
        on_skip: Callable[[Skip], None] | None = None,
        batch_size: int = 4096,
    ) -> None:
        if workers is not None and workers < 1:
            raise ConfigError(f"workers must be at least 1, got {workers}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        self.config = config
        self.workers = workers
        self.strict = strict
        self.progress = progress
        self.on_skip = on_skip
        self.batch_size = batch_size
        lsh = config.lsh
        if lsh.bands is not None and lsh.rows is not None:
            if lsh.bands * lsh.rows > config.minhash.num_perm:
                raise ConfigError(
                    f"{lsh.bands} bands x {lsh.rows} rows exceed num_perm={config.minhash.num_perm}"
                )
            self.bands, self.rows = lsh.bands, lsh.rows
        else:
            self.bands, self.rows = lsh_stage.optimal_params(
                lsh.threshold,
                config.minhash.num_perm,
                lsh.false_positive_weight,
                lsh.false_negative_weight,
            )

    # -- public entry points --------------------------------------------------------------

    def scan(
        self,
        inputs: Sequence[str | Path],
        *,
        id_col: str = "id",
        text_col: str = "text",
        stdin: Any = None,
    ) -> ScanResult:
        """Scan files, folders or ``-`` (JSONL on stdin); see ``syndet scan --help``."""
        from syndet.io.readers import CorpusReader

        reader = CorpusReader(
            list(inputs),
            id_col=id_col,
            text_col=text_col,
            batch_size=self.batch_size,
            stdin=stdin,
            on_skip=self._record,
        )
        self._skips: list[Skip] = []
        result = self._run(reader, inputs=[str(p) for p in inputs])
        files = {"read": reader.files_read, "ignored": reader.files_ignored}
        result.summary["files"] = files
        if reader.documents_read == 0 and not result.summary["documents"]["scanned"]:
            raise CorpusError(
                "nothing could be read from "
                + ", ".join(str(p) for p in inputs)
                + (
                    f" ({len(self._skips)} documents skipped, see messages above)"
                    if self._skips
                    else ": no .txt/.md/.html/.jsonl/.parquet/.csv documents found"
                )
            )
        return result

    def scan_table(self, table: Any) -> ScanResult:
        """Scan an in-memory table (pyarrow or polars) with ``id`` and ``text`` columns."""
        import pyarrow as pa

        from syndet.io.readers import DOC_SCHEMA

        if hasattr(table, "to_arrow"):
            table = table.to_arrow()
        if not isinstance(table, pa.Table):
            raise ConfigError("scan_table needs a pyarrow.Table or polars.DataFrame")
        for col in ("id", "text"):
            if col not in table.column_names:
                raise ConfigError(f"table has no {col!r} column (columns: {table.column_names})")
        cols = {}
        for f in DOC_SCHEMA:
            if f.name in table.column_names:
                cols[f.name] = table[f.name].cast(f.type)
            elif f.name == "origin":
                cols[f.name] = pa.array(["<table>"] * table.num_rows, type=f.type)
            else:
                cols[f.name] = pa.nulls(table.num_rows, type=f.type)
        full = pa.table(cols, schema=DOC_SCHEMA)
        self._skips = []
        batches = (full.slice(i, self.batch_size) for i in range(0, full.num_rows, self.batch_size))
        return self._run(batches, inputs=["<table>"])

    # -- internals ------------------------------------------------------------------------

    def _record(self, skip: Skip) -> None:
        self._skips.append(skip)
        if self.on_skip is not None:
            self.on_skip(skip)
        if self.strict:
            raise BadDocumentError(f"{skip.where}: {skip.message}")

    def _tick(self, stage: str, done: int, total: int | None = None) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _run(self, batches: Iterable[pa.Table], *, inputs: list[str]) -> ScanResult:
        import pyarrow as pa

        seconds: dict[str, float] = defaultdict(float)
        threads = _set_threads(self.workers)
        prepared: list[_Prepared] = []
        started = time.perf_counter()
        scanned = 0
        it = iter(batches)
        while True:
            t0 = time.perf_counter()
            batch = next(it, None)
            seconds["read"] += time.perf_counter() - t0
            if batch is None:
                break
            part = self._prepare(batch, seconds, threads)
            if part is not None:
                prepared.append(part)
                scanned += part.meta.num_rows
            self._tick("signatures", scanned)

        t0 = time.perf_counter()
        if prepared:
            meta = pa.concat_tables([p.meta for p in prepared])
            keys = np.concatenate([p.keys for p in prepared], axis=1)
            fingerprints = np.concatenate([p.fingerprints for p in prepared])
            lengths = np.concatenate([p.lengths for p in prepared])
            sets = _concat_sets([p.sets for p in prepared])
        else:
            meta = None
            keys = np.empty((self.bands, 0), dtype=np.uint64)
            fingerprints = lengths = np.empty(0, dtype=np.uint64)
            sets = shingle_stage.ShingleBatch(np.zeros(1, np.int64), np.empty(0, np.uint64))
        prepared.clear()
        ids = meta["id"] if meta is not None else pa.array([], pa.large_string())
        n = len(ids)
        rank = _rank(ids)
        seconds["collect"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        cand, cstats = lsh_stage.candidate_pairs(keys, rank, max_bucket=self.config.lsh.max_bucket)
        seconds["lsh"] += time.perf_counter() - t0
        self._tick("lsh", n, n)

        t0 = time.perf_counter()
        scores = self._verify(cand, sets, fingerprints, lengths)
        keep = scores["relation"] > 0
        rep_pairs = cand[keep]
        rep = {k: v[keep] for k, v in scores.items()}
        seconds["verify"] += time.perf_counter() - t0
        self._tick("verify", len(cand), len(cand))

        t0 = time.perf_counter()
        published = None
        if meta is not None and meta["published"].null_count < n:
            published = _epoch_us(meta["published"])
        clusters = cluster_stage.build_clusters(
            n, rep_pairs, rep["shared"], np.diff(sets.offsets), rank, published
        )
        roles = self._roles(clusters, sets, fingerprints, lengths)
        seconds["cluster"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        from syndet import report

        pairs_df = report.pairs_frame(ids, rep_pairs, rep)
        clusters_df = report.clusters_frame(ids, clusters, roles)
        seconds["report"] += time.perf_counter() - t0

        by_reason = Counter(s.reason for s in self._skips)
        summary: dict[str, Any] = {
            "inputs": inputs,
            "documents": {
                "read": scanned + len(self._skips),
                "scanned": scanned,
                "skipped": len(self._skips),
                "skipped_by_reason": dict(sorted(by_reason.items())),
            },
            "pairs": {
                "candidates": len(cand),
                "reported": len(rep_pairs),
                "by_relation": {
                    name: int((rep["relation"] == code).sum())
                    for code, name in enumerate(verify_stage.RELATIONS)
                    if code > 0
                },
            },
            "clusters": {
                "count": clusters.count,
                "documents_in_clusters": len(clusters.rows),
            },
            "lsh": {
                "bands": self.bands,
                "rows": self.rows,
                "bucket_pairs": cstats.bucket_pairs,
                "capped_buckets": cstats.capped_buckets,
                "pairs_not_expanded": cstats.pairs_not_expanded,
            },
            "settings": {**self.config.to_dict(), "workers": threads},
            "seconds": {k: round(v, 4) for k, v in sorted(seconds.items())},
            "total_seconds": round(time.perf_counter() - started, 4),
        }
        return ScanResult(pairs_df, clusters_df, summary, list(self._skips))

    def _prepare(
        self, batch: pa.Table, seconds: dict[str, float], threads: int
    ) -> _Prepared | None:
        import pyarrow as pa
        import pyarrow.compute as pc

        cfg = self.config
        t0 = time.perf_counter()
        text = batch["text"]
        need = pc.and_(pc.is_null(text), pc.is_valid(batch["html"]))
        if pc.any(need).as_py():
            from syndet.io.html import extract_texts

            idx = np.flatnonzero(need.to_numpy(zero_copy_only=False))
            htmls = batch["html"].take(pa.array(idx)).to_pylist()
            extracted = extract_texts(htmls, workers=threads)
            merged = text.to_pylist()
            for i, t in zip(idx.tolist(), extracted, strict=True):
                merged[i] = t
            text = pa.array(merged, type=pa.large_string())
            seconds["extract"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        norm = normalize_stage.normalize_batch(text)
        seconds["normalize"] += time.perf_counter() - t0

        words = norm.word_counts()
        ok = words >= cfg.shingle.k
        if not ok.all():
            ids = batch["id"].to_pylist()
            origins = batch["origin"].to_pylist()
            for i in np.flatnonzero(~ok).tolist():
                if words[i] == 0:
                    reason, msg = "empty", "no words left after normalization (empty document)"
                else:
                    reason, msg = (
                        "too_short",
                        (f"only {words[i]} words; shingles need k={cfg.shingle.k}"),
                    )
                self._record(_skip(f"{origins[i]} [{ids[i]}]", reason, msg, ids[i]))
            rows = np.flatnonzero(ok)
            if rows.size == 0:
                return None
            batch = batch.take(pa.array(rows))
            norm = _take_normalized(norm, rows)

        t0 = time.perf_counter()
        sh = shingle_stage.shingle_batch(norm.offsets, norm.data, cfg.shingle.k, cfg.shingle.seed)
        seconds["shingle"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        sig = minhash_stage.signature_batch(
            sh.offsets,
            sh.hashes,
            num_perm=cfg.minhash.num_perm,
            seed=cfg.minhash.seed,
            scheme=cfg.minhash.scheme,
        )
        keys = lsh_stage.band_keys(sig, self.bands, self.rows)
        seconds["minhash"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        sets = shingle_stage.unique_shingles(sh)
        fingerprints = xxh64_ranges(norm.offsets, norm.data)
        seconds["shingle"] += time.perf_counter() - t0
        meta = batch.select(["id", *_META])
        return _Prepared(meta, fingerprints, np.diff(norm.offsets), keys, sets)

    def _verify(
        self,
        pairs: np.ndarray,
        sets: shingle_stage.ShingleBatch,
        fingerprints: np.ndarray,
        lengths: np.ndarray,
    ) -> dict[str, np.ndarray]:
        v = self.config.verify
        inter, sa, sb = verify_stage.overlap(sets.offsets, sets.hashes, pairs)
        same = (fingerprints[pairs[:, 0]] == fingerprints[pairs[:, 1]]) & (
            lengths[pairs[:, 0]] == lengths[pairs[:, 1]]
        )
        return verify_stage.classify(
            inter,
            sa,
            sb,
            same,
            syndicated_min=v.syndicated_min,
            partial_min=v.partial_min,
            rewritten_min=v.rewritten_min,
            min_shared=v.min_shared,
        )

    def _roles(
        self,
        clusters: cluster_stage.Clusters,
        sets: shingle_stage.ShingleBatch,
        fingerprints: np.ndarray,
        lengths: np.ndarray,
    ) -> np.ndarray:
        """Each clustered row's relation to its cluster source (verified directly)."""
        if not len(clusters.rows):
            return np.zeros(0, dtype=np.int8)
        members = np.stack([clusters.rows, clusters.source], axis=1)
        is_source = members[:, 0] == members[:, 1]
        # Members not paired with the source directly are verified against it now: a role is
        # always the member's own evidence, never inherited through a chain.
        scores = self._verify(members, sets, fingerprints, lengths)
        role: np.ndarray = np.array(scores["relation"], dtype=np.int8)
        role[is_source] = -1
        return role


def scan(
    inputs: Sequence[str | Path], config: Config = DEFAULT_CONFIG, **options: Any
) -> ScanResult:
    """Scan files or folders with one call: ``Scanner(config, **options).scan(inputs)``."""
    return Scanner(config, **options).scan(inputs)


def _set_threads(workers: int | None) -> int:
    import os

    import numba

    avail = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    wanted = workers if workers is not None else (os.cpu_count() or 1)
    threads = max(1, min(wanted, avail))
    numba.set_num_threads(threads)
    return threads


def _rank(ids: Any) -> np.ndarray:
    """Position of each id in sorted (byte-wise) order."""
    import pyarrow.compute as pc

    order = np.asarray(pc.sort_indices(ids).to_numpy(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _epoch_us(col: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    ints = pc.cast(col, pa.timestamp("us", tz="UTC")).cast(pa.int64())
    filled = pc.fill_null(ints, _NO_DATE).to_numpy(zero_copy_only=False)
    return np.asarray(filled, dtype=np.int64)


def _take_normalized(
    norm: normalize_stage.NormalizedBatch, rows: np.ndarray
) -> normalize_stage.NormalizedBatch:
    return normalize_stage.NormalizedBatch(*ragged_take(norm.offsets, norm.data, rows))


def _concat_sets(parts: list[shingle_stage.ShingleBatch]) -> shingle_stage.ShingleBatch:
    return shingle_stage.ShingleBatch(*ragged_concat([(p.offsets, p.hashes) for p in parts]))
