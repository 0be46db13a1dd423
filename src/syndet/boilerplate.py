"""Stage 1b: what is *not* the story: site chrome, wire credits and quoted speech.

Similarity is measured on an article's *authored* text. This stage works on lines (a scraped
page's paragraphs, menu items, captions) and decides which of them, or which parts, are kept:

* **Wire credits and syndication notices**: dateline credits ("LONDON (Reuters) -",
  "(AP) --", "By Jane Roe (Continental Press) —"), "Reporting by ...", "The Associated Press
  contributed to this report", "published from a syndicated feed". They are removed from the
  text (two unrelated Reuters stories must not match on "(Reuters) -") and reported as the
  document's ``agency``, which is evidence for the source of a cluster.
* **Quoted speech**: text between quotation marks is removed. Different stories about one
  event quote the same officials, sometimes at length; shared quotes alone never make a copy.
  (Measured on allsides-dev: stripping quotes drops the median containment of same-event pairs
  from 0.11 to 0.01, while labelled copies stay at 0.97.)
* **A cheap per-document line filter** for raw text: lines of three words or fewer without
  sentence punctuation ("Share", "Sign in", "Related Stories"), and link rows ("Home | News |
  Sport"). On for plain text, off after HTML extraction, which already removes such chrome and
  where short lines are more often real content. Lines that widgets leave in a scrape (video
  placeholders and captions, photo credits, "More: ..." teasers) go too.
* **Photo galleries**: captions a page doubles (each caption twice in a row) and the lines
  between them, and paragraphs holding several "hide caption 3 of 19" counters
  (:func:`gallery_lines`, :func:`caption_counter_lines`).
* **Chrome learned from the corpus**: a line that recurs across documents that are otherwise
  unlike each other is chrome. "Otherwise unlike" is measured by each document's *own* prose:
  the words of its lines that no other document has. Copies of one wire story share their story
  lines and have little text of their own, so those lines are kept; pages of one site share
  menus, promos, photo galleries and author bios while each has its own article, so those lines
  go. (A plain "drop every repeated line" rule deletes syndicated stories themselves.) Lines are
  chrome when

  - at least ``chrome_min_docs`` documents hold them and at least that many, and at least
    ``chrome_own_share`` (0.9) of those documents, have ``chrome_own_words`` words of their
    own: pages of a site are each an article of their own, while a wire story's holders
    include the original and its plain copies (at one half, synthetic families whose story
    was also embedded in several longer articles lost their story lines); or
  - at least ``chrome_min_docs`` documents hold them and they are no longer than
    ``chrome_short_words`` words ("Advertisement", "Story continued below"); or
  - they are at least ``chrome_long_words`` words long (no news paragraph is: these are
    scraped photo galleries and link lists) and two documents with their own prose hold them.

  The decision needs only ``(line hash, document, words)`` triples, sorted by hash: each hash's
  run is decided on its own, so the work can stream over hash buckets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "CREDIT_PATTERNS",
    "REPUBLISHED",
    "Lines",
    "agency_of",
    "caption_counter_lines",
    "cheap_filter",
    "gallery_lines",
    "learn_chrome",
    "republished",
    "split_lines",
    "strip_credits",
    "strip_link_cards",
    "strip_quotes",
]

# Text between quotation marks (straight, curly, guillemets, German low-high), within a line.
# Scrapes mix the kinds: a quote opened curly and closed straight (“... ," he said) is still
# speech, and a curly quote may hold another (“Results for “Trump News” are rigged”): without
# these alternatives shared statements and tweets counted as authored text (measured on
# allsides-dev: 3 wrongly reported pairs of different stories).
# RE2 syntax (pyarrow): no look-behind, no bounded repetition over 1000.
QUOTE_PATTERN = r'“(?:[^“”\n]|“[^“”\n]*”)+”|“[^“”"\n]+"|"[^"\n]+"|"[^“”"\n]+”|«[^«»\n]+»|„[^„“\n]+“'

_AGENCIES = (
    "Reuters|AP|Associated Press|AFP|Agence France-Presse|Bloomberg|UPI|dpa|DPA|PA|ANSA|EFE|"
    "Xinhua|Kyodo|Yonhap|TASS|PTI|IANS|ANI|CNA|Anadolu"
)
_DASH = r"\s*(?:-{1,2}|—|–)\s*"

#: Agency value of syndication notices: they mark a republication, not an original.
REPUBLISHED = "syndicated feed"

#: (pattern, agency or None = taken from the match's ``agency`` group, removes whole line?)
CREDIT_PATTERNS: tuple[tuple[str, str | None, bool], ...] = (
    # "WASHINGTON (Reuters) - " dateline credit at the start of the first paragraph
    (rf"^[^()\n]{{0,80}}\((?P<agency>{_AGENCIES})\){_DASH}", None, False),
    # "PORT ALDINE, May 14 (Continental Press) — ": any agency after an upper-case dateline
    (
        r"^[A-Z][A-Z .'-]{1,40}(?:, [A-Z][a-z]{2,8}\.? \d{1,2})?\s*"
        rf"\((?P<agency>[A-Z][\w.&' -]{{1,40}})\){_DASH}",
        None,
        False,
    ),
    # "By Jane Roe (Continental Press) — " byline with an agency in brackets
    (rf"^By [^()\n]{{1,80}}\((?P<agency>[A-Z][\w.&' -]{{1,40}})\){_DASH}", None, False),
    (r"^\s*\((?P<agency>AP|Reuters|AFP)\)\s*$", None, True),
    (r"^(?:Reporting|Additional reporting|Writing|Editing) by .{0,200}$", "Reuters", True),
    (r"(?i)^.{0,40}Associated Press contributed to this report\.?\s*$", "AP", True),
    (r"(?i)^.{0,20}Copyright \d{4} The Associated Press.{0,120}$", "AP", True),
    (
        r"(?i)^.{0,160}(?:published|taken|generated) from a syndicated feed.{0,40}$",
        REPUBLISHED,
        True,
    ),
)


@dataclass
class Lines:
    """The lines of a batch: ``text[doc_offsets[d]:doc_offsets[d + 1]]`` belong to document d."""

    text: pa.Array
    doc_offsets: np.ndarray

    def doc_index(self) -> np.ndarray:
        """Document of every line."""
        return np.repeat(np.arange(len(self.doc_offsets) - 1), np.diff(self.doc_offsets))


def split_lines(texts: pa.Array | pa.ChunkedArray) -> Lines:
    """Split every document into its lines (``\\n``-separated), vectorized."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    texts = pc.fill_null(texts.cast(pa.large_string()), "")
    lists = pc.split_pattern(texts, "\n")
    offsets = np.asarray(lists.offsets, dtype=np.int64) - int(lists.offsets[0].as_py())
    return Lines(pc.list_flatten(lists), offsets)


