"""Incidents: sentences whose evidence frame reports an event, as cited records; reports of one event grouped.

One record per reporting sentence, from the frame read at ingest (event types from events.yaml, dates resolved
against the publication date, places, actors under any alias, figures with what they count, the attributed
source), plus what the rules here read from the sentence itself:

- the **type**: the most specific type the sentence names (``acled.yaml`` priority), and ACLED's event type and
  sub-event type for it (refined by the sentence: a suicide bombing, an attack on civilians, a government force
  regaining territory);
- the **roles**: who did it (actor1) and to whom (actor2), by the words around the event cue: an actor after
  "by" (not "backed by") or right before the cue word ("coalition air strikes", "the Daesh attack") is the
  perpetrator; otherwise the subject before the cue is the perpetrator, unless the cue is passive ("were killed"),
  then it is the target; an actor after the cue is the target; civilians are the target when the figures count
  them and no actor is named. Actors that report (monitors, media outlets, "the SDF said") are not parties; an
  actor that "claimed responsibility" is the perpetrator;
- the **casualties**: each killed / injured figure with what it counts ("SDF fighters", "civilians") and the
  totals (a figure after "including" is part of one already counted);
- the **location**: the first place not named only as a bearing ("north of Hajin", "toward X").

``group`` joins the records of one event from several reports (same ACLED type, a shared place, dates within
``days`` days, no conflicting actors) into an IncidentGroup that keeps each source's figures apart.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator

from assistant.conflict.control import _BEARING, source_name
from assistant.conflict.models import Casualty, Incident, IncidentGroup, SourceReport
from assistant.knowledge.lexicon import Lexicon, fold
from assistant.knowledge.loader import _Model, _packaged, _read_yaml, _validate
from assistant.models import Frame, PassageView

CIVILIANS = "civilians"
CIVILIANS_NAME = "Civilians"
_ARTICLE = re.compile(r"^(?:(?:al|el|ar|as|ad|an|ash|at|az)-|(?:al|el)\s)")
_CLAUSE = re.compile(r"[;:]|\b(?:but|while|whereas|after|before|when|since)\b")
_JOINED = re.compile(r"\s+(?:and|or|&)\s+")
#: 'our forces', 'its aircraft': the forces of the actor named before (or of the document's source).
_OWN_FORCES = re.compile(r"\b(?:our|its|their)\s+(?:own\s+)?(?:forces|fighters|units|troops|aircraft|warplanes|jets|"
                         r"drones|artillery|men|army|heroes)\b", re.I)


class AcledRefine(_Model):
    """A more exact ACLED (sub-)type when the sentence matches, the target is civilians, or actor1 is of a type."""

    match: str | None = None
    target: Literal["civilians"] | None = None
    actor1_type: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None

    @field_validator("match")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            re.compile(pattern)
        return pattern


class AcledType(_Model):
    event_type: str
    sub_event_type: str
    refine: list[AcledRefine] = Field(default_factory=list)


class Retype(_Model):
    """A type read more exactly: a record of one of ``types`` whose sentence matches (and whose actor1 is of
    ``actor1_type``) becomes ``to``."""

    types: list[str]
    match: str
    actor1_type: str | None = None
    to: str

    @field_validator("match")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        re.compile(pattern)
        return pattern


class IncidentRules(_Model):
    """acled.yaml: the ACLED mapping and the words the role and casualty rules read."""

    version: int
    priority: list[str] = Field(min_length=1)
    types: dict[str, AcledType]
    not_cues: dict[str, str] = Field(default_factory=dict)
    retype: list[Retype] = Field(default_factory=list)
    person_kinds: str = "people|civilians|fighters|soldiers"
    broad_places: list[str] = Field(default_factory=list)
    reporter_types: list[str] = Field(default_factory=list)
    reporting_verbs: str
    not_agent_by: str
    kind_stop: list[str]
    part_of: str
    civilian_kinds: str
    event_modifiers: list[str] = Field(default_factory=list)
    event_head_people: str = "(?!)"
    body_agent_verbs: str = "(?!)"
    body_agent_between: str = "(?!)"
    body_by_end: str = "(?!)"

    @field_validator("reporting_verbs", "not_agent_by", "part_of", "civilian_kinds", "person_kinds",
                     "event_head_people", "body_agent_verbs", "body_agent_between", "body_by_end")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        pattern = re.sub(r"\s+", "", pattern)
        re.compile(pattern)
        return pattern

    @field_validator("not_cues")
    @classmethod
    def _cues_compile(cls, cues: dict[str, str]) -> dict[str, str]:
        for pattern in cues.values():
            re.compile(pattern)
        return cues


@lru_cache(maxsize=1)
def incident_rules() -> IncidentRules:
    """The packaged ACLED mapping and role words (assistant/knowledge/data/acled.yaml), validated."""
    text, where = _packaged("acled.yaml")
    rules: IncidentRules = _validate(IncidentRules, _read_yaml(text, where), where)
    return rules


class IncidentReader:
    """Reads the incident of one sentence (from its frame), with roles, casualties and ACLED types."""

    def __init__(self, lexicon: Lexicon, names: Mapping[str, str], types: Mapping[str, str | None],
                 event_cues: dict[str, str], outcomes: dict[str, str]) -> None:
        """``names``/``types``: actor token -> canonical name / registry type; ``event_cues``: events.yaml's
        patterns; ``outcomes``: question.yaml's outcome words (kill, wound, ...)."""
        self.lexicon, self.names, self.types = lexicon, names, types
        self.rules = incident_rules()
        r = self.rules
        self._cues = {n: re.compile(rf"\b(?:{rx})", re.I) for n, rx in event_cues.items()}
        self._outcome = re.compile("|".join(rf"\b(?:{outcomes[n]})" for n in ("kill", "wound") if n in outcomes)
                                   or r"(?!)", re.I)
        self._reporting = re.compile(rf"^(?:['’]s)?(?:\s+[\w.-]+){{0,3}}?\s+(?:{r.reporting_verbs})\b", re.I)
        self._claims = re.compile(r"^(?:['’]s)?(?:\s+[\w.-]+){0,3}?\s+(?:has\s+|have\s+)?(?:claimed|claims|took|takes)"
                                  r"\s+(?:the\s+)?(?:responsibility|credit)\b", re.I)
        self._according = re.compile(r"\baccording\s+to\s+(?:the\s+)?(?:[\w'’.-]+\s+){0,2}$", re.I)
        self._by = re.compile(r"\bby\s+(?:the\s+)?(?:[\w'’.-]+\s+){0,2}$", re.I)
        self._not_by = re.compile(rf"\b(?:{r.not_agent_by})\s+by\s+(?:the\s+)?(?:[\w'’.-]+\s+){{0,2}}$", re.I)
        self._object = re.compile(r"\b(?:against|on|at|of|with|to|toward|towards|near|targeting|targeted|hit)\s+"
                                  r"(?:the\s+)?(?:positions?\s+of\s+)?$", re.I)
        self._passive = re.compile(r"\b(?:was|were|been|being|is|are|got)\s+(?:\w+ly\s+)?$", re.I)
        self._modifier = {n: re.compile(rf"^(?:['’]s)?(?:-led|-backed)?\s*(?:[\w-]+\s+)?(?:{rx})", re.I)
                          for n, rx in event_cues.items()}
        self._stop = frozenset(w.lower() for w in r.kind_stop)
        self._part = re.compile(rf"\b(?:{r.part_of})\s+(?:at\s+least\s+|some\s+|about\s+)?$", re.I)
        self._civilian = re.compile(rf"\b(?:{r.civilian_kinds})\b", re.I)
        self._civilian_target = re.compile(rf"\b(?:against|on|targeting|killing|killed|wounding|injuring|hit|hitting)"
                                           rf"\s+(?:[\w-]+\s+){{0,3}}?(?:{r.civilian_kinds})\b", re.I)
        self._not_cues = {n: re.compile(rx, re.I) for n, rx in r.not_cues.items()}
        self._retype = [(re.compile(t.match, re.I), t) for t in r.retype]
        self._person = re.compile(rf"^\s*(?:[\w'’-]+\s+){{0,3}}?(?:{r.person_kinds})\b", re.I)
        self._kill_word = re.compile(rf"\b(?:{outcomes.get('kill', '(?!)')})", re.I)
        self._wound_word = re.compile(rf"\b(?:{outcomes.get('wound', '(?!)')})", re.I)
        self._refines = {n: [(re.compile(f.match, re.I) if f.match else None, f) for f in t.refine]
                         for n, t in r.types.items()}
        # 'government air strikes', 'Russian bombing': an actor's event head right before the event noun.
        between = "|".join(map(re.escape, sorted(r.event_modifiers, key=len, reverse=True))) or "(?!)"
        self._event_noun = {n: re.compile(rf"(?:['’]s)?(?:-led)?\s+(?:(?:{between})\s+){{0,2}}(?:{rx})", re.I)
                            for n, rx in event_cues.items()}
        self._people_noun = re.compile(rf"(?:{r.event_head_people})$", re.I)
        self._event_heads: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = []
        for a in lexicon.actors:
            if a.event_heads:
                heads = "|".join(map(re.escape, sorted(a.event_heads, key=len, reverse=True)))
                not_after = a.forces.not_after if a.forces else []
                veto = re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, not_after))})\s+$", re.I) \
                    if not_after else None
                self._event_heads.append((f"actor_{a.id}", re.compile(rf"(?<![\w-])(?:{heads})(?![\w])", re.I), veto))
        # 'the regime carried out 13 raids', 'a siege by the regime': a force's head alone, as the force
        self._bodies: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = []
        for a in lexicon.actors:
            if a.forces and a.forces.heads:
                heads = "|".join(re.escape(h).replace("'", "['’]?") for h in
                                 sorted(a.forces.heads, key=len, reverse=True))
                not_after = a.forces.not_after
                veto = re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, not_after))})\s+$", re.I) \
                    if not_after else None
                self._bodies.append((f"actor_{a.id}", re.compile(rf"(?<![\w-])(?:{heads})(?![\w'’-])", re.I), veto))
        self._body_verb = re.compile(rf"\s+(?:(?:{r.body_agent_between})\s+){{0,2}}(?:{r.body_agent_verbs})\b", re.I)
        self._body_end = re.compile(rf"\s*(?:{r.body_by_end})", re.I)

    def head_pattern(self, token: str) -> re.Pattern[str] | None:
        """The actor's event heads (actors.yaml ``event_heads``), to find the passages where it may be a
        perpetrator without being mentioned ('regime shelling'); None when it has none."""
        return next((heads for t, heads, _ in self._event_heads if t == token), None)

    def bodies(self, quote: str) -> list[tuple[int, int, str]]:
        """A force rule's head alone acting as the force: the subject of a violent verb ('the regime carried out 13
        raids') or after 'by' at the end of its phrase ('a siege by the regime'); (start, end, token), none
        inside an actor mention ('regime forces' is one already) nor after another state's name."""
        spans = self.lexicon.actor_spans(quote)
        out = []
        for token, heads, veto in self._bodies:
            for m in heads.finditer(quote):
                if any(s < m.end() and m.start() < e for s, e, _ in spans):
                    continue
                if veto is not None and veto.search(quote, 0, m.start()):
                    continue
                if self._body_verb.match(quote, m.end()) or (
                        self._by.search(quote[max(0, m.start() - 40):m.start()])
                        and self._body_end.match(quote, m.end())):
                    out.append((m.start(), m.end(), token))
        return out

    def read(self, view: PassageView, frame: Frame) -> Incident | None:
        """The incident one sentence reports, or None when its frame names no event."""
        if not frame.event_types:
            return None
        p = view.passage
        quote = p.text[frame.start - p.start:frame.end - p.start]
        types = self.types_of(quote, frame.event_types)
        kind = next((t for t in self.rules.priority if t in types), types[0])
        day = frame.dates[0] if frame.dates else None
        basis: Literal["event", "published"] = "event" if day else "published"
        as_of = day.start if day else view.published
        casualties = self.casualties(quote, frame)
        own = self._own(view)
        actor1, actor2 = self.roles(quote, kind, casualties, own=own, types=types)
        better = self.retype(kind, quote, actor1)
        if better != kind:
            kind = better
            actor1, actor2 = self.roles(quote, kind, casualties, own=own, types=types)
        acled_type, acled_sub = self.acled(kind, quote, actor1, actor2)
        # Read with the current registry, not the frame's actors of ingest time (as the roles and the mentions are).
        actors = sorted(self.lexicon.actors_in(quote))
        killed = [c for c in casualties if c.outcome == "killed"]
        injured = [c for c in casualties if c.outcome == "injured"]
        return Incident(
            doc_id=p.doc_id, passage_id=p.passage_id, start=frame.start, end=frame.end, quote=quote, title=view.title,
            source=self.source_of(view, frame),
            published=view.published, url=view.url, event_types=list(frame.event_types), as_of=as_of,
            date_basis=basis if as_of else None,
            date_text=day.text if day else None, places=list(frame.places), actors=actors,
            actor_names=[self.names.get(a, a) for a in actors],
            killed=[f.text for f in frame.figures if f.counts == "kill"],
            injured=[f.text for f in frame.figures if f.counts == "wound"],
            fatalities=_total(killed),
            event_type=kind, acled_event_type=acled_type, acled_sub_event_type=acled_sub,
            event_date=day.start if day else None,
            location=self.location(quote, frame.places),
            actor1=actor1, actor1_name=self._name(actor1), actor2=actor2, actor2_name=self._name(actor2),
            casualties=casualties, killed_total=_total(killed), injured_total=_total(injured),
        )

    def source_of(self, view: PassageView, frame: Frame | None) -> str | None:
        """Whom the sentence attributes it to, else the document's source (or title)."""
        if frame is not None and frame.sources:
            return source_name(frame.sources[0], self.lexicon, dict(self.names))
        return view.source or view.title

    def _own(self, view: PassageView) -> str | None:
        """The actor a document speaks for ('our forces' in an SDF statement), from its source."""
        found = {t for _, _, t in self.lexicon.actor_spans(view.source or "")}
        return next(iter(found)) if len(found) == 1 else None

    def _name(self, token: str | None) -> str | None:
        if token is None:
            return None
        return CIVILIANS_NAME if token == CIVILIANS else self.names.get(token, token)

    # --- type --------------------------------------------------------------------------------------------

    def types_of(self, quote: str, named: Sequence[str]) -> list[str]:
        """The frame's types without those whose every cue in the sentence names a target ('artillery position')."""
        kept = []
        for t in named:
            rx, veto = self._cues.get(t), self._not_cues.get(t)
            if rx is not None and veto is not None:
                vetoed = [m.span() for m in veto.finditer(quote)]
                if all(any(s <= m.start() < e for s, e in vetoed) for m in rx.finditer(quote)):
                    continue
            kept.append(t)
        return kept or list(named)

    def retype(self, kind: str, quote: str, actor1: str | None) -> str:
        """A more exact type by the sentence and its perpetrator (acled.yaml ``retype``), else ``kind``."""
        for rx, t in self._retype:
            if kind in t.types and rx.search(quote) and (
                    t.actor1_type is None or actor1 is not None and self.types.get(actor1) == t.actor1_type):
                return t.to
        return kind

    def acled(self, kind: str, quote: str, actor1: str | None, actor2: str | None) -> tuple[str, str]:
        """ACLED's (event_type, sub_event_type) for a Sitrep type, refined by the sentence and its roles."""
        base = self.rules.types.get(kind)
        if base is None:
            return "Strategic developments", "Other"
        event_type, sub = base.event_type, base.sub_event_type
        for rx, f in self._refines.get(kind, []):
            if (rx is None or rx.search(quote)) and (f.target is None or actor2 == CIVILIANS) \
                    and (f.actor1_type is None or (actor1 is not None and self.types.get(actor1) == f.actor1_type)):
                event_type, sub = f.event_type or event_type, f.sub_event_type or sub
                break
        return event_type, sub

    # --- roles -------------------------------------------------------------------------------------------

    def anchor(self, quote: str, kinds: Sequence[str]) -> tuple[int, str | None]:
        """Where the event is said and by which type's cue: the first of ``kinds`` whose cue the sentence has,
        else the first kill/wound word, else the start."""
        for kind in kinds:
            rx = self._cues.get(kind)
            m = rx.search(quote) if rx is not None else None
            if m is not None:
                return m.start(), kind
        m = self._outcome.search(quote)
        return (m.start() if m else 0), None

    def parties(self, quote: str) -> list[tuple[int, int, str]]:
        """Actor mentions that can be parties: not reporters by type, nor 'X said', nor 'according to X'."""
        out = []
        for s, e, token in self.lexicon.actor_spans(quote):
            if self.types.get(token) in self.rules.reporter_types:
                continue
            if self._reporting.match(quote[e:e + 60]) or self._according.search(quote[max(0, s - 60):s]):
                continue
            out.append((s, e, token))
        return sorted(out + self.bodies(quote)) if self._bodies else out

    def roles(self, quote: str, kind: str, casualties: Sequence[Casualty] = (), own: str | None = None,
              types: Sequence[str] = ()) -> tuple[str | None, str | None]:
        """(actor1, actor2): who did it and to whom, as actor tokens ('civilians' for civilian victims).
        ``own``: the actor the document speaks for, whom 'our forces' names; ``types``: the sentence's other
        types, whose cue marks the event when ``kind``'s is not in it."""
        order = [kind, *(t for t in self.rules.priority if t in types and t != kind)]
        at, cue_kind = self.anchor(quote, order)
        mentions = self.parties(quote)
        cue = re.match(r"[\w-]+", quote[at:])
        passive = bool(self._passive.search(quote[max(0, at - 24):at])) and not (cue and cue[0].endswith("ing"))
        modifier = self._modifier.get(cue_kind or kind)
        victims = [m for m in mentions if any(s <= m[0] < e for s, e in self._victim_spans(quote, casualties))]
        between = re.search(r"\bbetween\s", quote[at:])
        if kind == "clash" and between:
            sides = list(dict.fromkeys(t for s, _, t in mentions if s >= at + between.start()))
            if len(sides) >= 2:
                return sides[0], sides[1]
        if kind == "clash" and len({t for _, _, t in victims}) >= 2:
            sides = list(dict.fromkeys(t for _, _, t in victims))
            return sides[0], sides[1]
        mentions = [m for m in mentions if m not in victims] + victims  # victims last: never taken as subject
        by = [m for m in mentions if self._by.search(quote[max(0, m[0] - 40):m[0]])]
        backers = [m for m in by if self._not_by.search(quote[max(0, m[0] - 50):m[0]])]  # 'backed by X'
        agents = [m for m in mentions if m not in backers and (
            m in by or modifier is not None and modifier.match(quote[m[1]:m[1] + 40]))]
        before = [m for m in mentions if m[1] <= at and not _CLAUSE.search(quote, m[1], at)]
        after = [m for m in mentions if m[0] >= at and m not in agents]
        claimant = [t for _, e, t in self.lexicon.actor_spans(quote) if self._claims.match(quote[e:e + 60])]
        if not claimant and not agents:
            agents = self.attributive(quote, cue_kind or kind)
        actor1: str | None = claimant[0] if claimant else agents[0][2] if agents else None
        actor2: str | None = None
        own_forces = _OWN_FORCES.search(quote, 0, at + 1)
        if actor1 is None and own_forces is not None:
            if own_forces[0].lower().startswith("our"):
                actor1 = own
            else:
                named = [t for s, _, t in self.lexicon.actor_spans(quote) if s < own_forces.start()
                         and self.types.get(t) not in self.rules.reporter_types]
                actor1 = named[-1] if named else None
        subject = [m for m in before if m not in agents and m not in by and m[2] != actor1 and m not in victims
                   and not self._object.search(quote[max(0, m[0] - 30):m[0]])]
        if actor1 is None and subject and not passive:
            actor1 = subject[-1][2]
        elif subject and (passive or agents):
            actor2 = subject[-1][2] if subject[-1][2] != actor1 else None
        if actor2 is None:
            actor2 = next((t for _, _, t in victims if t != actor1), None)
        if actor2 is None:
            actor2 = next((t for _, _, t in after if t != actor1), None)
        if actor2 is None:
            objects = [m for m in before if m not in agents and m not in by and m[2] != actor1 and m not in subject]
            actor2 = objects[-1][2] if objects else None
        if actor2 is None and (any(c.kind and self._civilian.search(c.kind) for c in casualties)
                               or self._civilian_target.search(quote)):
            actor2 = CIVILIANS
        return actor1, actor2

    def attributive(self, quote: str, kind: str) -> list[tuple[int, int, str]]:
        """An actor named only by its event head right before a ``kind`` event noun ('government air strikes',
        'Russian bombing', 'regime heavy shelling'): the perpetrator; not after another state's name ('Iraqi
        government shelling'). Returns the first such mention as (start, end, token), or nothing."""
        noun = self._event_noun.get(kind)
        if noun is None:
            return []
        found, heads_at = [], []
        for token, heads, veto in self._event_heads:
            for m in heads.finditer(quote):
                if veto is not None and veto.search(quote, 0, m.start()):
                    continue
                heads_at.append((m.start(), m.end(), token))
                said = noun.match(quote, m.end())
                if said and not self._people_noun.match(_word_at(quote, said.end())):
                    found.append((m.start(), m.end(), token))
        # 'Russian and Syrian air strikes': a head joined to one that is before the noun is a perpetrator too
        for s, e, token in heads_at:
            joined = _JOINED.match(quote, e)
            if joined and any(f[0] == joined.end() for f in found):
                found.append((s, e, token))
        return sorted(found, key=lambda f: (f[0], -f[1]))[:1]  # the longest head at the first place

    # --- casualties and place ----------------------------------------------------------------------------

    def casualties(self, quote: str, frame: Frame) -> list[Casualty]:
        """The killed / injured figures of the sentence with what each counts and whether it is part of another.
        A figure of people the frame left uncounted takes the first kill / wound word after it in its clause."""
        out: list[Casualty] = []
        at = 0
        for f in frame.figures:
            i = quote.find(f.text, at)
            if i < 0:
                i = quote.find(f.text)
            end = i + len(f.text) if i >= 0 else at
            at = max(at, end)
            counts = f.counts
            if counts is None and i >= 0 and self._person.match(quote[end:end + 60]):
                counts = self._counted_after(quote[end:])
            if counts not in ("kill", "wound"):
                continue
            kind = self._kind(quote[end:end + 80]) if i >= 0 else None
            part = i >= 0 and bool(self._part.search(quote[max(0, i - 30):i]))
            out.append(Casualty(outcome="killed" if counts == "kill" else "injured", text=f.text, value=f.value,
                                kind=kind, part=part, start=i if i >= 0 else None,
                                end=end + len(kind) + 1 if i >= 0 and kind else None))
        return out

    def _counted_after(self, rest: str) -> str | None:
        clause = re.split(r"[;:]|\.\s|\b(?:after|before|when|while|but|as)\b", rest, maxsplit=1)[0]
        kill, wound = self._kill_word.search(clause), self._wound_word.search(clause)
        if kill and (not wound or kill.start() < wound.start()):
            return "kill"
        return "wound" if wound else None

    @staticmethod
    def _victim_spans(quote: str, casualties: Sequence[Casualty]) -> list[tuple[int, int]]:
        return [(c.start, c.end) for c in casualties if c.start is not None and c.end is not None]

    def _kind(self, after: str) -> str | None:
        words: list[str] = []
        for m in re.finditer(r"[\w'’-]+|[^\w\s]", after):
            w = m[0]
            if not (w[0].isalnum()) or w.lower() in self._stop or len(words) == 3:
                break
            words.append(w)
        return " ".join(words) or None

    def location(self, quote: str, places: Sequence[str]) -> str | None:
        """The place of the event: the first one neither named only as a bearing from it ('north of Hajin') nor
        broad (a country, a river: acled.yaml ``broad_places``) when a narrower one is named; else the first."""
        folded = fold(quote)
        broad = {fold(p) for p in self.rules.broad_places}
        narrow = [p for p in places if fold(p) not in broad] or list(places)
        # 'Deir' read beside 'Deir ez-Zor': the longer name
        narrow = [p for p in narrow if not any(q != p and fold(q).startswith(fold(p) + " ") for q in narrow)]
        for place in narrow:
            i = folded.find(fold(place))
            if i >= 0 and not _BEARING.search(folded[max(0, i - 50):i]):
                return place
        return narrow[0] if narrow else None


