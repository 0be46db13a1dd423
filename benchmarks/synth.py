"""Turn real article texts into a labelled syndication corpus.

    python benchmarks/synth.py ../shared/data/allsides-dev/articles.jsonl --out synth/ --docs 2000
    python benchmarks/synth.py ../shared/data/reuters21578.jsonl --field body --out r/ --docs 5000
    python benchmarks/synth.py --builtin --out big/ --docs 1000000 --format jsonl --workers 8

    from synth import make_corpus                    # with benchmarks/ on sys.path
    docs, truth = make_corpus(texts, 2000, seed=0)   # list[Doc], list[Pair(a, b, label)]

Each *story* (a source text) becomes a *family* of documents published by invented sites:

========== ================================================================================
role       what it is
========== ================================================================================
original   the story on a wire site: plain text, light chrome, the wire's credit line
copy       the story on another site, in its chrome (menus, share line, cookie notice,
           related links, newsletter prompt, footer; plain text, or an HTML page with
           header/nav/article/aside/footer); usually a new headline, sometimes a trimmed tail
           (70-90% kept), 2-5 words changed, or the wire's credit kept
duplicate  a re-scrape of the original or of a plain-text copy: the same page up to
           whitespace, quote marks and letter case (identical after syndet's normalization)
excerpt    a leading or middle block of the story with >= 100 words of unquoted prose, within
           its first 60% (a sentence more at most), plus a "Read more at" line
embedding  the whole story inside a longer article made with other source text
rewrite    sentences reordered under a new lead, verbatim sentences (unquoted prose first)
           making 30-50% of the story's words and >= 100 words of prose, the other sentences
           reworded (an edit every 2-4 words, so no 5-word run survives) or dropped
distractor another source text given the story's names and one quoted sentence of it
           (15-30 words): same event, different text (a negative)
filler     another source text, alone in its own family
========== ================================================================================

Truth (``truth.csv``: ``a,b,label`` with ``a < b``) labels every pair inside a family by role
(:func:`pair_label`):

* original/copy/duplicate with each other: ``syndicated`` (``duplicate`` for a re-scrape and
  the document it re-scrapes);
* excerpt or embedding with original/copy/duplicate, and excerpt with embedding: ``partial``
  (the embedding holds the whole story; no copy is trimmed into the excerpt);
* rewrite with original/copy/duplicate/embedding: ``rewritten``;
* rewrite with excerpt: **not labelled**. Their overlap is whichever verbatim sentences of the
  rewrite fall inside the excerpt, anything from nothing to all of it, so no one label is
  right: a scorer must ignore the pair;
* distractor with any member (other distractors of the family too): ``same-event``.

Pairs of documents from different families are unrelated by construction (``families.csv``
gives each document's family and role): a scorer may count every such pair as a negative.
To make that true of real text, the source pool is cleaned first (see :class:`Pool`): no two
source texts share a word 8-gram afterwards. Chrome is shared on purpose: every page of a site
carries the same menus, notices and footer, as on the web.

Large corpora reuse source texts. Every reuse after the first renders the text through a
fresh vocabulary permutation (words swapped within bands of similar frequency; case and
punctuation kept), so each reuse is a new story sharing no text with the others while word
frequencies and sentence shapes stay those of the source. Generation runs in chunks of
:data:`CHUNK` documents with their own random streams and their own source slots, so it is
deterministic for ``(sources, n_docs, seed)`` whatever ``--workers``, streams to disk, and
spreads over processes.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import multiprocessing as mp
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import numpy as np

__all__ = [
    "CHUNK",
    "LABELS",
    "ROLES",
    "Doc",
    "Pair",
    "Pool",
    "builtin_texts",
    "iter_corpus",
    "load_source_texts",
    "make_corpus",
    "pair_label",
    "write_corpus",
]

CHUNK = 2000
_T = TypeVar("_T")
LABELS = ("duplicate", "syndicated", "partial", "rewritten", "same-event")
ROLES = (
    "original",
    "copy",
    "duplicate",
    "excerpt",
    "embedding",
    "rewrite",
    "distractor",
    "filler",
)
#: Roles that hold the whole story near-verbatim.
FULL = frozenset({"original", "copy", "duplicate"})

STORY_MIN_WORDS = 220  # an excerpt of >= 100 words must fit in the first 60% of the story
MIN_PROSE = 100  # unquoted words an excerpt or the verbatim part of a rewrite holds at least
# (the allsides-dev labels ask for ~100 words of non-quote text before calling reuse partial)
SOURCE_MIN_WORDS = 40
FAMILY_SHARE = 0.75  # of each chunk's documents; the rest are fillers
MAX_FAMILY = 14  # most documents one family can have (1 + 6 + 1 + 1 + 1 + 1 + 3)
EXCERPT_SPAN = 0.6  # excerpts lie within this leading share of the story
TRIM_KEEP = (0.7, 0.9)  # share of the words a trimmed copy keeps (never less than the excerpt)
_VOCAB_BAND = 32
_HEADS_EPOCH = 2**31 - 1
_EPOCH = datetime(2016, 1, 1, tzinfo=timezone.utc)


class Pair(NamedTuple):
    """One labelled pair of document ids, ``a < b``."""

    a: str
    b: str
    label: str


@dataclass
class Doc:
    """One generated document: exactly one of ``text`` and ``html`` is set."""

    id: str
    text: str | None
    html: str | None
    title: str
    source: str
    url: str
    published: str
    family: str
    role: str
    variant: str


def pair_label(role_a: str, role_b: str, *, rescrape: bool = False) -> str | None:
    """The truth label of two members of one family (``None``: deliberately unlabelled).

    ``rescrape`` says one is a duplicate made from the other.
    """
    roles = {role_a, role_b}
    if "filler" in roles:
        raise ValueError("fillers have no family")
    if "distractor" in roles:
        return "same-event"
    if roles <= FULL:
        return "duplicate" if rescrape else "syndicated"
    if "rewrite" in roles:
        other = role_b if role_a == "rewrite" else role_a
        return None if other == "excerpt" else "rewritten"
    return "partial"  # full story vs excerpt/embedding, or excerpt vs embedding


# --------------------------------------------------------------------------------------------
# Source texts

_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
_SENT_END = re.compile(r"[.!?]+[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_QUOTE = re.compile(r"[\"“”]")


def load_source_texts(path: Path, field: str | None = None) -> list[str]:
    """Article texts from a JSONL file (field ``text``, else ``body``, or ``field``), a folder
    of ``.txt``/``.md`` files (one article each), or a text file whose articles are separated
    by lines holding only ``---``."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".md"))
        return [p.read_text(encoding="utf-8", errors="replace") for p in files]
    if path.suffix in (".jsonl", ".ndjson"):
        texts = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                record = json.loads(line)
                names = (field,) if field else ("text", "body")
                value = next((record[n] for n in names if record.get(n)), None)
                if isinstance(value, str):
                    texts.append(value)
        return texts
    raw = path.read_text(encoding="utf-8", errors="replace")
    return [t for t in re.split(r"(?m)^---\s*$", raw) if t.strip()]


