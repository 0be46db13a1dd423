"""An incremental, persistent index of articles, for deciding at fetch time what is a copy.

::

    import syndet
    with syndet.Index("seen.syndet") as index:        # created if missing; Index() is in memory
        matches = index.add(url, text)                # query, then insert, atomically
        matches = index.query(text)                   # read-only

Every article goes through the scan's own partition functions
(:func:`syndet.pipeline.read_partition` and :func:`~syndet.pipeline.sign_partition`: lines,
credits and quotes out, normalize, shingle, MinHash, LSH band keys) and every candidate through
its verifier's rules (:func:`syndet.pipeline.verify_seq_pairs`: exact overlap, shared
passages, the config's cut-offs), so a pair's relation and scores are the ones ``syndet scan``
reports for the same two texts; only the orientation differs: ``containment_a`` is always the
*new* text's share.

One stage cannot run incrementally: learning chrome lines from a whole corpus. The index does
not learn chrome (``BoilerplateConfig.learn_chrome`` must be off), which is also what a scan of
two texts does; on a large corpus a scan may drop recurring site chrome that the index keeps.

The index stores, per article, its LSH band keys and what exact verification needs (its
shingle hashes in text order, from which the sorted set is derived, and the fingerprint and
length of the normalized text), never the text itself. Signatures are not stored: a MinHash
signature depends only on the shingle *set*, so the stored shingles give it back exactly (that
is how :meth:`Index.remove` finds an article's band keys).

The settings are stored in the index and checked when it is opened. The index's default LSH
banding (:data:`INDEX_CONFIG`: 32 bands of 1 row) is coarser than the scan's 82 bands, to keep
the index small; ``benchmarks/RESULTS.md`` has the measured trade-off.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

from syndet.config import (
    DEFAULT_CONFIG,
    BoilerplateConfig,
    Config,
    LSHConfig,
    MinHashConfig,
    NormalizeConfig,
    ShingleConfig,
    VerifyConfig,
)
from syndet.errors import BadDocumentError, ConfigError, IndexStoreError, SettingsMismatchError

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from syndet.store import Record, Store

__all__ = ["INDEX_CONFIG", "Index", "InputsResult", "Match"]

#: The index's default settings: the scan's, with 32 LSH bands of 1 row (threshold 0.05)
#: instead of 82, which keeps the index within 1 KB per article beyond the shingles while every
#: labelled copy is still proposed (``benchmarks/RESULTS.md``), and without chrome learning,
#: which needs the whole corpus at once.
INDEX_CONFIG: Config = replace(
    DEFAULT_CONFIG,
    lsh=replace(DEFAULT_CONFIG.lsh, threshold=0.05, bands=32, rows=1),
    boilerplate=replace(DEFAULT_CONFIG.boilerplate, learn_chrome=False),
)
#: Settings added after indexes were first written, with the value that an index stored
#: without them behaves as.
_SETTINGS_BEFORE: dict[str, Any] = {
    "boilerplate": {
        "version": 1,
        "strip_galleries": False,
        "gallery_min_words": 6,
        "gallery_gap": 3,
    },
    "verify": {"min_passage_words": 1},
}

_FORMAT = 1
#: Calls with at most this many texts take the one-line-at-a-time path (no Arrow kernels).
_SMALL = 32
_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
#: Relations from strongest to weakest, for ordering matches "best first".
_RANK = {"duplicate": 0, "syndicated": 1, "partial": 2, "rewritten": 3}
#: Scores of a verified pair that a Match carries, as the scan names them.
_NO_CHROME = np.empty(0, dtype=np.uint64)
_SCORES = (
    "jaccard",
    "containment_a",
    "containment_b",
    "shared",
    "shared_words",
    "coverage_a",
    "coverage_b",
)


@dataclass(frozen=True, slots=True)
class Match:
    """A stored article related to the text that was added or queried."""

    #: Id of the stored article.
    doc_id: str
    #: ``duplicate``, ``syndicated``, ``partial`` or ``rewritten``, as ``syndet scan`` decides.
    relation: str
    #: Jaccard similarity of the two shingle sets.
    jaccard: float
    #: Share of the new text's shingles found in the stored article.
    containment_a: float
    #: Share of the stored article's shingles found in the new text.
    containment_b: float
    #: Number of shared shingles.
    shared: int
    #: Words inside shared passages (the smaller of the two sides' counts).
    shared_words: int
    #: Share of the new text's words inside shared passages.
    coverage_a: float
    #: Share of the stored article's words inside shared passages.
    coverage_b: float
    #: The stored article's publication time (UTC), if it was given.
    published: datetime | None = None
    #: The stored article's source, if it was given.
    source: str | None = None


@dataclass(slots=True)
class _Doc:
    """One article through the stages: what a query needs and what an add stores."""

    fingerprint: int
    length: int
    keys: np.ndarray  # (bands,) uint64
    seq: np.ndarray  # shingle hashes in text order (uint64), for shared passages
    set: np.ndarray  # sorted, unique shingle hashes, for exact overlap


def _own_numba_lock_after_fork() -> None:
    """In a forked child, drop numba's inherited cross-process launch lock.

    numba takes a multiprocessing lock, created by the first process that used its thread
    pool, on every ``get_num_threads``/``set_num_threads`` call and parallel launch. A fork
    shares that lock with the parent and every sibling, so a sibling killed while holding it
    (SIGKILL, the OOM killer) blocks every other forked worker in ``Index.add`` forever: the
    crash test saw exactly that. Each forked process makes its own lock instead.
    """
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    if parallel is not None and hasattr(parallel, "_backend_init_process_lock"):
        parallel._backend_init_process_lock = None  # type: ignore[attr-defined]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_own_numba_lock_after_fork)


@contextmanager
def _single_thread() -> Iterator[None]:
    """Run numba kernels on the calling thread only, for the duration of one article.

    One article is too little work to share: waking a second worker costs more than it saves,
    and on a busy machine (a crawler shares its cores) waiting for a descheduled worker made
    the mean add 7x slower and its p99 50 ms, against 0.3 ms and 5 ms on one thread.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _lsh_params(config: Config) -> tuple[int, int]:
    lsh = config.lsh
    if lsh.bands is not None and lsh.rows is not None:
        if lsh.bands * lsh.rows > config.minhash.num_perm:
            raise ConfigError(
                f"{lsh.bands} bands x {lsh.rows} rows exceed num_perm={config.minhash.num_perm}"
            )
        return lsh.bands, lsh.rows
    from syndet.lsh import optimal_params

    return optimal_params(
        lsh.threshold,
        config.minhash.num_perm,
        lsh.false_positive_weight,
        lsh.false_negative_weight,
    )