def _word_at(text: str, end: int) -> str:
    """The whole word whose part ends at ``end`` ('detain' of 'detainee' -> 'detainee')."""
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "-"):
        end += 1
    return text[start:end]


def _total(casualties: Sequence[Casualty]) -> int | None:
    values = [c.value for c in casualties if c.value is not None and not c.part]
    return sum(values) if values else None


def incident(view: PassageView, frame: Frame, names: dict[str, str], lexicon: Lexicon) -> Incident | None:
    """The incident one sentence reports (roles read without actor types), or None when it names no event."""
    from assistant.knowledge.loader import load_knowledge

    knowledge = load_knowledge()
    reader = IncidentReader(lexicon, names, {f"actor_{a.id}": a.type for a in knowledge.actors},
                            knowledge.events.event_types, knowledge.question.outcomes)
    return reader.read(view, frame)


def select(records: Iterable[Incident], *, event_type: str | None = None, place: re.Pattern[str] | None = None,
           actor: str | None = None, since: date | None = None, until: date | None = None) -> list[Incident]:
    """The records that pass every filter given, by date (undated last), one per sentence."""
    out: dict[tuple[str, int], Incident] = {}
    for r in records:
        if event_type and event_type not in r.event_types:
            continue
        if place is not None and not place.search(fold(r.quote)):
            continue
        if actor and actor not in r.actors and actor not in (r.actor1, r.actor2):
            continue  # a perpetrator named by its event head ('government air strikes') is no mention
        if (since or until) and r.as_of is None:
            continue
        if since and r.as_of and r.as_of < since or until and r.as_of and r.as_of > until:
            continue
        out.setdefault((r.doc_id, r.start), r)
    return sorted(out.values(), key=lambda r: (r.as_of is None, r.as_of or date.max, r.doc_id, r.start))


