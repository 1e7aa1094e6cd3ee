"""Answers from structured records (control timeline, incident records, who claims what), as ordinary Answers.

Every statement quotes the sentence its record came from and carries that sentence's citation (doc id + span into
the stored text), so a routed answer is verified like any other (``assistant.answer.verify``). The builders return
None when the records do not cover the question; the Assistant then falls back to passage retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from assistant.answer.route import Route
from assistant.conflict.control import source_name
from assistant.conflict.models import Cited, ClaimSet, ControlClaim, ControlTimeline, Incident, SourceClaim
from assistant.knowledge.lexicon import Lexicon, fold
from assistant.models import Answer, Citation, PassageView, RetrievedPassage, Statement

if TYPE_CHECKING:
    from assistant.answer.extractive import Candidate

#: What an actor did to a place, by kind of claim (holds=True) — a lost place reads "withdrew from".
_VERBS = {"capture": "captured", "recapture": "recaptured", "control": "held", "stronghold": "held",
          "fall": "took"}
#: Cues whose actor stands after them ('held by', 'fell to'): their words do not read '<actor> <cue> <place>'.
_ACTOR_AFTER = re.compile(r"(?:\bby|\bto|liberation of|under (?:the )?control of|hands of|stronghold of|bastion of|"
                          r"enclave of|bulwark of|siege|besieged|encircled|surrounded)\W*$", re.I)
#: Claims that say a place changed hands (not a state: 'held by', 'stronghold of').
CHANGE_KINDS = frozenset({"capture", "recapture", "fall", "withdrawal"})


def _day(d: date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else "undated"


def _cited(records: Sequence[Cited], views: dict[str, PassageView]) -> tuple[list[Citation], list[Cited]]:
    """Citations for the records whose passage is known, numbered from 1 (records without a view, and a sentence
    cited already, are skipped)."""
    citations: list[Citation] = []
    kept: list[Cited] = []
    seen: set[tuple[str, int, int]] = set()
    for r in records:
        if r.passage_id not in views or (r.doc_id, r.start, r.end) in seen:
            continue
        seen.add((r.doc_id, r.start, r.end))
        view = views[r.passage_id]  # a citation names the document (its title, source, date), like any answer's
        citations.append(Citation(marker=len(citations) + 1, passage_id=r.passage_id, doc_id=r.doc_id, start=r.start,
                                  end=r.end, quote=r.quote, title=view.title, source=view.source,
                                  published=view.published, url=view.url))
        kept.append(r)
    return citations, kept


def with_records(retrieved: list[RetrievedPassage], records: Sequence[Cited],
                 views: dict[str, PassageView]) -> list[RetrievedPassage]:
    """The retrieved passages, then the passages the records cite (ranked after them, so retrieval metrics keep
    measuring retrieval)."""
    have = {r.view.passage.passage_id for r in retrieved}
    out = list(retrieved)
    for r in records:
        if r.passage_id in views and r.passage_id not in have:
            have.add(r.passage_id)
            out.append(RetrievedPassage(view=views[r.passage_id], score=0.0, rank=len(out) + 1))
    return out


def _answer(question: str, head: str, lines: list[str], citations: list[Citation],
            retrieved: list[RetrievedPassage], debug: dict[str, Any]) -> Answer:
    statements = [Statement(text=line, markers=[c.marker]) for line, c in zip(lines, citations, strict=True)]
    text = "\n".join([head, *(f"{line} [{c.marker}]" for line, c in zip(lines, citations, strict=True))])
    return Answer(question=question, text=text, citations=citations, statements=statements, passages=retrieved,
                  debug=debug)


# --- control --------------------------------------------------------------------------------------------------


def _effect(c: ControlClaim, lexicon: Lexicon | None = None) -> str:
    """'<actor> captured <place>'; with a lexicon, the actor as the sentence names it ('IS', 'the SDF')."""
    who = c.actor_name or c.actor or "an unnamed actor"
    if lexicon is not None:
        who = next((c.quote[s:e] for s, e, canon in lexicon.actor_spans(c.quote) if canon == c.actor), who)
    if lexicon is not None and not _ACTOR_AFTER.search(c.cue):  # the sentence's own verb: 'IS retook X'
        verb = re.sub(r"^los(?:es|ing)\b", "lost", c.cue, flags=re.I)
        return f"{who} {verb} {c.place}"
    if c.holds is False:
        return f"{who} withdrew from {c.place}" if c.kind == "withdrawal" else f"{who} lost {c.place}"
    return f"{who} {_VERBS.get(c.kind, 'held')} {c.place}"


def _same_source(asked: str, c: Cited) -> bool:
    """Whether a record's source is the one the question asks about ('according to the SDF')."""
    a = fold(asked).strip()
    have = fold(f"{c.source or ''} {c.title}")
    return bool(a) and (a in have or a in fold(c.quote))


