"""The question, analysed once per ask(): its type, tokens, names, dates, actors and outcome.

The ``Analyser`` also reads evidence sentences with the same rules (dates, outcomes, quantities), so a question
and the sentence that answers it are compared in one vocabulary.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.constraints import Constraints, read_constraints
from assistant.knowledge import Knowledge, Lexicon
from assistant.knowledge.lexicon import MONTHS, numbers_in

_MONTH_RX = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DATE_PHRASE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RX}\b|\b{_MONTH_RX}\.?\s+(\d{{1,2}})(?!\d)"
    rf"|\b\d{{4}}-(\d{{2}})-(\d{{2}})\b", re.I)
#: The same pattern for lower-cased text (``date_marks``): matching case-insensitively took twice as long.
_DATE_LOWER = re.compile(_DATE_PHRASE.pattern)
_MONTH_NUM = {m[:3]: n for m, n in MONTHS.items()}
#: Bump when ``date_marks`` or ``outcome_marks`` find other marks under the same cues and patterns.
_MARKS_VERSION = 1
_CAPITAL = re.compile(r"\b([A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)*)")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


class Question(BaseModel):
    """Everything the retrievers and the answerer need to know about a question, computed once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    qtype: str = Field(description="count | when | who | where | other")
    search_tokens: list[str] = Field(description="Lexicon tokens in order (BM25 query).")
    tokens: frozenset[str] = Field(description="The same tokens as a set (overlap scoring).")
    anchors: frozenset[str] = Field(description="What the evidence must mention: names, dates, actors, outcome.")
    dates: frozenset[str] = Field(description="Day-level dates named, as 'date:MM-DD'.")
    actors: frozenset[str] = Field(description="Canonical actor tokens named under any alias.")
    outcomes: frozenset[str] = Field(description="Outcome marks ('outcome:kill', ...) the question names.")
    counts: frozenset[str] = Field(description="Quantities the question itself states.")
    constraints: Constraints = Field(description="The slot asked and what evidence must not contradict.")
    expanded: str = Field("", description="The text with each actor named by an alias followed by its canonical "
                          "name ('Daesh (Islamic State)'), for the meaning-based searches; '' when none is.")
    inserted: tuple[tuple[int, int], ...] = Field((), description="Where ``expanded`` inserts the names: "
                                                  "(start, end) spans into it; the rest is the text as asked.")


