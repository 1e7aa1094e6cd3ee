"""HTML for the workbench: the answer with clickable ``[n]`` markers, the evidence panel, the document viewer.

Everything that comes from the corpus or from a user is escaped here (``esc``), so a report holding
``<script>``, ``<img onerror=…>`` or a Markdown ``javascript:`` link is shown as text. The chat renders
Markdown, so ``esc`` also turns Markdown's punctuation into character references: no link, image or emphasis
can be formed from corpus text. Only the markup written in this module is live.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from assistant.answer.markers import MARKER_RUN
from assistant.answer.render import near_miss_line, real_url
from assistant.models import Answer, Citation, Document, RetrievedPassage

#: Whole documents up to this size are embedded in the panel; longer ones are cut around the span.
DOC_WINDOW = 60_000
#: Characters of context shown around a quote when its passage is not among the retrieved ones.
CONTEXT = 400

_SPECIAL = {c: f"&#{ord(c)};" for c in "&<>\"'`[]()*_#!|~\\$:{}="}
_SPECIAL_RE = re.compile("[" + re.escape("".join(_SPECIAL)) + "]")
_NUM = re.compile(r"\d+")


def esc(text: str | None) -> str:
    """Text as inert HTML: HTML and Markdown punctuation become character references."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], text or "")


def anchor(turn: int, marker: int) -> str:
    """Element id of citation ``marker`` of answer ``turn`` in the evidence panel."""
    return f"sitrep-cite-{turn}-{marker}"


def _marker_link(turn: int, n: int) -> str:
    return (f'<a class="sitrep-marker" href="#{anchor(turn, n)}" data-marker="{n}" data-turn="{turn}" '
            f'title="Show citation {n}">[{n}]</a>')


def answer_html(answer: Answer, turn: int, asked: str | None = None) -> str:
    """The answer text escaped, its ``[n]`` markers links to the panel; a refusal says what was searched."""
    known = {c.marker for c in answer.citations}
    parts: list[str] = []
    pos = 0
    for m in MARKER_RUN.finditer(answer.text):
        parts.append(esc(answer.text[pos:m.start()]))
        nums = [int(n) for n in _NUM.findall(m.group())]
        parts.append(" " + "".join(_marker_link(turn, n) if n in known else esc(f"[{n}]") for n in nums))
        pos = m.end()
    parts.append(esc(answer.text[pos:]))
    body = "".join(parts).replace("\n", "<br>")
    notes = []
    if asked is not None and answer.question.strip() != asked.strip():
        notes.append(f'<div class="sitrep-rewritten">Searched for: <em>{esc(answer.question)}</em></div>')
    if answer.abstained:
        n = len(answer.passages)
        notes.append(f'<div class="sitrep-refusal-note">No quoted evidence: {n} passage{"s" * (n != 1)} '
                     "searched, listed in the evidence panel.</div>")
        missed = near_miss_line(answer)
        if missed:
            notes.append(f'<div class="sitrep-near-miss">{esc(missed)}</div>')
    return f'<div class="sitrep-answer{" sitrep-refusal" * answer.abstained}">{body}</div>' + "".join(notes)


def _when(d: date | None) -> str:
    return d.strftime("%d %b %Y") if d else "undated"


def _title(title: str, url: str | None) -> str:
    link = real_url(url)
    if link:
        return f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer nofollow">{esc(title)}</a>'
    return esc(title)


