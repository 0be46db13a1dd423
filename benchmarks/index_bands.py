"""How many LSH bands the Index should keep: recall of the scan's pairs against index size.

    python benchmarks/index_bands.py ../shared/data

Reads ``allsides-dev/articles.jsonl`` and ``reuters21578.jsonl`` (22k real articles). For each
banding, every article goes into an index file in bulk; the size per article beyond the stored
shingles is measured. Recall: the scan (the index's rules, 82 bands) reports its pairs, and a
pair is found by the index when the two articles share at least one band key under the
banding tested (the exact check after that is the same). Recall is given per relation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.choose_defaults import read_jsonl

BANDINGS = ((82, 1), (64, 1), (48, 1), (40, 1), (32, 1), (24, 1), (16, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="folder with allsides-dev/ and reuters21578.jsonl")
    args = parser.parse_args()

    import syndet
    from syndet.index import INDEX_CONFIG

    arts = read_jsonl(args.data / "allsides-dev" / "articles.jsonl")
    reuters = read_jsonl(args.data / "reuters21578.jsonl")
    texts = [a.get("text") or "" for a in arts] + [r.get("body") or "" for r in reuters]
    ids = [f"a{i}" for i in range(len(texts))]

    # The scan's pairs under the index's rules (82 bands: the scan's own default banding).
    scan_config = replace(INDEX_CONFIG, lsh=replace(INDEX_CONFIG.lsh, bands=82, rows=1))
    pairs = syndet.Scanner(scan_config).scan_table(pa.table({"id": ids, "text": texts})).pairs
    print(f"{len(texts):,} articles; the scan reports {pairs.height:,} pairs")
    relations = ("duplicate", "syndicated", "partial", "rewritten")
    print("| bands x rows | bytes/article beyond shingles | recall all | " + " | ".join(relations))
    print("|---|---:|---:|" + "---:|" * len(relations))
    with tempfile.TemporaryDirectory() as tmp:
        for bands, rows in BANDINGS:
            config = replace(INDEX_CONFIG, lsh=replace(INDEX_CONFIG.lsh, bands=bands, rows=rows))
            path = Path(tmp) / f"{bands}.syndet"
            with syndet.Index(path, config) as index:
                # The index's own stages give each article's band keys (None: too short).
                _, docs = index._prepare(pa.array(texts, type=pa.large_string()))
                keep = [i for i, d in enumerate(docs) if d is not None]
                index.add_many([ids[i] for i in keep], [texts[i] for i in keep], match=False)
                store = index._store
                store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shingle_bytes = store._conn.execute(
                    "SELECT sum(length(data)) FROM shingles"
                ).fetchone()[0]
                beyond = (store.size_bytes() - shingle_bytes) / len(keep)
            keys = {ids[i]: docs[i].keys for i in keep}  # type: ignore[union-attr]
            found = np.array(
                [
                    bool(np.any(keys[a] == keys[b])) if a in keys and b in keys else False
                    for a, b in zip(pairs["a"].to_list(), pairs["b"].to_list(), strict=True)
                ]
            )
            rel = pairs["relation"].to_numpy()
            per = " | ".join(
                f"{found[rel == r].mean():.3f}" if (rel == r).any() else "-" for r in relations
            )
            print(f"| {bands} x {rows} | {beyond:,.0f} | {found.mean():.3f} | {per} |")


if __name__ == "__main__":
    main()
