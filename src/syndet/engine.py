"""Where the scan keeps its per-partition intermediates.

The local engine runs every partition through numba kernels that use all worker threads. What
later stages need from a partition (its normalized lines between the two passes, its shingles
until verification) is *spilled* to disk and memory-mapped back, so memory stays bounded by
what the corpus-wide stages keep (band keys, fingerprints, ids: a few hundred bytes per
document) instead of growing with the text. Intermediates are raw ``.npy`` arrays: written
and read once or twice, uncompressed, and memory-mapped without a copy (decoding zstd Parquet
alone cost about 10 s per million documents per pass in measurements here).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from dataclasses import dataclass

import numpy as np

__all__ = ["RaggedRef", "Spill"]


@dataclass(frozen=True)
class RaggedRef:
    """A spilled ragged array: row ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""

    offsets: np.ndarray | str  # the array itself, or the path of its .npy file
    values: np.ndarray | str


class Spill:
    """Ragged arrays kept in memory or written to ``.npy`` files and memory-mapped back.

    ``Spill(None)`` keeps everything in memory (small corpora, tests); ``Spill("auto")`` uses a
    fresh temporary folder that :meth:`close` removes; any other string is a folder to use.
    """

    def __init__(self, where: str | None = "auto") -> None:
        self._own = where == "auto"
        self.dir = tempfile.mkdtemp(prefix="syndet-") if where == "auto" else where
        if self.dir is not None:
            os.makedirs(self.dir, exist_ok=True)
        self._ids = itertools.count()

    def put(self, offsets: np.ndarray, values: np.ndarray) -> RaggedRef:
        """Store one ragged array; returns a reference for :meth:`get`."""
        if self.dir is None:
            return RaggedRef(offsets, values)
        n = next(self._ids)
        paths = []
        for name, arr in (("offsets", offsets), ("values", values)):
            path = os.path.join(self.dir, f"{n}-{name}.npy")
            np.save(path, np.ascontiguousarray(arr))
            paths.append(path)
        return RaggedRef(paths[0], paths[1])

    @staticmethod
    def get(ref: RaggedRef) -> tuple[np.ndarray, np.ndarray]:
        """The arrays behind a reference (memory-mapped: pages are read on demand)."""
        if isinstance(ref.offsets, str) and isinstance(ref.values, str):
            return np.load(ref.offsets, mmap_mode="r"), np.load(ref.values, mmap_mode="r")
        assert isinstance(ref.offsets, np.ndarray) and isinstance(ref.values, np.ndarray)
        return ref.offsets, ref.values

    def close(self) -> None:
        if self._own and self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
