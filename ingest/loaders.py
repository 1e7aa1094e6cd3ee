"""One loader per file type: bytes on disk -> normalised Documents (no ids of passages, no store)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from dateutil import parser as dateparser

from assistant.models import Document, MetaValue
from assistant.settings import IngestSettings
from ingest.text import normalise_text


class LoadError(Exception):
    """A file (or one record of it) cannot be ingested; the message names it and says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


# --- shared helpers ---------------------------------------------------------------------------------------

def parse_date(value: Any) -> date | None:
    """A published date from whatever a file holds; None when it is not a single recognisable date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text or len(text) > 40 or not re.search(r"\d{2,4}", text):
        return None
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        return dateparser.parse(text, default=datetime(1900, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def _meta_value(value: Any) -> MetaValue | None:
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        value = value.strip()
        return value[:300] if value else None
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v)[:120] for v in value][:30]
    return None


def _first(record: dict[str, Any], keys: Iterable[str]) -> Any:
    lowered = {k.lower(): v for k, v in record.items() if isinstance(k, str)}
    for key in keys:
        value = lowered.get(key)
        if value not in (None, "", []):
            return value
    return None


_TITLE_KEYS = ("title", "headline", "subject", "article_title", "name")
_SOURCE_KEYS = ("source", "publisher", "site", "site_name", "outlet", "author")
_DATE_KEYS = ("date", "published", "pubdate", "publish_date", "published_at", "event_date", "datetime")
_URL_KEYS = ("url", "link", "canonical", "source_url")
_ID_KEYS = ("id", "event_id_cnty", "event_id", "unit_id", "uid", "record_id")


def _published(record: dict[str, Any]) -> date | None:
    lowered = {k.lower(): v for k, v in record.items() if isinstance(k, str)}
    for key in _DATE_KEYS:
        found = parse_date(lowered.get(key))
        if found:
            return found
    return None


def _document(
    doc_id: str, text: str, fields: dict[str, Any], fallback_title: str, path: Path,
    skip: Iterable[str] = (),
) -> Document:
    """Build a Document from a record's fields; the fields not used for title/source/date go to metadata."""
    if not text.strip():
        raise LoadError(doc_id, "no text")
    used = {k.lower() for k in skip} | set(_TITLE_KEYS[:1]) | {"id"}
    metadata = {
        k: mv for k, v in fields.items()
        if isinstance(k, str) and k.lower() not in used and (mv := _meta_value(v)) is not None
    }
    title = _first(fields, _TITLE_KEYS)
    source = _first(fields, _SOURCE_KEYS)
    url = _first(fields, _URL_KEYS)
    return Document(
        doc_id=doc_id,
        title=str(title).strip() if title else fallback_title,
        source=str(source).strip() if source else None,
        published=_published(fields),
        url=str(url).strip() if url else None,
        text=text,
        path=str(path),
        metadata=metadata,
    )


# Byte-order marks of the UTF encodings whose text holds NUL bytes; UTF-32 first, its LE mark starts with UTF-16's.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)