def _split_sentences(paragraph: str) -> list[str]:
    out, start = [], 0
    for m in _SENT_END.finditer(paragraph):
        # "Mr. Smith", "U.S. officials": a short capitalised word before the stop is taken as
        # an abbreviation, not a sentence end (a missed split costs nothing here).
        before = paragraph[start : m.start()].rsplit(None, 1)
        if before and len(before[-1]) <= 3 and before[-1][:1].isupper():
            continue
        out.append(paragraph[start : m.end()].strip())
        start = m.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if _WORD.search(s)]


def _unshared(ids: np.ndarray, offsets: np.ndarray, shared: np.ndarray) -> list[int]:
    """Indices of the sentences none of whose words lies in one of the ``shared`` 8-grams."""
    n_sents = len(offsets) - 1
    h = _gram_hashes(ids, 8)
    if not len(h) or not len(shared):
        return list(range(n_sents))
    pos = np.minimum(np.searchsorted(shared, h), len(shared) - 1)
    hit = shared[pos] == h
    # Word i is covered when one of the 8-grams starting at i-7..i is shared.
    covered = np.convolve(hit.astype(np.int32), np.ones(8, dtype=np.int32))[: len(ids)] > 0
    sentence = np.repeat(np.arange(n_sents), np.diff(offsets))
    bad = np.zeros(n_sents, dtype=bool)
    bad[sentence[covered]] = True
    return [int(i) for i in np.flatnonzero(~bad)]


@dataclass
class _Text:
    """One cleaned source text: its sentences as written, and its words as vocabulary ids."""

    sents: list[str]
    para: list[bool]  # sentence i opens a paragraph
    ids: np.ndarray  # vocabulary id (of the lower-cased word) of every word
    # Filled on the first re-rendering only (most texts of a small corpus are never re-rendered):
    # the text with a "{}" slot per word and NUL between sentences, and each word's case.
    template: str | None = None
    keyed: np.ndarray | None = None  # 3 * word id + case (0 lower, 1 Capitalised, 2 UPPER)

    @property
    def words(self) -> int:
        return len(self.ids)


# Odd 64-bit multipliers of the rolling n-gram hash (any fixed odd constants do).
_GRAM_MUL = np.uint64(0x9E3779B97F4A7C15)
_GRAM_MIX = np.uint64(0xBF58476D1CE4E5B9)


