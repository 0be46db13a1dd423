"""Precision, recall and F1 of syndet on labelled data, in one table, with the targets.

    python benchmarks/quality.py ../shared/data
    python benchmarks/quality.py ../shared/data --only allsides,synth --json quality.json

DATA_DIR holds any of these (point it at your own labelled sets of the same layout):

``allsides-dev/``
    ``articles.jsonl`` (id, source, url, published, title, authors, text) and ``pairs.jsonl``
    (a, b, label in copy/partial/rewrite/same-event/unrelated, read, note). Scored only over
    the labelled pairs: a pair outside ``pairs.jsonl`` is unlabelled, not negative.
``reuters21578.jsonl``
    Wire stories (id, body, ...). Bodies identical after whitespace normalization form groups;
    syndet should put each group in one cluster and report each of its pairs as duplicate.
``clough-stevenson/``
    ``file_information.csv`` (File, Task, Category in cut/light/heavy/non) and the texts;
    each answer is checked against ``orig_task<Task>.txt``.
``synth/`` (optional)
    A corpus written by ``benchmarks/synth.py`` (``docs/``, ``truth.csv``, ``families.csv``).
    Without it, a corpus of ``--synth-docs`` documents is generated from the allsides-dev
    texts in memory.

Scoring rules
-------------
* A labelled pair is *predicted positive for a group* when syndet reports it with a relation
  of that group. Groups: duplicate+syndicated (allsides label ``copy``), partial, rewritten,
  partial+rewritten (a labelled partial or rewrite found as either), and any reported pair
  (copy/partial/rewrite against the negatives). A positive reported with another group's
  relation is a miss for its group and a false positive for the other.
* Negatives are ``same-event`` and ``unrelated``; "negatives reported" is the share of them
  reported with any relation.
* allsides-dev is scored twice: all labelled pairs, and without the pairs whose note starts
  with ``borderline`` or ``weak`` (short overlaps a person could call either way).
* synth: truth labels duplicate/syndicated, partial, rewritten, same-event as above. Documents
  of different families share no story text by construction, so every pair syndet reports
  across families counts as a false positive (for precision) and is counted on its own row.
  Pairs inside a family that the truth leaves unlabelled (a rewrite against an excerpt) are
  ignored. synth rows carry the allsides targets, for comparison.

Every number printed (and more: counts, confusion tables, seconds) goes to ``--json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

import syndet
from syndet.io.readers import parse_published

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # a sibling script, not an installed module

DATASETS = ("allsides", "reuters", "clough", "synth")
RELATIONS = ("duplicate", "syndicated", "partial", "rewritten")
NEGATIVE = "negative"
# Truth classes (after mapping each data set's own labels) and the relations that find them.
GROUPS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "duplicate+syndicated": (frozenset({"copy"}), frozenset({"duplicate", "syndicated"})),
    "partial": (frozenset({"partial"}), frozenset({"partial"})),
    "rewritten": (frozenset({"rewrite"}), frozenset({"rewritten"})),
    "partial+rewritten": (frozenset({"partial", "rewrite"}), frozenset({"partial", "rewritten"})),
    "any reported pair": (frozenset({"copy", "partial", "rewrite"}), frozenset(RELATIONS)),
}
ALLSIDES_CLASS = {
    "copy": "copy",
    "partial": "partial",
    "rewrite": "rewrite",
    "same-event": NEGATIVE,
    "unrelated": NEGATIVE,
}
SYNTH_CLASS = {
    "duplicate": "copy",
    "syndicated": "copy",
    "partial": "partial",
    "rewritten": "rewrite",
    "same-event": NEGATIVE,
}


# --------------------------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class Target:
    """A goal for one figure: ``text`` for the table, ``check`` on the figure's numbers."""

    text: str
    check: Callable[[dict[str, Any]], bool]

    def mark(self, numbers: dict[str, Any]) -> str:
        return f"{self.text} {'✅' if self.check(numbers) else '❌'}"


