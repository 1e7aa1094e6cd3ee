"""Incident records read by an LLM (``SITREP_KNOWLEDGE__INCIDENT_EXTRACTOR=llm``), verified like any answer.

Per passage that reports an event (a stored frame names an event type), the chat model is asked for its
incident records as JSON (``prompts/incidents_*.txt``; the shape is ``LLMIncidents``). Each record is then
checked against the passage, field by field, and cited to the sentence that holds its quote:

- **quote**: must be in the passage text (whitespace aside), else the *record is dropped*; the record's
  citation is the whole sentence that holds it (a stored frame's span);
- **event_type**: must be a type of events.yaml whose cue the sentence says, else the *record is dropped*
  (a record is an event);
- **date**: must be a date the sentence names (inside one of its frame's resolved dates) or the report's
  publication date (``date_basis`` says which), else the *field is dropped*;
- **killed / injured**: the number must be written in the sentence (as digits outside its dates, or a figure
  the frame read: 'seven'), else the *field is dropped*;
- **actor1 / actor2**: the name must resolve to a registry actor (any alias) that the sentence mentions
  under one of its aliases (or, for the target, 'civilians' when the sentence names civilian victims), else
  the *field is dropped*;
- **place**: must be written in the sentence, else the *field is dropped*.

Each kept record says ``extractor='llm'`` and lists its dropped fields (``unverified``). When the model fails,
times out, answers malformed JSON, or none of its records survives the check, that passage's records are the
rules' (``extractor='rules'``), and ``notes`` says why. Answers are cached per passage text, so a second
listing does not ask again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.conflict.incidents import CIVILIANS, IncidentReader, _total
from assistant.conflict.models import Casualty, Incident
from assistant.knowledge.lexicon import fold
from assistant.models import Frame, PassageView

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d,])|(?<![\w.])\d+(?![\d])")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?(?:\s+|$)")


class LLMIncident(BaseModel):
    """One record as the model writes it (every field but the quote and the type may be null)."""

    model_config = ConfigDict(extra="ignore")

    quote: str = Field(min_length=1, description="The sentence reporting the event, copied verbatim.")
    event_type: str = Field(min_length=1, description="A type of events.yaml.")
    date: dt.date | None = Field(default=None, description="The event's day (ISO), resolved against the report date.")
    place: str | None = None
    actor1: str | None = Field(default=None, description="Perpetrator, as the sentence names it.")
    actor2: str | None = Field(default=None, description="Target / victim, as named ('civilians').")
    killed: int | None = Field(default=None, ge=0)
    injured: int | None = Field(default=None, ge=0)


class LLMIncidents(BaseModel):
    """The model's whole answer for one passage."""

    model_config = ConfigDict(extra="ignore")

    incidents: list[LLMIncident]


def parse(text: str) -> LLMIncidents:
    """The model's JSON (a ```json fence and a bare list allowed); raises ValueError when malformed."""
    body = _FENCE.sub("", text.strip())
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc.msg}") from None
    if isinstance(data, list):
        data = {"incidents": data}
    try:
        return LLMIncidents.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"JSON not in the incident shape: {exc.errors()[0]['msg']}") from None


