"""syndet.explain against the scan's own verdicts, and its shared passages."""

from __future__ import annotations

import random

import pyarrow as pa

from syndet import Scanner, explain


def story(seed: int, n: int = 300) -> list[str]:
    rnd = random.Random(seed)
    return [f"w{rnd.randint(0, 5000)}" for _ in range(n)]


def test_explain_agrees_with_scan() -> None:
    s = story(1)
    docs = {
        "orig": " ".join(s),
        "copy": "Home | News | Sport\n" + " ".join(s) + "\nShare this story.",
        "part": " ".join(s[:120] + story(2, 200)),
        "other": " ".join(story(3)),
    }
    result = Scanner().scan_table(pa.table({"id": list(docs), "text": list(docs.values())}))
    for a, b, rel, jac in result.pairs.select("a", "b", "relation", "jaccard").iter_rows():
        e = explain(docs[a], docs[b])
        assert e.relation == rel
        assert abs(e.jaccard - jac) < 1e-9
    reported = set(result.pairs.select("a", "b").iter_rows())
    assert ("orig", "other") not in reported
    assert explain(docs["orig"], docs["other"]).relation == "none"


def test_passages_are_aligned() -> None:
    s = story(5)
    a = " ".join(s)
    b = " ".join(story(6, 50) + s[100:250] + story(7, 50))
    e = explain(a, b)
    longest = max(e.passages, key=lambda p: p.words)
    assert (longest.a_start, longest.b_start, longest.words) == (100, 50, 150)
    assert longest.text.split() == s[100:250]
    assert e.shared_words == 150
    assert abs(e.coverage_b - 150 / 250) < 1e-9


def test_shared_quote_alone_is_not_a_relation() -> None:
    quote = " ".join(story(9, 120))
    a = " ".join(story(10)) + f'\nThe minister said: "{quote}"'
    b = f"“{quote}” the minister told reporters.\n" + " ".join(story(11))
    assert explain(a, b).relation == "none"
    assert explain(a, b, config=_no_quote_stripping()).relation != "none"


def _no_quote_stripping():  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from syndet import DEFAULT_CONFIG

    return replace(
        DEFAULT_CONFIG, boilerplate=replace(DEFAULT_CONFIG.boilerplate, strip_quotes=False)
    )


def test_render_plain_and_color() -> None:
    s = " ".join(story(12))
    e = explain(s, s + " extra words at the end of it")
    assert "\x1b[" not in e.render()
    assert "\x1b[" in e.render(color=True)
    assert e.relation == "syndicated"


def test_short_text_rule_is_explained() -> None:
    # 70 shared words: a copied block in a 170-word answer, but too little between two
    # 470-word articles (and explain says which rule decided).
    block = story(4, 70)
    short_a, short_b = block + story(5, 100), story(6, 100) + block
    e = explain(" ".join(short_a), " ".join(short_b))
    assert e.relation == "partial"
    assert e.shared_words == 70
    assert e.why.startswith("a short text: 70 shared words")
    long_a, long_b = short_a + story(7, 300), story(8, 300) + short_b
    e = explain(" ".join(long_a), " ".join(long_b))
    assert e.relation == "none"
    assert e.why.startswith("only 70 shared words")
