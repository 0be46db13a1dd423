"""syndet.Index: agreement with the scan, persistence, settings, errors, on every backend."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import syndet
from redis_server import redis_server
from syndet import DEFAULT_CONFIG, BadDocumentError, Index, IndexStoreError, Scanner
from syndet.config import BoilerplateConfig, ShingleConfig
from syndet.index import INDEX_CONFIG

#: The scan's settings less chrome learning (which needs the whole corpus at once).
SCAN_LIKE = replace(
    DEFAULT_CONFIG, boilerplate=replace(DEFAULT_CONFIG.boilerplate, learn_chrome=False)
)
#: No boilerplate rule at all: the index's whole-text fast path.
PLAIN = replace(
    DEFAULT_CONFIG,
    boilerplate=BoilerplateConfig(
        strip_credits=False,
        strip_quotes=False,
        line_filter=False,
        strip_galleries=False,
        learn_chrome=False,
    ),
)


def make_corpus(seed: int = 5, stories: int = 10) -> dict[str, str]:
    """Invented-word stories with copies, chrome-wrapped copies, excerpts and rewrites."""
    rnd = random.Random(seed)
    sylls = ["ka", "lo", "mi", "ren", "tas", "vo", "bri", "den", "sul", "ap", "or", "nex"]
    vocab = ["".join(rnd.choice(sylls) for _ in range(rnd.randint(2, 4))) for _ in range(3000)]

    def words(n: int) -> list[str]:
        return [rnd.choice(vocab) for _ in range(n)]

    def prose(ws: list[str]) -> str:
        # sentences of 12 words, paragraphs of 4 sentences
        sents = [" ".join(ws[i : i + 12]).capitalize() + "." for i in range(0, len(ws), 12)]
        return "\n\n".join(" ".join(sents[i : i + 4]) for i in range(0, len(sents), 4))

    docs: dict[str, str] = {}
    for s in range(stories):
        story = words(rnd.randint(300, 420))
        docs[f"s{s:02d}-story"] = prose(story)
        kind = s % 4
        if kind == 0:
            docs[f"s{s:02d}-copy"] = "Vo Daily News\n\n" + prose(story) + "\n\nShare this story."
            docs[f"s{s:02d}-dup"] = prose(story).upper()
        elif kind == 1:
            docs[f"s{s:02d}-excerpt"] = prose(story[: len(story) // 2] + words(30))
        elif kind == 2:
            docs[f"s{s:02d}-rewrite"] = prose(words(150) + story[: len(story) // 3] + words(150))
        else:
            edited = [w if rnd.random() > 0.04 else rnd.choice(vocab) for w in story]
            docs[f"s{s:02d}-edited"] = prose(edited[: int(len(edited) * 0.8)])
    # Two different stories of one site around the same photo gallery, whose captions the
    # page holds twice in a row (some once): the gallery rule leaves them nothing in common.
    captions = [" ".join(words(14)).capitalize() + "." for _ in range(12)]
    gallery = "\n\n".join(c if i % 4 == 3 else f"{c}\n\n{c}" for i, c in enumerate(captions))
    docs["gallery-a"] = prose(words(200)) + "\n\n" + gallery + "\n\n" + prose(words(60))
    docs["gallery-b"] = prose(words(180)) + "\n\n" + gallery
    # Two different texts that share 30 stock phrases of 6 words (180 words, runs too short
    # to be passages by default): a pair only when every run counts.
    phrases = [words(6) for _ in range(30)]
    docs["phrases-a"] = prose([w for p in phrases for w in p + words(8)])
    docs["phrases-b"] = prose([w for p in phrases for w in words(5) + p])
    return docs


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return make_corpus()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


_prefixes = iter(range(1_000_000))


@pytest.fixture(params=["memory", "sqlite", "redis"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Where a fresh index lives, for each backend."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return str(tmp_path / "seen.syndet")
    url: str = request.getfixturevalue("redis_url")
    return f"{url}?prefix=t{next(_prefixes)}"


def scan_pairs(docs: dict[str, str], config: syndet.Config) -> dict[tuple[str, str], dict]:
    table = pa.table({"id": list(docs), "text": list(docs.values())})
    pairs = Scanner(config).scan_table(table).pairs
    return {(row["a"], row["b"]): row for row in pairs.iter_rows(named=True)}


#: Every shared run of shingles counts as a passage, however short.
EVERY_RUN = replace(SCAN_LIKE, verify=replace(SCAN_LIKE.verify, min_passage_words=1))


@pytest.mark.parametrize(
    "config", [SCAN_LIKE, PLAIN, EVERY_RUN], ids=["scan-rules", "plain", "every-run"]
)
def test_matches_equal_the_scan_pairs(corpus: dict[str, str], config: syndet.Config) -> None:
    """Adding documents one by one reports exactly the scan's pairs, with equal scores."""
    expected = scan_pairs(corpus, config)
    assert {r["relation"] for r in expected.values()} >= {"duplicate", "syndicated", "partial"}
    # the shared gallery makes a pair only when the gallery rule is off
    assert (("gallery-a", "gallery-b") in expected) == (not config.boilerplate.strip_galleries)
    # shared 6-word phrases make a pair only when runs that short are passages
    assert (("phrases-a", "phrases-b") in expected) == (config.verify.min_passage_words <= 6)
    found: dict[tuple[str, str], syndet.Match] = {}
    with Index(None, config) as index:
        for doc_id in sorted(corpus):
            for m in index.add(doc_id, corpus[doc_id]):
                found[(m.doc_id, doc_id)] = m  # the stored one sorts first: it is the scan's a
    assert set(found) == set(expected)
    for key, m in found.items():
        row = expected[key]
        assert m.relation == row["relation"], key
        assert m.jaccard == row["jaccard"]
        # containment_a is the new text's share: the new text is the scan's b.
        assert (m.containment_a, m.containment_b) == (row["containment_b"], row["containment_a"])
        assert (m.coverage_a, m.coverage_b) == (row["coverage_b"], row["coverage_a"])
        assert (m.shared, m.shared_words) == (row["shared"], row["shared_words"])