# A cheap test every credit pattern implies: the regexes then run on the few lines passing it.
_CREDIT_HINT = r"\(|^By |by |(?i:associated press|copyright|syndicated feed)"


def _on_subset(lines: pa.Array, hint: str) -> tuple[np.ndarray, pa.Array]:
    """Indices of the lines matching a cheap hint, and those lines."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = pc.match_substring_regex(lines, hint)
    idx = np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))
    return idx, lines.take(pa.array(idx, type=pa.int64()))


def _scatter(lines: pa.Array, idx: np.ndarray, values: pa.Array) -> pa.Array:
    """``lines`` with the entries at ``idx`` replaced by ``values`` (in order)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if idx.size == 0:
        return lines
    mask = np.zeros(len(lines), dtype=bool)
    mask[idx] = True
    return pc.replace_with_mask(lines, pa.array(mask), values.cast(lines.type))


def strip_credits(lines: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Lines with wire credits removed, and the agency each line credited (null if none).

    Whole-line credits ("Reporting by ...") become empty lines; dateline credits are cut from
    the start of their paragraph, which is kept.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = lines.cast(pa.large_string())
    idx, sub = _on_subset(lines, _CREDIT_HINT)
    agency_sub = pa.nulls(len(sub), pa.large_string())
    for pattern, fixed, whole in CREDIT_PATTERNS if len(sub) else ():
        hit = pc.match_substring_regex(sub, pattern)
        if not pc.any(hit).as_py():
            continue
        if fixed is None:
            found = pc.struct_field(pc.extract_regex(sub, pattern), "agency")
        else:
            found = pc.if_else(hit, pa.scalar(fixed, pa.large_string()), None)
        agency_sub = pc.coalesce(agency_sub, found.cast(pa.large_string()))
        sub = (
            pc.if_else(hit, pa.scalar("", pa.large_string()), sub)
            if whole
            else pc.replace_substring_regex(sub, pattern, "", max_replacements=1)
        )
    agency = _scatter(pa.nulls(len(lines), pa.large_string()), idx, agency_sub)
    return _scatter(lines, idx, sub), agency


# Whole lines that are quoted speech although no closing mark follows on the line: paragraphs
# of a multi-paragraph quote (they open with a quotation mark and never close), embedded
# tweets ("— Jane Roe (@janeroe) May 3, 2020", "pic.twitter.com/..."), and transcript turns
# ("JANE ROE: ...", "Q: ..."): two stories quoting one interview or briefing share its words.
QUOTED_LINE_PATTERN = (
    r'^\s*[“"«„][^”"»“]*$'
    r"|^\s*(?:[A-Z][A-Z.'’ -]{1,40}|Q|A):\s"
    r"|pic\.twitter\.com/|https?://t\.co/"
    r"|[—–-]\s*[^()\n]{1,60}\(@\w{1,30}\)\s+\w+ \d{1,2}, \d{4}"
)


def strip_quotes(lines: pa.Array) -> pa.Array:
    """Lines with every quoted span replaced by a space, and quoted lines emptied."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = lines.cast(pa.large_string())
    # Only lines holding a quotation mark or a tweet marker can change.
    idx, sub = _on_subset(lines, r'["“”«»„]|twitter\.com|t\.co/|\(@|^\s*[A-Z][^:]{0,40}:')
    if not len(sub):
        return lines
    quoted = pc.match_substring_regex(sub, QUOTED_LINE_PATTERN)
    sub = pc.if_else(quoted, pa.scalar("", pa.large_string()), sub)
    return _scatter(lines, idx, pc.replace_substring_regex(sub, QUOTE_PATTERN, " "))


# An inline link card, as some sites' scrapes carry them mid-sentence: a linked name glued to
# the headlines of the person's other stories, ending in "MORE" ("... President Trump Donald
# John TrumpSenate votes to ... Judge rules ... MORE's impeachment trial"). The glued capital
# ("TrumpSenate") starts the card; a word starting with "#" or "@" never does. The card opens
# with the person's full name, which ends in the glued word's first part, right after the
# mention ("Rep. Jerrold Nadler Jerrold (Jerry) Lewis NadlerHouse votes ..."): when the
# mention's last word is the glued name, the one to four capitalized or parenthesized words
# between go too. (Left in, the repeated names made 9-word runs that different Hill stories
# shared.) A Python pattern, for the back-reference; the lines holding a card are few.
LINK_CARD_CUT = (  # RE2's ASCII \s and \w spelled out, as in the module's other patterns
    r"(^|[\t\n\f\r ])(?:([A-Z][0-9A-Za-z_'.-]*?[a-z])[\t\n\f\r ]"
    r"(?:(?:[A-Z][0-9A-Za-z_'.-]*|\([^()\t\n\f\r ]+\))[\t\n\f\r ]){1,4}?(?=\2[A-Z]))?"
    r"([A-Z][0-9A-Za-z_'.-]*?[a-z])[A-Z][^\n]{40,400}? MORE(?![0-9A-Za-z_])"
)


def _cut_card(m: re.Match[str]) -> str:
    # The linked name (the mention, or the glued word's first part) stays; the rest goes.
    return m.group(1) + (m.group(2) or m.group(3)) + " "


def strip_link_cards(lines: pa.Array) -> pa.Array:
    """Lines with inline link cards (a glued name, other headlines, "MORE") cut out.

    Measured on allsides-dev: 133 of The Hill's pages carry them, and the shared headline
    lists made nine pairs of different stories look like rewrites of each other.
    """
    import pyarrow as pa

    lines = lines.cast(pa.large_string())
    idx, sub = _on_subset(lines, r"[a-z][A-Z].* MORE\b")
    if not len(sub):
        return lines
    cut = [strip_link_cards_line(line) for line in sub.to_pylist()]
    return _scatter(lines, idx, pa.array(cut, pa.large_string()))


def agency_of(line_agency: pa.Array, doc_offsets: np.ndarray) -> list[str | None]:
    """Each document's agency: the first credit found in its lines (a named agency wins over
    a bare syndication notice)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    named = pc.if_else(
        pc.equal(line_agency, pa.scalar(REPUBLISHED, pa.large_string())), None, line_agency
    )
    out = _first_per_doc(named, doc_offsets)
    notices = _first_per_doc(line_agency, doc_offsets)
    return [a if a is not None else b for a, b in zip(out, notices, strict=True)]


