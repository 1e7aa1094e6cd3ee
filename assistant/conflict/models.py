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
    sentences: int = Field(default=0, description="Sentences of those passages mentioning it.")
    top: ActorMention | None = Field(default=None, description="Its most-cited passage (the most sentences naming "
                                     "it), quoted and cited; None when no passage names it.")


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
    sentences: int = Field(default=0, description="Sentences of those passages mentioning it.")
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
    partial: bool = Field(default=False, description="About a share of the place only ('captured 90% of X').")


class ControlTimeline(_Model):
    """Every claim about a place in date order, and the latest claim of each source as of a date."""

    place: str
    as_of: date | None = None
    claims: list[ControlClaim] = Field(default_factory=list, description="Sorted by date (undated last).")
    latest: dict[str, ControlClaim] = Field(default_factory=dict, description="Source -> its latest claim.")


class Casualty(_Model):
    """One killed or injured figure of a sentence, with what it counts."""

    outcome: Literal["killed", "injured"]
    text: str = Field(description="As written: '12', 'at least 70', 'dozens'.")
    value: int | None = Field(default=None, description="None for vague quantities ('dozens').")
    kind: str | None = Field(default=None, description="What it counts, as written ('SDF fighters', 'civilians').")
    part: bool = Field(default=False, description="Part of a figure already counted ('including 4 children').")
    start: int | None = Field(default=None, description="Offset of the figure in the quote.")
    end: int | None = Field(default=None, description="End of the figure and its kind in the quote.")


class Incident(Cited):
    """One sentence that reports an event, read from its evidence frame plus the role and casualty rules:
    type (Sitrep's and ACLED's), event date apart from the publication date, location, perpetrator and target,
    casualty figures by kind, the claiming source and the citation."""

    event_types: list[str] = Field(description="Every type the sentence names (events.yaml).")
    as_of: date | None = Field(description="The event's date, else the publication date (see date_basis).")
    date_basis: Literal["event", "published"] | None = None
    date_text: str | None = None
    places: list[str] = Field(default_factory=list)
    actors: list[str] = Field(default_factory=list, description="Canonical actor tokens named by the sentence.")
    actor_names: list[str] = Field(default_factory=list)
    killed: list[str] = Field(default_factory=list, description="Figures counting the dead, as written.")
    injured: list[str] = Field(default_factory=list, description="Figures counting the wounded, as written.")
    fatalities: int | None = Field(default=None, description="ACLED's column: the killed total (= killed_total).")
    event_type: str | None = Field(default=None, description="The most specific type named (acled.yaml priority).")
    acled_event_type: str | None = Field(default=None, description="ACLED event type ('Battles', ...).")
    acled_sub_event_type: str | None = Field(default=None, description="ACLED sub-event type ('Air/drone strike').")
    event_date: date | None = Field(default=None, description="The date the sentence gives the event (else None).")
    location: str | None = Field(default=None, description="The place of the event (not a bearing from it).")
    actor1: str | None = Field(default=None, description="Perpetrator: actor token, or None when not named.")
    actor1_name: str | None = None
    actor2: str | None = Field(default=None, description="Target / victim: actor token, 'civilians', or None.")
    actor2_name: str | None = None
    casualties: list[Casualty] = Field(default_factory=list)
    killed_total: int | None = Field(default=None, description="Sum of the killed figures with a value.")
    injured_total: int | None = Field(default=None, description="Sum of the injured figures with a value.")
    extractor: Literal["rules", "llm"] = Field(
        default="rules", description="Read by the rules, or by the LLM and verified against the sentence.")
    unverified: list[str] = Field(
        default_factory=list, description="Fields the LLM gave that the sentence does not support (dropped).")


class SourceReport(_Model):
    """What one source reports of a grouped incident: its (largest) figures and its citations."""

    source: str
    killed: int | None = None
    injured: int | None = None
    citations: list[str] = Field(default_factory=list, description="doc_id:start-end of its sentences.")


class IncidentGroup(_Model):
    """Records of one event from several reports (same ACLED type, a shared place, dates within two days, no
    conflicting actors), with each source's figures kept apart."""

    id: str = Field(description="doc_id:start of its earliest report.")
    event_type: str
    acled_event_type: str | None = None
    acled_sub_event_type: str | None = None
    first: date | None = None
    last: date | None = None
    location: str | None = None
    places: list[str] = Field(default_factory=list)
    actor1: str | None = None
    actor1_name: str | None = None
    actor2: str | None = None
    actor2_name: str | None = None
    sources: list[SourceReport] = Field(default_factory=list)
    reports: list[Incident] = Field(default_factory=list)
    disagree: bool = Field(default=False, description="Sources give different killed or injured totals.")


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