class Analyser:
    """Reads questions and evidence sentences with the knowledge files' cues and the Lexicon."""

    def __init__(self, knowledge: Knowledge, lexicon: Lexicon) -> None:
        self.knowledge = knowledge
        self.lexicon = lexicon
        cues = knowledge.question
        self._qtypes = [(t.name, re.compile("|".join(f"(?:{p})" for p in t.patterns))) for t in cues.question_types]
        self._outcomes = {name: re.compile(rf"\b(?:{rx})", re.I) for name, rx in cues.outcomes.items()}
        #: What ``date_marks`` and ``outcome_marks`` find in a text depends on: the outcome cues and these rules.
        self.marks_version = hashlib.sha256(repr((_MARKS_VERSION, _DATE_PHRASE.pattern, sorted(
            cues.outcomes.items()))).encode()).hexdigest()[:16]
        self._count_outcomes = {f"outcome:{name}" for name in cues.count_outcomes}
        self._events = {n: re.compile(rf"\b(?:{rx})", re.I) for n, rx in knowledge.events.event_types.items()}
        vague = "|".join(re.escape(w) for w in cues.vague_quantities)
        self._vague = re.compile(rf"\b({vague})\b|%", re.I)
        self._names = {f"actor_{a.id}": a.name for a in knowledge.actors}
        self._places = [(re.compile(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", re.I), place.name)
                        for place in knowledge.places for alias in place.aliases]

    def question(self, text: str) -> Question:
        text = text.strip()
        qtype = self.question_type(text)
        search = self.lexicon.tokens(text)
        masked, actors = self.lexicon.mask_actors(_DATE_PHRASE.sub(" ", text))
        outcomes = self.outcome_marks(text)
        expanded, inserted = self.expand_aliases(text)
        return Question(
            text=text, qtype=qtype, search_tokens=search, tokens=frozenset(search),
            anchors=frozenset(self._anchors(text, qtype, masked, actors, outcomes)),
            dates=frozenset(self.date_marks(text)), actors=frozenset(actors), outcomes=frozenset(outcomes),
            counts=frozenset(self.counts(text)), expanded=expanded, inserted=inserted,
            constraints=read_constraints(text, qtype, outcomes, self._count_outcomes, actors, self.lexicon,
                                         events=self.event_types(text), checks=self.knowledge.checks,
                                         first_outcome=self._asked_outcome(text)),
        )

    def expand_aliases(self, text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
        """'How many Daesh fighters did the Kurdish-led forces kill' -> '... Daesh (Islamic State) fighters ... the
        Kurdish-led forces (Syrian Democratic Forces) ...': a vector search then meets passages written under the
        actor's other names too (the lexical search already matches any alias). With it, where the names were
        inserted (so the text as asked can be read back from the same forward pass). ('', ()) when every actor
        is named by its canonical name or a part of it."""
        out: list[str] = []
        inserted: list[tuple[int, int]] = []
        last, length = 0, 0
        spans = [(s, e, self._names.get(token)) for s, e, token in self.lexicon.actor_spans(text)]
        for start, end, name in sorted(spans + self._place_spans(text)):
            form = text[start:end]
            if name is None or start < last or name.lower() in form.lower() or form.lower() in name.lower() \
                    or form.isupper():
                continue  # 'White Helmets' says as much as 'White Helmets (Syria Civil Defence)'; an acronym
                # ('SDF', 'ISIS') is how most reports write the actor: spelling it out moves the vector away
            out.append(f"{text[last:end]} ({name})")
            length += len(out[-1])
            inserted.append((length - len(name) - 3, length))
            last = end
        return ("".join(out) + text[last:], tuple(inserted)) if out else ("", ())

    def _place_spans(self, text: str) -> list[tuple[int, int, str | None]]:
        """Where the question names a place by another of its names ('Ayn al-Arab' for Kobani: places.yaml)."""
        return [(m.start(), m.end(), name) for rx, name in self._places for m in rx.finditer(text)]

    def event_types(self, text: str) -> list[str]:
        """Events a question names by a verb or an event noun, not by a word for people ('detainees')."""
        return [name for name, rx in self._events.items()
                if any(not re.match(r"[\w-]*ees?\b", text[m.start():]) for m in rx.finditer(text))]

    def _asked_outcome(self, text: str) -> str | None:
        """The outcome a count asks about when the question names two ('How many were wounded in the blast that
        killed ...'): the first one after 'how many'."""
        m = re.search(r"\bhow (?:many|much)\b|\bnumber of\b|\btoll\b", text, re.I)
        rest = text[m.end():] if m else text
        hits = [(h.start(), name) for name, rx in self._outcomes.items()
                if f"outcome:{name}" in self._count_outcomes and (h := rx.search(rest))]
        return min(hits)[1] if hits else None

    def question_type(self, text: str) -> str:
        lowered = text.lower()
        return next((name for name, pattern in self._qtypes if pattern.search(lowered)), "other")

    def _anchors(self, text: str, qtype: str, masked: str, actors: set[str], outcomes: set[str]) -> set[str]:
        found: set[str] = self.date_marks(text)
        found.update(actors)  # an actor counts under any of its names ("Daesh" is met by "ISIS")
        body = re.sub(r"^\W*\w+", "", masked)  # the first word is capitalised anyway
        for phrase in _CAPITAL.findall(body):
            found.update(self.lexicon.tokens(phrase))
        found.update(numbers_in(masked))
        found.update(t for t in self.lexicon.tokens(masked) if t in MONTHS)
        if qtype == "count":
            found.update(outcomes & self._count_outcomes)
        return found

    # --- evidence reading (the same rules, applied to sentences) ----------------------------------------

    @staticmethod
    def date_marks(text: str) -> set[str]:
        """Day-level dates a text names, as 'date:MM-DD' (so '1 December' never matches '17 December')."""
        marks = set()
        for m in _DATE_LOWER.finditer(text.lower()):
            if m[1]:
                month, day = _MONTH_NUM[m[2][:3]], int(m[1])
            elif m[4]:
                month, day = _MONTH_NUM[m[3][:3]], int(m[4])
            else:
                month, day = int(m[5]), int(m[6])
            if 1 <= day <= 31:
                marks.add(f"date:{month:02d}-{day:02d}")
        return marks

    def outcome_marks(self, text: str) -> set[str]:
        return {f"outcome:{name}" for name, rx in self._outcomes.items() if rx.search(text)}

    def counts(self, text: str) -> set[str]:
        """Quantities that can answer 'how many' (years are dates, not counts; 'dozens' is a quantity)."""
        found = {n for n in numbers_in(text) if not _YEAR.match(n)}
        return found | {m[0].lower() for m in self._vague.finditer(text)}

    @staticmethod
    def capitalised(text: str) -> list[str]:
        return _CAPITAL.findall(text)
