"""Incidents: sentences whose evidence frame reports an event, as cited records with filters.

A first slice of issue #9's incident records: one record per reporting sentence, straight from the frame read at
ingest (event types from events.yaml, dates resolved against the publication date, places, actors under any
alias, figures with what they count, the attributed source). Reports of one event are not grouped yet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

from assistant.conflict.control import source_name
from assistant.conflict.models import Incident
from assistant.knowledge.lexicon import Lexicon, fold
from assistant.models import Frame, PassageView


def incident(view: PassageView, frame: Frame, names: dict[str, str], lexicon: Lexicon) -> Incident | None:
    """The incident one sentence reports, or None when its frame names no event."""
    if not frame.event_types:
        return None
    p = view.passage
    quote = p.text[frame.start - p.start:frame.end - p.start]
    day = frame.dates[0] if frame.dates else None
    basis: Literal["event", "published"] = "event" if day else "published"
    as_of = day.start if day else view.published
    return Incident(
        doc_id=p.doc_id, passage_id=p.passage_id, start=frame.start, end=frame.end, quote=quote, title=view.title,
        source=source_name(frame.sources[0], lexicon, names) if frame.sources else view.source or view.title,
        published=view.published, url=view.url, event_types=list(frame.event_types), as_of=as_of,
        date_basis=basis if as_of else None,
        date_text=day.text if day else None, places=list(frame.places), actors=list(frame.actors),
        actor_names=[names.get(a, a) for a in frame.actors],
        killed=[f.text for f in frame.figures if f.counts == "kill"],
        injured=[f.text for f in frame.figures if f.counts == "wound"],
        fatalities=next((f.value for f in frame.figures if f.counts == "kill" and f.value is not None), None),
    )


def select(records: Iterable[Incident], *, event_type: str | None = None, place: re.Pattern[str] | None = None,
           actor: str | None = None, since: date | None = None, until: date | None = None) -> list[Incident]:
    """The records that pass every filter given, by date (undated last), one per sentence."""
    out: dict[tuple[str, int], Incident] = {}
    for r in records:
        if event_type and event_type not in r.event_types:
            continue
        if place is not None and not place.search(fold(r.quote)):
            continue
        if actor and actor not in r.actors:
            continue
        if (since or until) and r.as_of is None:
            continue
        if since and r.as_of and r.as_of < since or until and r.as_of and r.as_of > until:
            continue
        out.setdefault((r.doc_id, r.start), r)
    return sorted(out.values(), key=lambda r: (r.as_of is None, r.as_of or date.max, r.doc_id, r.start))


#: ACLED's columns (event_date ... source), then the citation of each row.
CSV_COLUMNS = ["event_date", "event_type", "sub_event_type", "actor1", "actor2", "location", "fatalities", "notes",
               "source", "doc_id", "start", "end", "date_basis"]


def to_csv(records: Iterable[Incident]) -> str:
    """Incidents in ACLED's column layout, one row per record; notes is the quoted sentence, and every row keeps
    its citation (doc_id, start, end). fatalities is the first killed figure with a value (empty when none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow([
            r.as_of.isoformat() if r.as_of else "", r.event_types[0], "/".join(r.event_types[1:]),
            r.actor_names[0] if r.actor_names else "", r.actor_names[1] if len(r.actor_names) > 1 else "",
            "; ".join(r.places), "" if r.fatalities is None else r.fatalities, r.quote, r.source or "",
            r.doc_id, r.start, r.end, r.date_basis or "",
        ])
    return out.getvalue()
