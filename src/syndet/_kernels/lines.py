"""numba kernels of phase A (:mod:`syndet._lines`; private, imported lazily).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes.

``read_lines`` does in one parallel pass over a batch's UTF-8 buffer what phase A used to do
with a dozen pyarrow passes on one thread: split documents into lines (``\\n``), normalize each
line (``full``), strip quoted speech and normalize what is left (``authored``), and compute the
two raw-text tests of the cheap line filter. It reuses the normalization kernel
(:func:`syndet._kernels.normalize.one_doc`) line by line.

What the kernel does not do exactly is left to the Python reference: a line is an
*exception* (both outputs are left empty with length -1 and computed by the pyarrow/Python
path of :mod:`syndet.boilerplate` and :mod:`syndet.normalize`) when

* a wire-credit pattern could match it: it holds ``(``, starts with ``Reporting``,
  ``Additional``, ``Writing`` or ``Editing``, holds ``associated press`` or ``syndicated feed``
  in any ASCII case, or holds ``ſ`` or ``K`` (RE2's ``(?i)`` folds them to ``s`` and ``k``):
  every credit pattern implies one of these;
* it could be an embedded tweet: ``(@``, ``twitter.com`` or ``t.co/``;
* it could be a transcript turn ("JANE ROE: ...", "Q: ..."): it starts (after whitespace) with
  an ASCII capital followed by a capital or one of ``.'’ -:``, and holds a ``:`` in its first
  122 bytes (a 41-character speaker label of 3-byte characters at most);
* it could hold an inline link card (when ``cards``): `` MORE``;
* it holds a character the normalization kernel hands to the reference (context-sensitive
  characters, text that grows).

Quote stripping (``QUOTE_PATTERN`` and the first alternative of ``QUOTED_LINE_PATTERN`` of
:mod:`syndet.boilerplate`) is done here with RE2's leftmost-first semantics (:func:`_closing`
tries the pattern's alternatives for an opening mark in order: curly quotes may nest one
level, and a quote opened with one kind of mark may close with the other); matches do not
overlap; each becomes one space. RE2's ``\\s`` is
``[\\t\\n\\f\\r ]``. Since every character that takes part in normalization here is mapped on
its own (the kernel gives up on the others), normalizing "piece, space, piece" equals joining
the normalized pieces with single spaces, which is what is written.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros as _tz

from syndet._kernels.hashing import eq_mask64, move_bytes, xxh64
from syndet._kernels.normalize import SLACK, one_doc

trailing_zeros: Any = _tz
u64 = nb.uint64
#: Batches with fewer input bytes run on the calling thread.
SERIAL_BYTES = 1 << 16
NL, SPACE, QUOTE, PAREN = 10, 32, 34, 40
#: flags of a line
ENDS = 1  # the raw line ends with sentence punctuation (then optional RE2 whitespace)
BARS = 2  # the raw line holds at least two link separators (" | ", " • ", " · ")
EXCEPTION = 4  # computed by the reference path
WIDGET = 8  # the raw line is a player placeholder or a teaser (WIDGET_LINE_PATTERN)


@nb.njit(cache=True, inline="always")
def _is_ws(b: int) -> bool:
    return b == 9 or b == 10 or b == 12 or b == 13 or b == 32


@nb.njit(cache=True, inline="always")
def _ci(data: np.ndarray, p: int, word: np.ndarray) -> bool:
    """data[p:p + len(word)] equals the lower-case ASCII ``word`` in any ASCII case."""
    for k in range(word.shape[0]):
        w = word[k]
        b = data[p + k]
        if w >= 97 and w <= 122:
            if (b | 32) != w:
                return False
        elif b != w:
            return False
    return True


@nb.njit(cache=True, inline="always")
def _eq(data: np.ndarray, p: int, word: np.ndarray) -> bool:
    same = True
    for k in range(word.shape[0]):
        same &= data[p + k] == word[k]
    return same


_ASSOCIATED = np.frombuffer(b"associated press", dtype=np.uint8).copy()
_SYNDICATED = np.frombuffer(b"syndicated feed", dtype=np.uint8).copy()
_TWITTER = np.frombuffer(b"twitter.com", dtype=np.uint8).copy()
_TCO = np.frombuffer(b"t.co/", dtype=np.uint8).copy()
_REPORTING = np.frombuffer(b"Reporting", dtype=np.uint8).copy()
_ADDITIONAL = np.frombuffer(b"Additional", dtype=np.uint8).copy()
_WRITING = np.frombuffer(b"Writing", dtype=np.uint8).copy()
_EDITING = np.frombuffer(b"Editing", dtype=np.uint8).copy()


def _words(*words: bytes) -> tuple[np.ndarray, ...]:
    return tuple(np.frombuffer(w, dtype=np.uint8).copy() for w in words)


# boilerplate.WIDGET_LINE_PATTERN's alternatives: whole prefixes, then teaser words (a ':'
# follows after optional whitespace).
_WIDGETS = _words(
    b"Media playback is unsupported on your device", b"JUST WATCHED", b"MUST WATCH",
    b"Image copyright", b"Image caption",
)  # fmt: skip
_TEASERS = _words(
    b"More", b"MORE", b"Read more", b"Read More", b"READ MORE", b"Related", b"RELATED",
    b"Read", b"READ", b"See also", b"See Also", b"SEE ALSO",
)  # fmt: skip


@nb.njit(cache=True, inline="always")
def _eq_ci(data: np.ndarray, i: int, letter: int) -> Any:
    """Mask of the bytes of data[i:i + 64] equal to an ASCII ``letter`` in either case."""
    return eq_mask64(data, i, letter) | eq_mask64(data, i, letter ^ 32)


@nb.njit(cache=True)
def _maybe_turn(data: np.ndarray, s: int, e: int) -> bool:
    """Whether the line could match the transcript-turn alternative of QUOTED_LINE_PATTERN."""
    i = s
    while i < e and _is_ws(data[i]):
        i += 1
    if i + 1 >= e or not (65 <= data[i] <= 90):
        return False
    b = data[i + 1]
    if not (65 <= b <= 90 or b in (46, 39, 0xE2, SPACE, 45, 58)):
        return False
    j = i + 1
    end = min(e, i + 123)
    while j < end and data[j] != 58:  # ':'
        j += 1
    return j < end


@nb.njit(cache=True)
def _widget(data: np.ndarray, s: int, e: int) -> bool:
    """``WIDGET_LINE_PATTERN``: the line, after leading whitespace, starts with a player
    placeholder, or with a teaser word and a colon."""
    i = s
    while i < e and _is_ws(data[i]):
        i += 1
    for w in _WIDGETS:
        if i + w.shape[0] <= e and _eq(data, i, w):
            return True
    for w in _TEASERS:
        j = i + w.shape[0]
        if j <= e and _eq(data, i, w):
            while j < e and _is_ws(data[j]):
                j += 1
            if j < e and data[j] == 58:  # ':'
                return True
    return False


@nb.njit(cache=True)
def scan_line(data: np.ndarray, s: int, e: int, credits: bool, quotes: bool, cards: bool) -> Any:
    """(flags, has quotation marks) of the raw line data[s:e].

    64-byte windows are compared with the few bytes that can matter (``(``, ``"``, the lead
    bytes of the non-ASCII marks, ``.``, ``/``, ``|``, and spaces after ``ated``, the common
    part of "associated press" and "syndicated feed"); only those positions are looked at.
    """
    nbytes = data.shape[0]
    exc = False
    marks = False
    bars = 0
    bar_next = s  # non-overlapping separator matches: the next may start here
    if credits:
        n = e - s
        if (
            (n >= 9 and _eq(data, s, _REPORTING))
            or (n >= 10 and _eq(data, s, _ADDITIONAL))
            or (n >= 7 and (_eq(data, s, _WRITING) or _eq(data, s, _EDITING)))
        ):
            exc = True
    if quotes and not exc:
        exc = _maybe_turn(data, s, e)
    i = s
    while i < e:  # no early exit: the line filter's tests need the whole line
        if i >= 4 and i + 64 <= nbytes:
            m = (
                eq_mask64(data, i, PAREN)
                | eq_mask64(data, i, QUOTE)
                | eq_mask64(data, i, 0xC2)
                | eq_mask64(data, i, 0xC5)
                | eq_mask64(data, i, 0xE2)
                | eq_mask64(data, i, 46)
                | eq_mask64(data, i, 47)
                | eq_mask64(data, i, 124)
            )
            if cards:
                m |= eq_mask64(data, i, 77)
            if credits:
                m |= (
                    eq_mask64(data, i, SPACE)
                    & _eq_ci(data, i - 1, 100)
                    & _eq_ci(data, i - 2, 101)
                    & _eq_ci(data, i - 3, 116)
                    & _eq_ci(data, i - 4, 97)
                )
            if e - i < 64:
                m &= (u64(1) << u64(e - i)) - u64(1)
            step = 64
        else:
            m = u64(1)
            step = 1
        while m:
            j = i + np.int64(trailing_zeros(m))
            m &= m - u64(1)
            b = data[j]
            if b == PAREN:
                if credits or (quotes and j + 1 < e and data[j + 1] == 64):
                    exc = True
            elif b == QUOTE:
                marks = True
            elif b == 0xC2:
                if j + 1 < e:
                    b1 = data[j + 1]
                    if b1 == 0xAB or b1 == 0xBB:
                        marks = True
                    elif (  # " · "
                        b1 == 0xB7
                        and j - 1 >= bar_next
                        and j + 2 < e
                        and data[j - 1] == SPACE
                        and data[j + 2] == SPACE
                    ):
                        bars += 1
                        bar_next = j + 3
            elif b == 0xC5:
                if credits and j + 1 < e and data[j + 1] == 0xBF:  # ſ
                    exc = True
            elif b == 0xE2:
                if j + 2 < e:
                    b1, b2 = data[j + 1], data[j + 2]
                    if b1 == 0x80 and (b2 == 0x9C or b2 == 0x9D or b2 == 0x9E):
                        marks = True
                    elif credits and b1 == 0x84 and b2 == 0xAA:  # KELVIN SIGN
                        exc = True
                    elif (  # " • "
                        b1 == 0x80
                        and b2 == 0xA2
                        and j - 1 >= bar_next
                        and j + 3 < e
                        and data[j - 1] == SPACE
                        and data[j + 3] == SPACE
                    ):
                        bars += 1
                        bar_next = j + 4
            elif b == 124:  # " | "
                if (
                    j - 1 >= bar_next
                    and j + 1 < e
                    and data[j - 1] == SPACE
                    and data[j + 1] == SPACE
                ):
                    bars += 1
                    bar_next = j + 2
            elif b == SPACE:  # after "ated"
                if (
                    credits
                    and j - 10 >= s
                    and (
                        (j + 6 <= e and _ci(data, j - 10, _ASSOCIATED))
                        or (j + 5 <= e and _ci(data, j - 10, _SYNDICATED))
                    )
                ):
                    exc = True
            elif b == 46:  # '.': twitter.com
                exc |= quotes and j - 7 >= s and j + 4 <= e and _eq(data, j - 7, _TWITTER)
            elif b == 47:  # '/': t.co/
                exc |= quotes and j - 4 >= s and _eq(data, j - 4, _TCO)
            elif b == 77:  # 'M': " MORE" ends a link card
                exc |= (
                    cards
                    and j - 1 >= s
                    and data[j - 1] == SPACE
                    and j + 4 <= e
                    and (data[j + 1] == 79 and data[j + 2] == 82 and data[j + 3] == 69)
                )
        i += step
    flags = 0
    if bars >= 2:
        flags |= BARS
    if _widget(data, s, e):
        flags |= WIDGET
    k = e - 1
    while k >= s and _is_ws(data[k]):
        k -= 1
    if k >= s:
        b = data[k]
        ascii_end = b == 46 or b == 33 or b == 63 or b == 58 or b == 59 or b == QUOTE or b == 41
        curly_end = (  # ” or ’
            k - 2 >= s and data[k - 2] == 0xE2 and data[k - 1] == 0x80 and (b == 0x9D or b == 0x99)
        )
        if ascii_end or curly_end:
            flags |= ENDS
    if exc:
        flags |= EXCEPTION
    return flags, marks


@nb.njit(cache=True, inline="always")
def _mark(data: np.ndarray, p: int, e: int) -> int:
    """Quotation mark at p: 1 “, 2 ”, 3 ", 4 «, 5 », 6 „, else 0."""
    b = data[p]
    if b == QUOTE:
        return 3
    if b == 0xC2 and p + 1 < e:
        if data[p + 1] == 0xAB:
            return 4
        if data[p + 1] == 0xBB:
            return 5
    elif b == 0xE2 and p + 2 < e and data[p + 1] == 0x80:
        b2 = data[p + 2]
        if b2 == 0x9C:
            return 1
        if b2 == 0x9D:
            return 2
        if b2 == 0x9E:
            return 6
    return 0


@nb.njit(cache=True, inline="always")
def _width(mark: int) -> int:
    if mark == 3:
        return 1
    if mark == 4 or mark == 5:
        return 2
    return 3


@nb.njit(cache=True)
def _next_mark(data: np.ndarray, p: int, e: int) -> Any:
    """(position, kind) of the first quotation mark in data[p:e] (kind 0 at e if none)."""
    nbytes = data.shape[0]
    while p < e:
        if p + 64 <= nbytes:
            m = eq_mask64(data, p, QUOTE) | eq_mask64(data, p, 0xC2) | eq_mask64(data, p, 0xE2)
            if e - p < 64:
                m &= (u64(1) << u64(e - p)) - u64(1)
            while m:
                j = p + np.int64(trailing_zeros(m))
                m &= m - u64(1)
                k = _mark(data, j, e)
                if k:
                    return j, k
            p += 64
        else:
            k = _mark(data, p, e)
            if k:
                return p, k
            p += 1
    return e, 0


@nb.njit(cache=True)
def _quoted_line(data: np.ndarray, s: int, e: int) -> bool:
    """``^\\s*[“"«„][^”"»“]*$``"""
    p = s
    while p < e and _is_ws(data[p]):
        p += 1
    if p >= e:
        return False
    m = _mark(data, p, e)
    if not (m == 1 or m == 3 or m == 4 or m == 6):
        return False
    p += _width(m)
    while True:
        p, m = _next_mark(data, p, e)
        if m == 0:
            return True
        if m == 2 or m == 3 or m == 5 or m == 1:
            return False
        p += _width(m)


@nb.njit(cache=True, inline="always")
def dropped(words: int, flags: int) -> bool:
    """The cheap line filter (:func:`syndet.boilerplate.cheap_filter`) from a line's word
    count and its raw-text flags: 1-3 words without sentence punctuation at the end, a link
    row, or a widget line."""
    return (0 < words <= 3 and (flags & ENDS) == 0) or (flags & (BARS | WIDGET)) != 0


@nb.njit(cache=True)
def filtered(words: np.ndarray, flags: np.ndarray) -> Any:
    """:func:`dropped` for every line."""
    out = np.empty(words.shape[0], dtype=np.bool_)
    for i in range(words.shape[0]):
        out[i] = dropped(words[i], flags[i])
    return out


@nb.njit(cache=True)
def _first_of(data: np.ndarray, p: int, e: int, k1: int, k2: int, k3: int) -> Any:
    """(position, kind) of the first quotation mark of kind k1, k2 or k3 in data[p:e] (kind 0
    at e if none): marks of other kinds are ordinary characters."""
    while True:
        p, m = _next_mark(data, p, e)
        if m == 0 or m in (k1, k2, k3):
            return p, m
        p += _width(m)


@nb.njit(cache=True)
def _closing(data: np.ndarray, q: int, e: int, opener: int) -> int:
    """End of the quoted span opened at q (exclusive), or -1 when none starts there: the
    alternatives of ``QUOTE_PATTERN`` that start with the opener, in order."""
    w = _width(opener)
    if opener == 1:
        # “(?:[^“”]|“[^“”]*”)+”: nested curly quotes inside
        p = q + w
        while True:
            p, m = _first_of(data, p, e, 1, 2, 2)
            if m == 2:
                if p > q + w:
                    return int(p + 3)
                break
            if m == 0:
                break
            r, m2 = _first_of(data, p + 3, e, 1, 2, 2)  # the nested quote's end
            if m2 != 2:
                break
            p = r + 3
        # “[^“”"]+": closed by a straight mark
        p, m = _first_of(data, q + w, e, 1, 2, 3)
        return p + 1 if m == 3 and p > q + w else -1
    if opener == 3:
        p, m = _first_of(data, q + w, e, 3, 3, 3)  # "[^"]+"
        if m == 3:
            return p + 1 if p > q + w else -1
        p, m = _first_of(data, q + w, e, 1, 2, 3)  # "[^“”"]+”
        return p + 3 if m == 2 and p > q + w else -1
    p = q + w
    while True:
        p, m = _next_mark(data, p, e)
        if m == 0:
            return -1
        if opener == 4:  # «[^«»]+»
            if m == 4:
                return -1
            if m == 5:
                return p + 2 if p > q + w else -1
        else:  # „[^„“]+“
            if m == 6:
                return -1
            if m == 1:
                return p + 3 if p > q + w else -1
        p += _width(m)


@nb.njit(cache=True, inline="always")
def _emit(
    data: np.ndarray,
    a: int,
    b: int,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    out: np.ndarray,
    pos0: int,
    pos: int,
) -> int:
    """Append the normalized piece data[a:b] after out[pos0:pos] (a space between non-empty
    pieces); the new end, or -1 when the piece needs the reference path."""
    if b <= a:
        return pos
    if pos > pos0:
        out[pos] = SPACE
        m = one_doc(data, a, b, table, exp, fast_ascii, out, pos + 1)
        if m < 0:
            return -1
        return pos + 1 + m if m > 0 else pos
    m = one_doc(data, a, b, table, exp, fast_ascii, out, pos)
    if m < 0:
        return -1
    return pos + m


@nb.njit(cache=True)
def strip_normalize(
    data: np.ndarray,
    s: int,
    e: int,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    out: np.ndarray,
    pos0: int,
) -> int:
    """The line data[s:e] without quoted speech, normalized into out[pos0:]: its length, or
    -1 (reference path)."""
    if _quoted_line(data, s, e):
        return 0
    pos = pos0
    piece = s
    q = s
    while True:
        q, m = _next_mark(data, q, e)
        if m == 0:
            break
        if m == 1 or m == 3 or m == 4 or m == 6:
            end = _closing(data, q, e, m)
            if end >= 0:
                pos = _emit(data, piece, q, table, exp, fast_ascii, out, pos0, pos)
                if pos < 0:
                    return -1
                # the span becomes a separator: the next piece is joined with one space
                piece = end
                q = end
                continue
        q += _width(m)  # no match starts here: RE2 tries the next character
    pos = _emit(data, piece, e, table, exp, fast_ascii, out, pos0, pos)
    if pos < 0:
        return -1
    return pos - pos0


@nb.njit(cache=True)
def _next_nl(data: np.ndarray, i: int, e: int) -> int:
    nbytes = data.shape[0]
    while i < e:
        if i + 64 <= nbytes:
            m = eq_mask64(data, i, NL)
            if e - i < 64:
                m &= (u64(1) << u64(e - i)) - u64(1)
            if m:
                return int(i + np.int64(trailing_zeros(m)))
            i += 64
        else:
            if data[i] == NL:
                return i
            i += 1
    return e


@nb.njit(cache=True)
def _run(
    offsets: np.ndarray,
    data: np.ndarray,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    credits: bool,
    quotes: bool,
    cards: bool,
    doc_offsets: np.ndarray,
    starts: np.ndarray,
    full_len: np.ndarray,
    auth_len: np.ndarray,
    flags: np.ndarray,
    full: np.ndarray,
    auth: np.ndarray,
    region: int,
    lo: int,
    hi: int,
) -> Any:
    pf = region
    pa = region
    for d in range(lo, hi):
        s = offsets[d]
        end = offsets[d + 1]
        for line in range(doc_offsets[d], doc_offsets[d + 1]):
            e = _next_nl(data, s, end)
            starts[line] = s
            f, marks = scan_line(data, s, e, credits, quotes, cards)
            mf = -1
            ma = -1
            if not f & EXCEPTION:
                mf = one_doc(data, s, e, table, exp, fast_ascii, full, pf)
                if mf >= 0:
                    if quotes and marks:
                        ma = strip_normalize(data, s, e, table, exp, fast_ascii, auth, pa)
                    else:
                        move_bytes(auth, pa, full, pf, mf)
                        ma = mf
                if mf < 0 or ma < 0:
                    mf = ma = -1
                    f |= EXCEPTION
            flags[line] = f
            full_len[line] = mf
            auth_len[line] = ma
            if mf > 0:
                pf += mf
            if ma > 0:
                pa += ma
            s = e + 1
    return pf - region, pa - region


@nb.njit(cache=True)
def _count_nl(data: np.ndarray, a: int, b: int) -> int:
    c = 0
    i = a
    while i + 64 <= b:
        m = eq_mask64(data, i, NL)
        while m:
            m &= m - u64(1)
            c += 1
        i += 64
    for j in range(i, b):
        c += data[j] == NL
    return c


@nb.njit(cache=True)
def read_lines_serial(
    offsets: np.ndarray,
    data: np.ndarray,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    credits: bool,
    quotes: bool,
    cards: bool,
) -> Any:
    """:func:`read_lines` on the calling thread, in one piece (what it does for a small
    batch): no thread pool is involved, so a caller with one article need not ask numba
    for one thread first."""
    n = offsets.shape[0] - 1
    doc_offsets = np.empty(n + 1, dtype=np.int64)
    doc_offsets[0] = 0
    for d in range(n):
        doc_offsets[d + 1] = doc_offsets[d] + _count_nl(data, offsets[d], offsets[d + 1]) + 1
    lines = doc_offsets[n]
    starts = np.empty(lines, dtype=np.int64)
    full_len = np.empty(lines, dtype=np.int64)
    auth_len = np.empty(lines, dtype=np.int64)
    flags = np.empty(lines, dtype=np.uint8)
    size = offsets[n] - offsets[0] + SLACK
    full = np.empty(size, dtype=np.uint8)
    auth = np.empty(size, dtype=np.uint8)
    tf, ta = _run(
        offsets, data, table, exp, fast_ascii, credits, quotes, cards, doc_offsets,
        starts, full_len, auth_len, flags, full, auth, 0, 0, n,
    )  # fmt: skip
    return doc_offsets, starts, full_len, auth_len, flags, full[:tf], auth[:ta]


@nb.njit(cache=True, parallel=True, nogil=True)
def read_lines(
    offsets: np.ndarray,
    data: np.ndarray,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    credits: bool,
    quotes: bool,
    cards: bool,
    chunks: int,
) -> Any:
    """Lines of every document, normalized (``full``) and without quotes (``authored``).

    Returns ``(doc_offsets, starts, full_len, auth_len, flags, full, auth)``: document d's
    lines are ``doc_offsets[d]..doc_offsets[d + 1]``; line l's raw text starts at
    ``starts[l]`` in ``data``; its outputs are packed in line order in ``full`` and ``auth``
    with the given lengths (-1 for exceptions, which have no bytes there).
    """
    n = offsets.shape[0] - 1
    if offsets[n] - offsets[0] < SERIAL_BYTES:
        chunks = 1
    chunks = max(min(chunks, n), 1)
    if chunks == 1:
        return read_lines_serial(offsets, data, table, exp, fast_ascii, credits, quotes, cards)
    per_doc = np.empty(n, dtype=np.int64)
    for d in nb.prange(n):
        per_doc[d] = _count_nl(data, offsets[d], offsets[d + 1]) + 1
    doc_offsets = np.empty(n + 1, dtype=np.int64)
    doc_offsets[0] = 0
    for d in range(n):
        doc_offsets[d + 1] = doc_offsets[d] + per_doc[d]
    lines = doc_offsets[n]
    starts = np.empty(lines, dtype=np.int64)
    full_len = np.empty(lines, dtype=np.int64)
    auth_len = np.empty(lines, dtype=np.int64)
    flags = np.empty(lines, dtype=np.uint8)
    bounds = np.empty(chunks + 1, dtype=np.int64)
    for c in range(chunks + 1):
        bounds[c] = (n * c) // chunks
    regions = np.empty(chunks, dtype=np.int64)
    for c in range(chunks):
        regions[c] = offsets[bounds[c]] - offsets[0] + SLACK * c
    size = offsets[n] - offsets[0] + SLACK * chunks
    full = np.empty(size, dtype=np.uint8)
    auth = np.empty(size, dtype=np.uint8)
    used_f = np.zeros(chunks, dtype=np.int64)
    used_a = np.zeros(chunks, dtype=np.int64)
    for c in nb.prange(chunks):
        used_f[c], used_a[c] = _run(
            offsets, data, table, exp, fast_ascii, credits, quotes, cards, doc_offsets,
            starts, full_len, auth_len, flags, full, auth, regions[c], bounds[c], bounds[c + 1],
        )  # fmt: skip
    tf = used_f[0]
    ta = used_a[0]
    for c in range(1, chunks):  # in order: a run only moves down onto space already free
        move_bytes(full, tf, full, regions[c], used_f[c])
        tf += used_f[c]
        move_bytes(auth, ta, auth, regions[c], used_a[c])
        ta += used_a[c]
    return doc_offsets, starts, full_len, auth_len, flags, full[:tf], auth[:ta]


@nb.njit(cache=True)
def gather(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> Any:
    """The byte ranges data[starts[i]:ends[i]] packed, with their offsets."""
    n = starts.shape[0]
    off = np.empty(n + 1, dtype=np.int64)
    off[0] = 0
    for i in range(n):
        off[i + 1] = off[i] + (ends[i] - starts[i])
    out = np.empty(off[n], dtype=np.uint8)
    for i in range(n):
        move_bytes(out, off[i], data, starts[i], ends[i] - starts[i])
    return off, out


@nb.njit(cache=True)
def splice(
    lengths: np.ndarray, data: np.ndarray, idx: np.ndarray, sub_off: np.ndarray, sub: np.ndarray
) -> Any:
    """Packed rows with the rows ``idx`` (length -1, no bytes in ``data``) filled from the
    ragged ``(sub_off, sub)``, in order."""
    n = lengths.shape[0]
    lens = lengths.copy()
    for k in range(idx.shape[0]):
        lens[idx[k]] = sub_off[k + 1] - sub_off[k]
    off = np.empty(n + 1, dtype=np.int64)
    off[0] = 0
    for i in range(n):
        off[i + 1] = off[i] + lens[i]
    out = np.empty(off[n], dtype=np.uint8)
    src = 0  # position in data
    prev = 0  # first row after the last filled one
    for k in range(idx.shape[0]):
        r = idx[k]
        run = off[r] - off[prev]
        move_bytes(out, off[prev], data, src, run)
        src += run
        move_bytes(out, off[r], sub, sub_off[k], lens[r])
        prev = r + 1
    move_bytes(out, off[prev], data, src, off[n] - off[prev])
    return off, out


@nb.njit(cache=True)
def _join_doc(
    off: np.ndarray, data: np.ndarray, keep: np.ndarray, a: int, b: int, out: np.ndarray, p0: int
) -> int:
    p = p0
    for line in range(a, b):
        ln = off[line + 1] - off[line]
        if ln > 0 and keep[line]:
            if p > p0:
                out[p] = SPACE
                p += 1
            move_bytes(out, p, data, off[line], ln)
            p += ln
    return p - p0


@nb.njit(cache=True, parallel=True)
def join(off: np.ndarray, data: np.ndarray, keep: np.ndarray, doc_offsets: np.ndarray) -> Any:
    """Each document's kept non-empty lines joined with single spaces (Arrow layout), and
    its words."""
    n = doc_offsets.shape[0] - 1
    lens = np.zeros(n, dtype=np.int64)
    words = np.zeros(n, dtype=np.int64)
    for d in nb.prange(n):
        t = 0
        c = 0
        w = 0
        for line in range(doc_offsets[d], doc_offsets[d + 1]):
            ln = off[line + 1] - off[line]
            if ln > 0 and keep[line]:
                t += ln
                c += 1
                w += _spaces(data, off[line], off[line + 1]) + 1
        lens[d] = t + c - 1 if c > 0 else 0
        words[d] = w
    out_off = np.empty(n + 1, dtype=np.int64)
    out_off[0] = 0
    for d in range(n):
        out_off[d + 1] = out_off[d] + lens[d]
    out = np.empty(out_off[n], dtype=np.uint8)
    for d in nb.prange(n):
        _join_doc(off, data, keep, doc_offsets[d], doc_offsets[d + 1], out, out_off[d])
    return out_off, out, words


@nb.njit(cache=True, inline="always")
def _spaces(data: np.ndarray, a: int, b: int) -> int:
    """Spaces in data[a:b] (64 bytes per compare where the buffer allows)."""
    nbytes = data.shape[0]
    c = 0
    i = a
    while i < b and i + 64 <= nbytes:
        m = eq_mask64(data, i, SPACE)
        if b - i < 64:
            m &= (u64(1) << u64(b - i)) - u64(1)
        while m:  # one popcnt
            m &= m - u64(1)
            c += 1
        i += 64
    while i < b:
        c += data[i] == SPACE
        i += 1
    return c


@nb.njit(cache=True, parallel=True)
def line_stats(off: np.ndarray, data: np.ndarray, doc_offsets: np.ndarray, chunks: int) -> Any:
    """(words, xxh64) of every normalized line and (xxh64, length) of every document's lines
    joined with single spaces (its fingerprint)."""
    lines = off.shape[0] - 1
    n = doc_offsets.shape[0] - 1
    words = np.zeros(lines, dtype=np.int64)
    hashes = np.empty(lines, dtype=np.uint64)
    fps = np.empty(n, dtype=np.uint64)
    lens = np.empty(n, dtype=np.int64)
    chunks = max(min(chunks, n), 1)
    for c in nb.prange(chunks):
        line_stats_range(
            off, data, doc_offsets, (n * c) // chunks, (n * (c + 1)) // chunks,
            words, hashes, fps, lens,
        )  # fmt: skip
    return words, hashes, fps, lens


@nb.njit(cache=True)
def line_stats_range(
    off: np.ndarray,
    data: np.ndarray,
    doc_offsets: np.ndarray,
    lo: int,
    hi: int,
    words: np.ndarray,
    hashes: np.ndarray,
    fps: np.ndarray,
    lens: np.ndarray,
) -> None:
    """:func:`line_stats` of documents ``lo..hi-1``, written into the given arrays."""
    most = 0
    for d in range(lo, hi):
        t = off[doc_offsets[d + 1]] - off[doc_offsets[d]]
        t += doc_offsets[d + 1] - doc_offsets[d]
        most = max(most, t)
    scratch = np.empty(most + 1, dtype=np.uint8)
    for d in range(lo, hi):
        p = 0
        for line in range(doc_offsets[d], doc_offsets[d + 1]):
            a, b = off[line], off[line + 1]
            hashes[line] = xxh64(data, a, b, u64(0))
            if b > a:
                words[line] = _spaces(data, a, b) + 1
                if p > 0:
                    scratch[p] = SPACE
                    p += 1
                move_bytes(scratch, p, data, a, b - a)
                p += b - a
        fps[d] = xxh64(scratch, 0, p, u64(0))
        lens[d] = p


@nb.njit(cache=True, parallel=True)
def take_rows(offsets: np.ndarray, values: np.ndarray, rows: np.ndarray) -> Any:
    """The given rows of a ragged array, in that order: ``(offsets, values)``."""
    m = rows.shape[0]
    out_off = np.empty(m + 1, dtype=np.int64)
    out_off[0] = 0
    for i in range(m):
        r = rows[i]
        out_off[i + 1] = out_off[i] + (offsets[r + 1] - offsets[r])
    out = np.empty(out_off[m], dtype=values.dtype)
    for i in nb.prange(m):
        a = offsets[rows[i]]
        o = out_off[i]
        for j in range(out_off[i + 1] - o):
            out[o + j] = values[a + j]
    return out_off, out
