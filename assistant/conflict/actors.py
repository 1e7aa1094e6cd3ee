"""The actor registry at question time: find an actor under any name, count and quote the passages naming it.

Mentions come from the stored evidence frames (``Frame.actors``, read at ingest); a passage stored without frames
is read with the Lexicon sentence by sentence. The scan runs once per index generation (the Assistant caches it).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.conflict.models import ActorInfo, ActorMention, ActorSummary
from assistant.errors import SitrepError
from assistant.knowledge.lexicon import Lexicon, fold
from assistant.knowledge.loader import ActorEntry
from assistant.models import PassageView

if TYPE_CHECKING:
    from assistant.index import Store

#: Words a name may add to an alias and still name that actor ('the SDF', 'Daesh fighters').
_GENERIC = frozenset({"the", "fighters", "forces", "militants", "members", "troops", "units", "soldiers", "group",
                      "'s", "’s"})

#: Passages read from SQLite per query when scanning the whole index.
BATCH = 500


class UnknownActorError(SitrepError):
    """A name that is no actor of the registry (the message suggests close names)."""


@dataclass
class PassageMentions:
    """The sentences of one passage that mention one actor."""

    view: PassageView
    spans: list[tuple[int, int]] = field(default_factory=list)


#: actor token -> passage id -> its mentioning sentences.
MentionIndex = dict[str, dict[str, PassageMentions]]


class ActorRegistry:
    """The actors of the knowledge files, looked up by id, name or any alias (case-insensitive)."""

    def __init__(self, actors: Iterable[ActorEntry], lexicon: Lexicon) -> None:
        self.actors = list(actors)
        self.lexicon = lexicon
        self.by_id = {a.id: a for a in self.actors}
        self._names: dict[str, ActorEntry] = {}
        for a in self.actors:
            for form in [a.id, f"actor_{a.id}", a.name, *a.aliases, *a.case_sensitive]:
                self._names.setdefault(fold(form).strip(), a)

    def resolve(self, name: str) -> ActorEntry:
        """The actor called ``name`` (id, canonical name or any alias); UnknownActorError suggests close names."""
        key = fold(name).strip()
        if not key:
            raise UnknownActorError("no actor name given")
        if key in self._names:
            return self._names[key]
        spans = self.lexicon.actor_spans(name.strip())
        rest = list(name.strip())
        for s, e, _ in spans:
            rest[s:e] = " " * (e - s)
        found = {canon for _, _, canon in spans}
        if len(found) == 1 and set(fold("".join(rest)).split()) <= _GENERIC:  # 'the SDF', 'Daesh fighters'
            return self.by_id[next(iter(found)).removeprefix("actor_")]
        close = difflib.get_close_matches(key, list(self._names), n=5, cutoff=0.6)
        names = list(dict.fromkeys(f"{w} ({self._names[w].name})" if w != fold(self._names[w].name) else w
                                   for w in close))
        hint = f"; did you mean: {', '.join(names)}?" if names else "; `sitrep actors` lists them"
        raise UnknownActorError(f"unknown actor {name!r}{hint}")

    def name_of(self, token: str | None) -> str | None:
        actor = self.by_id.get(token.removeprefix("actor_")) if token else None
        return actor.name if actor else None

    def summaries(self, index: MentionIndex) -> list[ActorSummary]:
        """Every actor with its number of aliases, of passages and of sentences mentioning it, most mentioned
        first."""
        rows = [ActorSummary(id=a.id, name=a.name, type=a.type, aliases=len(a.aliases) + len(a.case_sensitive),
                             passages=len(found := index.get(f"actor_{a.id}", {})),
                             sentences=sum(len(m.spans) for m in found.values()),
                             top=_mention(ranked[0]) if (ranked := _ranked(found)) else None) for a in self.actors]
        return sorted(rows, key=lambda r: (-r.passages, -r.sentences, r.name.lower()))

    def info(self, actor: ActorEntry, index: MentionIndex, top: int = 5) -> ActorInfo:
        """The actor with its ``top`` passages by number of sentences naming it, each quoted and cited."""
        found = index.get(f"actor_{actor.id}", {})
        ranked = _ranked(found)
        return ActorInfo(
            id=actor.id, token=f"actor_{actor.id}", name=actor.name, type=actor.type, description=actor.description,
            affiliations=[{"id": a, "name": self.by_id[a].name} for a in actor.affiliations if a in self.by_id],
            affiliated=[{"id": a.id, "name": a.name} for a in self.actors if actor.id in a.affiliations],
            aliases=[*actor.aliases, *actor.case_sensitive], passages=len(found),
            sentences=sum(len(m.spans) for m in found.values()),
            mentions=[_mention(m) for m in ranked[:top]],
        )


def _ranked(found: dict[str, PassageMentions]) -> list[PassageMentions]:
    """An actor's passages, the most sentences naming it first (then by document and position)."""
    return sorted(found.values(), key=lambda m: (-len(m.spans), m.view.passage.doc_id, m.view.passage.start))


