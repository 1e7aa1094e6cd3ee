"""The records of conflict knowledge; each one carries its citation (doc_id, sentence span, quote)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Cited(_Model):
    """Where a record comes from: one sentence of a stored document."""

    doc_id: str
    passage_id: str
    start: int = Field(description="Start of the quoted sentence in the document text.")
    end: int
    quote: str = Field(description="The document text between start and end.")
    title: str = ""
    source: str | None = Field(default=None, description="Who reports it: the sentence's source, else the document's.")
    published: date | None = None
    url: str | None = None

    def cite(self) -> str:
        """One-line citation: doc_id:start-end."""
        return f"{self.doc_id}:{self.start}-{self.end}"


class ActorMention(Cited):
    """A passage that mentions an actor, quoted at its first sentence that does."""

    sentences: int = Field(description="Sentences of the passage that mention the actor.")


class ActorSummary(_Model):
    id: str
    name: str
    type: str | None = None
    aliases: int = Field(description="Number of aliases (and case-sensitive forms).")
    passages: int = Field(description="Stored passages mentioning the actor.")


class ActorInfo(_Model):
    """One actor of the registry with its most-cited passages in the index."""

    id: str
    token: str = Field(description="The index token, 'actor_<id>'.")
    name: str
    type: str | None = None
    description: str | None = None
    affiliations: list[dict[str, str]] = Field(default_factory=list, description="[{id, name}] of its affiliations.")
    affiliated: list[dict[str, str]] = Field(default_factory=list, description="[{id, name}] affiliated to it.")
    aliases: list[str] = Field(default_factory=list)
    passages: int = Field(default=0, description="Stored passages mentioning the actor.")
    mentions: list[ActorMention] = Field(default_factory=list, description="Top passages, most sentences first.")


class ControlClaim(Cited):
    """A claim that an actor took, held, lost or besieged a place, as of a date, by a source."""

    place: str = Field(description="The place as the sentence writes it.")
    actor: str | None = Field(description="Canonical actor token ('actor_sdf'); None when the sentence names none.")
    actor_name: str | None = None
    kind: str = Field(description="capture, recapture, control, stronghold, fall, withdrawal, siege.")
    holds: bool | None = Field(description="True: the actor holds the place after this; False: it lost it.")
    cue: str = Field(description="The words of the claim ('captured', 'withdrew from').")
    as_of: date | None = Field(description="The event's date, else the publication date (see date_basis).")
    date_basis: Literal["event", "published"] | None = None
    date_text: str | None = Field(default=None, description="The date as written in the sentence.")


class ControlTimeline(_Model):
    """Every claim about a place in date order, and the latest claim of each source as of a date."""

    place: str
    as_of: date | None = None
    claims: list[ControlClaim] = Field(default_factory=list, description="Sorted by date (undated last).")
    latest: dict[str, ControlClaim] = Field(default_factory=dict, description="Source -> its latest claim.")


class Incident(Cited):
    """One sentence that reports an event, read from its evidence frame (event type, date, places, actors,
    casualty figures); one record per reporting sentence (reports of one event are not grouped yet)."""

    event_types: list[str] = Field(description="airstrike, shelling, clash, attack, capture, ... (events.yaml).")
    as_of: date | None = Field(description="The event's date, else the publication date (see date_basis).")
    date_basis: Literal["event", "published"] | None = None
    date_text: str | None = None
    places: list[str] = Field(default_factory=list)
    actors: list[str] = Field(default_factory=list, description="Canonical actor tokens named by the sentence.")
    actor_names: list[str] = Field(default_factory=list)
    killed: list[str] = Field(default_factory=list, description="Figures counting the dead, as written.")
    injured: list[str] = Field(default_factory=list, description="Figures counting the wounded, as written.")
    fatalities: int | None = Field(default=None, description="The first killed figure with a value (ACLED's column).")


class SourceClaim(Cited):
    """What one source claims about the question: its best sentence, with the figures and actors it names."""

    claimant: str = Field(description="Who makes the claim: the sentence's attributed source, else the document's.")
    figures: list[str] = Field(default_factory=list, description="Figures the sentence gives, as written.")
    actors: list[str] = Field(default_factory=list, description="Actors the sentence names (canonical names).")
    score: float = Field(default=0.0, description="The answerer's score of the sentence for the question.")


class ClaimSet(_Model):
    """Who claims what about one question: one claim per source, and whether the sources disagree."""

    question: str
    claims: list[SourceClaim] = Field(default_factory=list, description="One per source, best first.")
    disagree: bool = Field(default=False, description="The sources give different figures or name different actors.")
    differences: list[str] = Field(default_factory=list, description="What differs ('figures', 'actors').")
    reason: str = Field(default="", description="Why no claim was found, when none was.")
