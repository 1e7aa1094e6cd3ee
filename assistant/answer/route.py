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


class Route(BaseModel):
    """Where a question goes, and what the records must be filtered by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: RouteName
    mode: str | None = Field(default=None, description="control: holder | change; incidents: list | count.")
    places: list[str] = Field(default_factory=list, description="Candidate places, in question order.")
    actors: list[str] = Field(default_factory=list, description="Actor tokens the question names.")
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

    def route(self, question: Question) -> Route:
        text = question.text
        c = question.constraints
        actor_names = {n for n in c.names if self.analyser.lexicon.actors_in(n)}
        places = [n for n in c.names if n not in actor_names]

        def routed(name: RouteName, mode: str | None, reason: str, event_type: str | None = None) -> Route:
            return Route(name=name, mode=mode, reason=reason, event_type=event_type, places=places,
                         actors=list(c.actors), dates=list(c.dates))

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
                if not (places or c.actors or c.dates):
                    return Route(name="retrieval", reason=f"incident cue {m[0]!r} but no place, actor or date")
                return routed("incidents", mode, f"{mode}: {m[0]!r}", events[0])
        return Route(name="retrieval", reason="no route cue")
