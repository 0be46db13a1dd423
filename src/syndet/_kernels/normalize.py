"""numba kernels of :mod:`syndet.normalize` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.

How a document is normalized in one pass (``one_doc``):

* The rules are applied as a small state machine over code points: a letter (or digit) is
  written and sets ``inword``; a separator writes one space if ``inword`` and clears it; a
  deleted character (apostrophe) does nothing. So each word is followed by one space when a
  separator follows it, and the single trailing space this leaves at the end is dropped:
  exactly "words joined by single spaces" of the reference.
* Text is read 64 bytes at a time. While a window is ASCII, its bytes are classified with
  vector compares into 64-bit masks (letters/digits ``L``, apostrophes ``A``, separators
  ``S``), the bytes to keep are computed with a few mask operations, and the window is
  lower-cased and compressed (``vpcompressb``) into the output with one 64-byte store. At the
  first non-ASCII byte the window stops, and that one code point goes through the code-point
  table (decoding only multi-byte sequences). Windows may start anywhere and may read past the
  document (never past the buffer): bits past its end are masked off.
* Output is written once, straight after the previous document's (see ``normalize``); the
  last vector store may write up to 63 garbage bytes past it, which the next document
  overwrites. ASCII never makes text longer, but a few code points do (``Ⱥ`` -> ``ⱥ`` is 2 -> 3
  bytes): if a document would outgrow its input length it is given up (OVERFLOW) and, like a
  document with a context-sensitive character (COMPLEX), normalized by the Python reference
  instead. So a run of documents never needs more room than its input plus SLACK.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from llvmlite import binding, ir  # type: ignore[import-untyped]
from numba.core import cgutils as _cgutils
from numba.core import types
from numba.cpython.unsafe.numbers import trailing_zeros as _tz
from numba.extending import intrinsic

from syndet._kernels.hashing import move_bytes

trailing_zeros: Any = _tz  # an intrinsic: cttz, one tzcnt
cgutils: Any = _cgutils  # untyped for mypy
UniTuple: Any = types.UniTuple
u64 = nb.uint64
SPACE = 32
#: Spare bytes after a run of documents' output region, for the last 64-byte vector store.
SLACK = 64
#: Batches with fewer input bytes are normalized on the calling thread: waking the pool
#: costs more than it saves.
SERIAL_BYTES = 1 << 16
#: Results of ``one_doc`` other than a length: the document goes to the reference path.
COMPLEX, OVERFLOW = -1, -2
_SEP, _DEL, _COMPLEX = -1, -2, -3  # code-point table values (see syndet.normalize)

# llvm.experimental.vector.compress (a compress into a register, then a plain store) exists
# from LLVM 19 on; older LLVMs get llvm.masked.compressstore, which is as fast on Intel but
# microcoded on AMD Zen 4.
_HAS_VECTOR_COMPRESS = binding.llvm_version_info >= (19,)


def _window(context: Any, builder: Any, sig: Any, args: Any) -> Any:
    """The 64 bytes at ``&data[i]`` as an ``<64 x i8>`` (unaligned load, no bounds check)."""
    ary = context.make_array(sig.args[0])(context, builder, args[0])
    idx = context.cast(builder, args[1], sig.args[1], types.intp)
    ptr = builder.gep(ary.data, [idx])
    vty = ir.VectorType(ir.IntType(8), 64)
    return builder.load(builder.bitcast(ptr, vty.as_pointer()), align=1)


def _splat(value: int) -> Any:
    return ir.Constant(ir.VectorType(ir.IntType(8), 64), [value] * 64)


def _in_range(builder: Any, x: Any, lo: int, n: int) -> Any:
    """``lo <= x < lo + n`` per byte (one subtract and one unsigned compare)."""
    return builder.icmp_unsigned("<", builder.sub(x, _splat(lo)), _splat(n))


def _bits(builder: Any, mask: Any) -> Any:
    return builder.bitcast(mask, ir.IntType(64))


def _ascii_masks(typingctx: Any, data: Any, i: Any) -> Any:
    """(non-ASCII bytes, ASCII letters and digits, apostrophes) of data[i:i + 64], as bits."""
    if not (isinstance(data, types.Array) and data.dtype == types.uint8):
        return None
    ret = UniTuple(types.uint64, 3)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        x = _window(context, builder, sig, args)
        high = builder.icmp_signed("<", x, _splat(0))
        lower = builder.or_(x, _splat(0x20))
        alnum = builder.or_(_in_range(builder, lower, 97, 26), _in_range(builder, x, 48, 10))
        apos = builder.icmp_unsigned("==", x, _splat(0x27))
        values = [_bits(builder, m) for m in (high, alnum, apos)]
        return context.make_tuple(builder, ret, values)

    return ret(data, i), codegen


ascii_masks: Any = intrinsic(_ascii_masks)


def _compress_ascii(typingctx: Any, data: Any, i: Any, keep: Any, out: Any, pos: Any) -> Any:
    """Store the bytes of data[i:i + 64] selected by ``keep``, lower-cased (ASCII letters) or
    as spaces (anything but a letter or digit), packed, at out[pos:pos + 64].

    All 64 bytes are stored: past popcount(keep) they are garbage that later output overwrites.
    """
    if not (isinstance(data, types.Array) and isinstance(out, types.Array)):
        return None

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        x = _window(context, builder, sig, args)
        lower = builder.or_(x, _splat(0x20))
        alpha = _in_range(builder, lower, 97, 26)
        digit = _in_range(builder, x, 48, 10)
        mapped = builder.select(alpha, lower, builder.select(digit, x, _splat(SPACE)))
        i1v = ir.VectorType(ir.IntType(1), 64)
        mask = builder.bitcast(context.cast(builder, args[2], sig.args[2], types.uint64), i1v)
        outary = context.make_array(sig.args[3])(context, builder, args[3])
        idx = context.cast(builder, args[4], sig.args[4], types.intp)
        vty = ir.VectorType(ir.IntType(8), 64)
        dst = builder.bitcast(builder.gep(outary.data, [idx]), vty.as_pointer())
        mod = builder.module
        if _HAS_VECTOR_COMPRESS:
            fnty = ir.FunctionType(vty, [vty, i1v, vty])
            name = "llvm.experimental.vector.compress.v64i8"
            fn = cgutils.get_or_insert_function(mod, fnty, name)
            packed = builder.call(fn, [mapped, mask, ir.Constant(vty, None)])
            builder.store(packed, dst, align=1)
        else:  # pragma: no cover - LLVM < 19
            fnty = ir.FunctionType(ir.VoidType(), [vty, dst.type, i1v])
            fn = cgutils.get_or_insert_function(mod, fnty, "llvm.masked.compressstore.v64i8")
            builder.call(fn, [mapped, dst, mask])
        return context.get_dummy_value()

    return types.none(data, i, keep, out, pos), codegen


compress_ascii: Any = intrinsic(_compress_ascii)


@nb.njit(cache=True, inline="always")
def popcount(m: Any) -> int:
    c = 0
    while m:  # LLVM turns this loop into one popcnt
        m &= m - u64(1)
        c += 1
    return c


@nb.njit(cache=True, inline="always")
def utf8_len(cp: int) -> int:
    if cp < 0x80:
        return 1
    if cp < 0x800:
        return 2
    if cp < 0x10000:
        return 3
    return 4


@nb.njit(cache=True, inline="always")
def put(out: np.ndarray, pos: int, cp: int) -> int:
    if cp < 0x80:
        out[pos] = cp
        return pos + 1
    if cp < 0x800:
        out[pos] = 0xC0 | (cp >> 6)
        out[pos + 1] = 0x80 | (cp & 0x3F)
        return pos + 2
    if cp < 0x10000:
        out[pos] = 0xE0 | (cp >> 12)
        out[pos + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[pos + 2] = 0x80 | (cp & 0x3F)
        return pos + 3
    out[pos] = 0xF0 | (cp >> 18)
    out[pos + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[pos + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[pos + 3] = 0x80 | (cp & 0x3F)
    return pos + 4


@nb.njit(cache=True)
def one_doc(
    data: np.ndarray,
    start: int,
    end: int,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    out: np.ndarray,
    pos0: int,
) -> int:
    """Normalize data[start:end] into out[pos0:]; return the output length, or COMPLEX or
    OVERFLOW (see the module's docs). out[pos0:pos0 + (end - start) + SLACK] must be free."""
    nbytes = data.shape[0]
    cap = pos0 + (end - start)  # the output never grows past the input (else OVERFLOW)
    pos = pos0
    inword = u64(0)  # 1 when the last letter-or-separator was a letter
    i = start
    while i < end:
        if fast_ascii and i + 64 <= nbytes:
            high, alnum, apos = ascii_masks(data, i)
            if end - i < 64:
                high |= u64(1) << u64(end - i)  # stop at the document's end
            f = 64 if high == 0 else np.int64(trailing_zeros(high))
            if f > 0:
                valid = u64(0xFFFFFFFFFFFFFFFF) if f == 64 else (u64(1) << u64(f)) - u64(1)
                alnum &= valid
                apos &= valid
                sep = valid & ~(alnum | apos)
                # Bit j of after_l: the letter-or-separator before byte j is a letter. Byte
                # -1 stands for what came before the window (inword). Runs of apostrophes
                # after a letter are filled by a carry: adding the run's first bit to the
                # run clears the whole run, so apos & ~(apos + first) is the run itself.
                after_l = (alnum << u64(1)) | inword
                runs = apos & ~(apos + (apos & after_l))
                after_l |= runs << u64(1)
                keep = alnum | (sep & after_l)  # letters, and the first separator after a word
                kept = popcount(keep)
                if pos + kept > cap:
                    return OVERFLOW
                compress_ascii(data, i, keep, out, pos)
                pos += kept
                inword = ((alnum | runs) >> u64(f - 1)) & u64(1)
                i += f
                if i >= end:
                    break
            if f == 64:
                continue
        # One code point the slow way: anything non-ASCII, and the last bytes of the buffer.
        b0 = np.int64(data[i])
        if b0 < 0x80:
            cp = b0
            i += 1
        elif b0 < 0xE0:
            cp = ((b0 & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F)
            i += 2
        elif b0 < 0xF0:
            cp = (
                ((b0 & 0x0F) << 12)
                | ((np.int64(data[i + 1]) & 0x3F) << 6)
                | (np.int64(data[i + 2]) & 0x3F)
            )
            i += 3
        else:
            cp = (
                ((b0 & 0x07) << 18)
                | ((np.int64(data[i + 1]) & 0x3F) << 12)
                | ((np.int64(data[i + 2]) & 0x3F) << 6)
                | (np.int64(data[i + 3]) & 0x3F)
            )
            i += 4
        t = np.int64(table[cp])
        if t >= 0:
            if pos + utf8_len(t) > cap:
                return OVERFLOW
            pos = put(out, pos, t)
            inword = u64(1)
        elif t == _SEP:
            if inword:
                if pos + 1 > cap:
                    return OVERFLOW
                out[pos] = SPACE
                pos += 1
                inword = u64(0)
        elif t == _DEL:
            pass
        elif t == _COMPLEX:
            return COMPLEX
        else:
            row = -4 - t
            for k in range(exp.shape[1]):
                e = np.int64(exp[row, k])
                if e >= 0:
                    if pos + utf8_len(e) > cap:
                        return OVERFLOW
                    pos = put(out, pos, e)
                    inword = u64(1)
                elif e == _SEP and inword:
                    if pos + 1 > cap:
                        return OVERFLOW
                    out[pos] = SPACE
                    pos += 1
                    inword = u64(0)
    if pos > pos0 and out[pos - 1] == SPACE:
        pos -= 1  # the space after the last word
    return pos - pos0


@nb.njit(cache=True)
def run(
    offsets: np.ndarray,
    data: np.ndarray,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    buf: np.ndarray,
    region: int,
    lo: int,
    hi: int,
    lengths: np.ndarray,
) -> int:
    """Normalize documents lo..hi-1 one after the other into buf[region:]; bytes written."""
    pos = region
    for d in range(lo, hi):
        m = one_doc(data, offsets[d], offsets[d + 1], table, exp, fast_ascii, buf, pos)
        lengths[d] = m
        if m > 0:
            pos += m
    return pos - region


@nb.njit(cache=True, parallel=True)
def normalize(
    offsets: np.ndarray,
    data: np.ndarray,
    table: np.ndarray,
    exp: np.ndarray,
    fast_ascii: bool,
    chunks: int,
) -> Any:
    """Normalize every document; return (out_offsets, out, lengths, slow).

    The documents are cut into ``chunks`` runs of consecutive documents (one per thread; the
    caller passes ``numba.get_num_threads()``, which a cached kernel cannot call itself). Each
    run is normalized in order into its own region of one buffer (the run's input size plus
    SLACK: no output is longer than its input), so the outputs of a run are already packed;
    the runs are then moved down next to each other, and ``out`` is the packed buffer: with
    one thread nothing is copied at all. ``slow`` documents have a negative length (normalize
    them with the reference) and no bytes in ``out``; ``out_offsets`` counts them as empty.
    """
    n = offsets.shape[0] - 1
    if offsets[n] - offsets[0] < SERIAL_BYTES:
        chunks = 1
    chunks = max(min(chunks, n), 1)
    if chunks == 1:  # no thread pool round trip for small batches
        return normalize_serial(offsets, data, table, exp, fast_ascii)
    bounds = np.empty(chunks + 1, dtype=np.int64)
    for c in range(chunks + 1):
        bounds[c] = (n * c) // chunks
    regions = np.empty(chunks, dtype=np.int64)
    for c in range(chunks):
        regions[c] = offsets[bounds[c]] - offsets[0] + SLACK * c
    buf = np.empty(offsets[n] - offsets[0] + SLACK * chunks, dtype=np.uint8)
    lengths = np.empty(n, dtype=np.int64)
    used = np.zeros(chunks, dtype=np.int64)
    for c in nb.prange(chunks):
        lo, hi = bounds[c], bounds[c + 1]
        used[c] = run(offsets, data, table, exp, fast_ascii, buf, regions[c], lo, hi, lengths)
    total = used[0]
    for c in range(1, chunks):  # in order: a run only moves down onto space already free
        move_bytes(buf, total, buf, regions[c], used[c])
        total += used[c]
    return _packed(buf, total, lengths)


@nb.njit(cache=True)
def normalize_serial(
    offsets: np.ndarray, data: np.ndarray, table: np.ndarray, exp: np.ndarray, fast_ascii: bool
) -> Any:
    """:func:`normalize` on the calling thread, in one piece (what it does for a small batch):
    no thread pool is involved, so a caller with one text need not ask numba for one thread."""
    n = offsets.shape[0] - 1
    buf = np.empty(offsets[n] - offsets[0] + SLACK, dtype=np.uint8)
    lengths = np.empty(n, dtype=np.int64)
    total = run(offsets, data, table, exp, fast_ascii, buf, 0, 0, n, lengths)
    return _packed(buf, total, lengths)


@nb.njit(cache=True)
def _packed(buf: np.ndarray, total: int, lengths: np.ndarray) -> Any:
    n = lengths.shape[0]
    out_offsets = np.empty(n + 1, dtype=np.int64)
    out_offsets[0] = 0
    slow = 0
    for d in range(n):
        out_offsets[d + 1] = out_offsets[d] + max(lengths[d], 0)
        slow += lengths[d] < 0
    return out_offsets, buf[:total], lengths, slow
