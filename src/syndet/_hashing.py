"""Hash kernels shared by several stages (private).

``xxh64`` follows the xxHash specification (XXH64) over a byte range of a uint8 array; the tests
check it against the ``xxhash`` package. Stages import it from here so that they never import
each other.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np


@functools.lru_cache(maxsize=1)
def xxh64_kernel() -> Any:
    from syndet._kernels import hashing as k

    return k.xxh64


@functools.lru_cache(maxsize=1)
def _ranges_kernel() -> Any:
    from syndet._kernels import hashing as k

    return k.ranges


def xxh64_ranges(offsets: np.ndarray, data: np.ndarray, seed: int = 0) -> np.ndarray:
    """xxh64 of every ``data[offsets[i]:offsets[i + 1]]`` (e.g. each document of a batch)."""
    return _ranges_kernel()(offsets, data, np.uint64(seed))  # type: ignore[no-any-return]
