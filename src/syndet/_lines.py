"""Phase A's work on lines, fused into one parallel kernel pass (private).

:func:`read_lines` splits every document of a batch into lines, normalizes each line (its
*full* text: words, line hashes for chrome learning, the document's fingerprint), strips wire
credits, inline link cards and quoted speech and normalizes what is left (its *authored*
text), and computes the raw-text tests of the cheap line filter. It gives exactly what
:func:`read_lines_reference` gives, the composition of the stage functions of
:mod:`syndet.boilerplate` and :mod:`syndet.normalize` (pyarrow regexes, one pass each): the
kernel (:mod:`syndet._kernels.lines`) does everything for ordinary lines, and hands the few
lines it cannot do exactly (possible wire credits, link cards, embedded tweets, transcript
turns, context-sensitive characters) to that reference, whose results are spliced in.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from syndet import boilerplate as boilerplate_stage
from syndet import normalize as normalize_stage

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "LineBatch",
    "gallery_mask",
    "join_lines",
    "join_lines_words",
    "read_lines",
    "read_lines_reference",
    "take_rows",
]


@dataclass
class LineBatch:
    """The lines of a batch: document d's lines are ``doc_offsets[d]..doc_offsets[d + 1]``."""

    doc_offsets: np.ndarray
    authored: normalize_stage.NormalizedBatch  # normalized lines without credits and quotes
    line_agency: pa.Array  # the agency each line credited (null if none)
    words: np.ndarray  # words of each normalized line
    line_hash: np.ndarray  # xxh64 of each normalized line
    filtered: np.ndarray  # lines the cheap line filter drops (boilerplate.cheap_filter)
    fingerprints: np.ndarray  # xxh64 of each document's normalized lines joined by spaces
    lengths: np.ndarray  # bytes of that joined text

    def doc_index(self) -> np.ndarray:
        """Document of every line."""
        return np.repeat(np.arange(len(self.doc_offsets) - 1), np.diff(self.doc_offsets))

    def gallery(self, *, min_words: int, gap: int) -> np.ndarray:
        """Non-empty lines of photo galleries (:func:`gallery_mask`)."""
        return gallery_mask(
            self.line_hash,
            self.words,
            self.doc_offsets,
            self.authored.offsets,
            self.authored.data,
            min_words=min_words,
            gap=gap,
        )


def gallery_mask(
    line_hash: np.ndarray,
    words: np.ndarray,
    doc_offsets: np.ndarray,
    authored_offsets: np.ndarray,
    authored_data: np.ndarray,
    *,
    min_words: int,
    gap: int,
) -> np.ndarray:
    """Non-empty lines of photo galleries: doubled within their page or between such lines
    (:func:`syndet.boilerplate.gallery_lines`), or holding several caption counters
    (:func:`syndet.boilerplate.caption_counter_lines`, on the authored lines)."""
    mask = boilerplate_stage.gallery_lines(
        line_hash, words, doc_offsets, min_words=min_words, gap=gap
    )
    mask |= boilerplate_stage.caption_counter_lines(authored_offsets, authored_data, words)
    return np.asarray(mask & (words > 0), dtype=bool)


@functools.lru_cache(maxsize=1)
def _kernels() -> Any:
    from syndet._kernels import lines as k

    return k


def _threads() -> int:
    import numba

    return int(numba.get_num_threads())