def _claim_line(c: ControlClaim, lexicon: Lexicon | None) -> str:
    basis = " (report date)" if c.date_basis == "published" else ""
    return f'{_day(c.as_of)}{basis}, per {c.source or c.title}: {_effect(c, lexicon)}: "{c.quote}"'


def control_answer(question: str, route: Route, tl: ControlTimeline,
                   views: dict[str, PassageView] | Callable[[set[str]], dict[str, PassageView]],
                   retrieved: list[RetrievedPassage], max_sources: int, max_listed: int,
                   lexicon: Lexicon | None = None) -> Answer | None:
    """Who holds the place (latest claim of each source; says when they disagree), or when it changed hands.
    ``views``: the claims' passages, or what reads them given their ids (only the records shown are read: a
    place at 200k passages has hundreds of claims)."""
    usable = [c for c in tl.claims if c.actor and c.holds is not None and c.as_of is not None]
    if route.mode == "holder":
        latest: dict[str, ControlClaim] = {}
        for c in usable:  # sorted by date: the last one of each source wins
            latest[fold(c.source or c.doc_id)] = c
        chosen = sorted(latest.values(), key=lambda c: (c.as_of or date.min, c.published or date.min),
                        reverse=True)[:max_sources]
        if not chosen:
            return None
        newest = chosen[0]
        # the latest day claimed: older claims of other sources are superseded, not a disagreement
        chosen = [c for c in chosen if c.as_of == newest.as_of]
        held = {c.actor for c in chosen if c.holds}
        lost = {c.actor for c in chosen if c.holds is False}
        as_of = f" as of {_day(tl.as_of)}" if tl.as_of else ""
        latest_day = f"the latest claim ({_day(newest.as_of)})"
        if len(held) > 1 or held & lost:
            head = (f"The sources disagree about who held {tl.place} by {latest_day}{as_of}; each source's "
                    f"claim:")
        elif held:
            holder = next(c for c in chosen if c.holds)
            head = f"{holder.actor_name or holder.actor} held {tl.place}{as_of}, by {latest_day} of each source:"
        else:
            head = f"{_effect(newest)}{as_of}, by {latest_day} of each source:"
        records: list[ControlClaim] = chosen
    else:
        changes = [c for c in usable if c.kind in CHANGE_KINDS]
        if route.actors:  # the subject: the first actor named ('when did ISIS retake X from the SDF')
            changes = [c for c in changes if c.actor == route.actors[0] and c.holds is not route.loses]
        if route.again and any(c.kind == "recapture" for c in changes):
            changes = [c for c in changes if c.kind == "recapture"]
        if route.source:
            changes = [c for c in changes if _same_source(route.source, c)]
        if any(not c.partial for c in changes):  # 'when did the SDF take X': the whole of X, not 90% of it
            changes = [c for c in changes if not c.partial]
        if route.dates:
            changes = [c for c in changes if c.as_of and any(d.meets(c.as_of, c.as_of) for d in route.dates)]
        event_dated = {(c.actor, c.holds) for c in changes if c.date_basis == "event"}
        changes = [c for c in changes if c.date_basis == "event" or (c.actor, c.holds) not in event_dated]
        one: dict[tuple[date | None, str | None, bool | None], ControlClaim] = {}
        for c in changes:
            one.setdefault((c.as_of, c.actor, c.holds), c)
        records = list(one.values())[:max_listed]
        if not records:
            return None
        more = f" (the first {max_listed} of {len(one)})" if len(one) > max_listed else ""
        head = f"{tl.place} changed hands, by date{more}:"
    if callable(views):
        views = views({c.passage_id for c in records})
    citations, kept = _cited(records, views)
    if not citations:
        return None
    lines = [_claim_line(c, lexicon) for c in kept if isinstance(c, ControlClaim)]
    debug = {"route": {**route.debug(), "place": tl.place, "records": [c.cite() for c in kept]}}
    return _answer(question, head, lines, citations, with_records(retrieved, kept, views), debug)


# --- incidents ------------------------------------------------------------------------------------------------


def _incident_line(r: Incident) -> str:
    basis = " (report date)" if r.date_basis == "published" else ""
    where = f" in {', '.join(r.places)}" if r.places else ""
    figures = "".join([f"; killed {', '.join(r.killed)}" if r.killed else "",
                       f"; injured {', '.join(r.injured)}" if r.injured else ""])
    return f'{_day(r.as_of)}{basis}, {"/".join(r.event_types)}{where}{figures}, per {r.source or r.title}: ' \
           f'"{r.quote}"'


