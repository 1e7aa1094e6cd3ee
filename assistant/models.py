"""Every data type that crosses a module boundary, in one place."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MetaValue = str | int | float | bool | list[str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Document(_Model):
    """One report, with its normalised full text (every citation span points into ``text``)."""

    doc_id: str = Field(
        description="ROOT/path: the root's short name, then the POSIX path relative to the root folder; "
        "'ROOT/path#record' for records."
    )
    title: str
    source: str | None = None
    published: date | None = None
    url: str | None = None
    text: str
    path: str = Field(default="", description="File the document came from.")
    root: str = Field(default="", description="Short name of the root (ingested folder) it belongs to.")
    content_hash: str = ""
    metadata: dict[str, MetaValue] = Field(default_factory=dict, description="Open tags: location, actor, …")


class DateSpan(_Model):
    """A date a sentence names, resolved to a range of days (a month is its first to last day)."""

    text: str = Field(description="The words as written ('on Saturday', '3 March', 'last week').")
    start: date = Field(description="First day the expression can mean.")
    end: date = Field(description="Last day the expression can mean (== start for a day).")
    relative: bool = Field(default=False, description="Resolved against the report's publication date.")


class Figure(_Model):
    """A number a sentence states, with what it counts when that can be told."""

    text: str = Field(description="As written: '36', 'at least 70', 'dozens'.")
    value: int | None = Field(default=None, description="The number; None for vague quantities ('dozens').")
    counts: str | None = Field(default=None, description="Outcome counted: kill, wound, displace, ... or None.")


class Frame(_Model):
    """What one sentence states, read at ingest: the evidence check compares questions against this."""

    start: int = Field(description="Sentence start in the document text.")
    end: int = Field(description="Sentence end in the document text.")
    event_types: list[str] = Field(default_factory=list, description="airstrike, shelling, clash, ...")
    outcomes: list[str] = Field(default_factory=list, description="kill, wound, displace, capture, ...")
    dates: list[DateSpan] = Field(default_factory=list, description="Event dates named (not the report date).")
    places: list[str] = Field(default_factory=list, description="Place names (NER GPE/LOC/FAC, 'in X').")
    actors: list[str] = Field(default_factory=list, description="Canonical actor tokens ('actor_sdf').")
    names: list[str] = Field(default_factory=list, description="Other named groups, people, outlets (NER).")
    figures: list[Figure] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list, description="Who the sentence attributes it to.")


class Passage(_Model):
    """A chunk of a document; ``doc.text[start:end] == text``."""

    passage_id: str
    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]] = Field(
        default_factory=list, description="Sentence spans, as offsets into the document text."
    )
    metadata: dict[str, MetaValue] = Field(default_factory=dict)
    frames: list[Frame] | None = Field(
        default=None, description="One Frame per sentence (ingest); None for passages stored before frames."
    )


class PassageView(_Model):
    """A passage joined with the document fields an answer shows."""

    passage: Passage
    title: str
    source: str | None = None
    published: date | None = None
    url: str | None = None


class RetrievedPassage(_Model):
    view: PassageView
    score: float = Field(description="Fused (RRF) score.")
    rank: int
    bm25_rank: int | None = None
    vector_rank: int | None = None


class Citation(_Model):
    marker: int = Field(description="The [n] shown in the answer text.")
    passage_id: str
    doc_id: str
    start: int = Field(description="Start of the quote in the document text.")
    end: int
    quote: str
    title: str
    source: str | None = None
    published: date | None = None
    url: str | None = None


class NearMiss(_Model):
    """For a refusal: the best sentence the evidence check turned down though it holds what was asked, and why.
    Shown so a reader can judge the refusal; never a citation and never part of the answer."""

    passage_id: str
    doc_id: str
    start: int = Field(description="Start of the sentence in the document text.")
    end: int
    quote: str
    title: str
    source: str | None = None
    published: date | None = None
    reasons: list[str] = Field(description="What the sentence contradicts ('is dated 3 Oct 2016, not March 2015').")


class Statement(_Model):
    """One statement of an answer with the markers of the citations that back it."""

    text: str
    markers: list[int] = Field(default_factory=list)
    verified: bool = Field(default=True, description="Its cited spans were checked against the stored text.")


class Filters(_Model):
    """Metadata restrictions applied to both retrievers."""

    date_from: date | None = None
    date_to: date | None = None
    sources: list[str] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.sources or self.doc_ids)


class Answer(_Model):
    """The one result type of every answering path (CLI, Python, UI, eval)."""

    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list, description="The answer split into statements.")
    passages: list[RetrievedPassage] = Field(default_factory=list)
    abstained: bool = False
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage.")
    debug: dict[str, Any] = Field(default_factory=dict, description="Scores behind the choice, for reports.")
    notes: list[str] = Field(
        default_factory=list, description="One-line notes shown above the answer ('LLM unavailable: ...')."
    )
    near_miss: NearMiss | None = Field(default=None, description="A refusal's closest turned-down sentence.")


class SkippedFile(_Model):
    path: str
    reason: str


class IngestReport(_Model):
    ingested: int = 0
    unchanged: int = 0
    replaced: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = Field(default_factory=list)
    passages_added: int = 0
    texts_embedded: int = 0
    seconds: float = 0.0
    roots: list[str] = Field(default_factory=list, description="Short names of the roots this run synced.")
    notes: list[str] = Field(default_factory=list, description="Roots created, moved or absorbed by this run.")
    orphans_removed: int = Field(
        default=0, description="Vectors without a committed passage (left by an earlier crash), deleted."
    )
    stage_cpu: dict[str, float] = Field(
        default_factory=dict, description="CPU seconds of the thread that ran each stage beside or after the "
        "embedding: 'frames' (NER and the frame rules), 'store' (SQLite, Chroma, lexical postings, annotations); "
        "what ingest adds to the forward pass (python -m eval.bench prints it against the embedding's CPU).")

    def summary(self) -> str:
        orphans = f", {self.orphans_removed} orphan vectors removed" if self.orphans_removed else ""
        return (
            f"ingested {self.ingested}, unchanged {self.unchanged}, replaced {self.replaced}, "
            f"removed {self.removed}, skipped {len(self.skipped)}; {self.passages_added} passages, "
            f"{self.texts_embedded} embedded in {self.seconds:.1f}s{orphans}"
        )


class RootInfo(_Model):
    """One ingested root: the folder behind the ``NAME/`` prefix of its documents' ids."""

    name: str
    path: str = Field(description="Resolved folder path.")
    documents: int = 0
    exists: bool = Field(default=True, description="False when the folder is gone (moved or deleted).")


class RemoveReport(_Model):
    """What ``Assistant.remove`` deleted."""

    target: str
    root: str | None = Field(default=None, description="Set when a whole root was removed.")
    documents: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        if self.root is not None:
            return f"removed root {self.root} ({len(self.documents)} documents)"
        if len(self.documents) == 1:
            return f"removed document {self.documents[0]}"
        return f"removed {len(self.documents)} documents of {self.target}"
