"""The ``syndet`` command line. The only module that imports click.

Each command builds a library object, calls one method and renders the result; library errors
(:class:`syndet.errors.SyndetError`) become one-line messages with exit status 1 in one place,
:meth:`_Group.main`.
"""

from __future__ import annotations

import io
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from syndet import __version__
from syndet.errors import SyndetError

if TYPE_CHECKING:
    from syndet.config import Config

_SCAN_HELP = """Find copies among the articles in INPUT... and report how they are related.

INPUT is a folder (read recursively: .txt/.md as text, .html/.htm through article extraction,
.jsonl/.ndjson/.parquet/.csv as tables), a file, or - for JSONL on standard input. Table
inputs need an id and a text column (rename them with --id-col/--text-col); optional columns
html, url, published, source and title are used when present.

Each pair of related articles gets one relation:

\b
  duplicate   the same text after normalization
  syndicated  near-verbatim copy: other headline, site chrome, trimmed tail, light edits
  partial     one article holds a substantial verbatim part of the other
  rewritten   an edited version with clear textual reuse

Different stories about the same event (shared names, places, quotes) are not reported:
similarity is measured on each article's own text, without quoted speech, wire credits
("(Reuters) -", "published from a syndicated feed") and site chrome (menus, share lines,
repeated promos and galleries, learned from the corpus). Related articles are grouped into
clusters, each with its likely source; every member is verified against the source itself.
Run 'syndet explain A B' to see the passages two articles share.

Without -o a readable summary goes to stdout; with -o DIR the folder receives pairs.<fmt>,
clusters.<fmt>, skipped.<fmt> and summary.json (schemas in the README).

\b
Examples:
  syndet scan corpus/
  syndet scan articles.jsonl feeds/ -o report/
  cat crawl.jsonl | syndet scan - --format csv -o report/
  syndet scan data.parquet --id-col url --text-col body --threshold 0.5 -o out/

Documents that cannot be used (unreadable, binary, undecodable, empty, malformed lines,
duplicate ids, too short) are skipped with a one-line message each, counted in summary.json
and listed in skipped.<fmt>; the rest of the corpus is still scanned. Exit status: 0 when the
scan ran, 1 when nothing could be read or an option is wrong (or, with --strict, when any
document had to be skipped).
"""

_MAX_SKIP_LINES = 20


