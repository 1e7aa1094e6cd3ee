"""The rules that read one sentence into a Frame, given its tokens and named entities (spaCy's, or none).

Everything here is plain regular expressions and token distances, so it runs with or without spaCy: NER only
adds entity spans (places, names, sources) that the capitalised-phrase rules would miss or misjudge.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.knowledge.dates import DateFinder
from assistant.knowledge.lexicon import NUMBER_WORDS, Lexicon, fold
from assistant.knowledge.loader import Knowledge
from assistant.knowledge.sources import SourceFinder
from assistant.knowledge.spans import (
    NAME_LABELS,
    NOT_NAMES,
    NOT_PLACE_LABELS,
    PLACE_LABELS,
    WORD,
    Ent,
    Tok,
    blanked,
    overlaps,
    strip_possessive,
    unique,
)
from assistant.models import Figure, Frame

_PLACE_WORD = r"(?:towns?|villages?|city|cities|districts?|provinces?|governorates?|neighbou?rhoods?|areas?|" \
              r"regions?|camps?|suburbs?|countryside|outskirts|enclave|pocket|border crossing|airport|airbase|base)"
#: Generic words after a place name that are not part of it ('Hama province' -> 'Hama').
_PLACE_TAIL = re.compile(r"\s+(?:[Pp]rovince|[Gg]overnorate|[Cc]ountryside|[Dd]istrict|[Cc]ity|[Tt]own|[Vv]illage|"
                         r"[Cc]amp|[Aa]rea|[Rr]egion|[Ss]uburbs?|[Oo]utskirts)$")
#: NER calls some towns NORP ('Aleppo'); only words shaped like 'Syrian', 'Kurdish', 'Iraqi' are peoples.
_DEMONYM = re.compile(r"(?:ans?|ish|ese|is?|ites?|ic|Arabs?|Kurds?|Druze|Shia)$")
#: A capitalised phrase with one of these words names an organisation, even after 'in' ('in the UN Council').
_ORG_WORD = re.compile(r"\b(?:Council|Organi[sz]ation|Ministry|Army|Forces|Front|Committee|Agency|News|Observatory|"
                       r"University|Party|Group|Brigades?|Movement|Union|Nations|Coalition|Command|Police|Office)\b")
_PLACE_PHRASE = rf"{WORD}(?:\s+{WORD}){{0,3}}"
_PLACE_CUES = [
    re.compile(rf"\b(?:[Ii]n|[Aa]t|[Nn]ear|[Oo]utside|[Aa]round|[Ii]nside|[Tt]owards?|[Aa]cross|[Ii]nto)\s+"
               rf"(?:the\s+(?:{_PLACE_WORD}\s+of\s+)?)?({_PLACE_PHRASE})"),
    re.compile(rf"\b(?i:{_PLACE_WORD}|(?:north|south|east|west)(?:east|west)?|outskirts|liberation|loss|fall|"
               rf"siege|edge|cent(?:re|er)|heart|countryside|banks?|shores?)\s+of\s+(?:the\s+)?({_PLACE_PHRASE})"),
    re.compile(rf"\b(?:[Bb]etween|[Aa]long|[Tt]hrough)\s+(?:the\s+)?({_PLACE_PHRASE})"),
    re.compile(rf"\b(?:withdr[ae]wn?|fled|moved|retreated|advanced|returned|headed|evacuated|displaced|transferred|"
               rf"relocated|went|arrived|marched)\s+(?:back\s+)?(?:to|from)\s+(?:the\s+)?({_PLACE_PHRASE})"),
]
#: More places listed after one: 'in Al-Susah, Al-Shaafa and Baghuz' (a comma list must end in 'and'/'or').
_LISTED = re.compile(rf"(\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?:the\s+)?({_PLACE_PHRASE})")
#: Verbs of control and strikes: what they take or hit is a place even when NER calls it an organisation.
_CONTROL_CUE = re.compile(rf"\b(?:captured|retook|recaptured|seized|liberated|stormed|besieged|overran|entered|"
                          rf"struck|shelled|bombed|pounded|"
                          rf"(?:took|taken|retaken|regained|lost) control of)\s+"
                          rf"(?:the\s+(?:{_PLACE_WORD}\s+of\s+)?)?({_PLACE_PHRASE})")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_CLAUSE_BREAK = frozenset({".", ";", ":", "and", "but", "while", "whereas", "or", "?", "!"})
_SOFT_BREAK = frozenset({",", "(", ")", '"', "'", "—", "–", "-"})
_QUALIFIER = re.compile(r"\b(?:at least|more than|over|nearly|almost|about|around|some|up to|approximately|roughly|"
                        r"as many as|fewer than|less than|an estimated|at most|close to|a total of)\s+$", re.I)
_DIGITS = re.compile(r"(?<![\w/.,])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s+(million|billion|thousand|"
                     r"hundred|dozen))?(?![\w])(?!,\d)")
_WORD_NUMBER = sorted((w for w in NUMBER_WORDS if w not in {"dozens", "hundreds", "thousands"}), key=len, reverse=True)
_NUMBER_WORDS = re.compile(rf"(?<![\w-])(?:a\s+)?(?:{'|'.join(_WORD_NUMBER)}|million)"
                           rf"(?:(?:\s+and\s+|[\s-]+)(?:{'|'.join(_WORD_NUMBER)}|million))*(?![\w-])", re.I)
_NOT_ONE = re.compile(r"(?:\bno|\bthe|\beach|\bevery|\bany|\bthis|\bthat|\bwhich)\s+$", re.I)


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
        self.sources = SourceFinder(cues.source_verbs, cues.source_phrases, cues.not_speakers)
        self._token_outcome: dict[str, str | None] = {}

    def read(self, text: str, tokens: list[Tok], ents: list[Ent], published: date | None,
             offset: int = 0) -> Frame:
        """The Frame of ``text`` (one sentence, its named entities in ``ents``); ``offset``: its start in the doc."""
        masked, actors = self.lexicon.mask_actors(text)
        actor_spans = blanked(text, masked)
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
            sources=self.sources.find(text, tokens, ents, actor_spans, not_figures),
        )

    # --- places and names ----------------------------------------------------------------------------

    def _places_names(self, text: str, ents: list[Ent], actors: list[tuple[int, int]],
                      dates: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
        """Places: NER places and capitalised phrases after 'in/near/village of'; names: other NER entities."""
        places: list[tuple[int, int, str]] = []
        # NER often calls a town an ORG, NORP or PERSON: after a cue word only org- or people-like names are vetoed
        veto = [(s, e) for s, e, label in ents if label in NOT_PLACE_LABELS - {"ORG", "NORP"}
                or label == "ORG" and (_ORG_WORD.search(text, s, e) or text[s:e].isupper())
                or label == "NORP" and _DEMONYM.search(text, s, e)]
        for pattern in [*_PLACE_CUES, _CONTROL_CUE]:
            for m in pattern.finditer(text):
                for s, e in [m.span(1), *_listed(text, m.end(1))]:
                    e = min([e] + [es for es, _, _ in ents if s < es < e])  # 'in Syria Obama said': Syria
                    name = _clean_place(text[s:e].rstrip())
                    if name and not _ORG_WORD.search(name) and not overlaps(s, e, actors + dates + veto):
                        places.append((s, e, name))
        for s, e, label in ents:
            compound = re.match(r"-[a-z]", text[e:e + 2])  # 'US-led', 'Turkish-backed': not a place named
            if label in PLACE_LABELS and not compound and not overlaps(s, e, actors + dates):
                name = _clean_place(text[s:e])
                if name:
                    places.append((s, e, name))
        spans = [(s, e) for s, e, _ in places]
        names = [(s, text[s:e]) for s, e, label in ents
                 if label in NAME_LABELS and not overlaps(s, e, actors + dates + spans)]
        acronyms = list(_ACRONYM.finditer(text))
        if acronyms and sum(map(str.isupper, text)) * 3 < sum(map(str.isalpha, text)):  # not an all-caps headline
            taken = actors + dates + spans + [(s, e) for s, e, _ in ents]
            names += [(m.start(), m[0]) for m in acronyms
                      if not overlaps(m.start(), m.end(), taken) and m[0].lower() not in NOT_NAMES]
        place_keys = {p.lower() for _, _, p in places}
        return (unique(p for _, _, p in sorted(places)),
                unique(n for _, n in sorted(names) if n.lower() not in place_keys))

    # --- figures -------------------------------------------------------------------------------------

    def _figures(self, text: str, tokens: list[Tok], skip: list[tuple[int, int]]) -> list[Figure]:
        found: list[tuple[int, int, int | None]] = []  # (start, end, value) of the number itself
        for m in _DIGITS.finditer(text):
            number = float(m[1].replace(",", "") + (m[2] or ""))
            scale = {"million": 1_000_000, "billion": 1_000_000_000, "thousand": 1000, "hundred": 100,
                     "dozen": 12}.get((m[3] or "").lower(), 1)
            found.append((m.start(), m.end(), round(number * scale)))
        for m in _NUMBER_WORDS.finditer(text):
            if m[0].lower() == "one" and (_NOT_ONE.search(text, 0, m.start()) or text.startswith(" of ", m.end())):
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
                if word in _CLAUSE_BREAK and not (step == 1 and word in ("and", "or") and i + 1 < len(tokens)
                                                  and _is_number(tokens[i + 1][2])):
                    break  # ... unless "two women and two soldiers were killed"
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

def _is_number(word: str) -> bool:
    return word[:1].isdigit() or word.lower() in NUMBER_WORDS


def _listed(text: str, at: int) -> list[tuple[int, int]]:
    """Spans of the places listed right after one ending at ``at``; a comma list counts only if it ends in 'and'."""
    spans: list[tuple[int, int]] = []
    for_sure = 0
    while (m := _LISTED.match(text, at)) is not None:
        spans.append(m.span(2))
        if re.search(r"\b(?:and|or)\b", m[1]):
            for_sure = len(spans)
        at = m.end()
    return spans[:for_sure]


def _clean_place(name: str) -> str | None:
    name = _PLACE_TAIL.sub("", strip_possessive(name.strip()))
    if name.lower().startswith("the "):
        name = name[4:]
    words = fold(name).split()
    if not words or words[0] in NOT_NAMES or not name[:1].isupper():
        return None
    return name