def incidents_answer(question: str, route: Route, found: list[Incident], scope: str, views: dict[str, PassageView],
                     retrieved: list[RetrievedPassage], max_listed: int) -> Answer | None:
    """How many reports / which incidents match, each listed record quoted and cited."""
    if route.dates:
        found = [r for r in found if r.as_of and any(d.meets(r.as_of, r.as_of) for d in route.dates)]
    if not found:
        return None
    shown = found[:max_listed]
    citations, kept = _cited(shown, views)
    if not citations:
        return None
    n = len(found)
    listed = f"; the first {len(kept)} by date" if n > len(kept) else ""
    if route.mode == "count":
        head = (f"{n} report{'s' if n != 1 else ''} of {scope} in the index (one record per reporting sentence: "
                f"reports of one event are not grouped{listed}):")
    else:
        head = f"{n} incident record{'s' if n != 1 else ''} of {scope} (one per reporting sentence{listed}):"
    lines = [_incident_line(r) for r in kept if isinstance(r, Incident)]
    debug = {"route": {**route.debug(), "scope": scope, "matched": n, "records": [r.cite() for r in kept]}}
    return _answer(question, head, lines, citations, with_records(retrieved, kept, views), debug)


# --- who claims what ------------------------------------------------------------------------------------------


def claim_set(question: str, ranked: list[Candidate], *, lexicon: Lexicon, names: dict[str, str], outcome: str | None,
              asks_actor: bool, margin: float, max_sources: int, answerable: bool,
              disputed: re.Pattern[str] | None = None) -> ClaimSet:
    """One claim per source from the answerer's checked, scored sentences (best first): the best sentence of
    each source within ``margin`` of the best one; whether the headline figures (of the asked outcome) or the
    actors of the claims about the best claim's days differ."""
    if not ranked:
        return ClaimSet(question=question, reason="no sentence passed the evidence check")
    if not answerable:
        return ClaimSet(question=question, reason="the retrieved passages do not answer the question")
    best = ranked[0].score
    claims: dict[str, SourceClaim] = {}
    spans: dict[str, tuple[date, date] | None] = {}
    for cand in ranked:
        if len(claims) >= max_sources or cand.score < best - margin:
            break
        view = cand.item.view
        frame = cand.frame
        days = frame.dates if frame else []
        span = (min(d.start for d in days), max(d.end for d in days)) if days else None
        said = frame.sources[0] if frame and frame.sources else None
        claimant = source_name(said, lexicon, names) if said else (view.source or view.title)
        if view.source and _initials(view.source) == claimant:  # 'EMN' quoted in a Euphrates Monitoring Network log
            claimant = view.source
        key = fold(claimant).strip()
        if key in claims:
            continue
        figures = [f for f in (frame.figures if frame else []) if outcome is None or f.counts == outcome]
        spans[key] = span
        claims[key] = SourceClaim(
            doc_id=view.passage.doc_id, passage_id=view.passage.passage_id, start=cand.start, end=cand.end,
            quote=cand.text, title=view.title, source=view.source, published=view.published, url=view.url,
            claimant=claimant, figures=[f.text for f in figures],
            actors=[names.get(a, a) for a in (frame.actors if frame else [])], score=round(cand.score, 4))
    found = list(claims.values())
    first = spans[next(iter(claims))]
    # Figures of one event: a claim dated apart from the best one's dates reports another event.
    same = [c for key, c in claims.items() if first is None or (s := spans[key]) is None
            or (s[0] <= first[1] and first[0] <= s[1])]
    differences = []
    with_figures = {c.figures[0] for c in same if c.figures}  # each sentence's first (headline) figure
    if len(with_figures) > 1:
        differences.append("figures")
    with_actors = {frozenset(c.actors) for c in same if c.actors}
    if asks_actor and len(with_actors) > 1:
        differences.append("actors")
    if disputed is not None and len(same) > 1 and any(disputed.search(c.quote) for c in same):
        differences.append("accounts")  # 'CJTF-OIR denied striking the hospital'
    return ClaimSet(question=question, claims=found, disagree=len(found) > 1 and bool(differences),
                    differences=differences)


def _initials(name: str) -> str:
    """'EMN' for 'Euphrates Monitoring Network' (capitalised words only)."""
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _claimant(c: SourceClaim) -> str:
    via = f", as reported by {c.source}" if c.source and fold(c.source) != fold(c.claimant) else ""
    return f"{c.claimant}{via} ({_day(c.published)})"


def claims_answer(cs: ClaimSet, route: Route, views: dict[str, PassageView],
                  retrieved: list[RetrievedPassage]) -> Answer | None:
    """Each source's claim, named and cited; the first line says whether the sources disagree."""
    if not cs.claims:
        return None
    citations, kept = _cited(cs.claims, views)
    if not citations:
        return None
    if cs.disagree:
        head = f"The sources disagree ({' and '.join(cs.differences)} differ); each source's claim:"
    elif len(kept) > 1:
        head = f"{len(kept)} sources report on this; each source's claim:"
    else:
        head = "One source's claim was found:"
    lines = [f'According to {_claimant(c)}: "{c.quote}"' for c in kept if isinstance(c, SourceClaim)]
    debug = {"route": {**route.debug(), "disagree": cs.disagree, "differences": cs.differences,
                       "records": [c.cite() for c in kept]}}
    return _answer(cs.question, head, lines, citations, with_records(retrieved, kept, views), debug)