def _settings(config: Config, bands: int, rows: int) -> dict[str, Any]:
    """What is stored in an index and compared when it is opened."""
    return {
        "format": _FORMAT,
        "signature_key": config.signature_key,
        "normalize": asdict(config.normalize),
        "boilerplate": asdict(config.boilerplate),
        "shingle": asdict(config.shingle),
        "minhash": asdict(config.minhash),
        "lsh": {
            "threshold": config.lsh.threshold,
            "bands": bands,
            "rows": rows,
            "max_bucket": config.lsh.max_bucket,
        },
        "verify": asdict(config.verify),
    }


def _flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in settings.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = value
    return out


def _differences(stored: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    a, b = {**_flatten(_SETTINGS_BEFORE), **_flatten(stored)}, _flatten(wanted)
    # The threshold only matters through the bands and rows it gives; the key is a digest of
    # settings that are compared one by one. The verify cut-offs decide relations from what is
    # stored and change nothing stored: an index answers with the cut-offs it is opened with.
    skip = {"lsh.threshold", "signature_key"}
    return [
        f"{name} (index: {a.get(name)!r}, requested: {b.get(name)!r})"
        for name in sorted(set(a) | set(b))
        if name not in skip and not name.startswith("verify.") and a.get(name) != b.get(name)
    ]


def _config_from(settings: dict[str, Any]) -> Config:
    try:
        lsh = settings["lsh"]
        return Config(
            normalize=NormalizeConfig(**settings["normalize"]),
            boilerplate=BoilerplateConfig(
                **{**_SETTINGS_BEFORE["boilerplate"], **settings["boilerplate"]}
            ),
            shingle=ShingleConfig(**settings["shingle"]),
            minhash=MinHashConfig(**settings["minhash"]),
            lsh=LSHConfig(
                threshold=lsh["threshold"],
                bands=lsh["bands"],
                rows=lsh["rows"],
                max_bucket=lsh["max_bucket"],
            ),
            verify=VerifyConfig(**{**_SETTINGS_BEFORE["verify"], **settings["verify"]}),
        )
    except (KeyError, TypeError, ConfigError) as exc:
        raise IndexStoreError(f"the index's stored settings are unreadable: {exc!r}") from exc


def _epoch_us(value: datetime | date | str | None) -> int | None:
    """A publication time as microseconds since the epoch (UTC); naive times are UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        from syndet.io.readers import parse_published

        parsed = parse_published(value)
        if parsed is None:
            raise ConfigError(f"cannot read published={value!r} as a date or time")
        value = parsed
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError(f"published must be a datetime, date or str, not {type(value)}")
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_epoch_us(value: int | None) -> datetime | None:
    if value is None:
        return None
    from datetime import timedelta

    return _EPOCH + timedelta(microseconds=value)


class Index:
    """A persistent, crash-safe index of articles that answers "is this a copy, and of what?".

    ``location`` is a file path (one SQLite file, created if missing), a ``redis://`` URL
    (a shared Redis server; ``?prefix=name`` keeps several indexes in one database), or
    ``None`` for an index in memory. ``config`` gives the settings of a new index
    (default :data:`INDEX_CONFIG`); for an existing index it is optional, and when given it
    must equal the stored settings (:class:`~syndet.errors.SettingsMismatchError` names what
    differs) except the relation cut-offs (``config.verify``), which change nothing stored:
    the index answers with the given ones. ``verify`` sets those cut-offs alone, whatever
    ``config`` is (``syndet scan --against`` passes the scan's, so that both agree).
    ``create=False`` refuses to create a missing index.

    An index can be shared by threads; calls are serialized. Several processes may use one
    index file at once: reads never wait, and writes take turns.
    """

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        config: Config | None = None,
        *,
        create: bool = True,
        durable: bool = False,
        verify: VerifyConfig | None = None,
    ) -> None:
        path = os.fspath(location) if location is not None else None
        if path is not None and not create and "://" not in path and not os.path.exists(path):
            raise IndexStoreError(f"there is no index at {path}")  # and no empty file made
        from syndet.store import open_store

        self.location = path
        self._lock = threading.RLock()
        self._store: Store = open_store(path, durable=durable)
        try:
            self.config = self._open_settings(config, create=create)
            if verify is not None:
                self.config = replace(self.config, verify=verify)
        except BaseException:
            self._store.close()
            raise
        self.bands, self.rows = _lsh_params(self.config)
        self._max_bucket = self.config.lsh.max_bucket
        bp = self.config.boilerplate
        self._plain = not (
            bp.strip_credits or bp.strip_quotes or bp.line_filter or bp.strip_galleries
        )
        from syndet.minhash import permutations

        mh = self.config.minhash
        # the arguments of the one-thread kernels' stages after normalization
        self._stage_args = (
            self.config.shingle.k,
            np.uint64(self.config.shingle.seed),
            *permutations(mh.num_perm, mh.seed, mh.scheme),
            mh.scheme == "legacy",
            self.bands,
            self.rows,
        )

    def _open_settings(self, config: Config | None, *, create: bool) -> Config:
        stored = self._store.settings()
        if stored is None:
            if not create:
                raise IndexStoreError(f"there is no index at {self.location or 'memory'}")
            if config is None:
                config = INDEX_CONFIG
            if config.boilerplate.learn_chrome:
                raise ConfigError(
                    "an index cannot learn chrome from a whole corpus: use a config with "
                    "boilerplate.learn_chrome=False (syndet.index.INDEX_CONFIG does)"
                )
            bands, rows = _lsh_params(config)
            # Another process may create the same index at the same moment: whichever
            # settings were stored first are the index's, and are checked like any others.
            stored = self._store.init_settings(_settings(config, bands, rows))
        if stored.get("format") != _FORMAT:
            raise IndexStoreError(
                f"{self.location}: index format {stored.get('format')!r}, this syndet reads "
                f"format {_FORMAT}"
            )
        have = _config_from(stored)
        # The normalization rules are code: an index built under other rules cannot be used.
        if have.normalize != NormalizeConfig():
            raise SettingsMismatchError(
                f"{self.location or 'the index'} was built with normalization rules "
                f"v{have.normalize.version}; this syndet has v{NormalizeConfig().version}. "
                "Rebuild the index."
            )
        # So are the line rules (quotes, widgets, link cards): they decide the authored text.
        if have.boilerplate.version != BoilerplateConfig().version:
            raise SettingsMismatchError(
                f"{self.location or 'the index'} was built with line rules "
                f"v{have.boilerplate.version}; this syndet has v{BoilerplateConfig().version}. "
                "Rebuild the index."
            )
        if config is not None:
            diff = _differences(stored, _settings(config, *_lsh_params(config)))
            if diff:
                raise SettingsMismatchError(
                    f"{self.location or 'the index'} was built with other settings: "
                    + "; ".join(diff)
                )
            have = replace(have, verify=config.verify)
        return have

    # -- the stages, for one article or a batch -----------------------------------------------

    def _prepare(self, texts: pa.Array | list[str]) -> tuple[list[str], list[_Doc | None]]:
        """Each text through the scan's stages; ``None`` and the reason for unusable texts."""
        if isinstance(texts, list):
            if len(texts) <= _SMALL:
                return self._prepare_plain(texts) if self._plain else self._prepare_lines(texts)
            texts = _as_arrow(texts)
        if self._plain:
            return self._prepare_plain(texts)
        # The scan's own partition functions: lines, credits, quotes and the line filter
        # (phase A), then the authored text's shingles, signatures and band keys (phase B).
        # No chrome is learned: that needs the whole corpus. Row numbers stand in for ids.
        import pyarrow as pa

        from syndet.engine import Spill
        from syndet.io.readers import DOC_SCHEMA
        from syndet.pipeline import read_partition, sign_partition

        n = len(texts)
        cols = {
            "id": pa.array([str(i) for i in range(n)], pa.large_string()),
            "text": texts.cast(pa.large_string()),
            "origin": pa.array(["<index>"] * n, pa.large_string()),
        }
        table = pa.table(
            [cols.get(f.name, pa.nulls(n, f.type)) for f in DOC_SCHEMA], schema=DOC_SCHEMA
        )
        part, skipped = read_partition(table, self.config, first_row=0)
        signed, too_short = sign_partition(part, _NO_CHROME, self.config, self.bands, self.rows)
        reasons = [""] * n
        for skip in [*skipped, *too_short]:
            reasons[int(skip.doc or 0)] = skip.message
        docs: list[_Doc | None] = [None] * n
        seq_off, seq = Spill.get(signed.seqs)
        set_off, sets = Spill.get(signed.sets)
        fps = signed.fingerprints.tolist()
        lengths = signed.lengths.tolist()
        for j, row in enumerate(signed.meta["id"].to_pylist()):
            docs[int(row)] = _Doc(
                fps[j],
                lengths[j],
                signed.keys[:, j],
                seq[seq_off[j] : seq_off[j + 1]],
                sets[set_off[j] : set_off[j + 1]],
            )
        return reasons, docs

    def _prepare_lines(self, texts: list[str]) -> tuple[list[str], list[_Doc | None]]:
        """:meth:`_prepare` for a few texts, through the scan's line kernel on one thread.

        The scan's phase A kernel (:func:`syndet._lines.read_lines`) splits the texts into
        lines, normalizes them and strips quotes in one pass, and hands the lines it cannot do
        exactly (possible wire credits, link cards, tweets, transcript turns) to pyarrow's
        regular expressions, whose compilation costs about 5 ms per call whatever the batch's
        size: many real articles have such a line (a dateline with ``(AP)``). Here those lines
        go instead through the same rules as Python patterns compiled once
        (:func:`syndet.boilerplate.strip_credits_line` and its siblings, tested equal to the
        Arrow functions), and are spliced in as the scan splices its reference's lines. The
        rest is the scan's, in one more kernel call (:mod:`syndet._kernels.prep`): fingerprints
        of all the normalized lines, the authored text of the lines the line filter keeps, its
        shingles, signature, band keys and shingle set (the tests compare both paths).
        """
        from syndet import _lines, normalize
        from syndet.boilerplate import CAPTION_MIN_WORDS

        bp = self.config.boilerplate
        offsets, data = _utf8(texts)
        table, exp = normalize._tables()
        doc_offsets, starts, full_len, auth_len, flags, full, auth = (
            _lines._kernels().read_lines_serial(
                offsets,
                data,
                table,
                exp,
                normalize._fast_ascii(),
                bp.strip_credits,
                bp.strip_quotes,
                bp.line_filter,
            )
        )
        rules = (
            flags,
            doc_offsets,
            (
                bp.line_filter,
                bp.strip_galleries,
                bp.gallery_min_words,
                bp.gallery_gap,
                CAPTION_MIN_WORDS,
            ),
            self._stage_args,
        )
        if len(full_len) and full_len.min() < 0:  # lines left to the one-line rules
            odd = np.flatnonzero(full_len < 0)
            with _single_thread():  # the reference's kernels may start numba's threads
                full_off, full, auth_off, auth = self._odd_lines(
                    odd, offsets, data, doc_offsets, starts, (full_len, full), (auth_len, auth)
                )
            out = _prep_kernels().from_lines(full_off, full, auth_off, auth, False, *rules)
        else:
            out = _prep_kernels().from_lines(full_len, full, auth_len, auth, True, *rules)
        return self._docs(out, " of its own text (quotes, credits and chrome removed)")

    def _odd_lines(
        self,
        odd: np.ndarray,
        offsets: np.ndarray,
        data: np.ndarray,
        doc_offsets: np.ndarray,
        starts: np.ndarray,
        full: tuple[np.ndarray, np.ndarray],
        auth: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The lines the kernel left out (``odd``), by the one-line rules, put in their places:
        ``(full offsets, full bytes, authored offsets, authored bytes)``."""
        import pyarrow as pa

        from syndet import _lines, boilerplate, normalize

        bp = self.config.boilerplate
        # a line runs to the byte before the next line's start, the last to its text's end
        line_end = np.append(starts[1:] - 1, 0)
        line_end[doc_offsets[1:] - 1] = offsets[1:]
        raw: list[str] = []
        own: list[str] = []
        for at, stop in zip(starts[odd].tolist(), line_end[odd].tolist(), strict=True):
            line = data[at:stop].tobytes().decode("utf-8")
            rest = line
            if bp.strip_credits:
                rest = boilerplate.strip_credits_line(rest)[0]
            if bp.line_filter:
                rest = boilerplate.strip_link_cards_line(rest)
            if bp.strip_quotes:
                rest = boilerplate.strip_quotes_line(rest)
            raw.append(line)
            own.append(rest)
        norm = normalize.normalize_batch(pa.array(raw + own, type=pa.large_string()))
        m = len(raw)
        k = _lines._kernels()
        full_off, full_data = k.splice(full[0], full[1], odd, norm.offsets[: m + 1], norm.data)
        auth_off, auth_data = k.splice(auth[0], auth[1], odd, norm.offsets[m:], norm.data)
        return full_off, full_data, auth_off, auth_data

    def _prepare_plain(self, texts: pa.Array | list[str]) -> tuple[list[str], list[_Doc | None]]:
        """The same stages when no boilerplate rule is on: whole texts, no per-line work.

        About three times faster per article than going through lines, with equal results
        (normalization maps a newline to a space, so joining normalized lines is normalizing
        the text); the tests check both paths against the scan.
        """
        from syndet import normalize
        from syndet._hashing import xxh64_ranges

        if isinstance(texts, list):  # a few: on this thread, in one kernel call after this
            offsets, data = _utf8(texts)
            table, exp = normalize._tables()
            kernel = _normalize_kernels().normalize_serial
            norm_off, norm, _, slow = kernel(offsets, data, table, exp, normalize._fast_ascii())
            if slow:  # a text for the reference normalization
                with _single_thread():
                    batch = normalize.normalize_batch(_arrow_of(offsets, data))
                norm_off, norm = batch.offsets, batch.data
            return self._docs(_prep_kernels().plain_docs(norm_off, norm, self._stage_args), "")
        norm = normalize.normalize_batch(texts)
        return self._stages(norm, xxh64_ranges(norm.offsets, norm.data), "")

    def _stages(
        self, norm: Any, fps: np.ndarray, whose: str
    ) -> tuple[list[str], list[_Doc | None]]:
        """Shingles, signatures and band keys of normalized texts; reasons for unusable ones."""
        from syndet import lsh, minhash, shingle

        cfg = self.config
        sh = shingle.shingle_batch(norm.offsets, norm.data, cfg.shingle.k, cfg.shingle.seed)
        sig = minhash.signature_batch(
            sh.offsets,
            sh.hashes,
            num_perm=cfg.minhash.num_perm,
            seed=cfg.minhash.seed,
            scheme=cfg.minhash.scheme,
        )
        keys = lsh.band_keys(sig, self.bands, self.rows)
        sets = shingle.unique_shingles(sh)
        lengths = np.diff(norm.offsets)
        out = (
            fps,
            lengths,
            norm.word_counts(),
            sh.offsets,
            sh.hashes,
            keys,
            sets.offsets,
            sets.hashes,
        )
        return self._docs(out, whose)

    def _docs(self, out: tuple[np.ndarray, ...], whose: str) -> tuple[list[str], list[_Doc | None]]:
        """Each text's :class:`_Doc`, or the reason it cannot be used, from its stages'
        output ``(fingerprints, lengths, words, seq_off, seq, keys, set_off, sets)``."""
        fps, lengths, words, seq_off, seq, keys, set_off, sets = out
        k = self.config.shingle.k
        fp_list, len_list = fps.tolist(), lengths.tolist()
        so, to = seq_off.tolist(), set_off.tolist()
        reasons = [""] * len(fp_list)
        docs: list[_Doc | None] = []
        for i, w in enumerate(words.tolist()):
            if w >= k:
                docs.append(
                    _Doc(
                        fp_list[i],
                        len_list[i],
                        keys[:, i],
                        seq[so[i] : so[i + 1]],
                        sets[to[i] : to[i + 1]],
                    )
                )
            else:
                docs.append(None)
                reasons[i] = (
                    "no words left after normalization (empty document)"
                    if len_list[i] == 0
                    else f"only {w} words{whose}; shingles need k={k}"
                )
        return reasons, docs

    def _one(self, text: str) -> _Doc:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        reasons, docs = self._prepare([text])
        doc = docs[0]
        if doc is None:
            raise BadDocumentError(reasons[0])
        return doc

    def _keys_of(self, record: Record) -> np.ndarray:
        """A stored article's band keys, from its shingles (MinHash depends on the set only)."""
        from syndet import lsh, minhash

        cfg = self.config.minhash
        hashes = record.shingle_array()
        with _single_thread():
            sig = minhash.signature_batch(
                np.array([0, len(hashes)], dtype=np.int64),
                hashes,
                num_perm=cfg.num_perm,
                seed=cfg.seed,
                scheme=cfg.scheme,
            )
            keys: np.ndarray = lsh.band_keys(sig, self.bands, self.rows)[:, 0]
        return keys

    def _verify(self, doc: _Doc, records: list[Record]) -> list[Match]:
        """Exact scores and relations of ``doc`` against each candidate, best first."""
        if not records:
            return []
        from syndet import verify

        # The scan's verifier (overlap, passages, classify_with) for the
        # pairs (new, candidate), with its numbers counted in one call on this thread. Most
        # candidates share a common phrase or two, and classify reports nothing below
        # rewritten_min on the larger containment (unless the texts are equal), so those are
        # dropped before the passage walk: an exact shortcut, the same result.
        arrays = [r.shingle_array() for r in records]
        off = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([len(a) for a in arrays], out=off[1:])
        same = np.array(
            [r.fingerprint == doc.fingerprint and r.length == doc.length for r in records]
        )
        cfg = self.config
        keep, inter, size_b, cov_a, cov_b, longest = _prep_kernels().verify(
            doc.seq,
            doc.set,
            off,
            np.concatenate(arrays) if len(arrays) > 1 else arrays[0],
            same,
            cfg.verify.rewritten_min,
            cfg.shingle.k,
            cfg.verify.min_passage_words,
        )
        if not keep.any():
            return []
        rows = np.flatnonzero(keep)
        records = [records[i] for i in rows.tolist()]
        scores = verify.classify_with(
            cfg.verify,
            inter[rows],
            np.full(len(rows), len(doc.set), dtype=np.int64),
            size_b[rows],
            same[rows],
            covered_a=cov_a[rows],
            covered_b=cov_b[rows],
            longest=longest[rows],
            k=cfg.shingle.k,
        )
        cols = {name: scores[name].tolist() for name in _SCORES}
        codes = scores["relation"].tolist()
        out = [
            Match(
                doc_id=r.doc_id,
                relation=verify.RELATIONS[codes[i]],
                **{name: cols[name][i] for name in _SCORES},
                published=_from_epoch_us(r.published),
                source=r.source,
            )
            for i, r in enumerate(records)
            if codes[i] > 0
        ]
        out.sort(key=lambda m: (_RANK[m.relation], -m.jaccard, m.doc_id))
        return out

    def _record(
        self, doc_id: str, doc: _Doc, published: datetime | date | str | None, source: str | None
    ) -> Record:
        from syndet.store import Record

        if not isinstance(doc_id, str):
            raise TypeError(f"doc_id must be a str, not {type(doc_id).__name__}")
        return Record(
            doc_id=doc_id,
            fingerprint=doc.fingerprint,
            length=doc.length,
            shingles=doc.seq.astype("<u8", copy=False).tobytes(),
            published=_epoch_us(published),
            source=source,
        )

    # -- public API ------------------------------------------------------------------------

    def add(
        self,
        doc_id: str,
        text: str,
        *,
        published: datetime | date | str | None = None,
        source: str | None = None,
        replace: bool = False,
    ) -> list[Match]:
        """Store an article and return the stored articles it is related to, best first.

        The lookup and the insert are one atomic step: two processes adding copies of one
        story at the same time each see the other's copy, whichever comes second. An id that
        is already stored raises :class:`~syndet.errors.IndexStoreError`, unless ``replace``
        is set (a re-crawled page): the old version is then removed in the same step and is
        not matched against. A text with fewer than ``k`` words (after normalization) cannot
        be matched and raises :class:`~syndet.errors.BadDocumentError`; nothing is stored.
        """
        # No _single_thread() here: one article's stages run in kernels that never start
        # numba's threads, and the few steps that might (odd lines, the verifier, an old
        # version's keys) ask for one thread themselves.
        with self._lock:
            doc = self._one(text)
            record = self._record(doc_id, doc, published, source)
            return self._store.add(
                record,
                doc.keys,
                self._max_bucket,
                lambda candidates: self._verify(doc, candidates),
                replace=replace,
                keys_of=self._keys_of,
            )

    def query(self, text: str) -> list[Match]:
        """The stored articles ``text`` is related to, best first (nothing is stored).

        A text with fewer than ``k`` words raises :class:`~syndet.errors.BadDocumentError`.
        """
        with self._lock:
            doc = self._one(text)
            return self._verify(doc, self._store.candidates(doc.keys, self._max_bucket))

    def query_many(self, texts: Sequence[str] | pa.Array) -> list[list[Match] | None]:
        """:meth:`query` for many texts (prepared in one batch); ``None`` for too-short ones."""
        texts = _small_or_arrow(texts)
        with self._lock, _threads_for(texts):
            _, docs = self._prepare(texts)
            return [
                None
                if doc is None
                else self._verify(doc, self._store.candidates(doc.keys, self._max_bucket))
                for doc in docs
            ]

    def add_many(
        self,
        doc_ids: Sequence[str],
        texts: Sequence[str] | pa.Array,
        *,
        published: Sequence[datetime | date | str | None] | None = None,
        sources: Sequence[str | None] | None = None,
        match: bool = True,
    ) -> list[list[Match]]:
        """:meth:`add` for many articles, in order, with the stages run on the whole batch.

        With ``match=False`` (bulk loading) no matches are looked for, all articles are
        stored in one transaction, and the result is a list of empty lists. Every text is
        checked first: a too-short one raises before anything is stored.
        """
        n = len(doc_ids)
        if len(texts) != n:
            raise ConfigError(f"{n} ids but {len(texts)} texts")
        pubs = list(published) if published is not None else [None] * n
        srcs = list(sources) if sources is not None else [None] * n
        if len(pubs) != n or len(srcs) != n:
            raise ConfigError("published and sources must have one entry per id")
        texts = _small_or_arrow(texts)
        with self._lock, _threads_for(texts):
            reasons, docs = self._prepare(texts)
            for i, doc in enumerate(docs):
                if doc is None:
                    raise BadDocumentError(f"{doc_ids[i]!r}: {reasons[i]}")
            ready: list[_Doc] = [d for d in docs if d is not None]
            records = [self._record(doc_ids[i], d, pubs[i], srcs[i]) for i, d in enumerate(ready)]
            if not match:
                keys = (
                    np.stack([d.keys for d in ready], axis=1)
                    if ready
                    else np.empty((self.bands, 0), dtype=np.uint64)
                )
                self._store.add_many(records, keys)
                return [[] for _ in records]
            out: list[list[Match]] = []
            for d, record in zip(ready, records, strict=True):
                out.append(
                    self._store.add(
                        record,
                        d.keys,
                        self._max_bucket,
                        lambda candidates, d=d: self._verify(d, candidates),  # type: ignore[misc]
                        replace=False,
                        keys_of=self._keys_of,
                    )
                )
            return out

    def add_inputs(self, inputs: Sequence[str | os.PathLike[str]], **read: Any) -> InputsResult:
        """:meth:`add` every document of files, folders or ``-``, read as ``syndet scan`` reads
        them (``read``: ``id_col``, ``text_col``, ``stdin``, as for :meth:`Scanner.scan`)."""
        return self._inputs(inputs, store=True, **read)

    def query_inputs(self, inputs: Sequence[str | os.PathLike[str]], **read: Any) -> InputsResult:
        """:meth:`query` every document of files, folders or ``-``; nothing is stored."""
        return self._inputs(inputs, store=False, **read)

    def _inputs(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        *,
        store: bool,
        id_col: str = "id",
        text_col: str = "text",
        stdin: Any = None,
    ) -> InputsResult:
        from syndet.io.readers import CorpusReader

        result = InputsResult()
        reader = CorpusReader(
            list(inputs),
            id_col=id_col,
            text_col=text_col,
            stdin=stdin,
            on_skip=lambda skip: result.skipped.append(str(skip)),
        )
        for batch in reader:
            ids = batch["id"].to_pylist()
            texts = _batch_texts(batch)
            published = batch["published"].to_pylist()
            sources = batch["source"].to_pylist()
            if store:
                found: list[list[Match] | None] = []
                for i, doc_id in enumerate(ids):
                    try:
                        found.append(
                            self.add(doc_id, texts[i], published=published[i], source=sources[i])
                        )
                    except (BadDocumentError, IndexStoreError) as exc:
                        result.skipped.append(f"{doc_id}: {exc}")
                        found.append(None)
            else:
                found = self.query_many(texts)
                result.skipped += [
                    f"{doc_id}: too short to match"
                    for doc_id, f in zip(ids, found, strict=True)
                    if f is None
                ]
            for doc_id, matches in zip(ids, found, strict=True):
                if matches is None:
                    continue
                result.documents += 1
                result.rows += [(doc_id, m) for m in matches]
        return result

    def remove(self, doc_id: str) -> bool:
        """Remove an article; ``False`` if it was not stored."""
        with self._lock, _single_thread():
            return self._store.remove(doc_id, self._keys_of)

    def __contains__(self, doc_id: object) -> bool:
        if not isinstance(doc_id, str):
            return False
        with self._lock:
            return self._store.contains(doc_id)

    def __len__(self) -> int:
        with self._lock:
            return self._store.count()

    def close(self) -> None:
        """Close the index (pending writes are already committed: every call is)."""
        with self._lock:
            self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.location or "memory"
        return f"Index({where!r}, bands={self.bands}, rows={self.rows})"


@dataclass
class InputsResult:
    """What :meth:`Index.add_inputs` and :meth:`Index.query_inputs` found."""

    #: Documents added or queried.
    documents: int = 0
    #: ``(document id, match)`` for every match, in input order, each document's best first.
    rows: list[tuple[str, Match]] = field(default_factory=list)
    #: One line per document that could not be used.
    skipped: list[str] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        """The matches as a table with the scan's pair columns; ``a`` is the new document."""
        import polars as pl

        return pl.DataFrame(
            {
                "a": [d for d, _ in self.rows],
                "b": [m.doc_id for _, m in self.rows],
                "relation": [m.relation for _, m in self.rows],
                **{name: [getattr(m, name) for _, m in self.rows] for name in _SCORES},
            },
            schema={
                "a": pl.String,
                "b": pl.String,
                "relation": pl.String,
                **{
                    name: pl.Int64 if name in ("shared", "shared_words") else pl.Float64
                    for name in _SCORES
                },
            },
        )


def _batch_texts(batch: pa.Table) -> list[str]:
    """A reader batch's texts, with HTML-only documents extracted as the scan extracts them."""
    texts: list[str | None] = batch["text"].to_pylist()
    htmls: list[str | None] = batch["html"].to_pylist()
    need = [i for i, t in enumerate(texts) if t is None and htmls[i] is not None]
    if need:
        from syndet.io.html import extract_texts

        for i, t in zip(need, extract_texts([htmls[i] for i in need]), strict=True):
            texts[i] = t
    return [t or "" for t in texts]


def _small_or_arrow(texts: Sequence[str] | pa.Array) -> list[str] | pa.Array:
    """A few texts as a list (for the line-at-a-time path), more as an Arrow array."""
    if not isinstance(texts, str) and isinstance(texts, Sequence) and len(texts) <= _SMALL:
        return list(texts)
    return _as_arrow(texts)


def _threads_for(texts: list[str] | pa.Array) -> Any:
    """One thread for a few texts (see :func:`_single_thread`), all of them for a batch."""
    from contextlib import nullcontext

    return _single_thread() if isinstance(texts, list) else nullcontext()


@functools.lru_cache(maxsize=1)
def _normalize_kernels() -> Any:
    from syndet._kernels import normalize

    return normalize


@functools.lru_cache(maxsize=1)
def _prep_kernels() -> Any:
    from syndet._kernels import prep

    return prep


def _utf8(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64) and UTF-8 bytes of a few texts (``None`` is an empty text), as
    :func:`syndet.normalize._string_buffers` gives them for an Arrow array of the texts."""
    if len(texts) == 1 and isinstance(texts[0], str):  # an add or a query
        blob = texts[0].encode("utf-8")
        return np.array([0, len(blob)], dtype=np.int64), np.frombuffer(blob, dtype=np.uint8)
    encoded = []
    for text in texts:
        if text is None:
            encoded.append(b"")
        elif isinstance(text, str):
            encoded.append(text.encode("utf-8"))
        else:
            raise TypeError(f"text must be a str, not {type(text).__name__}")
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return offsets, np.frombuffer(b"".join(encoded), dtype=np.uint8)


def _arrow_of(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    import pyarrow as pa

    return pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )


def _as_arrow(texts: Sequence[str] | pa.Array) -> pa.Array:
    import pyarrow as pa

    if isinstance(texts, pa.ChunkedArray | pa.Array):
        return texts
    return pa.array(list(texts), type=pa.large_string())