def test_default_index_finds_every_copy_the_scan_finds(corpus: dict[str, str]) -> None:
    """32 bands instead of the scan's 82: copies (high Jaccard) are all still proposed."""
    expected = scan_pairs(corpus, SCAN_LIKE)
    with Index() as index:
        found = {(m.doc_id, d): m.relation for d in sorted(corpus) for m in index.add(d, corpus[d])}
    for key, row in expected.items():
        if row["relation"] in ("duplicate", "syndicated"):
            assert found.get(key) == row["relation"], key


def test_add_query_contains_len_remove(location: str | None, corpus: dict[str, str]) -> None:
    story, copy = corpus["s00-story"], corpus["s00-copy"]
    when = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
    with Index(location) as index:
        assert len(index) == 0
        assert index.add("a", story, published=when, source="wire") == []
        assert "a" in index and "b" not in index and 5 not in index
        matches = index.add("b", copy)
        assert [(m.doc_id, m.relation) for m in matches] == [("a", "syndicated")]
        assert matches[0].published == when and matches[0].source == "wire"
        # the copy holds all of the story and a little chrome
        assert matches[0].containment_b == 1.0 > matches[0].containment_a
        assert len(index) == 2
        best = index.query(story)
        assert [m.doc_id for m in best] == ["a", "b"]  # duplicate before syndicated
        assert best[0].relation == "duplicate"
        assert len(index) == 2  # a query stores nothing
        assert index.remove("a") is True
        assert index.remove("a") is False
        assert "a" not in index and len(index) == 1
        assert [m.doc_id for m in index.query(story)] == ["b"]
        index.add("a", story)  # the id is free again


def test_existing_id_and_replace(location: str | None, corpus: dict[str, str]) -> None:
    with Index(location) as index:
        index.add("a", corpus["s00-story"])
        with pytest.raises(IndexStoreError, match="already in the index"):
            index.add("a", corpus["s01-story"])
        # a re-crawled page replaces its old version and is not matched against it
        assert index.add("a", corpus["s00-story"], replace=True) == []
        assert index.add("a", corpus["s01-story"], replace=True) == []
        assert len(index) == 1
        assert [m.doc_id for m in index.query(corpus["s01-story"])] == ["a"]
        assert index.query(corpus["s00-story"]) == []


