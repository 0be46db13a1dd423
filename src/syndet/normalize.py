"""Stage 1: text normalization.

The rules, applied until the text stops changing (one or two rounds in practice):

1. Unicode NFKC, full case folding (``str.casefold``), NFKC again (case folding can leave
   decomposed sequences that NFKC recomposes; without the second NFKC the rules would not be
   idempotent).
2. Apostrophes are deleted (``don't`` -> ``dont``), after curly and other typographic apostrophes
   are folded to ``'``: a copy that curls its quotes must still match.
3. Every character that is not a letter, combining mark or digit (Unicode categories L*, M*,
   N*) becomes a space: punctuation, curly quotes, dashes, symbols, emoji.
4. Runs of whitespace collapse to one space; no leading or trailing space.

Accented, Cyrillic, Greek, CJK... letters stay letters. :func:`normalize_text` is the obviously
correct reference (and the fallback for rare documents). :func:`normalize_batch` does the same on
an Arrow string column with a numba kernel over the raw UTF-8 buffer: every code point is mapped
through a table built from Python's own ``unicodedata``. Code points whose result can depend on
their neighbours (combining marks and other characters that take part in canonical composition)
are flagged; a document containing one is normalized by :func:`normalize_text` instead, so both
paths always agree.
"""

from __future__ import annotations

import functools
import os
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["NormalizedBatch", "normalize_batch", "normalize_text"]

# Typographic apostrophes and quotes that stand for "'": folded before apostrophes are deleted.
_APOSTROPHES = "'\u2018\u2019\u201a\u201b\u2032\u2035\uff07"

_MAX_ROUNDS = 8
#: Bump when the rules change (also bump NormalizeConfig.version).
_RULES_VERSION = 1


@functools.lru_cache(maxsize=1 << 16)
def _char_class(ch: str) -> str:
    """What one character of casefolded NFKC text becomes: itself, '' (deleted) or ' '."""
    if ch in _APOSTROPHES:
        return ""
    if unicodedata.category(ch)[0] in "LMN":
        return ch
    return " "


class _Translator(dict[int, str]):
    """``str.translate`` table that classifies characters lazily (cached per code point)."""

    def __missing__(self, cp: int) -> str:
        out = _char_class(chr(cp))
        self[cp] = out
        return out


_TRANSLATE = _Translator()


def _round(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.translate(_TRANSLATE).split())


def normalize_text(text: str) -> str:
    """Normalize one text (the reference implementation of the rules in this module's docs).

    >>> normalize_text("“Don’t PANIC” — it’s Ørsted’s café!")
    'dont panic its ørsteds café'
    """
    for _ in range(_MAX_ROUNDS):
        out = _round(text)
        if out == text:
            return out
        text = out
    return text


# ---------------------------------------------------------------------------------------------
# Code-point table for the fast path.
#
# table[cp] >= 0   : the code point maps to that single code point
# table[cp] == -1  : separator (becomes a space)
# table[cp] == -2  : deleted
# table[cp] == -3  : context-sensitive: the document goes to the reference path
# table[cp] <= -4  : expands to expansions[-4 - table[cp]] (code points, -1 for a space, -2 pad)
_SEP, _DEL, _COMPLEX, _EXP0 = -1, -2, -3, -4
_EXP_WIDTH = 8


def _composition_seconds() -> set[int]:
    """Code points that can be the second half of a canonical composition ("NFC_QC=Maybe")."""
    seconds: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V, T
    for cp in range(0x110000):
        dec = unicodedata.decomposition(chr(cp))
        if dec and not dec.startswith("<"):
            parts = dec.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return seconds


def _context_sensitive(ch: str, seconds: set[int]) -> bool:
    """True when the character may compose or reorder with a neighbour under NFKC."""
    if unicodedata.combining(ch) or ord(ch) in seconds:
        return True
    first = unicodedata.normalize("NFD", ch)[0]
    return bool(unicodedata.combining(first)) or ord(first) in seconds


def _cache_dir() -> Path:
    root = os.environ.get("SYNDET_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "syndet"
    )
    return Path(root)


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """The code-point tables; built once (about 1.5 s) and then cached on disk.

    The cache file is keyed by the Unicode version of this Python and the rules' version, so
    a new Python with new Unicode data builds its own table.
    """
    name = f"normalize-v{_RULES_VERSION}-unicode{unicodedata.unidata_version}.npz"
    path = _cache_dir() / name
    try:
        with np.load(path) as cached:
            return cached["table"], cached["exp"]
    except (OSError, KeyError, ValueError):
        pass
    table, exp = _build_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, table=table, exp=exp)
        os.replace(tmp, path)  # atomic: concurrent processes never read a half-written file
    except OSError:
        pass  # a read-only home only costs the rebuild
    return table, exp


