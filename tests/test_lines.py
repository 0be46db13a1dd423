"""The fused phase-A kernel (syndet._lines) against the stage functions it replaces."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndet import boilerplate
from syndet._arrays import ragged_take
from syndet._lines import (
    LineBatch,
    join_lines,
    join_lines_words,
    read_lines,
    read_lines_reference,
    take_rows,
)
from syndet.normalize import NormalizedBatch

# Pieces that exercise every rule: quotation marks of each kind, credit and tweet triggers,
# link separators, RE2 whitespace and not-whitespace, characters the normalization kernel
# hands to the reference (combining marks, text that grows), case-folding traps of (?i).
TOKENS = [
    "a", "b", "Word", "ated", "x", "1", " ", " ", " ", "  ", "\n", "\n", "\t", "\r", "\f", "\v",
    "\u00a0", ".", ",", "!", "?", ":", ";", ")", "(", "(@jane)", '"', '"', "“", "”", "„", "«",
    "»", "’", "‘", "'", "—", "–", "-", "|", " | ", " • ", " · ", "•", "·", "ſ", "K", "Å",
    "\u0301", "Ⱥ", "ﬁ", "½", "é", "ß", "Σ", "Reporting by ", "Additional reporting by X",
    "Writing by", "Editing by", "By Jane Roe (Continental Press) — ", "WASHINGTON (Reuters) - ",
    "PORT ALDINE, May 14 (Continental Press) — ", "(AP)", "Associated Press",
    "aſſociated preſs", "ASSOCIATED PRESS contributed to this report.",
    "Copyright 2020 The Associated Press", "published from a syndicated feed",
    "Syndicated Feed", "pic.twitter.com/abc", "https://t.co/x", "twitter.com",
    "— Jane Roe (@janeroe) May 3, 2020", "Share", "Home | News | Sport",
    "JANE ROE:", "Q:", "A: ", "O’NEILL: ", "Mr. X-Y: ", "Photo: ", "Ab:", " MORE", "MORE",
    " Roe Jane RoeCouncil votes to close the old bridge Ferry fares rise", "McDonald",
    "Media playback is unsupported on your device", "JUST WATCHED", "MUST WATCH",
    "Image caption", "Image copyright", "More", "MORE:", "Read more", "READ", "Related",
    "See also", "SEE ALSO",
]  # fmt: skip
LINE_TEXT = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
LONG = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text("abcdefgh ijklm", min_size=30, max_size=90)),
    max_size=30,
).map("".join)
DOCS = st.lists(st.one_of(LINE_TEXT, LONG, st.none()), max_size=10)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same(a: LineBatch, b: LineBatch) -> None:
    for name in ("doc_offsets", "words", "line_hash", "filtered", "fingerprints", "lengths"):
        assert np.array_equal(np.asarray(getattr(a, name)), np.asarray(getattr(b, name))), name
    assert np.array_equal(a.authored.offsets, b.authored.offsets)
    assert np.array_equal(a.authored.data, b.authored.data)
    assert a.line_agency.cast(pa.large_string()).equals(b.line_agency.cast(pa.large_string()))


@FAST
@given(DOCS, st.booleans(), st.booleans(), st.booleans(), st.integers(0, 3))
def test_read_lines_equals_stage_functions(
    docs: list[str | None], credits: bool, quotes: bool, cards: bool, skip: int
) -> None:
    texts = pa.array(["pad"] * skip + docs, type=pa.large_string()).slice(skip)
    opts = {"strip_credits": credits, "strip_quotes": quotes, "link_cards": cards}
    assert_same(read_lines(texts, **opts), read_lines_reference(texts, **opts))


def test_read_lines_on_a_large_batch() -> None:
    """Several threads' runs of documents, long lines (the 64-byte windows), all rules."""
    rng = np.random.default_rng(0)
    docs = []
    for _ in range(3000):
        parts = rng.choice(np.array(TOKENS, dtype=object), size=int(rng.integers(0, 120)))
        words = " ".join("lorem ipsum dolor" for _ in range(int(rng.integers(0, 30))))
        docs.append(words + "".join(parts) + words)
    texts = pa.array(docs, type=pa.large_string())
    for credits, quotes, cards in itertools.product((True, False), repeat=3):
        opts = {"strip_credits": credits, "strip_quotes": quotes, "link_cards": cards}
        assert_same(read_lines(texts, **opts), read_lines_reference(texts, **opts))


