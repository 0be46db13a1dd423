"""Settings for every pipeline stage, as frozen dataclasses composed into one :class:`Config`.

Each stage reads only its own section, so a stage never needs to know where it runs or what the
other stages do. :attr:`Config.signature_key` is derived from every setting that changes a
signature (normalization, shingling, MinHash); signatures made under different keys are never
mixed (a persistent index stores the key and refuses to open with another one).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from syndet.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG",
    "BoilerplateConfig",
    "ClusterConfig",
    "Config",
    "LSHConfig",
    "MinHashConfig",
    "NormalizeConfig",
    "ShingleConfig",
    "VerifyConfig",
]

Scheme = Literal["affine64", "legacy"]


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ConfigError(message)


@dataclass(frozen=True)
class NormalizeConfig:
    """How text is normalized before shingling (see :mod:`syndet.normalize`)."""

    #: Version of the normalization rules; bump when they change so old signatures are refused.
    version: int = 1


@dataclass(frozen=True)
class BoilerplateConfig:
    """What is kept out of the similarity (see :mod:`syndet.boilerplate`).

    The chrome thresholds were chosen on ``allsides-dev`` (docs/defaults.md): with them, the
    median containment of labelled unrelated pairs falls from 0.43 to 0 while labelled copies
    and reuse keep theirs.
    """

    #: Version of the line rules (quote, link-card and line-filter patterns); bumped when they
    #: change, so signatures made under other rules are refused. 2: quotes that mix curly and
    #: straight marks or nest, widget lines, the full name of a link card.
    version: int = 2
    #: Remove wire credits ("(Reuters) -", "Reporting by ...") and report them as ``agency``.
    strip_credits: bool = True
    #: Remove quoted speech: shared quotes alone never make a copy.
    strip_quotes: bool = True
    #: Drop short link-like lines, link rows and widget lines (video placeholders, photo
    #: credits, "More: ..." teasers) from plain text (never after HTML extraction),
    #: and cut inline link cards (a glued name, its other headlines, "MORE") from any text.
    line_filter: bool = True
    #: Drop photo galleries: lines a page repeats (scraped galleries hold each caption twice),
    #: the lines between such repeats, and lines holding several "hide caption 3 of 19"
    #: counters (see :func:`syndet.boilerplate.gallery_lines`).
    strip_galleries: bool = True
    #: Shortest repeated line that marks a gallery, and most other lines between two repeats.
    gallery_min_words: int = 6
    gallery_gap: int = 3
    #: Learn chrome lines from the corpus (lines recurring across otherwise unlike documents).
    learn_chrome: bool = True
    chrome_min_docs: int = 3
    chrome_own_words: int = 80
    chrome_own_share: float = 0.9
    chrome_short_words: int = 3
    chrome_long_words: int = 250

    def __post_init__(self) -> None:
        _check(self.chrome_min_docs >= 2, "chrome_min_docs must be at least 2")
        _check(self.chrome_own_words >= 0, "chrome_own_words must not be negative")
        _check(self.gallery_min_words >= 1, "gallery_min_words must be at least 1")
        _check(self.gallery_gap >= 0, "gallery_gap must not be negative")


@dataclass(frozen=True)
class ShingleConfig:
    """Word k-gram shingling.

    ``k = 5`` was chosen by measurement on ``../shared/data/allsides-dev`` (see
    ``benchmarks/RESULTS.md``): shorter shingles let same-event articles collide on common
    phrases ("the white house said"), longer ones lose lightly edited copies.
    """

    k: int = 5
    #: xxh64 seed for the shingle hashes.
    seed: int = 0

    def __post_init__(self) -> None:
        _check(1 <= self.k <= 32, f"shingle size k must be between 1 and 32, got {self.k}")
        _check(0 <= self.seed < 2**64, "shingle seed must fit in 64 unsigned bits")


@dataclass(frozen=True)
class MinHashConfig:
    """MinHash signatures, bit-for-bit compatible with ``datasketch.MinHash``.

    ``scheme="affine64"`` matches ``datasketch.MinHash(scheme="affine64", seed=seed)`` fed the
    same 64-bit shingle hashes; ``"legacy"`` matches datasketch's pre-2.0 Mersenne-prime scheme.
    """

    num_perm: int = 128
    seed: int = 1
    scheme: Scheme = "affine64"

    def __post_init__(self) -> None:
        _check(1 <= self.num_perm <= 1024, f"num_perm must be 1..1024, got {self.num_perm}")
        _check(self.scheme in ("affine64", "legacy"), f"unknown MinHash scheme {self.scheme!r}")
        _check(0 <= self.seed < 2**32, "MinHash seed must be 0..2**32-1")


@dataclass(frozen=True)
class LSHConfig:
    """Banding of MinHash signatures into candidate pairs.

    With ``b`` bands of ``r`` rows, two documents of Jaccard similarity ``s`` share at least one
    band with probability ``1 - (1 - s**r)**b``; the S-curve is steepest near
    ``(1/b)**(1/r)``. When ``bands``/``rows`` are not given they are chosen the way datasketch
    does: minimise the weighted integral of false positives below ``threshold`` and false
    negatives above it.
    """

    #: Low on purpose: relations are about containment, and a partial copy or rewrite can have
    #: a small Jaccard similarity (a 300-word excerpt of a 1,500-word article: 0.2; the
    #: labelled partial and rewritten pairs of allsides-dev: median 0.08). With 128
    #: permutations, 0.02 gives 82 bands of 1 row: on allsides-dev + Reuters-21578 the expected
    #: recall of labelled copy/partial/rewrite pairs is 0.99 for about 12 candidate pairs per
    #: document, which the exact verifier checks cheaply (measured in docs/defaults.md).
    threshold: float = 0.02
    bands: int | None = None
    rows: int | None = None
    false_positive_weight: float = 0.5
    false_negative_weight: float = 0.5
    #: Buckets with more members than this are not expanded into all pairs: every member is
    #: paired with the bucket's first member only (a star), and the cut is reported.
    max_bucket: int = 64

    def __post_init__(self) -> None:
        _check(0.0 < self.threshold <= 1.0, f"threshold must be in (0, 1], got {self.threshold}")
        _check(
            (self.bands is None) == (self.rows is None),
            "give both bands and rows, or neither",
        )
        _check(self.max_bucket >= 2, f"max_bucket must be at least 2, got {self.max_bucket}")


@dataclass(frozen=True)
class VerifyConfig:
    """Cut-offs that turn exact overlap into a relation (see :mod:`syndet.verify`).

    ``c_min``/``c_max`` are the smaller/larger of the two containments (the share of each
    article's authored shingles found in the other). Chosen on ``allsides-dev``; the reasoning
    and the measured trade-off are in ``docs/defaults.md``.
    """

    #: syndicated: both articles are mostly the same text.
    syndicated_min: float = 0.68
    #: partial: most of one article is inside the other ...
    partial_min: float = 0.6
    #: ... or the shared text is mostly one verbatim block (its longest passage's share).
    partial_block: float = 0.5
    #: rewritten: clear verbatim reuse short of the above (on ``c_max``).
    rewritten_min: float = 0.1
    #: fewest shared words (inside shared passages, quotes and chrome excluded) for any
    #: relation: the labelled data calls "reuse" about 100 words or more of authored prose
    #: (95 with runs of 9+ words counted: see ``min_passage_words`` and docs/defaults.md).
    min_shared_words: int = 95
    #: ... or, when the shorter article is a short text (at most ``short_text_words`` of its
    #: own words), at least ``min_shared_floor`` shared words making up at least
    #: ``min_shared_share`` of it (a 90-word answer copied whole is a copy). Longer articles
    #: need ``min_shared_words``: on allsides-dev, 80-95 shared words covering a quarter of
    #: a 300-350-word story were background sentences of different stories (4 pairs), while
    #: every labelled reuse found by this rule had a shorter side under 280 words.
    min_shared_floor: int = 52
    min_shared_share: float = 0.25
    short_text_words: int = 280
    #: Shared runs shorter than this many words are not passages and count for nothing:
    #: independent stories share names, titles and stock phrases ("the House Judiciary
    #: Committee said on") in runs of 5-7 words, while reused prose comes in sentences.
    #: (Counting runs of 8+ words tracked the allsides labellers' own word counts best; 9
    #: with ``min_shared_words = 95`` was the most precise setting keeping recall at 0.8.)
    min_passage_words: int = 9

    def __post_init__(self) -> None:
        for name in ("syndicated_min", "partial_min", "partial_block", "rewritten_min"):
            value = getattr(self, name)
            _check(0.0 < value <= 1.0, f"{name} must be in (0, 1], got {value}")
        _check(self.rewritten_min <= self.partial_min, "rewritten_min must be <= partial_min")
        _check(self.min_shared_words >= 1, "min_shared_words must be at least 1")
        _check(self.min_passage_words >= 1, "min_passage_words must be at least 1")
        _check(self.short_text_words >= 0, "short_text_words must be at least 0")


@dataclass(frozen=True)
class ClusterConfig:
    """How clusters and their sources are formed (see :mod:`syndet.cluster`)."""

    #: Relations that join articles into one cluster.
    relations: tuple[str, ...] = ("duplicate", "syndicated", "partial", "rewritten")


@dataclass(frozen=True)
class Config:
    """All settings of a scan, one section per stage."""

    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    lsh: LSHConfig = field(default_factory=LSHConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)

    @property
    def signature_key(self) -> str:
        """A short digest of every setting that changes a signature or a shingle set."""
        payload = json.dumps(
            {
                "normalize": asdict(self.normalize),
                "boilerplate": asdict(self.boilerplate),
                "shingle": asdict(self.shingle),
                "minhash": asdict(self.minhash),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, as written to ``summary.json``."""
        out = asdict(self)
        out["signature_key"] = self.signature_key
        return out

    def with_threshold(self, threshold: float) -> Config:
        """A copy with another LSH threshold (bands and rows re-derived)."""
        return replace(self, lsh=replace(self.lsh, threshold=threshold, bands=None, rows=None))


#: The settings ``syndet scan`` uses when given no options.
DEFAULT_CONFIG = Config()
