"""Evidence for one pair: the passages two articles share, and why they got their relation.

``explain(a, b)`` runs the same stages as a scan on two texts (without the corpus-learned
chrome, which needs a corpus) and returns an :class:`Explanation`: the relation, the rule that
decided it with its numbers, the scores the pairs output would hold, and the shared passages,
aligned (where each starts in a and in b). ``Explanation.render()`` prints it for a terminal,
highlighted or plain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from syndet.config import DEFAULT_CONFIG, Config

if TYPE_CHECKING:
    from syndet.normalize import NormalizedBatch

__all__ = ["Explanation", "Passage", "explain"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of words found in both articles (in their authored, normalized text)."""

    a_start: int  #: first word in a
    b_start: int  #: first word in b (of the first place the passage occurs there)
    words: int
    text: str


@dataclass(frozen=True)
class Explanation:
    """What two articles share and what syndet makes of it."""

    relation: str  #: ``duplicate``, ``syndicated``, ``partial``, ``rewritten`` or ``none``
    why: str
    jaccard: float
    containment_a: float
    containment_b: float
    shared_words: int
    coverage_a: float
    coverage_b: float
    words_a: int
    words_b: int
    passages: list[Passage] = field(default_factory=list)

    def render(self, *, color: bool = False, max_passages: int = 20, width: int = 100) -> str:
        """The explanation as text; ``color`` highlights passages with ANSI escapes."""

        def bold(s: str) -> str:
            return f"\x1b[1m{s}\x1b[0m" if color else s

        def mark(s: str) -> str:
            return f"\x1b[43;30m{s}\x1b[0m" if color else f"[{s}]"

        lines = [
            bold(f"relation: {self.relation}") + f"  ({self.why})",
            f"jaccard {self.jaccard:.3f}  containment a {self.containment_a:.3f}  "
            f"b {self.containment_b:.3f}",
            f"shared words {self.shared_words}: {self.coverage_a:.0%} of a "
            f"({self.words_a} words), {self.coverage_b:.0%} of b ({self.words_b} words)",
        ]
        if self.passages:
            lines.append(bold(f"\n{len(self.passages)} shared passages") + " (a word → b word):")
            for p in self.passages[:max_passages]:
                text = p.text if len(p.text) <= width else p.text[: width - 1] + "…"
                lines.append(
                    f"  a@{p.a_start:<5} b@{p.b_start:<5} {p.words:>4} words  {mark(text)}"
                )
            if len(self.passages) > max_passages:
                lines.append(f"  ... and {len(self.passages) - max_passages} more")
        return "\n".join(lines)


def _authored(texts: list[str], html: list[bool], config: Config) -> NormalizedBatch:
    """Each text's authored text, normalized, as the scan sees it (minus corpus-learned
    chrome)."""
    import pyarrow as pa

    from syndet import boilerplate, normalize
    from syndet._lines import read_lines

    bp = config.boilerplate
    # The scan's own line pass (read_partition), so the evidence shows what the scan compared.
    lines = read_lines(
        pa.array(texts, type=pa.large_string()),
        strip_credits=bp.strip_credits,
        strip_quotes=bp.strip_quotes,
        link_cards=bp.line_filter,
    )
    keep = np.ones(len(lines.words), dtype=bool)
    if bp.line_filter:
        keep = ~(lines.filtered & ~np.array(html, dtype=bool)[lines.doc_index()])
    if bp.strip_galleries:
        keep &= ~lines.gallery(min_words=bp.gallery_min_words, gap=bp.gallery_gap)
    off, data = boilerplate.join_lines(
        lines.authored.offsets, lines.authored.data, keep, lines.doc_offsets
    )
    return normalize.NormalizedBatch(off, data)


def _runs(
    a: list[str], b_grams: dict[tuple[str, ...], int], k: int, min_words: int
) -> list[tuple[int, int, int]]:
    """Maximal runs of a's k-grams found in b, of ``min_words`` words or more: (first word in
    a, first word in b, words)."""
    runs = []
    i, n = 0, len(a) - k + 1
    while i < n:
        start_b = b_grams.get(tuple(a[i : i + k]))
        if start_b is None:
            i += 1
            continue
        j = i
        while j < n and tuple(a[j : j + k]) in b_grams:
            j += 1
        if j - i + k - 1 >= min_words:
            runs.append((i, start_b, j - i + k - 1))
        i = j
    return runs