def highlight(text: str, start: int, end: int, mark_id: str | None = None) -> str:
    """``text`` escaped with ``text[start:end]`` in a ``<mark>``."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    ident = f' id="{mark_id}"' if mark_id else ""
    return f"{esc(text[:start])}<mark{ident}>{esc(text[start:end])}</mark>{esc(text[end:])}".replace("\n", "<br>")


def _context(c: Citation, passages: dict[str, RetrievedPassage], doc: Document | None) -> str:
    """The quote in its passage (or, failing that, in a window of the document), highlighted."""
    hit = passages.get(c.passage_id)
    if hit is not None:
        p = hit.view.passage
        if p.start <= c.start and c.end <= p.end:
            return highlight(p.text, c.start - p.start, c.end - p.start)
    if doc is not None and c.end <= len(doc.text):
        lo, hi = max(0, c.start - CONTEXT), min(len(doc.text), c.end + CONTEXT)
        return ("…" * (lo > 0)) + highlight(doc.text[lo:hi], c.start - lo, c.end - lo) + ("…" * (hi < len(doc.text)))
    return f"<mark>{esc(c.quote)}</mark>"


def document_html(doc: Document, start: int, end: int, mark_id: str, window: int = DOC_WINDOW) -> str:
    """The stored text of a document with the span marked; documents longer than ``window`` are cut around it."""
    text, offset = doc.text, 0
    if len(text) > window:
        offset = max(0, min(start - window // 2, len(text) - window))
        text = text[offset:offset + window]
    cut = '<div class="sitrep-meta">(excerpt of a long document)</div>' if offset or len(text) < len(doc.text) else ""
    return cut + f'<div class="sitrep-doc-text">{highlight(text, start - offset, end - offset, mark_id)}</div>'


def _verified(answer: Answer, c: Citation, doc: Document | None) -> bool:
    """The statements citing it are verified and the stored text still holds the quote at its span."""
    backing = [s for s in answer.statements if c.marker in s.markers]
    return all(s.verified for s in backing) and doc is not None and doc.text[c.start:c.end] == c.quote


def _citation_card(c: Citation, answer: Answer, turn: int, passages: dict[str, RetrievedPassage],
                   doc: Document | None) -> str:
    ok = _verified(answer, c, doc)
    badge = ('<span class="sitrep-ok">verified</span>' if ok
             else '<span class="sitrep-warn">unverified</span>')
    meta = (f'<div class="sitrep-meta">{esc(c.source or "unknown source")} · {_when(c.published)} · {badge} · '
            f'<code>{esc(c.doc_id)}</code></div>')
    opened = ""
    if doc is not None:
        body = document_html(doc, c.start, c.end, f"{anchor(turn, c.marker)}-span")
        opened = (f'<details class="sitrep-doc" data-mark="{anchor(turn, c.marker)}-span"><summary>open document'
                  f"</summary>{body}</details>")
    return (f'<div class="sitrep-cite" id="{anchor(turn, c.marker)}" tabindex="-1">'
            f'<div class="sitrep-cite-head"><span class="sitrep-num">[{c.marker}]</span> {_title(c.title, c.url)}</div>'
            f'{meta}<div class="sitrep-context">{_context(c, passages, doc)}</div>{opened}</div>')


def _passage_card(hit: RetrievedPassage) -> str:
    v = hit.view
    return (f'<div class="sitrep-passage"><div class="sitrep-cite-head">#{hit.rank} {_title(v.title, v.url)}</div>'
            f'<div class="sitrep-meta">{esc(v.source or "unknown source")} · {_when(v.published)} · '
            f'<code>{esc(v.passage.doc_id)}</code></div>'
            f'<div class="sitrep-context">{esc(v.passage.text).replace(chr(10), "<br>")}</div></div>')


def evidence_html(answer: Answer | None, turn: int, document: Callable[[str], Document | None]) -> str:
    """The evidence panel for one answer: cited passages (grouped by source when several report), then the
    other retrieved passages, collapsed (open for a refusal, so it shows what was searched)."""
    if answer is None:
        return '<div class="sitrep-panel sitrep-empty">Ask a question: its evidence appears here.</div>'
    passages = {p.view.passage.passage_id: p for p in answer.passages}
    docs = {c.doc_id: document(c.doc_id) for c in answer.citations}
    out = ['<div class="sitrep-panel">']
    if answer.citations:
        out.append(f"<h3>Cited evidence ({len(answer.citations)})</h3>")
        sources = list(dict.fromkeys(c.source or "unknown source" for c in answer.citations))
        for source in sources:
            if len(sources) > 1:
                out.append(f'<h4 class="sitrep-group">Reported by {esc(source)}</h4>')
            out += [_citation_card(c, answer, turn, passages, docs[c.doc_id])
                    for c in answer.citations if (c.source or "unknown source") == source]
    else:
        out.append("<h3>No passage was quoted</h3>")
    cited = {c.passage_id for c in answer.citations}
    others = [p for p in answer.passages if p.view.passage.passage_id not in cited]
    if others:
        label = "Searched passages" if answer.abstained else "Other retrieved passages"
        out.append(f'<details class="sitrep-searched"{" open" * answer.abstained}>'
                   f"<summary>{label} ({len(others)})</summary>{''.join(_passage_card(p) for p in others)}</details>")
    out.append("</div>")
    return "".join(out)


def export_markdown(answer: Answer) -> str:
    """The answer with its references as Markdown (a download): quotes as block quotes, links only when real."""
    lines = [f"# {answer.question}", "", answer.text, ""]
    if answer.citations:
        lines += ["## References", ""]
        for c in answer.citations:
            url = real_url(c.url)
            title = f"[{c.title}]({url})" if url else c.title
            when = c.published.isoformat() if c.published else "undated"
            lines += [f"{c.marker}. {title} — {c.source or 'unknown source'}, {when} (`{c.doc_id}`, "
                      f"characters {c.start}–{c.end})", f"   > {c.quote}", ""]
    return "\n".join(lines)