def test_read_lines_mixed_quotes_and_widget_lines() -> None:
    # Scrapes mix curly and straight marks in one quote; each such quote is still speech.
    # Player placeholders and teasers are dropped by the line filter whatever follows them.
    texts = pa.array(
        [
            '“These grants will help," he said. “Many were ignored." Then she left. '
            "“Results for “Ferry News” are rigged,” he wrote.\n"
            "Media playback is unsupported on your device Media caption The mayor speaks\n"
            "  JUST WATCHED Council meets Replay More Videos\n"
            "More: Ferry fares rise again next spring for all riders\n"
            "Read more : What the new bridge will cost the city\n"
            "More people than ever took the ferry: a record year.\n"
            "Image caption The old bridge at dusk, seen from the river"
        ],
        type=pa.large_string(),
    )
    for got in (read_lines(texts), read_lines_reference(texts)):
        assert got.authored.text(0) == "he said then she left he wrote"
        assert got.filtered.tolist() == [False, True, True, True, True, False, True]


def test_read_lines_quotes_and_credits() -> None:
    texts = pa.array(
        [
            'WASHINGTON (Reuters) - “Hello,” he said. a ""b" c\nReporting by Jane Doe',
            "«a» „b“ c\n  “an open quote\nHome | News | Sport\nShare",
        ],
        type=pa.large_string(),
    )
    got = read_lines(texts)
    assert [got.authored.text(i) for i in range(len(got.authored))] == [
        "he said a c", "", "c", "", "home news sport", "share",
    ]  # fmt: skip
    turns = read_lines(
        pa.array(
            [
                "JANE ROE: We will.\nQ: When?\nThe aim: to rebuild.",
                "By Mayor Jane Roe Jane "
                "Alice RoeCouncil votes to close the old bridge Ferry fares rise again MORE.",
            ]
        )
    )
    assert [turns.authored.text(i) for i in range(len(turns.authored))] == [
        "",
        "",
        "the aim to rebuild",
        "by mayor jane roe",
    ]
    assert got.line_agency.to_pylist()[:2] == ["Reuters", "Reuters"]
    assert got.filtered.tolist() == [False, False, True, True, True, True]  # 3 words or fewer