def read_lines(
    texts: pa.Array | pa.ChunkedArray,
    *,
    strip_credits: bool = True,
    strip_quotes: bool = True,
    link_cards: bool = True,
) -> LineBatch:
    """Phase A's line work on a batch of texts (nulls are empty texts), in one kernel pass."""
    import pyarrow as pa

    k = _kernels()
    table, exp = normalize_stage._tables()
    offsets, data = normalize_stage._string_buffers(texts)
    doc_offsets, starts, full_len, auth_len, flags, full, auth = k.read_lines(
        offsets,
        data,
        table,
        exp,
        normalize_stage._fast_ascii(),
        strip_credits,
        strip_quotes,
        link_cards,
        _threads(),
    )
    n_lines = len(starts)
    line_agency = pa.nulls(n_lines, pa.large_string())
    exc = np.flatnonzero(full_len < 0)
    if exc.size:
        # Lines the kernel left to the reference: their raw text (up to the newline or the
        # document's end), through the stage functions, spliced in.
        ends = np.empty(n_lines, dtype=np.int64)
        ends[:-1] = starts[1:] - 1
        ends[doc_offsets[1:] - 1] = offsets[1:]  # every document has at least one line
        sub_off, sub_data = k.gather(data, starts[exc], ends[exc])
        raw = pa.LargeStringArray.from_buffers(
            len(exc), pa.py_buffer(sub_off), pa.py_buffer(sub_data)
        )
        full_sub = normalize_stage.normalize_batch(raw)
        authored_raw = raw
        agency_sub = pa.nulls(len(exc), pa.large_string())
        if strip_credits:
            authored_raw, agency_sub = boilerplate_stage.strip_credits(authored_raw)
        if link_cards:
            authored_raw = boilerplate_stage.strip_link_cards(authored_raw)
        if strip_quotes:
            authored_raw = boilerplate_stage.strip_quotes(authored_raw)
        auth_sub = (
            full_sub if authored_raw is raw else normalize_stage.normalize_batch(authored_raw)
        )
        full_off, full = k.splice(full_len, full, exc, full_sub.offsets, full_sub.data)
        auth_off, auth = k.splice(auth_len, auth, exc, auth_sub.offsets, auth_sub.data)
        line_agency = boilerplate_stage._scatter(line_agency, exc, agency_sub)
    else:
        full_off = np.zeros(n_lines + 1, dtype=np.int64)
        np.cumsum(full_len, out=full_off[1:])
        auth_off = np.zeros(n_lines + 1, dtype=np.int64)
        np.cumsum(auth_len, out=auth_off[1:])
    words, line_hash, fingerprints, lengths = k.line_stats(full_off, full, doc_offsets, _threads())
    filtered = k.filtered(words, flags)
    return LineBatch(
        doc_offsets=doc_offsets,
        authored=normalize_stage.NormalizedBatch(auth_off, auth),
        line_agency=line_agency,
        words=words,
        line_hash=line_hash,
        filtered=filtered,
        fingerprints=fingerprints,
        lengths=lengths,
    )


def read_lines_reference(
    texts: pa.Array | pa.ChunkedArray,
    *,
    strip_credits: bool = True,
    strip_quotes: bool = True,
    link_cards: bool = True,
) -> LineBatch:
    """The same as :func:`read_lines`, composed from the stage functions (slow, obviously
    correct: the tests compare the two)."""
    import pyarrow as pa

    from syndet._hashing import xxh64_ranges

    lines = boilerplate_stage.split_lines(texts)
    full = normalize_stage.normalize_batch(lines.text)
    authored_raw = lines.text
    line_agency = pa.nulls(len(lines.text), pa.large_string())
    if strip_credits:
        authored_raw, line_agency = boilerplate_stage.strip_credits(authored_raw)
    if link_cards:
        authored_raw = boilerplate_stage.strip_link_cards(authored_raw)
    if strip_quotes:
        authored_raw = boilerplate_stage.strip_quotes(authored_raw)
    authored = full if authored_raw is lines.text else normalize_stage.normalize_batch(authored_raw)
    words = full.word_counts()
    fp_off, fp_data = boilerplate_stage.join_lines(
        full.offsets, full.data, np.ones(len(words), dtype=bool), lines.doc_offsets
    )
    return LineBatch(
        doc_offsets=lines.doc_offsets,
        authored=authored,
        line_agency=line_agency,
        words=words,
        line_hash=xxh64_ranges(full.offsets, full.data),
        filtered=boilerplate_stage.cheap_filter(lines.text, words),
        fingerprints=xxh64_ranges(fp_off, fp_data),
        lengths=np.diff(fp_off),
    )


def join_lines(
    offsets: np.ndarray, data: np.ndarray, keep: np.ndarray, doc_offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`syndet.boilerplate.join_lines` as a parallel kernel (same output)."""
    out_off, out, _ = join_lines_words(offsets, data, keep, doc_offsets)
    return out_off, out


def join_lines_words(
    offsets: np.ndarray, data: np.ndarray, keep: np.ndarray, doc_offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`join_lines` and the words of each joined text (``NormalizedBatch.word_counts``)."""
    out_off, out, words = _kernels().join(
        np.ascontiguousarray(offsets, dtype=np.int64),
        np.ascontiguousarray(data, dtype=np.uint8),
        np.ascontiguousarray(keep, dtype=np.bool_),
        np.ascontiguousarray(doc_offsets, dtype=np.int64),
    )
    return out_off, out, words


def take_rows(
    offsets: np.ndarray, values: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`syndet._arrays.ragged_take` as a parallel kernel (same output)."""
    return _kernels().take_rows(  # type: ignore[no-any-return]
        np.ascontiguousarray(offsets, dtype=np.int64),
        values,
        np.ascontiguousarray(rows, dtype=np.int64),
    )