# --- grouping ------------------------------------------------------------------------------------------------

def place_key(place: str) -> str:
    """A place folded and without its Arabic article, for matching ('al-Bahrah' ~ 'Al-Bahrah' ~ 'Bahrah')."""
    return _ARTICLE.sub("", fold(place).strip())


def _compatible(a: Incident, b: Incident) -> bool:
    """No conflicting actors: shared parties when both name some, the same perpetrator when both name one
    (unless they name the same two sides in the other order)."""
    parties_a = {x for x in (a.actor1, a.actor2) if x}
    parties_b = {x for x in (b.actor1, b.actor2) if x}
    if parties_a and parties_b and not parties_a & parties_b:
        return False
    return not (a.actor1 and b.actor1 and a.actor1 != b.actor1 and parties_a != parties_b)


#: Without a shared place, reports are one event only if their figures are this close (largest / smallest).
FIGURE_RATIO = 3.0


def _figures_close(a: Incident, b: Incident) -> bool:
    """The killed and the injured totals, where both reports give one, within FIGURE_RATIO of each other."""
    for x, y in ((a.killed_total, b.killed_total), (a.injured_total, b.injured_total)):
        if x is not None and y is not None and max(x, y) > FIGURE_RATIO * max(min(x, y), 1):
            return False
    return True


