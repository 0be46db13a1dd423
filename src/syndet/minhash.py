"""Stage 3: MinHash signatures for a whole batch at once.

The permutations are datasketch's, bit for bit, so a syndet signature row can be wrapped in a
``datasketch.LeanMinHash`` (:func:`to_lean_minhash`) and compared with signatures datasketch made
from the same shingle hashes:

* ``affine64`` (datasketch >= 2.0, ``MinHash(scheme="affine64")``): each 64-bit shingle hash is
  pre-mixed with the MurmurHash3 finalizer ``fmix64`` and then permuted as
  ``a_k * h + b_k mod 2**64`` with odd ``a_k`` (a bijection, so no extra collisions).
* ``legacy`` (datasketch < 2.0): ``((a_k * h + b_k) mod 2**64) mod (2**61 - 1)``, truncated to
  32 bits. The ``mod 2**64`` wrap-around is what numpy's uint64 arithmetic does in datasketch.

Both draw ``a_k, b_k`` from ``numpy.random.RandomState(seed)`` in datasketch's order. The
estimate ``mean(sig_a == sig_b)`` of the Jaccard similarity ``J`` is a binomial mean, with
standard error ``sqrt(J (1 - J) / num_perm)``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__ = ["empty_signature_value", "permutations", "signature_batch", "to_lean_minhash"]

_MERSENNE = (1 << 61) - 1
_MAX32 = (1 << 32) - 1


@functools.lru_cache(maxsize=32)
def permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` permutation parameters datasketch draws for these settings."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        pairs = [
            (
                gen.randint(1, _MERSENNE, dtype=np.uint64),
                gen.randint(0, _MERSENNE, dtype=np.uint64),
            )
            for _ in range(num_perm)
        ]
        arr = np.array(pairs, dtype=np.uint64).T
        return arr[0].copy(), arr[1].copy()
    a = gen.randint(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = gen.randint(0, 1 << 64, num_perm, dtype=np.uint64)
    return a, b


def empty_signature_value(scheme: str) -> int:
    """The value of every slot of a signature of an empty set."""
    return _MAX32 if scheme == "legacy" else (1 << 64) - 1


@functools.lru_cache(maxsize=1)
def _kernels() -> Any:
    from syndet._kernels import minhash as k

    return k.affine64, k.legacy


def signature_batch(
    offsets: np.ndarray,
    hashes: np.ndarray,
    *,
    num_perm: int = 128,
    seed: int = 1,
    scheme: str = "affine64",
) -> np.ndarray:
    """A ``(documents, num_perm)`` uint64 signature matrix for the shingle hashes of a batch.

    ``hashes[offsets[i]:offsets[i + 1]]`` are document i's shingle hashes (repeats are harmless:
    a minimum does not change).
    """
    a, b = permutations(num_perm, seed, scheme)
    affine64, legacy = _kernels()
    kernel = legacy if scheme == "legacy" else affine64
    return kernel(  # type: ignore[no-any-return]
        np.ascontiguousarray(offsets, dtype=np.int64),
        np.ascontiguousarray(hashes, dtype=np.uint64),
        a,
        b,
    )


def to_lean_minhash(signature: np.ndarray, *, seed: int = 1, scheme: str = "affine64") -> Any:
    """Wrap one signature row as a ``datasketch.LeanMinHash`` (for interoperability)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=np.asarray(signature, dtype=np.uint64), scheme=scheme)