@pytest.mark.parametrize("seed", [0, 1])
def test_join_lines_kernel(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lens = rng.integers(0, 6, size=200)
    offsets = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    data = rng.integers(97, 100, size=int(offsets[-1])).astype(np.uint8)
    per_doc = rng.integers(0, 5, size=60)
    doc_offsets = np.concatenate(([0], np.cumsum(per_doc))).astype(np.int64)
    doc_offsets[-1] = 200
    keep = rng.random(200) < 0.7
    want = boilerplate.join_lines(offsets, data, keep, doc_offsets)
    got = join_lines(offsets, data, keep, doc_offsets)
    assert np.array_equal(want[0], got[0]) and np.array_equal(want[1], got[1])
    data[rng.random(len(data)) < 0.3] = 32  # spaces inside lines (never at their edges here)
    for i in np.flatnonzero(lens):
        data[[offsets[i], offsets[i + 1] - 1]] = 97
    joined = join_lines_words(offsets, data, keep, doc_offsets)
    want_words = NormalizedBatch(joined[0], joined[1]).word_counts()
    assert np.array_equal(joined[2], want_words)


@settings(deadline=None)  # the first call compiles or loads the kernel
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=6), max_size=12), st.data())
def test_take_rows_equals_ragged_take(rows_values: list[list[int]], data: st.DataObject) -> None:
    offsets = np.concatenate(([0], np.cumsum([len(r) for r in rows_values]))).astype(np.int64)
    values = np.array([v for r in rows_values for v in r], dtype=np.uint64)
    n = len(rows_values)
    rows = np.array(
        data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=10 if n else 0)),
        dtype=np.int64,
    )
    want = ragged_take(offsets, values, rows)
    got = take_rows(offsets, values, rows)
    assert np.array_equal(want[0], got[0]) and np.array_equal(want[1], got[1])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(0, 12), st.integers(0, 30), st.integers(1, 300)), max_size=60
        ),
        max_size=5,
    ),
    st.sampled_from([1, 2, 16, 256]),
)
def test_learn_chrome_parts_equals_learn_chrome(
    parts: list[list[tuple[int, int, int]]], buckets: int
) -> None:
    # few distinct hashes spread over the buckets (top bits), few documents: real runs
    spread = np.array([(i * 0x9E3779B97F4A7C15) % 2**64 for i in range(13)], dtype=np.uint64)
    arrays = [
        (
            spread[np.array([h for h, _, _ in p], dtype=np.int64)],
            np.array([d for _, d, _ in p], dtype=np.int64),
            np.array([w for _, _, w in p], dtype=np.int64),
        )
        for p in parts
    ]
    kw = dict(min_docs=2, own_words=5, own_share=0.5, short_words=3, long_words=250)
    want = boilerplate.learn_chrome(
        np.concatenate([a[0] for a in arrays]) if arrays else np.empty(0, np.uint64),
        np.concatenate([a[1] for a in arrays]) if arrays else np.empty(0, np.int64),
        np.concatenate([a[2] for a in arrays]) if arrays else np.empty(0, np.int64),
        **kw,
    )
    got = boilerplate.learn_chrome_parts(arrays, buckets=buckets, **kw)
    assert np.array_equal(want, got)


@pytest.mark.parametrize("spilled", [False, True])
def test_band_pairs_equal_candidate_pairs(tmp_path: Any, spilled: bool) -> None:
    """The local engine bands spilled per-partition keys a few bands at a time: the same
    pairs and stats as candidate_pairs on the whole key matrix (capped buckets included)."""
    from syndet import lsh
    from syndet.engine import Spill
    from syndet.pipeline import _band_pairs, _put_keys

    rng = np.random.default_rng(3)
    n, bands = 700, 19
    keys = rng.integers(0, 40, size=(bands, n)).astype(np.uint64)  # big buckets
    keys[5] = rng.integers(0, 2**63, size=n).astype(np.uint64)  # a band of singletons
    rank = rng.permutation(n).astype(np.int64)
    want, stats = lsh.candidate_pairs(keys, rank, max_bucket=6)
    spill = Spill(str(tmp_path) if spilled else None)
    cuts = [0, 100, 101, 400, n]
    parts = [_put_keys(spill, keys[:, a:b]) for a, b in itertools.pairwise(cuts)]
    got, got_stats = _band_pairs(parts, rank, bands, 6)
    assert np.array_equal(want, got)
    assert stats == got_stats


def test_spill_drop_removes_only_the_given_files(tmp_path: Any) -> None:
    """Spill.drop deletes references' files (on a thread that close waits for) and leaves
    the others readable."""
    import os

    from syndet.engine import Spill

    spill = Spill(str(tmp_path))
    refs = [
        spill.put(np.array([0, 2], np.int64), np.array([i, i + 1], np.uint64)) for i in range(3)
    ]
    keys = os.path.join(str(tmp_path), "keys.npy")
    np.save(keys, np.arange(4))
    spill.drop([refs[0], keys, np.arange(3)])  # in-memory arrays have no file: ignored
    spill.drop([refs[1]])
    spill.close()  # waits for the deletions; a given folder is not removed
    assert sorted(os.listdir(tmp_path)) == ["2-offsets.npy", "2-values.npy"]
    assert Spill.get(refs[2])[1].tolist() == [2, 3]
    in_memory = Spill(None)
    in_memory.drop([in_memory.put(np.zeros(1, np.int64), np.zeros(0, np.uint64))])  # no-op