def republished(line_agency: pa.Array, doc_offsets: np.ndarray) -> np.ndarray:
    """Documents carrying a syndication notice: evidence that they are not the original."""
    import pyarrow as pa
    import pyarrow.compute as pc

    hit = pc.fill_null(pc.equal(line_agency, pa.scalar(REPUBLISHED, pa.large_string())), False)
    lines = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=np.int64)
    total = np.concatenate(([0], np.cumsum(lines)))
    return np.asarray(total[doc_offsets[1:]] - total[doc_offsets[:-1]] > 0, dtype=bool)


def _first_per_doc(line_agency: pa.Array, doc_offsets: np.ndarray) -> list[str | None]:
    import pyarrow.compute as pc

    valid = np.asarray(pc.is_valid(line_agency).to_numpy(zero_copy_only=False), dtype=bool)
    hits = np.flatnonzero(valid)
    out: list[str | None] = [None] * (len(doc_offsets) - 1)
    if hits.size:
        docs = np.searchsorted(doc_offsets, hits, side="right") - 1
        first = np.unique(docs, return_index=True)
        values = line_agency.take(hits[first[1]]).to_pylist()
        for d, v in zip(first[0].tolist(), values, strict=True):
            out[d] = v
    return out


# Lines a page's widgets leave in a text scrape: video-player placeholders and their captions
# ("Media playback is unsupported on your device Media caption ..." on BBC pages, "JUST
# WATCHED ... MUST WATCH" on CNN's), photo credits and captions ("Image copyright ..."), and
# teaser links to other stories ("More: ...", "Read more: ...", "Related: ..."). The caption
# after the placeholder differs from page to page, so learned chrome cannot catch the line;
# a site's pages share the placeholder and its related-video captions, which made different
# BBC stories look like rewrites (measured on allsides-dev: 5 of 37 wrongly reported
# negatives, at the cost of 2 labelled reworks that shared video captions).
WIDGET_LINE_PATTERN = (
    r"^\s*(?:Media playback is unsupported on your device|JUST WATCHED|MUST WATCH"
    r"|Image (?:copyright|caption)"
    r"|(?:More|MORE|Read [Mm]ore|READ MORE|Related|RELATED|Read|READ|See [Aa]lso|SEE ALSO)\s*:)"
)


