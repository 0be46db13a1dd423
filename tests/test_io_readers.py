"""Tests for syndet.io.readers: every input kind, every skip reason, batching and order."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import syndet.io.readers as readers_mod
from syndet.errors import ConfigError, CorpusError
from syndet.io.readers import DOC_SCHEMA, SKIP_REASONS, CorpusReader, Skip, parse_published

UTC = timezone.utc


def read_all(
    inputs: Sequence[str | os.PathLike[str]], **kwargs: Any
) -> tuple[CorpusReader, pa.Table]:
    reader = CorpusReader(inputs, **kwargs)
    batches = list(reader)
    for batch in batches:
        assert batch.schema.equals(DOC_SCHEMA)
        assert batch.num_rows <= reader.batch_size
    table = pa.concat_tables(batches) if batches else DOC_SCHEMA.empty_table()
    assert reader.documents_read == table.num_rows
    return reader, table


def rows(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in table.to_pylist()}


def reasons(reader: CorpusReader) -> list[tuple[str, str]]:
    return [(skip.reason, skip.where) for skip in reader.skips]


def write_jsonl(path: Path, records: Sequence[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- folders ---------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "world" / "europe").mkdir(parents=True)
    (root / "drafts").mkdir()
    (root / ".git").mkdir()
    (root / "world" / "a.txt").write_text("Story A about the bridge.", encoding="utf-8")
    (root / "world" / "europe" / "b.md").write_text("# Story B\n\nBody of B.", encoding="utf-8")
    (root / "world" / "europe" / "c.html").write_text(
        "<html><body><p>Story C</p></body></html>", encoding="utf-8"
    )
    (root / "z.htm").write_text("<p>Story Z</p>", encoding="utf-8")
    (root / "notes.docx").write_bytes(b"PK\x03\x04 not a story")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (root / "drafts" / "d.txt").write_text("draft", encoding="utf-8")
    (root / "world" / "scratch.txt").write_text("scratch", encoding="utf-8")
    (root / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (root / ".git" / "HEAD.txt").write_text("ref", encoding="utf-8")
    (root / ".syndetignore").write_text(
        "# editors and drafts\n\ndrafts/\nscratch.txt\n", encoding="utf-8"
    )
    return root


def test_folder_walk(folder: Path) -> None:
    reader, table = read_all([folder])
    assert table.column("id").to_pylist() == [
        "world/a.txt",
        "world/europe/b.md",
        "world/europe/c.html",
        "z.htm",
    ]
    docs = rows(table)
    assert docs["world/a.txt"]["text"] == "Story A about the bridge."
    assert docs["world/a.txt"]["html"] is None
    assert docs["world/europe/b.md"]["text"] == "# Story B\n\nBody of B."
    assert docs["world/europe/c.html"]["text"] is None
    assert docs["world/europe/c.html"]["html"] == "<html><body><p>Story C</p></body></html>"
    assert docs["z.htm"]["origin"] == os.path.join(str(folder), "z.htm")
    assert docs["world/a.txt"]["origin"] == os.path.join(str(folder), "world", "a.txt")
    # notes.docx, image.png (extension), drafts/ and scratch.txt (.syndetignore)
    assert reader.files_ignored == 4
    assert reader.files_read == 4
    assert reader.skips == []


def test_folder_order_is_deterministic(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    names = ["m.txt", "b.txt", "z.txt", "a.txt", "k.txt"]
    for name in names:  # created out of order
        (root / name).write_text(f"text of {name}", encoding="utf-8")
    first = read_all([root])[1].column("id").to_pylist()
    second = read_all([root])[1].column("id").to_pylist()
    assert first == second == sorted(names)


def test_syndetignore_nested_glob_and_negation(tmp_path: Path) -> None:
    root = tmp_path / "c"
    (root / "sub" / "deep").mkdir(parents=True)
    for rel in ["keep.txt", "x.tmp.txt", "sub/x.tmp.txt", "sub/deep/y.txt", "sub/keep.txt"]:
        (root / rel).write_text(rel, encoding="utf-8")
    (root / ".syndetignore").write_text("*.tmp.txt\n/sub/deep\n", encoding="utf-8")
    # A deeper ignore file: a "!" line re-includes, a path pattern is relative to its folder.
    (root / "sub" / ".syndetignore").write_text("!x.tmp.txt\nkeep.txt\n", encoding="utf-8")
    reader, table = read_all([root])
    assert table.column("id").to_pylist() == ["keep.txt", "sub/x.tmp.txt"]
    assert reader.files_ignored == 3  # x.tmp.txt, sub/deep (a folder counts once), sub/keep.txt


def test_files_given_directly(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("alpha", encoding="utf-8")
    page = tmp_path / "p.html"
    page.write_text("<p>page</p>", encoding="utf-8")
    odd = tmp_path / "data.xml"
    odd.write_text("<x/>", encoding="utf-8")
    reader, table = read_all([a, str(page), odd])
    assert table.column("id").to_pylist() == ["a.txt", "p.html"]
    assert table.column("origin").to_pylist() == [str(a), str(page)]
    assert reasons(reader) == [("unsupported_file", str(odd))]
    assert ".jsonl" in reader.skips[0].message


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="nope"):
        CorpusReader([tmp_path / "nope"])


def test_bad_options() -> None:
    with pytest.raises(ConfigError):
        CorpusReader([])
    with pytest.raises(ConfigError):
        CorpusReader(["-"], batch_size=0)


def test_empty_binary_and_broken_files(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text("  \n\t \u00a0\n", encoding="utf-8")
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64)))
    # High bytes only: not binary, but no encoding makes sense of them.
    (root / "garbage.txt").write_bytes(bytes((i * 97 + 13) % 128 + 128 for i in range(400)))
    (root / "good.txt").write_text("fine", encoding="utf-8")
    (root / "link.txt").symlink_to(root / "missing-target.txt")  # dangling: cannot be opened
    reader, table = read_all([root])
    assert table.column("id").to_pylist() == ["good.txt"]
    got = {skip.doc: skip.reason for skip in reader.skips}
    assert got == {
        "binary.txt": "binary",
        "blank.txt": "empty",
        "empty.txt": "empty",
        "garbage.txt": "undecodable",
        "link.txt": "unreadable",
    }
    by_reason = {skip.reason: skip for skip in reader.skips}
    assert by_reason["binary"].where == str(root / "binary.txt")
    assert str(root / "link.txt") in by_reason["unreadable"].message


def test_legacy_encodings_are_decoded(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    french = "Le café a ouvert ses portes: une « réussite » selon le maire, à 5 €.\n"
    german = "Die Straße wird im März gesperrt, sagte der Bürgermeister.\n"
    japanese = "東京都は15日、新しい条例を発表した。市民の反応はさまざまだ。\n"
    (root / "cp1252.txt").write_bytes(french.encode("cp1252"))
    (root / "latin1.txt").write_bytes(german.encode("latin-1"))
    (root / "utf16.txt").write_bytes(german.encode("utf-16"))  # with BOM, full of NULs
    (root / "sjis.txt").write_bytes(japanese.encode("shift_jis"))
    (root / "bom.txt").write_bytes(french.encode("utf-8-sig"))
    reader, table = read_all([root])
    texts = {row["id"]: row["text"] for row in table.to_pylist()}
    assert texts == {
        "bom.txt": french,
        "cp1252.txt": french,
        "latin1.txt": german,
        "sjis.txt": japanese,
        "utf16.txt": german,
    }
    assert reader.skips == []


def test_html_file_uses_declared_charset(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_bytes(
        b'<html><head><meta charset="windows-1252"></head><body>na\xefve \x93quote\x94</body>'
    )
    _, table = read_all([page])
    assert table.column("html")[0].as_py().endswith("naïve “quote”</body>")


# -- JSONL -----------------------------------------------------------------------------------


def test_jsonl_malformed_line_is_skipped_rest_read(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "a1", "text": "first", "url": "http://x/1", "source": "AP", "title": "T1"},
            {"id": "a2", "text": "second"},
            '{"id": "a3", "text": "broken',
            "",
            {"id": "a4", "text": "fourth"},
            {"id": 5, "text": "fifth"},
            "[1, 2]",
            {"id": "a6", "text": "sixth"},
        ],
    )
    reader, table = read_all([path])
    assert table.column("id").to_pylist() == ["a1", "a2", "a4", "5", "a6"]
    assert reasons(reader) == [
        ("malformed_json", f"{path}:3"),
        ("malformed_json", f"{path}:7"),
    ]
    assert "line" in reader.skips[0].message and str(path) in reader.skips[0].message
    first = rows(table)["a1"]
    assert (first["url"], first["source"], first["title"]) == ("http://x/1", "AP", "T1")
    assert first["origin"] == str(path)


def test_jsonl_row_problems_have_line_numbers(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "ok", "text": "fine", "extra": {"nested": [1, 2]}},
            {"id": "", "text": "no id"},
            "",
            {"text": "id key missing"},
            {"id": "nothing"},
            {"id": "blank", "text": "   \n  "},
            {"id": "ok", "text": "same id again"},
            {"id": "viahtml", "text": " ", "html": "<p>from html</p>"},
            {"id": "htmlonly", "html": "<p>only html</p>"},
        ],
    )
    reader, table = read_all([path])
    assert table.column("id").to_pylist() == ["ok", "viahtml", "htmlonly"]
    assert reasons(reader) == [
        ("bad_id", f"{path}:2"),
        ("bad_id", f"{path}:4"),
        ("no_text", f"{path}:5"),
        ("empty", f"{path}:6"),
        ("duplicate_id", f"{path}:7"),
    ]
    docs = rows(table)
    assert docs["viahtml"]["text"] is None  # blank text next to html: the html is used
    assert docs["viahtml"]["html"] == "<p>from html</p>"
    assert reader.skips[4].doc == "ok"


def test_jsonl_streamed_in_small_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny blocks force lines to straddle block boundaries; line numbers must stay right.
    monkeypatch.setattr(readers_mod, "_JSONL_BLOCK", 50)
    records: list[dict[str, Any] | str] = [
        {"id": f"d{i}", "text": f"document number {i} " * (i % 3 + 1)} for i in range(40)
    ]
    records[23] = '{"id": "d23", oops}'
    path = write_jsonl(tmp_path / "big.jsonl", records)
    reader, table = read_all([path], batch_size=7)
    assert table.column("id").to_pylist() == [f"d{i}" for i in range(40) if i != 23]
    assert reasons(reader) == [("malformed_json", f"{path}:24")]
    assert rows(table)["d39"]["text"] == "document number 39 "


def test_jsonl_fast_and_line_paths_agree(tmp_path: Path) -> None:
    records: list[dict[str, Any] | str] = [
        {"id": 1, "text": "a", "published": "2013-08-15"},
        {"id": 2.5, "text": 7, "title": True},
        {"id": "s", "text": "b", "published": 1376524800},
    ]
    clean = write_jsonl(tmp_path / "clean.jsonl", records)
    broken = write_jsonl(tmp_path / "broken.jsonl", [*records, "{not json"])
    _, fast = read_all([clean])
    _, slow = read_all([broken])
    assert fast.drop_columns(["origin"]).equals(slow.drop_columns(["origin"]))
    assert fast.column("id").to_pylist() == ["1", "2.5", "s"]
    assert fast.column("text").to_pylist() == ["a", "7", "b"]
    assert fast.column("title").to_pylist() == [None, "true", None]
    when = datetime(2013, 8, 15, tzinfo=UTC)
    assert fast.column("published").to_pylist() == [when, None, when]


def test_jsonl_missing_columns_skips_file_only(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "a.jsonl", [{"doc": "x", "body": "y", "when": "2013"}])
    good = write_jsonl(tmp_path / "b.jsonl", [{"id": "g", "text": "good"}])
    reader, table = read_all([bad, good])
    assert table.column("id").to_pylist() == ["g"]
    assert reasons(reader) == [("missing_column", str(bad))]
    message = reader.skips[0].message
    assert "'doc'" in message and "'body'" in message and "--id-col" in message
    assert reader.files_read == 1


def test_renamed_columns(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [{"doc_id": "r1", "body": "renamed text", "id": "ignored", "text": "ignored"}],
    )
    _, table = read_all([path], id_col="doc_id", text_col="body")
    assert table.to_pylist()[0]["id"] == "r1"
    assert table.to_pylist()[0]["text"] == "renamed text"


def test_stdin_jsonl() -> None:
    data = b'{"id": "s1", "text": "one"}\n\n{"id": "s2", "text": "two"\n{"id": "s3", "text": "3"}\n'
    reader, table = read_all(["-"], stdin=io.BytesIO(data))
    assert table.column("id").to_pylist() == ["s1", "s3"]
    assert table.column("origin").to_pylist() == ["<stdin>", "<stdin>"]
    assert reasons(reader) == [("malformed_json", "<stdin>:3")]


def test_utf16_jsonl_is_transcoded(tmp_path: Path) -> None:
    path = tmp_path / "win.jsonl"
    text = '{"id": "w1", "text": "Grüße aus Köln"}\r\n{"id": "w2", "text": "zwei"}\r\n'
    path.write_bytes(text.encode("utf-16"))
    reader, table = read_all([path])
    assert table.column("text").to_pylist() == ["Grüße aus Köln", "zwei"]
    assert reader.skips == []


def test_empty_and_binary_jsonl(tmp_path: Path) -> None:
    empty = tmp_path / "e.jsonl"
    empty.write_bytes(b"\n\n")
    packed = tmp_path / "z.jsonl"
    packed.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(200)))
    reader, table = read_all([empty, packed])
    assert table.num_rows == 0
    assert reasons(reader) == [("empty", str(empty)), ("binary", str(packed))]


# -- CSV and Parquet -------------------------------------------------------------------------


def test_csv_with_malformed_row(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(
        "id,text,published,source\n"
        'c1,"first, with comma",2013-08-15,AP\n'
        'c2,"multi\nline text",Aug 15 2013,Reuters\n'
        "c3,too,many,fields,here\n"
        "c4,fourth,,\n"
        "c5,,,\n",
        encoding="utf-8",
    )
    reader, table = read_all([path])
    assert table.column("id").to_pylist() == ["c1", "c2", "c4"]
    assert reasons(reader) == [
        ("malformed_csv", f"{path}:row 4"),
        ("empty", f"{path}:row 6"),  # records after the bad one keep their own numbers
    ]
    docs = rows(table)
    assert docs["c2"]["text"] == "multi\nline text"
    assert docs["c1"]["published"] == datetime(2013, 8, 15, tzinfo=UTC)
    assert docs["c2"]["published"] == datetime(2013, 8, 15, tzinfo=UTC)
    assert docs["c4"]["published"] is None
    assert docs["c1"]["source"] == "AP"


def test_csv_cp1252_and_int_ids(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    text = "Le café a ouvert: une « réussite » selon le maire, à 5 €"
    path.write_bytes(f'id,text\n1,"{text}"\n2,"naïve"\n'.encode("cp1252"))
    reader, table = read_all([path])
    assert table.column("id").to_pylist() == ["1", "2"]
    assert table.column("text").to_pylist() == [text, "naïve"]
    assert reader.skips == []


def test_csv_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["key", "content"], ["1", "x"]])
    reader, table = read_all([path])
    assert table.num_rows == 0
    assert reasons(reader) == [("missing_column", str(path))]
    _, renamed = read_all([path], id_col="key", text_col="content")
    assert renamed.to_pylist()[0]["text"] == "x"


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    published = [datetime(2020, 1, 2, 3, 4, 5), None, datetime(2021, 6, 7)]
    pq.write_table(
        pa.table(
            {
                "id": pa.array([10, 11, 12], pa.int64()),
                "text": ["ten", None, "twelve"],
                "html": [None, None, "<p>x</p>"],
                "published": pa.array(published, pa.timestamp("ms")),
                "other": [1, 2, 3],
            }
        ),
        path,
    )
    reader, table = read_all([path])
    assert table.column("id").to_pylist() == ["10", "12"]
    assert reasons(reader) == [("no_text", f"{path}:row 2")]
    assert table.column("published").to_pylist() == [
        datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2021, 6, 7, tzinfo=UTC),
    ]


def test_parquet_string_dates_and_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(
        pa.table(
            {
                "id": ["a", "b", "c", "d"],
                "text": ["x", "y", "z", "w"],
                "published": ["15 August 2013", "2013-08-15T12:00:00+02:00", "soon", ""],
            }
        ),
        path,
    )
    corrupt = tmp_path / "bad.parquet"
    corrupt.write_bytes(b"PAR1 this is not really parquet")
    reader, table = read_all([path, corrupt])
    assert table.column("published").to_pylist() == [
        datetime(2013, 8, 15, tzinfo=UTC),
        datetime(2013, 8, 15, 10, tzinfo=UTC),
        None,
        None,
    ]
    assert reasons(reader) == [("unreadable", str(corrupt))]


# -- the whole scan --------------------------------------------------------------------------


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    one = write_jsonl(tmp_path / "one.jsonl", [{"id": "x", "text": "first"}])
    two = write_jsonl(
        tmp_path / "two.jsonl", [{"id": "y", "text": "other"}, {"id": "x", "text": "second"}]
    )
    reader, table = read_all([one, two])
    assert rows(table)["x"]["text"] == "first"
    assert table.num_rows == 2
    assert reasons(reader) == [("duplicate_id", f"{two}:2")]
    assert str(one) in reader.skips[0].message and str(two) in reader.skips[0].message


def test_duplicate_file_ids_across_folders(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "same.txt").write_text(f"from {name}", encoding="utf-8")
    reader, table = read_all([tmp_path / "a", tmp_path / "b"])
    assert table.to_pylist()[0]["text"] == "from a"
    assert reasons(reader) == [("duplicate_id", str(tmp_path / "b" / "same.txt"))]


def test_batch_size_splitting(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    for i in range(6):
        (root / f"f{i}.txt").write_text(f"file {i}", encoding="utf-8")
    jsonl = write_jsonl(tmp_path / "t.jsonl", [{"id": f"j{i}", "text": "t"} for i in range(4)])
    reader = CorpusReader([root, jsonl], batch_size=3)
    batches = list(reader)
    assert [b.num_rows for b in batches] == [3, 3, 3, 1]
    assert reader.documents_read == 10
    whole = pa.concat_tables(list(CorpusReader([root, jsonl], batch_size=100)))
    assert pa.concat_tables(batches).equals(whole)
    assert whole.column("id").to_pylist() == [f"f{i}.txt" for i in range(6)] + [
        f"j{i}" for i in range(4)
    ]


def test_on_skip_called_immediately_and_can_stop(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "a", "text": "x"}, "{bad", {"id": "b", "text": "y"}, {"id": "", "text": "z"}],
    )
    seen: list[Skip] = []
    reader, _ = read_all([path], on_skip=seen.append)
    assert seen == reader.skips
    assert [s.reason for s in seen] == ["malformed_json", "bad_id"]
    assert all(s.reason in SKIP_REASONS for s in seen)

    class Stop(Exception):
        pass

    def strict(skip: Skip) -> None:
        raise Stop(skip.where)

    with pytest.raises(Stop, match=f"{path}:2"):
        list(CorpusReader([path], on_skip=strict))


def test_reiterating_resets_state(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}])
    reader = CorpusReader([path])
    first = pa.concat_tables(list(reader))
    second = pa.concat_tables(list(reader))
    assert first.equals(second)
    assert len(reader.skips) == 1 and reader.documents_read == 1


def test_skip_reasons_cover_the_documented_codes() -> None:
    assert set(SKIP_REASONS) == {
        "unreadable",
        "binary",
        "undecodable",
        "empty",
        "malformed_json",
        "malformed_csv",
        "missing_column",
        "duplicate_id",
        "no_text",
        "bad_id",
        "unsupported_file",
    }
    assert DOC_SCHEMA.field("published").type == pa.timestamp("us", tz="UTC")
    assert not DOC_SCHEMA.field("id").nullable and not DOC_SCHEMA.field("origin").nullable


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2013-08-15", datetime(2013, 8, 15)),
        ("2013-08-15T10:00:00Z", datetime(2013, 8, 15, 10)),
        ("2013-08-15T10:00:00.250+02:00", datetime(2013, 8, 15, 8, 0, 0, 250000)),
        ("2013-08-15 10:00", datetime(2013, 8, 15, 10)),
        ("Aug 15, 2013", datetime(2013, 8, 15)),
        ("Aug. 15, 2013", datetime(2013, 8, 15)),
        ("August 15th, 2013", datetime(2013, 8, 15)),
        ("15 August 2013", datetime(2013, 8, 15)),
        ("Thursday, 15 Aug 2013", datetime(2013, 8, 15)),
        ("Sept 3, 2013 at 4:05 PM EDT", datetime(2013, 9, 3, 20, 5)),
        ("Thu, 15 Aug 2013 10:00:00 GMT", datetime(2013, 8, 15, 10)),
        ("2013/08/15", datetime(2013, 8, 15)),
        ("08/15/2013", datetime(2013, 8, 15)),
        ("20130815", datetime(2013, 8, 15)),
        ("1376524800", datetime(2013, 8, 15)),
        ("1376524800000", datetime(2013, 8, 15)),
        ("yesterday", None),
        ("2013-02-30", None),
        ("", None),
        ("Aug 15, 2013 25:00", None),
    ],
)
def test_parse_published(value: str, expected: datetime | None) -> None:
    want = None if expected is None else expected.replace(tzinfo=UTC)
    assert parse_published(value) == want
