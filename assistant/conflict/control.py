"""Territorial control: claims that an actor captured, held, lost or besieged a place, read from sentences.

The cues are data (``assistant/knowledge/data/control.yaml``). A sentence may hold several claims ("the SDF
captured X on 4 January, IS retook X on 7 January"): each cue owns the stretch of the sentence up to the
neighbouring cues, and takes its actor, place and date from there. The actor is the nearest actor (under any
alias, through the Lexicon) on the cue's side; the as-of date is a date the sentence names in that stretch, else
the publication date (``date_basis`` says which); the source is whom the sentence attributes it to, else the
document's source. Claims are computed on demand from the passages whose text names the place; the cues each
sentence holds are found once, at ingest (``ControlReader.sentence_cues``, kept by the document store under the
cues' ``version``), so a control question only looks for its place in the sentences that have one.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from pydantic import TypeAdapter

from assistant.conflict.models import ControlClaim, ControlTimeline
from assistant.index.documents import PassageText
from assistant.index.textscan import required_literals
from assistant.knowledge.lexicon import Lexicon, fold, stem
from assistant.knowledge.loader import ControlCue, ControlCues
from assistant.models import Frame, PassageView

#: Arabic articles a place name may be written with or without ('Al-Shaafa', 'Shaafa').
_ARTICLE = r"(?:(?:al|el|ar|as|ad|an|ash|at|az)-|(?:al|el)\s)"
#: A place named only as a bearing from another ('south of Hajin') is not the place the claim is about.
_BEARING = re.compile(r"(?:(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?(?:\s+outskirts)?\s+of|near|outside|"
                      r"towards?|toward|outskirts\s+of|edge\s+of|road\s+to|way\s+to|from\s+the\s+direction\s+of)"
                      r"\s+(?:the\s+)?(?:(?:town|village|city|area)\s+of\s+)?$", re.I)
#: '... captured eight fighters in the Hajin pocket': the place after a preposition is not what was captured.
_IN_PLACE = re.compile(r"\b(?:in|at|inside|within|during|across|around)\s+(?:the\s+)?$", re.I)
#: An actor right after one of these is an object, not the subject of the cue that follows.
_OBJECT = re.compile(r"\b(?:against|on|at|from|by|of|with|to|toward|towards|near)\s+(?:the\s+)?$", re.I)
#: On one day, a statement of who holds a place sorts before a change of hands.
_STATE_KINDS = frozenset({"control", "stronghold", "siege"})
#: A cue found in a sentence: (start, end, cue).
_Cue = tuple[int, int, ControlCue]
#: Bump when ``_find_cues`` finds other cues in the same sentence under the same cue data (stored cues go stale).
_FINDER_VERSION = 1
#: A passage's sentences screened for a place (``ControlReader.screen``): span -> the sentence's cues, none when
#: it does not name the place.
Screen = dict[tuple[int, int], list[_Cue]]
#: A passage's stored cues (``ControlReader.sentence_cues`` at ingest): sentence start -> (start, end, cue index)
#: in the sentence, for the sentences holding one.
StoredCues = dict[int, list[tuple[int, int, int]]]
#: One claim read from a sentence: the place's span, the actor token, the cue, its words, its dates.
_Match = tuple[tuple[int, int], str | None, ControlCue, str, list[tuple[int, date, str]]]


#: Control claims as JSON (kept in the index by ``Assistant.control``), parsed and checked in one pass.
claims_json: TypeAdapter[list[ControlClaim]] = TypeAdapter(list[ControlClaim])


def stored_cues(data: list[list[Any]]) -> StoredCues:
    """A passage's cues as ``ControlReader.annotate`` stored them (JSON lists)."""
    return {s: [(a, b, c) for a, b, c in found] for s, found in data}


def source_name(source: str, lexicon: Lexicon, names: dict[str, str]) -> str:
    """A source that is an actor (under any alias: 'the SDF', 'SDF Media Center') by its canonical name."""
    found = {canon for _, _, canon in lexicon.actor_spans(source)}
    if len(found) == 1:
        return names.get(next(iter(found)), source)
    return re.sub(r"^[Tt]he\s+", "", source)


