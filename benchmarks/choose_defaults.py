"""Measure what the defaults rest on: shingle size k, relation cut-offs and the LSH threshold.

    python benchmarks/choose_defaults.py ../shared/data

Reads ``allsides-dev/`` (3,000 articles, 2,802 hand-labelled pairs) and, for the LSH part,
``reuters21578.jsonl`` too. Prints, per k, the containment distributions of each label and a
separation score, then, per LSH threshold, the expected recall of the labelled copy/partial/
rewrite pairs (from their exact Jaccard and the S-curve) and the number of candidate pairs per
document actually produced. The numbers are quoted in docs/defaults.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from syndet import lsh, minhash, normalize, shingle, verify

LABELS = ("copy", "partial", "rewrite", "same-event", "unrelated")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def load_allsides(root: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    arts = read_jsonl(root / "allsides-dev" / "articles.jsonl")
    index = {a["id"]: i for i, a in enumerate(arts)}
    pairs = read_jsonl(root / "allsides-dev" / "pairs.jsonl")
    rows = np.array([[index[p["a"]], index[p["b"]]] for p in pairs], dtype=np.int64)
    labels = np.array([p["label"] for p in pairs])
    return [a.get("text") or "" for a in arts], rows, labels


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (Mann-Whitney)."""
    ranks = np.concatenate([pos, neg]).argsort().argsort() + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def shingle_sets(texts: list[str], k: int) -> shingle.ShingleBatch:
    norm = normalize.normalize_batch(pa.array(texts, type=pa.large_string()))
    return shingle.unique_shingles(shingle.shingle_batch(norm.offsets, norm.data, k))


def containments(sets: shingle.ShingleBatch, rows: np.ndarray) -> dict[str, np.ndarray]:
    inter, sa, sb = verify.overlap(sets.offsets, sets.hashes, rows)
    ca, cb = inter / np.maximum(sa, 1), inter / np.maximum(sb, 1)
    return {
        "cmin": np.minimum(ca, cb),
        "cmax": np.maximum(ca, cb),
        "jaccard": inter / np.maximum(sa + sb - inter, 1),
        "shared": inter,
    }


def report_k(texts: list[str], rows: np.ndarray, labels: np.ndarray) -> None:
    print("## Shingle size: containment percentiles (5, 25, 50, 75, 95) per label\n")
    reuse = np.isin(labels, ["partial", "rewrite"])
    for k in (3, 4, 5, 6, 7, 8):
        c = containments(shingle_sets(texts, k), rows)
        print(f"k={k}")
        for label in LABELS:
            m = labels == label
            pct = np.percentile(c["cmax"][m], [5, 25, 50, 75, 95]).round(3).tolist()
            pmin = np.percentile(c["cmin"][m], [5, 25, 50, 75, 95]).round(3).tolist()
            print(f"  {label:<11} n={m.sum():4d} c_max {pct}  c_min {pmin}")
        print(
            f"  AUC c_max partial+rewrite vs same-event: "
            f"{auc(c['cmax'][reuse], c['cmax'][labels == 'same-event']):.3f}; "
            f"lowest copy c_min {c['cmin'][labels == 'copy'].min():.3f}, "
            f"99th pct partial+rewrite c_min {np.percentile(c['cmin'][reuse], 99):.3f}\n"
        )


def report_lsh(root: Path, texts: list[str], rows: np.ndarray, labels: np.ndarray) -> None:
    print("## LSH threshold: expected recall of labelled pairs vs candidates per document\n")
    reuters = [r.get("body") or "" for r in read_jsonl(root / "reuters21578.jsonl")]
    corpus = texts + reuters
    norm = normalize.normalize_batch(pa.array(corpus, type=pa.large_string()))
    sh = shingle.shingle_batch(norm.offsets, norm.data, 5)
    sig = minhash.signature_batch(sh.offsets, sh.hashes)
    jac = containments(shingle.unique_shingles(sh), rows)["jaccard"]
    positive = np.isin(labels, ["copy", "partial", "rewrite"])
    usable = np.flatnonzero(np.diff(sh.offsets) > 0)
    print(f"corpus: {len(usable)} documents with shingles (allsides-dev + Reuters-21578)")
    for threshold in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5):
        bands, r = lsh.optimal_params(threshold, 128)
        recall = {
            name: float(lsh.probability(jac[sel], bands, r).mean())
            for name, sel in (
                ("all", positive),
                ("partial", labels == "partial"),
                ("rewrite", labels == "rewrite"),
            )
        }
        t0 = time.perf_counter()
        keys = lsh.band_keys(sig[usable], bands, r)
        cand, stats = lsh.candidate_pairs(keys, np.arange(len(usable)), max_bucket=64)
        secs = time.perf_counter() - t0
        print(
            f"  threshold {threshold:<5} b={bands:<3} r={r:<2} expected recall "
            f"all {recall['all']:.3f} partial {recall['partial']:.3f} "
            f"rewrite {recall['rewrite']:.3f}; candidates/doc {len(cand) / len(usable):5.1f}; "
            f"capped buckets {stats.capped_buckets}; {secs:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "data", type=Path, help="folder holding allsides-dev/ and reuters21578.jsonl"
    )
    args = parser.parse_args()
    texts, rows, labels = load_allsides(args.data)
    report_k(texts, rows, labels)
    report_lsh(args.data, texts, rows, labels)


if __name__ == "__main__":
    main()
