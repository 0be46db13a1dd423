"""The scan: stages composed into one pipeline.

::

    read (io.readers) -> extract HTML (io.html) -> normalize -> shingle -> minhash -> lsh
      -> verify -> cluster -> report

Documents flow in Arrow batches (*partitions*). Per partition only what later stages need is
kept: ids and metadata columns, one fingerprint and shingle count per document, the LSH band
keys (not the full signatures) and the sorted shingle set for exact verification. Every stage
runs vectorized over a partition; numba kernels use every worker thread, and results never
depend on the number of workers, on the partitioning or on input order (pairs and clusters are
ordered by document id).

The work on one partition is done by pure module-level functions, :func:`read_partition`
(phase A: lines, credits, quotes, line hashes), :func:`sign_partition` (phase B: authored text
with the corpus's chrome removed -> shingles -> signatures -> band keys) and
:func:`verify_seq_pairs`. They take everything they need as arguments and return what they
found, skipped documents and timings included, as data: the *engine* that runs them decides
where they run and where their results live. The local engine (here) runs them in this process and
spills their large results to memory-mapped files (:mod:`syndet.engine`); the Dask engine
(:class:`syndet.engine.DaskEngine`) runs the same functions on a Dask cluster's workers. The
corpus-wide steps between them (chrome learning, banding into candidate pairs, clustering)
give the same results on both.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import itertools
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from syndet import boilerplate as boilerplate_stage
from syndet import cluster as cluster_stage
from syndet import lsh as lsh_stage
from syndet import minhash as minhash_stage
from syndet import normalize as normalize_stage
from syndet import shingle as shingle_stage
from syndet import verify as verify_stage
from syndet._arrays import ragged_take
from syndet._lines import join_lines_words, read_lines, take_rows
from syndet.config import DEFAULT_CONFIG, Config
from syndet.engine import RaggedRef, Spill
from syndet.errors import BadDocumentError, ConfigError, CorpusError

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from syndet.io.readers import Skip

__all__ = [
    "ENGINES",
    "ProgressCallback",
    "ReadPart",
    "ScanResult",
    "Scanner",
    "SignedPart",
    "read_partition",
    "scan",
    "sign_partition",
    "verify_seq_pairs",
]

#: ``progress(stage, done, total)``: called as work advances; ``total`` is None when unknown.
ProgressCallback = Callable[[str, int, "int | None"], None]

#: Where a scan can run: ``local`` (this process, all cores) or ``dask`` (a Dask cluster).
ENGINES = ("local", "dask")

_NO_DATE = np.iinfo(np.int64).min
#: Per thread: the skips the reader reports while running ahead (see Scanner._prefetch).
_PREFETCH = threading.local()
#: Candidate pairs verified at once by the local engine (with their documents' shingles).
_VERIFY_CHUNK = 1 << 15
#: Bands banded at once by the local engine (their keys are loaded from the spill).
_BAND_GROUP = 16
_KEY_FILES = itertools.count()
#: Partitions between two hand-backs of freed memory (each costs a few milliseconds).
_RELEASE_EVERY = 4
_META = ("url", "published", "source", "title", "origin")


@dataclass
class ReadPart:
    """A partition after phase A: its lines, normalized, waiting for the corpus's chrome."""

    meta: pa.Table
    keep_doc: np.ndarray
    fingerprints: np.ndarray
    lengths: np.ndarray
    agency: list[str | None]
    doc_offsets: np.ndarray
    line_doc: np.ndarray  # corpus-wide row of each line's document
    line_hash: np.ndarray
    line_words: np.ndarray
    line_dropped: np.ndarray  # by the line filter or as gallery lines
    credit_lines: int
    gallery_lines: int
    republished: np.ndarray
    authored: RaggedRef  # the normalized authored lines (the local engine spills them)
    seconds: dict[str, float] = field(default_factory=dict)

    def line_hash_mask(self) -> np.ndarray:
        """Lines that take part in chrome learning: non-empty, not already filtered."""
        return np.asarray((self.line_words > 0) & ~self.line_dropped, dtype=bool)

    def chrome_lines(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``(line hash, document, words)`` triples chrome learning needs from here."""
        m = self.line_hash_mask()
        return self.line_hash[m], self.line_doc[m], self.line_words[m]


@dataclass
class SignedPart:
    """What one partition leaves for the corpus-wide stages (only documents with shingles)."""

    meta: pa.Table
    fingerprints: np.ndarray
    lengths: np.ndarray
    keys: np.ndarray  # (bands, n)
    sets: RaggedRef  # sorted unique shingles, for exact overlap
    seqs: RaggedRef  # shingles in text order, for shared passages
    set_sizes: np.ndarray
    agency: list[str | None]
    republished: np.ndarray
    stats: Counter[str] = field(default_factory=Counter)  # boilerplate counts, for the summary
    seconds: dict[str, float] = field(default_factory=dict)
    #: the read partition's documents kept here, and its lines kept (not filtered, not chrome):
    #: the local engine makes a candidate's shingles again from them instead of spilling all
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    line_keep: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))

    @property
    def num_rows(self) -> int:
        return int(self.meta.num_rows)

    def summary(self) -> SignedPart:
        """This partition without its band keys and shingles: what the client collects."""
        none = RaggedRef(np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.uint64))
        return replace(
            self,
            keys=self.keys[:, :0],
            sets=none,
            seqs=none,
            rows=self.rows[:0],
            line_keep=self.line_keep[:0],
        )


@dataclass
class _Evidence:
    """What the verifier needs: shingle sequences of the documents in candidate pairs
    (gathered from the spilled partitions; ``index`` maps a corpus row to its position
    there) and every document's fingerprint and length."""

    seqs: shingle_stage.ShingleBatch
    index: np.ndarray
    fingerprints: np.ndarray
    lengths: np.ndarray


@dataclass
class _Docs:
    """Per-document arrays of the scanned documents, in corpus row order, on the client."""

    meta: pa.Table | None
    fingerprints: np.ndarray
    lengths: np.ndarray
    set_sizes: np.ndarray
    agency: list[str | None]
    republished: np.ndarray
    rank: np.ndarray  # position of each row's id in sorted id order

    @property
    def ids(self) -> Any:
        import pyarrow as pa

        return self.meta["id"] if self.meta is not None else pa.array([], pa.large_string())


@dataclass
class _Found:
    """What an engine hands to the corpus-wide tail of the scan (clustering, report)."""

    docs: _Docs
    stats: Counter[str]
    chrome_lines_learned: int
    candidates: int
    cstats: lsh_stage.CandidateStats
    pairs: np.ndarray  # reported pairs, corpus rows, ordered by (rank a, rank b)
    scores: dict[str, np.ndarray]
    #: scores of any row pairs: the clustering rounds verify members against sources
    verify: Callable[[np.ndarray], dict[str, np.ndarray]]
    engine: dict[str, Any] = field(default_factory=dict)
    #: ``components(n, pairs)``: the connected components of the clustering rounds (None:
    #: union-find here, on the client)
    components: Callable[[int, np.ndarray], np.ndarray] | None = None


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


def _add_seconds(total: dict[str, float], more: dict[str, float]) -> None:
    for k, v in more.items():
        total[k] = total.get(k, 0.0) + v


# -- the per-partition work, shared by every engine ------------------------------------------


def read_partition(
    batch: pa.Table, config: Config, *, first_row: int, threads: int = 1
) -> tuple[ReadPart, list[Skip]]:
    """Phase A of one partition: HTML extraction, lines, credits, quotes, normalization,
    the line filter, fingerprints and the line hashes chrome learning needs.

    ``first_row`` is the corpus-wide position of the batch's first document (chrome learning
    tells documents apart by it); ``threads`` is how many threads HTML extraction may use.
    Documents with no words are returned as skips (and kept out of phase B).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    bp = config.boilerplate
    seconds: dict[str, float] = defaultdict(float)
    t0 = time.perf_counter()
    text = batch["text"]
    is_html = np.zeros(batch.num_rows, dtype=bool)
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
        is_html[idx] = True
        seconds["extract"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    # One kernel pass: lines, credits, link cards, quotes, both normalizations, line hashes,
    # fingerprints (the same as the stage functions composed: _lines.read_lines_reference).
    lines = read_lines(
        text,
        strip_credits=bp.strip_credits,
        strip_quotes=bp.strip_quotes,
        link_cards=bp.line_filter,
    )
    seconds["normalize"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    words = lines.words
    line_doc = lines.doc_index()
    dropped = np.zeros(len(words), dtype=bool)
    if bp.line_filter:
        dropped = lines.filtered & ~is_html[line_doc]
    gallery = np.zeros(len(words), dtype=bool)
    if bp.strip_galleries:
        gallery = lines.gallery(min_words=bp.gallery_min_words, gap=bp.gallery_gap) & ~dropped
        dropped = dropped | gallery
    doc_words = np.bincount(line_doc, weights=words, minlength=batch.num_rows)
    line_agency = lines.line_agency
    seconds["boilerplate"] += time.perf_counter() - t0

    skips: list[Skip] = []
    empty = doc_words == 0
    if empty.any():
        ids = batch["id"].to_pylist()
        origins = batch["origin"].to_pylist()
        for i in np.flatnonzero(empty).tolist():
            skips.append(
                _skip(
                    f"{origins[i]} [{ids[i]}]",
                    "empty",
                    "no words left after normalization (empty document)",
                    ids[i],
                )
            )
    part = ReadPart(
        meta=batch.select(["id", *_META]),
        keep_doc=~empty,
        fingerprints=lines.fingerprints,
        lengths=lines.lengths,
        agency=boilerplate_stage.agency_of(line_agency, lines.doc_offsets),
        doc_offsets=lines.doc_offsets,
        line_doc=(line_doc + first_row).astype(np.int32),  # held for the whole corpus
        line_hash=lines.line_hash,
        line_words=words.astype(np.int32),
        line_dropped=dropped,
        credit_lines=int(pc.sum(pc.is_valid(line_agency)).as_py() or 0),
        gallery_lines=int(gallery.sum()),
        republished=boilerplate_stage.republished(line_agency, lines.doc_offsets),
        authored=RaggedRef(lines.authored.offsets, lines.authored.data),
        seconds=dict(seconds),
    )
    return part, skips


def learn_corpus_chrome(
    config: Config, lines: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> np.ndarray:
    """The corpus's chrome (sorted line hashes) from every partition's
    :meth:`ReadPart.chrome_lines`, in partition order."""
    bp = config.boilerplate
    if not bp.learn_chrome or not lines:
        return np.empty(0, dtype=np.uint64)
    return boilerplate_stage.learn_chrome_parts(
        lines,
        min_docs=bp.chrome_min_docs,
        own_words=bp.chrome_own_words,
        own_share=bp.chrome_own_share,
        short_words=bp.chrome_short_words,
        long_words=bp.chrome_long_words,
    )


def sign_partition(
    part: ReadPart,
    chrome: np.ndarray,
    config: Config,
    bands: int,
    rows: int,
    *,
    sets: bool = True,
) -> tuple[SignedPart, list[Skip]]:
    """Phase B of one partition: authored text without the corpus's ``chrome`` lines ->
    shingles -> MinHash signatures -> ``bands`` LSH band keys of ``rows`` values.

    With ``sets=False`` the sorted shingle sets (and ``set_sizes``) are left out: the scan's
    verifier works from the sequences (:func:`verify_seq_pairs`); the index keeps sets.

    Documents left with fewer than ``k`` words are returned as skips; the signed partition
    holds only the others (possibly none).
    """
    import pyarrow as pa

    seconds: dict[str, float] = defaultdict(float)
    stats: Counter[str] = Counter()
    t0 = time.perf_counter()
    is_chrome = boilerplate_stage.is_chrome(part.line_hash, chrome)
    keep = ~part.line_dropped & ~is_chrome
    # every line is read: one sequential read of a spilled partition (see Spill.read)
    line_off, line_data = Spill.read(part.authored)
    off, data, words = join_lines_words(line_off, line_data, keep, part.doc_offsets)
    norm = normalize_stage.NormalizedBatch(off, data)
    stats["lines"] += int((part.line_words > 0).sum())
    dropped_lines = int((part.line_dropped & (part.line_words > 0)).sum())
    stats["lines_filtered"] += dropped_lines - part.gallery_lines
    stats["lines_gallery"] += part.gallery_lines
    stats["lines_chrome"] += int((is_chrome & ~part.line_dropped).sum())
    stats["credit_lines"] += part.credit_lines
    stats["words"] += int(part.line_words.sum())
    stats["words_kept"] += int(words.sum())
    k = config.shingle.k
    ok = part.keep_doc & (words >= k)
    short = part.keep_doc & ~ok
    skips: list[Skip] = []
    if short.any():
        ids = part.meta["id"].to_pylist()
        origins = part.meta["origin"].to_pylist()
        for i in np.flatnonzero(short).tolist():
            skips.append(
                _skip(
                    f"{origins[i]} [{ids[i]}]",
                    "too_short",
                    f"only {words[i]} words of its own text (quotes, credits and chrome "
                    f"removed); shingles need k={k}",
                    ids[i],
                )
            )
    seconds["boilerplate"] += time.perf_counter() - t0
    keep_rows = np.flatnonzero(ok)
    if keep_rows.size < len(ok):
        norm = _take_normalized(norm, keep_rows)

    if keep_rows.size:
        t0 = time.perf_counter()
        sh = shingle_stage.shingle_batch(norm.offsets, norm.data, k, config.shingle.seed)
        seconds["shingle"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        sig = minhash_stage.signature_batch(
            sh.offsets,
            sh.hashes,
            num_perm=config.minhash.num_perm,
            seed=config.minhash.seed,
            scheme=config.minhash.scheme,
        )
        keys = lsh_stage.band_keys(sig, bands, rows)
        seconds["minhash"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        uniq = (
            shingle_stage.unique_shingles(sh)
            if sets
            else shingle_stage.ShingleBatch(
                np.zeros(len(sh) + 1, dtype=np.int64), np.empty(0, dtype=np.uint64)
            )
        )
        seconds["shingle"] += time.perf_counter() - t0
    else:
        sh = uniq = shingle_stage.ShingleBatch(
            np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.uint64)
        )
        keys = np.empty((bands, 0), dtype=np.uint64)
    signed = SignedPart(
        meta=part.meta.take(pa.array(keep_rows, type=pa.int64())),
        fingerprints=part.fingerprints[keep_rows],
        lengths=part.lengths[keep_rows],
        keys=keys,
        sets=RaggedRef(uniq.offsets, uniq.hashes),
        seqs=RaggedRef(sh.offsets, sh.hashes),
        set_sizes=np.diff(uniq.offsets),
        agency=[part.agency[i] for i in keep_rows.tolist()],
        republished=part.republished[keep_rows],
        stats=stats,
        seconds=dict(seconds),
        rows=keep_rows,
        line_keep=keep,
    )
    return signed, skips


def verify_seq_pairs(
    config: Config,
    pairs: np.ndarray,
    seqs: shingle_stage.ShingleBatch,
    same: np.ndarray,
) -> dict[str, np.ndarray]:
    """Exact scores and relation of each pair ``(i, j)`` of rows of ``seqs`` (the documents'
    shingles in text order); ``same`` marks the pairs whose normalized texts are identical
    (equal fingerprints and lengths). Only the sequences are needed: each pair's sets are
    hashed on the fly (:func:`syndet.verify.seq_overlap`), so nobody makes, stores or reads
    sorted sets."""
    k = config.shingle.k
    inter, sa, sb, cov_a, cov_b, longest = verify_stage.seq_overlap(
        seqs.offsets, seqs.hashes, pairs, k, min_words=config.verify.min_passage_words
    )
    return verify_stage.classify_with(
        config.verify, inter, sa, sb, same, covered_a=cov_a, covered_b=cov_b, longest=longest, k=k
    )


def collect_docs(parts: Sequence[SignedPart]) -> _Docs:
    """The per-document arrays of signed partitions (or their summaries), in order."""
    import pyarrow as pa

    parts = [p for p in parts if p.num_rows]
    if not parts:
        empty = np.empty(0, dtype=np.uint64)
        return _Docs(
            None, empty, empty, np.empty(0, dtype=np.int64), [], np.zeros(0, dtype=bool),
            np.empty(0, dtype=np.int64),
        )  # fmt: skip
    meta = pa.concat_tables([p.meta for p in parts])
    return _Docs(
        meta=meta,
        fingerprints=np.concatenate([p.fingerprints for p in parts]),
        lengths=np.concatenate([p.lengths for p in parts]),
        set_sizes=np.concatenate([p.set_sizes for p in parts]),
        agency=[a for p in parts for a in p.agency],
        republished=np.concatenate([p.republished for p in parts]),
        rank=_rank(meta["id"]),
    )


class Scanner:
    """Runs the scan pipeline with one configuration.

    >>> from syndet import Scanner
    >>> result = Scanner().scan(["corpus/"])            # doctest: +SKIP
    >>> result.pairs.filter(relation="syndicated")      # doctest: +SKIP

    ``engine="dask"`` runs the same scan on a Dask cluster (``pip install 'syndet[dask]'``):
    a local one started for the scan (``workers`` worker processes), or the running one at
    ``scheduler`` (an address such as ``"tcp://host:8786"``, or a ``distributed.Client``).
    Both engines give the same pairs and clusters.
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
        spill: str | None = "auto",
        engine: str = "local",
        scheduler: Any = None,
    ) -> None:
        if workers is not None and workers < 1:
            raise ConfigError(f"workers must be at least 1, got {workers}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        if engine not in ENGINES:
            raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        if scheduler is not None and engine != "dask":
            raise ConfigError("a scheduler address needs engine='dask' (--engine dask)")
        if engine == "dask":
            from syndet.engine import require_dask

            require_dask()
        self.config = config
        self.workers = workers
        self.strict = strict
        self.progress = progress
        self.on_skip = on_skip
        self.batch_size = batch_size
        #: where partitions' intermediates go: "auto" (a temporary folder), a folder, or None
        #: to keep them in memory (the Dask engine's workers spill to their own local
        #: folders unless this is None)
        self.spill = spill
        self.engine = engine
        self.scheduler = scheduler
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
        held = getattr(_PREFETCH, "skips", None)
        if held is not None:  # the reader runs ahead on its own thread: recorded in order later
            held.append(skip)
            return
        self._skips.append(skip)
        self._notify(skip)

    def _prefetch(self, batches: Iterable[pa.Table]) -> Iterator[pa.Table]:
        """``batches``, read ahead on another thread (up to two), so that decoding and
        conforming the next batch overlaps the kernels working on this one (Arrow and the
        phase-A kernel release the GIL). Skips the reader reports while making a batch are
        recorded when that batch is taken, in the order a sequential read gives."""
        import queue
        import threading

        if self.strict:  # a skip must stop the scan where it happens
            yield from batches
            return
        q: queue.Queue[tuple[Any, list[Skip], BaseException | None]] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def produce() -> None:
            it = iter(batches)
            while not stop.is_set():
                held: list[Skip] = []
                _PREFETCH.skips = held
                try:
                    batch = next(it, None)
                except BaseException as exc:  # re-raised on the scan's thread
                    q.put((None, held, exc))
                    return
                finally:
                    _PREFETCH.skips = None
                q.put((batch, held, None))
                if batch is None:
                    return

        worker = threading.Thread(target=produce, name="syndet-read", daemon=True)
        worker.start()
        try:
            while True:
                batch, held, exc = q.get()
                for skip in held:
                    self._record(skip)
                if exc is not None:
                    raise exc
                if batch is None:
                    return
                yield batch
        finally:
            stop.set()
            while worker.is_alive():  # unblock a pending put, then let the thread end
                with contextlib.suppress(queue.Empty):
                    q.get(timeout=0.1)

    def _notify(self, skip: Skip) -> None:
        if self.on_skip is not None:
            self.on_skip(skip)
        if self.strict:
            raise BadDocumentError(f"{skip.where}: {skip.message}")

    def _tick(self, stage: str, done: int, total: int | None = None) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _run(self, batches: Iterable[pa.Table], *, inputs: list[str]) -> ScanResult:
        seconds: dict[str, float] = defaultdict(float)
        _preload("syndet.report")  # polars: needed at the very end, imported meanwhile
        threads = _set_threads(self.workers)
        started = time.perf_counter()
        if self.engine == "dask":
            from syndet.engine import DaskEngine

            # clustering verifies members on the cluster too: finish before it stops
            on_disk = self.spill is not None  # on each worker's own local folder
            with DaskEngine(self.scheduler, workers=self.workers, spill=on_disk) as dask_engine:
                found = dask_engine.run(self, batches, seconds)
                return self._finish(found, seconds, threads, started, inputs=inputs)
        with Spill(self.spill) as spill:
            found = self._run_local(batches, seconds, threads, spill)
            return self._finish(found, seconds, threads, started, inputs=inputs)

    def _run_local(
        self, batches: Iterable[pa.Table], seconds: dict[str, float], threads: int, spill: Spill
    ) -> _Found:
        """The local engine: partitions one after the other in this process (each using
        every thread), their large results spilled to memory-mapped files."""
        cfg = self.config

        # Phase A, per partition: lines, credits, quotes, line hashes for chrome learning.
        read: list[ReadPart] = []
        seen = 0
        it = iter(self._prefetch(batches))
        while True:
            t0 = time.perf_counter()
            batch = next(it, None)
            seconds["read"] += time.perf_counter() - t0
            if batch is None:
                break
            part, skips = read_partition(batch, cfg, first_row=seen, threads=threads)
            part.authored = spill.put(*Spill.get(part.authored))
            _add_seconds(seconds, part.seconds)
            for skip in skips:
                self._record(skip)
            seen += batch.num_rows
            read.append(part)
            del batch, part
            if len(read) % _RELEASE_EVERY == 0:
                _release_memory()
            self._tick("reading", seen)

        # Corpus-wide: which lines are chrome.
        t0 = time.perf_counter()
        chrome = learn_corpus_chrome(cfg, [p.chrome_lines() for p in read])
        for p in read:  # only chrome learning needed them
            p.line_doc = p.line_doc[:0]
        _release_memory()
        seconds["boilerplate"] += time.perf_counter() - t0

        # Phase B, per partition: authored text -> shingles -> signatures -> band keys.
        signed: list[SignedPart] = []
        stats: Counter[str] = Counter()
        processed = 0
        # Band keys (656 bytes per document with 82 bands) are spilled per partition and
        # banded 16 bands at a time (_band_pairs): in memory they were a third of the peak.
        key_parts: list[np.ndarray | str] = []
        sources: list[tuple[RaggedRef, np.ndarray, np.ndarray, np.ndarray]] = []
        while read:
            # No shingle sets, and the shingles are not kept: _EvidenceStore makes the
            # sequences again from the spilled authored lines for the documents in candidate
            # pairs only.
            part = read.pop(0)
            done, skips = sign_partition(part, chrome, cfg, self.bands, self.rows, sets=False)
            processed += part.meta.num_rows
            _add_seconds(seconds, done.seconds)
            stats.update(done.stats)
            for skip in skips:
                self._record(skip)
            if done.num_rows:
                sources.append((part.authored, done.line_keep, part.doc_offsets, done.rows))
                done.seqs = done.sets
                done.line_keep = done.line_keep[:0]
                key_parts.append(_put_keys(spill, done.keys))
                done.keys = done.keys[:, :0]
                signed.append(done)
            del done, part
            if len(read) % _RELEASE_EVERY == 0:
                _release_memory()
            self._tick("signatures", processed, seen)

        t0 = time.perf_counter()
        docs = collect_docs(signed)
        parts = [(src, p.num_rows) for src, p in zip(sources, signed, strict=True)]
        signed.clear()
        n = len(docs.rank)
        seconds["collect"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        cand, cstats = _band_pairs(key_parts, docs.rank, self.bands, cfg.lsh.max_bucket)
        spill.drop(key_parts)
        _release_memory()
        seconds["lsh"] += time.perf_counter() - t0
        self._tick("lsh", n, n)

        t0 = time.perf_counter()
        store = _EvidenceStore(parts, np.unique(cand), docs, spill, cfg)
        # the authored lines are done with: verification reads the evidence store's file
        spill.drop(src[0] for src, _ in parts)
        parts.clear()

        def verify(pairs: np.ndarray) -> dict[str, np.ndarray]:
            # In chunks of pairs, each with the shingles of just its documents: all the
            # candidates' shingles at once were 1.6 GB at 1M documents.
            out: list[dict[str, np.ndarray]] = []
            for lo in range(0, max(len(pairs), 1), _VERIFY_CHUNK):
                chunk = pairs[lo : lo + _VERIFY_CHUNK]
                out.append(_verify_evidence(cfg, chunk, store.evidence(np.unique(chunk), docs)))
            return {k: np.concatenate([o[k] for o in out]) for k in out[0]}

        scores = verify(cand)
        keep = scores["relation"] > 0
        seconds["verify"] += time.perf_counter() - t0
        self._tick("verify", len(cand), len(cand))
        return _Found(
            docs=docs,
            stats=stats,
            chrome_lines_learned=int(chrome.size),
            candidates=len(cand),
            cstats=cstats,
            pairs=cand[keep],
            scores={k: v[keep] for k, v in scores.items()},
            verify=verify,
            engine={"name": "local"},
        )

    def _finish(
        self,
        found: _Found,
        seconds: dict[str, float],
        threads: int,
        started: float,
        *,
        inputs: list[str],
    ) -> ScanResult:
        """Clusters, the report frames and the summary: the same for every engine."""
        docs, rep_pairs, rep, stats = found.docs, found.pairs, found.scores, found.stats
        ids = docs.ids
        n = len(ids)
        t0 = time.perf_counter()
        published = None
        if docs.meta is not None and docs.meta["published"].null_count < n:
            published = _epoch_us(docs.meta["published"])
        has_credit = np.array([a is not None for a in docs.agency], dtype=bool)
        credit_score = np.where(docs.republished, 0, np.where(has_credit, 2, 1))
        clusters, roles = self._cluster(
            rep_pairs, rep, found.verify, docs.set_sizes, docs.rank, published, credit_score,
            components=found.components,
        )  # fmt: skip
        seconds["cluster"] += time.perf_counter() - t0
        self._tick("cluster", len(rep_pairs), len(rep_pairs))

        t0 = time.perf_counter()
        from syndet import report

        pairs_df = report.pairs_frame(ids, rep_pairs, rep)
        clusters_df = report.clusters_frame(ids, clusters, roles, docs.agency)
        seconds["report"] += time.perf_counter() - t0

        scanned = n
        cstats = found.cstats
        by_reason = Counter(s.reason for s in self._skips)
        summary: dict[str, Any] = {
            "inputs": inputs,
            "documents": {
                "read": scanned + len(self._skips),
                "scanned": scanned,
                "skipped": len(self._skips),
                "skipped_by_reason": dict(sorted(by_reason.items())),
            },
            "boilerplate": {
                "lines": int(stats["lines"]),
                "lines_dropped_by_line_filter": int(stats["lines_filtered"]),
                "lines_dropped_as_gallery": int(stats["lines_gallery"]),
                "chrome_lines_learned": found.chrome_lines_learned,
                "lines_dropped_as_chrome": int(stats["lines_chrome"]),
                "credit_lines": int(stats["credit_lines"]),
                "documents_with_agency": int(has_credit.sum()),
                "words": int(stats["words"]),
                "words_kept": int(stats["words_kept"]),
                "share_removed": round(1 - stats["words_kept"] / max(stats["words"], 1), 4),
            },
            "pairs": {
                "candidates": found.candidates,
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
            "engine": found.engine,
            "seconds": {k: round(v, 4) for k, v in sorted(seconds.items())},
            "total_seconds": round(time.perf_counter() - started, 4),
        }
        return ScanResult(pairs_df, clusters_df, summary, list(self._skips))

    def _cluster(
        self,
        pairs: np.ndarray,
        rep: dict[str, np.ndarray],
        verify: Callable[[np.ndarray], dict[str, np.ndarray]],
        sizes: np.ndarray,
        rank: np.ndarray,
        published: np.ndarray | None,
        evidence: np.ndarray,
        components: Callable[[int, np.ndarray], np.ndarray] | None = None,
    ) -> tuple[cluster_stage.Clusters, np.ndarray]:
        """Clusters in which every member is tied to its source by its own verified relation.

        Plain connected components chain unrelated stories through weak links (A copies part
        of B, B shares a block with C: A and C have nothing in common). Here each round takes
        the components of the pairs still in play, picks each component's source, verifies
        every member directly against it (through the engine, which holds the shingles), and
        keeps only members with a relation of their own; the rest, and the pairs among them,
        go to the next round. Every round places at least each component's source, so the
        rounds end. The reported pairs are few next to the documents (the report lists them
        all), so the union-find runs here, on the client, unless the engine passes its own
        ``components`` (the Dask engine's, on the workers, when the edges are many).
        """
        n = len(rank)
        placed = np.zeros(n, dtype=bool)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        active = np.ones(len(pairs), dtype=bool)
        while active.any():
            c = cluster_stage.build_clusters(
                n, pairs[active], rep["shared"][active], sizes, rank, published, evidence,
                components_of=components,
            )  # fmt: skip
            members = np.stack([c.rows, c.source], axis=1)
            role = np.array(verify(members)["relation"], dtype=np.int8)
            role[members[:, 0] == members[:, 1]] = -1
            tied = role != 0
            placed[c.source] = True
            placed[c.rows[tied]] = True
            parts.append((c.rows[tied], c.source[tied], c.source_reason[tied], role[tied]))
            active &= ~(placed[pairs[:, 0]] | placed[pairs[:, 1]])
        return _assemble(parts, rank)


def scan(
    inputs: Sequence[str | Path], config: Config = DEFAULT_CONFIG, **options: Any
) -> ScanResult:
    """Scan files or folders with one call: ``Scanner(config, **options).scan(inputs)``."""
    return Scanner(config, **options).scan(inputs)


def _assemble(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    rank: np.ndarray,
) -> tuple[cluster_stage.Clusters, np.ndarray]:
    """Join the rounds' clusters, drop clusters left with one member, number them anew."""
    empty = np.empty(0, dtype=np.int64)
    if not parts:
        return cluster_stage.Clusters(empty, empty, empty, empty), np.empty(0, dtype=np.int8)
    # a round's cluster ids restart at 1: clusters are keyed by their source row instead
    rows, src, reason, role = (np.concatenate(x) for x in zip(*parts, strict=True))
    sizes = np.bincount(src, minlength=len(rank))
    keep = sizes[src] >= 2
    rows, src, reason, role = rows[keep], src[keep], reason[keep], role[keep]
    if not len(rows):
        return cluster_stage.Clusters(empty, empty, empty, empty), np.empty(0, dtype=np.int8)
    min_rank = np.full(len(rank), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(min_rank, src, rank[rows])
    sources = np.unique(src)
    number = np.zeros(len(rank), dtype=np.int64)
    number[sources[np.argsort(min_rank[sources], kind="stable")]] = np.arange(1, len(sources) + 1)
    cluster = number[src]
    order = np.lexsort((rank[rows], cluster))
    return (
        cluster_stage.Clusters(rows[order], cluster[order], src[order], reason[order]),
        role[order],
    )


def _preload(module: str) -> None:
    """Import a module on a background thread while the scan starts.

    The report frames need polars, whose import takes 1.5-3 s of one core; done at the end
    of the scan, that is serial time added to the wall clock, while here it overlaps
    reading and the numba kernels (which release the GIL). A failure is left for the real
    import to raise where the module is used."""

    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(module)

    if module not in sys.modules:
        threading.Thread(target=load, name="syndet-preload", daemon=True).start()


def _release_memory() -> None:
    """Give memory freed by a partition back to the operating system.

    Arrow's allocator (mimalloc) and glibc's per-thread arenas (numpy, numba's workers) keep
    what they freed for reuse, so without this a scan's RSS is the high-water mark of every
    partition's temporaries, several times what it holds (measured: 1.1 GB resident for
    0.3 GB live after phase A of 100k documents)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


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


def _put_keys(spill: Spill, keys: np.ndarray) -> np.ndarray | str:
    """One partition's ``(bands, rows)`` band keys, spilled (a path) or kept (the array)."""
    import os

    if spill.dir is None:
        return keys
    path = os.path.join(spill.dir, f"keys-{next(_KEY_FILES)}.npy")
    np.save(path, np.ascontiguousarray(keys))
    return path


def _band_pairs(
    key_parts: list[np.ndarray | str], rank: np.ndarray, bands: int, max_bucket: int
) -> tuple[np.ndarray, lsh_stage.CandidateStats]:
    """:func:`syndet.lsh.candidate_pairs` of the partitions' keys side by side (row pairs, as
    it returns them), computed by :func:`band_pairs_packed`."""
    packed, stats = band_pairs_packed(key_parts, rank, bands, max_bucket)
    return lsh_stage.pair_rows(packed, rank), stats


def band_pairs_packed(
    key_parts: list[np.ndarray | str], rank: np.ndarray, bands: int, max_bucket: int
) -> tuple[np.ndarray, lsh_stage.CandidateStats]:
    """The distinct candidate pairs of ``bands`` bands as sorted packed ranks
    ``rank[i] << 32 | rank[j]``, ``rank[i] < rank[j]``, from the partitions' ``(bands, rows)``
    keys side by side (arrays, or paths of spilled ones), and the bands' stats. Computed
    ``_BAND_GROUP`` bands at a time (each band's buckets are its own; the pairs of all bands
    are merged as candidate_pairs merges them), so that only those bands' keys are loaded.

    Both engines band with it: the local engine all bands, each Dask reducer the bands it
    holds, so buckets, stars and hubs (the lowest-ranked member) are the same."""
    n = len(rank)
    if not key_parts or n == 0:
        return np.empty(0, dtype=np.uint64), lsh_stage.CandidateStats(0, 0, 0, 0)
    found = []
    bucket_pairs = capped = dropped = 0
    for b0 in range(0, bands, _BAND_GROUP):
        b1 = min(b0 + _BAND_GROUP, bands)
        cols = []
        for part in key_parts:
            keys = np.load(part, mmap_mode="r") if isinstance(part, str) else part
            cols.append(np.array(keys[b0:b1]))
            del keys
        packed, stats = lsh_stage.packed_candidates(
            np.concatenate(cols, axis=1), rank, max_bucket=max_bucket
        )
        del cols
        found.append(packed)
        bucket_pairs += stats.bucket_pairs
        capped += stats.capped_buckets
        dropped += stats.pairs_not_expanded
    packed = found[0] if len(found) == 1 else np.unique(np.concatenate(found))
    return packed, lsh_stage.CandidateStats(
        bucket_pairs=int(bucket_pairs),
        candidate_pairs=len(packed),
        capped_buckets=int(capped),
        pairs_not_expanded=int(dropped),
    )


def _shingles_again(
    authored: RaggedRef,
    keep: np.ndarray,
    doc_offsets: np.ndarray,
    docs: np.ndarray,
    config: Config,
) -> shingle_stage.ShingleBatch:
    """The shingles (in text order) of some documents of a read partition, made again as
    :func:`sign_partition` made them: their kept authored lines joined, then shingled.

    The partition's lines are joined in place with every line of the other documents left
    out (those documents come out empty and have no shingles): gathering the wanted lines
    into a new buffer first cost as much as the join itself."""
    wanted = np.zeros(len(doc_offsets) - 1, dtype=bool)
    wanted[docs] = True
    # a fifth of the documents (the usual share in candidate pairs) touch most pages
    line_off, line_data = Spill.read_for(authored, len(docs), len(wanted))
    line_wanted = np.repeat(wanted, np.diff(doc_offsets))
    off, data, _ = join_lines_words(line_off, line_data, keep & line_wanted, doc_offsets)
    sh = shingle_stage.shingle_batch(off, data, config.shingle.k, config.shingle.seed)
    return shingle_stage.ShingleBatch(*take_rows(sh.offsets, sh.hashes, docs))


class _EvidenceStore:
    """The shingle sequences of the documents in candidate pairs.

    Made once, in one pass over the spilled partitions in row order, and written to a file of
    the spill folder that each chunk of pairs to verify reads back row by row (kept in memory
    when the scan does not spill). Reading the chunks' rows from every partition's
    memory-mapped shingles instead touched pages all over them. No sorted sets: the verifier
    compares sequences through hash tables (:func:`verify_seq_pairs`), and the set sizes
    clustering needs are counted here.
    """

    def __init__(
        self,
        parts: list[tuple[tuple[RaggedRef, np.ndarray, np.ndarray, np.ndarray], int]],
        rows: np.ndarray,
        docs: _Docs,
        spill: Spill,
        config: Config,
    ) -> None:
        import os

        self.rows = rows  # sorted corpus rows
        self.n = len(docs.rank)
        self.dir = spill.dir
        seq_lens: list[np.ndarray] = []
        set_sizes: list[np.ndarray] = []
        seq_mem: list[np.ndarray] = []
        file = None
        if self.dir is not None:
            self.seq_path = os.path.join(self.dir, "evidence-seqs.bin")
            file = open(self.seq_path, "wb")  # noqa: SIM115
        try:
            start = 0
            for (authored, keep, doc_offsets, kept), count in parts:
                lo, hi = np.searchsorted(rows, [start, start + count])
                if hi > lo:
                    seqs = _shingles_again(
                        authored, keep, doc_offsets, kept[rows[lo:hi] - start], config
                    )
                    seq_lens.append(np.diff(seqs.offsets))
                    set_sizes.append(verify_stage.distinct_counts(seqs.offsets, seqs.hashes))
                    if file is not None:
                        file.write(np.ascontiguousarray(seqs.hashes).tobytes())
                    else:
                        seq_mem.append(seqs.hashes)
                start += count
        finally:
            if file is not None:
                file.close()
        empty = np.empty(0, dtype=np.int64)
        self.seq_off = np.concatenate(([0], np.cumsum(np.concatenate(seq_lens or [empty]))))
        self.seq_off = self.seq_off.astype(np.int64)
        docs.set_sizes[rows] = np.concatenate(set_sizes or [empty])  # clustering reads them
        if file is None:
            self.seq_data = np.concatenate(seq_mem or [np.empty(0, dtype=np.uint64)])

    def _read(self, path: str, off: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lens = off[pos + 1] - off[pos]
        out_off = np.zeros(len(pos) + 1, dtype=np.int64)
        np.cumsum(lens, out=out_off[1:])
        out = np.empty(int(out_off[-1]), dtype=np.uint64)
        if not len(pos):
            return out_off, out
        view = memoryview(out.view(np.uint8).data)
        # rows next to each other in the file are read with one call
        gap = np.flatnonzero(pos[1:] != pos[:-1] + 1) + 1
        first = np.concatenate(([0], gap))
        last = np.concatenate((gap, [len(pos)]))
        with open(path, "rb", buffering=0) as f:
            starts = (off[pos[first]] * 8).tolist()
            ends = (off[pos[last - 1] + 1] * 8).tolist()
            for o, a, b in zip((out_off[first] * 8).tolist(), starts, ends, strict=True):
                f.seek(a)
                f.readinto(view[o : o + b - a])
        return out_off, out

    def evidence(self, rows: np.ndarray, docs: _Docs) -> _Evidence:
        """What the verifier needs for pairs among the given (sorted, candidate) rows."""
        pos = np.searchsorted(self.rows, rows)
        if self.dir is not None:
            seqs = self._read(self.seq_path, self.seq_off, pos)
        else:
            seqs = take_rows(self.seq_off, self.seq_data, pos)
        index = np.full(self.n, -1, dtype=np.int64)
        index[rows] = np.arange(len(rows))
        return _Evidence(
            shingle_stage.ShingleBatch(*seqs),
            index,
            docs.fingerprints,
            docs.lengths,
        )


def _verify_evidence(config: Config, pairs: np.ndarray, ev: _Evidence) -> dict[str, np.ndarray]:
    same = (ev.fingerprints[pairs[:, 0]] == ev.fingerprints[pairs[:, 1]]) & (
        ev.lengths[pairs[:, 0]] == ev.lengths[pairs[:, 1]]
    )
    return verify_seq_pairs(config, ev.index[pairs], ev.seqs, same)