def _same_without_place(a: Incident, b: Incident) -> bool:
    """Two reports, one naming no place, of one event: the same date, the same event type, the same named
    perpetrator (or the same parties), and figures close enough to be one toll."""
    parties_a = {x for x in (a.actor1, a.actor2) if x}
    parties_b = {x for x in (b.actor1, b.actor2) if x}
    same_actors = bool(a.actor1 and a.actor1 == b.actor1) or bool(parties_a and parties_a == parties_b)
    return (a.as_of == b.as_of and a.event_type == b.event_type and a.event_type is not None and same_actors
            and _figures_close(a, b))


def _joins(members: Sequence[Incident], r: Incident, days: int) -> bool:
    """``r`` joins a group when every member is dated within ``days`` of it with no conflicting actor (and, where
    either names no place, is the same event by date, type, actors and figures), and some member shares a place
    with it or is such a placeless match."""
    if r.as_of is None:
        return False
    linked = False
    for m in members:
        if m.as_of is None or abs((m.as_of - r.as_of).days) > days or not _compatible(m, r):
            return False
        placeless = not m.places or not r.places
        if placeless and not _same_without_place(m, r):
            return False
        linked = linked or placeless or bool({place_key(p) for p in m.places} & {place_key(p) for p in r.places})
    return linked


