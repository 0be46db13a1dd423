"""The Scrapy pipeline in a real crawl: pages served by http.server on 127.0.0.1, a Scrapy
CrawlerProcess in a subprocess (Twisted's reactor cannot be restarted inside pytest)."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import syndet

pytest.importorskip("scrapy", reason="the scrapy extra is not installed (pip install '.[test]')")

CRAWL = r"""
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

base, index, feed = sys.argv[1], sys.argv[2], sys.argv[3]

class News(scrapy.Spider):
    name = "news"
    start_urls = [base + "/index.html"]

    def parse(self, response):
        if response.url.endswith("/index.html"):
            # one request at a time, in link order, so that "copy" meets its original stored
            for i, href in enumerate(response.css("a::attr(href)").getall()):
                yield response.follow(href, self.parse_article, priority=-i)

    def parse_article(self, response):
        yield {"url": response.url, "text": "\n\n".join(response.css("p::text").getall())}

process = CrawlerProcess({
    "ITEM_PIPELINES": {"syndet.contrib.scrapy.SyndetPipeline": 300},
    "SYNDET_INDEX": index,
    "SYNDET_DROP": "duplicate",
    "FEEDS": {feed: {"format": "jsonlines"}},
    "CONCURRENT_REQUESTS": 1,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
})
process.crawl(News)
process.start()
"""


def story(seed: int, n: int = 260) -> list[str]:
    import random

    rnd = random.Random(seed)
    vocab = [f"w{rnd.randint(0, 10**6)}x" for _ in range(4000)]
    words = [rnd.choice(vocab) for _ in range(n)]
    return [" ".join(words[i : i + 13]).capitalize() + "." for i in range(0, n, 13)]


def page(sentences: list[str], extra: str = "") -> str:
    paras = "".join(f"<p>{' '.join(sentences[i : i + 4])}</p>" for i in range(0, len(sentences), 4))
    return f"<html><body>{extra}{paras}</body></html>"


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    root.mkdir()
    a, b = story(1), story(2)
    pages = {
        "a1-original.html": page(a),
        "a2-mirror.html": page(a),  # the same text: a duplicate, dropped
        "a3-syndicated.html": page(a[:-2], "<p>Shared from the Daily Wire service today.</p>"),
        "b1-other.html": page(b),
    }
    for name, html in pages.items():
        (root / name).write_text(html, encoding="utf-8")
    links = "".join(f'<a href="{name}">{name}</a>' for name in sorted(pages))
    (root / "index.html").write_text(f"<html><body>{links}</body></html>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_scrapy_pipeline_tags_and_drops_copies(site: str, tmp_path: Path) -> None:
    index = tmp_path / "seen.syndet"
    feed = tmp_path / "items.jsonl"
    script = tmp_path / "crawl.py"  # a file: Scrapy reads its callbacks' source
    script.write_text(CRAWL, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script), site, str(index), str(feed)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    items = {Path(i["url"]).name: i for i in map(json.loads, feed.read_text().splitlines())}
    # the mirror was dropped, everything else kept
    assert set(items) == {"a1-original.html", "a3-syndicated.html", "b1-other.html"}, out.stderr
    assert items["a1-original.html"]["syndet_matches"] == []
    # the syndicated copy is tagged with the original and with the (stored) mirror
    matches = items["a3-syndicated.html"]["syndet_matches"]
    assert [(m["doc_id"], m["relation"]) for m in matches] == [
        (f"{site}/a1-original.html", "syndicated"),
        (f"{site}/a2-mirror.html", "syndicated"),
    ]
    assert items["b1-other.html"]["syndet_matches"] == []
    # the dropped copy is still stored: later copies of it are recognised
    with syndet.Index(index) as stored:
        assert len(stored) == 4 and f"{site}/a2-mirror.html" in stored


def test_pipeline_needs_an_index_setting() -> None:
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from syndet.contrib.scrapy import SyndetPipeline

    with pytest.raises(NotConfigured, match="SYNDET_INDEX"):
        SyndetPipeline.from_crawler(get_crawler(settings_dict={}))
    with pytest.raises(syndet.ConfigError, match="unknown relation"):
        SyndetPipeline.from_crawler(
            get_crawler(settings_dict={"SYNDET_INDEX": "x", "SYNDET_DROP": "copies"})
        )


def test_pipeline_on_plain_items(tmp_path: Path) -> None:
    """Without a crawl: tagging, dropping, untouched items, an unreadable date."""
    from scrapy.exceptions import DropItem

    from syndet.contrib.scrapy import SyndetPipeline

    text = "\n\n".join(story(3))
    pipe = SyndetPipeline(str(tmp_path / "seen.syndet"), drop=("duplicate",))
    pipe.open_spider()
    first = pipe.process_item({"url": "a", "text": text, "published": "not a date"})
    assert first["syndet_matches"] == []
    with pytest.raises(DropItem, match="duplicate of a"):
        pipe.process_item({"url": "b", "text": text.upper()})
    untouched = {"url": "c"}
    assert pipe.process_item(untouched) == {"url": "c"}
    assert pipe.process_item({"url": "d", "text": "too short"}) == {"url": "d", "text": "too short"}
    pipe.close_spider()
    with syndet.Index(tmp_path / "seen.syndet") as index:
        assert {"a", "b"} <= {d for d in ("a", "b", "c", "d") if d in index}
        assert "c" not in index and "d" not in index