def test_short_texts_are_refused_clearly(location: str | None) -> None:
    with Index(location) as index:
        with pytest.raises(BadDocumentError, match="words"):
            index.add("short", "Only four words here.")
        with pytest.raises(BadDocumentError, match="empty"):
            index.query("  ...  ")
        assert "short" not in index and len(index) == 0
        assert index.query_many(["too short", "Still too short"]) == [None, None]
        with pytest.raises(TypeError):
            index.add("x", None)  # type: ignore[arg-type]


def test_add_many_equals_adding_one_by_one(corpus: dict[str, str]) -> None:
    ids = sorted(corpus)
    with Index() as one, Index() as many:
        singles = [one.add(d, corpus[d]) for d in ids]
        assert many.add_many(ids, [corpus[d] for d in ids]) == singles
    with Index() as bulk:
        assert bulk.add_many(ids, [corpus[d] for d in ids], match=False) == [[]] * len(ids)
        assert len(bulk) == len(ids)
        assert [m.doc_id for m in bulk.query(corpus["s00-copy"])][:1] == ["s00-copy"]
        assert bulk.query_many([corpus["s00-copy"]]) == [bulk.query(corpus["s00-copy"])]
        with pytest.raises(IndexStoreError, match="already"):
            bulk.add_many(["s00-copy"], [corpus["s00-copy"]], match=False)


def test_bulk_add_to_redis(redis_url: str, corpus: dict[str, str]) -> None:
    ids = sorted(corpus)
    with Index(f"{redis_url}?prefix=bulk") as index:
        index.add_many(ids, [corpus[d] for d in ids], match=False)
        assert len(index) == len(ids)
        best = index.query(corpus["s00-story"])
        assert {m.doc_id for m in best if m.relation == "duplicate"} == {"s00-story", "s00-dup"}


def test_index_file_persists(tmp_path: Path, corpus: dict[str, str]) -> None:
    path = tmp_path / "seen.syndet"
    with Index(path) as index:
        index.add("a", corpus["s00-story"], published="2024-05-01")
    with Index(str(path)) as index:
        assert len(index) == 1 and "a" in index
        (m,) = index.query(corpus["s00-copy"])
        assert m.doc_id == "a" and m.published == datetime(2024, 5, 1, tzinfo=timezone.utc)
        assert index.config == INDEX_CONFIG
    # the file is a valid SQLite database in WAL mode
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_readers_see_a_writers_adds(tmp_path: Path, corpus: dict[str, str]) -> None:
    path = tmp_path / "seen.syndet"
    with Index(path) as writer, Index(path) as reader:
        assert reader.query(corpus["s00-copy"]) == []
        writer.add("a", corpus["s00-story"])
        assert [m.doc_id for m in reader.query(corpus["s00-copy"])] == ["a"]


@pytest.mark.parametrize("location", ["sqlite", "redis"], indirect=True)
def test_settings_are_stored_and_checked(location: str) -> None:
    Index(location).close()
    other_k = replace(INDEX_CONFIG, shingle=ShingleConfig(k=6))
    with pytest.raises(
        syndet.SettingsMismatchError, match=r"shingle\.k \(index: 5, requested: 6\)"
    ):
        Index(location, other_k)
    with pytest.raises(syndet.SettingsMismatchError, match=r"lsh\.bands"):
        Index(location, INDEX_CONFIG.with_threshold(0.02))
    with Index(location, INDEX_CONFIG) as index:  # the same settings open it
        assert (index.bands, index.rows) == (32, 1)
    with Index(location) as index:  # and no settings means the stored ones
        assert index.config == INDEX_CONFIG


def test_new_index_takes_the_given_settings(tmp_path: Path) -> None:
    config = replace(INDEX_CONFIG, shingle=ShingleConfig(k=4)).with_threshold(0.02)
    Index(tmp_path / "k4", config).close()
    with Index(tmp_path / "k4") as index:
        assert index.config.shingle.k == 4 and (index.bands, index.rows) == (82, 1)
    with pytest.raises(syndet.ConfigError, match="learn_chrome"):
        Index(tmp_path / "chrome", DEFAULT_CONFIG)