def group(records: Sequence[Incident], days: int = 2) -> list[IncidentGroup]:
    """Records of one event from several reports joined into one incident each (a record alone is a group of
    one); each group keeps every source's figures apart. A record joins a group of the same ACLED type that
    shares a place, whose every dated report is within ``days`` days of it (no chaining across a week), and
    whose reports' actors do not conflict with its own. A record naming no place joins (or is joined by) a report
    of the same date, event type and perpetrator whose figures are close (``FIGURE_RATIO``). Sorted by first
    date (undated last)."""
    groups: list[list[Incident]] = []
    index: dict[tuple[str | None, str], list[int]] = {}
    placeless: set[int] = set()  # groups holding a record that names no place
    for r in sorted(records, key=lambda r: (r.as_of or date.max, r.doc_id, r.start)):
        keys = [(r.acled_event_type, p) for p in dict.fromkeys(place_key(p) for p in r.places)]
        day = (r.acled_event_type, f"@{r.as_of.isoformat()}" if r.as_of else "@")
        by_day = index.get(day, [])
        candidates = [n for k in keys for n in index.get(k, [])] + [
            n for n in by_day if not r.places or n in placeless]
        home = next((n for n in dict.fromkeys(candidates) if _joins(groups[n], r, days)), None)
        if home is None:
            home = len(groups)
            groups.append([])
        groups[home].append(r)
        if not r.places:
            placeless.add(home)
        for k in [*keys, day]:
            if home not in index.setdefault(k, []):
                index[k].append(home)
    out = [_group(rs) for rs in groups]
    return sorted(out, key=lambda g: (g.first is None, g.first or date.max, g.id))


