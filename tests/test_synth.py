"""benchmarks/synth.py: the labelled corpus generator (built-in invented text, no data needed)."""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth  # noqa: E402  (benchmarks/ is not a package on the test path)
from syndet import normalize_text  # noqa: E402


@pytest.fixture(scope="module")
def pool() -> synth.Pool:
    # Few source texts for 400 documents: stories are re-rendered in later epochs too.
    return synth.Pool(synth.builtin_texts(120, seed=5), seed=1)


@pytest.fixture(scope="module")
def corpus(pool: synth.Pool) -> tuple[list[synth.Doc], list[synth.Pair]]:
    return synth.make_corpus(pool, 400, seed=1, chunk=150)


def _grams(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = normalize_text(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_same_seed_same_corpus(pool: synth.Pool) -> None:
    first = synth.make_corpus(pool, 300, seed=7, chunk=120)
    again = synth.make_corpus(pool, 300, seed=7, chunk=120)
    other = synth.make_corpus(pool, 300, seed=8, chunk=120)
    assert first == again
    assert first[0] != other[0]


def test_chunks_do_not_depend_on_each_other(pool: synth.Pool) -> None:
    # The first chunk of a large corpus is the small corpus of one chunk: what lets
    # generation stream and run in parallel without changing the output.
    small = synth.make_corpus(pool, 150, seed=2, chunk=150)
    large = synth.make_corpus(pool, 450, seed=2, chunk=150)
    assert large[0][:150] == small[0]
    assert [p for p in large[1] if p.a in {d.id for d in small[0]}] == small[1]


@pytest.mark.parametrize("n", [0, 1, 13, 151, 400])
def test_requested_size(pool: synth.Pool, n: int) -> None:
    docs, _ = synth.make_corpus(pool, n, seed=3, chunk=150)
    assert len(docs) == n
    assert len({d.id for d in docs}) == n


def test_every_relation_kind_and_role_present(
    corpus: tuple[list[synth.Doc], list[synth.Pair]],
) -> None:
    docs, truth = corpus
    assert set(Counter(p.label for p in truth)) == set(synth.LABELS)
    assert set(Counter(d.role for d in docs)) == set(synth.ROLES)


def test_truth_is_consistent(corpus: tuple[list[synth.Doc], list[synth.Pair]]) -> None:
    docs, truth = corpus
    by_id = {d.id: d for d in docs}
    labelled = {(p.a, p.b): p.label for p in truth}
    assert len(labelled) == len(truth), "a pair is labelled twice"
    for p in truth:
        assert p.a in by_id and p.b in by_id
        assert p.a < p.b
        assert by_id[p.a].family == by_id[p.b].family
    # Every pair inside a family is labelled by the role rule, except rewrite vs excerpt.
    families: dict[str, list[synth.Doc]] = {}
    for d in docs:
        families.setdefault(d.family, []).append(d)
    for members in families.values():
        for x, y in itertools.combinations(members, 2):
            a, b = sorted((x.id, y.id))
            if {x.role, y.role} == {"rewrite", "excerpt"}:
                assert (a, b) not in labelled
            elif "filler" not in (x.role, y.role):
                expected = synth.pair_label(x.role, y.role)
                got = labelled[a, b]
                assert got == expected or (got, expected) == ("duplicate", "syndicated")


def test_duplicates_are_identical_once_normalized(
    corpus: tuple[list[synth.Doc], list[synth.Pair]],
) -> None:
    docs, truth = corpus
    by_id = {d.id: d for d in docs}
    dups = [p for p in truth if p.label == "duplicate"]
    assert dups
    for p in dups:
        a, b = by_id[p.a], by_id[p.b]
        assert a.text is not None and b.text is not None and a.text != b.text
        assert normalize_text(a.text) == normalize_text(b.text)


class _TagChecker(HTMLParser):
    """Fails on a closing tag that does not match the open one."""

    VOID = frozenset({"meta", "br", "img", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        if self.stack and "article" in self.stack:
            self.text.append(data)


def test_html_pages_parse(corpus: tuple[list[synth.Doc], list[synth.Pair]]) -> None:
    docs, _ = corpus
    pages = [d for d in docs if d.html is not None]
    assert pages and all(d.text is None for d in pages)
    for d in pages:
        assert d.html is not None
        checker = _TagChecker()
        checker.feed(d.html)
        checker.close()
        assert checker.stack == []
        assert {"nav", "article", "aside", "footer"} <= checker.seen
        assert d.title in "".join(checker.text)


def test_html_main_text_is_the_article(corpus: tuple[list[synth.Doc], list[synth.Pair]]) -> None:
    # What syndet reads from a page: the article, without the menus and the footer.
    from syndet.io.html import html_to_text

    docs, _ = corpus
    pages = [d for d in docs if d.html is not None and d.role == "copy"][:5]
    for d in pages:
        assert d.html is not None
        text = html_to_text(d.html)
        assert d.title in text
        assert "All rights reserved" not in text


def _bodies(docs: list[synth.Doc]) -> dict[str, str]:
    """The story text of each plain-text page: its lines without the site's chrome, the
    headline, the dateline and the related links."""
    chrome = set()
    for site in synth.sites():
        chrome |= {site.name, " | ".join(site.menu), site.share, site.related, *site.footer}
        chrome |= {x for x in (site.cookie, site.newsletter) if x}
    return {
        d.id: "\n".join(
            x
            for x in d.text.strip().split("\n\n")
            if x not in chrome and x != d.title and not x.startswith(("- ", "Published "))
        )
        for d in docs
        if d.text is not None and d.role != "duplicate"  # a re-scrape has other line breaks
    }


def test_distractor_shares_only_names_and_a_quote(
    corpus: tuple[list[synth.Doc], list[synth.Pair]],
) -> None:
    docs, _ = corpus
    bodies = _bodies(docs)
    originals = {d.family: d.id for d in docs if d.role == "original"}
    distractors = [d for d in docs if d.role == "distractor" and d.id in bodies]
    assert distractors
    for d in distractors:
        shared = _grams(bodies[d.id]) & _grams(bodies[originals[d.family]])
        # A quote of 15-30 words gives 8-23 word 8-grams; names alone make none.
        assert 8 <= len(shared) <= 23


def test_families_share_no_text(corpus: tuple[list[synth.Doc], list[synth.Pair]]) -> None:
    # Pages of different families share only their sites' chrome, never story text.
    docs, _ = corpus
    fam = {d.id: d.family for d in docs}
    seen: dict[tuple[str, ...], str] = {}
    for doc_id, body in _bodies(docs).items():
        for g in _grams(body):
            other = seen.setdefault(g, doc_id)
            assert fam[other] == fam[doc_id], (g, other, doc_id)


def test_pool_removes_text_shared_between_sources() -> None:
    texts = synth.builtin_texts(6, seed=9)
    shared = "The harbour board voted on Tuesday to close the old ferry landing for good."
    texts[0] += "\n\n" + shared
    texts[3] = shared + "\n\n" + texts[3]
    pool = synth.Pool(texts)
    sentences = [s for t in pool.texts for s in t.sents]
    assert shared not in sentences
    assert pool.dropped["sentences"] >= 2


def test_rerendering_makes_a_new_text() -> None:
    pool = synth.Pool(synth.builtin_texts(30, seed=4))
    first, para = pool.render(0, 0)
    second, para2 = pool.render(0, 1)
    third, _ = pool.render(0, 2)
    assert para == para2 and len(first) == len(second)
    # Punctuation and capitals survive, words do not.
    assert [s[-1] for s in first] == [s[-1] for s in second]
    assert not _grams(" ".join(first), 5) & _grams(" ".join(second), 5)
    assert not _grams(" ".join(second), 5) & _grams(" ".join(third), 5)


@pytest.mark.parametrize("fmt", ["folder", "jsonl", "parquet"])
def test_command_line_writes_a_corpus(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "c"
    assert synth.main(["--builtin", "--out", str(out), "--docs", "60", "--format", fmt]) == 0
    with open(out / "families.csv", encoding="utf-8") as f:
        ids = [row["id"] for row in csv.DictReader(f)]
    with open(out / "truth.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert len(ids) == 60
    assert truth and {r["a"] for r in truth} | {r["b"] for r in truth} <= set(ids)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["documents"] == 60
    if fmt == "folder":
        assert all((out / "docs" / i).is_file() for i in ids)
    elif fmt == "jsonl":
        lines = (out / "docs" / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["id"] for line in lines] == ids
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(out / "docs" / "part-00000.parquet")["id"].to_pylist() == ids


def test_syndet_reads_the_folder_with_the_truth_ids(tmp_path: Path) -> None:
    import syndet

    synth.main(["--builtin", "--out", str(tmp_path), "--docs", "40"])
    result = syndet.Scanner(workers=1).scan([str(tmp_path / "docs")])
    with open(tmp_path / "families.csv", encoding="utf-8") as f:
        ids = {row["id"] for row in csv.DictReader(f)}
    assert not result.skips
    assert result.summary["documents"]["scanned"] == len(ids)
    assert set(result.pairs["a"].to_list()) | set(result.pairs["b"].to_list()) <= ids


def test_workers_give_the_same_corpus(pool: synth.Pool, tmp_path: Path) -> None:
    one = synth.write_corpus(pool, 250, tmp_path / "one", fmt="jsonl", chunk=100)
    two = synth.write_corpus(pool, 250, tmp_path / "two", fmt="jsonl", chunk=100, workers=2)
    assert one == two
    for name in ("truth.csv", "families.csv", "docs/part-00002.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