def place_pattern(place: str) -> re.Pattern[str]:
    """A regex over folded text matching the place with or without its article ('al-Shaafa' ~ 'Shaafa'), and
    its possessive, but not a word glued to it by an apostrophe ('Rai' is not in 'Abu Rai'dah', nor 'Din' in
    'Ja'din')."""
    core = re.sub(rf"^{_ARTICLE}", "", fold(place).strip())
    if not core:
        raise ValueError("empty place")
    words = r"[-\s]+".join(re.escape(w) for w in re.split(r"[-\s]+", core))
    return re.compile(rf"(?<![\w-])(?<!\w['’])(?:{_ARTICLE})?{words}(?![\w])(?!['’](?!s\b)\w)")


def place_terms(place: str, lexicon: Lexicon) -> list[str]:
    """The lexical index's terms (assistant.index.lexical) of every passage whose folded text ``place_pattern``
    matches: those of the place's words that are a term alone (letters only, not a stopword or number word).
    The tokenizer reads the same folded text, and the pattern puts a place word between non-word characters
    that do not glue it to another word by an apostrophe, so a passage naming the place holds each such word as
    a token or a hyphenated part ('al-Hajin'), a possessive stemmed alike."""
    core = re.sub(rf"^{_ARTICLE}", "", fold(place).strip())
    out = []
    for word in re.split(r"[-\s]+", core):
        if re.fullmatch(r"[a-z]{2,}", word) and lexicon.tokens(word, with_actors=False) == [stem(word)]:
            out.append(stem(word))
    return out


