"""Deterministic synthetic news-like documents for the benchmarks.

Every document is a headline plus ~500 words (~3.5 KB) of sentences and paragraphs over a
vocabulary of 50,000 invented words built from syllables. Word frequencies follow a Zipf
(Zipf-Mandelbrot) law, shorter words being the more frequent ones, as in real text. Sentences
start with capitals, carry commas, possessives (``’s``), dashes, questions and quoted passages in
curly quotes; a few words are names (always capitalized) or numbers.

About 10% of the documents are near-duplicates of another document of the corpus: a copy with a
few words replaced, and/or a chrome line ("Advertisement", a copyright notice...) added at the
top or bottom, and/or its tail trimmed. :attr:`Corpus.source` says which document each one copies.

Generation is vectorized with numpy (all word draws, capitals and punctuation of a chunk of
documents at once; Python only joins the strings), so 100,000 documents take a few seconds.
The same ``(n, seed)`` always gives the same corpus; documents are made in chunks of
:data:`CHUNK` with their own random streams, so a corpus of ``n * CHUNK`` documents starts with
the corpus of ``CHUNK`` documents.

Usage::

    from benchmarks._gen import generate, generate_corpus

    texts = generate(10_000, seed=0)              # list[str]
    corpus = generate_corpus(10_000, seed=0)      # texts + which document each copy copies
    column = corpus.to_arrow()                    # pyarrow large_string array
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CHUNK", "VOCAB_SIZE", "Corpus", "generate", "generate_corpus", "vocabulary"]

VOCAB_SIZE = 50_000
CHUNK = 2_000  # documents per independently seeded chunk
MEAN_WORDS = 500
DUP_RATE = 0.10

_ONSETS = (
    "", "", "", "b", "br", "c", "ch", "cl", "d", "dr", "f", "fr", "g", "gr", "h", "j", "k", "l",
    "m", "n", "p", "pl", "pr", "r", "s", "sh", "sl", "st", "t", "th", "tr", "v", "w", "z",
)  # fmt: skip
_NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "ie", "oo", "y")
_CODAS = ("", "", "", "", "n", "r", "s", "l", "t", "m", "nd", "st", "ck", "rn", "x", "ng")

# Text after a word. Sentence ends come in pairs: code + 1 is the same end closing a quotation.
_SEPS = (
    " ",  # 0 plain
    ", ",  # 1 comma
    "’s ",  # 2 possessive
    " — ",  # 3 dash
    ". ",  # 4 sentence end
    ".” ",  # 5
    ".\n\n",  # 6 paragraph end
    ".”\n\n",  # 7
    "? ",  # 8 question
    "?” ",  # 9
    "\n\n",  # 10 after the headline
    ".",  # 11 end of the document
    ".”",  # 12
)
_FIRST_END, _HEAD_END, _DOC_END = 4, 10, 11
_BINS = 4096


def _sep_table() -> np.ndarray:
    """Separator code for each of ``_BINS`` equal bins of a uniform draw (vectorized lookup)."""
    cuts = [  # (cumulative probability, code)
        (1 / 17 * 0.25, 6),  # sentence ends: 1 word in 17, a quarter of them paragraph ends
        (1 / 17 * 0.29, 8),
        (1 / 17, 4),
        (1 / 17 + 0.07, 1),
        (1 / 17 + 0.082, 2),
        (1 / 17 + 0.087, 3),
        (1.0, 0),
    ]
    mid = (np.arange(_BINS) + 0.5) / _BINS
    edges = np.array([c for c, _ in cuts])
    codes = np.array([k for _, k in cuts], dtype=np.int8)
    return codes[np.searchsorted(edges, mid)]


_CHROME = (
    "Advertisement",
    "Sign up for our morning newsletter to get the day’s top stories.",
    "© 2024 The {outlet} {paper}. All rights reserved.",
    "Share this article: Facebook | Twitter | Email",
    "Follow {outlet} {paper} on social media for the latest updates.",
    "This story was originally published by the {outlet} {paper}.",
    "Related: “{outlet} officials respond to report”",
    "Subscribe now — 50% off your first year!",
)
_PAPERS = ("Times", "Herald", "Gazette", "Post", "Courier", "Tribune", "Observer")


@dataclass(frozen=True)
class Corpus:
    """Generated documents as one UTF-8 buffer with Arrow-style offsets, plus copy sources.

    Document ``i`` is ``data[offsets[i]:offsets[i + 1]]``; ``source[i]`` is the row it is a
    near-duplicate of, or -1 for an original document.
    """

    data: np.ndarray  # uint8
    offsets: np.ndarray  # int64, n + 1
    source: np.ndarray  # int64, n

    def __len__(self) -> int:
        return int(self.source.shape[0])

    @functools.cached_property
    def texts(self) -> list[str]:
        """The documents as Python strings (decoded once, then cached)."""
        raw = self.data.tobytes()
        bounds = self.offsets.tolist()
        return [raw[bounds[i] : bounds[i + 1]].decode("utf-8") for i in range(len(self))]

    def to_arrow(self) -> pa.Array:
        """The documents as a pyarrow ``large_string`` array over the same buffer (no copy)."""
        import pyarrow as pa

        return pa.LargeStringArray.from_buffers(
            len(self), pa.py_buffer(self.offsets), pa.py_buffer(self.data)
        )

    def copy_pairs(self) -> np.ndarray:
        """``(original, copy)`` row pairs, smaller row first, shape ``(m, 2)``, sorted."""
        copies = np.flatnonzero(self.source >= 0)
        pairs = np.stack([self.source[copies], copies], axis=1)
        pairs.sort(axis=1)
        return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


@functools.lru_cache(maxsize=4)
def vocabulary(seed: int = 0, size: int = VOCAB_SIZE) -> tuple[str, ...]:
    """``size`` distinct invented words, most frequent (shortest, roughly) first.

    About 4% are names (capitalized) and 1% numbers; their ranks are spread over the whole range.
    """
    rng = np.random.default_rng([seed, 0xF00D])
    syllables = np.array(
        [o + n + c for o in _ONSETS for n in _NUCLEI for c in _CODAS], dtype=object
    )
    words: dict[str, None] = {}
    while len(words) < size:
        nsyl = rng.choice([1, 2, 3, 4], size=size, p=[0.05, 0.35, 0.38, 0.22])
        picks = syllables[rng.integers(0, len(syllables), size=(size, 4))]
        for row, k in zip(picks.tolist(), nsyl.tolist(), strict=True):
            w = "".join(row[:k])
            if len(w) >= 2:
                words[w] = None
    found = np.array(list(words)[:size], dtype=object)
    # Shorter words are more frequent, with noise so that ranks and lengths do not align exactly.
    lengths = np.fromiter((len(w) for w in found), dtype=np.float64, count=size)
    order = np.argsort(lengths + rng.normal(0.0, 3.0, size), kind="stable")
    ranked = found[order]
    names = rng.random(size) < 0.04
    names[:40] = False  # the commonest words are function words
    ranked[names] = [w.capitalize() for w in ranked[names]]
    numbers = np.flatnonzero(rng.random(size) < 0.01)
    ranked[numbers] = [
        f"{v:,}" if v > 9999 else str(v) for v in rng.integers(2, 250_000, numbers.size).tolist()
    ]
    return tuple(ranked.tolist())


@dataclass(frozen=True)
class _Pieces:
    """Every string a document is assembled from, UTF-8 encoded into one buffer.

    Piece ids: ``form * V + word`` for the four forms of each word (plain, Capitalized, “plain,
    “Capitalized), then ``sep0 + i`` for :data:`_SEPS`, then ``chrome0 + i`` for chrome lines.
    """

    buf: np.ndarray  # uint8
    starts: np.ndarray  # int64
    lens: np.ndarray  # int64
    vsize: int
    sep0: int
    chrome0: int
    nchrome: int


@functools.lru_cache(maxsize=4)
def _pieces(seed: int) -> _Pieces:
    vocab = vocabulary(seed)
    rng = np.random.default_rng([seed, 0xC0DE])
    caps = [w[:1].upper() + w[1:] for w in vocab]
    chrome = [
        template.format(
            outlet=vocab[int(rng.integers(100, 5000))].capitalize(),
            paper=_PAPERS[int(rng.integers(len(_PAPERS)))],
        )
        for template in _CHROME
        for _ in range(25)
    ]
    strings = [*vocab, *caps, *("“" + w for w in vocab), *("“" + w for w in caps), *_SEPS, *chrome]
    encoded = [s.encode("utf-8") for s in strings]
    lens = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    starts = np.cumsum(lens) - lens
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    v = len(vocab)
    return _Pieces(buf, starts, lens, v, 4 * v, 4 * v + len(_SEPS), len(chrome))


def _zipf(rng: np.random.Generator, n: int, size: int, q: float = 2.7) -> np.ndarray:
    """Word ranks with P(r) ~ 1 / (r + q), by inverting the continuous CDF (vectorized)."""
    u = rng.random(n)
    r = q * ((size + q) / q) ** u - q
    return np.minimum(r.astype(np.int32), size - 1)


@functools.lru_cache(maxsize=1)
def _assemble_kernel() -> Any:
    import numba as nb

    @nb.njit(cache=False)  # cached machine code would be tied to the importing module's name
    def assemble(
        pieces: np.ndarray, starts: np.ndarray, lens: np.ndarray, buf: np.ndarray
    ) -> np.ndarray:
        total = 0
        for p in pieces:
            total += lens[p]
        out = np.empty(total, dtype=np.uint8)
        pos = 0
        for p in pieces:
            a = starts[p]
            for i in range(lens[p]):
                out[pos + i] = buf[a + i]
            pos += lens[p]
        return out

    return assemble


def _chunk(seed: int, chunk: int, n: int, offset: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` documents of one chunk (rows ``offset...``): bytes, byte lengths, copy sources."""
    rng = np.random.default_rng([seed, 1, chunk])
    table = _pieces(seed)
    vsize, sep0 = table.vsize, table.sep0
    lengths = np.clip(rng.normal(MEAN_WORDS, 90, n), 120, 1100).astype(np.int64)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    total = int(starts[-1])

    # Every word of the chunk: its rank, and the separator after it (which says whether it
    # ends a sentence); the first words of a document are its title-cased headline.
    words = _zipf(rng, total, vsize)
    sep = _sep_table()[(rng.random(total, dtype=np.float32) * _BINS).astype(np.int32)]
    pos = np.arange(total, dtype=np.int32) - np.repeat(starts[:-1], lengths).astype(np.int32)
    head_len = rng.integers(6, 12, n, dtype=np.int32)
    in_head = pos < np.repeat(head_len, lengths)
    head_end = starts[:-1] + head_len - 1
    sep[in_head] = 0
    sep[head_end] = _HEAD_END
    sep[starts[1:] - 1] = _DOC_END
    is_end = (sep >= _FIRST_END) & (sep != _HEAD_END)
    is_start = np.empty(total, dtype=bool)
    is_start[0] = False
    is_start[1:] = (sep[:-1] >= _FIRST_END) & ~in_head[1:]
    sentence = np.cumsum(is_start, dtype=np.int32)
    quoted = (rng.random(int(sentence[-1]) + 1, dtype=np.float32) < 0.08)[sentence]
    sep += is_end & quoted  # the quoted variant of each sentence end
    form = in_head | is_start
    form = form + 2 * (is_start & quoted)

    # Piece ids, word and separator interleaved.
    inter = np.empty(2 * total, dtype=np.int32)
    inter[0::2] = form * vsize + words
    inter[1::2] = sep.astype(np.int32) + sep0

    # Near-duplicates: ~10% of the documents become edited copies of originals.
    source = np.full(n, -1, dtype=np.int64)
    is_copy = rng.random(n) < DUP_RATE
    originals = np.flatnonzero(~is_copy)
    if originals.size == 0:
        is_copy[:] = False
    copies = np.flatnonzero(is_copy)
    src = rng.choice(originals, size=copies.size) if copies.size else copies
    source[copies] = src + offset
    seqs = [inter[2 * starts[i] : 2 * starts[i + 1]] for i in range(n)]
    for c, s in zip(copies.tolist(), src.tolist(), strict=True):
        seq = seqs[s].copy()
        m = seq.shape[0] // 2
        edit, chrome, trim = rng.random(3) < (0.6, 0.5, 0.35)
        if not (edit or chrome or trim):
            edit = True
        if edit:  # a few words replaced by other (lower-case) words
            k = int(rng.integers(2, 9))
            seq[2 * rng.integers(0, m, k)] = _zipf(rng, k, vsize)
        if trim:  # keep the first 55-95% of the words
            seq = seq[: 2 * max(int(m * rng.uniform(0.55, 0.95)), 1)]
            seq[-1] = sep0 + _DOC_END
        if chrome:  # a boilerplate line above or below
            line = table.chrome0 + int(rng.integers(table.nchrome))
            gap = sep0 + _HEAD_END
            extra = np.array([line, gap] if rng.random() < 0.5 else [gap, line], dtype=np.int32)
            seq = np.concatenate((extra, seq) if extra[0] == line else (seq, extra))
        seqs[c] = seq

    pieces = np.concatenate(seqs) if seqs else np.empty(0, dtype=np.int32)
    piece_end = np.cumsum([q.shape[0] for q in seqs], dtype=np.int64)
    byte_end = np.cumsum(table.lens[pieces])
    doc_bytes = np.diff(byte_end[piece_end - 1], prepend=0) if n else piece_end
    data = _assemble_kernel()(pieces, table.starts, table.lens, table.buf)
    return data, doc_bytes, source


