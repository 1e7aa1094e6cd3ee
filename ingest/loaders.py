"""One loader per file type: bytes on disk -> normalised Documents (no ids of passages, no store).

Text-like formats live here; record files (JSON, JSONL, CSV) in ``ingest.records``; shared helpers in
``ingest.files``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from assistant.knowledge.loader import safe_yaml
from assistant.models import Document
from assistant.settings import IngestSettings
from ingest.files import LoadError, make_document, parse_date, read_text, title_from_name
from ingest.records import load_csv, load_json, load_jsonl
from ingest.text import normalise_text

__all__ = ["LOADERS", "LoadError", "load_file", "parse_date", "read_text"]


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
    fallback = first_line if 0 < len(first_line) <= 150 else title_from_name(path)
    return [make_document(rel, text, header, fallback, path)]


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def load_markdown(path: Path, rel: str, settings: IngestSettings) -> list[Document]:
    """Markdown; YAML front matter becomes metadata, markup is stripped from the text."""
    raw = read_text(path, settings.max_file_mb).replace("\r\n", "\n")
    fields: dict[str, Any] = {}
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = safe_yaml(match[1])  # libyaml: most of a re-ingest of unchanged files
        except yaml.YAMLError as exc:
            raise LoadError(str(path), f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
        fields = loaded if isinstance(loaded, dict) else {}
        raw = raw[match.end():]
    raw = raw.replace("[object Object]", "")  # artefact of some site exports
    heading = re.search(r"^#\s+(.+)$", raw, re.M)
    text = normalise_text(raw, markdown=True)
    fallback = heading[1].strip() if heading else title_from_name(path)
    return [make_document(rel, text, fields, fallback, path)]


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
    fallback = h1.get_text(" ", strip=True) if h1 else title_from_name(path)
    return [make_document(rel, text, fields, fallback, path)]


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
    return [make_document(rel, text, {k: v for k, v in fields.items() if v}, title_from_name(path), path)]


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