class ControlReader:
    """Reads control claims about one place from frames of stored passages."""

    def __init__(self, cues: ControlCues, lexicon: Lexicon, names: dict[str, str] | None = None) -> None:
        self.cues = cues
        self.lexicon = lexicon
        self.names = names or {}
        self._cues = [(cue, re.compile(rf"(?<![\w-])(?:{cue.pattern})", re.I)) for cue in cues.cues]
        # per cue, literals one of which every match holds (assistant.index.textscan; lower-case, for the re.I
        # patterns): a cue none of whose literals is in a sentence is not run on it
        needs = [required_literals(rx) for _, rx in self._cues]
        self._always = {i for i, need in enumerate(needs) if need is None or not need[1]}
        self._literals = [(n, i) for i, need in enumerate(needs) if i not in self._always and need
                          for n in dict.fromkeys(need[0])]
        # any cue at all: where one cue matches, this does (a sentence without it holds no claim, and is not read)
        try:
            self._any_cue: re.Pattern[str] | None = re.compile(
                rf"(?<![\w-])(?:{'|'.join(f'(?:{cue.pattern})' for cue in cues.cues)})", re.I) if cues.cues else None
        except re.error:  # patterns that cannot stand side by side (group names): each is tried
            self._any_cue = None
        self._not_the_place = re.compile(cues.not_the_place, re.I) if cues.not_the_place else None
        self._partial = re.compile(cues.partial, re.I) if cues.partial else None
        self._index = {id(cue): i for i, cue in enumerate(cues.cues)}
        #: What stored cues were found under: the cue data (an edit makes them stale) and this finder's rules.
        self.version = hashlib.sha256(f"{_FINDER_VERSION}:{cues.model_dump_json()}".encode()).hexdigest()[:16]

    #: The document store's table of what ``annotate`` finds (assistant.index.documents).
    kind = "control_cues"

    def annotate(self, passage: PassageText) -> list[list[Any]]:
        """[[sentence start, cues]] of the passage's sentences holding a cue (``sentence_cues``): what ingest
        stores, read back by ``stored_cues``."""
        text, start = passage.text, passage.start
        return [[s, found] for s, e in passage.sentences
                if (found := self.sentence_cues(text[s - start:e - start]))]

    def sentence_cues(self, sentence: str) -> list[tuple[int, int, int]]:
        """(start, end, cue index) of the cues ``_find_cues`` finds in a sentence: what ingest stores, so that a
        control question need not look for cues again."""
        return [(s, e, self._index[id(cue)]) for s, e, cue in self._find_cues(sentence)] if sentence else []

    def claims(self, view: PassageView, frames: Iterable[Frame], place: re.Pattern[str],
               screened: Screen | None = None) -> list[ControlClaim]:
        """The claims about ``place`` in the sentences (frames) of one passage; ``screened``: the passage's
        ``screen``, so a sentence found to hold none is not read again, and the cues found are not looked for
        again."""
        out: list[ControlClaim] = []
        p = view.passage
        for frame in frames:
            cues = screened.get((frame.start, frame.end)) if screened else None
            if cues is not None and not cues:
                continue
            sentence = p.text[frame.start - p.start:frame.end - p.start]
            if sentence and (cues or place.search(_folded(sentence))):  # cues: screened, so the place is there
                out.extend(self.sentence_claims(sentence, frame, view, place, cues))
        return out

    def screen(self, text: str, start: int, sentences: Iterable[tuple[int, int]], place: re.Pattern[str],
               stored: StoredCues | None = None) -> Screen:
        """Per sentence span of a passage, its cues when it names ``place`` (not as a bearing), else none: from the
        text alone, the first tests ``_read`` makes, so a sentence with none holds no claim. The control timeline
        screens the passages naming a place this way before their views (frames) are parsed: a frame spans its
        sentence (``FrameReader.read``), so a passage without a sentence that has cues yields no claim.
        ``stored``: the passage's cues found at ingest (under this reader's ``version``): only the sentences
        holding one are looked at, and their cues are not looked for again."""
        out: Screen = {}
        for s, e in sentences:
            sentence = text[s - start:e - start]
            if stored is None:
                out[(s, e)] = self._find_cues(sentence) if sentence and self._places(sentence, place) else []
                continue
            found = stored.get(s)
            out[(s, e)] = [(a, b, self.cues.cues[i]) for a, b, i in found] \
                if found and self._places(sentence, place) else []
        return out

    def _places(self, sentence: str, place: re.Pattern[str]) -> list[tuple[int, int]]:
        """Spans of ``place`` in a sentence, but where it is a bearing ('south of Hajin')."""
        return list(_place_spans(sentence, place))

    def sentence_claims(self, sentence: str, frame: Frame, view: PassageView, place: re.Pattern[str],
                        cues: list[_Cue] | None = None) -> list[ControlClaim]:
        """The claims of one sentence (``cues``: its ``_find_cues``, when already found)."""
        return [self._claim(sentence, frame, view, where, token, cue, words, when)
                for where, token, cue, words, when in self._read(sentence, frame, place, cues=cues)]

    def holders(self, sentence: str, frame: Frame, place: re.Pattern[str]) -> list[tuple[str | None, bool, str]]:
        """(actor token, holds, kind) of each claim in one sentence that ``place`` changed hands (None: by whom is
        not said, 'X was recaptured on 27 January'): what the evidence check compares with 'did the SDF retake X'."""
        read = self._read(sentence, frame, place, agentless=True)
        return [(token, cue.holds, cue.kind) for _, token, cue, _, _ in read
                if cue.holds is not None and cue.kind not in _STATE_KINDS]

    def _read(self, sentence: str, frame: Frame, place: re.Pattern[str], agentless: bool = False,
              cues: list[_Cue] | None = None) -> list[_Match]:
        places = self._places(sentence, place)
        if not places:
            return []
        cues = self._find_cues(sentence) if cues is None else cues
        if not cues:
            return []
        others = _other_places(sentence, frame, place)
        actors = self.lexicon.actor_spans(sentence)
        dates = _date_spans(sentence, frame)
        gap = self.cues.max_gap
        out: list[_Match] = []
        for i, (start, end, cue) in enumerate(cues):
            lo = cues[i - 1][1] if i > 0 else 0
            hi = cues[i + 1][0] if i + 1 < len(cues) else len(sentence)
            if cue.place == "after":
                where = [(s, e) for s, e in places if end <= s < hi and s - end <= gap]
                where = [(s, e) for s, e in where[:1] if not _another_place_first(sentence, end, s, others)
                         and not any(end <= a < s for a, _, _ in actors)  # it captured people, not the place
                         and not (sentence[end:s].strip() and _IN_PLACE.search(sentence, end, s))
                         and not self._something_else(sentence[end:s], dates)]
            else:
                where = [(s, e) for s, e in places if lo <= s and e <= start and start - e <= gap][-1:]
                where = [(s, e) for s, e in where if not any(e < os < start for os, _ in others)]
            if not where:
                continue
            if cue.actor == "before":  # its subject: not an actor after a preposition ('an attack on the SDF')
                who = [a for a in actors if lo <= a[0] and a[1] <= start
                       and not _OBJECT.search(sentence, max(0, a[0] - 16), a[0])][-1:]
            else:
                who = [a for a in actors if end <= a[0] < hi and a[0] - end <= gap][:1]
            token = who[0][2] if who else None
            if token is None and cue.holds is not None and not agentless:
                continue  # a claim of control by nobody named says nothing about who holds the place
            # its date: in its own stretch, from its actor or place on (before them is the previous claim's)
            first = 0 if i == 0 else min(start, where[0][0], *(a[0] for a in who))
            when = [d for d in dates if first <= d[0] < hi]
            when.sort(key=lambda d: (d[0] < start, abs(d[0] - start)))  # after the cue first, then nearest
            if not when and len(cues) == 1 and dates:
                when = dates[:1]
            out.append((where[0], token, cue, sentence[start:end], when))
        return out

    def _something_else(self, between: str, dates: list[tuple[int, date, str]]) -> bool:
        """Whether the words between a cue and its place say a count or a share of it was taken."""
        if self._not_the_place is None:
            return False
        for _, _, words in dates:
            between = between.replace(words, " ")
        return bool(self._not_the_place.search(between))

    def _claim(self, sentence: str, frame: Frame, view: PassageView, where: tuple[int, int], token: str | None,
               cue: ControlCue, words: str, when: list[tuple[int, date, str]]) -> ControlClaim:
        p = view.passage
        basis: Literal["event", "published"] = "event" if when else "published"
        as_of, text = (when[0][1], when[0][2]) if when else (view.published, None)
        return ControlClaim(
            doc_id=p.doc_id, passage_id=p.passage_id, start=frame.start, end=frame.end, quote=sentence,
            title=view.title, source=self._source(frame.sources[0]) if frame.sources else view.source or view.title,
            published=view.published, url=view.url, place=sentence[where[0]:where[1]], actor=token,
            actor_name=self.names.get(token or ""), kind=cue.kind, holds=cue.holds, cue=words.strip(),
            as_of=as_of, date_basis=basis if as_of else None, date_text=text,
            partial=bool(self._partial and self._partial.search(sentence[max(0, where[0] - 60):where[0]])),
        )

    def _source(self, source: str) -> str:
        return source_name(source, self.lexicon, self.names)

    def _candidates(self, sentence: str) -> list[tuple[ControlCue, re.Pattern[str]]]:
        """The cues that may match: those holding one of their literals, looked for in the lower-cased sentence
        when it is ASCII (beyond ASCII, re.I meets letters lower() does not give: every cue)."""
        if not sentence.isascii():
            return self._cues
        lowered = sentence.lower()
        present = {i for n, i in self._literals if n in lowered} | self._always
        return [pair for i, pair in enumerate(self._cues) if i in present]

    def _find_cues(self, sentence: str) -> list[_Cue]:
        """Cue matches, longest first where they overlap, in sentence order."""
        maybe = self._candidates(sentence)
        if not maybe or (self._any_cue is not None and not self._any_cue.search(sentence)):
            return []  # the literal tests first: a fraction of the combined pattern's cost, and most sentences fail
        found = [(m.start(), m.end(), cue) for cue, rx in maybe for m in rx.finditer(sentence)]
        found.sort(key=lambda f: (f[0] - f[1], f[0]))
        kept: list[_Cue] = []
        for s, e, cue in found:
            if not any(s < ke and ks < e for ks, ke, _ in kept):
                kept.append((s, e, cue))
        return sorted(kept, key=lambda f: f[0])


