"""Tests for syndet.io.html (article text from HTML) and syndet.io.decode (bytes to text)."""

from __future__ import annotations

import concurrent.futures.process
import gzip
import zlib

import pytest

import syndet.io.html as html_mod
from syndet.errors import ConfigError
from syndet.io.decode import UndecodableError, decode_bytes, html_declared_charset, looks_binary
from syndet.io.html import extract_texts, html_to_text, visible_text

ARTICLE = [
    "The city council voted on Tuesday to approve construction of a new bridge across the "
    "river, ending a decade of debate among residents and planners.",
    "Officials said the project would cost about 40 million dollars and take three years to "
    "complete, with work starting next spring if the budget is confirmed.",
    "Residents who attended the meeting were divided, with some praising the plan and others "
    "worried about traffic during the long construction period.",
]

PAGE = f"""<!DOCTYPE html>
<html><head><title>Bridge | Example News</title>
<style>body {{ color: red }}</style><script>var tracking = "SCRIPTTEXT";</script></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sports">Sportsnavlink</a></li></ul></nav>
<article><h1>Council approves new bridge</h1>
<p>{ARTICLE[0]}</p><p>{ARTICLE[1]}</p><p>{ARTICLE[2]}</p>
</article>
<footer><p>Copyright 2024 Example News. All rights reserved.</p>
<a href="/privacy">Privacypolicylink</a></footer>
</body></html>"""


def test_html_to_text_keeps_article_drops_boilerplate() -> None:
    text = html_to_text(PAGE)
    for paragraph in ARTICLE:
        assert paragraph in text
    assert "Sportsnavlink" not in text
    assert "Privacypolicylink" not in text
    assert "SCRIPTTEXT" not in text
    assert "color: red" not in text


def test_html_to_text_repeated_page_is_not_emptied() -> None:
    # deduplicate=True would remember the first copy and return little or nothing the second
    # time: exactly the syndicated copies syndet must keep.
    first = html_to_text(PAGE)
    assert html_to_text(PAGE) == first
    assert ARTICLE[1] in first


def test_fallback_when_trafilatura_finds_nothing() -> None:
    # trafilatura gives up on a page whose only text sits in a <footer>.
    page = "<html><body><footer>Contact the newsroom at 555-0100</footer></body></html>"
    assert html_to_text(page) == "Contact the newsroom at 555-0100"


def test_fallback_is_used_when_extractor_returns_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_mod, "_trafilatura_extract", lambda: lambda *a, **k: None)
    page = (
        "<html><head><title>Not body</title></head><body>"
        "<div>First   block\n of text</div><script>no()</script><p>Second <b>bold</b> one</p>"
        "<ul><li>item one</li><li>item two</li></ul>tail text</body></html>"
    )
    assert html_to_text(page) == (
        "First block of text\nSecond bold one\nitem one\nitem two\ntail text"
    )


def test_fallback_when_extractor_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("extractor bug")

    monkeypatch.setattr(html_mod, "_trafilatura_extract", lambda: boom)
    assert html_to_text("<p>Still here</p>") == "Still here"


def test_visible_text_edge_cases() -> None:
    assert visible_text("") == ""
    assert visible_text("   ") == ""
    assert visible_text("<html><body></body></html>") == ""
    # lxml refuses str input with an XML encoding declaration unless handled.
    declared = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Grüße</p></body></html>'
    assert visible_text(declared) == "Grüße"
    assert visible_text("<p>a<br>b</p><template><p>hidden</p></template>") == "a\nb"


def test_html_to_text_empty_page() -> None:
    assert html_to_text("<html><body></body></html>") == ""
    assert html_to_text("") == ""


def _pages(n: int) -> list[str | None]:
    pages: list[str | None] = []
    for i in range(n):
        if i % 17 == 5:
            pages.append(None)
        elif i % 13 == 3:
            pages.append(f"<html><body><footer>footer only {i}</footer></body></html>")
        else:
            pages.append(PAGE.replace("new bridge", f"new bridge number {i}"))
    return pages