def read_text(path: Path, limit_mb: float) -> str:
    """Decode a text file: UTF-16/UTF-32 when it starts with their byte-order mark, else UTF-8, else the
    detected legacy encoding; binary files are refused."""
    size = path.stat().st_size
    if size > limit_mb * 1024 * 1024:
        raise LoadError(str(path), f"file is {size / 2**20:.1f} MB, over the {limit_mb:g} MB limit "
                                   "(SITREP_INGEST__MAX_FILE_MB)")
    data = path.read_bytes()
    wide = _decode_wide(data)
    if wide is not None:
        if not wide.strip():
            raise LoadError(str(path), "file is empty")
        _refuse_binary(path, wide)
        return wide
    if not data.strip():
        raise LoadError(str(path), "file is empty")
    if b"\x00" in data[:8192]:
        raise LoadError(str(path), "looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode(_legacy_encoding(data), errors="replace")
    _refuse_binary(path, text)
    return text


def _decode_wide(data: bytes) -> str | None:
    """The text of a file with a UTF-16 or UTF-32 byte-order mark (the codec reads the mark for the byte
    order and drops it); None without a mark or when the bytes after it do not decode (then the caller's
    binary check decides)."""
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _refuse_binary(path: Path, text: str) -> None:
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t")
    if controls > 0.01 * min(len(text), 20000):
        raise LoadError(str(path), "looks like a binary file, not text")


_HIGH = re.compile(rb"[\x80-\xff]+")


def _legacy_encoding(data: bytes) -> str:
    """cp1252 when the non-ASCII bytes stand alone among ASCII letters (Western text, where detection misreads
    short samples as cp775, cp1125, mac_latin2 …); detection when they form whole words (Cyrillic, Greek,
    Arabic code pages)."""
    runs = [len(m) for m in _HIGH.findall(data[:1_000_000])]
    if sum(n for n in runs if n >= 3) <= 0.25 * sum(runs):
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    return best.encoding if best is not None else "cp1252"


# --- per-format loaders -----------------------------------------------------------------------------------

_TXT_HEADER = re.compile(r"^(title|source|publisher|date|published|url|author|location)\s*:\s*(.+)$", re.I)


def load_txt(path: Path, rel: str, settings: IngestSettings) -> list[Document]:
    """Plain text; an optional 'Key: value' header block (Title/Source/Date/URL) becomes metadata."""
    raw = read_text(path, settings.max_file_mb)
    lines = raw.replace("\r\n", "\n").split("\n")
    header: dict[str, Any] = {}
    i = 0
    while i < len(lines) and (m := _TXT_HEADER.match(lines[i].strip())):
        header[m[1].lower()] = m[2].strip()
        i += 1
    if header and i < len(lines) and lines[i].strip():
        header, i = {}, 0  # not a header block: the body starts right away
    text = normalise_text("\n".join(lines[i:]))
    first_line = text.split("\n", 1)[0]
    fallback = first_line if 0 < len(first_line) <= 150 else _title_from_name(path)
    return [_document(rel, text, header, fallback, path)]


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def load_markdown(path: Path, rel: str, settings: IngestSettings) -> list[Document]:
    """Markdown; YAML front matter becomes metadata, markup is stripped from the text."""
    raw = read_text(path, settings.max_file_mb).replace("\r\n", "\n")
    fields: dict[str, Any] = {}
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = yaml.safe_load(match[1])
        except yaml.YAMLError as exc:
            raise LoadError(str(path), f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
        fields = loaded if isinstance(loaded, dict) else {}
        raw = raw[match.end():]
    raw = raw.replace("[object Object]", "")  # artefact of some site exports
    heading = re.search(r"^#\s+(.+)$", raw, re.M)
    text = normalise_text(raw, markdown=True)
    fallback = heading[1].strip() if heading else _title_from_name(path)
    return [_document(rel, text, fields, fallback, path)]


_HTML_DROP = ["script", "style", "noscript", "nav", "aside", "footer", "form", "iframe", "svg", "button"]
_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "figcaption", "td", "dd"]


def load_html(path: Path, rel: str, settings: IngestSettings) -> list[Document]:
    """HTML: the article's main text (not menus, asides or footers) plus meta tags."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text(path, settings.max_file_mb), "lxml")
    fields = _html_meta(soup)
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for header in root.find_all("header"):
        if not header.find_parent("article") and header.name == "header" and root.name != "article":
            header.decompose()
    blocks = [b.get_text(" ", strip=True) for b in root.find_all(_HTML_BLOCKS) if not b.find(_HTML_BLOCKS)]
    text = normalise_text("\n\n".join(b for b in blocks if b) or root.get_text("\n"))
    h1 = root.find("h1")
    fallback = h1.get_text(" ", strip=True) if h1 else _title_from_name(path)
    return [_document(rel, text, fields, fallback, path)]


def _html_meta(soup: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    names = {
        "og:title": "title", "og:site_name": "source", "author": "author", "article:published_time": "date",
        "date": "date", "pubdate": "date", "dc.date": "date", "og:url": "url", "description": "description",
    }
    for meta in soup.find_all("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in names and meta.get("content") and names[key] not in fields:
            fields[names[key]] = meta["content"]
    if "title" not in fields and soup.title and soup.title.string:
        fields["title"] = soup.title.string.strip()
    canonical = soup.find("link", rel="canonical")
    if canonical and canonical.get("href") and "url" not in fields:
        fields["url"] = canonical["href"]
    if "source" not in fields and "author" in fields:
        fields["source"] = fields.pop("author")
    return fields


def load_pdf(path: Path, rel: str, settings: IngestSettings) -> list[Document]:
    """PDF text, with lines re-flowed into paragraphs; title/author/date from the PDF info."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    size = path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        raise LoadError(str(path), f"file is {size / 2**20:.1f} MB, over the {settings.max_file_mb:g} MB limit")
    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        info: Any = reader.metadata or {}
    except (PdfReadError, ValueError, OSError) as exc:
        raise LoadError(str(path), f"unreadable PDF ({exc})") from exc
    fields: dict[str, Any] = {
        "title": info.get("/Title"), "source": info.get("/Author"), "subject": info.get("/Subject"),
    }
    created = getattr(reader.metadata, "creation_date", None) if reader.metadata else None
    fields["date"] = _date_in(str(fields["title"] or "")) or created
    text = normalise_text("\n\n".join(_reflow(p) for p in pages))
    return [_document(rel, text, {k: v for k, v in fields.items() if v}, _title_from_name(path), path)]


def _date_in(text: str) -> date | None:
    match = re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4}", text)
    return parse_date(match[0]) if match else None