class _Group(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Run click without its own exit handling so that every failure, including usage
        # errors (which click would end with status 2), leaves with status 1 and one message.
        standalone = kwargs.pop("standalone_mode", True)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except SyndetError as exc:
            click.echo(f"Error: {exc}", err=True)
            rv = 1
        except click.ClickException as exc:
            exc.show()
            rv = 1
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            rv = 1
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


#: what each stage of the scan counts, for the progress lines
_STAGE_NOUNS = {"reading": "documents", "signatures": "documents", "lsh": "documents",
                "verify": "pairs", "cluster": "pairs", "write": "files"}  # fmt: skip


class _Progress:
    """One progress line per stage on stderr, only when stderr is a terminal.

    The stage being worked on is redrawn in place: a bar with done/total, its rate and
    elapsed time when the stage knows its total, a counter otherwise. When the next stage
    reports, the line is finished with the stage's count, rate and time, and stays. A stage
    ends at its last report and the next one starts there (the first one when the scan
    starts), so the times add up to the scan's.
    """

    _WIDTH = 24

    def __init__(
        self,
        enabled: bool,
        stream: Any = None,
        clock: Any = time.monotonic,
        interval: float = 0.1,
    ) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.interval = interval
        self.stage = ""
        self.started = self.last = self.ticked = clock()  # ticked: the stage's last report
        self.done = 0
        self.total: int | None = None
        self.live = False  # a live line is on screen (to clear before other output)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if stage != self.stage:
            self._finish(self.ticked)
            self.stage = stage
        elif now - self.last < self.interval and (total is None or done < total):
            self.done, self.total, self.ticked = done, total, now
            return
        self.done, self.total, self.last, self.ticked = done, total, now, now
        self._draw(self._line(now, final=False))

    def _line(self, now: float, *, final: bool) -> str:
        elapsed = max(now - self.started, 0.0)
        noun = _STAGE_NOUNS.get(self.stage, "items")
        per_item = elapsed > 0 and self.done and noun != "files"
        rate = f"{self.done / elapsed:,.0f}/s" if per_item else ""
        if final:
            return f"{self.stage:<10} {self.done:>12,} {noun:<9} {rate:>11}  {elapsed:6.1f} s  done"
        if self.total:
            filled = min(self._WIDTH, int(self._WIDTH * self.done / self.total))
            bar = "#" * filled + "-" * (self._WIDTH - filled)
            pct = 100 * self.done / self.total
            count = f"{self.done:,}/{self.total:,}"
            return f"{self.stage:<10} [{bar}] {count} {pct:3.0f}% {rate:>11}  {elapsed:6.1f} s"
        return f"{self.stage:<10} {self.done:>12,} {noun:<9} {rate:>11}  {elapsed:6.1f} s"

    def _draw(self, text: str, *, end: str = "") -> None:
        self.stream.write(f"\r\x1b[K{text}{end}")
        self.stream.flush()
        self.live = not end

    def _finish(self, end: float) -> None:
        """Leave the current stage's final line on screen: the stage ended at ``end`` (its
        last report), where the next one starts."""
        if self.stage:
            self._draw(self._line(end, final=True), end="\n")
        self.stage, self.started = "", end

    def clear(self) -> None:
        """Clear the live line (before a message is printed); the next tick redraws it."""
        if self.enabled and self.live:
            self._draw("")
            self.last = float("-inf")

    def close(self) -> None:
        """Finish the last stage's line."""
        if self.enabled:
            self._finish(max(self.ticked, self.started))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syndet")
def cli() -> None:
    """syndet: find near-duplicate and syndicated news articles in large corpora.

    Run 'syndet scan --help' to get started.
    """


@cli.command("scan", help=_SCAN_HELP)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o", "--output", type=click.Path(file_okay=False), help="Write the report files into DIR."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv", "jsonl"]),
    default="parquet",
    show_default=True,
    help="File format of pairs, clusters and skipped (with -o).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=None,
    help="Jaccard similarity from which LSH proposes pairs to verify. Low by default (0.02) "
    "because excerpts and rewrites have low Jaccard; raise it (e.g. 0.5) to look only for "
    "near-verbatim copies, faster.",
)
@click.option(
    "-k",
    "--shingle-size",
    type=click.IntRange(1, 32),
    default=None,
    help="Words per shingle. Default: 5.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Threads and processes to use. Default: all cores.",
)
@click.option("--id-col", default="id", show_default=True, help="Id column of table inputs.")
@click.option("--text-col", default="text", show_default=True, help="Text column of table inputs.")
@click.option(
    "--keep-quotes", is_flag=True, help="Count quoted speech as shared text (removed by default)."
)
@click.option(
    "--keep-credits",
    is_flag=True,
    help="Count wire credits and syndication notices as text (removed by default).",
)
@click.option(
    "--no-line-filter",
    is_flag=True,
    help="Keep short link-like lines and widget lines (video placeholders, 'More:' teasers) "
    "of plain-text documents.",
)
@click.option(
    "--no-galleries",
    is_flag=True,
    help="Keep photo-gallery captions (lines a page doubles, and the lines between them).",
)
@click.option(
    "--no-chrome", is_flag=True, help="Do not learn site chrome (repeated lines) from the corpus."
)
@click.option(
    "--against",
    metavar="INDEX",
    default=None,
    help="Also check every document against the articles stored in INDEX (a file made by "
    "'syndet index add', or a redis:// URL): matches are listed, or written to against.<fmt> "
    "with -o (columns as in pairs, a = the new document, b = the stored one).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where the scan runs: 'local' (this process, all cores) or 'dask' (a Dask cluster: "
    "a local one with --workers worker processes, or the one at --scheduler; needs "
    "pip install 'syndet[dask]'). Both give the same results.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Address of a running Dask scheduler to scan on, e.g. tcp://host:8786 "
    "(implies --engine dask).",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) when any document is skipped.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display and no skip messages.")
