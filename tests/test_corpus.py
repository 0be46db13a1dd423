"""`syndet scan corpus/` reproduces the demo corpus's labelled relations exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from syndet import Scanner

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return Scanner().scan([CORPUS])


def test_labels_reproduced_exactly(result) -> None:  # type: ignore[no-untyped-def]
    with open(CORPUS / "labels.csv", newline="") as f:
        want = {(r["a"], r["b"]): r["relation"] for r in csv.DictReader(f)}
    got = {(a, b): r for a, b, r in result.pairs.select("a", "b", "relation").iter_rows()}
    assert got == want


def test_corpus_is_read_whole(result) -> None:  # type: ignore[no-untyped-def]
    articles = [
        p
        for p in CORPUS.rglob("*")
        if p.suffix in {".txt", ".html", ".md"} and p.name != "README.md"
    ]
    assert result.summary["documents"]["scanned"] == len(articles) >= 30
    assert result.skips == []
    # labels.csv, sources.csv, build.py and README.md are ignored through .syndetignore
    assert result.summary["files"]["ignored"] >= 4


def test_same_event_stories_are_not_reported(result) -> None:  # type: ignore[no-untyped-def]
    docs = set(result.pairs["a"]) | set(result.pairs["b"])
    same_event = {
        "lakeshoreledger/tessaly-road-warehouse-fire.txt",
        "eastbankherald/kestrel-workers-after-fire.txt",
    }
    assert not same_event & docs


def test_sources_reproduced(result) -> None:  # type: ignore[no-untyped-def]
    with open(CORPUS / "sources.csv", newline="") as f:
        want = {r["doc"]: r["source"] for r in csv.DictReader(f)}
    got = dict(result.clusters.select("doc", "source").iter_rows())
    assert got == want


def test_wire_credits_become_agency(result) -> None:  # type: ignore[no-untyped-def]
    agency = dict(result.clusters.select("doc", "agency").iter_rows())
    assert agency["newswire/port-aldine-bridge-cables.txt"] == "Continental Press"
    assert result.summary["boilerplate"]["documents_with_agency"] >= 4
