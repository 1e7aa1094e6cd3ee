"""Record files (JSON, JSON Lines, CSV): one Document per record, id ``path#<record id>``.

A record id that repeats within a file gets a suffix (``#<id>-2``, ``#<id>-3`` …) in file order, so every
record is ingested (a repeated id is common in exports, e.g. 9 rows of FA-KES) and the first keeps its id.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.models import Document
from assistant.settings import IngestSettings
from ingest.files import ID_KEYS, TITLE_KEYS, LoadError, first, make_document, read_text
from ingest.text import normalise_text


def _record_docs(
    records: Iterable[tuple[str, Any]], path: Path, rel: str, settings: IngestSettings
) -> tuple[list[Document], list[LoadError]]:
    docs: list[Document] = []
    errors: list[LoadError] = []
    seen: dict[str, int] = {}
    for where, record in records:
        try:
            if not isinstance(record, dict):
                raise LoadError(f"{rel} {where}", "record is not a JSON object")
            body = first(record, settings.text_fields)
            if not isinstance(body, str) or not body.strip():
                raise LoadError(f"{rel} {where}", f"no text field (one of {', '.join(settings.text_fields)})")
            rid = str(first(record, ID_KEYS) or where.split()[-1])
            seen[rid] = seen.get(rid, 0) + 1
            if seen[rid] > 1:  # a repeated id: keep the record under a suffixed id (see module docstring)
                rid = _free_id(rid, seen)
            doc_id = f"{rel}#{rid}"
            skip = [k for k in record if k.lower() in settings.text_fields]
            docs.append(make_document(doc_id, normalise_text(body), record, f"{rel} #{rid}", path, skip))
        except LoadError as exc:
            errors.append(exc)
    return docs, errors


def _free_id(rid: str, seen: dict[str, int]) -> str:
    n = seen[rid]
    while f"{rid}-{n}" in seen:
        n += 1
    seen[f"{rid}-{n}"] = 1
    return f"{rid}-{n}"


def load_jsonl(path: Path, rel: str, settings: IngestSettings) -> tuple[list[Document], list[LoadError]]:
    """JSON Lines: one record per line; a malformed line is reported and skipped, the rest kept."""
    raw = read_text(path, settings.max_file_mb)
    records: list[tuple[str, Any]] = []
    errors: list[LoadError] = []
    for n, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((f"line {n}", json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append(LoadError(f"{rel} line {n}", f"malformed JSON ({exc.msg})"))
    docs, record_errors = _record_docs(records, path, rel, settings)
    return docs, errors + record_errors


def load_json(path: Path, rel: str, settings: IngestSettings) -> tuple[list[Document], list[LoadError]]:
    """JSON: a list of records, an object with such a list under records/items/data, or one record."""
    raw = read_text(path, settings.max_file_mb)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LoadError(str(path), f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    if isinstance(data, dict):
        inner = next((data[k] for k in ("records", "items", "data", "documents") if isinstance(data.get(k), list)),
                     None)
        data = inner if inner is not None else [data]
    if not isinstance(data, list):
        raise LoadError(str(path), "JSON must hold a record or a list of records")
    return _record_docs([(f"record {i}", r) for i, r in enumerate(data, start=1)], path, rel, settings)


def load_csv(path: Path, rel: str, settings: IngestSettings) -> tuple[list[Document], list[LoadError]]:
    """CSV: one record per row; the text comes from the first present of the configured text columns.

    A bad row is reported ("{rel} line N: ...") and skipped, the other rows are kept:

    * a row with more fields than the header (its columns cannot be trusted), N the line it starts on;
    * a quoted field whose quote is not closed, N the line the quote opened on. The csv module reads on
      until the next quote character in the file, however many rows later, and merges everything in
      between into one field (to the end of the file when there is none). Such a field is recognised when
      it never closes, or when it spans lines and its "closing" quote is followed by more text instead of a
      comma or line end (a quote paired with an opening quote of a later row). The row is skipped and
      reading starts afresh on the line after the quote, so the rows below are kept; after five such quotes
      the rest of the file is skipped (each restart re-reads the rest: this bounds the cost). A stray quote
      paired with one that happens to end a field (``x",``) goes unnoticed;
    * anything else the csv module rejects: that row and the rest of the file are skipped.

    A malformed header or no text column refuses the whole file.
    """
    raw = read_text(path, settings.max_file_mb)
    if csv.field_size_limit() < len(raw):  # a report longer than 128 KB is not a malformed field
        csv.field_size_limit(len(raw))
    header, records, errors = _csv_records(raw, path, rel)
    columns = [c.strip() for c in header]
    text_col = next((c for c in settings.csv_text_columns if c in {x.lower() for x in columns}), None)
    if text_col is None:
        raise LoadError(str(path), f"no text column: expected one of {', '.join(settings.csv_text_columns)} "
                                   "(set SITREP_INGEST__CSV_TEXT_COLUMNS)")
    rows: list[tuple[str, Any]] = []
    for last_line, fields in records:
        # as csv.DictReader: missing trailing fields are None (extra ones were refused by _csv_records)
        row = dict(zip(columns, [*fields, *[None] * (len(columns) - len(fields))], strict=True))
        row["text"] = row.pop(next(k for k in row if k.lower() == text_col), "")
        rows.append((f"row {last_line}", _csv_title(row)))
    csv_settings = settings.model_copy(update={"text_fields": ["text"]})
    docs, record_errors = _record_docs(rows, path, rel, csv_settings)
    return docs, errors + record_errors


_MAX_QUOTE_RESTARTS = 5


class _Lines:
    """The lines of a text for csv.reader, counting those handed out and noticing a request past the end
    (the reader asks for one only while inside an unclosed quoted field)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.next = 0  # index of the next line to hand out = number of lines read so far
        self.past_end = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.next >= len(self.lines):
            self.past_end = True
            raise StopIteration
        self.next += 1
        return self.lines[self.next - 1]


def _csv_records(raw: str, path: Path, rel: str) -> tuple[list[str], list[tuple[int, list[str]]], list[LoadError]]:
    """The header, the good rows (as the number of the line each ends on, and its fields) and the problems."""
    source = _Lines(io.StringIO(raw, newline="").readlines())  # the csv module's own idea of lines
    reader = csv.reader(source)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    errors: list[LoadError] = []
    restarts = 0
    while True:
        first = source.next + 1  # the line the next row starts on
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                raise LoadError(str(path), f"malformed CSV header ({exc})") from exc
            errors.append(LoadError(f"{rel} line {first}", f"malformed CSV ({exc}); skipped the rest of the file"))
            break
        last = source.next
        opened = _unclosed_quote(source.lines[first - 1:last], first) if last > first or source.past_end else None
        if opened is not None:
            if header is None:
                raise LoadError(str(path), f"malformed CSV header: the quote opened on line {opened} is not closed")
            restarts += 1
            if restarts > _MAX_QUOTE_RESTARTS:
                errors.append(LoadError(f"{rel} line {opened}", "quoted field not closed; skipped the rest of the "
                                                                "file (too many unclosed quotes)"))
                break
            errors.append(LoadError(f"{rel} line {opened}", "quoted field not closed; skipped this row"))
            source.next, source.past_end = opened, False  # read on from the line after the quote
            reader = csv.reader(source)
            continue
        if not fields:  # blank line
            continue
        if header is None:
            header = fields
        elif len(fields) > len(header):
            errors.append(LoadError(f"{rel} line {first}", "row has more fields than the header"))
        else:
            records.append((last, fields))
    return header or [], records, errors


_FIELD_END = re.compile(r"[,\r\n]")
_LINE_END = re.compile(r"\r\n?|\n")


def _unclosed_quote(lines: list[str], first: int) -> int | None:
    """The line (the first one numbered ``first``) where a quoted field of this one CSV record opens that never
    closes, or that closes on a later line with text rather than a comma or line end after the quote; None
    when the record's quotes are sound. Follows the csv module's default (excel) dialect, which outside
    strict mode takes text after a closing quote as more of the field."""
    text = "".join(lines)
    pos = 0
    while True:  # pos is at the start of a field
        if text.startswith('"', pos):
            opened = pos
            close = text.find('"', pos + 1)
            while close >= 0 and text.startswith('"', close + 1):  # "" stands for one quote
                close = text.find('"', close + 2)
            if close < 0 or (
                not _FIELD_END.match(text, close + 1) and close + 1 < len(text)
                and _LINE_END.search(text, opened, close)
            ):
                return first + len(_LINE_END.findall(text, 0, opened))
            pos = close + 1
        end = _FIELD_END.search(text, pos)  # the rest of the field is plain text
        if end is None or end[0] != ",":
            return None
        pos = end.end()


def _csv_title(row: dict[str, Any]) -> dict[str, Any]:
    if not first(row, TITLE_KEYS):
        parts = [str(row[k]) for k in ("event_type", "location", "event_date") if row.get(k)]
        if parts:
            row["title"] = " – ".join(parts)
    return row