def _most(values: Iterable[str | None]) -> str | None:
    counts: dict[str, int] = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: counts[v]) if counts else None


def _group(reports: list[Incident]) -> IncidentGroup:
    reports = sorted(reports, key=lambda r: (r.as_of or date.max, r.doc_id, r.start))
    dated = [r.as_of for r in reports if r.as_of]
    by_source: dict[str, SourceReport] = {}
    for r in reports:
        key = r.source or r.title
        s = by_source.setdefault(key, SourceReport(source=key))
        s.citations.append(r.cite())
        for field, value in (("killed", r.killed_total), ("injured", r.injured_total)):
            if value is not None and (getattr(s, field) is None or value > getattr(s, field)):
                setattr(s, field, value)
    first = reports[0]
    places: list[str] = []
    for r in reports:
        places += [p for p in r.places if place_key(p) not in {place_key(q) for q in places}]
    actor1 = _most(r.actor1 for r in reports)
    actor2 = _most(r.actor2 for r in reports if r.actor2 != actor1)
    names = {t: n for r in reports for t, n in ((r.actor1, r.actor1_name), (r.actor2, r.actor2_name)) if t and n}
    killed = {s.killed for s in by_source.values() if s.killed is not None}
    injured = {s.injured for s in by_source.values() if s.injured is not None}
    return IncidentGroup(
        id=f"{first.doc_id}:{first.start}", event_type=_most(r.event_type for r in reports) or first.event_types[0],
        acled_event_type=first.acled_event_type, acled_sub_event_type=_most(r.acled_sub_event_type for r in reports),
        first=min(dated) if dated else None, last=max(dated) if dated else None,
        location=_most(r.location for r in reports), places=places,
        actor1=actor1, actor1_name=names.get(actor1 or ""), actor2=actor2, actor2_name=names.get(actor2 or ""),
        sources=list(by_source.values()), reports=reports,
        disagree=len(killed) > 1 or len(injured) > 1,
    )