def test_extract_texts_parallel_equals_serial() -> None:
    pages = _pages(70)  # above the threshold at which a process pool is used
    serial = extract_texts(pages, workers=1)
    parallel = extract_texts(pages, workers=2)
    assert parallel == serial
    assert len(serial) == 70
    assert serial[5] is None and serial[22] is None
    assert serial[3] == "footer only 3"
    assert serial[10] is not None and "new bridge number 10" in serial[10]
    assert extract_texts(pages[:40], workers=2) == serial[:40]  # small input: no pool needed
    html_mod.shutdown_pool()


def test_extract_texts_survives_a_dead_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    class DeadPool:
        def map(self, *args: object) -> list[list[str | None]]:
            raise concurrent.futures.process.BrokenProcessPool("worker killed")

    monkeypatch.setattr(html_mod, "_get_pool", lambda workers: DeadPool())
    pages = _pages(70)
    assert extract_texts(pages, workers=3) == extract_texts(pages, workers=1)


def test_extract_texts_failure_gives_empty_string(monkeypatch: pytest.MonkeyPatch) -> None:
    real = html_mod.html_to_text

    def flaky(html: str) -> str:
        if "BROKEN" in html:
            raise ValueError("cannot parse")
        return real(html)

    monkeypatch.setattr(html_mod, "html_to_text", flaky)
    out = extract_texts(["<p>good one</p>", "<p>BROKEN</p>", None])
    assert out == ["good one", "", None]


def test_extract_texts_rejects_bad_workers() -> None:
    with pytest.raises(ConfigError):
        extract_texts(["<p>x</p>"], workers=0)


# -- decode ----------------------------------------------------------------------------------

SAMPLE = "Café owners said the “naïve” plan would cost €5 — a résumé of failures.\nZweite Zeile"


def test_decode_utf8_and_bom() -> None:
    assert decode_bytes(SAMPLE.encode("utf-8")) == (SAMPLE, "utf-8")
    assert decode_bytes(SAMPLE.encode("utf-8-sig")) == (SAMPLE, "utf-8-sig")
    assert decode_bytes(b"") == ("", "utf-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_decode_utf16_utf32(encoding: str) -> None:
    data = SAMPLE.encode(encoding)
    assert not looks_binary(data)
    text, _ = decode_bytes(data)
    assert text == SAMPLE


def test_decode_cp1252_prefers_cp1252_on_ties() -> None:
    data = SAMPLE.encode("cp1252")
    assert decode_bytes(data) == (SAMPLE, "cp1252")


def test_decode_shift_jis() -> None:
    text = "東京都は15日、新しい条例を発表した。市民の反応はさまざまだ。"
    decoded, encoding = decode_bytes(text.encode("shift_jis"))
    assert decoded == text
    assert encoding in {"shift_jis", "cp932"}


def test_decode_hint_and_meta_charset() -> None:
    page = b'<html><head><meta charset="ISO-8859-1"></head><body>caf\xe9 \x93quoted\x94</body>'
    hint = html_declared_charset(page)
    assert hint == "cp1252"  # browsers read latin-1 labels as windows-1252
    assert decode_bytes(page, hint=hint)[0].endswith("café “quoted”</body>")
    assert html_declared_charset(b"<p>no declaration</p>") is None
    assert html_declared_charset(b'<meta charset="no-such-codec">') is None


def test_decode_garbage_raises() -> None:
    noise = bytes((i * 97 + 13) % 256 for i in range(300))
    with pytest.raises(UndecodableError):
        decode_bytes(noise)
    assert issubclass(UndecodableError, ValueError)


def test_looks_binary() -> None:
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
    assert looks_binary(png)
    assert looks_binary(gzip.compress(SAMPLE.encode() * 20))
    assert looks_binary(zlib.compress(bytes(range(256)) * 8))
    assert looks_binary(bytes(range(1, 32)) * 4)  # no NUL, but all control characters
    assert not looks_binary(SAMPLE.encode("utf-8"))
    assert not looks_binary(SAMPLE.encode("cp1252"))
    assert not looks_binary(b"")
    assert not looks_binary(b"tab\tnewline\nform feed\f and one escape \x1b here")
