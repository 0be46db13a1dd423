"""The command line, driven through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from syndet.cli import _Progress, cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def words(n: int, tag: str) -> str:
    return " ".join(f"{tag}{i}" for i in range(n))


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_scan_prints_clusters(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["scan", str(CORPUS)])
    assert res.exit_code == 0, res.output
    assert "related pairs" in res.output
    assert "Cluster 1" in res.output
    assert "syndicated" in res.output


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_scan_writes_report(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "report"
    res = runner.invoke(cli, ["scan", str(CORPUS), "-o", str(out), "--format", fmt, "-q"])
    assert res.exit_code == 0, res.output
    read = {"parquet": pl.read_parquet, "csv": pl.read_csv, "jsonl": pl.read_ndjson}[fmt]
    pairs = read(out / f"pairs.{fmt}")
    clusters = read(out / f"clusters.{fmt}")
    assert pairs.columns[:6] == ["a", "b", "relation", "jaccard", "containment_a", "containment_b"]
    assert clusters.columns[:4] == ["cluster", "doc", "source", "role"]
    assert (out / f"skipped.{fmt}").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pairs"]["reported"] == pairs.height
    stages = {"read", "normalize", "boilerplate", "shingle", "minhash", "lsh", "verify"}
    assert set(summary["seconds"]) >= stages | {"cluster", "report", "write"}
    assert summary["settings"]["shingle"]["k"] == 5


def test_stdin_jsonl_with_bad_line(runner: CliRunner, tmp_path: Path) -> None:
    story = words(150, "w")
    lines = [
        json.dumps({"id": "a", "text": story}),
        "{not json",
        json.dumps({"id": "b", "text": "Share\n" + story + "\nFooter"}),
        json.dumps({"id": "c", "text": words(100, "z")}),
        json.dumps({"id": "a", "text": "a duplicate id"}),
    ]
    out = tmp_path / "r"
    res = runner.invoke(
        cli, ["scan", "-", "--format", "csv", "-o", str(out)], input="\n".join(lines) + "\n"
    )
    assert res.exit_code == 0, res.output
    assert "<stdin>:2" in res.output  # the malformed line is named, once
    assert res.output.count("<stdin>:2") == 1
    pairs = pl.read_csv(out / "pairs.csv")
    assert pairs.select("a", "b", "relation").rows() == [("a", "b", "syndicated")]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"]["skipped_by_reason"] == {"duplicate_id": 1, "malformed_json": 1}
    assert summary["documents"]["scanned"] == 3


def test_strict_fails_on_a_skip(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(words(50, "g"))
    (tmp_path / "empty.txt").write_text("")
    assert runner.invoke(cli, ["scan", str(tmp_path), "-q"]).exit_code == 0
    res = runner.invoke(cli, ["scan", str(tmp_path), "--strict"])
    assert res.exit_code == 1
    assert "empty.txt" in res.output


def test_errors_exit_1_with_a_message(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(cli, ["scan", str(tmp_path / "missing")])
    assert res.exit_code == 1
    assert "missing" in res.output
    res = runner.invoke(cli, ["scan", str(CORPUS), "--threshold", "2"])
    assert res.exit_code == 1
    assert "threshold" in res.output.lower()
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    res = runner.invoke(cli, ["scan", str(empty)])
    assert res.exit_code == 1
    assert "nothing could be read" in res.output


def test_renamed_columns(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    pl.DataFrame(
        {"url": ["u1", "u2"], "body": [words(120, "x"), words(120, "x") + " extra"]}
    ).write_csv(path)
    res = runner.invoke(cli, ["scan", str(path), "--id-col", "url", "--text-col", "body"])
    assert res.exit_code == 0, res.output
    assert "u1" in res.output and "u2" in res.output


def test_help_teaches(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["scan", "--help"])
    assert res.exit_code == 0
    for word in ("syndicated", "partial", "rewritten", "Examples", "--threshold", "--workers"):
        assert word in res.output


def test_explain_shows_passages_and_reason(runner: CliRunner) -> None:
    a = CORPUS / "newswire" / "port-aldine-bridge-cables.txt"
    b = CORPUS / "valleywire" / "harbour-bridge-corrosion.html"
    res = runner.invoke(cli, ["explain", str(a), str(b), "--no-color"])
    assert res.exit_code == 0, res.output
    assert "relation: syndicated" in res.output
    assert "shared passages" in res.output
    assert "[the halvard street suspension bridge" in res.output  # passage text, marked
    assert "\x1b[" not in res.output  # plain when not asked for color


def test_explain_same_event_stories_are_not_related(runner: CliRunner) -> None:
    a = CORPUS / "lakeshoreledger" / "tessaly-road-warehouse-fire.txt"
    b = CORPUS / "eastbankherald" / "kestrel-workers-after-fire.txt"
    res = runner.invoke(cli, ["explain", str(a), str(b)])
    assert res.exit_code == 0, res.output
    assert "relation: none" in res.output
    assert "shared words of authored text" in res.output


def test_explain_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(cli, ["explain", str(tmp_path / "nope.txt"), str(CORPUS / "README.md")])
    assert res.exit_code == 1
    assert "nope.txt" in res.output


def test_boilerplate_switches(runner: CliRunner, tmp_path: Path) -> None:
    quote = words(130, "q")
    (tmp_path / "a.txt").write_text(words(150, "a") + f'\nShe said: "{quote}"\n')
    (tmp_path / "b.txt").write_text(f'"{quote}," she said.\n' + words(150, "b"))
    out = tmp_path / "r"
    res = runner.invoke(cli, ["scan", str(tmp_path), "-o", str(out), "--format", "csv", "-q"])
    assert res.exit_code == 0, res.output
    assert pl.read_csv(out / "pairs.csv").height == 0  # a shared quote is not a copy
    res = runner.invoke(
        cli, ["scan", str(tmp_path), "-o", str(out), "--format", "csv", "-q", "--keep-quotes"]
    )
    assert pl.read_csv(out / "pairs.csv").height == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["boilerplate"]["strip_quotes"] is False


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_draws_one_line_per_stage() -> None:
    import io

    out, clock = io.StringIO(), FakeClock()
    progress = _Progress(enabled=True, stream=out, clock=clock, interval=0.1)
    for done in (4096, 8192):  # reading: no total, a counter
        clock.now += 1.0
        progress("reading", done, None)
    progress("reading", 9000, None)  # too soon after the last redraw: not drawn
    for done in (4000, 9000):
        clock.now += 2.0
        progress("signatures", done, 9000)
    clock.now += 0.5
    progress("lsh", 9000, 9000)
    clock.now += 1.5
    progress("verify", 300, 300)
    progress.clear()  # a skip message would be printed here
    clock.now += 0.25
    progress("cluster", 120, 120)
    progress.close()
    text = out.getvalue()
    assert "reading" in text and "8,192 documents" in text
    assert "[##########" in text and "4,000/9,000  44%" in text  # a live bar with its total
    finished = [line.rsplit("\x1b[K", 1)[-1] for line in text.split("\n")[:-1]]
    assert [line.split()[0] for line in finished] == [
        "reading", "signatures", "lsh", "verify", "cluster"
    ]  # fmt: skip
    # each stage's line ends with its count, rate and time; the times add up to the scan's
    assert finished[0].split()[1:] == ["9,000", "documents", "4,500/s", "2.0", "s", "done"]
    assert finished[1].split()[1:] == ["9,000", "documents", "2,250/s", "4.0", "s", "done"]
    assert finished[3].split()[1:] == ["300", "pairs", "200/s", "1.5", "s", "done"]
    assert text.endswith("\n")
    # disabled (not a terminal, or -q): nothing at all
    quiet = io.StringIO()
    off = _Progress(enabled=False, stream=quiet)
    off("reading", 1, None)
    off.close()
    assert quiet.getvalue() == ""


def test_scan_progress_on_a_terminal(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import syndet.cli

    res = runner.invoke(cli, ["scan", str(CORPUS), "-o", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "\r" not in res.stderr  # stderr is not a terminal: no progress display
    monkeypatch.setattr(syndet.cli, "_stderr_is_terminal", lambda: True)
    res = runner.invoke(cli, ["scan", str(CORPUS), "-o", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    finished = [line.rsplit("\x1b[K", 1)[-1] for line in res.stderr.split("\n")[:-1]]
    assert [line.split()[0] for line in finished] == [
        "reading", "signatures", "lsh", "verify", "cluster", "write"
    ]  # fmt: skip
    assert all(line.endswith(" s  done") for line in finished)
    assert "signatures [" in res.stderr  # the bar, with the documents read as its total
    assert "Scanned 34 documents" in res.stdout
    quiet = runner.invoke(cli, ["scan", str(CORPUS), "-o", str(tmp_path / "c"), "-q"])
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