def _build_tables() -> tuple[np.ndarray, np.ndarray]:
    seconds = _composition_seconds()
    table = np.full(0x110000, _SEP, dtype=np.int32)
    expansions: list[list[int]] = []
    for cp in range(0x110000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Cn", "Cs"):
            continue  # unassigned and surrogates: separators (never letters)
        if _context_sensitive(ch, seconds):
            table[cp] = _COMPLEX
            continue
        # Map the character alone, keeping leading/trailing spaces: they separate words.
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", ch).casefold())
        if normalize_text(folded) != _round(folded) or any(
            _context_sensitive(c, seconds) for c in folded
        ):
            table[cp] = _COMPLEX
            continue
        out = [_char_class(c) for c in folded]
        codes = [_SEP if o == " " else ord(o) for o in out if o != ""]
        if not codes:
            table[cp] = _DEL
        elif all(c == _SEP for c in codes):
            table[cp] = _SEP
        elif len(codes) == 1:
            table[cp] = codes[0]
        elif len(codes) <= _EXP_WIDTH:
            table[cp] = _EXP0 - len(expansions)
            expansions.append(codes + [_DEL] * (_EXP_WIDTH - len(codes)))
        else:
            table[cp] = _COMPLEX
    exp = np.array(expansions or [[_DEL] * _EXP_WIDTH], dtype=np.int32)
    return table, exp


# ---------------------------------------------------------------------------------------------
# The numba kernel. Imported lazily: numba costs a second to import and crawlers that only
# use the index's Python path should not pay it.


@functools.lru_cache(maxsize=1)
def _kernels() -> Any:
    import numba

    from syndet._kernels import normalize as k

    return k.normalize, numba.get_num_threads


@functools.lru_cache(maxsize=1)
def _fast_ascii() -> bool:
    """True when the table treats ASCII as the kernel's vector path assumes: letters and digits
    kept (lower-cased), ``'`` deleted, everything else a separator."""
    table, _ = _tables()
    want = np.full(128, _SEP, dtype=np.int32)
    for cp in range(128):
        ch = chr(cp)
        if ch.isascii() and ch.isalnum():
            want[cp] = ord(ch.lower())
    want[ord("'")] = _DEL
    return bool(np.array_equal(table[:128], want))


class NormalizedBatch:
    """Normalized texts of a batch as one UTF-8 buffer plus ``n + 1`` offsets (Arrow layout)."""

    __slots__ = ("data", "offsets")

    def __init__(self, offsets: np.ndarray, data: np.ndarray) -> None:
        self.offsets = offsets
        self.data = data

    def __len__(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def text(self, i: int) -> str:
        """The normalized text of document ``i`` (for tests and explanations, not hot loops)."""
        return bytes(self.data[self.offsets[i] : self.offsets[i + 1]]).decode("utf-8")

    def word_counts(self) -> np.ndarray:
        """Words per document (a parallel count of the single spaces between words)."""
        from syndet._kernels.arrays import word_counts

        return word_counts(  # type: ignore[no-any-return]
            np.ascontiguousarray(self.offsets, dtype=np.int64), self.data
        )


def _string_buffers(texts: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64) and data (uint8) of an Arrow string array, without copying text."""
    import pyarrow as pa

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if texts.type != pa.large_string():
        texts = texts.cast(pa.large_string())
    if texts.null_count:
        texts = texts.fill_null("")
    _, off_buf, data_buf = texts.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8)
        if data_buf is not None
        else np.zeros(0, dtype=np.uint8)
    )
    return offsets, data


def normalize_batch(texts: pa.Array | pa.ChunkedArray) -> NormalizedBatch:
    """Normalize every text of an Arrow string column (nulls become empty texts).

    Output equals ``[normalize_text(t) for t in texts]`` exactly, computed in parallel over
    the raw UTF-8 buffer; only documents with context-sensitive characters take the slow path.
    """
    table, exp = _tables()
    offsets, data = _string_buffers(texts)
    kernel, threads = _kernels()
    out_offsets, packed, out_len, slow = kernel(offsets, data, table, exp, _fast_ascii(), threads())
    if not slow:
        return NormalizedBatch(out_offsets, packed)
    # Rare: combining marks, Hangul jamo... (or text the kernel would have to grow): those
    # documents are normalized by the reference, one by one, and spliced in between the
    # kernel's (which left no bytes for them).
    fast_offsets = out_offsets
    slow_idx = np.flatnonzero(out_len < 0)
    fallback: list[bytes] = []
    for i in slow_idx.tolist():
        raw = bytes(data[offsets[i] : offsets[i + 1]]).decode("utf-8")
        fallback.append(normalize_text(raw).encode("utf-8"))
        out_len[i] = len(fallback[-1])
    out_offsets = np.zeros_like(fast_offsets)
    np.cumsum(out_len, out=out_offsets[1:])
    out = np.empty(int(out_offsets[-1]), dtype=np.uint8)
    first = 0  # the kernel's documents first..i-1 are one contiguous run in both buffers
    for i, enc in zip(slow_idx.tolist(), fallback, strict=True):
        out[out_offsets[first] : out_offsets[i]] = packed[fast_offsets[first] : fast_offsets[i]]
        out[out_offsets[i] : out_offsets[i + 1]] = np.frombuffer(enc, dtype=np.uint8)
        first = i + 1
    out[out_offsets[first] :] = packed[fast_offsets[first] :]
    return NormalizedBatch(out_offsets, out)


if __name__ == "__main__":  # pragma: no cover - manual check
    print(normalize_text(" ".join(sys.argv[1:])))
