"""numba kernels of :mod:`syndet._hashing` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.

Besides XXH64 this module holds the memory primitives the text kernels share:

* :func:`load_u64` / :func:`load_u32`: one unaligned little-endian load from a uint8 array.
  Assembling a word byte by byte (``data[i + j] << 8 * j``) is *not* merged into one load by
  LLVM here, because numba's negative-index wraparound puts a select on every index; the
  intrinsic emits a single ``load i64, align 1`` instead (x86 has no penalty for unaligned
  loads).
* :func:`move_bytes`: ``memmove`` between uint8 arrays (numba compiles a slice assignment to
  an element loop several times slower than libc's ``memmove``).
* :func:`eq_mask64`: a 64-bit mask of the bytes equal to a value in a 64-byte window; LLVM
  lowers the ``<64 x i8>`` compare to one ``vpcmpeqb`` + ``kmovq`` on AVX-512 (to a few SSE/AVX2
  compares and movemasks elsewhere).

None of them checks bounds: callers guarantee ``i + width <= len(data)``.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]
from numba.core import cgutils as _cgutils
from numba.core import types
from numba.extending import intrinsic

_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5


cgutils: Any = _cgutils  # untyped for mypy
u64 = nb.uint64
p1, p2, p3, p4, p5 = u64(_P1), u64(_P2), u64(_P3), u64(_P4), u64(_P5)


def _is_bytes(arr: Any) -> bool:
    return isinstance(arr, types.Array) and arr.ndim == 1 and arr.dtype == types.uint8


def _byte_pointer(context: Any, builder: Any, sig: Any, args: Any) -> Any:
    """``&arr[idx]`` of the intrinsics' (uint8 array, index) arguments, with no checks."""
    ary = context.make_array(sig.args[0])(context, builder, args[0])
    idx = context.cast(builder, args[1], sig.args[1], types.intp)
    return builder.gep(ary.data, [idx])


def _load(width: int) -> Any:
    def impl(typingctx: Any, arr: Any, idx: Any) -> Any:
        if not (_is_bytes(arr) and isinstance(idx, types.Integer)):
            return None

        def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            ptr = _byte_pointer(context, builder, sig, args)
            word = builder.load(builder.bitcast(ptr, ir.IntType(width).as_pointer()), align=1)
            return builder.zext(word, ir.IntType(64)) if width < 64 else word

        return types.uint64(arr, idx), codegen

    return impl


#: ``data[i:i + 8]`` as a little-endian uint64 (x86 and every numba target are little-endian).
load_u64: Any = intrinsic(_load(64))
#: ``data[i:i + 4]`` as a little-endian uint32, zero-extended to uint64.
load_u32: Any = intrinsic(_load(32))


def _eq_mask64(typingctx: Any, arr: Any, idx: Any, val: Any) -> Any:
    """Bit ``l`` of the result is set iff ``arr[idx + l] == val`` (``l < 64``)."""
    if not (_is_bytes(arr) and isinstance(idx, types.Integer) and isinstance(val, types.Integer)):
        return None

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = _byte_pointer(context, builder, sig, args)
        i8, i32 = ir.IntType(8), ir.IntType(32)
        vty = ir.VectorType(i8, 64)
        window = builder.load(builder.bitcast(ptr, vty.as_pointer()), align=1)
        byte = builder.trunc(context.cast(builder, args[2], sig.args[2], types.int64), i8)
        splat = builder.insert_element(ir.Constant(vty, None), byte, ir.Constant(i32, 0))
        zeros = ir.Constant(ir.VectorType(i32, 64), [0] * 64)
        splat = builder.shuffle_vector(splat, ir.Constant(vty, None), zeros)
        return builder.bitcast(builder.icmp_unsigned("==", window, splat), ir.IntType(64))

    return types.uint64(arr, idx, val), codegen


eq_mask64: Any = intrinsic(_eq_mask64)


def _move_bytes(typingctx: Any, dst: Any, d: Any, src: Any, s: Any, count: Any) -> Any:
    """``dst[d:d + count] = src[s:s + count]`` (the ranges may overlap)."""
    if not (_is_bytes(dst) and _is_bytes(src) and isinstance(count, types.Integer)):
        return None

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        to = _byte_pointer(context, builder, sig.replace(args=sig.args[:2]), args[:2])
        frm = _byte_pointer(context, builder, sig.replace(args=sig.args[2:4]), args[2:4])
        n = context.cast(builder, args[4], sig.args[4], types.intp)
        cgutils.raw_memmove(builder, to, frm, n, 1)
        return context.get_dummy_value()

    return types.none(dst, d, src, s, count), codegen


move_bytes: Any = intrinsic(_move_bytes)


@nb.njit(cache=True, inline="always")
def rotl(x: Any, r: int) -> Any:
    return (x << u64(r)) | (x >> u64(64 - r))