def explain(
    a: str,
    b: str,
    *,
    config: Config = DEFAULT_CONFIG,
    a_is_html: bool = False,
    b_is_html: bool = False,
) -> Explanation:
    """Explain how article text ``a`` relates to article text ``b``.

    >>> e = explain(story, "Home | News | Sport\\n" + story)      # doctest: +SKIP
    >>> e.relation, e.coverage_a                                 # doctest: +SKIP
    ('syndicated', 1.0)
    """
    from syndet import shingle, verify

    k = config.shingle.k
    v = config.verify
    batch = _authored([a, b], [a_is_html, b_is_html], config)
    words_a, words_b = batch.text(0).split(), batch.text(1).split()
    # The scan's own numbers (shingles hashed as in a scan, the verifier's kernel): only the
    # passages listed below are found here, to say where each starts on both sides.
    sh = shingle.shingle_batch(batch.offsets, batch.data, k, config.shingle.seed)
    inter, size_a, size_b, covered_a, covered_b, longest = verify.seq_overlap(
        sh.offsets, sh.hashes, np.array([[0, 1]]), k, min_words=v.min_passage_words
    )
    grams_b: dict[tuple[str, ...], int] = {}
    for j in range(len(words_b) - k + 1):
        grams_b.setdefault(tuple(words_b[j : j + k]), j)
    runs_a = _runs(words_a, grams_b, k, v.min_passage_words)
    same = " ".join(words_a) == " ".join(words_b) and bool(words_a)
    scores = verify.classify_with(
        v, inter, size_a, size_b, np.array([same]),
        covered_a=covered_a, covered_b=covered_b, longest=longest, k=k,
    )  # fmt: skip
    relation = verify.RELATIONS[int(scores["relation"][0])]
    ca, cb = float(scores["containment_a"][0]), float(scores["containment_b"][0])
    shared_words = int(scores["shared_words"][0])
    passages = [Passage(i, j, n, " ".join(words_a[i : i + n])) for i, j, n in runs_a]
    return Explanation(
        relation=relation,
        why=_why(relation, ca, cb, shared_words, int(longest[0]), config),
        jaccard=float(scores["jaccard"][0]),
        containment_a=ca,
        containment_b=cb,
        shared_words=shared_words,
        coverage_a=float(scores["coverage_a"][0]) if words_a else 0.0,
        coverage_b=float(scores["coverage_b"][0]) if words_b else 0.0,
        words_a=len(words_a),
        words_b=len(words_b),
        passages=passages,
    )


def _why(relation: str, ca: float, cb: float, shared: int, longest: int, config: Config) -> str:
    v = config.verify
    cmin, cmax = min(ca, cb), max(ca, cb)
    if relation == "duplicate":
        return "the same text after normalization"
    if relation == "none":
        if shared < v.min_shared_words:
            return (
                f"only {shared} shared words of authored text; a relation needs "
                f"{v.min_shared_words}, or {v.min_shared_floor} making up "
                f"{v.min_shared_share:.0%} of a short text (at most {v.short_text_words} "
                "words; quotes, credits and chrome are not counted)"
            )
        return (
            f"shared text is {cmax:.0%} of the article sharing most; a relation needs "
            f"{v.rewritten_min:.0%}"
        )
    short = (
        f"a short text: {shared} shared words, under {v.min_shared_words} but at least "
        f"{v.min_shared_share:.0%} of the shorter article; "
        if shared < v.min_shared_words
        else ""
    )
    if relation == "syndicated":
        why = f"{cmin:.0%} of each article is shared (syndicated from {v.syndicated_min:.0%})"
    elif relation == "partial":
        if cmax >= v.partial_min:
            why = f"{cmax:.0%} of one article is inside the other, but only {cmin:.0%} of it"
        else:
            why = f"the shared text is mostly one verbatim passage of {longest} words"
    else:
        why = (
            f"{shared} shared words spread over several passages (longest {longest}); "
            f"{cmax:.0%} of one article"
        )
    return short + why