def scan_command(
    inputs: tuple[str, ...],
    output: str | None,
    fmt: str,
    threshold: float | None,
    shingle_size: int | None,
    workers: int | None,
    id_col: str,
    text_col: str,
    keep_quotes: bool,
    keep_credits: bool,
    no_line_filter: bool,
    no_galleries: bool,
    no_chrome: bool,
    against: str | None,
    engine: str,
    scheduler: str | None,
    strict: bool,
    quiet: bool,
) -> None:
    from syndet.config import DEFAULT_CONFIG
    from syndet.pipeline import Scanner

    config = replace(
        DEFAULT_CONFIG,
        boilerplate=replace(
            DEFAULT_CONFIG.boilerplate,
            strip_quotes=not keep_quotes,
            strip_credits=not keep_credits,
            line_filter=not no_line_filter,
            strip_galleries=not no_galleries,
            learn_chrome=not no_chrome,
        ),
    )
    if threshold is not None:
        config = config.with_threshold(threshold)
    if shingle_size is not None:
        config = replace(config, shingle=replace(config.shingle, k=shingle_size))

    shown = 0

    def on_skip(skip: Any) -> None:
        nonlocal shown
        if quiet:
            return
        shown += 1
        if shown <= _MAX_SKIP_LINES:
            progress.clear()
            click.echo(f"skipped {skip}", err=True)

    progress = _Progress(enabled=not quiet and _stderr_is_terminal())
    scanner = Scanner(
        config,
        workers=workers,
        strict=strict,
        progress=progress,
        on_skip=on_skip,
        engine="dask" if scheduler else engine,
        scheduler=scheduler,
    )
    stdin: Any = sys.stdin.buffer if "-" in inputs else None
    if against is not None and stdin is not None:
        stdin = io.BytesIO(stdin.read())  # read twice: by the scan and by the index check
    try:
        result = scanner.scan(list(inputs), id_col=id_col, text_col=text_col, stdin=stdin)
        from syndet import report

        written = []
        if output:
            progress("write", 0, 4)
            written = report.write_report(result, output, fmt)
            progress("write", len(written), len(written))
    finally:
        progress.close()
    if shown > _MAX_SKIP_LINES:
        more = shown - _MAX_SKIP_LINES
        where = f" (all listed in {output}/skipped.{fmt})" if output else ""
        click.echo(f"... and {more} more skipped documents{where}", err=True)

    if output:
        if not quiet:
            click.echo(report.render(result, max_clusters=0).splitlines()[0])
            click.echo("Wrote " + ", ".join(str(p) for p in written))
    else:
        click.echo(report.render(result, color=sys.stdout.isatty()))
    if against is not None:
        _scan_against(against, inputs, id_col, text_col, stdin, output, fmt, quiet, config)


def _scan_against(
    location: str,
    inputs: tuple[str, ...],
    id_col: str,
    text_col: str,
    stdin: Any,
    output: str | None,
    fmt: str,
    quiet: bool,
    config: Config,
) -> None:
    from syndet.index import Index

    if stdin is not None:
        stdin.seek(0)
    # The index answers with the scan's relation cut-offs, so that both lists agree.
    with Index(location, create=False, verify=config.verify) as index:
        found = index.query_inputs(list(inputs), id_col=id_col, text_col=text_col, stdin=stdin)
        stored = len(index)
    matched = len({doc for doc, _ in found.rows})
    summary = (
        f"Against {location} ({stored:,} stored): {matched:,} of {found.documents:,} documents "
        f"match stored articles ({len(found.rows):,} matches)."
    )
    if output:
        from pathlib import Path

        from syndet import report

        path = Path(output) / f"against.{fmt}"
        report._write(found.frame(), path, fmt)  # the report's own writer, same formats
        if not quiet:
            click.echo(f"{summary}\nWrote {path}")
        return
    click.echo(f"\n{summary}")
    _echo_matches(found.rows)


def _echo_matches(rows: list[tuple[str, Any]]) -> None:
    for doc, m in rows:
        click.echo(f"{doc}\t{m.relation}\t{m.doc_id}\tjaccard {m.jaccard:.3f}")


@cli.group("index")
def index_group() -> None:
    """Keep articles in an index and check new ones against it, one at a time.

    INDEX is a file (created by 'add' if missing) or a redis:// URL. Each matching article
    is printed as: new id, relation, stored id, Jaccard similarity (tab-separated).
    """


