"""Knowledge tab: actors (registry and most-cited passages), the control timeline of a place, incidents.

Every row carries its citation: the quoted sentence, the document id, source and date, and "open document",
the same document view as the evidence panel (the stored text with the span marked). All corpus text goes
through ``esc`` (see evidence.py); registry names and user input too.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from assistant.conflict.models import Cited, ControlClaim, Incident, IncidentGroup
from assistant.core import Assistant
from assistant.errors import SitrepError
from assistant.models import Document
from assistant.ui.evidence import document_html, esc

#: Rows shown per table (the CSV download holds every row).
MAX_ROWS = 200
#: Characters of the document shown around the span in a row's document view.
ROW_WINDOW = 6_000

Lookup = Callable[[str], Document | None]


def _day(text: str | None, label: str) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SitrepError(f"{label}: {text.strip()!r} is not a date (YYYY-MM-DD)") from None


def _when(d: date | None) -> str:
    return d.isoformat() if d else "undated"


def _docs(assistant: Assistant) -> Lookup:
    cache: dict[str, Document | None] = {}

    def lookup(doc_id: str) -> Document | None:
        if doc_id not in cache:
            cache[doc_id] = assistant.document(doc_id)
        return cache[doc_id]

    return lookup


def citation_html(record: Cited, lookup: Lookup) -> str:
    """The quote, who reports it and when, the document id and span, and the document view with the span marked."""
    doc = lookup(record.doc_id)
    opened = ""
    if doc is not None and doc.text[record.start:record.end] == record.quote:
        mark = f"sitrep-k-{uuid.uuid4().hex[:10]}"
        body = document_html(doc, record.start, record.end, mark, window=ROW_WINDOW)
        opened = (f'<details class="sitrep-doc" data-mark="{mark}"><summary>open document</summary>{body}'
                  "</details>")
    return (f'<div class="sitrep-kcite"><q>{esc(record.quote)}</q>'
            f'<div class="sitrep-meta">{esc(record.source or record.title or "unknown source")} · '
            f"{_when(record.published)} · <code>{esc(record.cite())}</code></div>{opened}</div>")


def _table(headers: list[str], rows: list[list[str]], elem: str) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (f'<div class="sitrep-panel sitrep-kwrap"><table class="sitrep-ktable" id="{elem}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


def _note(text: str) -> str:
    return f'<div class="sitrep-panel sitrep-empty">{esc(text)}</div>'


# --- actors ------------------------------------------------------------------------------------------------

def actors_html(assistant: Assistant, name: str | None, top: int = 5) -> str:
    """Every actor (name, type, aliases, passages and sentences naming it), or one actor with its aliases and
    most-cited passages."""
    try:
        if not name or not name.strip():
            summaries = assistant.actors()
            lookup = _docs(assistant)
            rows = [[esc(a.name), esc(a.type or ""), str(a.aliases), str(a.passages), str(a.sentences),
                     citation_html(a.top, lookup) if a.top else ""] for a in summaries]
            return _table(["actor", "type", "aliases", "passages", "sentences", "most-cited passage"], rows,
                          "sitrep-actors-table")
        info = assistant.actor(name.strip(), top=top)
    except SitrepError as exc:
        return _note(f"⚠️ {exc}")
    lookup = _docs(assistant)
    parts = [f'<div class="sitrep-actor"><h3>{esc(info.name)}</h3>',
             f'<div class="sitrep-meta">{esc(info.type or "type unknown")} · id <code>{esc(info.id)}</code> · '
             f"{info.passages} passage(s) name it in {info.sentences} sentence(s)</div>"]
    if info.description:
        parts.append(f"<p>{esc(info.description)}</p>")
    if info.affiliations:
        parts.append("<p>Affiliations: " + ", ".join(esc(a["name"]) for a in info.affiliations) + "</p>")
    parts.append('<p class="sitrep-aliases">Aliases: ' + ", ".join(esc(a) for a in info.aliases) + "</p>")
    rows = [[str(n), str(m.sentences), citation_html(m, lookup)] for n, m in enumerate(info.mentions, start=1)]
    parts.append(_table(["#", "sentences naming it", "most-cited passage"], rows, "sitrep-actor-mentions"))
    return "".join(parts) + "</div>"


# --- control -----------------------------------------------------------------------------------------------

def _claim_row(c: ControlClaim, lookup: Lookup) -> list[str]:
    effect = {True: "holds", False: "loses", None: "besieges"}[c.holds]
    basis = " (report date)" if c.date_basis == "published" else ""
    return [esc(_when(c.as_of) + basis), esc(c.kind), esc(c.actor_name or c.actor or "unnamed"), effect,
            esc(c.place), esc(c.source or ""), citation_html(c, lookup)]


def control_html(assistant: Assistant, place: str | None, as_of: str | None) -> str:
    """The control timeline of a place as of a date: every claim, then the latest claim of each source."""
    if not place or not place.strip():
        return _note("Name a place to see who took, held, lost or besieged it.")
    try:
        tl = assistant.control(place.strip(), _day(as_of, "as of"))
    except SitrepError as exc:
        return _note(f"⚠️ {exc}")
    when = f" as of {tl.as_of.isoformat()}" if tl.as_of else ""
    if not tl.claims:
        return _note(f"No claim of control over {tl.place}{when} in the index.")
    lookup = _docs(assistant)
    headers = ["date", "kind", "actor", "effect", "place", "source", "citation"]
    latest = [_claim_row(c, lookup) for _, c in sorted(tl.latest.items())]
    return (f"<h3>Control of {esc(tl.place)}{esc(when)}: {len(tl.claims)} claim(s)</h3>"
            + _table(headers, [_claim_row(c, lookup) for c in tl.claims[:MAX_ROWS]], "sitrep-control-table")
            + "<h4>Latest claim of each source</h4>" + _table(headers, latest, "sitrep-control-latest"))


# --- incidents ---------------------------------------------------------------------------------------------

def _figure(value: int | None) -> str:
    return "" if value is None else str(value)


def _incident_row(r: Incident, lookup: Lookup) -> list[str]:
    basis = " (report date)" if r.date_basis == "published" else ""
    acled = f"{r.acled_event_type or ''} / {r.acled_sub_event_type or ''}"
    if r.extractor == "llm":  # read by the LLM, verified against the sentence
        dropped = f"; dropped: {', '.join(r.unverified)}" if r.unverified else ""
        acled += f" · LLM, verified{dropped}"
    return [esc(_when(r.as_of) + basis), f"{esc(r.event_type or '/'.join(r.event_types))}<br><small>{esc(acled)}"
            "</small>", esc(r.location or ", ".join(r.places)), esc(r.actor1_name or ""), esc(r.actor2_name or ""),
            _figure(r.killed_total), _figure(r.injured_total), esc(r.source or ""), citation_html(r, lookup)]


def _group_row(g: IncidentGroup, lookup: Lookup) -> list[str]:
    when = _when(g.first) + (f" to {g.last.isoformat()}" if g.last and g.last != g.first else "")
    figures = "".join(
        f"<li>{esc(s.source)}: {_figure(s.killed) or '–'} killed, {_figure(s.injured) or '–'} injured</li>"
        for s in g.sources)
    note = '<div class="sitrep-warn">the sources disagree</div>' if g.disagree else ""
    quotes = "".join(citation_html(r, lookup) for r in g.reports)
    return [esc(when), f"{esc(g.event_type)}<br><small>{esc(g.acled_event_type or '')}</small>",
            esc(g.location or ""), esc(g.actor1_name or ""), esc(g.actor2_name or ""),
            f"{note}<ul>{figures}</ul>", f"<details><summary>{len(g.reports)} report(s)</summary>{quotes}</details>"]


def incidents_html(assistant: Assistant, event_type: str | None, place: str | None, actor: str | None,
                   since: str | None, until: str | None, grouped: bool) -> tuple[str, str | None]:
    """The incidents table (or grouped incidents) for the filters, and a CSV file of every row (None if none)."""
    from assistant.conflict.incidents import groups_to_csv, to_csv

    try:
        filters: dict[str, Any] = {"event_type": event_type or None, "place": (place or "").strip() or None,
                                   "actor": (actor or "").strip() or None, "since": _day(since, "since"),
                                   "until": _day(until, "until")}
        if grouped:
            groups = assistant.incident_groups(**filters)
            records: list[Any] = groups
            csv_text = groups_to_csv(groups)
        else:
            records = assistant.incidents(**filters)
            csv_text = to_csv(records)
    except SitrepError as exc:
        return _note(f"⚠️ {exc}"), None
    if not records:
        return _note("No incident matches."), None
    lookup = _docs(assistant)
    shown = records[:MAX_ROWS]
    more = f" (first {MAX_ROWS} shown; the CSV has all)" if len(records) > MAX_ROWS else ""
    if grouped:
        n_reports = sum(len(g.reports) for g in records)
        head = f"<h3>{len(records)} incident(s) from {n_reports} report(s){esc(more)}</h3>"
        table = _table(["date", "type", "place", "actor 1", "actor 2", "figures by source", "reports"],
                       [_group_row(g, lookup) for g in shown], "sitrep-incidents-table")
    else:
        head = f"<h3>{len(records)} incident(s){esc(more)}</h3>"
        table = _table(["date", "type", "place", "actor 1 (perpetrator)", "actor 2 (target)", "killed", "injured",
                        "source", "citation"], [_incident_row(r, lookup) for r in shown], "sitrep-incidents-table")
    return head + table, _csv_file(csv_text)


def _csv_file(text: str) -> str:
    folder = Path(tempfile.gettempdir()) / "sitrep-exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sitrep-incidents-{uuid.uuid4().hex[:8]}.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def build_tab(assistant: Assistant) -> None:
    """The Knowledge tab: Actors, Control and Incidents, each a form and a cited table."""
    import gradio as gr

    types = sorted(assistant.knowledge.events.event_types)
    with gr.Tab("Knowledge", elem_id="sitrep-knowledge"), gr.Tabs():
        with gr.Tab("Actors"):
            with gr.Row():
                actor_name = gr.Textbox(label="Actor (any alias; empty: all)", scale=4, elem_id="sitrep-actor-name")
                actor_go = gr.Button("Show", variant="primary", scale=1, min_width=80, elem_id="sitrep-actor-go")
            actor_out = gr.HTML(elem_id="sitrep-actor-out")
        with gr.Tab("Control"):
            with gr.Row():
                place = gr.Textbox(label="Place", scale=3, elem_id="sitrep-control-place")
                as_of = gr.Textbox(label="As of (YYYY-MM-DD)", scale=2, elem_id="sitrep-control-asof")
                control_go = gr.Button("Show", variant="primary", scale=1, min_width=80, elem_id="sitrep-control-go")
            control_out = gr.HTML(elem_id="sitrep-control-out")
        with gr.Tab("Incidents"):
            with gr.Row():
                kind = gr.Dropdown(label="Type", choices=["", *types], value="", elem_id="sitrep-inc-type")
                inc_place = gr.Textbox(label="Place", elem_id="sitrep-inc-place")
                inc_actor = gr.Textbox(label="Actor (any alias)", elem_id="sitrep-inc-actor")
            with gr.Row():
                since = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="sitrep-inc-since")
                until = gr.Textbox(label="Until (YYYY-MM-DD)", elem_id="sitrep-inc-until")
                grouped = gr.Checkbox(label="Group reports of one event", elem_id="sitrep-inc-grouped")
            with gr.Row():
                inc_go = gr.Button("Show incidents", variant="primary", elem_id="sitrep-inc-go")
                download = gr.DownloadButton("Download CSV (ACLED columns)", visible=False,
                                             elem_id="sitrep-inc-csv")
            inc_out = gr.HTML(elem_id="sitrep-inc-out")

    def show_actor(name: str) -> str:
        return actors_html(assistant, name)

    def show_control(where: str, when: str) -> str:
        return control_html(assistant, where, when)

    def show_incidents(*args: Any) -> tuple[str, Any]:
        html, path = incidents_html(assistant, *args)
        return html, gr.DownloadButton(value=path, visible=path is not None)

    for trigger in (actor_go.click, actor_name.submit):
        trigger(show_actor, [actor_name], [actor_out], api_visibility="private")
    for trigger in (control_go.click, place.submit, as_of.submit):
        trigger(show_control, [place, as_of], [control_out], api_visibility="private")
    inc_inputs = [kind, inc_place, inc_actor, since, until, grouped]
    for trigger in (inc_go.click, inc_place.submit, inc_actor.submit):
        trigger(show_incidents, inc_inputs, [inc_out, download], api_visibility="private")