def generate_corpus(n: int, seed: int = 0) -> Corpus:
    """``n`` synthetic news-like documents (deterministic in ``(n, seed)``)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    datas: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    sources: list[np.ndarray] = []
    for chunk, offset in enumerate(range(0, n, CHUNK)):
        d, b, s = _chunk(seed, chunk, min(CHUNK, n - offset), offset)
        datas.append(d)
        sizes.append(b)
        sources.append(s)
    offsets = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum(np.concatenate(sizes), out=offsets[1:])
    data = np.concatenate(datas) if datas else np.empty(0, dtype=np.uint8)
    source = np.concatenate(sources) if sources else np.empty(0, dtype=np.int64)
    return Corpus(data, offsets, source)


def generate(n: int, seed: int = 0) -> list[str]:
    """Just the texts of :func:`generate_corpus`."""
    return generate_corpus(n, seed).texts


if __name__ == "__main__":  # pragma: no cover - manual look at the output
    import sys
    import time

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    t0 = time.perf_counter()
    corpus = generate_corpus(count)
    dt = time.perf_counter() - t0
    sizes = np.array([len(t.encode()) for t in corpus.texts])
    words = np.array([len(t.split()) for t in corpus.texts])
    print(corpus.texts[0][:1200], "\n...\n")
    print(
        f"{count} docs in {dt:.2f}s: {sizes.mean():.0f} bytes, {words.mean():.0f} words on average;"
        f" {(corpus.source >= 0).sum()} near-duplicates"
    )