@functools.lru_cache(maxsize=4096)
def _place_spans(sentence: str, place: re.Pattern[str]) -> tuple[tuple[int, int], ...]:
    """``ControlReader._places``, remembered: the screen finds them, then reading the claims needs them again."""
    folded = _folded(sentence)
    if not _may_name(folded, place):
        return ()
    return tuple(m.span() for m in place.finditer(folded)
                 if not _BEARING.search(folded, max(0, m.start() - 40), m.start()))


@functools.lru_cache(maxsize=256)
def _literals(pattern: re.Pattern[str]) -> tuple[list[str], bool] | None:
    return required_literals(pattern)


def _may_name(text: str, place: re.Pattern[str]) -> bool:
    """Whether ``text`` holds a literal every match of ``place`` holds (``required_literals``): most sentences of
    a passage naming a place do not name it, and a substring test costs a fraction of the pattern's search."""
    need = _literals(place)
    if need is None:
        return True
    literals, icase = need
    if icase and not text.isascii():  # re.I meets letters beyond ASCII that lower() does not give
        return True
    hay = text.lower() if icase else text
    return any(n in hay for n in literals)


def _folded(text: str) -> str:
    folded = fold(text)
    return folded if len(folded) == len(text) else text.lower()


def _other_places(sentence: str, frame: Frame, place: re.Pattern[str]) -> list[tuple[int, int]]:
    """Where the sentence names other places (a claim's cue and its place must not have another between)."""
    spans = []
    for name in frame.places:
        if place.search(_folded(name)):
            continue
        spans += [m.span() for m in re.finditer(rf"\b{re.escape(name)}\b", sentence)]
    return spans