def cheap_filter(lines: pa.Array, words: np.ndarray) -> np.ndarray:
    """Lines a per-document filter drops: short link-like lines, link rows, and widget lines
    (player placeholders, photo credits, teasers: ``WIDGET_LINE_PATTERN``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    drop = np.zeros(len(words), dtype=bool)
    # Regexes run only where they can matter: on short lines, and on lines with separators.
    short = np.flatnonzero((words > 0) & (words <= 3))
    if short.size:
        ends = pc.match_substring_regex(lines.take(pa.array(short)), r"[.!?:;\"”’)]\s*$").to_numpy(
            zero_copy_only=False
        )
        drop[short] = ~np.asarray(ends, dtype=bool)
    rows, sub = _on_subset(lines, r" [|•·] ")
    if rows.size:
        bars = np.asarray(pc.count_substring_regex(sub, r" [|•·] ").to_numpy(), dtype=np.int64)
        drop[rows[bars >= 2]] = True
    widget = pc.match_substring_regex(lines, WIDGET_LINE_PATTERN).to_numpy(zero_copy_only=False)
    drop |= np.asarray(widget, dtype=bool)
    return drop


def gallery_lines(
    hashes: np.ndarray,
    words: np.ndarray,
    doc_offsets: np.ndarray,
    *,
    min_words: int = 6,
    gap: int = 3,
) -> np.ndarray:
    """Lines of photo galleries and carousels, found by their doubled captions: a line of at
    least ``min_words`` words whose next non-empty line is the same line (both copies), and
    the lines between two such doubled lines with at most ``gap`` non-empty lines between.

    Scraped galleries put each caption on the page twice in a row (the slide and its "hide
    caption" copy), and the captions a few pages of one site embed are the largest text those
    pages share: on allsides-dev, same-event and unrelated CNN pages shared 200 to 2,300 words
    of captions and nothing else. Chrome learning keeps them when only two or three pages hold
    one gallery, as it keeps two copies of a story. A story does not say a paragraph twice in
    a row, so the doubling marks the gallery within one page, whatever the corpus. Repeats
    further apart are left alone: a roundup that repeats its summary under a heading is text.
    Measured on allsides-dev: 13 fewer labelled negatives reported (77 to 64), no labelled
    copy, partial or rewrite lost, and no change on the synthetic corpus.

    ``hashes`` and ``words`` describe every line of a batch, ``doc_offsets`` where each
    document's lines start.
    """
    if len(hashes) == 0:
        return np.zeros(0, dtype=bool)
    from syndet._kernels import boilerplate as k

    return np.asarray(
        k.gallery_lines(
            np.ascontiguousarray(hashes, dtype=np.uint64),
            np.ascontiguousarray(words, dtype=np.int64),
            np.ascontiguousarray(doc_offsets, dtype=np.int64),
            int(min_words),
            int(gap),
        ),
        dtype=bool,
    )


#: Words a line needs to be searched for caption counters (two of them take about 20).
CAPTION_MIN_WORDS = 20


def caption_counter_lines(
    offsets: np.ndarray,
    data: np.ndarray,
    words: np.ndarray,
    *,
    min_words: int = CAPTION_MIN_WORDS,
) -> np.ndarray:
    """Normalized lines (Arrow layout: ``offsets`` into the UTF-8 ``data``) holding two or
    more gallery caption counters ("hide caption 3 of 19"): a whole inline gallery scraped
    into one paragraph. Only lines of ``min_words`` words or more can hold two captions, so
    only those are searched."""
    if len(words) == 0:
        return np.zeros(0, dtype=bool)
    from syndet._kernels import boilerplate as k

    return np.asarray(
        k.caption_counter_lines(
            np.ascontiguousarray(offsets, dtype=np.int64),
            np.ascontiguousarray(data, dtype=np.uint8),
            np.ascontiguousarray(words, dtype=np.int64),
            int(min_words),
        ),
        dtype=bool,
    )


def _line_runs(
    hashes: np.ndarray, docs: np.ndarray, words: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lines sorted by hash with one entry per (line, document), since a line repeated inside
    one page counts once: ``(hashes, docs, words, run_start, run_len)``, runs being the
    entries of one hash."""
    order = np.lexsort((docs, hashes))
    h, d, w = hashes[order], docs[order], words[order]
    first = np.ones(len(h), dtype=bool)
    first[1:] = (h[1:] != h[:-1]) | (d[1:] != d[:-1])
    h, d, w = h[first], d[first], w[first]
    run_start = np.flatnonzero(np.concatenate(([True], h[1:] != h[:-1])))
    run_len = np.diff(np.append(run_start, len(h)))
    return h, d, w, run_start, run_len


def learn_chrome(
    hashes: np.ndarray,
    docs: np.ndarray,
    words: np.ndarray,
    *,
    min_docs: int = 3,
    own_words: int = 80,
    own_share: float = 0.9,
    short_words: int = 3,
    long_words: int = 250,
) -> np.ndarray:
    """Sorted hashes of the lines that are chrome (see the module docs for the rules).

    ``hashes``, ``docs`` and ``words`` describe every non-empty line of the corpus: its hash,
    its document (any integer id) and its length in words.
    """
    if hashes.size == 0:
        return np.empty(0, dtype=np.uint64)
    h, d, w, run_start, run_len = _line_runs(hashes, docs, words)
    df = np.repeat(run_len, run_len)
    # Own prose of each document: words in lines nobody else has.
    doc_ids, doc_of = np.unique(d, return_inverse=True)
    own = np.bincount(doc_of, weights=np.where(df == 1, w, 0), minlength=len(doc_ids))
    rules = (min_docs, own_words, own_share, short_words, long_words)
    return _chrome_runs(h, own[doc_of], w, run_start, run_len, *rules)


def _chrome_runs(
    h: np.ndarray,
    own: np.ndarray,
    w: np.ndarray,
    run_start: np.ndarray,
    run_len: np.ndarray,
    min_docs: int,
    own_words: int,
    own_share: float,
    short_words: int,
    long_words: int,
) -> np.ndarray:
    """The hashes of the runs (from :func:`_line_runs`) that are chrome, given each entry's
    document's own prose ``own`` (the rules are in the module docs)."""
    independent = (own >= own_words).astype(np.int64)
    indep_in_run = np.add.reduceat(independent, run_start)
    run_words = w[run_start]
    chrome = (
        ((run_len >= min_docs) & (indep_in_run >= min_docs) & (indep_in_run >= own_share * run_len))
        | ((run_len >= min_docs) & (run_words <= short_words))
        | ((run_len >= 2) & (run_words >= long_words) & (indep_in_run >= 2))
    )
    return np.asarray(h[run_start][chrome], dtype=np.uint64)


def learn_chrome_parts(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    min_docs: int = 3,
    own_words: int = 80,
    own_share: float = 0.9,
    short_words: int = 3,
    long_words: int = 250,
    buckets: int = 16,
) -> np.ndarray:
    """:func:`learn_chrome` of the concatenated ``(hashes, docs, words)`` parts, one bucket
    of hashes at a time (same result), so that its sorts and temporaries hold a bucket's
    lines rather than the corpus's (5-6 copies of 24 bytes per line at once).

    Each hash's run is decided on its own, but deciding it needs every document's own prose
    (words in lines no other document has): a first pass over the buckets adds it up, a
    second decides the runs. ``docs`` must be non-negative integers (corpus rows).
    """
    parts = [p for p in parts if p[0].size]
    if not parts:
        return np.empty(0, dtype=np.uint64)
    n_docs = max(int(d.max()) for _, d, _ in parts) + 1
    bits = min(max(int(buckets).bit_length() - 1, 0), 8)
    shift = np.uint64(64 - bits)
    tags = [
        (h >> shift).astype(np.uint8) if bits else np.zeros(len(h), np.uint8) for h, _, _ in parts
    ]

    def bucket(b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        sel = [np.flatnonzero(t == b) for t in tags]
        hashes = np.concatenate([h[s] for (h, _, _), s in zip(parts, sel, strict=True)])
        docs = np.concatenate([d[s] for (_, d, _), s in zip(parts, sel, strict=True)])
        words = np.concatenate([w[s] for (_, _, w), s in zip(parts, sel, strict=True)])
        return _line_runs(hashes, docs, words)

    own = np.zeros(n_docs, dtype=np.float64)
    for b in range(1 << bits):
        _, d, w, run_start, run_len = bucket(b)
        if d.size:
            df = np.repeat(run_len, run_len)
            own += np.bincount(d, weights=np.where(df == 1, w, 0), minlength=n_docs)
    out = []
    rules = (min_docs, own_words, own_share, short_words, long_words)
    for b in range(1 << bits):
        h, d, w, run_start, run_len = bucket(b)
        if h.size:
            out.append(_chrome_runs(h, own[d], w, run_start, run_len, *rules))
    return np.concatenate(out) if out else np.empty(0, dtype=np.uint64)


def is_chrome(hashes: np.ndarray, chrome: np.ndarray) -> np.ndarray:
    """Mask of the lines whose hash is in the sorted chrome array."""
    if chrome.size == 0:
        return np.zeros(len(hashes), dtype=bool)
    pos = np.minimum(np.searchsorted(chrome, hashes), len(chrome) - 1)
    return np.asarray(chrome[pos] == hashes, dtype=bool)


def join_lines(
    offsets: np.ndarray, data: np.ndarray, keep: np.ndarray, doc_offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each document's kept normalized lines joined with single spaces (Arrow layout out)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )
    keep = keep & (np.diff(offsets) > 0)  # empty lines would leave double spaces
    kept = lines.filter(pa.array(keep))
    doc_of = np.repeat(np.arange(len(doc_offsets) - 1), np.diff(doc_offsets))
    counts = np.bincount(doc_of[keep], minlength=len(doc_offsets) - 1)
    list_offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    joined = pc.binary_join(
        pa.LargeListArray.from_arrays(pa.array(list_offsets), kept),
        pa.scalar(" ", pa.large_string()),
    )
    _, off_buf, data_buf = joined.buffers()
    out_offsets = np.frombuffer(off_buf, dtype=np.int64)[: len(joined) + 1].copy()
    out_data = (
        np.frombuffer(data_buf, dtype=np.uint8).copy()
        if data_buf is not None
        else np.zeros(0, dtype=np.uint8)
    )
    return out_offsets, out_data


# -- One document at a time ------------------------------------------------------------------
#
# The functions above run Arrow compute kernels over a batch; each call compiles its regular
# expression again, which a batch of thousands of documents amortizes and one article (an
# index's add or query) does not: about 1.5 ms of fixed cost per call. The functions below give
# exactly the same results for one line at a time with Python ``re`` patterns compiled once.
# The patterns are the ones above, translated from RE2 to Python syntax where the two differ:
# RE2's ``\w``, ``\d``, ``\s`` and ``\b`` are ASCII-only (``\s`` is ``[\t\n\f\r ]``), Python's
# are not, and RE2's ``$`` (without multi-line mode) is the end of the text only.
# tests/test_boilerplate_lines.py checks both paths against each other on generated lines.

_RE2_CLASSES = {"w": "0-9A-Za-z_", "d": "0-9", "s": "\\t\\n\\f\\r "}
_ASCII_BOUNDARY = r"(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"


def _re2_to_python(pattern: str) -> str:
    """An RE2 pattern as a Python ``re`` pattern matching the same strings."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in _RE2_CLASSES:
                body = _RE2_CLASSES[nxt]
                out.append(body if in_class else f"[{body}]")
            elif nxt == "b" and not in_class:
                out.append(_ASCII_BOUNDARY)  # RE2's \b is between ASCII word characters
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a literal ] first in a class
                out.append("\\]")
                i += 1
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        elif ch == "$" and not in_class:
            out.append("\\Z")  # RE2: end of text only; Python's $ also before a final \n
        else:
            out.append(ch)
        i += 1
    return "".join(out)


# The cheap test of strip_quotes above: r'["“”«»„]|twitter\.com|t\.co/|\(@' as substrings,
# and its last alternative; the cheap test of strip_link_cards; the patterns of cheap_filter.
_QUOTE_MARKS = ('"', "“", "”", "«", "»", "„", "twitter.com", "t.co/", "(@")
_TURN_HINT = r"^\s*[A-Z][^:]{0,40}:"
_LINK_CARD_HINT = r"[a-z][A-Z].* MORE\b"
_SHORT_LINE_END = r"[.!?:;\"”’)]\s*$"
_LINK_SEPARATOR = r" [|•·] "


@dataclass(frozen=True)
class _LinePatterns:
    credits: tuple[tuple[re.Pattern[str], str | None, bool], ...]
    quoted_line: re.Pattern[str]
    turn_hint: re.Pattern[str]
    link_card_hint: re.Pattern[str]
    link_card: re.Pattern[str]
    quote: re.Pattern[str]
    short_end: re.Pattern[str]
    separator: re.Pattern[str]
    widget: re.Pattern[str]


@functools.lru_cache(maxsize=1)
def _line_patterns() -> _LinePatterns:
    def c(pattern: str) -> re.Pattern[str]:
        return re.compile(_re2_to_python(pattern))

    return _LinePatterns(
        credits=tuple((c(p), fixed, whole) for p, fixed, whole in CREDIT_PATTERNS),
        quoted_line=c(QUOTED_LINE_PATTERN),
        turn_hint=c(_TURN_HINT),
        link_card_hint=c(_LINK_CARD_HINT),
        link_card=re.compile(LINK_CARD_CUT),
        quote=c(QUOTE_PATTERN),
        short_end=c(_SHORT_LINE_END),
        separator=c(_LINK_SEPARATOR),
        widget=c(WIDGET_LINE_PATTERN),
    )


def split_text(text: str | None) -> list[str]:
    """One document's lines: :func:`split_lines` for a single text."""
    return (text or "").split("\n")


#: RE2 and Python agree on case-insensitive matching except that Python folds the Turkish
#: dotted and dotless i (U+0130, U+0131) onto "i": they are hidden from case-insensitive
#: patterns (the mapping is one character to one, so match positions are unchanged).
_NO_TURKIC_I = str.maketrans({"\u0130": "\uffff", "\u0131": "\uffff"})
#: ... and the only other characters that fold onto ASCII letters (in both engines): the
#: Kelvin sign and the long s. With both mapped, lower-casing is case-insensitive matching
#: for ASCII words.
_ASCII_FOLD = str.maketrans({"\u0130": "\uffff", "\u0131": "\uffff", "\u017f": "s", "\u212a": "k"})
_CREDIT_WORDS = ("associated press", "copyright", "syndicated feed")


def _credit_hint(line: str) -> bool:
    """``_CREDIT_HINT`` matches ``line``, by substring tests."""
    if "(" in line or "by " in line or line.startswith("By "):
        return True
    if not line.isascii() and _has_any(line, "\u0130\u0131\u017f\u212a"):
        line = line.translate(_ASCII_FOLD)  # slow (per character), and rarely needed
    low = line.lower()
    return any(word in low for word in _CREDIT_WORDS)


def _has_any(line: str, chars: str) -> bool:
    return any(ch in line for ch in chars)


def strip_credits_line(line: str) -> tuple[str, str | None]:
    """:func:`strip_credits` for one line: the line without credits, and the agency credited."""
    if not _credit_hint(line):
        return line, None
    agency: str | None = None
    for pattern, fixed, whole in _line_patterns().credits:
        subject = line
        if pattern.flags & re.IGNORECASE and _has_any(line, "\u0130\u0131"):
            subject = line.translate(_NO_TURKIC_I)
        m = pattern.search(subject)
        if m is None:
            continue
        if agency is None:
            agency = line[m.start("agency") : m.end("agency")] if fixed is None else fixed
        line = "" if whole else line[: m.start()] + line[m.end() :]
    return line, agency


def strip_quotes_line(line: str) -> str:
    """:func:`strip_quotes` for one line."""
    p = _line_patterns()
    # strip_quotes's cheap test: substring tests, and its one anchored pattern
    if not any(mark in line for mark in _QUOTE_MARKS) and not p.turn_hint.match(line):
        return line
    if p.quoted_line.search(line):
        return ""
    return p.quote.sub(" ", line)


def strip_link_cards_line(line: str) -> str:
    """:func:`strip_link_cards` for one line."""
    if " MORE" not in line:  # the cheap test's only literal
        return line
    p = _line_patterns()
    if not p.link_card_hint.search(line):
        return line
    return p.link_card.sub(_cut_card, line)


def cheap_filter_line(line: str, words: int) -> bool:
    """:func:`cheap_filter` for one line of ``words`` normalized words: is it dropped?"""
    p = _line_patterns()
    if 0 < words <= 3 and not p.short_end.search(line):
        return True
    if p.widget.match(line):
        return True
    if " | " not in line and " • " not in line and " · " not in line:
        return False  # _LINK_SEPARATOR cannot match
    return len(p.separator.findall(line)) >= 2
