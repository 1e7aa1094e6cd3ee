"""One renderer of an Answer, as Markdown (chat, eval report) or plain text (CLI)."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from assistant.models import Answer, Citation

#: Reserved top-level domains (RFC 2606/6761): a URL there is a placeholder, never a page to open.
_PLACEHOLDER_TLDS = frozenset({"invalid", "test", "example", "localhost", "local"})


def real_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL of a real host; None for placeholders (``demo.invalid``) and schemes
    such as ``javascript:``."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("http", "https") or "." not in host or host.rsplit(".", 1)[-1] in _PLACEHOLDER_TLDS:
        return None
    return url.strip()


def _when(c: Citation, fmt: str) -> str:
    return c.published.strftime(fmt) if c.published else "undated"


def citation_plain(c: Citation) -> str:
    """'[n] Title — Source, YYYY-MM-DD (doc_id start-end)'."""
    when = f", {c.published.isoformat()}" if c.published else ""
    return f"[{c.marker}] {c.title} — {c.source or 'unknown source'}{when} ({c.doc_id} {c.start}-{c.end})"


def citation_markdown(c: Citation) -> str:
    """Numbered entry: linked title when the document has a URL, source, date, the quote and its span."""
    url = real_url(c.url)
    title = f"[{html.escape(c.title)}]({url})" if url else html.escape(c.title)
    return (f"{c.marker}. {title} — {html.escape(c.source or 'unknown source')}, {_when(c, '%d %b %Y')}  \n"
            f"   > {html.escape(c.quote)}  \n   `{c.doc_id}` chars {c.start}–{c.end}")


def near_miss_line(answer: Answer) -> str | None:
    """'Closest passage, not used: it is dated 3 Oct 2016, not March 2015 — “...” (Title — Source, date; doc
    chars s–e)': why a refusal turned down the sentence that came nearest."""
    miss = answer.near_miss
    if not answer.abstained or miss is None:
        return None
    when = miss.published.isoformat() if miss.published else "undated"
    return (f"Closest passage, not used: it {'; it '.join(miss.reasons)} — “{miss.quote}” ({miss.title} — "
            f"{miss.source or 'unknown source'}, {when}; {miss.doc_id} chars {miss.start}–{miss.end})")


def _noted(answer: Answer, text: str, fmt: str = "{}") -> str:
    return "\n".join([*(fmt.format(n) for n in answer.notes), text]) if answer.notes else text


def render_plain(answer: Answer) -> str:
    """Notes, answer text, a blank line, then one reference line per citation."""
    if not answer.citations:
        missed = near_miss_line(answer)
        return _noted(answer, f"{answer.text}\n\n{missed}" if missed else answer.text)
    return _noted(answer, "\n".join([answer.text, "", *(citation_plain(c) for c in answer.citations)]))


def render_markdown(answer: Answer) -> str:
    """Answer text plus a **Sources** list with title, source, date and quoted sentence of each citation."""
    fmt = "_{}_  "
    if not answer.citations:
        missed = near_miss_line(answer)
        return _noted(answer, f"{answer.text}\n\n_{html.escape(missed)}_" if missed else answer.text, fmt)
    sources = [citation_markdown(c) for c in answer.citations]
    return _noted(answer, "\n".join([answer.text, "", "**Sources**", *sources]), fmt)
