"""Stage 7: the report, as polars frames, files and a terminal summary.

Output contract (stable; new columns may be added at the end, none removed or renamed):

``pairs.<fmt>``: one row per reported pair, ordered by ``(a, b)``

==============  =======  ===================================================================
a, b            str      document ids, ``a < b``
relation        str      ``duplicate``, ``syndicated``, ``partial`` or ``rewritten``
jaccard         float    ``|A ∩ B| / |A ∪ B|`` over the shingle sets
containment_a   float    share of a's shingles found in b
containment_b   float    share of b's shingles found in a
shared          int      number of shared shingles
shared_words    int      words inside passages the two share (the smaller side's count)
coverage_a      float    share of a's words inside shared passages
coverage_b      float    share of b's words inside shared passages
==============  =======  ===================================================================

Similarity is measured on each article's authored text: site chrome, wire credits and quoted
speech are removed first (see :mod:`syndet.boilerplate`).

``clusters.<fmt>``: one row per article in a cluster of two or more, ordered by
``(cluster, doc)``

==============  =======  ===================================================================
cluster         int      cluster number, 1-based, ordered by each cluster's lowest doc id
doc             str      document id
source          str      the cluster's likely source (a document id)
role            str      ``source``, or this member's relation to the source (``linked``
                         when it is related to the source only through other members)
source_reason   str      the rule that chose the source: ``earliest_published``,
                         ``wire_credit`` or ``most_shared_text``
agency          str      the wire agency credited in this document, if any
==============  =======  ===================================================================

``skipped.<fmt>``: every skipped document or file: ``where``, ``reason``, ``doc``, ``message``.

``summary.json``: documents read, scanned and skipped (by reason), pairs per relation,
clusters, LSH parameters, settings and seconds per stage.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from syndet.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pyarrow as pa

__all__ = ["FORMATS", "clusters_frame", "pairs_frame", "render", "write_report"]

FORMATS = ("parquet", "csv", "jsonl")
_RELATIONS = ("none", "duplicate", "syndicated", "partial", "rewritten")
_SOURCE_REASONS = ("earliest_published", "most_shared_text", "wire_credit")

PAIRS_SCHEMA = {
    "a": pl.String,
    "b": pl.String,
    "relation": pl.String,
    "jaccard": pl.Float64,
    "containment_a": pl.Float64,
    "containment_b": pl.Float64,
    "shared": pl.Int64,
    "shared_words": pl.Int64,
    "coverage_a": pl.Float64,
    "coverage_b": pl.Float64,
}
CLUSTERS_SCHEMA = {
    "cluster": pl.Int64,
    "doc": pl.String,
    "source": pl.String,
    "role": pl.String,
    "source_reason": pl.String,
    "agency": pl.String,
}
SKIPPED_SCHEMA = {"where": pl.String, "reason": pl.String, "doc": pl.String, "message": pl.String}


def _names(codes: np.ndarray, names: Sequence[str]) -> pl.Series:
    return pl.Series(np.asarray(names, dtype=object)[codes], dtype=pl.String)


def _ids_at(ids: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pl.Series:
    """The ids of the given rows. Taken in Arrow first: converting every id of the corpus to
    polars (1M ids: most of the report's time) to then keep the few in pairs was wasted."""
    import pyarrow as pa

    taken = ids.take(pa.array(np.asarray(rows, dtype=np.int64)))
    return pl.Series(taken, dtype=pl.String)


def pairs_frame(
    ids: pa.Array | pa.ChunkedArray, pairs: np.ndarray, scores: dict[str, np.ndarray]
) -> pl.DataFrame:
    """The pairs table for row-index pairs already ordered so that ``id(a) < id(b)``."""
    return pl.DataFrame(
        {
            "a": _ids_at(ids, pairs[:, 0]) if len(pairs) else [],
            "b": _ids_at(ids, pairs[:, 1]) if len(pairs) else [],
            "relation": _names(scores["relation"], _RELATIONS),
            "jaccard": scores["jaccard"],
            "containment_a": scores["containment_a"],
            "containment_b": scores["containment_b"],
            "shared": scores["shared"],
            "shared_words": scores["shared_words"],
            "coverage_a": scores["coverage_a"],
            "coverage_b": scores["coverage_b"],
        },
        schema=PAIRS_SCHEMA,
    )


def clusters_frame(
    ids: pa.Array | pa.ChunkedArray,
    clusters: Any,
    roles: np.ndarray,
    agency: Sequence[str | None] = (),
) -> pl.DataFrame:
    """The clusters table from :class:`syndet.cluster.Clusters` and each member's role code."""
    role_names = np.asarray(("linked", *_RELATIONS[1:]), dtype=object)
    role = np.where(roles < 0, "source", role_names[np.maximum(roles, 0)])
    return pl.DataFrame(
        {
            "cluster": clusters.cluster,
            "doc": _ids_at(ids, clusters.rows) if len(clusters.rows) else [],
            "source": _ids_at(ids, clusters.source) if len(clusters.rows) else [],
            "role": pl.Series(role, dtype=pl.String),
            "source_reason": _names(clusters.source_reason, _SOURCE_REASONS),
            "agency": [agency[i] for i in clusters.rows.tolist()] if agency else None,
        },
        schema=CLUSTERS_SCHEMA,
    )


def skipped_frame(skips: Sequence[Any]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "where": [s.where for s in skips],
            "reason": [s.reason for s in skips],
            "doc": [s.doc for s in skips],
            "message": [s.message for s in skips],
        },
        schema=SKIPPED_SCHEMA,
    )