# --- CSV -----------------------------------------------------------------------------------------------------

#: ACLED's columns (event_date ... source), then the citation of each row and Sitrep's own type.
CSV_COLUMNS = ["event_date", "event_type", "sub_event_type", "actor1", "actor2", "location", "fatalities", "notes",
               "source", "doc_id", "start", "end", "date_basis", "sitrep_type", "injured"]


def to_csv(records: Iterable[Incident]) -> str:
    """Incidents in ACLED's column layout, one row per record: event_type / sub_event_type are ACLED's, notes is
    the quoted sentence, fatalities the killed total; every row keeps its citation (doc_id, start, end)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow([
            r.as_of.isoformat() if r.as_of else "", r.acled_event_type or "", r.acled_sub_event_type or "",
            r.actor1_name or "", r.actor2_name or "", r.location or "; ".join(r.places),
            "" if r.fatalities is None else r.fatalities, r.quote, r.source or "",
            r.doc_id, r.start, r.end, r.date_basis or "", r.event_type or "/".join(r.event_types),
            "" if r.injured_total is None else r.injured_total,
        ])
    return out.getvalue()


def groups_to_csv(groups: Iterable[IncidentGroup]) -> str:
    """Grouped incidents in ACLED's columns, one row per (incident, source): each source's figures apart."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["incident", *CSV_COLUMNS])
    for g in groups:
        for s in g.sources:
            r = next(r for r in g.reports if r.cite() == s.citations[0])
            writer.writerow([
                g.id, g.first.isoformat() if g.first else "", g.acled_event_type or "", g.acled_sub_event_type or "",
                g.actor1_name or "", g.actor2_name or "", g.location or "; ".join(g.places),
                "" if s.killed is None else s.killed, r.quote, s.source, r.doc_id, r.start, r.end,
                r.date_basis or "", g.event_type, "" if s.injured is None else s.injured,
            ])
    return out.getvalue()