def stored_settings(location: Path) -> dict[str, Any]:
    """The settings an SQLite index stores, as written (to age them in tests)."""
    with sqlite3.connect(location) as conn:
        (raw,) = conn.execute("SELECT value FROM meta WHERE name = 'settings'").fetchone()
    settings: dict[str, Any] = json.loads(raw)
    return settings


def store_settings(location: Path, settings: dict[str, Any]) -> None:
    with sqlite3.connect(location) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE name = 'settings'", (json.dumps(settings),))


def test_index_written_before_the_gallery_settings_opens(tmp_path: Path) -> None:
    # Indexes stored before strip_galleries existed hold no such setting: they open with the
    # rule off, which is how they were built, and asking for it on is a settings mismatch.
    location = tmp_path / "old.syndet"
    Index(location).close()
    settings = stored_settings(location)
    for name in ("strip_galleries", "gallery_min_words", "gallery_gap"):
        del settings["boilerplate"][name]
    del settings["verify"]["min_passage_words"]  # and before passages had a minimum
    store_settings(location, settings)
    with Index(location) as index:
        off = replace(INDEX_CONFIG.boilerplate, strip_galleries=False)
        every_run = replace(INDEX_CONFIG.verify, min_passage_words=1)
        assert index.config == replace(INDEX_CONFIG, boilerplate=off, verify=every_run)
    with pytest.raises(syndet.SettingsMismatchError, match="strip_galleries"):
        Index(location, INDEX_CONFIG)


def test_index_built_under_older_line_rules_is_refused(tmp_path: Path) -> None:
    # Indexes stored before the line rules had a version were built under v1 (other quote,
    # widget and link-card rules): their signatures must not be mixed with new ones, whether
    # or not the caller passes settings (the CLI passes none).
    location = tmp_path / "v1.syndet"
    Index(location).close()
    settings = stored_settings(location)
    del settings["boilerplate"]["version"]
    store_settings(location, settings)
    for config in (None, INDEX_CONFIG):
        with pytest.raises(syndet.SettingsMismatchError, match=r"line rules v1.*Rebuild"):
            Index(location, config)