def _index_options(command: Any) -> Any:
    """The arguments and options 'index add' and 'index query' share."""
    for decorate in reversed(
        [
            click.argument("index_location", metavar="INDEX"),
            click.argument("inputs", nargs=-1, required=True, metavar="PATH..."),
            click.option("--id-col", default="id", show_default=True, help="Id column."),
            click.option("--text-col", default="text", show_default=True, help="Text column."),
            click.option("-q", "--quiet", is_flag=True, help="No skip messages and no summary."),
        ]
    ):
        command = decorate(command)
    return command


@index_group.command("add")
@_index_options
def index_add_command(
    index_location: str, inputs: tuple[str, ...], id_col: str, text_col: str, quiet: bool
) -> None:
    """Add the articles in PATH... to INDEX, printing those that copy stored articles."""
    _index_command(index_location, inputs, id_col, text_col, quiet, add=True)


@index_group.command("query")
@_index_options
def index_query_command(
    index_location: str, inputs: tuple[str, ...], id_col: str, text_col: str, quiet: bool
) -> None:
    """Check the articles in PATH... against INDEX without storing them."""
    _index_command(index_location, inputs, id_col, text_col, quiet, add=False)


def _index_command(
    location: str, inputs: tuple[str, ...], id_col: str, text_col: str, quiet: bool, *, add: bool
) -> None:
    from syndet.index import Index

    stdin = sys.stdin.buffer if "-" in inputs else None
    with Index(location, create=add) as index:
        run = index.add_inputs if add else index.query_inputs
        found = run(list(inputs), id_col=id_col, text_col=text_col, stdin=stdin)
        stored = len(index)
    _echo_matches(found.rows)
    if quiet:
        return
    for line in found.skipped[:_MAX_SKIP_LINES]:
        click.echo(f"skipped {line}", err=True)
    if len(found.skipped) > _MAX_SKIP_LINES:
        click.echo(f"... and {len(found.skipped) - _MAX_SKIP_LINES} more skipped", err=True)
    matched = len({doc for doc, _ in found.rows})
    verb = "Added" if add else "Checked"
    click.echo(
        f"{verb} {found.documents:,} documents: {matched:,} match stored articles; "
        f"{stored:,} articles in {location}.",
        err=True,
    )


_EXPLAIN_HELP = """Show why two articles are (or are not) related.

A and B are article files (.txt/.md as text, .html/.htm through article extraction). Prints
the relation and the rule that decided it, the scores the pairs output would hold, and the
passages the two share, aligned (the word where each starts in A and in B), highlighted on a
terminal. Quotes, wire credits and short link-like lines are not counted, as in a scan; chrome
learned from a whole corpus is not available for two files alone.

\b
Example:
  syndet explain corpus/newswire/port-aldine-bridge-cables.txt \\
                 corpus/valleywire/harbour-bridge-corrosion.html
"""


def _read_article(path: str) -> tuple[str, bool]:
    from pathlib import Path

    from syndet.errors import CorpusError
    from syndet.io.decode import decode_bytes
    from syndet.io.html import html_to_text

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text, _ = decode_bytes(data)
    except ValueError as exc:
        raise CorpusError(f"{path}: cannot decode the text ({exc})") from exc
    if path.lower().endswith((".html", ".htm")):
        return html_to_text(text), True
    return text, False


@cli.command("explain", help=_EXPLAIN_HELP)
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option(
    "--color/--no-color",
    default=None,
    help="Highlight passages (default: when stdout is a terminal).",
)
@click.option("--passages", default=20, show_default=True, help="How many passages to list.")
def explain_command(a: str, b: str, color: bool | None, passages: int) -> None:
    from syndet.evidence import explain

    text_a, html_a = _read_article(a)
    text_b, html_b = _read_article(b)
    result = explain(text_a, text_b, a_is_html=html_a, b_is_html=html_b)
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(f"A: {a}\nB: {b}")
    click.echo(result.render(color=use_color, max_passages=passages))


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="syndet")


if __name__ == "__main__":  # pragma: no cover
    main()