def _mention(m: PassageMentions) -> ActorMention:
    p = m.view.passage
    start, end = m.spans[0]
    return ActorMention(doc_id=p.doc_id, passage_id=p.passage_id, start=start, end=end,
                        quote=p.text[start - p.start:end - p.start], title=m.view.title, source=m.view.source,
                        published=m.view.published, url=m.view.url, sentences=len(m.spans))


def mention_index(views: Iterable[PassageView], lexicon: Lexicon) -> MentionIndex:
    """Which sentences of which passages mention each actor, read with the current Lexicon.

    The sentences are the stored frames' (else the passage's); the actors are read again rather than taken from
    ``Frame.actors``, which holds the registry of ingest time: an alias or force rule added since (or a user's
    actors file) counts without re-ingesting."""
    index: MentionIndex = {}
    for view in views:
        p = view.passage
        spans = [(f.start, f.end) for f in p.frames] if p.frames is not None else list(p.sentences)
        for span in spans:
            actors = lexicon.actors_in(p.text[span[0] - p.start:span[1] - p.start])
            for token in sorted(actors):
                index.setdefault(token, {}).setdefault(p.passage_id, PassageMentions(view)).spans.append(span)
    return index


def passages_matching(store: Store, pattern: re.Pattern[str]) -> list[str]:
    """Ids of the stored passages whose folded text matches ``pattern``, in id order: exactly those of a scan of
    every passage, narrowed first by a literal the pattern requires (``assistant.index.textscan``)."""
    return store.folded.matching(pattern)


def place_candidates(store: Store, place: str) -> list[str] | None:
    """Ids (ascending) of the passages that may name ``place``: those the lexical index holds under each of the
    place's words (``place_terms``: every passage ``place_pattern`` matches is among them), read from the
    rarest word's postings, so a question about a place reads the passages holding its name, not every passage
    (the folded scan of ``passages_matching`` took 0.7 s at 20k passages and 25 s at 200k on its first
    question). None for a place with no such word (digits, stopwords only): scan."""
    from assistant.conflict.control import place_terms

    terms = place_terms(place, store.lexicon)
    return store.lexical.passages_with(terms) if terms else None


def passages_naming(store: Store, place: str) -> list[str]:
    """Ids of the stored passages whose folded text matches ``place_pattern(place)``, in id order (those of
    ``passages_matching`` with that pattern, found from the postings: ``place_candidates``)."""
    from assistant.conflict.control import place_pattern

    pattern = place_pattern(place)
    ids = place_candidates(store, place)
    if ids is None:
        return passages_matching(store, pattern)
    return [pid for pid, text in store.docs.texts(ids) if pattern.search(fold(text))]


def all_views(store: Store, ids: Iterable[str] | None = None) -> Iterator[PassageView]:
    """Every stored passage (or those of ``ids``) with its document fields, read in batches."""
    wanted = [pid for pid, _ in store.docs.passage_texts()] if ids is None else list(ids)
    for i in range(0, len(wanted), BATCH):
        batch = wanted[i:i + BATCH]
        views = store.views(batch)
        yield from (views[pid] for pid in batch if pid in views)
