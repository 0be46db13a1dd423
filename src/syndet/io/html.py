"""Extracting the article text from an HTML page.

The main content comes from trafilatura, which drops navigation, footers, related-article boxes
and other boilerplate that would make unrelated pages of one site look alike. Its
``deduplicate`` option stays off on purpose: it remembers text it has already seen and removes
it from later pages, which would erase exactly the repeated (syndicated) stories syndet exists
to find.

When trafilatura finds no main content (very short pages, pages that are mostly a table or a
list), the page's whole visible text is used instead, so a document is only empty when the page
really shows nothing.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import concurrent.futures.process
import importlib
import logging
import multiprocessing
import re
from collections.abc import Callable, Sequence
from typing import Any

from syndet.errors import ConfigError

__all__ = ["extract_texts", "html_to_text", "shutdown_pool", "visible_text"]

_log = logging.getLogger(__name__)

#: Below this many documents a process pool costs more (start-up, importing trafilatura in every
#: worker, pickling) than it saves.
PARALLEL_MIN_DOCS = 64

# Elements whose content is never shown as text (or, for <head>, is not part of the page body).
_INVISIBLE = ("script", "style", "noscript", "template", "head")

# Elements a browser lays out as their own block: each starts a new line of text.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)

_SPACES = re.compile(r"\s+")

_extract: Callable[..., Any] | None = None


def _trafilatura_extract() -> Callable[..., Any]:
    """``trafilatura.extract``, imported on first use.

    Importing trafilatura takes a noticeable fraction of a second and pulls in many modules, so
    it is deferred until HTML actually has to be processed (``import syndet`` stays light). Its
    loggers report every page it gives up on at WARNING/ERROR level; for a corpus scan that is
    noise (an empty extraction is handled here), so they are quietened unless the application
    has set a level for them itself.
    """
    global _extract
    if _extract is None:
        import trafilatura

        logger = logging.getLogger("trafilatura")
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.CRITICAL)
        _extract = trafilatura.extract
    return _extract


def visible_text(html: str) -> str:
    """All visible text of a page: one line per block element, whitespace collapsed.

    Scripts, styles, ``<noscript>``, ``<template>`` and the ``<head>`` are dropped; comments and
    processing instructions are not text either.
    """
    if not html.strip():
        return ""
    # Through importlib because lxml ships no type information; its objects are used as Any.
    lxml_html = importlib.import_module("lxml.html")

    # Parse bytes with an explicit encoding: lxml refuses a str that carries an XML encoding
    # declaration, and a fresh parser per call keeps this safe to use from several threads.
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    root = lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    for element in root.xpath("//script|//style|//noscript|//template|//head"):
        element.drop_tree()  # keeps the element's tail text, which belongs to its parent
    for element in root.iter():
        # Line breaks in the source are just spaces to a browser; collapse them first, so the
        # only newlines left are the ones added around block elements.
        text = _SPACES.sub(" ", element.text) if element.text else ""
        tail = _SPACES.sub(" ", element.tail) if element.tail else ""
        tag = element.tag
        if isinstance(tag, str) and tag.lower() in _BLOCK_TAGS:
            text, tail = "\n" + text, "\n" + tail
        element.text, element.tail = text or None, tail or None
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(root.itertext()).split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(html: str) -> str:
    """The main text of an HTML page, or its whole visible text when trafilatura finds none.

    Returns ``""`` when the page shows no text at all.
    """
    extract = _trafilatura_extract()
    try:
        text = extract(
            html,
            include_comments=False,
            include_tables=True,
            deduplicate=False,  # never on: it empties repeated copies of a story
            favor_precision=False,
        )
    except Exception:  # trafilatura failing on odd markup must not cost us the page
        _log.debug("trafilatura failed; using the page's visible text", exc_info=True)
        text = None
    if isinstance(text, str) and text.strip():
        return text
    return visible_text(html)


def _extract_one(html: str | None) -> str | None:
    if html is None:
        return None
    try:
        return html_to_text(html)
    except Exception:
        # One pathological page (deeply nested markup, parser crash) must not end a batch of
        # thousands; "" makes the caller count it as an empty document.
        _log.debug("text extraction failed for one document", exc_info=True)
        return ""


def _extract_chunk(htmls: Sequence[str | None]) -> list[str | None]:
    # Module-level so that worker processes can unpickle a reference to it.
    return [_extract_one(html) for html in htmls]


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork() would copy the thread pools polars and pyarrow have already started, which can
    # deadlock the child; forkserver (POSIX) or spawn start clean interpreters instead.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


# One pool, kept between calls: a scan calls extract_texts once per batch, and starting
# processes (each importing trafilatura) for every batch would cost more than the extraction.
_pool: concurrent.futures.ProcessPoolExecutor | None = None
_pool_workers = 0


def _get_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    global _pool, _pool_workers
    if _pool is None or _pool_workers != workers:
        shutdown_pool()
        _pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=_pool_context()
        )
        _pool_workers = workers
    return _pool


def shutdown_pool() -> None:
    """Stop the worker processes :func:`extract_texts` keeps between calls (also run at exit)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown_pool)


def extract_texts(htmls: Sequence[str | None], *, workers: int = 1) -> list[str | None]:
    """:func:`html_to_text` of every page, in order; ``None`` entries stay ``None``.

    A page whose extraction raises gives ``""``. With ``workers > 1`` and more than
    :data:`PARALLEL_MIN_DOCS` pages the work is spread over that many processes (kept alive
    for the next call; see :func:`shutdown_pool`); the result is the same as with
    ``workers=1``.
    """
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    # Import (and so fail) here, outside the per-document error handling: a broken trafilatura
    # installation must be reported, not turn every page into an "empty" document.
    _trafilatura_extract()
    docs = list(htmls)
    if workers == 1 or len(docs) <= PARALLEL_MIN_DOCS:
        return _extract_chunk(docs)
    # Several chunks per worker even out pages of very different sizes; a floor keeps the
    # per-chunk pickling overhead small.
    size = max(16, -(-len(docs) // (workers * 4)))
    chunks = [docs[i : i + size] for i in range(0, len(docs), size)]
    out: list[str | None] = []
    try:
        for part in _get_pool(workers).map(_extract_chunk, chunks):  # map() keeps the order
            out.extend(part)
    except concurrent.futures.process.BrokenProcessPool:
        # A worker died (killed for memory, or a crash in a C extension on some page): the
        # pool is unusable, so finish this batch here rather than lose it.
        _log.warning("HTML extraction worker died; extracting this batch in-process")
        shutdown_pool()
        return _extract_chunk(docs)
    return out
