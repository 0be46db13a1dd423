"""Chrome learning against a brute-force reference; credits, quotes and the line filter."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from syndet import boilerplate


def reference_chrome(
    lines: list[tuple[int, int, int]],
    *,
    min_docs: int,
    own_words: int,
    own_share: float,
    short_words: int,
    long_words: int,
) -> set[int]:
    """The documented rules over (hash, doc, words) triples, with plain dicts and sets."""
    holders: dict[int, set[int]] = {}
    words: dict[int, int] = {}
    for h, d, w in lines:
        holders.setdefault(h, set()).add(d)
        words[h] = w
    own: dict[int, int] = {}
    for h, docs in holders.items():
        if len(docs) == 1:
            (d,) = docs
            own[d] = own.get(d, 0) + words[h]
    chrome = set()
    for h, docs in holders.items():
        indep = sum(own.get(d, 0) >= own_words for d in docs)
        n = len(docs)
        if (
            (n >= min_docs and indep >= min_docs and indep >= own_share * n)
            or (n >= min_docs and words[h] <= short_words)
            or (n >= 2 and words[h] >= long_words and indep >= 2)
        ):
            chrome.add(h)
    return chrome


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 8)), min_size=1, max_size=80),
    st.integers(2, 4),
    st.sampled_from([0.5, 0.9]),
)
def test_learn_chrome_equals_reference(
    pairs: list[tuple[int, int]], min_docs: int, share: float
) -> None:
    # a line's length depends only on its hash, as for real lines
    lines = [(h, d, (h * 37) % 300) for h, d in pairs]
    got = boilerplate.learn_chrome(
        np.array([h for h, _, _ in lines], dtype=np.uint64),
        np.array([d for _, d, _ in lines], dtype=np.int64),
        np.array([w for _, _, w in lines], dtype=np.int64),
        min_docs=min_docs,
        own_words=80,
        own_share=share,
        short_words=3,
        long_words=250,
    )
    want = reference_chrome(
        lines, min_docs=min_docs, own_words=80, own_share=share, short_words=3, long_words=250
    )
    assert set(got.tolist()) == want


def test_repeated_story_lines_are_kept_site_menus_are_not() -> None:
    # docs 0-3: four copies of one story (lines 100-104) with no prose of their own;
    # docs 4-8: five different articles (own lines) that all carry a promo line (200).
    lines = [(100 + i, d, 40) for d in range(4) for i in range(5)]
    lines += [(1000 + d * 10 + i, d, 50) for d in range(4, 9) for i in range(3)]
    lines += [(200, d, 20) for d in range(4, 9)]
    h, d, w = (np.array(x) for x in zip(*lines, strict=True))
    chrome = boilerplate.learn_chrome(h.astype(np.uint64), d, w)
    assert chrome.tolist() == [200]


def test_credits_and_agency() -> None:
    lines = pa.array(
        [
            "LONDON (Reuters) - The bank raised rates on Thursday.",
            "PORT ALDINE, May 14 (Continental Press) — The bridge closed.",
            "Reporting by Jane Roe; Editing by John Doe",
            "The Associated Press contributed to this report.",
            "This story was published from a syndicated feed.",
            "A plain paragraph (with brackets) - and a dash.",
        ]
    )
    text, agency = boilerplate.strip_credits(lines)
    assert text.to_pylist() == [
        "The bank raised rates on Thursday.",
        "The bridge closed.",
        "",
        "",
        "",
        "A plain paragraph (with brackets) - and a dash.",
    ]
    assert agency.to_pylist() == [
        "Reuters",
        "Continental Press",
        "Reuters",
        "AP",
        boilerplate.REPUBLISHED,
        None,
    ]
    offsets = np.array([0, 2, 5, 6])
    assert boilerplate.agency_of(agency, offsets) == ["Reuters", "Reuters", None]
    assert boilerplate.republished(agency, offsets).tolist() == [False, True, False]


def test_quotes_removed() -> None:
    lines = pa.array(
        [
            'He said "we will rebuild the bridge" on Monday.',
            "“Curly quotes,” she said, «and guillemets».",
            "“An unclosed quote paragraph goes on",
            "— Jane Roe (@janeroe) May 3, 2020",
            "No quotes here.",
            "JANE ROE: Well, the bridge will be rebuilt by spring.",
            "Q: When will it open?",
            "The mayor had one aim: to reopen the bridge.",
        ]
    )
    out = boilerplate.strip_quotes(lines).to_pylist()
    assert out[0] == "He said   on Monday."
    assert "Curly" not in out[1] and "guillemets" not in out[1] and "she said" in out[1]
    assert out[2] == "" and out[3] == ""
    assert out[4] == "No quotes here."
    # transcript turns are speech; a colon inside a sentence is not a speaker label
    assert out[5] == "" and out[6] == ""
    assert out[7] == "The mayor had one aim: to reopen the bridge."


def test_link_cards_cut() -> None:
    card = (
        "Mayor Jane Roe Jane Alice RoeCouncil votes to close the old bridge Ferry fares rise "
        "again MORE"
    )
    lines = pa.array(
        [
            f"A vote called by {card} on Tuesday split the council.",
            "McDonald's sells MORE burgers than before.",  # a Mc name is no card
            "#BlackLivesMatter organisers met the council to plan the march, and MORE",
            "No card here.",
        ]
    )
    out = boilerplate.strip_link_cards(lines).to_pylist()
    # the card's full name ("Jane Alice Roe") goes with it; the mention stays
    assert out[0] == "A vote called by Mayor Jane Roe  on Tuesday split the council."
    assert out[1:] == lines.to_pylist()[1:]


def test_cheap_filter() -> None:
    lines = pa.array(
        ["Share", "Sign in", "Home | News | Sport", "He left.", "A real headline here"]
    )
    words = np.array([1, 2, 5, 2, 4])
    assert boilerplate.cheap_filter(lines, words).tolist() == [True, True, True, False, False]


def test_split_and_join_lines_round_trip() -> None:
    from syndet.normalize import normalize_batch, normalize_text

    docs = ["One line\nTwo lines\n\nThree", "", "single"]
    lines = boilerplate.split_lines(pa.array(docs))
    norm = normalize_batch(lines.text)
    off, data = boilerplate.join_lines(
        norm.offsets, norm.data, np.ones(len(lines.text), dtype=bool), lines.doc_offsets
    )
    joined = [bytes(data[off[i] : off[i + 1]]).decode() for i in range(len(docs))]
    assert joined == [normalize_text(t) for t in docs]
    assert list(itertools.accumulate(np.diff(lines.doc_offsets))) == [4, 5, 6]


def reference_gallery(docs: list[list[tuple[int, int]]], min_words: int, gap: int) -> list[bool]:
    """The documented gallery rule over each document's (hash, words) lines, written plainly."""
    out: list[bool] = []
    for lines in docs:
        nonempty = [i for i, (_, w) in enumerate(lines) if w > 0]
        doubled = set()
        for i, j in itertools.pairwise(nonempty):
            if lines[j][1] >= min_words and lines[i][0] == lines[j][0]:
                doubled.update((i, j))
        marked = set(doubled)
        ordered = sorted(doubled)
        for i, j in itertools.pairwise(ordered):
            between = sum(1 for m in range(i + 1, j) if lines[m][1] > 0)
            if between <= gap and lines[i][0] != lines[j][0]:
                marked.update(range(i + 1, j))
        out.extend(i in marked for i in range(len(lines)))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 4), st.sampled_from([0, 1, 3, 6, 9])), max_size=14),
        max_size=6,
    ),
    st.integers(1, 8),
    st.integers(0, 3),
)
def test_gallery_lines_equal_reference(
    docs: list[list[tuple[int, int]]], min_words: int, gap: int
) -> None:
    hashes = np.array([h for d in docs for h, _ in d], dtype=np.uint64)
    words = np.array([w for d in docs for _, w in d], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum([len(d) for d in docs]))).astype(np.int64)
    got = boilerplate.gallery_lines(hashes, words, offsets, min_words=min_words, gap=gap)
    assert got.tolist() == reference_gallery(docs, min_words, gap)