F1_COPY = Target("F1 ≥ 0.95", lambda m: m["f1"] >= 0.95)
REUSE = Target("R ≥ 0.8 at P ≥ 0.9", lambda m: m["recall"] >= 0.8 and m["precision"] >= 0.9)
NEGATIVES = Target("≤ 1%", lambda m: m["share"] <= 0.01)
ALL_GROUPS = Target("all", lambda m: m["found"] == m["n"])
NEVER = Target("never", lambda m: m["found"] == 0)
ALWAYS = Target("always", lambda m: m["found"] == m["n"])
GROUP_TARGETS = {"duplicate+syndicated": F1_COPY, "partial+rewritten": REUSE}


# --------------------------------------------------------------------------------------------
# Table


@dataclass
class Row:
    data: str
    measure: str
    n: int | str
    numbers: dict[str, Any] = field(default_factory=dict)
    value: str = ""
    target: Target | None = None

    def cells(self) -> list[str]:
        m = self.numbers
        prf = [f"{m[k]:.3f}" if k in m else "" for k in ("precision", "recall", "f1")]
        target = self.target.mark(m) if self.target else ""
        n = f"{self.n:,}" if isinstance(self.n, int) else self.n
        return [self.data, self.measure, n, *prf, self.value, target]


HEADER = ["data", "measure", "n", "precision", "recall", "F1", "value", "target"]