def _gram_hashes(ids: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit hash of every word n-gram of ``ids``, in order (``len(ids) - n + 1`` of them)."""
    if len(ids) < n:
        return np.empty(0, dtype=np.uint64)
    x = ids.astype(np.uint64) + np.uint64(1)
    h = np.zeros(len(ids) - n + 1, dtype=np.uint64)
    for j in range(n):
        h = h * _GRAM_MUL + x[j : len(x) - n + 1 + j]
    h ^= h >> np.uint64(31)
    mixed: np.ndarray = h * _GRAM_MIX
    return mixed


class Pool:
    """Cleaned source texts that share no text with each other, renderable as new stories.

    Cleaning: every sentence holding a word 8-gram that another source text also holds is
    removed (page furniture, shared boilerplate, quotes several outlets carried, and the shared
    text of reprints, so a reprint pair loses its common part on both sides); texts left with
    fewer than :data:`SOURCE_MIN_WORDS` words are dropped. Afterwards no two texts share an
    8-gram, which is what lets documents of different families count as negatives.

    ``render(i, 0)`` is text ``i`` as written; ``render(i, e)`` for ``e >= 1`` maps every word
    through epoch ``e``'s vocabulary permutation, which shares (almost) no 5-gram with any
    other epoch while keeping word frequencies, case and punctuation.
    """

    def __init__(self, texts: Iterable[str], seed: int = 0) -> None:
        self.seed = seed
        vocab: dict[str, int] = {}
        raw: list[tuple[list[str], list[bool], np.ndarray, np.ndarray]] = []
        for text in texts:
            text = text.replace("\x00", " ")  # NUL separates sentences in render templates
            sents: list[str] = []
            para: list[bool] = []
            for p in text.splitlines():
                for j, sent in enumerate(_split_sentences(p.strip())):
                    sents.append(sent)
                    para.append(j == 0)
            words = [_WORD.findall(sent) for sent in sents]
            ids = np.array(
                [vocab.setdefault(w.lower(), len(vocab)) for ws in words for w in ws], np.int32
            )
            offsets = np.cumsum([0, *(len(ws) for ws in words)])
            raw.append((sents, para, ids, offsets))
        # 8-grams found in two or more texts (each text counted once).
        every = [np.unique(_gram_hashes(ids, 8)) for _, _, ids, _ in raw]
        values, counts = np.unique(
            np.concatenate([np.empty(0, np.uint64), *every]), return_counts=True
        )
        shared = values[counts > 1]
        self.texts: list[_Text] = []
        self.dropped = {"short": 0, "sentences": 0}
        for sents, para, ids, offsets in raw:
            kept = _unshared(ids, offsets, shared)
            self.dropped["sentences"] += len(sents) - len(kept)
            k_ids = np.concatenate(
                [np.empty(0, np.int32), *(ids[offsets[i] : offsets[i + 1]] for i in kept)]
            )
            if len(k_ids) < SOURCE_MIN_WORDS:
                self.dropped["short"] += 1
                continue
            # A sentence whose predecessor was removed opens a paragraph: what it followed
            # is gone.
            k_para = [para[i] or k == 0 or kept[k - 1] != i - 1 for k, i in enumerate(kept)]
            self.texts.append(_Text([sents[i] for i in kept], k_para, k_ids))
        if not self.texts:
            raise ValueError(f"no source text has {SOURCE_MIN_WORDS} words after cleaning")
        self._vocab = list(vocab)
        self._forms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._by_freq: np.ndarray | None = None
        self._mapping = lru_cache(maxsize=4)(self._make_mapping)
        self._table = lru_cache(maxsize=4)(self._make_table)

    def __len__(self) -> int:
        return len(self.texts)

    def _prepare(self, t: _Text) -> None:
        templates: list[str] = []
        case: list[int] = []
        for sent in t.sents:
            glue = [g.replace("{", "{{").replace("}", "}}") for g in _WORD.split(sent)]
            words = _WORD.findall(sent)
            templates.append("{}".join(glue))
            case += [
                0 if w.islower() or not w[:1].isupper() else 2 if w.isupper() else 1 for w in words
            ]
        t.template = "\x00".join(templates)
        t.keyed = t.ids.astype(np.int64) * 3 + np.asarray(case, np.int64)

    def _make_table(self, epoch: int) -> np.ndarray:
        """Epoch ``epoch``'s spelling of word ``id`` in case ``c`` at ``3 * id + c``."""
        if self._forms is None:
            self._forms = (
                np.array(self._vocab, dtype=object),
                np.array([w[:1].upper() + w[1:] for w in self._vocab], dtype=object),
                np.array([w.upper() for w in self._vocab], dtype=object),
            )
        m = self._mapping(epoch)
        table: np.ndarray = np.stack([f[m] for f in self._forms], axis=1).ravel()
        return table

    def _make_mapping(self, epoch: int) -> np.ndarray:
        if self._by_freq is None:
            # Word ids by falling frequency (first seen first among equals): each word is
            # swapped with another of its band of this order, so common words stay common.
            freq = np.bincount(
                np.concatenate([t.ids for t in self.texts]), minlength=len(self._vocab)
            )
            self._by_freq = np.argsort(-freq, kind="stable")
        order = self._by_freq
        rng = np.random.default_rng([self.seed, 0x5EED, epoch])
        full = len(order) // _VOCAB_BAND * _VOCAB_BAND
        shuffled = np.concatenate(
            [
                rng.permuted(order[:full].reshape(-1, _VOCAB_BAND), axis=1).ravel(),
                rng.permutation(order[full:]),
            ]
        )
        mapping = np.empty(len(order), dtype=np.int64)
        mapping[order] = shuffled
        return mapping

    def render(self, index: int, epoch: int) -> tuple[list[str], list[bool]]:
        """Sentences and paragraph starts of text ``index`` rendered in ``epoch``."""
        t = self.texts[index]
        if epoch == 0:
            return t.sents, t.para
        if t.template is None:
            self._prepare(t)
        assert t.template is not None and t.keyed is not None
        # One lookup gives every word in its epoch's spelling and its own case, and one
        # str.format call fills every word slot of the whole text (C loops, no Python work
        # per word); sentences are then split off at the separator.
        words = self._table(epoch)[t.keyed].tolist()
        return t.template.format(*words).split("\x00"), t.para


# --------------------------------------------------------------------------------------------
# Built-in invented text (no data needed)

# fmt: off
_SYL_ON = ("", "b", "br", "d", "dr", "f", "g", "gl", "h", "k", "l", "m", "n", "p", "pr", "r",
           "s", "sk", "sp", "t", "tr", "v", "w", "z")
# fmt: on
_SYL_NU = ("a", "e", "i", "o", "u", "au", "ei", "oa", "y")
_SYL_CO = ("", "", "", "l", "m", "n", "r", "s", "t", "nk", "rd", "sh", "x")


def _invented_words(rng: random.Random, n: int, syllables: tuple[int, int]) -> list[str]:
    out: dict[str, None] = {}
    while len(out) < n:
        k = rng.randint(*syllables)
        w = "".join(
            rng.choice(_SYL_ON) + rng.choice(_SYL_NU) + rng.choice(_SYL_CO) for _ in range(k)
        )
        out.setdefault(w, None)
    return list(out)


def builtin_texts(n: int = 300, seed: int = 0) -> list[str]:
    """``n`` invented news-like articles (60-900 words; names, quotes, paragraphs)."""
    rng = random.Random(seed)
    vocab = _invented_words(rng, 3000, (1, 3))
    weights = [1 / (r + 2.7) ** 1.05 for r in range(len(vocab))]
    names = [w.capitalize() for w in _invented_words(rng, 400, (2, 3))]
    texts = []
    for _ in range(n):
        cast = rng.sample(names, 6)  # each story has its own people and places
        target = rng.choice((rng.randint(60, 200), rng.randint(250, 900), rng.randint(250, 900)))
        paras: list[str] = []
        size = 0
        while size < target:
            para = []
            for _ in range(rng.randint(1, 3)):
                words = rng.choices(vocab, weights, k=rng.randint(8, 28))
                if rng.random() < 0.5:
                    words[rng.randrange(1, len(words))] = rng.choice(cast)
                words[0] = words[0].capitalize()
                body = " ".join(words)
                size += len(words)
                if rng.random() < 0.15:
                    para.append(f"“{body},” said {rng.choice(cast)} {rng.choice(cast)}.")
                else:
                    para.append(body + rng.choice(".....?"))
            paras.append(" ".join(para))
        texts.append("\n\n".join(paras))
    return texts


# --------------------------------------------------------------------------------------------
# Invented sites and their chrome

# fmt: off
_PLACE_A = ("Ash", "Bram", "Cold", "Dun", "Elder", "Fen", "Gull", "Hollow", "Kester", "Lind",
            "Marsh", "Nettle", "Orr")
_PLACE_B = ("by", "combe", "ford", "gate", "holm", "ley", "mere", "stow", "well", "wick")
_OUTLETS = ("Gazette", "Ledger", "Courier", "Herald", "Tribune", "Dispatch", "Chronicle",
            "Observer", "Sentinel", "Record", "Bulletin", "Standard", "Beacon", "Register",
            "Clarion", "Examiner", "Mercury", "Telegraph")
_SECTIONS = ("News", "Local", "World", "Politics", "Business", "Money", "Sport", "Opinion",
             "Weather", "Science", "Health", "Arts", "Travel", "Food", "Tech", "Video",
             "Podcasts", "Puzzles", "Obituaries", "Subscribe", "Sign in", "Newsletters")
# fmt: on
_SHARE = (
    "Share this story: Facebook | X | WhatsApp | Email",
    "Share · Post · Email · Print · Copy link",
    "SHARE: Facebook Bluesky LinkedIn Reddit",
    "Send to a friend | Print this page | Save for later",
)
_COOKIE = (
    "{name} uses cookies to remember your settings and to count visits. By continuing to "
    "browse you agree to our use of cookies. Manage settings",
    "We and our partners store small files on your device to keep {name} running and to "
    "show offers that may interest you. Accept all | Reject all | Preferences",
    "This site uses cookies. Read how {name} handles your data in our privacy notice. Got it",
)
_NEWSLETTER = (
    "Sign up for the {name} morning email: the day's top stories before breakfast.",
    "Never miss a story. Get {name} alerts delivered to your inbox. Subscribe now",
    "Independent reporting needs readers like you. Become a {name} member from one coin a week.",
)
_RELATED = ("Related stories", "More from {name}", "You may also like", "Read next")
_FOOTER = (
    "About {name} | Contact us | Advertise | Careers | Privacy policy | Terms of use",
    "Corrections | Accessibility | Cookie settings | Help centre | Site map",
)
# strftime("%B") would follow the locale; pages are in English.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WIRE_CREDIT = ("(Northgate Wire)", "(Tidewater Press Service)", "(Calder News Agency)")


@dataclass(frozen=True)
class Site:
    """An invented outlet: its name, address, page format and chrome."""

    name: str
    slug: str
    html: bool
    wire: bool
    menu: tuple[str, ...]
    share: str
    cookie: str | None
    newsletter: str | None
    related: str
    footer: tuple[str, ...]


@lru_cache(maxsize=1)
def sites() -> tuple[Site, ...]:
    """The invented outlets: three wires (plain text, light chrome), then 45 other sites."""
    rng = random.Random(20240611)
    names = [f"{a}{b} {o}" for a in _PLACE_A for b in _PLACE_B for o in _OUTLETS]
    chosen = rng.sample(names, 45)
    wires = [c.strip("()") for c in _WIRE_CREDIT]
    out = []
    for i, name in enumerate(wires + chosen):
        wire = i < len(wires)
        slug = re.sub(r"[^a-z]", "", name.lower())
        menu = tuple(rng.sample(_SECTIONS, 3 if wire else rng.randint(6, 10)))
        out.append(
            Site(
                name=name,
                slug=slug,
                html=not wire and i % 2 == 0,
                wire=wire,
                menu=menu,
                share=rng.choice(_SHARE),
                cookie=None
                if wire or rng.random() < 0.3
                else rng.choice(_COOKIE).format(name=name),
                newsletter=None if wire else rng.choice(_NEWSLETTER).format(name=name),
                related=rng.choice(_RELATED).format(name=name),
                footer=(
                    f"© {rng.randint(2009, 2024)} {name}. All rights reserved.",
                    *(f.format(name=name) for f in rng.sample(_FOOTER, rng.randint(1, 2))),
                ),
            )
        )
    return tuple(out)


def _n_words(sentence: str) -> int:
    # Words as spaces + 1: the texts are single-spaced inside sentences, and this is several
    # times cheaper than len(split()) on the hot paths.
    return sentence.count(" ") + 1


def _paragraphs(sents: Sequence[str], para: Sequence[bool]) -> list[str]:
    starts = [i for i, p in enumerate(para) if p]
    if not starts or starts[0]:
        starts.insert(0, 0)
    ends = [*starts[1:], len(sents)]
    return [" ".join(sents[a:b]) for a, b in zip(starts, ends, strict=True)]


def _page_text(site: Site, title: str, when: datetime, body: list[str], related: list[str]) -> str:
    lines = [site.name, " | ".join(site.menu)]
    if site.cookie:
        lines.append(site.cookie)
    lines += [
        title,
        f"Published {_MONTHS[when.month - 1]} {when.day:02d}, {when.year} "
        f"{when.hour:02d}:{when.minute:02d} UTC",
    ]
    if not site.wire:
        lines.append(site.share)
    lines += body
    if not site.wire:
        lines += [site.related, *(f"- {r}" for r in related)]
    if site.newsletter:
        lines.append(site.newsletter)
    lines += site.footer
    return "\n\n".join(lines) + "\n"


def _page_html(site: Site, title: str, when: datetime, body: list[str], related: list[str]) -> str:
    e = html.escape
    nav = "".join(
        f'<li><a href="/{s.lower().replace(" ", "-")}/">{e(s)}</a></li>' for s in site.menu
    )
    cookie = (
        f'<div class="cookie-banner"><p>{e(site.cookie)}</p><button>OK</button></div>\n'
        if site.cookie
        else ""
    )
    links = "".join(f'<li><a href="/story/{k}">{e(r)}</a></li>' for k, r in enumerate(related))
    # One escape call for the whole body: paragraphs never hold a line break.
    paras = "<p>" + e("\n".join(body), quote=False).replace("\n", "</p>\n<p>") + "</p>"
    news = ""
    if site.newsletter:
        news = f'<aside class="newsletter"><p>{e(site.newsletter)}</p></aside>\n'
    foot = "".join(f"<p>{e(f)}</p>" for f in site.footer)
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{e(title)} | {e(site.name)}</title></head>\n<body>\n"
        f'<header><div class="brand">{e(site.name)}</div><nav><ul>{nav}</ul></nav></header>\n'
        f"{cookie}<main>\n<article>\n<h1>{e(title)}</h1>\n"
        f'<p class="dateline"><time datetime="{when.isoformat()}">'
        f"{_MONTHS[when.month - 1]} {when.day:02d}, {when.year}</time></p>\n"
        f'<div class="share">{e(site.share)}</div>\n{paras}\n</article>\n'
        f'<aside class="related"><h2>{e(site.related)}</h2><ul>{links}</ul></aside>\n'
        f"{news}</main>\n<footer>{foot}</footer>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------------------------
# Transformations of a story's sentences

# A capitalised word after a non-space and a space: sentences are joined with blank lines, so
# a word opening a sentence (or its opening quote) is not taken for a name.
_NAME = re.compile(r"(?<=\S )[A-Z][a-z]+(?:[ \-][A-Z][a-z]+)*")
_INSERTS = ("also", "now", "still", "then", "reportedly", "again", "further", "indeed", "later")


_HEAD_STRIP = '.,;:!?"“”‘’()[]'


def _headline(sentence: str, rng: random.Random) -> str:
    # Only the first 15 words can be picked, so only they are split off.
    words = [w.strip(_HEAD_STRIP) for w in sentence.split(maxsplit=15)[:15]]
    words = [w for w in words if w]
    start = rng.randint(0, max(0, min(3, len(words) - 6)))
    head = " ".join(words[start : start + rng.randint(6, 11)]) or "Untitled"
    return head[:1].upper() + head[1:]


class _Story:
    """A rendered story, with what the transformations ask of it worked out once."""

    def __init__(self, sents: list[str], para: list[bool]) -> None:
        self.sents = sents
        self.para = para
        self.sizes = [_n_words(s) for s in sents]
        self.total = sum(self.sizes)

    @cached_property
    def prose(self) -> list[int]:
        """Words of each sentence that count as authored prose: 0 for one with a quote.

        Reuse is judged on prose only (a quote is material every outlet may carry), so
        excerpts and rewrites keep at least :data:`MIN_PROSE` words of it.
        """
        return [0 if _QUOTE.search(s) else n for s, n in zip(self.sents, self.sizes, strict=True)]

    @cached_property
    def names(self) -> list[str]:
        """The six most frequent capitalised names."""
        found = Counter(_NAME.findall("\n\n".join(self.sents)))
        return [n for n, _ in found.most_common(6)]

    @cached_property
    def lexicon(self) -> list[str]:
        """The story's words, for substitutions that keep its vocabulary."""
        words = [w.strip('.,;:"“”()') for s in self.sents for w in s.split()]
        return [w for w in words if w] or ["said"]

    def trimmed(self, keep: float) -> int:
        """How many leading sentences hold at least ``keep`` of the words."""
        acc = 0
        for i, n in enumerate(self.sizes):
            acc += n
            if acc >= keep * self.total:
                return i + 1
        return len(self.sents)


def _light_edit(sents: list[str], sizes: list[int], rng: random.Random) -> list[str]:
    """A few words changed (2-5 edits): what a copy desk does to a wire story."""
    out = list(sents)
    long = [i for i, n in enumerate(sizes) if n >= 8]
    for i in rng.sample(long, min(len(long), rng.randint(2, 5))):
        words = out[i].split()
        j = rng.randrange(1, len(words) - 1)
        op = rng.random()
        if op < 0.5:  # another word of the story, in this place
            words[j] = rng.choice(rng.choice(out).split()).strip('.,;:"“”')
        elif op < 0.8:
            del words[j]
        else:
            words[j], words[j + 1] = words[j + 1], words[j]
        out[i] = " ".join(words)
    return out


def _reword(sentence: str, rng: random.Random, lexicon: list[str]) -> str:
    """Edit every 2nd-4th word (substitute, delete or insert): no 5-word run survives."""
    words = sentence.split()
    out: list[str] = []
    gap = rng.randint(2, 4)
    run = rng.randrange(gap)
    for w in words:
        if run < gap:
            out.append(w)
            run += 1
            continue
        run = 0
        op = rng.random()
        if op < 0.6:
            out.append(rng.choice(lexicon))
        elif op < 0.8:
            out.append(rng.choice(_INSERTS))
            out.append(w)
        # else: deleted
    return " ".join(out)


def _rewrite(story: _Story, rng: random.Random) -> tuple[list[str], list[bool], float]:
    """Reorder sentences, keep 30-50% of the words verbatim, reword (or drop) the rest."""
    sents, sizes, prose = story.sents, story.sizes, story.prose
    target = rng.uniform(0.3, 0.5) * story.total
    # Verbatim sentences: prose first, so the reuse is authored text and not shared quotes.
    order = [i for i in range(len(sents)) if prose[i]]
    rng.shuffle(order)
    verbatim: set[int] = set()
    kept = kept_prose = 0
    for i in order:
        if kept >= target and kept_prose >= MIN_PROSE:
            break
        verbatim.add(i)
        kept += sizes[i]
        kept_prose += prose[i]
    # New lead from later in the story, then a local shuffle: a rewrite moves material around
    # but mostly keeps the story's arc.
    lead = rng.randrange(len(sents) // 3, len(sents)) if len(sents) > 2 else 0
    keys = {i: i + rng.uniform(-4, 4) for i in range(len(sents))}
    keys[lead] = -10.0
    out: list[str] = []
    for i in sorted(keys, key=keys.__getitem__):
        if i in verbatim:
            out.append(sents[i])
        elif rng.random() < 0.85:
            out.append(_reword(sents[i], rng, story.lexicon))
    para = []
    left = 0
    for _ in out:
        para.append(left == 0)
        left = rng.randint(0, 2) if left == 0 else left - 1
    return out, para, kept / max(story.total, 1)


def _quote(story: _Story, rng: random.Random) -> str:
    sents, sizes = story.sents, story.sizes
    fits = [i for i, n in enumerate(sizes) if 15 <= n <= 30]
    quoted = [sents[i] for i in fits if _QUOTE.search(sents[i])]
    if quoted:
        return rng.choice(quoted)
    s = sents[rng.choice(fits)] if fits else rng.choice(sents)
    who = rng.choice(story.names) if story.names else "an official"
    return f"“{s.rstrip('.!? ')},” {who} said."


def _distractor(
    base: list[str], base_para: list[bool], story: _Story, rng: random.Random
) -> tuple[list[str], list[bool]]:
    """Another text about "the same event": the story's names and one of its quotes."""
    names = story.names
    quote = _quote(story, rng)
    theirs = _Story(base, base_para).names
    if names and theirs:
        swap = {t: names[k % len(names)] for k, t in enumerate(theirs)}

        def rename(m: re.Match[str]) -> str:
            return swap.get(m.group(), m.group())

        base = [_NAME.sub(rename, s) for s in base]
    at = rng.randint(1, max(1, len(base) - 1))
    after = [True, *base_para[at + 1 :]] if at < len(base) else []
    return [*base[:at], quote, *base[at:]], [*base_para[:at], True, *after]


def _rescrape(text: str, title: str, rng: random.Random) -> str:
    """The same page scraped again: other line breaks and spacing, quote marks, headline case.

    Each change is one syndet's normalization undoes (whitespace collapsing, quote folding,
    case folding), so the two texts are identical once normalized.
    """
    lines = [
        line.upper() if line == title and rng.random() < 0.5 else line
        for line in text.split("\n\n")
    ]
    out = "\n".join(" " + line.replace(" ", "  ", 1) for line in lines)
    if rng.random() < 0.5:
        return out.replace("“", '"').replace("”", '"')
    return out.replace('"', "“")


# --------------------------------------------------------------------------------------------
# The corpus


@dataclass
class _Member:
    doc: Doc
    rescrape_of: int | None = None  # index of the member a duplicate re-scrapes


@dataclass(frozen=True)
class _Setup:
    """What every chunk of one corpus shares."""

    pool: Pool
    seed: int
    streams: tuple[list[int], list[int]]  # pool indices for stories, for everything else
    heads: list[str]  # headlines for "related stories" links
    chunk: int
    n_docs: int


_STORIES, _OTHERS = 0, 1
# Source slots each chunk owns, per document, in each stream. A family of >= 2 documents uses
# one story; any document uses at most four other texts (an embedding's hosts), and all but
# embeddings (under a twelfth of the documents) use at most one.
_SLOTS = (1, 3)


class _Chunk:
    """Generates one chunk: its families, fillers and labelled pairs."""

    def __init__(self, setup: _Setup, index: int, first_id: int) -> None:
        self.setup = setup
        self.pool = setup.pool
        self.rng = random.Random(setup.seed * 1_000_003 + index)
        self.index = index
        self.first_id = first_id
        # Each chunk owns its own range of both slot streams, so chunks never share a
        # (text, epoch) and each can be made without the others.
        self.slot = [index * setup.chunk * k for k in _SLOTS]
        self.limit = [(index + 1) * setup.chunk * k for k in _SLOTS]
        self.sites = sites()
        self.wires = [s for s in self.sites if s.wire]
        self.outlets = [s for s in self.sites if not s.wire]

    def _take(self, stream: int) -> tuple[list[str], list[bool]]:
        slot = self.slot[stream]
        if slot >= self.limit[stream]:
            raise RuntimeError("a chunk used more source slots than it owns")
        self.slot[stream] += 1
        texts = self.setup.streams[stream]
        epoch, k = divmod(slot, len(texts))
        order = _epoch_order(self.setup.seed, stream, len(texts), epoch)
        return self.pool.render(texts[order[k]], epoch)

    def _doc(
        self,
        site: Site,
        title: str,
        when: datetime,
        body: list[str],
        family: str,
        role: str,
        variant: str = "",
    ) -> Doc:
        related = self.rng.sample(self.setup.heads, self.rng.randint(3, 5))
        page = (_page_html if site.html else _page_text)(site, title, when, body, related)
        slug = re.sub(r"[^a-z0-9\-]", "", "-".join(title.lower().split()[:6]))[:60] or "story"
        return Doc(
            id="",
            text=None if site.html else page,
            html=page if site.html else None,
            title=title,
            source=site.name,
            url=f"https://www.{site.slug}.example/{when:%Y/%m/%d}/{slug}",
            published=when.isoformat().replace("+00:00", "Z"),
            family=family,
            role=role,
            variant=variant,
        )

    def _when(self, base: datetime, lo_h: float, hi_h: float) -> datetime:
        return base + timedelta(seconds=int(self.rng.uniform(lo_h, hi_h) * 3600))

    def _random_day(self) -> datetime:
        return _EPOCH + timedelta(seconds=self.rng.randrange(8 * 365 * 86400))

    def family(self, name: str) -> list[_Member]:
        rng = self.rng
        story = _Story(*self._take(_STORIES))
        sents, para = story.sents, story.para
        base = self._random_day()
        title = _headline(sents[0], rng)
        wire = rng.choice(self.wires)
        credit = f"{_WIRE_CREDIT[self.wires.index(wire)]} —"
        body = _paragraphs(sents, para)
        body[0] = f"{credit} {body[0]}"
        members = [_Member(self._doc(wire, title, base, body, name, "original"))]
        # The excerpt is chosen first so that no trimmed copy cuts into it: every copy then
        # holds the whole excerpt, and "partial" is true of each copy-excerpt pair.
        plan = self._excerpt_block(story) if rng.random() < 0.4 else None
        keep_share = sum(story.sizes[: plan[1]]) / max(1, story.total) if plan else 0.0
        for site in rng.sample(self.outlets, rng.choice((1, 1, 2, 2, 3, 4, 6))):
            members.append(self._copy(site, story, title, credit, base, name, keep_share))
        if rng.random() < 0.3:
            texts = [k for k, m in enumerate(members) if m.doc.text is not None]
            k = rng.choice(texts)
            src = members[k].doc
            dup = replace(
                src,
                text=_rescrape(src.text or "", src.title, rng),
                role="duplicate",
                variant=f"rescrape-of-{src.role}",
                url=src.url + "?output=amp",
            )
            members.append(_Member(dup, rescrape_of=k))
        if plan is not None:
            members.append(self._excerpt(story, plan, base, name, wire))
        if rng.random() < 0.3:
            members.append(self._embedding(story, base, name))
        if rng.random() < 0.5:
            s, p, share = _rewrite(story, rng)
            when = self._when(base, 3, 96)
            members.append(self._outlet_page(s, p, when, name, "rewrite", f"verbatim-{share:.2f}"))
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
            other, other_para = self._take(_OTHERS)
            s, p = _distractor(other, other_para, story, rng)
            members.append(self._outlet_page(s, p, self._when(base, -12, 24), name, "distractor"))
        return members

    def _copy(
        self,
        site: Site,
        story: _Story,
        title: str,
        credit: str,
        base: datetime,
        name: str,
        keep_at_least: float,
    ) -> _Member:
        rng = self.rng
        sents, para, sizes = story.sents, story.para, story.sizes
        tags = ["html" if site.html else "text"]
        if rng.random() < 0.7:
            title = _headline(rng.choice(sents[: min(4, len(sents))]), rng)
            tags.append("retitled")
        if rng.random() < 0.3:
            k = story.trimmed(max(rng.uniform(*TRIM_KEEP), keep_at_least))
            sents, para, sizes = sents[:k], para[:k], sizes[:k]
            tags.append("trimmed")
        if rng.random() < 0.4:
            sents = _light_edit(sents, sizes, rng)
            tags.append("edited")
        body = _paragraphs(sents, para)
        if rng.random() < 0.5:  # some copies keep the wire's credit line
            body[0] = f"{credit} {body[0]}"
            tags.append("credited")
        when = self._when(base, 0.2, 48)
        return _Member(self._doc(site, title, when, body, name, "copy", "+".join(tags)))

    def _excerpt_block(self, story: _Story) -> tuple[int, int, int]:
        """Start, end (sentences) and words of an excerpt: a leading or middle block of at
        least MIN_PROSE words of prose, up to a drawn size while inside the span."""
        rng = self.rng
        sizes, prose, total = story.sizes, story.prose, story.total
        span = EXCERPT_SPAN * total
        want = rng.uniform(0.25 * total, 0.55 * total)

        def block(start: int) -> tuple[int, int]:
            end, got, got_prose, at = start, 0, 0, sum(sizes[:start])
            while end < len(sizes) and (
                got_prose < MIN_PROSE or (got < want and at + got + sizes[end] <= span)
            ):
                got += sizes[end]
                got_prose += prose[end]
                end += 1
            return end, got

        start = 0
        if rng.random() < 0.5:  # a middle block: past the lead, still inside the span
            starts, acc = [], 0
            for i, n in enumerate(sizes):
                if acc >= 0.1 * total and acc + sum(sizes[i : block(i)[0]]) <= span:
                    starts.append(i)
                acc += n
                if acc > span:
                    break
            start = rng.choice(starts) if starts else 0
        end, got = block(start)
        return start, end, got

    def _excerpt(
        self, story: _Story, plan: tuple[int, int, int], base: datetime, name: str, wire: Site
    ) -> _Member:
        start, end, got = plan
        s = story.sents[start:end]
        para = [True, *story.para[start + 1 : end]]
        body = [*_paragraphs(s, para), f"Read more at {wire.name}."]
        variant = f"{'middle' if start else 'leading'}-{got}w"
        when = self._when(base, 2, 72)
        title = _headline(self.rng.choice(s), self.rng)
        site = self.rng.choice(self.outlets)
        return _Member(self._doc(site, title, when, body, name, "excerpt", variant))

    def _embedding(self, story: _Story, base: datetime, name: str) -> _Member:
        rng = self.rng
        host: list[str] = []
        host_para: list[bool] = []
        words = 0
        # Enough other text that the story is clearly a part of a longer article.
        for _ in range(4):
            s, p = self._take(_OTHERS)
            host += s
            host_para += [True, *p[1:]]
            words += sum(_n_words(x) for x in s)
            if words >= 0.6 * story.total:
                break
        cut = rng.randint(0, len(host))
        tail_para = [True, *host_para[cut + 1 :]] if cut < len(host) else []
        s = [*host[:cut], *story.sents, *host[cut:]]
        p = [*host_para[:cut], True, *story.para[1:], *tail_para]
        # Headlined from the host: the longer article is about its own subject.
        return self._outlet_page(s, p, self._when(base, 2, 120), name, "embedding", head=host[0])

    def _outlet_page(
        self,
        sents: list[str],
        para: list[bool],
        when: datetime,
        name: str,
        role: str,
        variant: str = "",
        head: str | None = None,
    ) -> _Member:
        """A page on a random outlet, headlined from ``head`` (default: its first sentence)."""
        site = self.rng.choice(self.outlets)
        title = _headline(sents[0] if head is None else head, self.rng)
        return _Member(self._doc(site, title, when, _paragraphs(sents, para), name, role, variant))

    def filler(self, name: str) -> Doc:
        sents, para = self._take(_OTHERS)
        site = self.rng.choice(self.sites)
        title = _headline(sents[0], self.rng)
        return self._doc(site, title, self._random_day(), _paragraphs(sents, para), name, "filler")

    def build(self, n_docs: int) -> tuple[list[Doc], list[Pair]]:
        families: list[list[_Member]] = []
        budget = round(FAMILY_SHARE * n_docs)
        used = 0
        while budget - used >= MAX_FAMILY:
            members = self.family(f"c{self.index:05d}f{len(families):04d}")
            families.append(members)
            used += len(members)
        docs = [m.doc for f in families for m in f]
        docs += [self.filler(f"c{self.index:05d}u{k:05d}") for k in range(n_docs - len(docs))]
        # Ids say nothing about families: documents are shuffled before they are numbered.
        order = list(range(len(docs)))
        self.rng.shuffle(order)
        slugs = {s.name: s.slug for s in self.sites}
        for pos, k in enumerate(order):
            d = docs[k]
            ext = "html" if d.html is not None else "txt"
            d.id = f"{slugs[d.source]}/{self.first_id + pos:07d}.{ext}"
        pairs: list[Pair] = []
        for members in families:
            for i, mi in enumerate(members):
                for j in range(i + 1, len(members)):
                    mj = members[j]
                    rescrape = mi.rescrape_of == j or mj.rescrape_of == i
                    label = pair_label(mi.doc.role, mj.doc.role, rescrape=rescrape)
                    if label is not None:
                        a, b = sorted((mi.doc.id, mj.doc.id))
                        pairs.append(Pair(a, b, label))
        pairs.sort()
        return [docs[k] for k in order], pairs


@lru_cache(maxsize=16)
def _epoch_order(seed: int, stream: int, n: int, epoch: int) -> list[int]:
    # A fresh order of the texts per epoch, so each epoch's stories come in another sequence.
    order: list[int] = np.random.default_rng([seed, stream, epoch]).permutation(n).tolist()
    return order


def _story_ok(t: _Text) -> bool:
    """Long enough, with enough prose early on for an excerpt inside the span."""
    if t.words < STORY_MIN_WORDS:
        return False
    story = _Story(t.sents, t.para)
    prose, acc = 0, 0
    for n, p in zip(story.sizes, story.prose, strict=True):
        acc += n
        if acc > EXCERPT_SPAN * story.total:
            break
        prose += p
    return prose >= MIN_PROSE + 20


def _split_pool(pool: Pool, seed: int) -> tuple[list[int], list[int]]:
    """Disjoint texts for stories (long ones only) and for everything else."""
    rng = random.Random(seed ^ 0xA5A5)
    stories: list[int] = []
    others: list[int] = []
    for i, t in enumerate(pool.texts):
        # A family (~6 documents) needs one story and about 1.5 other texts (distractors,
        # hosts), and fillers are a quarter of the documents: so about a quarter of the texts
        # used are stories. 0.3 of the qualifying texts leaves some slack on both sides.
        (stories if _story_ok(t) and rng.random() < 0.3 else others).append(i)
    if not stories:
        raise ValueError(
            f"no source text has the {STORY_MIN_WORDS} words (with {MIN_PROSE + 20} words of "
            f"unquoted prose in its first {EXCERPT_SPAN:.0%}) a story family needs"
        )
    if not others:
        others = stories[len(stories) // 2 :]
        del stories[len(stories) // 2 :]
    return stories, others


def _setup(source_texts: Sequence[str] | Pool, n_docs: int, seed: int, chunk: int) -> _Setup:
    if n_docs < 0 or chunk < 1:
        raise ValueError("n_docs must be >= 0 and chunk >= 1")
    pool = source_texts if isinstance(source_texts, Pool) else Pool(source_texts, seed)
    streams = _split_pool(pool, seed)
    rng = random.Random(seed)
    # "Related stories" headlines come from an epoch no chunk reaches, so they share no text
    # with any document's story.
    heads = [
        _headline(pool.render(rng.choice(streams[1]), _HEADS_EPOCH)[0][0], rng) for _ in range(40)
    ]
    return _Setup(pool, seed, streams, heads, chunk, n_docs)


_SETUP: _Setup | None = None


def _run_chunks(setup: _Setup, task: Callable[[int], _T], workers: int) -> Iterator[_T]:
    """``task(index)`` for every chunk, in chunk order, ``_SETUP`` set while it runs."""
    global _SETUP
    n_chunks = -(-setup.n_docs // setup.chunk)
    _SETUP = setup
    try:
        if workers <= 1 or n_chunks <= 1 or "fork" not in mp.get_all_start_methods():
            yield from map(task, range(n_chunks))
            return
        # Forked workers inherit the pool (hundreds of MB for a large source) instead of
        # having it pickled to them; chunks are independent, so only their order matters.
        with mp.get_context("fork").Pool(workers) as procs:
            yield from procs.imap(task, range(n_chunks))
    finally:
        _SETUP = None


def _build(index: int) -> tuple[list[Doc], list[Pair]]:
    setup = _SETUP
    assert setup is not None, "only called through _run_chunks"
    start = index * setup.chunk
    return _Chunk(setup, index, start).build(min(setup.chunk, setup.n_docs - start))


def iter_corpus(
    source_texts: Sequence[str] | Pool,
    n_docs: int,
    seed: int = 0,
    *,
    chunk: int = CHUNK,
    workers: int = 1,
) -> Iterator[tuple[list[Doc], list[Pair]]]:
    """The corpus in chunks of ``chunk`` documents (the last may be smaller), in order.

    ``workers > 1`` makes chunks in that many forked processes; the corpus is the same.
    """
    yield from _run_chunks(_setup(source_texts, n_docs, seed, chunk), _build, workers)


def make_corpus(
    source_texts: Sequence[str] | Pool,
    n_docs: int,
    seed: int = 0,
    *,
    chunk: int = CHUNK,
    workers: int = 1,
) -> tuple[list[Doc], list[Pair]]:
    """``n_docs`` documents and their labelled pairs (see the module docstring)."""
    docs: list[Doc] = []
    truth: list[Pair] = []
    for d, t in iter_corpus(source_texts, n_docs, seed, chunk=chunk, workers=workers):
        docs += d
        truth += t
    return docs, truth


# --------------------------------------------------------------------------------------------
# Writing

_FamilyRow = tuple[str, str, str, str]


@dataclass(frozen=True)
class _Written:
    index: int
    pairs: list[Pair]
    families: list[_FamilyRow]


def _build_and_write(index: int, out: Path, fmt: str) -> _Written:
    # Each chunk writes its own documents (in the worker that made them, so no document text
    # travels between processes); only the small truth rows come back.
    docs, pairs = _build(index)
    folder = out / "docs"
    if fmt == "folder":
        for d in docs:
            path = folder / d.id
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(d.text if d.text is not None else d.html or "", "utf-8")
    elif fmt == "jsonl":
        with open(folder / f"part-{index:05d}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(_record(d), ensure_ascii=False) + "\n" for d in docs)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([_record(d) for d in docs], schema=_parquet_schema())
        pq.write_table(table, folder / f"part-{index:05d}.parquet")
    return _Written(index, pairs, [(d.id, d.family, d.role, d.variant) for d in docs])


def _parquet_schema() -> Any:
    import pyarrow as pa

    return pa.schema([(name, pa.string()) for name in _record_fields()])


def _record_fields() -> tuple[str, ...]:
    return ("id", "text", "html", "title", "source", "url", "published")


def _record(d: Doc) -> dict[str, str | None]:
    return {name: getattr(d, name) for name in _record_fields()}


def write_corpus(
    source_texts: Sequence[str] | Pool,
    n_docs: int,
    out: Path,
    *,
    seed: int = 0,
    fmt: str = "folder",
    workers: int = 1,
    chunk: int = CHUNK,
) -> dict[str, Any]:
    """Generate and write a corpus into ``out``; return counts.

    Documents go under ``out/docs/``: one file per document at ``docs/<id>`` (``folder``,
    so the ids syndet gives a scanned folder are the truth's ids), or one
    ``part-NNNNN.jsonl``/``.parquet`` per chunk (fields id, text, html, title, source, url,
    published; exactly one of text and html is set). ``truth.csv`` holds ``a,b,label`` and
    ``families.csv`` ``id,family,role,variant``.
    """
    if fmt not in ("folder", "jsonl", "parquet"):
        raise ValueError(f"unknown format {fmt!r}")
    setup = _setup(source_texts, n_docs, seed, chunk)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    roles: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    task = partial(_build_and_write, out=out, fmt=fmt)
    with (
        open(out / "truth.csv", "w", newline="", encoding="utf-8") as tf,
        open(out / "families.csv", "w", newline="", encoding="utf-8") as ff,
    ):
        truth_w, fam_w = csv.writer(tf), csv.writer(ff)
        truth_w.writerow(("a", "b", "label"))
        fam_w.writerow(("id", "family", "role", "variant"))
        for part in _run_chunks(setup, task, workers):
            truth_w.writerows(part.pairs)
            fam_w.writerows(part.families)
            labels.update(p.label for p in part.pairs)
            roles.update(row[2] for row in part.families)
    return {
        "documents": sum(roles.values()),
        "pool": len(setup.pool),
        "dropped": setup.pool.dropped,
        "roles": dict(sorted(roles.items())),
        "labels": dict(sorted(labels.items())),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="?", type=Path, help="JSONL, text file or folder")
    parser.add_argument("--builtin", action="store_true", help="invented texts, no data needed")
    parser.add_argument("--field", help="JSONL field holding the text (default: text, body)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--docs", type=int, default=2000, help="documents to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("folder", "jsonl", "parquet"), default="folder")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes making chunks (same output)"
    )
    args = parser.parse_args(argv)
    if (args.source is None) == (not args.builtin):
        parser.error("give a SOURCE file or --builtin (not both)")
    t0 = time.perf_counter()
    texts = builtin_texts() if args.builtin else load_source_texts(args.source, args.field)
    counts = write_corpus(
        texts, args.docs, args.out, seed=args.seed, fmt=args.format, workers=args.workers
    )
    manifest = {
        "source": "builtin" if args.builtin else str(args.source),
        "docs": args.docs,
        "seed": args.seed,
        "format": args.format,
        "source_texts": len(texts),
        **counts,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    print(json.dumps(manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
