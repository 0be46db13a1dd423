"""syndet index add/query and syndet scan --against, through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from click.testing import CliRunner

from syndet.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_index_add_then_query_and_scan_against(tmp_path: Path) -> None:
    index = str(tmp_path / "seen.syndet")
    runner = CliRunner()
    res = runner.invoke(cli, ["index", "add", index, str(CORPUS)])
    assert res.exit_code == 0, res.output
    assert "Added 34 documents" in res.output
    assert "\tsyndicated\t" in res.output

    res = runner.invoke(cli, ["index", "query", index, str(CORPUS / "newswire")])
    assert res.exit_code == 0, res.output
    # each wire story is stored under its id relative to corpus/: found as a duplicate
    assert "tarrow-bay-storm-season.txt\tduplicate\tnewswire/tarrow-bay-storm-season.txt" in (
        res.output
    )
    assert "34 articles in" in res.output  # a query stores nothing

    out = tmp_path / "report"
    res = runner.invoke(
        cli, ["scan", str(CORPUS / "newswire"), "--against", index, "-o", str(out), "-q"]
    )
    assert res.exit_code == 0, res.output
    against = pl.read_parquet(out / "against.parquet")
    row = against.filter(a="tarrow-bay-storm-season.txt", b="newswire/tarrow-bay-storm-season.txt")
    assert row["relation"].to_list() == ["duplicate"]
    assert set(against.columns) >= {"a", "b", "relation", "jaccard", "containment_a"}


def test_index_query_needs_an_existing_index(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["index", "query", str(tmp_path / "none"), str(CORPUS)])
    assert res.exit_code == 1
    assert "no index at" in res.output
    assert not (tmp_path / "none").exists()
