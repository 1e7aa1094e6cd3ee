"""The question router: which questions are answered from structured records instead of passage retrieval.

Questions about who holds a place (as of a date) or when it changed hands go to the control timeline, listing and
counting questions over incidents to the incident records, contested questions ("what does each side claim", "who
claims responsibility") to who-claims-what; everything else to passage retrieval. The cues are data
(``assistant/knowledge/data/routes.yaml``). A route is only a first choice: when the records do not cover the
question the Assistant falls back to retrieval (``Answer.debug["route"]`` says which and why).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.constraints import DateWant
from assistant.answer.question import Analyser, Question
from assistant.knowledge.loader import RouteCues

RouteName = Literal["control", "incidents", "claims", "retrieval"]

_ART = r"(?:al|el|ad|ar|as|ash|at|az|an|ez|es|ed|er|ibn|bin|abu|umm)"
#: A place as questions write it: capitalised words, with Arabic articles and hyphens ('Abu al-Khatir', 'Al-Shaafa').
_PLACE = re.compile(rf"(?<![\w'’-])(?:{_ART}-)?[A-Z][\w'’]*(?:(?:\s+|-)(?:{_ART}-)?[A-Z][\w'’]*)*")
_NOT_PLACE = re.compile(r"^(?:who|whom|whose|what|which|when|where|why|how|did|does|do|is|was|were|are|has|had|have|"
                        r"on|in|at|by|after|before|since|according|the|a|an|and|i|"
                        r"january|february|march|april|may|june|july|august|september|october|november|december|"
                        r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)$", re.I)
_IMPERATIVE = re.compile(r"^(?:list|show|give|tell|please|count|name)$", re.I)  # only as the question's first word


class Route(BaseModel):
    """Where a question goes, and what the records must be filtered by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: RouteName
    mode: str | None = Field(default=None, description="control: holder | change; incidents: list | count.")
    places: list[str] = Field(default_factory=list, description="Candidate places, in question order.")
    actors: list[str] = Field(default_factory=list, description="Actor tokens the question names, in its order.")
    source: str | None = Field(default=None, description="The reporting source asked about ('according to X').")
    loses: bool = Field(default=False, description="control change: the question asks when an actor lost it.")
    again: bool = Field(default=False, description="control change: the question asks about a retaking.")
    event_type: str | None = None
    dates: list[DateWant] = Field(default_factory=list)
    reason: str = ""

    def as_of(self) -> date | None:
        """The last day the question's first date can mean (the control route's as-of), when its year is known."""
        bounds = self.dates[0].bounds() if self.dates else None
        return bounds[1] if bounds else None

    def debug(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_defaults=True)


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I) if patterns else None


class Router:
    """Reads a Question (analysed once) and names its route; pure, no index access."""

    def __init__(self, cues: RouteCues, analyser: Analyser) -> None:
        self.cues = cues
        self.analyser = analyser
        self._holder = _compile(cues.control.holder)
        self._change = _compile(cues.control.change)
        self._exclude = _compile(cues.control.exclude)
        self._list = _compile(cues.incidents.listing)
        self._count = _compile(cues.incidents.counting)
        self._contested = _compile(cues.claims.contested)
        #: A claim that denies or disputes another account (compiled once, used by who-claims-what).
        self.disputed = _compile(cues.claims.disputed)
        self._loses = re.compile("|".join(f"(?:{p})" for p in cues.control.loses) or "(?!)", re.I)
        self._again = re.compile("|".join(f"(?:{p})" for p in cues.control.again) or "(?!)", re.I)

    @staticmethod
    def places(text: str, actor_spans: list[tuple[int, int]]) -> list[str]:
        """Capitalised names of the question that are no actor, question word, month or weekday, in order."""
        found = []
        for m in _PLACE.finditer(text):
            words = m[0].split()
            first = not text[:m.start()].strip(" \t\"'¿")
            while words and (_NOT_PLACE.match(words[0]) or first and _IMPERATIVE.match(words[0])):
                words, first = words[1:], False
            name = " ".join(words)
            start = m.end() - len(name)
            if not name or _NOT_PLACE.match(name) or any(s < m.end() and start < e for s, e in actor_spans):
                continue
            found.append(name)
        return list(dict.fromkeys(found))

    def route(self, question: Question) -> Route:
        text = question.text
        c = question.constraints
        spans = self.analyser.lexicon.actor_spans(text)
        actors = list(dict.fromkeys(canon for _, _, canon in sorted(spans)))
        places = self.places(text, [(s, e) for s, e, _ in spans])

        def routed(name: RouteName, mode: str | None, reason: str, event_type: str | None = None) -> Route:
            return Route(name=name, mode=mode, reason=reason, event_type=event_type, places=places, actors=actors,
                         dates=list(c.dates), source=c.source, loses=bool(self._loses.search(text)),
                         again=bool(self._again.search(text)))

        if self._contested and (m := self._contested.search(text)):
            return routed("claims", None, f"contested: {m[0]!r}")
        excluded = self._exclude.search(text) if self._exclude else None
        for mode, rx in (("holder", self._holder), ("change", self._change)):
            if rx and (m := rx.search(text)):
                if excluded:
                    return Route(name="retrieval", reason=f"control cue {m[0]!r} but not a whole place: "
                                                          f"{excluded[0]!r}")
                if not places:
                    return Route(name="retrieval", reason=f"control cue {m[0]!r} but no place named")
                return routed("control", mode, f"{mode}: {m[0]!r}")
        for mode, rx in (("count", self._count), ("list", self._list)):
            if rx and (m := rx.search(text)):
                events = self.analyser.event_types(text)
                if not events:
                    return Route(name="retrieval", reason=f"incident cue {m[0]!r} but no event type named")
                if not (places or actors or c.dates):
                    return Route(name="retrieval", reason=f"incident cue {m[0]!r} but no place, actor or date")
                return routed("incidents", mode, f"{mode}: {m[0]!r}", events[0])
        return Route(name="retrieval", reason="no route cue")
