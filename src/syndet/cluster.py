"""Stage 6: clusters of related articles, and the likely source of each.

Articles joined by reported pairs form clusters (union-find over the pairs; the pipeline then
keeps in each cluster only members verified against its source, see
``Scanner._cluster``). Each cluster names one member as its likely ``source``:

1. ``earliest_published``: when every member has a ``published`` time, the earliest one.
2. ``wire_credit`` / ``most_shared_text``: otherwise the member that shares the most text
   with the others (the sum of shared shingles over its pairs; sums within 5% of the
   cluster's best count as equal). An original shares its whole text with every copy, an
   excerpt or trimmed copy only part of it; between an original and a copy that merely adds
   text (site chrome, extra reporting) the sums tie. Among tied members the credits decide
   where they differ (``wire_credit``): one with a wire credit ("LONDON (Reuters) -") beats
   one with none, which beats one with a syndication notice ("published from a syndicated
   feed": a republication). Then the one with fewer shingles wins: it is the one the others
   add to.

Ties are broken by document id. Known limit: in a cluster of only two articles the sums always
tie, so without dates or credits an excerpt (fewer shingles) is named the source of the
article it was cut from. Containment alone cannot tell "B is A plus chrome" from "A is an
excerpt of B".

Everything here is vectorized over arrays of row indices; a cluster id is the 1-based
position of the cluster when ordered by its lowest document id.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Clusters", "build_clusters", "components"]

SOURCE_REASONS: tuple[str, ...] = ("earliest_published", "most_shared_text", "wire_credit")


@functools.lru_cache(maxsize=1)
def _kernel() -> Any:
    from syndet._kernels import cluster as k

    return k.union_find


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Root row of each of ``n`` rows' connected component under the given pairs."""
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    return _kernel()(n, pairs)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Clusters:
    """Cluster membership for the rows in clusters of two or more."""

    #: rows in a cluster, ordered by (cluster, rank)
    rows: np.ndarray
    #: 1-based cluster id of each of those rows
    cluster: np.ndarray
    #: row of each of those rows' cluster source
    source: np.ndarray
    #: reason code (index into SOURCE_REASONS) of each row's cluster source
    source_reason: np.ndarray

    @property
    def count(self) -> int:
        return int(self.cluster.max()) if self.cluster.size else 0


def build_clusters(
    n: int,
    pairs: np.ndarray,
    shared: np.ndarray,
    sizes: np.ndarray,
    rank: np.ndarray,
    published: np.ndarray | None = None,
    evidence: np.ndarray | None = None,
    components_of: Callable[[int, np.ndarray], np.ndarray] | None = None,
) -> Clusters:
    """Cluster rows linked by ``pairs`` and pick each cluster's source.

    ``shared`` is the shared-shingle count of each pair, ``sizes`` the shingle count of each
    row, ``rank`` the id order of each row, ``published`` int64 epoch microseconds with
    ``np.iinfo(np.int64).min`` where unknown (or None when no document has a date).
    ``components_of`` replaces :func:`components` (an engine's own connected components: any
    labelling of the same components gives the same clusters).
    """
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    rank = np.asarray(rank, dtype=np.int64)
    empty = np.empty(0, dtype=np.int64)
    if pairs.shape[0] == 0:
        return Clusters(empty, empty, empty, empty)
    root = (components_of or components)(n, pairs)
    members = np.unique(pairs.ravel())
    roots = root[members]
    # Cluster ids ordered by each cluster's lowest-ranked member.
    min_rank = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(min_rank, roots, rank[members])
    uniq_roots = np.unique(roots)
    order = np.argsort(min_rank[uniq_roots], kind="stable")
    cid_of_root = np.zeros(n, dtype=np.int64)
    cid_of_root[uniq_roots[order]] = np.arange(1, len(uniq_roots) + 1)
    cluster = cid_of_root[roots]

    score = np.zeros(n, dtype=np.int64)
    np.add.at(score, pairs[:, 0], shared)
    np.add.at(score, pairs[:, 1], shared)
    best = np.zeros(len(uniq_roots) + 1, dtype=np.int64)
    np.maximum.at(best, cluster, score[members])
    # Sums within 5% of the best are equal: headlines and bylines shift them by a few shingles.
    near_best = score[members] * 20 >= best[cluster] * 19

    nclusters = len(uniq_roots)
    size_of = np.bincount(cluster, minlength=nclusters + 1)
    use_date = np.zeros(nclusters + 1, dtype=bool)
    pub = np.zeros(len(members), dtype=np.int64)
    if published is not None:
        pub = np.asarray(published, dtype=np.int64)[members]
        dated = np.bincount(cluster, weights=pub != np.iinfo(np.int64).min, minlength=nclusters + 1)
        use_date = dated == size_of
    by_date = use_date[cluster]
    # One sort picks every cluster's source: first row of each cluster under the sort keys.
    date_key = np.where(by_date, pub, 0)
    score_ev = (
        np.ones(len(members), dtype=np.int64)
        if evidence is None
        else np.asarray(evidence, dtype=np.int64)[members]
    )
    best_ev = np.zeros(nclusters + 1, dtype=np.int64)
    np.maximum.at(best_ev, cluster, np.where(near_best, score_ev, 0))
    order = np.lexsort(
        (
            rank[members],
            sizes[members],
            np.where(by_date, 0, -score_ev),
            np.where(by_date, 0, ~near_best),
            date_key,
            cluster,
        )
    )
    first = np.ones(len(order), dtype=bool)
    first[1:] = cluster[order][1:] != cluster[order][:-1]
    source_of_cluster = np.zeros(nclusters + 1, dtype=np.int64)
    source_of_cluster[cluster[order][first]] = members[order][first]

    # The reason names the evidence that decided: a date, else a wire credit where tied
    # members differ in having one, else the amount of shared text.
    worst_ev = np.full(nclusters + 1, 2, dtype=np.int64)
    np.minimum.at(worst_ev, cluster, np.where(near_best, score_ev, 2))
    reason = np.where(use_date, 0, np.where(best_ev > worst_ev, 2, 1)).astype(np.int64)

    final = np.lexsort((rank[members], cluster))
    rows = members[final]
    cl = cluster[final]
    return Clusters(
        rows=rows,
        cluster=cl,
        source=source_of_cluster[cl],
        source_reason=reason[cl],
    )
