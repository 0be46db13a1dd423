"""The one-line functions of syndet.boilerplate (Python ``re``) equal its Arrow batch functions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from syndet import boilerplate

#: Pieces that the patterns look for, and pieces that nearly fit them.
FRAGMENTS = [
    "WASHINGTON (Reuters) - ",
    "LONDON (AP) -- ",
    "PORT ALDINE, May 14 (Continental Press) — ",
    "ST. LOUIS (Acme_Wire 2) – ",
    "By Jane Roe (Continental Press) — ",
    "By  (AFP) -",
    "(AP)",
    " (Reuters) ",
    "Reporting by John Doe; Editing by Jane Roe",
    "Additional reporting by X",
    "The Associated Press contributed to this report.",
    "THE ASSOCIATED PRESS CONTRIBUTED TO THIS REPORT",
    "Copyright 2021 The Associated Press. All rights reserved.",
    "This story was generated from a syndicated feed.",
    "published from a Syndicated Feed",
    "THE ASSOCİATED PRESS CONTRİBUTED TO THİS REPORT",
    "Copyrıght 2020 The Associated Preſs",
    "The Associated Preſs contributed to this report",
    "COPYRIGHT 2019 THE ASSOCIATED PRESS",
    "taken from a ſyndicated feed",
    "Kopyright",
    "syndıcated feed",
    "by ",
    "By ",
    '"We will rebuild," she said.',
    "“It is over”",
    "«Non»",
    "„Ja“",
    '"an unclosed quote',
    "“opening only",
    "— Jane Roe (@janeroe) May 3, 2020",
    "– X (@x_1) June 12, 2019",
    "pic.twitter.com/abc",
    "https://t.co/xyz",
    "twitter.com",
    "(@",
    "JANE ROE: We will rebuild.",
    "Q: What now?",
    "A: Nothing.",
    "  MR. O’NEIL - SMITH: yes",
    "Note: not a turn",
    "President Trump Donald John TrumpSenate votes to end shutdown Judge rules MORE's trial",
    "John TrumpSenate votes ok MORE",
    " the Nancy PelosiHouse passes bill after long debate over spending and more MORE today",
    " MORE",
    "aB MOREX",
    "Home | News | Sport",
    "World • Politics • Business",
    " · ",
    " | ",
    "Share",
    "Sign in",
    "Related Stories:",
    "Related:",
    "Read more",
    "MUST WATCH",
    "Media playback is unsupported on your device",
    "Image caption",
    "end.",
    "ok)",
    "’",
    "”",
    " ",
    "\t",
    "\u00a0",
    "\u2003",
    "\x0b",
    "\r",
    "-",
    "—",
    "ſ",
    "K",
    "İ",
    "ı",
    "é",
    "٣",
    "2020",
    "A",
    "a",
    "THE",
    "the quick brown fox",
    "(",
    ")",
]

lines_st = st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join) | st.text(
    alphabet=st.sampled_from(list('aZ (@)-—|•·."“”«»„ \t’:;!?By0129ſKı')), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(st.lists(lines_st, min_size=1, max_size=12))
def test_strip_credits_line_equals_batch(lines: list[str]) -> None:
    text, agency = boilerplate.strip_credits(pa.array(lines, pa.large_string()))
    got = [boilerplate.strip_credits_line(line) for line in lines]
    assert [g[0] for g in got] == text.to_pylist()
    assert [g[1] for g in got] == agency.to_pylist()


@settings(max_examples=300, deadline=None)
@given(st.lists(lines_st, min_size=1, max_size=12))
def test_strip_quotes_line_equals_batch(lines: list[str]) -> None:
    batch = boilerplate.strip_quotes(pa.array(lines, pa.large_string())).to_pylist()
    assert [boilerplate.strip_quotes_line(line) for line in lines] == batch


@settings(max_examples=300, deadline=None)
@given(st.lists(lines_st, min_size=1, max_size=12))
def test_strip_link_cards_line_equals_batch(lines: list[str]) -> None:
    batch = boilerplate.strip_link_cards(pa.array(lines, pa.large_string())).to_pylist()
    assert [boilerplate.strip_link_cards_line(line) for line in lines] == batch


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(lines_st, st.integers(0, 5)), min_size=1, max_size=12))
def test_cheap_filter_line_equals_batch(rows: list[tuple[str, int]]) -> None:
    lines = pa.array([line for line, _ in rows], pa.large_string())
    words = np.array([w for _, w in rows], dtype=np.int64)
    batch = boilerplate.cheap_filter(lines, words).tolist()
    assert [boilerplate.cheap_filter_line(line, w) for line, w in rows] == batch


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(lines_st, max_size=5).map("\n".join), min_size=1, max_size=5))
def test_split_text_equals_split_lines(texts: list[str]) -> None:
    lines = boilerplate.split_lines(pa.array(texts, pa.large_string()))
    flat = lines.text.to_pylist()
    for d, text in enumerate(texts):
        start, end = lines.doc_offsets[d], lines.doc_offsets[d + 1]
        assert boilerplate.split_text(text) == flat[start:end]


def test_credit_examples() -> None:
    assert boilerplate.strip_credits_line("LONDON (Reuters) - Prices rose.") == (
        "Prices rose.",
        "Reuters",
    )
    assert boilerplate.strip_credits_line("Reporting by Jane Roe") == ("", "Reuters")
    assert boilerplate.strip_quotes_line('He said "no" twice.') == "He said   twice."
    assert boilerplate.cheap_filter_line("Share", 1)
    assert not boilerplate.cheap_filter_line("It ended.", 2)


def test_case_folding_as_re2() -> None:
    """RE2 folds the Kelvin sign and the long s onto ASCII letters, not the Turkish i's."""
    lines = [
        "THE ASSOCİATED PRESS CONTRIBUTED TO THIS REPORT",
        "The Associated Preſs contributed to this report.",
        "Copyright 2020 The Associated Press",
        "ASSOCıATED PRESS contributed to this report",
        "generated from a ſyndicated feed, ok",
        "ASSOCIATED PRESS CONTRIBUTED TO THIS REPORT",
    ]
    text, agency = boilerplate.strip_credits(pa.array(lines, pa.large_string()))
    got = [boilerplate.strip_credits_line(line) for line in lines]
    assert got == list(zip(text.to_pylist(), agency.to_pylist(), strict=True))
    assert got[0] == (lines[0], None) and got[1] == ("", "AP")