#: What may stand between the places of a list ('captured Hajin, Al-Susah and the town of Al-Shaafa'): names
#: (capitalised, whether or not the frame read them as places) and the words that join them.
_LIST_GLUE = re.compile(r"(?:\s|,|\band\b|\bthe\b|\bof\b|\b(?:villages?|towns?|cit(?:y|ies)|areas?)\b"
                        r"|\b[A-Z][\w'’]*(?:-[\w'’]+)*)*")


def _another_place_first(sentence: str, cue_end: int, at: int, others: list[tuple[int, int]]) -> bool:
    """Whether another place stands between a cue and the place, other than as an earlier item of one list
    ('captured Hajin and Al-Susah' is about Al-Susah too; 'captured Hajin south of Al-Susah' is not)."""
    between = [(s, e) for s, e in others if cue_end <= s < at]
    if not between:
        return False
    rest, last = [], cue_end
    for s, e in sorted(between):
        rest.append(sentence[last:s])
        last = max(last, e)
    rest.append(sentence[last:at])
    return not all(_LIST_GLUE.fullmatch(part) for part in rest)


def _date_spans(sentence: str, frame: Frame) -> list[tuple[int, date, str]]:
    """(offset in the sentence, first day, words) of each date the frame read in it."""
    out = []
    for span in frame.dates:
        at = sentence.find(span.text)
        out.append((at if at >= 0 else len(sentence), span.start, span.text))
    return sorted(out, key=lambda d: d[0])


def timeline(place: str, claims: Iterable[ControlClaim], as_of: date | None = None) -> ControlTimeline:
    """Claims sorted by date (undated last; with ``as_of`` only those dated on or before it), deduplicated,
    and the latest claim of each source."""
    seen: set[tuple[str, int, str, str | None]] = set()
    kept: list[ControlClaim] = []
    for c in claims:
        key = (c.doc_id, c.start, c.cue, c.actor)
        if key in seen or (as_of is not None and (c.as_of is None or c.as_of > as_of)):
            continue
        seen.add(key)
        kept.append(c)
    kept.sort(key=lambda c: (c.as_of is None, c.as_of or date.max, c.kind not in _STATE_KINDS,
                             c.published or date.max, c.doc_id, c.start))
    latest: dict[str, ControlClaim] = {}
    for c in kept:
        if c.as_of is not None:
            latest[c.source or c.doc_id] = c
    return ControlTimeline(place=place, as_of=as_of, claims=kept, latest=latest)