@nb.njit(cache=True, inline="always")
def round_(acc: Any, lane: Any) -> Any:
    acc = acc + lane * p2
    acc = rotl(acc, 31)
    return acc * p1


@nb.njit(cache=True, inline="always")
def merge(acc: Any, val: Any) -> Any:
    acc = acc ^ round_(u64(0), val)
    return acc * p1 + p4


@nb.njit(cache=True, inline="always")
def avalanche(h: Any) -> Any:
    h = h ^ (h >> u64(33))
    h = h * p2
    h = h ^ (h >> u64(29))
    h = h * p3
    return h ^ (h >> u64(32))


@nb.njit(cache=True)
def xxh64(data: np.ndarray, start: int, end: int, seed: Any) -> Any:
    """XXH64 of ``data[start:end]`` (any length; every load stays inside the range)."""
    length = end - start
    i = start
    if length >= 32:
        v1 = seed + p1 + p2
        v2 = seed + p2
        v3 = seed
        v4 = seed - p1
        limit = end - 32
        while i <= limit:
            v1 = round_(v1, load_u64(data, i))
            v2 = round_(v2, load_u64(data, i + 8))
            v3 = round_(v3, load_u64(data, i + 16))
            v4 = round_(v4, load_u64(data, i + 24))
            i += 32
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
        h = merge(h, v1)
        h = merge(h, v2)
        h = merge(h, v3)
        h = merge(h, v4)
    else:
        h = seed + p5
    h = h + u64(length)
    while i + 8 <= end:
        h = h ^ round_(u64(0), load_u64(data, i))
        h = rotl(h, 27) * p1 + p4
        i += 8
    if i + 4 <= end:
        h = h ^ (load_u32(data, i) * p1)
        h = rotl(h, 23) * p2 + p3
        i += 4
    while i < end:
        h = h ^ (u64(data[i]) * p5)
        h = rotl(h, 11) * p1
        i += 1
    return avalanche(h)


@nb.njit(cache=True, inline="always")
def xxh64_lt64(
    w0: Any, w1: Any, w2: Any, w3: Any, w4: Any, w5: Any, w6: Any, tail: Any, n: Any, seed: Any
) -> Any:
    """XXH64 of an ``n < 64`` byte range, branch-free, from words loaded beforehand.

    ``w0..w6`` are the little-endian words at offsets 0, 8, ..., 48 of the range (words past
    its end may hold anything) and ``tail`` the word at offset ``n & ~7`` (its low ``n & 7``
    bytes are the range's last bytes). Every step of the spec is computed and then kept or
    dropped with a select instead of a branch: short inputs of mixed lengths (word 5-grams are
    20 to 45 bytes) would otherwise mispredict several branches per hash, and without branches
    LLVM vectorizes a loop of these over 8 hashes per AVX-512 register (``vpmullq``).
    """
    long_ = n >= u64(32)
    v1 = round_(seed + p1 + p2, w0)
    v2 = round_(seed + p2, w1)
    v3 = round_(seed, w2)
    v4 = round_(seed - p1, w3)
    hl = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
    hl = merge(hl, v1)
    hl = merge(hl, v2)
    hl = merge(hl, v3)
    hl = merge(hl, v4)
    h = (hl if long_ else seed + p5) + n
    # 8-byte steps over the words after the 32-byte stripe (if any): (n & 31) >> 3 of them.
    n8 = (n & u64(31)) >> u64(3)
    t = rotl(h ^ round_(u64(0), w4 if long_ else w0), 27) * p1 + p4
    h = t if n8 > u64(0) else h
    t = rotl(h ^ round_(u64(0), w5 if long_ else w1), 27) * p1 + p4
    h = t if n8 > u64(1) else h
    t = rotl(h ^ round_(u64(0), w6 if long_ else w2), 27) * p1 + p4
    h = t if n8 > u64(2) else h
    # Then a 4-byte step and up to 3 single bytes, all from the tail word.
    has4 = (n & u64(4)) != u64(0)
    t = rotl(h ^ ((tail & u64(0xFFFFFFFF)) * p1), 23) * p2 + p3
    h = t if has4 else h
    tail = tail >> u64(32) if has4 else tail
    n1 = n & u64(3)
    t = rotl(h ^ ((tail & u64(0xFF)) * p5), 11) * p1
    h = t if n1 > u64(0) else h
    t = rotl(h ^ (((tail >> u64(8)) & u64(0xFF)) * p5), 11) * p1
    h = t if n1 > u64(1) else h
    t = rotl(h ^ (((tail >> u64(16)) & u64(0xFF)) * p5), 11) * p1
    h = t if n1 > u64(2) else h
    return avalanche(h)


@nb.njit(cache=True, parallel=True)
def ranges(offsets: np.ndarray, data: np.ndarray, seed: Any) -> Any:
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.uint64)
    for d in nb.prange(n):
        out[d] = xxh64(data, offsets[d], offsets[d + 1], seed)
    return out