def _write(df: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        df.write_parquet(path)
    elif fmt == "csv":
        df.write_csv(path)
    else:
        df.write_ndjson(path)


def write_report(result: Any, out_dir: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write pairs, clusters, skipped and summary.json into ``out_dir`` (created if missing)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create output folder {out}: {exc.strerror}") from exc
    written = []
    t0 = time.perf_counter()
    for name, df in (
        ("pairs", result.pairs),
        ("clusters", result.clusters),
        ("skipped", skipped_frame(result.skips)),
    ):
        path = out / f"{name}.{fmt}"
        _write(df, path, fmt)
        written.append(path)
    # the last stage's time, in the summary with the others (summary.json itself is tiny)
    result.summary.setdefault("seconds", {})["write"] = round(time.perf_counter() - t0, 4)
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(result.summary, indent=2, sort_keys=False) + "\n")
    written.append(summary_path)
    return written


def _headline(summary: dict[str, Any]) -> str:
    docs = summary["documents"]
    pairs = summary["pairs"]
    rel = ", ".join(f"{k} {v}" for k, v in pairs["by_relation"].items() if v) or "none"
    skipped = f" ({docs['skipped']} skipped)" if docs["skipped"] else ""
    return (
        f"Scanned {docs['scanned']} documents{skipped} in {summary['total_seconds']:.1f} s: "
        f"{pairs['reported']} related pairs ({rel}) in {summary['clusters']['count']} clusters."
    )


def render(result: Any, *, max_clusters: int = 50, color: bool = False) -> str:
    """A readable summary of the scan for the terminal."""
    lines = [_headline(result.summary)]
    skipped = result.summary["documents"]["skipped_by_reason"]
    if skipped:
        lines.append("Skipped: " + ", ".join(f"{k} {v}" for k, v in skipped.items()))
    df: pl.DataFrame = result.clusters
    if df.height:
        for (cid,), group in df.group_by("cluster", maintain_order=True):
            if int(cid) > max_clusters:
                rest = df["cluster"].n_unique() - max_clusters
                lines.append(f"\n... and {rest} more clusters (write them all with -o DIR)")
                break
            src = group["source"][0]
            reason = group["source_reason"][0]
            head = f"Cluster {cid}  source: {src}  ({reason.replace('_', ' ')})"
            lines.append("\n" + (f"\x1b[1m{head}\x1b[0m" if color else head))
            for doc, role in group.select("doc", "role").iter_rows():
                if role != "source":
                    lines.append(f"  {role:<11} {doc}")
    return "\n".join(lines)