def test_gallery_lines_on_a_page() -> None:
    # A story, then a gallery: doubled captions with single ones between, then the story
    # again. The roundup's summary repeated under a heading is not a gallery.
    page = [
        ("story one", 9),
        ("caption a", 8),
        ("caption a", 8),
        ("", 0),
        ("caption b", 7),
        ("caption c", 8),
        ("caption c", 8),
        ("story two", 12),
        ("summary", 10),
        ("From the Right", 3),
        ("summary", 10),
    ]
    hashes = np.array([hash(t) % 2**63 for t, _ in page], dtype=np.uint64)
    words = np.array([w for _, w in page], dtype=np.int64)
    got = boilerplate.gallery_lines(hashes, words, np.array([0, len(page)]), min_words=6, gap=3)
    assert [t for (t, _), g in zip(page, got, strict=True) if g] == [
        "caption a",
        "caption a",
        "",
        "caption b",
        "caption c",
        "caption c",
    ]


def caption_lines(texts: list[str], min_words: int = 20) -> list[bool]:
    arr = pa.array(texts, type=pa.large_string())
    _, off, data = arr.buffers()
    offsets = np.frombuffer(off, dtype=np.int64)[: len(texts) + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    words = np.array([len(t.split()) for t in texts], dtype=np.int64)
    got = boilerplate.caption_counter_lines(offsets, raw, words, min_words=min_words)
    return [bool(x) for x in got]


def test_caption_counter_lines() -> None:
    texts = [
        "photos the senators career hide caption 1 of 11 photos the senators career he "
        "speaks at a summit in 2015 hide caption 2 of 11 photos",
        "the senator said 3 of 11 bills had failed and the caption of one photo was wrong "
        "in a story of twenty or more words about it",
        "hide caption 1 of 2",
        "a long line that ends in a counter cut short hide caption 1 of 2 and another one "
        "the end hide caption 3 of",
    ]
    assert caption_lines(texts) == [True, False, False, False]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["caption", "1", "12", "of", "hide", "x", "captions", "ofs"]),
            max_size=30,
        ).map(" ".join),
        max_size=8,
    ),
    st.integers(0, 6),
)
def test_caption_counter_lines_equal_reference(texts: list[str], min_words: int) -> None:
    counter = re.compile(r"(?<![^ ])caption [0-9]+ of [0-9]+")
    expected = [len(t.split()) >= min_words and len(counter.findall(t)) >= 2 for t in texts]
    assert caption_lines(texts, min_words) == expected
