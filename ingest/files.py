"""What every loader shares: decoding files, dates, record fields, and building a Document."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dateutil import parser as dateparser

from assistant.errors import SitrepError
from assistant.knowledge import record_keys
from assistant.models import Document, MetaValue


class LoadError(SitrepError):
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


def meta_value(value: Any) -> MetaValue | None:
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


def first(record: dict[str, Any], keys: Iterable[str]) -> Any:
    lowered = {k.lower(): v for k, v in record.items() if isinstance(k, str)}
    for key in keys:
        value = lowered.get(key)
        if value not in (None, "", []):
            return value
    return None


#: Field names of record files (assistant/knowledge/data/records.yaml): first present key wins.
_KEYS = record_keys()
TITLE_KEYS = tuple(_KEYS.title_keys)
SOURCE_KEYS = tuple(_KEYS.source_keys)
DATE_KEYS = tuple(_KEYS.date_keys)
URL_KEYS = tuple(_KEYS.url_keys)
ID_KEYS = tuple(_KEYS.id_keys)
DATELINES = tuple(re.compile(p) for p in _KEYS.datelines)


def dateline(text: str) -> date | None:
    """The date a record's text opens with (records.yaml ``datelines``): the article's own word on when it was
    published, which beats a dataset's date column when the two disagree."""
    for pattern in DATELINES:
        m = pattern.match(text[:80])
        if m is None:
            continue
        month = m["month"]
        try:
            number = int(month) if month.isdigit() else datetime.strptime(month[:3], "%b").month
            return date(int(m["year"]), number, int(m["day"]))
        except ValueError:
            continue
    return None


def _published(record: dict[str, Any]) -> date | None:
    lowered = {k.lower(): v for k, v in record.items() if isinstance(k, str)}
    for key in DATE_KEYS:
        found = parse_date(lowered.get(key))
        if found:
            return found
    return None


def make_document(
    doc_id: str, text: str, fields: dict[str, Any], fallback_title: str, path: Path,
    skip: Iterable[str] = (),
) -> Document:
    """Build a Document from a record's fields; the fields not used for title/source/date go to metadata (a date
    field that the text's own dateline overrules stays there too)."""
    if not text.strip():
        raise LoadError(doc_id, "no text")
    used = {k.lower() for k in skip} | set(TITLE_KEYS[:1]) | {"id"}
    metadata = {
        k: mv for k, v in fields.items()
        if isinstance(k, str) and k.lower() not in used and (mv := meta_value(v)) is not None
    }
    title = first(fields, TITLE_KEYS)
    source = first(fields, SOURCE_KEYS)
    url = first(fields, URL_KEYS)
    return Document(
        doc_id=doc_id,
        title=str(title).strip() if title else fallback_title,
        source=str(source).strip() if source else None,
        published=dateline(text) or _published(fields),
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


def title_from_name(path: Path) -> str:
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[-_ ]*", "", path.stem)
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or path.name