def _reflow(page: str) -> str:
    """Join the lines a PDF wrapped, keeping breaks after sentence ends and short (heading) lines."""
    out: list[str] = []
    for line in (ln.strip() for ln in page.split("\n")):
        if not line:
            out.append("")
        elif out and out[-1] and not re.search(r"[.!?:\"']$", out[-1]) and len(out[-1]) > 40:
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n".join(out)


def _record_docs(
    records: Iterable[tuple[str, Any]], path: Path, rel: str, settings: IngestSettings
) -> tuple[list[Document], list[LoadError]]:
    docs: list[Document] = []
    errors: list[LoadError] = []
    seen: set[str] = set()
    for where, record in records:
        try:
            if not isinstance(record, dict):
                raise LoadError(f"{rel} {where}", "record is not a JSON object")
            body = _first(record, settings.text_fields)
            if not isinstance(body, str) or not body.strip():
                raise LoadError(f"{rel} {where}", f"no text field (one of {', '.join(settings.text_fields)})")
            rid = str(_first(record, _ID_KEYS) or where.split()[-1])
            doc_id = f"{rel}#{rid}"
            if doc_id in seen:
                raise LoadError(f"{rel} {where}", f"duplicate record id {rid!r}")
            seen.add(doc_id)
            skip = [k for k in record if k.lower() in settings.text_fields]
            docs.append(_document(doc_id, normalise_text(body), record, f"{rel} #{rid}", path, skip))
        except LoadError as exc:
            errors.append(exc)
    return docs, errors


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
    if not _first(row, _TITLE_KEYS):
        parts = [str(row[k]) for k in ("event_type", "location", "event_date") if row.get(k)]
        if parts:
            row["title"] = " – ".join(parts)
    return row


def _title_from_name(path: Path) -> str:
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[-_ ]*", "", path.stem)
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or path.name


Loader = Callable[[Path, str, IngestSettings], "list[Document] | tuple[list[Document], list[LoadError]]"]

LOADERS: dict[str, Loader] = {
    ".txt": load_txt, ".text": load_txt, ".md": load_markdown, ".markdown": load_markdown,
    ".html": load_html, ".htm": load_html, ".pdf": load_pdf, ".jsonl": load_jsonl, ".ndjson": load_jsonl,
    ".json": load_json, ".csv": load_csv,
}


def load_file(path: Path, rel: str, settings: IngestSettings) -> tuple[list[Document], list[LoadError]]:
    """Documents in a file plus the per-record problems; a whole-file problem raises LoadError."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(str(path), f"unsupported file type {path.suffix or '(none)'}")
    try:
        result = loader(path, rel, settings)
    except LoadError as exc:
        if exc.path == rel:  # raised from _document for a whole-file document
            raise LoadError(str(path), exc.reason) from exc
        raise
    except (OSError, UnicodeError, ValueError) as exc:
        raise LoadError(str(path), f"cannot read ({exc})") from exc
    if isinstance(result, tuple):
        return result
    return result, []
