"""The whole scan against a brute-force all-pairs reference, and its invariances."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syndet import DEFAULT_CONFIG, Scanner, normalize_text
from syndet.cluster import components as cluster_components
from syndet.errors import ConfigError

K = DEFAULT_CONFIG.shingle.k
V = DEFAULT_CONFIG.verify


def make_corpus(seed: int = 3, stories: int = 12) -> dict[str, str]:
    """Invented-word stories with copies, chrome-wrapped copies, excerpts and rewrites."""
    rnd = random.Random(seed)
    sylls = ["ka", "lo", "mi", "ren", "tas", "vo", "bri", "den", "sul", "ap", "or", "nex"]
    vocab = ["".join(rnd.choice(sylls) for _ in range(rnd.randint(1, 4))) for _ in range(4000)]

    def words(n: int) -> list[str]:
        return [rnd.choice(vocab) for _ in range(n)]

    docs: dict[str, str] = {}
    for s in range(stories):
        story = words(rnd.randint(250, 400))
        text = " ".join(story)
        docs[f"story{s:02d}"] = text
        kind = s % 4
        if kind == 0:
            docs[f"copy{s:02d}"] = "Home | News | Sport\n" + text + "\nShare this. © Some Site"
            docs[f"dup{s:02d}"] = text.upper()
        elif kind == 1:
            docs[f"excerpt{s:02d}"] = " ".join(story[: len(story) // 3] + words(15))
            # a third member: in a two-article cluster the source is ambiguous (cluster docs)
            docs[f"syndic{s:02d}"] = "Menu\n" + text + "\nFooter"
        elif kind == 2:
            # reuse spread over many short passages, none dominant: a rewrite
            pieces = [story[j : j + 14] for j in range(0, len(story), 28)]
            mixed = [w for piece in pieces for w in piece + words(8)]
            docs[f"rewrite{s:02d}"] = " ".join(words(40) + mixed)
            docs[f"syndic{s:02d}"] = "Menu\n" + text + "\nFooter"
    return docs


def reference_text(text: str) -> list[str]:
    """The authored words of a document of these generated corpora (no quotes, no credits):
    normalized lines minus the lines the per-document line filter drops."""
    kept = []
    for line in text.split("\n"):
        n = normalize_text(line)
        link_row = line.count(" | ") >= 2
        short = 0 < len(n.split()) <= 3 and not line.rstrip().endswith((".", "!", "?", ":", ";"))
        if n and not (link_row or short):
            kept.append(n)
    return " ".join(kept).split()


def reference_cover(a: list[str], b_grams: set[tuple[str, ...]]) -> tuple[int, int]:
    """Words of a inside maximal runs of k-grams found in b spanning at least
    ``min_passage_words`` words, and the longest such run in words."""
    hits = [tuple(a[i : i + K]) in b_grams for i in range(len(a) - K + 1)]
    covered = [False] * len(a)
    longest = 0
    i = 0
    while i < len(hits):
        if not hits[i]:
            i += 1
            continue
        j = i
        while j < len(hits) and hits[j]:
            j += 1
        words = j - i + K - 1
        if words >= V.min_passage_words:
            for w in range(i, i + words):
                covered[w] = True
            longest = max(longest, words)
        i = j
    return sum(covered), longest


def reference_pairs(docs: dict[str, str]) -> dict[tuple[str, str], str]:
    """Every pair's relation from plain Python sets and lists: the rules, written out."""
    words = {i: reference_text(t) for i, t in docs.items()}
    grams = {i: {tuple(w[j : j + K]) for j in range(len(w) - K + 1)} for i, w in words.items()}
    norm = {i: normalize_text(t) for i, t in docs.items()}
    out = {}
    for a, b in itertools.combinations(sorted(docs), 2):
        ga, gb = grams[a], grams[b]
        if not ga or not gb:
            continue
        inter = len(ga & gb)
        cmin = min(inter / len(ga), inter / len(gb))
        cmax = max(inter / len(ga), inter / len(gb))
        cov_a, long_a = reference_cover(words[a], gb)
        cov_b, long_b = reference_cover(words[b], ga)
        shared_words = min(cov_a, cov_b)
        if norm[a] == norm[b]:
            rel = "duplicate"
        elif shared_words < V.min_shared_words or cmax < V.rewritten_min:
            continue
        elif cmin >= V.syndicated_min:
            rel = "syndicated"
        elif cmax >= V.partial_min or max(long_a, long_b) >= V.partial_block * shared_words:
            rel = "partial"
        else:
            rel = "rewritten"
        out[(a, b)] = rel
    return out