def _squash(text: str) -> tuple[str, list[int]]:
    """Whitespace runs as one space, with each kept character's offset in the original."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        out.append(ch)
        where.append(i)
    return "".join(out), where


class LLMIncidentExtractor:
    """Asks a chat model for a passage's incident records, keeps what the passage supports (see module doc)."""

    def __init__(self, model: BaseChatModel, reader: IncidentReader, prompts: dict[str, str],
                 resolve: dict[str, str], timeout_s: float) -> None:
        """``resolve``: lower-case actor name / alias / id -> token (the registry), for the model's names."""
        self.model, self.reader, self.prompts, self.resolve = model, reader, prompts, resolve
        self.timeout_s = timeout_s
        self.types = sorted(reader._cues)
        self.notes: list[str] = []
        self._cache: dict[str, list[Incident] | None] = {}
        self._version = hashlib.sha256("".join(prompts[k] for k in ("incidents_system", "incidents_user"))
                                       .encode()).hexdigest()[:12]

    # --- asking ------------------------------------------------------------------------------------------

    def messages(self, view: PassageView) -> list[tuple[str, str]]:
        system = self.prompts["incidents_system"].format(types=", ".join(self.types))
        user = self.prompts["incidents_user"].format(
            title=view.title or "untitled", passage=view.passage.text.strip(),
            published=view.published.isoformat() if view.published else "unknown")
        return [("system", system), ("human", user)]

    def ask(self, view: PassageView) -> LLMIncidents:
        """The model's records for one passage; raises on failure, timeout or malformed JSON."""
        from assistant.answer.llm import message_text

        started, parts = time.perf_counter(), []
        for chunk in self.model.stream(self.messages(view)):
            parts.append(message_text(chunk.content))
            if time.perf_counter() - started > self.timeout_s:
                raise TimeoutError(f"no complete answer within {self.timeout_s:g} s")
        return parse("".join(parts))

    def records(self, view: PassageView, frames: Sequence[Frame]) -> list[Incident]:
        """The passage's verified LLM records, or the rules' when the model fails (a note says why)."""
        rules = [r for f in frames if (r := self.reader.read(view, f)) is not None]
        if not rules:  # no sentence reports an event: nothing to ask about
            return []
        p = view.passage
        key = f"{p.passage_id}:{hashlib.sha256(p.text.encode()).hexdigest()[:16]}:{self._version}"
        if key not in self._cache:
            self._cache[key] = self._extract(view, frames)
        found = self._cache[key]
        return rules if found is None else found

    def _extract(self, view: PassageView, frames: Sequence[Frame]) -> list[Incident] | None:
        try:
            answer = self.ask(view)
        except Exception as exc:  # any failure of the model or its answer: the rules for this passage
            self._note(view, _reason(exc))
            return None
        kept = [r for item in answer.incidents if (r := self.verify(item, view, frames)) is not None]
        if answer.incidents and not kept:
            self._note(view, "none of its records could be verified")
            return None
        return kept

    def _note(self, view: PassageView, reason: str) -> None:
        note = f"LLM incident extraction unavailable for {view.passage.passage_id}: {reason}; rules used"
        log.warning(note)
        self.notes.append(note)

    # --- verifying ---------------------------------------------------------------------------------------

    def sentence(self, quote: str, view: PassageView, frames: Sequence[Frame]) -> tuple[int, int] | None:
        """The document span of the sentence holding ``quote`` (whitespace aside), or None when not in the text."""
        p = view.passage
        text, where = _squash(p.text)
        needle = _squash(quote.strip())[0]
        i = text.find(needle) if needle.strip() else -1
        if i < 0:
            return None
        start, end = p.start + where[i], p.start + where[i + len(needle) - 1] + 1
        for f in frames:
            if f.start <= start and end <= f.end:
                return f.start, f.end
        # not inside one stored sentence: widen to the sentence boundaries around it
        local_s, local_e = start - p.start, end - p.start
        ends = [m.end() for m in _SENTENCE_END.finditer(p.text) if m.end() <= local_s]
        s = ends[-1] if ends else 0
        m = _SENTENCE_END.search(p.text, local_e - 1)
        e = m.start() + 1 if m else len(p.text)
        return p.start + s, p.start + e

    def verify(self, item: LLMIncident, view: PassageView, frames: Sequence[Frame]) -> Incident | None:
        """The record cited to its sentence with every unsupported field dropped; None when its quote is not in
        the passage or its type is not said by the sentence."""
        span = self.sentence(item.quote, view, frames)
        if span is None:
            log.info("LLM incident dropped: quote not in %s", view.passage.passage_id)
            return None
        p = view.passage
        quote = p.text[span[0] - p.start:span[1] - p.start]
        kind = item.event_type.strip().lower()
        cue = self.reader._cues.get(kind)
        if cue is None or not cue.search(quote):
            log.info("LLM incident dropped: type %r not said by its sentence", item.event_type)
            return None
        frame = next((f for f in frames if f.start == span[0] and f.end == span[1]), None)
        dropped: list[str] = []
        day, basis = self._date(item.date, frame, view, dropped)
        numbers = self._numbers(quote, frame)
        killed = self._figure(item.killed, numbers, "killed", dropped)
        injured = self._figure(item.injured, numbers, "injured", dropped)
        actors = self.reader.lexicon.actors_in(quote)
        actor1 = self._actor(item.actor1, quote, actors, "actor1", dropped, target=False)
        actor2 = self._actor(item.actor2, quote, actors, "actor2", dropped, target=True)
        place = item.place.strip() if item.place and item.place.strip() else None
        if place is not None and fold(place) not in fold(quote):
            dropped.append("place")
            place = None
        acled_type, acled_sub = self.reader.acled(kind, quote, actor1, actor2)
        casualties = [Casualty(outcome="killed", text=str(killed), value=killed)] if killed is not None else []
        if injured is not None:
            casualties.append(Casualty(outcome="injured", text=str(injured), value=injured))
        ordered = sorted(actors)
        as_of = day or view.published
        return Incident(
            doc_id=p.doc_id, passage_id=p.passage_id, start=span[0], end=span[1], quote=quote, title=view.title,
            source=self.reader.source_of(view, frame), published=view.published, url=view.url,
            event_types=list(dict.fromkeys([kind, *(frame.event_types if frame else [])])), as_of=as_of,
            date_basis=basis if as_of else None, date_text=None, places=list(frame.places) if frame else [],
            actors=ordered, actor_names=[self.reader.names.get(a, a) for a in ordered],
            killed=[str(killed)] if killed is not None else [], injured=[str(injured)] if injured is not None else [],
            fatalities=_total([c for c in casualties if c.outcome == "killed"]), event_type=kind,
            acled_event_type=acled_type, acled_sub_event_type=acled_sub,
            event_date=day if basis == "event" else None, location=place, actor1=actor1,
            actor1_name=self.reader._name(actor1), actor2=actor2, actor2_name=self.reader._name(actor2),
            casualties=casualties, killed_total=killed, injured_total=injured, extractor="llm", unverified=dropped,
        )

    @staticmethod
    def _date(day: dt.date | None, frame: Frame | None, view: PassageView,
              dropped: list[str]) -> tuple[dt.date | None, Literal["event", "published"]]:
        if day is None:
            return None, "published"
        if frame is not None and any(d.start <= day <= d.end for d in frame.dates):
            return day, "event"
        if view.published is not None and day == view.published:
            return day, "published"
        dropped.append("date")
        return None, "published"

    @staticmethod
    def _numbers(quote: str, frame: Frame | None) -> set[int]:
        if frame is not None:  # a day of a date is no figure ('3 May 2020')
            for d in frame.dates:
                quote = quote.replace(d.text, " ")
        found = {int(m[0].replace(",", "")) for m in _NUMBER.finditer(quote)}
        if frame is not None:
            found.update(f.value for f in frame.figures if f.value is not None)
        return found

    @staticmethod
    def _figure(value: int | None, numbers: set[int], name: str, dropped: list[str]) -> int | None:
        if value is None or value in numbers:
            return value
        dropped.append(name)
        return None

    def _actor(self, name: str | None, quote: str, named: set[str], field: str, dropped: list[str],
               target: bool) -> str | None:
        if name is None or not name.strip():
            return None
        folded = fold(name.strip())
        if target and folded in {"civilians", "civilian", "civilian victims"}:
            if self.reader._civilian.search(quote):
                return CIVILIANS
            dropped.append(field)
            return None
        token = self.resolve.get(folded)
        if token is None:
            found = self.reader.lexicon.actors_in(name)
            token = next(iter(found)) if len(found) == 1 else None
        if token is None or token not in named:
            dropped.append(field)
            return None
        return token


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name