def markdown(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    previous = None
    for row in rows:
        cells = row.cells()
        if cells[0] == previous:  # one data set name per block keeps the table readable
            cells[0] = ""
        else:
            previous = cells[0]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


# --------------------------------------------------------------------------------------------
# Scoring


def key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def reported_pairs(result: Any) -> dict[tuple[str, str], str]:
    """Pair -> relation for every pair a scan reported."""
    df = result.pairs.select("a", "b", "relation")
    return {key(a, b): rel for a, b, rel in df.iter_rows()}


def prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def score_pairs(scored: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
    """Per-group precision/recall/F1 over ``(truth class, reported relation or None)`` items."""
    items = list(scored)
    out: dict[str, Any] = {}
    for name, (truth, found_as) in GROUPS.items():
        tp = sum(1 for t, r in items if t in truth and r in found_as)
        fp = sum(1 for t, r in items if t not in truth and r in found_as)
        fn = sum(1 for t, r in items if t in truth and r not in found_as)
        out[name] = {"n": sum(1 for t, _ in items if t in truth), **prf(tp, fp, fn)}
    negatives = [r for t, r in items if t == NEGATIVE]
    hit = sum(1 for r in negatives if r is not None)
    out["negatives reported"] = {
        "n": len(negatives),
        "found": hit,
        "share": hit / len(negatives) if negatives else 0.0,
    }
    confusion = Counter(f"{t} -> {r or 'not reported'}" for t, r in items)
    out["confusion"] = dict(sorted(confusion.items()))
    return out


def group_rows(data: str, scores: dict[str, Any]) -> list[Row]:
    rows = [
        Row(data, name, scores[name]["n"], scores[name], target=GROUP_TARGETS.get(name))
        for name in GROUPS
    ]
    neg = scores["negatives reported"]
    rows.append(
        Row(
            data,
            "negatives reported (any relation)",
            neg["n"],
            neg,
            # two decimals: the target is 1%, and 0.96% must not print as 1.0%
            value=f"{pct(neg['share'], 2)} ({neg['found']})",
            target=NEGATIVES,
        )
    )
    return rows


def scanner(workers: int | None) -> syndet.Scanner:
    return syndet.Scanner(workers=workers, on_skip=lambda _skip: None)


# --------------------------------------------------------------------------------------------
# Data sets


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def allsides(root: Path, workers: int | None) -> tuple[list[Row], dict[str, Any]]:
    folder = root / "allsides-dev"
    articles = read_jsonl(folder / "articles.jsonl")
    labelled = read_jsonl(folder / "pairs.jsonl")
    table = pl.DataFrame(
        {
            "id": [a["id"] for a in articles],
            "text": [a.get("text") for a in articles],
            "published": [
                parse_published(a["published"]) if a.get("published") else None for a in articles
            ],
            "source": [a.get("source") for a in articles],
            "title": [a.get("title") for a in articles],
            "url": [a.get("url") for a in articles],
        },
        schema_overrides={"published": pl.Datetime("us", "UTC")},
    )
    result = scanner(workers).scan_table(table)
    found = reported_pairs(result)
    out: dict[str, Any] = {
        "documents": result.summary["documents"],
        "pairs_reported": result.summary["pairs"],
        "settings": result.summary["settings"],
    }
    rows: list[Row] = []
    subsets = {
        "all labelled pairs": labelled,
        "without borderline/weak": [
            p
            for p in labelled
            if not (p.get("note") or "").lower().startswith(("borderline", "weak"))
        ],
    }
    for name, pairs in subsets.items():
        scores = score_pairs(
            (ALLSIDES_CLASS[p["label"]], found.get(key(p["a"], p["b"]))) for p in pairs
        )
        out[name] = scores
        rows += group_rows(f"allsides-dev, {name}", scores)
    return rows, out


def reuters(root: Path, workers: int | None) -> tuple[list[Row], dict[str, Any]]:
    stories = [r for r in read_jsonl(root / "reuters21578.jsonl") if (r.get("body") or "").strip()]
    ids = [str(r["id"]) for r in stories]
    groups: dict[str, list[str]] = {}
    for doc, r in zip(ids, stories, strict=True):
        groups.setdefault(" ".join(r["body"].split()), []).append(doc)
    same = [g for g in groups.values() if len(g) > 1]
    result = scanner(workers).scan_table(
        pl.DataFrame({"id": ids, "text": [r["body"] for r in stories]})
    )
    found = reported_pairs(result)
    cluster = dict(result.clusters.select("doc", "cluster").iter_rows())
    one_cluster = sum(
        1 for g in same if cluster.get(g[0]) is not None and len({cluster.get(d) for d in g}) == 1
    )
    all_dup = sum(
        1
        for g in same
        if all(found.get(key(a, b)) == "duplicate" for i, a in enumerate(g) for b in g[i + 1 :])
    )
    by_relation = result.summary["pairs"]["by_relation"]
    n_docs = result.summary["documents"]["scanned"]
    relations = ", ".join(f"{rel} {by_relation.get(rel, 0):,}" for rel in RELATIONS)
    in_cluster = {"n": len(same), "found": one_cluster}
    every_pair = {"n": len(same), "found": all_dup}
    rows = [
        Row(
            "reuters-21578",
            "identical-body groups in one cluster",
            len(same),
            in_cluster,
            value=f"{one_cluster} ({pct(one_cluster / max(len(same), 1))})",
            target=ALL_GROUPS,
        ),
        Row(
            "reuters-21578",
            "identical-body groups with every pair duplicate",
            len(same),
            every_pair,
            value=f"{all_dup} ({pct(all_dup / max(len(same), 1))})",
            target=ALL_GROUPS,
        ),
        Row("reuters-21578", "pairs reported, by relation", f"{n_docs:,} docs", value=relations),
    ]
    out = {
        "settings": result.summary["settings"],
        "documents": result.summary["documents"],
        "groups": len(same),
        "documents_in_groups": sum(len(g) for g in same),
        "groups_in_one_cluster": one_cluster,
        "groups_every_pair_duplicate": all_dup,
        "pairs_reported": result.summary["pairs"],
    }
    return rows, out


def clough(root: Path, workers: int | None) -> tuple[list[Row], dict[str, Any]]:
    folder = root / "clough-stevenson"
    with open(folder / "file_information.csv", encoding="utf-8", newline="") as f:
        info = [r for r in csv.DictReader(f) if r["Category"] in ("cut", "light", "heavy", "non")]
    files = sorted(p for p in folder.iterdir() if p.suffix == ".txt")
    # Read through syndet's own file reader: the texts come in several encodings.
    result = scanner(workers).scan([str(p) for p in files])
    found = reported_pairs(result)
    out: dict[str, Any] = {
        "settings": result.summary["settings"],
        "documents": result.summary["documents"],
    }
    rows: list[Row] = []
    for category in ("cut", "light", "heavy", "non"):
        answers = [r for r in info if r["Category"] == category]
        rels = [found.get(key(r["File"], f"orig_task{r['Task']}.txt")) for r in answers]
        hits = Counter(r for r in rels if r is not None)
        n_found = sum(hits.values())
        numbers = {"n": len(answers), "found": n_found, "by_relation": dict(hits)}
        out[category] = numbers
        detail = ", ".join(f"{rel} {hits[rel]}" for rel in RELATIONS if hits[rel])
        value = f"{n_found} ({pct(n_found / max(len(answers), 1))})" + (
            f": {detail}" if detail else ""
        )
        target = {"cut": ALWAYS, "non": NEVER}.get(category)
        rows.append(
            Row(
                "clough-stevenson",
                f"{category} answers reported with their source",
                len(answers),
                numbers,
                value=value,
                target=None if category == "cut" else target,
            )
        )
        if category == "cut":
            # The data README: "a few cut/light answers barely overlap their source: treat them
            # as label noise". Noise here is objective: an answer sharing no run of k words
            # with its source cannot be a copy-paste of it, whatever its label.
            overlapping = [
                (r, rel)
                for r, rel in zip(answers, rels, strict=True)
                if shared_words(folder / r["File"], folder / f"orig_task{r['Task']}.txt") > 0
            ]
            kept = {"n": len(overlapping), "found": sum(rel is not None for _, rel in overlapping)}
            kept["noise"] = [r["File"] for r in answers if r not in [o for o, _ in overlapping]]
            out["cut_sharing_text"] = kept
            rows.append(
                Row(
                    "clough-stevenson",
                    "cut answers sharing any k-word run with their source, reported",
                    kept["n"],
                    kept,
                    value=f"{kept['found']} ({pct(kept['found'] / max(kept['n'], 1))}); "
                    f"left out as label noise: {', '.join(kept['noise']) or 'none'}",
                    target=target,
                )
            )
    return rows, out


def shared_words(a: Path, b: Path) -> int:
    """Words two files share in runs of k words, as ``syndet explain`` counts them."""
    from syndet.io.decode import decode_bytes

    text_a, _ = decode_bytes(a.read_bytes())
    text_b, _ = decode_bytes(b.read_bytes())
    return syndet.explain(text_a, text_b).shared_words


def synth_corpus(
    root: Path, n_docs: int, seed: int, workers: int | None
) -> tuple[str, Any, list[synth.Pair], dict[str, str]]:
    """Description, scan result, truth and each document's family."""
    folder = root / "synth"
    if (folder / "truth.csv").is_file():
        with open(folder / "truth.csv", encoding="utf-8", newline="") as f:
            truth = [synth.Pair(r["a"], r["b"], r["label"]) for r in csv.DictReader(f)]
        with open(folder / "families.csv", encoding="utf-8", newline="") as f:
            family = {r["id"]: r["family"] for r in csv.DictReader(f)}
        result = scanner(workers).scan([str(folder / "docs")])
        return f"synth ({folder})", result, truth, family
    texts = synth.load_source_texts(root / "allsides-dev" / "articles.jsonl")
    docs, truth = synth.make_corpus(texts, n_docs, seed)
    table = pl.DataFrame(
        {
            "id": [d.id for d in docs],
            "text": [d.text for d in docs],
            "html": [d.html for d in docs],
            "published": [d.published for d in docs],
            "source": [d.source for d in docs],
            "title": [d.title for d in docs],
            "url": [d.url for d in docs],
        }
    ).with_columns(pl.col("published").str.to_datetime(time_unit="us", time_zone="UTC"))
    result = scanner(workers).scan_table(table)
    name = f"synth ({n_docs:,} docs from allsides-dev, seed {seed})"
    return name, result, truth, {d.id: d.family for d in docs}


def synthetic(
    root: Path, workers: int | None, n_docs: int, seed: int
) -> tuple[list[Row], dict[str, Any]]:
    name, result, truth, family = synth_corpus(root, n_docs, seed, workers)
    found = reported_pairs(result)
    labelled = {key(p.a, p.b): SYNTH_CLASS[p.label] for p in truth}
    items = [(cls, found.get(pair)) for pair, cls in labelled.items()]
    cross = Counter(
        rel
        for pair, rel in found.items()
        if pair not in labelled and family.get(pair[0]) != family.get(pair[1])
    )
    # Pairs across families are negatives too, but there are far too many to list: only the
    # reported ones change a figure (precision), and they are kept out of the "negatives
    # reported" share, which stays the share of the labelled same-event pairs.
    items += [("unrelated", rel) for rel, n in cross.items() for _ in range(n)]
    scores = score_pairs(items)
    scores["cross-family pairs reported"] = dict(cross)
    rows = group_rows(name, scores)
    rows[-1].measure = "same-event distractors reported (any relation)"
    rows.append(
        Row(
            name,
            "pairs across families reported (all false)",
            "",
            value=", ".join(f"{r} {cross[r]}" for r in RELATIONS if cross[r]) or "0",
        )
    )
    out = {
        "corpus": name,
        "settings": result.summary["settings"],
        "documents": result.summary["documents"],
        "truth_labels": dict(Counter(p.label for p in truth)),
        "pairs_reported": result.summary["pairs"],
        **scores,
    }
    return rows, out


# --------------------------------------------------------------------------------------------
# Main


def syndet_version() -> str:
    """Where syndet was imported from, and its commit when that is a git checkout."""
    where = Path(syndet.__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(where), "log", "-1", "--format=%h %cs"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"syndet {syndet.__version__} from {where}"
    state = " with uncommitted changes" if dirty else ""
    return f"syndet {syndet.__version__} from {where}, commit {commit}{state}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "data", type=Path, help="folder with allsides-dev/, reuters21578.jsonl, ..."
    )
    parser.add_argument(
        "--only", default=",".join(DATASETS), help=f"comma-separated subset of {DATASETS}"
    )
    parser.add_argument("--json", type=Path, help="write every number to this file")
    parser.add_argument("--workers", type=int, help="syndet threads/processes (default: all)")
    parser.add_argument("--synth-docs", type=int, default=2000, help="generated corpus size")
    parser.add_argument("--synth-seed", type=int, default=0)
    args = parser.parse_args(argv)
    wanted = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = set(wanted) - set(DATASETS)
    if unknown:
        parser.error(f"unknown data sets {sorted(unknown)}; choose from {DATASETS}")
    present = {
        "allsides": (args.data / "allsides-dev" / "pairs.jsonl").is_file(),
        "reuters": (args.data / "reuters21578.jsonl").is_file(),
        "clough": (args.data / "clough-stevenson" / "file_information.csv").is_file(),
        "synth": (args.data / "synth" / "truth.csv").is_file()
        or (args.data / "allsides-dev" / "articles.jsonl").is_file(),
    }
    runners: dict[str, Callable[[], tuple[list[Row], dict[str, Any]]]] = {
        "allsides": lambda: allsides(args.data, args.workers),
        "reuters": lambda: reuters(args.data, args.workers),
        "clough": lambda: clough(args.data, args.workers),
        "synth": lambda: synthetic(args.data, args.workers, args.synth_docs, args.synth_seed),
    }
    rows: list[Row] = []
    numbers: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for name in wanted:
        if not present[name]:
            print(f"skipping {name}: not found under {args.data}", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        got, numbers[name] = runners[name]()
        seconds[name] = round(time.perf_counter() - t0, 1)
        rows += got
    if not rows:
        print(f"nothing to measure: none of {wanted} was found under {args.data}", file=sys.stderr)
        return 1
    # The settings of the scans themselves (every data set is scanned with the same ones).
    settings = next((n["settings"] for n in numbers.values()), syndet.DEFAULT_CONFIG.to_dict())
    command = shlex.join(["python", *sys.argv] if argv is None else ["python", __file__, *argv])
    print(f"Command: `{command}`  ")
    print(f"Run: {date.today().isoformat()}, {syndet_version()}  ")
    print(f"Seconds per data set: {json.dumps(seconds)}\n")
    print(markdown(rows))
    print(f"\nsyndet settings: `{json.dumps(settings, separators=(',', ':'))}`")
    if args.json:
        payload = {
            "command": command,
            "date": date.today().isoformat(),
            "syndet": syndet_version(),
            "settings": settings,
            "seconds": seconds,
            "datasets": numbers,
            "table": [dict(zip(HEADER, row.cells(), strict=True)) for row in rows],
            "targets": [
                {
                    "data": r.data,
                    "measure": r.measure,
                    "target": r.target.text,
                    "met": r.target.check(r.numbers),
                }
                for r in rows
                if r.target is not None
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
