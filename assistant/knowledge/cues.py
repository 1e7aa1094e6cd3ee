"""The rules that read one sentence into a Frame, given its tokens and named entities (spaCy's, or none).

Everything here is plain regular expressions and token distances, so it runs with or without spaCy: NER only
adds entity spans (places, names, sources) that the capitalised-phrase rules would miss or misjudge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from assistant.knowledge.dates import _MONTHS, _WEEKDAYS, DateFinder
from assistant.knowledge.lexicon import NUMBER_WORDS, Lexicon, fold
from assistant.knowledge.loader import Knowledge
from assistant.models import Figure, Frame

#: (start, end, text) of a token, offsets into the sentence.
Tok = tuple[int, int, str]
#: (start, end, label) of a named entity, offsets into the sentence.
Ent = tuple[int, int, str]

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NAME_LABELS = frozenset({"ORG", "PERSON", "NORP"})
#: NER labels that veto a capitalised phrase as a place (PERSON does not: NER calls many villages people).
NOT_PLACE_LABELS = frozenset({"ORG", "NORP", "LANGUAGE", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "DATE", "TIME"})

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*|['’]s\b|\S")
_WORD = r"(?:(?:al|el|ad|ar|as|ash|at|az|ez|es|an|ed|en|ul|ibn|bin|abu)-)?[A-Z][\w'’]*(?:-[\w'’]+)*"
_PHRASE = rf"{_WORD}(?:\s+(?:(?:of|for|and|al|el|ez|de|the)\s+)?{_WORD}){{0,5}}"
_CAPITALISED = re.compile(rf"(?<![\w'’-]){_PHRASE}")
_PLACE_WORD = r"(?:town|village|city|district|province|governorate|neighbou?rhood|area|region|camp|suburb|" \
              r"countryside|outskirts|enclave|pocket|border crossing|airport|airbase|base|hospital)"
_PLACE_PHRASE = rf"{_WORD}(?:\s+{_WORD}){{0,3}}"
_PLACE_CUES = [
    re.compile(rf"\b(?:[Ii]n|[Aa]t|[Nn]ear|[Oo]utside|[Aa]round|[Ii]nside|[Tt]owards?|[Aa]cross|[Ii]nto)\s+"
               rf"(?:the\s+(?:{_PLACE_WORD}\s+of\s+)?)?({_PLACE_PHRASE})"),
    re.compile(rf"\b(?i:{_PLACE_WORD})\s+of\s+({_PLACE_PHRASE})"),
]
#: Verbs of control and strikes: what they take or hit is a place even when NER calls it an organisation.
_CONTROL_CUE = re.compile(rf"\b(?:captured|retook|recaptured|seized|liberated|stormed|besieged|overran|entered|"
                          rf"struck|shelled|bombed|pounded|"
                          rf"(?:took|taken|retaken|regained|lost) control of)\s+"
                          rf"(?:the\s+(?:{_PLACE_WORD}\s+of\s+)?)?({_PLACE_PHRASE})")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_NOT_PLACES = frozenset(_MONTHS + _WEEKDAYS + ["the", "a", "an", "this", "that", "it", "he", "she", "they", "we",
                                                "english", "arabic", "kurdish", "russian", "turkish", "french"])
_CLAUSE_BREAK = frozenset({".", ";", ":", "and", "but", "while", "whereas", "or", "?", "!"})
_SOFT_BREAK = frozenset({",", "(", ")", '"', "'", "—", "–", "-"})
_NP_STOP = frozenset({"that", "which", "who", "whom", "whose", "and", "but", "while", "when", "as", "after", "before",
                      "because", "since", "following", "if", "where", "also", "had", "has", "have", "was", "were",
                      "is", "are", "in", "on"})
_PRONOUNS = frozenset({"it", "he", "she", "they", "we", "i", "you", "this", "which", "who", "that", "one", "there"})
_VERB_SKIP = frozenset({"also", "later", "earlier", "previously", "had", "has", "have", "separately", "further",
                        "then", "reportedly", "recently", "last", "has also", "had also"})
_QUALIFIER = re.compile(r"\b(?:at least|more than|over|nearly|almost|about|around|some|up to|approximately|roughly|"
                        r"as many as|fewer than|less than|an estimated|at most|close to|a total of)\s+$", re.I)
_DIGITS = re.compile(r"(?<![\w/.,])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s+(million|billion|thousand|"
                     r"hundred|dozen))?(?![\w])(?!,\d)")
_WORD_NUMBER = sorted((w for w in NUMBER_WORDS if w not in {"dozens", "hundreds", "thousands"}), key=len, reverse=True)
_NUMBER_WORDS = re.compile(rf"(?<![\w-])(?:a\s+)?(?:{'|'.join(_WORD_NUMBER)}|million)"
                           rf"(?:(?:\s+and\s+|[\s-]+)(?:{'|'.join(_WORD_NUMBER)}|million))*(?![\w-])", re.I)
_NOT_ONE = re.compile(r"(?:\bno|\bthe|\beach|\bevery|\bany|\bthis|\bthat|\bwhich)\s+$", re.I)
_SPOKESMAN = re.compile(rf"(?:(?<=\s)|^)(?:[Tt]he\s+)?({_PHRASE})['’]s\s+(?:\w+\s+){{0,2}}spokes(?:man|woman|person)\b"
                        rf"|\bspokes(?:man|woman|person)\s+for\s+(?:the\s+)?({_PHRASE})")
_BY = re.compile(rf"\b(?:reported|quoted|cited|published|broadcast|aired|announced|claimed) by\s+"
                 rf"((?:the\s+)?{_PHRASE})")


def tokens_of(text: str) -> list[Tok]:
    """A plain tokenizer for sentences spaCy does not see: words (hyphens kept), numbers, "'s", punctuation."""
    return [(m.start(), m.end(), m[0]) for m in _TOKEN.finditer(text)]


def number_value(words: str) -> int | None:
    """'thirty-six' -> 36, 'one hundred and twenty' -> 120, 'a dozen' -> 12, 'two million' -> 2000000."""
    total = current = 0
    seen = False
    for w in re.split(r"[\s-]+", words.lower()):
        if w in ("a", "and", ""):
            continue
        if w == "million":
            total, current = (total + max(current, 1)) * 1_000_000, 0
        elif w in ("hundred",):
            current = max(current, 1) * 100
        elif w in ("thousand",):
            total, current = total + max(current, 1) * 1000, 0
        elif w == "dozen":
            current = max(current, 1) * 12
        elif w in NUMBER_WORDS:
            current += NUMBER_WORDS[w]
        else:
            return None
        seen = True
    return total + current if seen else None


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        key = item.lower()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


class SentenceRules:
    """Reads one sentence with the knowledge files' cues: outcomes, events, dates, figures, places, sources."""

    def __init__(self, knowledge: Knowledge, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        cues = knowledge.events
        self._outcomes = {n: re.compile(rf"\b(?:{rx})", re.I) for n, rx in knowledge.question.outcomes.items()}
        self._outcome_token = [(n, re.compile(rf"(?:{rx})", re.I)) for n, rx in knowledge.question.outcomes.items()]
        self._events = {n: re.compile(rf"\b(?:{rx})", re.I) for n, rx in cues.event_types.items()}
        self._event_token = re.compile("|".join(f"(?:{rx})" for rx in cues.event_types.values()), re.I)
        counted = "|".join(re.escape(w) for w in cues.counted_nouns)
        outcome_words = "|".join(f"(?:{rx})" for rx in knowledge.question.outcomes.values())
        self.dates = DateFinder(re.compile(rf"\s+(?:{counted}\b|{outcome_words})", re.I))
        vague = "|".join(re.escape(w) for w in sorted(cues.vague_figures, key=len, reverse=True))
        self._vague = re.compile(rf"\b(?:{vague})\b", re.I) if vague else None
        self._verbs = frozenset(cues.source_verbs)
        phrases = "|".join(re.escape(p) for p in sorted(cues.source_phrases, key=len, reverse=True))
        self._phrases = re.compile(rf"\b(?:{phrases})\b", re.I) if phrases else None
        self._token_outcome: dict[str, str | None] = {}

    def read(self, text: str, tokens: list[Tok], ents: list[Ent], published: date | None,
             offset: int = 0) -> Frame:
        """The Frame of ``text`` (one sentence, its named entities in ``ents``); ``offset``: its start in the doc."""
        masked, actors = self.lexicon.mask_actors(text)
        actor_spans = _blanked(text, masked)
        hits = self.dates.find(text, published)
        not_figures = [(h.start, h.end) for h in hits] + self.dates.times(text)
        places, names = self._places_names(text, ents, actor_spans, not_figures)
        return Frame(
            start=offset, end=offset + len(text),
            event_types=[n for n, rx in self._events.items() if rx.search(text)],
            outcomes=[n for n, rx in self._outcomes.items() if rx.search(text)],
            dates=[h.span for h in hits if h.span is not None],
            places=places, actors=sorted(actors), names=names,
            figures=self._figures(text, tokens, not_figures),
            sources=self._sources(text, tokens, ents, actor_spans, not_figures),
        )

    # --- places and names ----------------------------------------------------------------------------

    def _places_names(self, text: str, ents: list[Ent], actors: list[tuple[int, int]],
                      dates: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
        """Places: NER places and capitalised phrases after 'in/near/village of'; names: other NER entities."""
        places: list[tuple[int, int, str]] = []
        not_place = [(s, e) for s, e, label in ents if label in NOT_PLACE_LABELS]
        not_taken = [(s, e) for s, e, label in ents if label in NOT_PLACE_LABELS and label != "ORG"]
        for pattern, veto in [(p, not_place) for p in _PLACE_CUES] + [(_CONTROL_CUE, not_taken)]:
            for m in pattern.finditer(text):
                s, e = m.span(1)
                name = _clean_place(m[1])
                if name and not overlaps(s, e, actors + dates + veto):
                    places.append((s, e, name))
        for s, e, label in ents:
            if label in PLACE_LABELS and not overlaps(s, e, actors + dates):
                name = _clean_place(text[s:e])
                if name:
                    places.append((s, e, name))
        spans = [(s, e) for s, e, _ in places]
        names = [(s, text[s:e]) for s, e, label in ents
                 if label in NAME_LABELS and not overlaps(s, e, actors + dates + spans)]
        if sum(c.isupper() for c in text) * 3 < sum(c.isalpha() for c in text):  # not an all-caps headline
            taken = actors + dates + spans + [(s, e) for s, e, _ in ents]
            names += [(m.start(), m[0]) for m in _ACRONYM.finditer(text)
                      if not overlaps(m.start(), m.end(), taken) and m[0].lower() not in _NOT_PLACES]
        place_keys = {p.lower() for _, _, p in places}
        return (_unique(p for _, _, p in sorted(places)),
                _unique(n for _, n in sorted(names) if n.lower() not in place_keys))

    # --- figures -------------------------------------------------------------------------------------

    def _figures(self, text: str, tokens: list[Tok], skip: list[tuple[int, int]]) -> list[Figure]:
        found: list[tuple[int, int, int | None]] = []  # (start, end, value) of the number itself
        for m in _DIGITS.finditer(text):
            number = float(m[1].replace(",", "") + (m[2] or ""))
            scale = {"million": 1_000_000, "billion": 1_000_000_000, "thousand": 1000, "hundred": 100,
                     "dozen": 12}.get((m[3] or "").lower(), 1)
            found.append((m.start(), m.end(), round(number * scale)))
        for m in _NUMBER_WORDS.finditer(text):
            if m[0].lower() == "one" and _NOT_ONE.search(text, 0, m.start()):
                continue
            if m[0].lower() in ("a", "million"):
                continue
            found.append((m.start(), m.end(), number_value(m[0])))
        if self._vague is not None:
            for m in self._vague.finditer(text):
                found.append((m.start(), m.end(), None))
        found = [f for f in found if not any(f[0] < e and s < f[1] for s, e in skip)]
        out: list[Figure] = []
        last_end = -1
        for s, e, value in sorted(found, key=lambda f: (f[0], -f[1])):
            if s < last_end:
                continue
            last_end = e
            q = _QUALIFIER.search(text, max(0, s - 24), s)
            words = text[q.start() if q else s:e]
            out.append(Figure(text=words, value=value, counts=self._counts(tokens, s, e)))
        return out

    def _token_outcome_of(self, word: str) -> str | None:
        key = word.lower()
        if key not in self._token_outcome:
            self._token_outcome[key] = next((n for n, rx in self._outcome_token if rx.match(key)), None)
        return self._token_outcome[key]

    def _counts(self, tokens: list[Tok], start: int, end: int) -> str | None:
        """The outcome the number at start:end counts: the nearest outcome word in its clause (commas cost 3)."""
        inside = [i for i, (s, e, _) in enumerate(tokens) if s < end and start < e]
        if not inside:
            return None
        first, last = inside[0], inside[-1]
        if last + 1 < len(tokens):
            following = tokens[last + 1][2]
            if self._event_token.match(following):
                return self._token_outcome_of(following)  # '12 airstrikes': the number counts the strikes
        best: tuple[int, int, str] | None = None
        for step, indexes in ((1, range(last + 1, len(tokens))), (-1, range(first - 1, -1, -1))):
            cost = 0
            for i in indexes:
                word = tokens[i][2].lower()
                if word in _CLAUSE_BREAK:
                    break
                cost += 3 if word in _SOFT_BREAK else 1
                if cost > 10:
                    break
                outcome = self._token_outcome_of(word)
                if outcome is not None:
                    rank = (cost, 0 if step == 1 else 1)  # a tie goes to the word after the number
                    if best is None or rank < best[:2]:
                        best = (*rank, outcome)
                    break
        return best[2] if best else None

    # --- sources -------------------------------------------------------------------------------------

    def _sources(self, text: str, tokens: list[Tok], ents: list[Ent], actors: list[tuple[int, int]],
                 dates: list[tuple[int, int]]) -> list[str]:
        """Who the sentence attributes its content to: 'according to X', 'X said', "X's spokesman", 'state media'."""
        spans = sorted({(s, e) for s, e, label in ents if label not in ("CARDINAL", "DATE", "TIME", "ORDINAL",
                                                                          "QUANTITY", "PERCENT", "MONEY")}
                       | set(actors))
        out: list[tuple[int, str]] = []

        def named(s: int, e: int) -> str:
            return text[s - 4:e] if s >= 4 and text[s - 4:s].lower() == "the " else text[s:e]

        low = text.lower()
        for m in re.finditer(r"\baccording to\s+", low):
            at = m.end()
            span = next(((s, e) for s, e in spans if s == at or (s == at + 4 and low[at:at + 4] == "the ")), None)
            if span:
                out.append((at, named(*span)))
            else:
                phrase = self._np(text, [t for t in tokens if t[0] >= at], True, dates)
                if phrase:
                    out.append((at, phrase))
        for i, (s, _, word) in enumerate(tokens):
            if word.lower() not in self._verbs:
                continue
            j = i - 1
            while j >= 0 and tokens[j][2].lower() in _VERB_SKIP:
                j -= 1
            if j >= 0 and not _is_punct(tokens[j][2]):
                stop = tokens[j][1]
                span = next(((a, b) for a, b in spans if b == stop), None)
                phrase = named(*span) if span else self._np(text, tokens[:j + 1], False, dates)
            else:
                phrase = None
                if j > 0 and tokens[j][2] == ",":  # 'Bali, an SDF spokesman, said'
                    phrase = self._np(text, tokens[:j], False, dates)
                if phrase is None:  # '"...", said the SDF': the source follows the verb
                    span = next(((a, b) for a, b in spans if a == tokens[i][1] + 1), None)
                    phrase = named(*span) if span else self._np(text, tokens[i + 1:], True, dates)
            if phrase:
                out.append((s, phrase))
        for m in _SPOKESMAN.finditer(text):
            out.append((m.start(), m[1] or m[2]))
        for m in _BY.finditer(text):
            out.append((m.start(1), m[1]))
        if self._phrases is not None:
            out.extend((m.start(), m[0]) for m in self._phrases.finditer(text))
        return _unique(_strip_possessive(p) for _, p in sorted(out))

    @staticmethod
    def _np(text: str, tokens: list[Tok], forward: bool, avoid: list[tuple[int, int]]) -> str | None:
        """Up to six tokens from the verb outwards, stopping at punctuation and clause words."""
        taken: list[Tok] = []
        for tok in tokens if forward else reversed(tokens):
            word = tok[2]
            if _is_punct(word) or _plain(word) in _NP_STOP or overlaps(tok[0], tok[1], avoid):
                break
            if len(taken) >= 6 and not (word[:1].isupper() and taken[-1][2][:1].isupper()) or len(taken) == 10:
                break  # six tokens, or up to ten to finish a name ('the commander of the Free Syrian Army')
            taken.append(tok)
        if not taken or (len(taken) == 1 and _plain(taken[0][2]) in _PRONOUNS):
            return None
        if not forward:
            taken.reverse()
        phrase = text[taken[0][0]:taken[-1][1]]
        if not any(c.isalpha() for c in phrase) or taken[0][2].lower() in _NOT_PLACES - {"the", "a", "an"}:
            return None
        return phrase


def _plain(word: str) -> str:
    """A word lower-cased for stop lists, unless it is an acronym ('WHO' is not 'who')."""
    return word if word.isupper() and len(word) > 1 else word.lower()


def overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < be and bs < e for bs, be in spans)


def _is_punct(word: str) -> bool:
    return not any(c.isalnum() for c in word)


def _strip_possessive(name: str) -> str:
    return name[:-2] if name.endswith(("'s", "’s")) else name


def _clean_place(name: str) -> str | None:
    name = _strip_possessive(name.strip())
    if name.lower().startswith("the "):
        name = name[4:]
    words = fold(name).split()
    if not words or words[0] in _NOT_PLACES or not name[:1].isupper():
        return None
    return name


def _blanked(text: str, masked: str) -> list[tuple[int, int]]:
    """Spans the Lexicon blanked out of ``masked`` (actor aliases), as offsets into ``text``."""
    spans: list[tuple[int, int]] = []
    start = None
    for i, (a, b) in enumerate(zip(text, masked, strict=False)):
        differs = a != b
        if differs and start is None:
            start = i
        elif not differs and start is not None and not a.isspace():
            spans.append((start, len(text[:i].rstrip())))
            start = None
    if start is not None:
        spans.append((start, len(text.rstrip())))
    return spans