def scan_docs(docs: dict[str, str], **kw) -> object:
    ids = list(docs)
    table = pa.table({"id": ids, "text": [docs[i] for i in ids]})
    return Scanner(**kw).scan_table(table)


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return make_corpus()


def test_scan_matches_all_pairs_reference(corpus: dict[str, str]) -> None:
    result = scan_docs(corpus)
    got = {(a, b): r for a, b, r in result.pairs.select("a", "b", "relation").iter_rows()}
    want = reference_pairs(corpus)
    # Every kind of relation is exercised by the generated corpus.
    assert set(want.values()) == {"duplicate", "syndicated", "partial", "rewritten"}
    assert got == want
    assert (result.pairs["a"] < result.pairs["b"]).all()
    assert result.summary["documents"]["scanned"] == len(corpus)


def test_scan_is_independent_of_order_workers_and_batches(corpus: dict[str, str]) -> None:
    base = scan_docs(corpus)
    ids = list(corpus)
    random.Random(5).shuffle(ids)
    shuffled = {i: corpus[i] for i in ids}
    # spill=None: the evidence (candidates' shingles) stays in memory instead of a file
    for kw in (
        {"workers": 1},
        {"workers": 2, "batch_size": 7},
        {"batch_size": 1},
        {"spill": None, "batch_size": 5},
    ):
        other = scan_docs(shuffled, **kw)
        assert other.pairs.equals(base.pairs)
        assert other.clusters.equals(base.clusters)


def test_clusters_name_the_original_as_source(corpus: dict[str, str]) -> None:
    clusters = scan_docs(corpus).clusters
    for cid, group in clusters.group_by("cluster"):
        sources = set(group["source"])
        assert len(sources) == 1
        (src,) = sources
        # an exact duplicate of the original is indistinguishable from it: the id decides
        assert src.startswith(("story", "dup")), (cid, group)
        roles = dict(group.select("doc", "role").iter_rows())
        assert roles[src] == "source"
    roles = dict(clusters.select("doc", "role").iter_rows())
    assert roles["copy00"] == "syndicated"
    assert {roles["dup00"], roles["story00"]} == {"duplicate", "source"}
    assert roles["excerpt01"] == "partial"
    assert roles["rewrite02"] == "rewritten"


CHROME = st.lists(
    st.sampled_from(
        [
            "Home | World | Business",
            "Share",
            "Related Stories",
            "Sign in",
            "Accept cookies",
            "© 2026 Example Media. All rights reserved.",
            "Subscribe to our newsletter",
        ]
    ),
    max_size=6,
)


@settings(max_examples=15, deadline=None)
@given(CHROME, CHROME, st.integers(0, 3))
def test_copy_with_chrome_lines_is_still_found(
    top: list[str], bottom: list[str], which: int
) -> None:
    corpus = make_corpus(seed=11, stories=4)
    original = corpus[f"story{which:02d}"]
    corpus["wrapped"] = "\n".join([*top, original, *bottom])
    result = scan_docs(corpus)
    pair = tuple(sorted((f"story{which:02d}", "wrapped")))
    rel = result.pairs.filter((pl.col("a") == pair[0]) & (pl.col("b") == pair[1]))["relation"]
    assert rel.to_list() in (["syndicated"], ["duplicate"])


def test_short_and_empty_documents_are_reported_not_dropped() -> None:
    docs = {"a": "one two three", "b": "   ", "c": " ".join(f"w{i}" for i in range(50))}
    result = scan_docs(docs)
    reasons = {s.doc: s.reason for s in result.skips}
    assert reasons == {"a": "too_short", "b": "empty"}
    assert result.summary["documents"]["skipped_by_reason"] == {"empty": 1, "too_short": 1}
    assert result.summary["documents"]["scanned"] == 1


