"""Reading a corpus: folders of files, JSONL/CSV/Parquet tables and stdin, as Arrow batches.

:class:`CorpusReader` turns any mix of inputs into a stream of :class:`pyarrow.Table` batches in
:data:`DOC_SCHEMA`. Every document that cannot be used is reported as a :class:`Skip` (kept in
``reader.skips`` and passed to ``on_skip`` at once) instead of stopping the scan: a corpus of
millions of crawled pages always holds a few broken ones, and one of them must not cost the rest.
Only an input path that does not exist stops the scan (:class:`~syndet.errors.CorpusError`),
because that is a mistake in the command, not in the data.

Tables stay in Arrow from file to batch (checks and filters are Arrow compute kernels); the only
per-document Python work is the duplicate-id check, which needs one set across the whole scan,
and the per-file loop over folders of ``.txt``/``.html`` files.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from syndet.errors import ConfigError, CorpusError
from syndet.io.decode import (
    UndecodableError,
    bom_encoding,
    decode_bytes,
    html_declared_charset,
    looks_binary,
)

__all__ = ["DOC_SCHEMA", "SKIP_REASONS", "CorpusReader", "Skip", "parse_published"]

_UTC = timezone.utc
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_STRING = pa.large_string()

#: The columns of every batch :class:`CorpusReader` yields. ``text`` is null when a document
#: only has ``html`` (the caller extracts text from it); ``origin`` names the input file the
#: document came from, so that later stages can point at it.
DOC_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("id", _STRING, nullable=False),
        pa.field("text", _STRING),
        pa.field("html", _STRING),
        pa.field("url", _STRING),
        pa.field("published", _TIMESTAMP),
        pa.field("source", _STRING),
        pa.field("title", _STRING),
        pa.field("origin", _STRING, nullable=False),
    ]
)

#: Why a document (or a whole file) was skipped: reason code -> short description.
SKIP_REASONS: dict[str, str] = {
    "unreadable": "the file could not be read (permissions, I/O error, corrupt file)",
    "binary": "the file is binary, not text",
    "undecodable": "the bytes are in no recognisable text encoding",
    "empty": "the document has no text",
    "malformed_json": "a JSONL line is not a valid JSON object",
    "malformed_csv": "a CSV row could not be parsed",
    "missing_column": "the table has no id column, or neither a text nor an html column",
    "duplicate_id": "another document already has this id",
    "no_text": "the document has neither text nor html",
    "bad_id": "the document's id is missing or empty",
    "unsupported_file": "the file type is not one syndet reads",
}


@dataclass(frozen=True)
class Skip:
    """One document, or one whole file, that was not read."""

    #: Where it is: ``"dir/a.jsonl:17"`` (line), ``"data.csv:row 5"``, ``"dir/b.txt"``.
    where: str
    #: A key of :data:`SKIP_REASONS`.
    reason: str
    #: One line for a person: what is wrong and what to do about it.
    message: str
    #: The document's id, when it is known.
    doc: str | None = None

    def __str__(self) -> str:
        """``where: message``, naming the place once (readers' messages often start with it)."""
        if self.message.startswith(self.where):
            return self.message
        return f"{self.where}: {self.message}"


_TEXT_EXTS = frozenset({".txt", ".md"})
_HTML_EXTS = frozenset({".html", ".htm"})
_TABLE_EXTS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
_SUPPORTED = ", ".join(sorted(_TEXT_EXTS | _HTML_EXTS | set(_TABLE_EXTS)))
_IGNORE_FILE = ".syndetignore"
_STDIN = "<stdin>"

# JSONL is read this many bytes at a time (cut at a line end), so a 10 GB file never sits in
# memory whole, while each piece is still big enough for polars' parser to pay off.
_JSONL_BLOCK = 32 << 20
# Lines sampled from the start of a JSONL input to see which keys its records have.
_KEY_SAMPLE_LINES = 100
# The CSV reader needs every record to fit in one block; a news article is far smaller.
_CSV_BLOCK = 64 << 20
_CSV_SAMPLE = 1 << 16
# Rows per Parquet read: 8192 news articles are ~30 MB of text (65536 held ~450 MB at once).
_PARQUET_BATCH = 8192
_PARQUET_BUFFER = 4 << 20

# A character str.strip() would not remove. RE2's \s is ASCII-only, so Unicode spaces (NBSP,
# ideographic space, line/paragraph separators) and the other characters Python counts as
# whitespace are listed explicitly: a text of only those is as empty as one of plain spaces.
_NON_SPACE = r"[^\s\v\x{1c}-\x{1f}\x{85}\p{Z}]"


# --------------------------------------------------------------------------------------------
# published dates


_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_TIME_TAIL = re.compile(
    r"(?:[\s,]+(?:at\s+)?|T)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*([a-z]{1,5})?$",
    re.IGNORECASE,
)
_DOT_AFTER_LETTER = re.compile(r"(?<=[A-Za-z])\.")
_SEPT = re.compile(r"\bsept\b", re.IGNORECASE)
# Day-first numeric dates ("15/08/2013") are not accepted: they are ambiguous with the US
# month-first form, and guessing wrong would silently move a story by months.
_DATE_FORMATS = (
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d.%m.%Y",
)
# Zone abbreviations seen in (mostly US and European) news datelines. Others are ignored and
# the time is taken as UTC: that can shift the instant by hours but keeps the date.
_ZONES = {
    "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
    "mdt": -6, "pst": -8, "pdt": -7, "bst": 1, "cet": 1, "cest": 2,
}  # fmt: skip


def _from_digits(value: str) -> datetime | None:
    # Bare numbers are common in crawls: YYYYMMDD, or a Unix time in seconds or milliseconds.
    try:
        if len(value) == 8:
            return datetime.strptime(value, "%Y%m%d").replace(tzinfo=_UTC)
        if len(value) in (9, 10):
            return datetime.fromtimestamp(int(value), _UTC)
        if len(value) in (12, 13):
            return datetime.fromtimestamp(int(value) / 1000, _UTC)
    except (ValueError, OverflowError, OSError):
        pass
    return None


def _parse_human(value: str) -> datetime | None:
    """Dates the way articles print them: "Aug 15, 2013", "Thursday, 15th August 2013 10:00 am"."""
    text = _WEEKDAY.sub("", value)
    hour = minute = second = 0
    offset = 0
    match = _TIME_TAIL.search(text)
    if match is not None:
        text = text[: match.start()]
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
        meridiem = (match.group(4) or "").lower()
        if meridiem:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
        offset = _ZONES.get((match.group(5) or "").lower(), 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
    text = _DOT_AFTER_LETTER.sub("", text.replace(",", " "))
    text = " ".join(_ORDINAL.sub("", _SEPT.sub("Sep", text)).split())
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt)
        except ValueError:
            continue
        local = day.replace(hour=hour, minute=minute, second=second)
        return local.replace(tzinfo=_UTC) - timedelta(hours=offset)
    return None


@lru_cache(maxsize=1 << 16)
def parse_published(value: str) -> datetime | None:
    """A publication date/time string as an aware UTC datetime, or ``None`` if unrecognised.

    Accepts ISO 8601 ("2013-08-15", "2013-08-15T10:00:00Z", with offsets or fractions), RFC 2822
    ("Thu, 15 Aug 2013 10:00:00 GMT"), written-out dates ("Aug 15, 2013", "15 August 2013",
    "August 15th, 2013 10:00 AM EDT"), "2013/08/15", US "08/15/2013", "15.08.2013", YYYYMMDD
    and Unix times (10 digits: seconds, 13: milliseconds). Times without a zone are UTC.
    """
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return _from_digits(text)
    # fromisoformat() only learned "Z" in Python 3.11.
    iso = text[:-1] + "+00:00" if text[-1] in "zZ" else text
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = _parse_human(text)
    if parsed is None:
        return None
    return parsed.replace(tzinfo=_UTC) if parsed.tzinfo is None else parsed.astimezone(_UTC)


def _has_content(column: Any) -> Any:
    """Boolean column: the string is not null and has a non-whitespace character."""
    return pc.fill_null(pc.match_substring_regex(column, pattern=_NON_SPACE), False)


def _json_text(value: Any) -> str | None:
    # Non-string values in a text-like field keep their JSON spelling (5 -> "5", true ->
    # "true"), which is also what polars' JSON reader does, so both JSONL paths agree.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return json.dumps(value, ensure_ascii=False, default=str)


def _string_array(values: list[str | None]) -> Any:
    try:
        return pa.array(values, _STRING)
    except (pa.ArrowException, UnicodeEncodeError):
        # Lone surrogates (from "\ud800" escapes in JSON) cannot be stored as UTF-8.
        return pa.array(
            [v if v is None else v.encode("utf-8", "replace").decode("utf-8") for v in values],
            _STRING,
        )


def _to_strings(column: Any) -> Any:
    """Any Arrow column as large_string (ints become "17"; nested values their JSON)."""
    kind = column.type
    if kind == _STRING:
        return column
    if pa.types.is_null(kind):
        return pa.nulls(len(column), _STRING)
    try:
        return pc.cast(column, _STRING)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return _string_array([_json_text(v) for v in column.to_pylist()])


def _to_timestamps(column: Any) -> Any:
    """Any Arrow column as UTC timestamps; values that are not dates become null."""
    kind = column.type
    if pa.types.is_timestamp(kind):
        if kind.tz is None:  # a naive time is taken as UTC, like naive strings
            column = pc.cast(column, pa.timestamp("us"), safe=False)
        return pc.cast(column, _TIMESTAMP, safe=False)
    if pa.types.is_date(kind):
        return pc.cast(column, _TIMESTAMP)
    if pa.types.is_null(kind):
        return pa.nulls(len(column), _TIMESTAMP)
    strings = _to_strings(column)
    strings = pc.if_else(_has_content(strings), strings, pa.scalar(None, _STRING))
    # Fast path: a column that is all ISO 8601 (the usual case) is parsed by one Arrow cast;
    # a tz-aware target needs an offset on every value, a naive one on none.
    for target in (_TIMESTAMP, pa.timestamp("us")):
        try:
            return pc.cast(pc.cast(strings, target), _TIMESTAMP)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    # Otherwise parse each distinct value once in Python (dates repeat a lot in news).
    distinct = pc.unique(strings)
    parsed = pa.array(
        [None if v is None else parse_published(v) for v in distinct.to_pylist()], _TIMESTAMP
    )
    return pc.take(parsed, pc.index_in(strings, value_set=distinct))


# --------------------------------------------------------------------------------------------
# .syndetignore


@dataclass(frozen=True)
class _IgnoreRule:
    base: str  # folder of the .syndetignore, relative to the scanned root ("" for the root)
    pattern: re.Pattern[str]
    basename_only: bool
    dir_only: bool
    negate: bool

    def matches(self, rel: str, name: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1 :]
        return self.pattern.match(name if self.basename_only else rel) is not None


def _parse_ignore(text: str, base: str) -> list[_IgnoreRule]:
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line[1:] if negate else line
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        # As in .gitignore: a pattern with no slash (other than a trailing one) matches a name
        # at any depth; one with a slash is a path relative to the folder of the ignore file.
        basename_only = "/" not in line
        line = line.lstrip("/")
        if not line:
            continue
        prefix = ""
        if line.startswith("**/"):
            line, prefix = line[3:], "(?:.*/)?"
        rules.append(
            _IgnoreRule(
                base=base,
                pattern=re.compile(prefix + fnmatch.translate(line)),
                basename_only=basename_only,
                dir_only=dir_only,
                negate=negate,
            )
        )
    return rules


def _ignored(rules: Sequence[_IgnoreRule], rel: str, name: str, is_dir: bool) -> bool:
    # The last matching rule decides, so a deeper .syndetignore or a later "!keep" line wins.
    ignored = False
    for rule in rules:
        if rule.matches(rel, name, is_dir):
            ignored = not rule.negate
    return ignored


# --------------------------------------------------------------------------------------------
# the reader


def _csv_record(kept_index: int, invalid_rows: Sequence[int]) -> int:
    """CSV record number (header = 1) of the ``kept_index``-th row that was not skipped."""
    record = kept_index + 2
    for bad in invalid_rows:  # ascending, so each earlier skipped record shifts this one down
        if bad <= record:
            record += 1
        else:
            break
    return record


class CorpusReader:
    """Reads a corpus and yields Arrow batches of documents in :data:`DOC_SCHEMA`.

    ``inputs`` may be folders (walked recursively in sorted order), files (``.txt``, ``.md``,
    ``.html``, ``.htm``, ``.jsonl``, ``.ndjson``, ``.csv``, ``.parquet``) and ``"-"`` for JSONL
    on ``stdin``. Tables need an id column (``id_col``) and a text column (``text_col``) or an
    ``html`` column; ``url``, ``published``, ``source`` and ``title`` are read when present.
    Every unusable document is a :class:`Skip` in :attr:`skips`, also passed to ``on_skip``
    when it happens (a strict caller can raise from there to stop the scan).

    Iterating again re-reads the inputs and resets the counters and :attr:`skips`.
    """

    def __init__(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        *,
        id_col: str = "id",
        text_col: str = "text",
        batch_size: int = 4096,
        stdin: BinaryIO | None = None,
        on_skip: Callable[[Skip], None] | None = None,
    ) -> None:
        if not inputs:
            raise ConfigError("no input given: name at least one folder or file, or - for stdin")
        if batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {batch_size}")
        if not id_col or not text_col:
            raise ConfigError("the id and text column names must not be empty")
        #: The inputs as paths; ``"-"`` stands for stdin.
        self.inputs: list[str] = []
        self._is_stdin: list[bool] = []
        for item in inputs:
            path = os.fspath(item)
            # Only the plain string "-" means stdin; Path("-") is a file that happens to be
            # called "-". Checked now, before any work: a mistyped path is an option error.
            is_stdin = isinstance(item, str) and item == "-"
            if not is_stdin and not os.path.exists(path):
                raise CorpusError(f"input {path!r} does not exist")
            self.inputs.append(path)
            self._is_stdin.append(is_stdin)
        self.id_col = id_col
        self.text_col = text_col
        self.batch_size = batch_size
        self._stdin = stdin
        self._on_skip = on_skip
        # Column of DOC_SCHEMA -> column to read it from.
        self._sources = {
            "id": id_col,
            "text": text_col,
            "html": "html",
            "url": "url",
            "published": "published",
            "source": "source",
            "title": "title",
        }
        self._reset()

    # -- state ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self.skips: list[Skip] = []
        self.files_read = 0
        self.documents_read = 0
        self.files_ignored = 0
        # id -> index into _origins of the file it was first seen in. Python ints are shared,
        # so a file's documents all point at one int object: the cost per id is its key.
        self._seen: dict[str, int] = {}
        self._origins: list[str] = []
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._buf_ids: list[str] = []
        self._buf_text: list[str | None] = []
        self._buf_html: list[str | None] = []
        self._buf_origin: list[str] = []

    def _skip(self, where: str, reason: str, message: str, doc: str | None = None) -> None:
        skip = Skip(where=where, reason=reason, message=message, doc=doc)
        self.skips.append(skip)
        if self._on_skip is not None:
            self._on_skip(skip)

    def _origin_index(self, origin: str) -> int:
        self._origins.append(origin)
        return len(self._origins) - 1

    def _duplicate(self, where: str, doc: str, first: int) -> None:
        self._skip(
            where,
            "duplicate_id",
            f"{where}: id {doc!r} was already used by a document in {self._origins[first]}; "
            "kept the first one. Give every document a unique id.",
            doc,
        )

    # -- batching ------------------------------------------------------------------------

    def _push(self, table: pa.Table) -> Iterator[pa.Table]:
        """Queue documents; yield every full batch that is now available."""
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows < self.batch_size:
            return
        merged = pa.concat_tables(self._pending)
        start = 0
        while merged.num_rows - start >= self.batch_size:
            batch = merged.slice(start, self.batch_size)
            start += self.batch_size
            yield from self._emit(batch)
        rest = merged.slice(start)
        self._pending = [rest] if rest.num_rows else []
        self._pending_rows = rest.num_rows

    def _emit(self, batch: pa.Table) -> Iterator[pa.Table]:
        self.documents_read += batch.num_rows
        # One chunk per column, so consumers can take the buffers without re-assembling them.
        yield batch.combine_chunks()

    def _flush_files(self) -> Iterator[pa.Table]:
        """Turn the buffered file documents into a table, keeping their place in the order."""
        if not self._buf_ids:
            return
        n = len(self._buf_ids)
        table = pa.Table.from_arrays(
            [
                pa.array(self._buf_ids, _STRING),
                _string_array(self._buf_text),
                _string_array(self._buf_html),
                pa.nulls(n, _STRING),
                pa.nulls(n, _TIMESTAMP),
                pa.nulls(n, _STRING),
                pa.nulls(n, _STRING),
                pa.array(self._buf_origin, _STRING),
            ],
            schema=DOC_SCHEMA,
        )
        self._buf_ids, self._buf_text, self._buf_html, self._buf_origin = [], [], [], []
        yield from self._push(table)

    # -- the scan ------------------------------------------------------------------------

    def __iter__(self) -> Iterator[pa.Table]:
        self._reset()
        for item, is_stdin in zip(self.inputs, self._is_stdin, strict=True):
            if is_stdin:
                yield from self._flush_files()
                stream = self._stdin if self._stdin is not None else sys.stdin.buffer
                yield from self._read_jsonl_stream(stream, _STDIN)
            elif os.path.isdir(item):
                yield from self._scan_folder(item)
            else:
                yield from self._read_path(item, os.path.basename(item), direct=True)
        yield from self._flush_files()
        if self._pending_rows:
            batch = pa.concat_tables(self._pending)
            self._pending, self._pending_rows = [], 0
            yield from self._emit(batch)

    def _read_path(self, path: str, doc_id: str, *, direct: bool) -> Iterator[pa.Table]:
        ext = os.path.splitext(path)[1].lower()
        if ext in _TEXT_EXTS or ext in _HTML_EXTS:
            self._read_file_doc(path, doc_id, html=ext in _HTML_EXTS)
            if len(self._buf_ids) >= self.batch_size:
                yield from self._flush_files()
            return
        kind = _TABLE_EXTS.get(ext)
        if kind is None:
            if direct:  # named explicitly, so not reading it deserves a word
                self._skip(
                    path,
                    "unsupported_file",
                    f"{path}: syndet does not read {ext or 'extension-less'} files; "
                    f"supported: {_SUPPORTED}",
                )
            else:  # folders hold all sorts of files (images, sidecars): not worth a skip
                self.files_ignored += 1
            return
        yield from self._flush_files()
        if kind == "jsonl":
            try:
                stream = open(path, "rb")  # noqa: SIM115 - closed below, after streaming
            except OSError as exc:
                self._unreadable(path, exc)
                return
            with stream:
                yield from self._read_jsonl_stream(stream, path)
        elif kind == "csv":
            yield from self._read_csv(path)
        else:
            yield from self._read_parquet(path)

    def _unreadable(self, where: str, exc: BaseException, doc: str | None = None) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self._skip(
            where,
            "unreadable",
            f"{where}: cannot be read ({reason}); check it exists and is readable",
            doc,
        )

    # -- folders -------------------------------------------------------------------------

    def _scan_folder(self, root: str) -> Iterator[pa.Table]:
        for path, rel in self._walk(root):
            yield from self._read_path(path, rel, direct=False)

    def _walk(self, root: str) -> Iterator[tuple[str, str]]:
        """(path, path relative to ``root`` with / separators) of each file, in sorted order."""
        visited: set[tuple[int, int]] = set()

        def visit(
            folder: str, rel_folder: str, rules: list[_IgnoreRule]
        ) -> Iterator[tuple[str, str]]:
            try:
                info = os.stat(folder)
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as exc:
                self._unreadable(folder, exc)
                return
            # A symlink back up the tree would otherwise be walked forever.
            key = (info.st_dev, info.st_ino)
            if key in visited:
                return
            visited.add(key)
            rules = rules + self._ignore_rules(folder, rel_folder)
            for entry in entries:
                if entry.name.startswith("."):  # hidden: .git, editor swap files, .DS_Store
                    continue
                rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if _ignored(rules, rel, entry.name, is_dir):
                    self.files_ignored += 1  # an ignored folder counts once, unopened
                    continue
                if is_dir:
                    yield from visit(entry.path, rel, rules)
                else:
                    yield entry.path, rel

        yield from visit(root, "", [])

    def _ignore_rules(self, folder: str, rel_folder: str) -> list[_IgnoreRule]:
        path = os.path.join(folder, _IGNORE_FILE)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            self._unreadable(path, exc)
            return []
        return _parse_ignore(data.decode("utf-8", "replace"), rel_folder)

    def _read_file_doc(self, path: str, doc_id: str, *, html: bool) -> None:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            self._unreadable(path, exc, doc_id)
            return
        if not data:
            self._skip(
                path, "empty", f"{path}: file is empty (0 bytes); nothing to compare", doc_id
            )
            return
        if looks_binary(data):
            self._skip(
                path,
                "binary",
                f"{path}: looks like a binary file, not text; remove it "
                f"or list it in {_IGNORE_FILE}",
                doc_id,
            )
            return
        try:
            text, _ = decode_bytes(data, hint=html_declared_charset(data) if html else None)
        except UndecodableError:
            self._skip(
                path,
                "undecodable",
                f"{path}: cannot tell which text encoding this file uses; re-save it as UTF-8",
                doc_id,
            )
            return
        self.files_read += 1
        if not text.strip():
            self._skip(
                path, "empty", f"{path}: file holds only whitespace; nothing to compare", doc_id
            )
            return
        first = self._seen.get(doc_id)
        if first is not None:
            self._duplicate(path, doc_id, first)
            return
        self._seen[doc_id] = self._origin_index(path)
        self._buf_ids.append(doc_id)
        self._buf_text.append(None if html else text)
        self._buf_html.append(text if html else None)
        self._buf_origin.append(path)

    # -- tables --------------------------------------------------------------------------

    def _missing_columns(self, origin: str, found: Iterable[str]) -> bool:
        """Report (once, for the whole file) a table without the columns it needs."""
        names = list(dict.fromkeys(found))
        missing = []
        if self.id_col not in names:
            missing.append(f"no id column {self.id_col!r}")
        if self.text_col not in names and "html" not in names:
            missing.append(f"no text column {self.text_col!r} and no 'html' column")
        if not missing:
            return False
        shown = ", ".join(repr(n) for n in names[:20]) + (", ..." if len(names) > 20 else "")
        self._skip(
            origin,
            "missing_column",
            f"{origin}: {' and '.join(missing)} (columns found: {shown or 'none'}); "
            "name the right ones with --id-col / --text-col",
        )
        return True

    def _conform(self, table: pa.Table, origin: str) -> pa.Table:
        """Pick, rename and convert a table's columns into :data:`DOC_SCHEMA`."""
        n = table.num_rows
        names = set(table.column_names)
        columns: list[Any] = []
        for field in DOC_SCHEMA:
            if field.name == "origin":
                columns.append(pa.repeat(pa.scalar(origin, _STRING), n))
                continue
            source = self._sources[field.name]
            if source not in names:
                columns.append(pa.nulls(n, field.type))
            elif field.name == "published":
                columns.append(_to_timestamps(table.column(source)))
            else:
                columns.append(_to_strings(table.column(source)))
        return pa.Table.from_arrays(columns, schema=DOC_SCHEMA)

    def _accept(
        self, table: pa.Table, locate: Callable[[int], str], origin_index: int
    ) -> Iterator[pa.Table]:
        """Skip unusable and duplicate rows of a conformed table; queue the rest."""
        ids = table.column("id")
        text = table.column("text")
        html = table.column("html")
        id_ok = _has_content(ids)
        has_text = _has_content(text)
        usable = pc.and_(id_ok, pc.or_(has_text, _has_content(html)))
        keep: list[bool] = usable.to_pylist()
        if not pc.all(usable).as_py():
            # Rare rows: a Python loop over just these, to word each message.
            for i in pc.indices_nonzero(pc.invert(usable)).to_pylist():
                where = locate(i)
                doc = ids[i].as_py()
                if not id_ok[i].as_py():
                    self._skip(
                        where,
                        "bad_id",
                        f"{where}: the document's {self.id_col!r} is "
                        "missing or empty; give every document a unique id",
                    )
                elif not text[i].is_valid and not html[i].is_valid:
                    self._skip(
                        where,
                        "no_text",
                        f"{where}: document {doc!r} has no "
                        f"{self.text_col!r} and no 'html'; nothing to compare",
                        doc,
                    )
                else:
                    self._skip(
                        where,
                        "empty",
                        f"{where}: document {doc!r} has empty text; nothing to compare",
                        doc,
                    )
        # The one per-document Python step: ids must be unique across the whole scan.
        seen = self._seen
        for i, doc in enumerate(ids.to_pylist()):
            if not keep[i]:
                continue
            first = seen.get(doc)
            if first is None:
                seen[doc] = origin_index
            else:
                keep[i] = False
                self._duplicate(locate(i), doc, first)
        if not all(keep):
            table = table.filter(pa.array(keep, pa.bool_()))
            has_text = _has_content(table.column("text"))
        # Whitespace-only text next to real html means "not extracted": use the html.
        text = table.column("text")
        if pc.any(pc.and_(text.is_valid(), pc.invert(has_text))).as_py():
            cleared = pc.if_else(has_text, text, pa.scalar(None, _STRING))
            table = table.set_column(1, DOC_SCHEMA.field("text"), cleared)
        yield from self._push(table)

    def _finish_table(self, origin: str, rows: int, problems: int) -> None:
        """Count a table input as read, or skip it whole if it held nothing at all."""
        if rows or problems:
            self.files_read += 1
        else:
            self._skip(origin, "empty", f"{origin}: holds no documents; nothing to compare")

    # -- JSONL ---------------------------------------------------------------------------

    def _read_jsonl_stream(self, stream: BinaryIO, origin: str) -> Iterator[pa.Table]:
        try:
            block = stream.read(_JSONL_BLOCK)
        except OSError as exc:
            self._unreadable(origin, exc)
            return
        bom = bom_encoding(block)
        if bom is None and looks_binary(block):
            self._skip(
                origin,
                "binary",
                f"{origin}: looks like a binary file, not JSON lines; "
                "if it is compressed, decompress it first",
            )
            return
        # JSON is UTF-8, but Windows tools write UTF-16 with a BOM: transcode such input.
        decoder = None
        if bom == "utf-8-sig":
            block = block[len(codecs.BOM_UTF8) :]
        elif bom is not None:
            decoder = codecs.getincrementaldecoder(bom)()
        origin_index = self._origin_index(origin)
        state = _JsonlState()
        carry = b""
        while True:
            try:
                following = stream.read(_JSONL_BLOCK)
                final = not following
                if decoder is not None:
                    block = decoder.decode(block, final=final).encode("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                state.problems += 1
                where = f"{origin}:{state.line + 1}"
                if isinstance(exc, UnicodeDecodeError):
                    self._skip(
                        where,
                        "undecodable",
                        f"{where}: the text stops being valid {bom} "
                        "here; the rest of the input is not read",
                    )
                else:
                    self._unreadable(where, exc)
                break
            data = carry + block
            if final:
                carry = b""
            else:  # hold back the partial last line until the next block completes it
                cut = data.rfind(b"\n") + 1
                data, carry = data[:cut], data[cut:]
            if data and not data.isspace():  # isspace() scans without copying 32 MB
                if not state.checked and self._check_jsonl_keys(data, origin, state):
                    return
                yield from self._jsonl_chunk(data, origin, origin_index, state)
            else:
                state.line += data.count(b"\n")
            if final:
                break
            block = following
        self._finish_table(origin, state.rows, state.problems)

    def _check_jsonl_keys(self, data: bytes, origin: str, state: _JsonlState) -> bool:
        """True (and a missing_column skip) if the first records lack the needed keys."""
        keys: dict[str, None] = {}
        sampled = 0
        for raw in io.BytesIO(data):  # lazily, line by line: only the first few are needed
            if sampled >= _KEY_SAMPLE_LINES:
                break
            if raw.isspace():
                continue
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                keys.update(dict.fromkeys(record))
                sampled += 1
        # Until one record parses there is nothing to judge; the bad lines get their own skips.
        state.checked = sampled > 0
        return sampled > 0 and self._missing_columns(origin, keys)

    def _jsonl_chunk(
        self, data: bytes, origin: str, origin_index: int, state: _JsonlState
    ) -> Iterator[pa.Table]:
        """Parse whole lines ``data``; the first is line ``state.line + 1`` of the input."""
        import polars as pl

        first_line = state.line + 1
        state.line += data.count(b"\n")
        try:
            # The explicit all-string schema makes polars ignore other keys (whatever their
            # types) and turn numeric ids into strings.
            frame = pl.read_ndjson(
                io.BytesIO(data), schema=dict.fromkeys(self._sources.values(), pl.String)
            )
            raw = frame.to_arrow()
            line_numbers: list[int] | None = None

            def locate(i: int) -> str:
                nonlocal line_numbers
                if line_numbers is None:  # only worked out when a row is actually skipped
                    line_numbers = [
                        first_line + k for k, line in enumerate(data.split(b"\n")) if line.strip()
                    ]
                return f"{origin}:{line_numbers[i]}" if i < len(line_numbers) else origin

        except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
            # Some line is broken (or not UTF-8): read this block line by line so only the bad
            # lines are lost, each reported with its line number.
            raw, lines = self._jsonl_lines(data, origin, first_line, state)

            def locate(i: int) -> str:
                return f"{origin}:{lines[i]}"

        state.rows += raw.num_rows
        if raw.num_rows:
            yield from self._accept(self._conform(raw, origin), locate, origin_index)

    def _jsonl_lines(
        self, data: bytes, origin: str, first_line: int, state: _JsonlState
    ) -> tuple[pa.Table, list[int]]:
        columns: dict[str, list[str | None]] = {name: [] for name in self._sources.values()}
        lines: list[int] = []
        for k, raw in enumerate(data.split(b"\n")):
            if not raw.strip():
                continue
            where = f"{origin}:{first_line + k}"
            try:
                try:
                    record = json.loads(raw)
                except UnicodeDecodeError:
                    # Not UTF-8: decode the line as whatever encoding it is in.
                    record = json.loads(decode_bytes(raw)[0])
            except UndecodableError:
                state.problems += 1
                self._skip(
                    where,
                    "undecodable",
                    f"{where}: line is in no recognisable text encoding; re-save the file as UTF-8",
                )
                continue
            except (ValueError, RecursionError) as exc:
                state.problems += 1
                detail = (
                    f"{exc.msg} at column {exc.colno}"
                    if isinstance(exc, json.JSONDecodeError)
                    else str(exc)
                )
                self._skip(
                    where,
                    "malformed_json",
                    f"{where}: not valid JSON ({detail}); fix or delete this line",
                )
                continue
            if not isinstance(record, dict):
                state.problems += 1
                self._skip(
                    where,
                    "malformed_json",
                    f"{where}: a JSON {type(record).__name__}, "
                    "not an object; each line must be one {...} record",
                )
                continue
            for name, values in columns.items():
                values.append(_json_text(record.get(name)))
            lines.append(first_line + k)
        table = pa.table({name: _string_array(values) for name, values in columns.items()})
        return table, lines

    # -- CSV -----------------------------------------------------------------------------

    def _read_csv(self, path: str) -> Iterator[pa.Table]:
        import pyarrow.csv as pacsv

        try:
            with open(path, "rb") as handle:
                sample = handle.read(_CSV_SAMPLE)
        except OSError as exc:
            self._unreadable(path, exc)
            return
        bom = bom_encoding(sample)
        if bom is None and looks_binary(sample):
            self._skip(path, "binary", f"{path}: looks like a binary file, not CSV")
            return
        if not sample.strip():
            self._finish_table(path, 0, 0)
            return
        try:
            encoding = _csv_encoding(sample, bom)
        except UndecodableError:
            self._skip(
                path,
                "undecodable",
                f"{path}: cannot tell which text encoding this CSV uses; re-save it as UTF-8",
            )
            return
        header = _csv_header(sample, encoding)
        if self._missing_columns(path, header):
            return
        wanted = [name for name in dict.fromkeys(self._sources.values()) if name in header]
        invalid: list[tuple[int | None, int, int]] = []

        def on_invalid(row: Any) -> str:
            # Only recorded here: a skip raised from inside pyarrow's callback (by a strict
            # on_skip) would be mangled, so they are reported after each batch.
            invalid.append((row.number, row.expected_columns, row.actual_columns))
            return "skip"

        try:
            reader = pacsv.open_csv(
                path,
                # Single-threaded, because only then does pyarrow know each bad row's number.
                read_options=pacsv.ReadOptions(
                    use_threads=False, block_size=_CSV_BLOCK, encoding=encoding
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=wanted,
                    column_types=dict.fromkeys(wanted, _STRING),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowException, OSError) as exc:
            self._unreadable(path, exc)
            return
        origin_index = self._origin_index(path)
        bad_records: list[int] = []
        reported = kept = 0
        while True:
            batch = None
            error: BaseException | None = None
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                pass
            except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
                error = exc
            for number, expected, actual in invalid[reported:]:
                where = f"{path}:row {number if number is not None else '?'}"
                if number is not None:
                    bad_records.append(number)
                self._skip(
                    where,
                    "malformed_csv",
                    f"{where}: expected {expected} fields, found "
                    f"{actual}; check the quoting of this row",
                )
            reported = len(invalid)
            if error is not None:
                where = f"{path}:row {_csv_record(kept, bad_records)}"
                self._skip(
                    where,
                    "malformed_csv",
                    f"{where}: cannot parse the CSV from here on "
                    f"({error}); the rest of the file is not read",
                )
                break
            if batch is None:
                break
            if batch.num_rows:

                def locate(i: int, offset: int = kept) -> str:
                    return f"{path}:row {_csv_record(offset + i, bad_records)}"

                kept += batch.num_rows
                table = self._conform(pa.Table.from_batches([batch]), path)
                yield from self._accept(table, locate, origin_index)
        self._finish_table(path, kept, len(invalid) + (error is not None))

    # -- Parquet -------------------------------------------------------------------------

    def _read_parquet(self, path: str) -> Iterator[pa.Table]:
        import pyarrow.parquet as pq

        try:
            # pre_buffer (on by default) keeps every row group read in a cache until the file
            # is closed: the whole corpus at the end. A read buffer streams each column chunk.
            parquet = pq.ParquetFile(path, pre_buffer=False, buffer_size=_PARQUET_BUFFER)
            names = parquet.schema_arrow.names
        except (pa.ArrowException, OSError) as exc:
            self._skip(path, "unreadable", f"{path}: not a readable Parquet file ({exc})")
            return
        if self._missing_columns(path, names):
            return
        wanted = [name for name in dict.fromkeys(self._sources.values()) if name in names]
        origin_index = self._origin_index(path)
        problems = 0
        batches = parquet.iter_batches(batch_size=_PARQUET_BATCH, columns=wanted)
        offset = 0
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except (pa.ArrowException, OSError) as exc:
                problems += 1
                where = f"{path}:row {offset + 1}"
                self._skip(
                    where,
                    "unreadable",
                    f"{where}: Parquet data is corrupt from here on "
                    f"({exc}); the rest of the file is not read",
                )
                break

            def locate(i: int, start: int = offset) -> str:
                return f"{path}:row {start + i + 1}"

            offset += batch.num_rows
            if batch.num_rows:
                table = self._conform(pa.Table.from_batches([batch]), path)
                yield from self._accept(table, locate, origin_index)
        self._finish_table(path, offset, problems)


@dataclass
class _JsonlState:
    """Progress through one JSONL input."""

    line: int = 0  # lines consumed so far
    rows: int = 0  # records parsed
    problems: int = 0  # lines skipped as malformed or undecodable
    checked: bool = False  # whether the keys of the first records have been checked


def _csv_encoding(sample: bytes, bom: str | None) -> str:
    """The encoding to hand pyarrow's CSV reader, judged from the file's first bytes."""
    if bom == "utf-8-sig":
        return "utf8"  # pyarrow drops a UTF-8 BOM itself
    if bom is not None:
        return bom
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf8"
    except UnicodeDecodeError:
        return decode_bytes(sample)[1]


def _csv_header(sample: bytes, encoding: str) -> list[str]:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        return row
    return []
