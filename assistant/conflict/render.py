"""Plain-text and JSON views of conflict records for the CLI; every line of corpus text carries its citation."""

from __future__ import annotations

import json
from datetime import date

from assistant.conflict.models import (
    ActorInfo,
    ActorMention,
    ActorSummary,
    ClaimSet,
    ControlClaim,
    ControlTimeline,
    Incident,
    IncidentGroup,
)


def show_actors(rows: list[ActorSummary], as_json: bool = False) -> str:
    if as_json:
        return json.dumps([r.model_dump(mode="json") for r in rows], indent=2)
    width = max((len(r.name) for r in rows), default=4)
    lines = [f"{'actor':<{width}}  {'type':<24}  aliases  passages  sentences"]
    for r in rows:
        lines.append(f"{r.name:<{width}}  {r.type or '-':<24}  {r.aliases:>7}  {r.passages:>8}  {r.sentences:>9}")
        if r.top is not None:  # its most-cited passage, so every row can be checked
            lines.append(f"    {_mention_line(r.top)}")
    return "\n".join(lines)


def _mention_line(m: ActorMention) -> str:
    when = m.published.isoformat() if m.published else "undated"
    return f'"{m.quote}" — {m.source or m.title}, {when}; {m.sentences} sentence(s) — {m.cite()}'


def show_actor(info: ActorInfo, as_json: bool = False) -> str:
    if as_json:
        return info.model_dump_json(indent=2)
    lines = [f"{info.name} ({info.type or 'type unknown'}) — id {info.id}, index token {info.token}"]
    if info.description:
        lines.append(info.description)
    if info.affiliations:
        lines.append("affiliations: " + ", ".join(a["name"] for a in info.affiliations))
    if info.affiliated:
        lines.append("affiliated to it: " + ", ".join(a["name"] for a in info.affiliated))
    lines.append("aliases: " + ", ".join(info.aliases))
    lines.append(f"passages naming it: {info.passages} ({info.sentences} sentence(s))"
                 + (f"; the {len(info.mentions)} naming it most:" if info.mentions else ""))
    lines += [f"[{n}] {_mention_line(m)}" for n, m in enumerate(info.mentions, start=1)]
    return "\n".join(lines)


def _claim_line(c: ControlClaim) -> str:
    when = c.as_of.isoformat() if c.as_of else "undated"
    basis = " (report date)" if c.date_basis == "published" else ""
    who = c.actor_name or c.actor or "unnamed"
    effect = {True: "holds", False: "loses", None: "besieges"}[c.holds]
    part = "part of " if c.partial else ""
    return f"{when}{basis}  {c.kind:<10} {who} {effect} {part}{c.place} — per {c.source or c.title} — {c.cite()}"


def show_control(tl: ControlTimeline, as_json: bool = False) -> str:
    if as_json:
        return tl.model_dump_json(indent=2)
    as_of = f" as of {tl.as_of.isoformat()}" if tl.as_of else ""
    if not tl.claims:
        return f"No claim of control over {tl.place}{as_of} in the index."
    lines = [f"Control of {tl.place}{as_of}: {len(tl.claims)} claim(s)"]
    for n, c in enumerate(tl.claims, start=1):
        lines.append(f"[{n}] {_claim_line(c)}")
        lines.append(f'    "{c.quote}"')
    lines.append("Latest claim per source:")
    lines += [f"  {source}: {_claim_line(c)}" for source, c in sorted(tl.latest.items())]
    return "\n".join(lines)


def _figures(r: Incident) -> str:
    def side(outcome: str, written: list[str]) -> str:
        parts = [f"{c.text} {c.kind}" if c.kind else c.text for c in r.casualties if c.outcome == outcome]
        return f"; {outcome} {', '.join(parts or written)}" if parts or written else ""

    return side("killed", r.killed) + side("injured", r.injured)


def _event_line(n: int, first: date | None, last: date | None, basis: str, kind: str, e: Incident | IncidentGroup,
                where: str) -> str:
    """The head of an incident's (or a grouped incident's) line: number, date(s), type, ACLED type, place, roles."""
    when = (first.isoformat() if first else "undated") + (f" to {last.isoformat()}" if last and last != first else "")
    acled = f" [{e.acled_event_type} / {e.acled_sub_event_type}]" if e.acled_event_type else ""
    roles = f" — {e.actor1_name or 'unnamed'} against {e.actor2_name or 'unnamed'}" \
        if e.actor1_name or e.actor2_name else ""
    return f"[{n}] {when}{basis}  {kind}{acled}{f' in {where}' if where else ''}{roles}"


def show_incidents(found: list[Incident], as_json: bool = False) -> str:
    if as_json:
        return json.dumps([r.model_dump(mode="json") for r in found], indent=2)
    if not found:
        return "No incident matches."
    lines = [f"{len(found)} incident(s)"]
    for n, r in enumerate(found, start=1):
        basis = " (report date)" if r.date_basis == "published" else ""
        lines.append(_event_line(n, r.as_of, None, basis, "/".join(r.event_types), r, r.location or ", ".join(r.places))
                     + f"{_figures(r)} — per {r.source or r.title} — {r.cite()}")
        lines.append(f'    "{r.quote}"')
        if r.extractor == "llm":
            dropped = f"; not in the sentence, dropped: {', '.join(r.unverified)}" if r.unverified else ""
            lines.append(f"    (read by the LLM, verified against the sentence{dropped})")
    return "\n".join(lines)


def show_groups(groups: list[IncidentGroup], as_json: bool = False) -> str:
    if as_json:
        return json.dumps([g.model_dump(mode="json") for g in groups], indent=2)
    if not groups:
        return "No incident matches."
    lines = [f"{len(groups)} incident(s) from {sum(len(g.reports) for g in groups)} report(s)"]
    for n, g in enumerate(groups, start=1):
        note = " — the sources disagree" if g.disagree else ""
        lines.append(_event_line(n, g.first, g.last, "", g.event_type, g, g.location or "") + note)
        for s in g.sources:
            figures = ", ".join(x for x in (f"{s.killed} killed" if s.killed is not None else "",
                                            f"{s.injured} injured" if s.injured is not None else "") if x)
            lines.append(f"    {s.source} says {figures or 'no figures'} — {', '.join(s.citations)}")
        for r in g.reports:
            lines.append(f'      "{r.quote}" ({r.cite()})')
    return "\n".join(lines)


def show_claims(cs: ClaimSet, as_json: bool = False) -> str:
    """Who claims what: one line per source (claimant, reporting document, date, figures, citation), then its quote."""
    if as_json:
        return cs.model_dump_json(indent=2)
    if not cs.claims:
        return f"No claim found: {cs.reason or 'nothing matches'}."
    if cs.disagree:
        head = f"The sources disagree ({' and '.join(cs.differences)} differ): {len(cs.claims)} source(s)"
    else:
        head = f"{len(cs.claims)} source(s); no difference in figures or actors found"
    lines = [head]
    for n, c in enumerate(cs.claims, start=1):
        when = c.published.isoformat() if c.published else "undated"
        via = f" (in {c.source or c.title})" if (c.source or c.title) != c.claimant else ""
        figures = f"; figures {', '.join(c.figures)}" if c.figures else ""
        actors = f"; names {', '.join(c.actors)}" if c.actors else ""
        lines.append(f"[{n}] {c.claimant}{via}, {when}{figures}{actors} — {c.cite()}")
        lines.append(f'    "{c.quote}"')
    return "\n".join(lines)