def test_strict_turns_a_skip_into_an_error() -> None:
    from syndet.errors import BadDocumentError

    with pytest.raises(BadDocumentError, match=r"only \d+ words"):
        scan_docs({"a": "word", "b": " ".join(["x"] * 30)}, strict=True)


def test_published_dates_choose_the_source() -> None:
    text = " ".join(f"w{i}" for i in range(120))
    table = pa.table(
        {
            "id": ["a", "b", "c"],
            "text": [text, text + " extra words here", "unrelated " * 40],
            "published": pa.array(
                [
                    datetime(2024, 5, 2, tzinfo=timezone.utc),
                    datetime(2024, 5, 1, tzinfo=timezone.utc),
                    None,
                ],
                type=pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    clusters = Scanner().scan_table(table).clusters
    assert clusters["source"].unique().to_list() == ["b"]
    assert clusters["source_reason"].unique().to_list() == ["earliest_published"]


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        Scanner(workers=0)
    with pytest.raises(ConfigError):
        DEFAULT_CONFIG.with_threshold(1.5)


def test_weak_links_do_not_chain_stories() -> None:
    """A shares a block with B, B shares another block with C; A and C share nothing.

    Connected components would put A, B and C in one cluster. syndet keeps in a cluster only
    members with their own verified relation to its source.
    """
    rnd = random.Random(21)
    vocab = [f"w{i}x{rnd.randint(0, 9)}" for i in range(5000)]
    x = [rnd.choice(vocab) for _ in range(300)]
    y = [rnd.choice(vocab) for _ in range(300)]
    docs = {
        "a": " ".join(x),
        "b": " ".join(x[150:] + y[:150]),
        "c": " ".join(y),
    }
    dates = [datetime(2024, 1, d, tzinfo=timezone.utc) for d in (1, 2, 3)]
    table = pa.table(
        {
            "id": list(docs),
            "text": list(docs.values()),
            "published": pa.array(dates, type=pa.timestamp("us", tz="UTC")),
        }
    )
    result = Scanner().scan_table(table)
    pairs = {(a, b) for a, b in result.pairs.select("a", "b").iter_rows()}
    assert pairs == {("a", "b"), ("b", "c")}  # the weak links are real and reported
    root = cluster_components(3, np.array([[0, 1], [1, 2]]))
    assert len(set(root.tolist())) == 1  # plain components chain all three
    clusters = result.clusters
    assert clusters["source"].unique().to_list() == ["a"]  # earliest published
    assert sorted(clusters["doc"].to_list()) == ["a", "b"]  # c has no relation with a
    assert "linked" not in clusters["role"].to_list()


def test_a_shared_photo_gallery_does_not_make_two_stories_copies() -> None:
    # Two different stories of one site embed the same photo gallery: each caption twice in a
    # row, as scraped galleries carry them, with a few single ones between. Without the gallery
    # rule the 300-odd caption words are the largest text the pages share.
    rnd = random.Random(5)
    vocab = ["".join(rnd.choice("aeioubdfklmnprstv") for _ in range(7)) for _ in range(3000)]

    def sentence(n: int) -> str:
        return " ".join(rnd.choice(vocab) for _ in range(n)) + "."

    captions = [sentence(rnd.randint(15, 25)) for _ in range(16)]
    gallery: list[str] = []
    for i, c in enumerate(captions):
        gallery += [c] if i % 5 == 4 else [c, c]
    docs = {
        f"page{p}": "\n\n".join(
            [sentence(40) for _ in range(4)] + gallery + [sentence(40) for _ in range(3)]
        )
        for p in range(2)
    }
    docs["other"] = "\n\n".join(sentence(40) for _ in range(8))
    off = replace(DEFAULT_CONFIG.boilerplate, strip_galleries=False)
    assert scan_docs(docs, config=replace(DEFAULT_CONFIG, boilerplate=off)).pairs.height == 1
    result = scan_docs(docs)
    assert result.pairs.height == 0
    # the doubled captions, both copies, and the single ones between them, on both pages
    assert result.summary["boilerplate"]["lines_dropped_as_gallery"] == 2 * len(gallery)