def test_bad_files_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(IndexStoreError) as info:
        Index(garbage)
    assert isinstance(info.value.__cause__, sqlite3.Error)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(IndexStoreError, match="not a syndet index"):
        Index(other)
    with pytest.raises(IndexStoreError, match="no index at"):
        Index(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()


def test_unreachable_redis_is_a_store_error() -> None:
    with pytest.raises(IndexStoreError, match="cannot reach"):
        Index("redis://127.0.0.1:1/0")


def test_match_is_frozen() -> None:
    m = syndet.Match("a", "duplicate", 1.0, 1.0, 1.0, 10, 10, 1.0, 1.0)
    with pytest.raises(AttributeError):
        m.relation = "syndicated"  # type: ignore[misc]
    assert not hasattr(m, "__dict__")


def test_pending_band_keys_merge_without_losing_anything(
    tmp_path: Path, corpus: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adds park their band keys in ``pending``; merges move them to segments in bulk."""
    from syndet.store import sqlite as store

    monkeypatch.setattr(store, "MERGE_AT", 4)
    path = tmp_path / "seen.syndet"
    ids = sorted(corpus)
    with Index(path) as writer, Index(path) as reader:
        for d in ids:
            writer.add(d, corpus[d])
            # another connection finds every article added so far, merged or still pending
            assert any(m.doc_id == d and m.relation == "duplicate" for m in reader.query(corpus[d]))
        writer.remove(ids[0])
        assert all(m.doc_id != ids[0] for m in reader.query(corpus[ids[0]]))
    with sqlite3.connect(path) as conn:
        import numpy as np

        pending = conn.execute("SELECT count(*) FROM pending").fetchone()[0]
        blobs = [b for (b,) in conn.execute("SELECT pairs FROM segments")]
        pairs = np.frombuffer(b"".join(blobs), dtype="<u8")
        merged = len(set((pairs & 0xFFFFFFFF).tolist()))
        removed = conn.execute("SELECT count(*) FROM removed").fetchone()[0]
        assert pending < 4 and merged + pending - removed == len(ids) - 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_create_false_refuses_a_missing_redis_index(redis_url: str) -> None:
    with pytest.raises(IndexStoreError, match="no index at"):
        Index(f"{redis_url}?prefix=never-made", create=False)


@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"strip_quotes": False},
        {"line_filter": False},
        {"strip_credits": False, "line_filter": False},
        {"strip_galleries": False},
        {"strip_credits": False, "strip_quotes": False, "line_filter": False,
         "strip_galleries": False},
        {"scheme": "legacy"},
    ],
    ids=["all", "no-quotes", "no-filter", "quotes-only", "no-galleries", "plain", "legacy"],
)  # fmt: skip
def test_line_path_equals_batch_path(corpus: dict[str, str], rules: dict[str, Any]) -> None:
    """A few texts go through the line kernel on one thread with the lines it leaves out done
    by the one-line Python rules, then the rest of the stages in one kernel call, a batch
    through the scan's own phase A and stages: both give the same fingerprints, shingles,
    band keys and refusals, a chunk or a single text at a time."""
    import numpy as np

    from syndet.index import _SMALL

    demo = [
        p.read_text(encoding="utf-8")
        for p in sorted((Path(__file__).resolve().parent.parent / "corpus").rglob("*.txt"))
    ]

    wire = corpus["s00-story"]
    texts = [
        *corpus.values(),
        "WASHINGTON (Reuters) - " + wire + "\nReporting by Jane Roe; Editing by John Doe",
        'LONDON (AP) -- "We will not stop," she said.\n“Another quote here”\n' + wire,
        "Home | News | Sport\nShare\n\n" + wire + "\n— Jane Roe (@janeroe) May 3, 2020",
        "By Jane Roe (Continental Press) — " + wire + "\npic.twitter.com/abc",
        "JANE ROE: a transcript turn that says quite a few words\n" + wire,
        "Said President Trump Donald John TrumpSenate votes to end the long shutdown Judge "
        "rules on the wall MORE's trial went on with many more words\n" + wire,
        "This story was generated from a syndicated feed.\n" + wire,
        "",
        "   \n\n  ",
        "Share\nSign in",
        '"only a quote that says a great deal of things"',
        "one two three four five",
        "Ünïcödé straße ſ K İ ı tëxt with «quotes» and „more“ words here\r\nand lines",
        "Q: a question?\nA: an answer with (parentheses) and t.co/x MORE words in it\n" + wire,
        *demo,
    ]
    assert len(demo) > 10  # real-looking articles: datelines, credits, quotes
    rules = dict(rules)
    minhash = replace(SCAN_LIKE.minhash, scheme=rules.pop("scheme", SCAN_LIKE.minhash.scheme))
    config = replace(
        SCAN_LIKE, boilerplate=replace(SCAN_LIKE.boilerplate, **rules), minhash=minhash
    )
    with Index(None, config) as index:
        batch_reasons, batch_docs = index._prepare(pa.array(texts, pa.large_string()))
        chunks = [(i, texts[i : i + _SMALL]) for i in range(0, len(texts), _SMALL)]
        chunks += [(i, [t]) for i, t in enumerate(texts)]
        for start, chunk in chunks:
            reasons, docs = index._prepare(chunk)
            assert reasons == batch_reasons[start : start + len(chunk)]
            for got, want in zip(docs, batch_docs[start : start + len(chunk)], strict=True):
                if want is None:
                    assert got is None
                    continue
                assert got is not None
                assert (got.fingerprint, got.length) == (want.fingerprint, want.length)
                for name in ("keys", "seq", "set"):
                    assert np.array_equal(getattr(got, name), getattr(want, name)), name


def test_relation_cut_offs_are_the_opening_configs(tmp_path: Path) -> None:
    # The verify cut-offs decide relations from what is stored and change nothing stored: an
    # index opened with other cut-offs uses them instead of refusing to open.
    location = tmp_path / "cutoffs.syndet"
    Index(location).close()
    strict = replace(INDEX_CONFIG, verify=replace(INDEX_CONFIG.verify, min_shared_words=400))
    with Index(location, strict) as index:
        assert index.config.verify.min_shared_words == 400
    with Index(location) as index:
        assert index.config == INDEX_CONFIG
    # cut-offs alone, over the stored settings (what `syndet scan --against` does)
    with Index(location, create=False, verify=strict.verify) as index:
        assert index.config == strict
