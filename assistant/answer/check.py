"""The evidence check: a sentence may answer only if it fills the asked slot and contradicts no constraint.

Similarity finds sentences *about* the question; this decides whether one *answers* it. A sentence about
another day, another outcome (injured, not killed), another place or actor, or reported by another source
than the one asked about is rejected with the reason, and the answerer tries the next candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from assistant.answer.constraints import Constraints, DateWant, said_on
from assistant.answer.stemming import stem
from assistant.conflict.control import ControlReader, place_pattern
from assistant.knowledge import Lexicon
from assistant.knowledge.lexicon import MONTHS, fold
from assistant.knowledge.loader import Knowledge, control_cues
from assistant.models import DateSpan, Figure, Frame

#: Outcomes that contradict each other in a count: a toll of the dead is not a toll of the wounded.
_RIVALS = {"kill": {"wound"}, "wound": {"kill"}}


@dataclass
class Evidence:
    """A candidate sentence with what surrounds it, as the check sees it."""

    text: str
    frame: Frame
    previous: Frame | None
    window: str = ""  # the sentence before, which often carries the subject ('It was claimed by ...')
    passage_dates: list[DateSpan] = field(default_factory=list)  # dates of the passage's other sentences
    dates_before: list[DateSpan] = field(default_factory=list)  # ... of those before it (a dateline comes first)
    context_tokens: set[str] = field(default_factory=set)  # sentence + passage + title + source
    doc_source: str | None = None
    published: date | None = None
    title: str = ""  # the document's ('Deir ez-Zor campaign (2017–2019)': the years it covers)


@dataclass
class Verdict:
    passed: bool
    fills_slot: bool
    reasons: list[str]
    complete: bool = True  # False: the first failing rule's reasons only (EvidenceCheck.__call__)

    def table(self) -> dict[str, object]:
        return {"passed": self.passed, "fills_slot": self.fills_slot, "reasons": self.reasons}


class EvidenceCheck:
    """Compares a question's Constraints with one sentence's Frame and context."""

    def __init__(self, knowledge: Knowledge, lexicon: Lexicon) -> None:
        """Cues from ``knowledge.checks``; actors' affiliations (the YPG belongs to the SDF) and places' other
        names (Kobani is Ayn al-Arab) from the registry and ``places.yaml``."""
        self.lexicon = lexicon
        self.cues = cues = knowledge.checks
        # parents: the actors one belongs to; allies: either way round
        self.parents = {f"actor_{a.id}": {f"actor_{p}" for p in a.affiliations} for a in knowledge.actors}
        self.allies: dict[str, set[str]] = {}
        for child, parents in self.parents.items():
            for parent in parents:
                self.allies.setdefault(child, set()).add(parent)
                self.allies.setdefault(parent, set()).add(child)
        self._aliases: dict[str, list[set[str]]] = {}
        self._spellings: dict[str, list[str]] = {}
        for place in knowledge.places:
            spellings = [self._alias_tokens(a) for a in place.aliases]
            for alias in place.aliases:
                self._aliases[alias] = spellings
                self._spellings[alias] = [a for a in place.aliases if a != alias]
        self._claim = re.compile(cues.claim_evidence, re.I)
        self._kinds = [set(kind) for kind in cues.counted_kinds]
        self._currency = re.compile(cues.currency, re.I)
        self._unit = re.compile(cues.measure_units, re.I)
        self._intention = re.compile(cues.intention, re.I)
        verbs = "|".join(cues.place_verbs) or "(?!)"
        self._taken = re.compile(rf"\b(?i:{verbs})\s+(?:the\s+)?({_NAME}(?:\s+{_NAME})*)")
        self._own_loss = re.compile(cues.own_loss, re.I)
        self._speaks = _words(cues.speaking_verbs)
        self._saying = _words(cues.saying_words)
        self._organisation = _words(cues.organisation_words, flags=0)
        endings = "|".join(re.escape(e) for e in cues.nationality_endings) or "(?!)"
        self._nationality = re.compile(rf"[A-Z][a-z]+(?:{endings})")
        self._control_reader = ControlReader(control_cues(), lexicon)

    def __call__(self, want: Constraints, question_tokens: frozenset[str], ev: Evidence,
                 complete: bool = True) -> Verdict:
        """``complete=False`` stops at the first rule that turns the sentence down: the same pass or fail and
        ``fills_slot``, but only that rule's reasons (most sentences a question checks fail, and the reasons of
        those below the debug table are read only for a refusal's near miss, which completes its own)."""
        reasons: list[str] = []
        stopped = False
        for found in self._reasons(want, question_tokens, ev):
            reasons += found
            if reasons and not complete:
                stopped = True
                break
        fills = self._fills(want, ev) and self._names_new(want, question_tokens, ev)
        if not fills and not stopped:
            reasons.append(f"does not state the {want.slot} asked for")
        return Verdict(passed=not reasons, fills_slot=fills, reasons=reasons, complete=not stopped)

    def _reasons(self, want: Constraints, question_tokens: frozenset[str], ev: Evidence) -> Iterator[list[str]]:
        """Each rule's reasons to turn the sentence down, in the order a verdict lists them."""
        yield [] if question_tokens & ev.context_tokens else ["shares no word with the question"]
        yield self._names(want, ev)
        yield self._outcome(want, ev)
        yield self._dates(want, ev)
        yield self._source(want, ev)
        yield self._events(want, ev)
        yield self._whose(want, ev)
        yield self._attributes(want, ev)
        yield self._control(want, ev)
        yield self._dated_elsewhere(want, ev)
        yield self._intended(question_tokens, ev)
        yield self._other_operation(want, ev)

    # --- constraints -----------------------------------------------------------------------------------

    def _names(self, want: Constraints, ev: Evidence) -> list[str]:
        out: list[str] = []
        missing_names: list[str] = []
        prefixes: set[str] | None = None  # the context's 5-letter beginnings, when a name's word is not there
        for name in want.names:
            toks = set(self.lexicon.tokens(name, with_actors=False))
            toks = {t for t in toks if len(t) >= 4} or toks
            # 'Russian' is met by 'Russia', 'Syrian' by 'Syria': a shared 5-letter stem counts; 'Iran' by 'Iranian'
            found = toks & ev.context_tokens
            if any(len(t) >= 5 for t in toks - found):
                if prefixes is None:
                    prefixes = {t[:5] for t in ev.context_tokens if len(t) >= 5}
                found |= {t for t in toks - found if len(t) >= 5 and t[:5] in prefixes}
            found |= {t for t in toks - found if len(t) == 4 and any(u.startswith(t) for u in ev.context_tokens)}
            if toks and len(found) * 3 < len(toks) * 2:
                # 'Idlib' is met by 'Idleb', 'Qaryatayn' by 'Qaryatain': another transliteration of the same name
                # (a skeleton begins with its word's first letter: only the context's words sharing one are made)
                firsts = {t[:1] for t in toks - found}
                skeletons = {_skeleton(u) for u in ev.context_tokens if u[:1] in firsts}
                found |= {t for t in toks - found if len(_skeleton(t)) >= 4 and _skeleton(t) in skeletons}
                # ... and 'Orum' by 'Urum' or 'Urem': the same consonants, another vowel
                # (the passage's words lost a plural-looking 's': 'Meles' is 'mele', so 'Millis' is tried without it)
                firsts = {t[:1] for t in toks - found}
                firsts |= set(_VOWELS) if firsts & set(_VOWELS) else set()  # every vowel is 'a' there
                voiced = {_vowels_alike(u) for u in ev.context_tokens if len(u) >= 4 and u[:1] in firsts}
                found |= {t for t in toks - found if len(t) >= 4
                          and ({_vowels_alike(t), _vowels_alike(t.removesuffix("s"))} & voiced)}
            if toks and len(found) * 3 < len(toks) * 2 and not self._other_name(name, ev.context_tokens):
                missing_names.append(name)
        # most names must be there, and always an owner, near the sentence: 'How did Iran's government react' is
        # about Iran, and a passage that names Iran elsewhere does not make this sentence Iran's reaction
        owned = [n for n in want.names if n.endswith(("'s", "’s"))]
        near = self._near_tokens(ev) if owned else set()  # tokenised only when a name has an owner
        owners = [n for n in owned if not self._named_in(n[:-2], near)]
        if missing_names and len(missing_names) * 2 >= len(want.names):
            out += [f"does not mention {name}" for name in missing_names]
        elif owners:
            out += [f"does not mention {name[:-2]}" for name in owners]
        # an actor is also met by one of its members: 'the coalition' by 'U.S. forces', 'the SDF' by 'the YPG'
        missing = [a for a in want.actors if a not in ev.context_tokens
                   and not any(a in self.parents.get(t, set()) for t in ev.context_tokens)]
        out += [f"does not mention {a.removeprefix('actor_')}" for a in missing]
        return out

    def _alias_tokens(self, alias: str) -> set[str]:
        toks = set(self.lexicon.tokens(alias, with_actors=False))
        return {t for t in toks if len(t) >= 3} or toks

    def _other_name(self, name: str, tokens: set[str]) -> bool:
        """The place is named by another of its names or spellings (places.yaml): 'Ayn al-Arab' by 'Kobanî'."""
        spellings = self._aliases.get(fold(re.sub(r"['’]s$", "", name)).strip(), [])
        return any(s and s <= tokens for s in spellings)

    def _named_in(self, name: str, tokens: set[str]) -> bool:
        """Is the name (an actor by any alias, or a word of it: 'Iran' in 'Iranian') among the tokens?"""
        actors = {t for t in self.lexicon.tokens(name) if t.startswith("actor_")}
        if actors:
            return bool(actors & tokens)
        toks = set(self.lexicon.tokens(name, with_actors=False))
        toks = {t for t in toks if len(t) >= 4} or toks
        return not toks or any(u.startswith(t[:5]) for t in toks for u in tokens)

    def _outcome(self, want: Constraints, ev: Evidence) -> list[str]:
        if want.outcome not in _RIVALS:
            return []
        stated = set(ev.frame.outcomes) | {f.counts for f in ev.frame.figures if f.counts}
        if want.slot == "count":
            counted = {f.counts for f in ev.frame.figures if f.counts}
            if counted & _RIVALS[want.outcome] and want.outcome not in counted:
                return [f"counts {'/'.join(sorted(counted))}, not {want.outcome}"]
        if want.outcome not in stated and stated & _RIVALS[want.outcome]:
            return [f"is about {'/'.join(sorted(stated & _RIVALS[want.outcome]))}, not {want.outcome}"]
        return []

    def _events(self, want: Constraints, ev: Evidence) -> list[str]:
        """A question about a capture (an execution, a displacement ...) needs evidence reporting one."""
        if not want.events:
            return []
        stated = set(ev.frame.event_types) | set(ev.previous.event_types if ev.previous else [])
        allowed = {e for fam in self.cues.event_families if set(fam) & set(want.events) for e in fam}
        if stated & allowed:
            return []
        return [f"reports no {'/'.join(want.events)}"]

    def _whose(self, want: Constraints, ev: Evidence) -> list[str]:
        """'How many Russian servicemen': the sentence (or the one before) must say whose."""
        if not want.counted_by:
            return []
        near = self._near_tokens(ev)
        prefixes = {t[:5] for t in near if len(t) >= 5}
        if not any(t in near or (len(t) >= 5 and t[:5] in prefixes) for t in want.counted_by):
            return [f"does not say the {want.counted} are {' '.join(want.counted_by).replace('actor_', '')}"]
        return self._figure_owners(want, ev)

    def _figure_owners(self, want: Constraints, ev: Evidence) -> list[str]:
        """'How many ISIS fighters did the SDF kill' is not answered by '12 SDF fighters were killed and 57 IS
        attackers neutralised': every figure of the outcome asked belongs to another side ('12 SDF fighters')."""
        asked = {t for t in want.counted_by if t.startswith("actor_")}
        valued = [f for f in ev.frame.figures if f.value is not None]
        # the outcome's figures; when none is read as such ('12 IS fighters attacked ... most were killed'), all
        figures = [f for f in valued if not want.outcome or f.counts == want.outcome] or valued
        if not asked or not figures:
            return []
        side = asked | {a for t in asked for a in self.allies.get(t, set())}
        owners: set[str] = set()
        for figure in figures:
            end = _standalone_end(figure.text, ev.text)
            after = ev.text[end:end + 30] if end is not None else ""
            owner = self.lexicon.actors_in(" ".join(after.split()[:2]))
            if not owner or owner & side:
                return []  # a figure of nobody named, or of the side asked about
            owners |= owner
        return [f"counts {'/'.join(sorted(o.removeprefix('actor_') for o in owners))} {want.counted}, not "
                f"{'/'.join(sorted(a.removeprefix('actor_') for a in asked))}"]

    def _attributes(self, want: Constraints, ev: Evidence) -> list[str]:
        """'What was Hajin's population': the sentence (or the one before) must name the population."""
        if not want.attributes:
            return []  # the sentence and the one before are not tokenised for nothing
        near = self._near_tokens(ev)
        return [f"does not name the {a}" for a in want.attributes if not any(_same_word(a, t) for t in near)]

    def _dated_elsewhere(self, want: Constraints, ev: Evidence) -> list[str]:
        """'When did the SDF push into Al-Marashidah' is not answered by a dated sentence about another place
        ('pushed ISIS out of Al-Susah on 15 January'), though its passage names Al-Marashidah: the date belongs to
        the sentence's own place. Only when the sentence (or the one before) names none of the question's names."""
        if want.slot != "date" or not want.names or not ev.frame.dates:
            return []
        places = ev.frame.places or [m[1] or m[2] for m in _PLACE_NAMED.finditer(ev.text)]
        # 'with support from Russian airstrikes' names no place
        places = [p for p in places if not self._nationality.fullmatch(p)]
        if not places:
            return []
        near = replace(ev, context_tokens=self._near_tokens(ev))
        if len(self._names(want.model_copy(update={"actors": []}), near)) < len(want.names):
            return []  # one of its names is near
        return [f"is about {places[0]}, not {want.names[0]}"]

    @staticmethod
    def _other_operation(want: Constraints, ev: Evidence) -> list[str]:
        """'Operation Wrath of Euphrates' is not met by a sentence naming 'Operation Wrath of Khabur' and never the
        operation asked: code names differ in one word."""
        out = []
        for name in want.names:
            words = name.split()
            if words[0] != "Operation" or len(words) < 2 or re.search(rf"\b{re.escape(name)}\b", ev.text):
                continue
            for m in re.finditer(rf"\bOperation\s+{_NAME}(?:\s+(?:of\s+|the\s+)?{_NAME})*", ev.text):
                out.append(f"is about {m[0]}, not {name}")
        return out[:1]

    def _intended(self, question_tokens: frozenset[str], ev: Evidence) -> list[str]:
        """'Mustafa Bali said that the SDF would launch a final assault' tells of a plan, not of the launch asked
        about: the question's verb appears only as planned, threatened or expected."""
        stems = _alpha_stems(question_tokens)
        if stems & set(self.cues.intention_words):
            return []
        planned = {stem(m[1].lower()) for m in self._intention.finditer(ev.text)} & stems
        if not planned:
            return []
        stated = {stem(w) for w in re.findall(r"[a-z]+", self._intention.sub(" ", ev.text).lower())}
        if planned & stated:
            return []  # also said outright ('... would launch; on 9 February it launched')
        return [f"tells of a plan to {', '.join(sorted(planned))}, not that it happened"]

    def _near_tokens(self, ev: Evidence) -> set[str]:
        return set(self.lexicon.tokens(f"{ev.window} {ev.text}"))

    def _dates(self, want: Constraints, ev: Evidence) -> list[str]:
        """Dated evidence must meet one of the question's dates (a question often names a context date too).
        A date whose year was inferred from the publication date ('on July 19') meets only when the report is
        not from an earlier year; undated evidence must not be published before the date asked. A date finer than
        the one asked for ('In what year was the opera house, shelled in April 2014, opened?') tells of
        something else and constrains nothing."""
        want = want.model_copy(update={"dates": [w for w in want.dates if not _descriptive(want, w)]})
        if not want.dates:
            return []
        reach = timedelta(days=self.cues.by_reach_days)
        borrowed = [_reach_back(s, ev.window, reach) for s in (ev.previous.dates if ev.previous else []) or
                    ev.passage_dates]
        spans = _firm(ev.frame.dates or borrowed)
        # a report cannot tell of a day after its own, unless its text dates the event as precisely as asked
        # (record files get publication dates wrong: '6 Apr 2014' in a report filed as of 3 April); 'December
        # 2018' elsewhere in the passage is no excuse for '9 December'
        early = [] if _firm(ev.frame.dates) else self._published_before(want, ev)
        # its own dates ('on Wednesday', resting on a wrong filing date), else an earlier sentence's, not a later one's
        dating = _firm(ev.frame.dates or (ev.previous.dates if ev.previous else []) or ev.dates_before)
        if early and not any(_meets(w, s) and s.end - s.start <= _width(w) for w in want.dates for s in dating):
            return early
        if not spans:
            return self._far_relative(want, ev)
        outside = self._outside_title_years(want, ev)
        if outside:
            return outside
        if not ev.frame.dates and all(w.month is None for w in want.dates):
            return []  # dates borrowed from other sentences are too loose to contradict a year
        later = self._after_deadline(want, ev)
        if later:
            return later
        if self._any_meets(want, spans, ev):
            return []
        said = [s for s in spans if ev.frame.dates and said_on(s.text, ev.text)]
        asked_said = any(w.said for w in want.dates)  # 'Which commander said on 28 January ...'
        if said and len(said) == len(spans) and not asked_said:
            # 'Amaq claimed on 8 January that 40 were killed': the day of the claim, not of the event, which is
            # then the passage's; a claim is not made before the event, so no other date leaves it open
            events = _firm(borrowed)
            if self._any_meets(want, events, ev):
                return []
            bounds = [w.bounds() for w in want.dates]
            if not events and all(b and s.end >= b[0] for b in bounds for s in said):
                return []
        return [f"is dated {', '.join(s.text for s in spans)}, not {', '.join(w.text for w in want.dates)}"]

    @staticmethod
    def _outside_title_years(want: Constraints, ev: Evidence) -> list[str]:
        """'On 12 October' in the article 'Deir ez-Zor campaign (2017–2019)' is not in 2020: a day whose year was
        inferred belongs to the years its document's title covers, when the title gives them."""
        own = ev.frame.dates
        if not own or not all(s.relative for s in own):
            return []
        years = [int(y) for y in _TITLE_YEARS.findall(ev.title)]
        asked = [w.year for w in want.dates]
        if not years or None in asked:
            return []
        first, last = min(years), max(years)
        if any(first <= y <= last for y in asked if y is not None):
            return []
        return [f"is from “{ev.title}”, not {', '.join(w.text for w in want.dates)}"]

    def _far_relative(self, want: Constraints, ev: Evidence) -> list[str]:
        """'killed 22 people Monday' in a report of 4 October 2016 is not about March 2015: a filing date may be
        wrong by days or weeks (so a weekday is no firm date), not by more than ``relative_slack_days``."""
        loose = [s for s in ev.frame.dates if s.relative]
        bounds = [w.bounds() for w in want.dates]
        if not loose or any(b is None for b in bounds):
            return []
        slack = timedelta(days=self.cues.relative_slack_days)
        # a firm date of the passage near the one asked ('December 16 2013' in a report filed in 2014) says the
        # filing date, and so the weekday's resolution, is the wrong one
        near = loose + _firm(ev.passage_dates)
        if any(s.start - slack <= b[1] and b[0] <= s.end + slack for s in near for b in bounds if b):
            return []
        return [f"is dated {', '.join(f'{s.text} (~{s.start.isoformat()})' for s in loose)}, "
                f"not {', '.join(w.text for w in want.dates)}"]

    @staticmethod
    def _after_deadline(want: Constraints, ev: Evidence) -> list[str]:
        """'By October 2017, how many civilians had died' is not answered by a toll reported on 25 April 2019: a
        firm day of the sentence's own after every deadline asked tells a later tally (a year, '2017 Battle of
        Raqqa', names the event, not the tally's day)."""
        deadlines = [b[1] for w in want.dates if w.by and (b := w.bounds())]
        if not deadlines or len(deadlines) < len(want.dates):
            return []
        days = [s for s in _firm(ev.frame.dates) if s.end - s.start < timedelta(days=31)]
        late = [s for s in days if s.start > max(deadlines)]
        if not late or len(late) < len(days):
            return []
        return [f"is dated {', '.join(s.text for s in late)}, after {', '.join(w.text for w in want.dates)}"]

    def _any_meets(self, want: Constraints, spans: list[DateSpan], ev: Evidence) -> bool:
        return any(_meets(wanted, span) and not (span.relative and self._earlier_year(wanted, ev))
                   for wanted in want.dates for span in spans)

    @staticmethod
    def _earlier_year(wanted: DateWant, ev: Evidence) -> bool:
        return bool(ev.published and wanted.year and ev.published.year < wanted.year)

    @staticmethod
    def _published_before(want: Constraints, ev: Evidence) -> list[str]:
        for wanted in want.dates:
            bounds = wanted.bounds()
            if ev.published and bounds and ev.published < bounds[0]:
                return [f"was published {ev.published.isoformat()}, before {wanted.text}"]
        return []

    def _control(self, want: Constraints, ev: Evidence) -> list[str]:
        """'When did ISIS retake Al-Susah' is not answered by 'the SDF took Al-Susah' nor by 'ISIS lost Al-Susah'."""
        if not want.control:
            return []
        actor, takes, place = want.control
        names = (place, *self._spellings.get(fold(place).strip(), []))
        read = self._control_reader.holders(ev.text, ev.frame, _place_or_anaphor(names))
        claims = [(a, h) for a, h, _ in read]
        side = {actor} | self.allies.get(actor, set())
        meeting = [kind for a, h, kind in read if (a in side and h == takes) or a is None]
        if meeting:  # 'X was retaken on 27 January' does not say by whom: no contradiction
            if want.retake and all(kind == "capture" for kind in meeting):  # 23 January is not 're-secured'
                return [f"tells of a capture of {place}, not of its retaking"]
            return []
        clash = [(a, h) for a, h in claims if (a in side) != (h == takes)]
        if len(clash) == len(claims):  # none, or only other accounts: 'ISIS lost X' does say the SDF took it
            verb = "took" if takes else "lost"
            if not clash:
                return [f"does not say that {actor.removeprefix('actor_')} {verb} {place}"]
            who, holds = clash[0]
            return [f"says {(who or '').removeprefix('actor_')} {'took' if holds else 'lost'} {place}, not what is "
                    "asked"]
        return []

    def _source(self, want: Constraints, ev: Evidence) -> list[str]:
        if not want.source:
            return []
        saying = self._saying.search(ev.text)
        lead = ev.text[:saying.start()] if saying else ""  # 'SDF spokesman Mustafa Bali had said ...'
        whole = [*([ev.doc_source] if ev.doc_source else []), *([lead] if lead else [])]
        if any(self._same_source(want.source, s) for s in whole):
            return []  # the report's own source, or the sentence's lead speaker: all of it is theirs
        if any(self._same_source(want.source, s) for s in ev.frame.sources) or self._says(want.source, ev.text):
            return self._own_words(want, ev)
        shown = ", ".join(ev.frame.sources or [ev.doc_source or "an unnamed source"])
        return [f"is reported by {shown}, not {want.source}"]

    def _others_counted(self, want: Constraints) -> bool:
        """The count asked is of another side's people than the source's ('ISIS fighters the SDF killed')."""
        source = {t for t in self.lexicon.tokens(want.source or "") if t.startswith("actor_")}
        return bool(want.counted_by) and not set(want.counted_by) & source

    def _own_words(self, want: Constraints, ev: Evidence) -> list[str]:
        """'EMN recorded 16 IS fighters killed; the SDF said it lost three': a count asked of the SDF must be in the
        clause the SDF speaks, not in another source's."""
        if want.slot != "count" or want.source is None:
            return []
        clauses: list[tuple[int, str]] = []
        for m, subject in self._speaking(want.source, ev.text):
            if subject:
                start, end = m.start() - len(subject), re.search(r";|\b(?:while|whereas)\b|$", ev.text[m.end():])
                if not ev.text[m.end():].strip(" .,\"'”’)"):
                    start = 0  # '..., the Russian army said.': the whole sentence is its
                clauses.append((start, ev.text[start:m.end() + (end.start() if end else 0)]))
        if not clauses or any(start == 0 or self._figure_in(want, clause, ev) for start, clause in clauses):
            return []  # its words open the sentence, or one of its clauses gives the figure
        return [f"{want.source}'s own words give no {want.outcome or ''} figure".replace("  ", " ")]

    def _figure_in(self, want: Constraints, clause: str, ev: Evidence) -> bool:
        own = bool(self._own_loss.search(clause)) and not self._others_counted(want)
        return any(f.text in clause for f in ev.frame.figures if not want.outcome or f.counts == want.outcome or own)

    def _says(self, wanted: str, text: str) -> bool:
        """'... while the Syrian Observatory for Human Rights gave a death toll of 12': the source asked for is named
        in the sentence and says or gives something within a few words."""
        return next(self._speaking(wanted, text), None) is not None

    def _a_person(self, name: str, want: Constraints, ev: Evidence, at: int) -> bool:
        """Two names or more, not an organisation's, a dateline's, a place's or a nationality's ('Iraqi
        Kurdistan'), and not given another role than the one asked."""
        return (len(name.split()) > 1 and not self._organisation.search(name) and not _DATELINE.search(name)
                and not self._nationality.fullmatch(name.split()[0]) and name not in ev.frame.places
                and not self._other_role(want, ev.text, at))

    def _speaking(self, wanted: str, text: str) -> Iterator[tuple[re.Match[str], str]]:
        """Each verb of speaking in ``text`` with its subject (the words before it, back to a clause break), where
        that subject is the source asked for."""
        for m in self._speaks.finditer(text):
            subject = self._subject(text, m)
            if subject and self._same_source(wanted, subject):
                yield m, subject

    @staticmethod
    def _subject(text: str, verb: re.Match[str]) -> str:
        """The words before a verb of speaking back to a comma, a semicolon or a conjunction ('' when none)."""
        before = text[max(0, verb.start() - 80):verb.start()]
        subject = re.split(r"[,;:]|\b(?:and|while|but|whereas)\b", before)[-1]
        return subject if subject.strip() else ""

    def _same_source(self, wanted: str, said: str) -> bool:
        a, b = set(self.lexicon.tokens(wanted)), set(self.lexicon.tokens(said))
        if _acronym(wanted) in b or _acronym(said) in a:
            return True
        if {t for t in a if t.startswith("actor_")} & b:
            return True  # "ISIS's Amaq agency" is "the Islamic State's Amaq outlet"
        role = wanted.split()[-1].lower()
        if role in self.cues.source_roles and not {t[:5] for t in b} & {role[:5]}:
            return False  # 'the Homs governor' is not 'a source in Homs'
        a_plain, b_plain = {t for t in a if not t.startswith("actor_")}, {t for t in b if not t.startswith("actor_")}
        return bool(a_plain and b_plain and len(a_plain & b_plain) * 2 >= min(len(a_plain), len(b_plain)))

    # --- slot ------------------------------------------------------------------------------------------

    def _fills(self, want: Constraints, ev: Evidence) -> bool:
        frame = ev.frame
        if want.measure and not _measured(want.measure, ev.text):
            return False  # 'how far': a number with a unit of distance
        if want.requires and not re.search(want.requires, ev.text, re.I):
            return False  # 'what nationalities': a nationality
        if want.slot == "count":
            # a day of a date ('on 15 October') is not a count
            figures = [f for f in frame.figures if (f.counts or not any(f.text in d.text for d in frame.dates))
                       and self._a_count(f, ev.text, self._of_people(want))]
            if not figures:
                return False
            if want.outcome and want.outcome not in set(frame.outcomes) | {f.counts for f in frame.figures}:
                return False  # 'how many were killed' needs a sentence that says who was killed
            return not want.counted or (self._same_kind(want.counted, ev)
                                        and not self._figures_count_others(want.counted, figures, ev.text))
        if want.slot == "claim":
            return bool(self._claim.search(ev.text) or self._claim.search(ev.window))
        if want.slot == "date":
            dates = frame.dates or (ev.previous.dates if ev.previous else [])
            if want.date_days is not None and want.date_days > 365:  # 'in what year': a year written, not inferred
                dates = [d for d in dates if _YEAR_WRITTEN.search(d.text)]
            # 'on what date' is not answered by 'by the end of 2017', nor any question by the date it gives itself
            return any((want.date_days is None or (d.end - d.start).days < want.date_days)
                       and not any(_repeats(want, w, d) for w in want.dates) for d in dates)
        if want.slot == "source":
            return bool(frame.sources or ev.doc_source)
        return True

    def _a_count(self, figure: Figure, text: str, of_people: bool) -> bool:
        """'several checkpoints' says not how many; '3,540 metres' is a measure (the unit pattern is matched right
        after the figure), not a number of those killed or of fighters."""
        if figure.text.lower() in self.cues.vague_figures:
            return False
        at = text.find(figure.text)
        return not of_people or at < 0 or not self._unit.match(text, at + len(figure.text))

    def _of_people(self, want: Constraints) -> bool:
        """A count of casualties, or of a kind no unit measures ('fighters', not 'territory' in square km)."""
        if want.outcome:
            return True
        group = self._group(want.counted) if want.counted else None
        return group is not None and not any(self._unit.match(w) for w in group)

    def _names_new(self, want: Constraints, question_tokens: frozenset[str], ev: Evidence) -> bool:
        """'Which village ...', 'Who was the commander ...': the sentence names a place (a person, an actor) that the
        question does not; 'an eastern district of the capital' names none."""
        if want.designation:
            if _title_case(ev.text):
                return False  # 'Twin Car Bombs in Syrias Homs Kill 32': a headline's capitals name no make
            # 'two Russian Sukhoi SU-24 warplanes', 'a Mazda': a designation, or a name that is neither an actor
            # nor the sentence's first word, which the question does not give
            # ... and neither a place ('near the Euphrates' says where, not what type of aircraft) nor the source
            # ('BEIRUT (Levant Wire) -')
            where_who = [*ev.frame.places, *ev.frame.sources, *([ev.doc_source] if ev.doc_source else []),
                         *(m[1] or m[2] for m in _PLACE_NAMED.finditer(ev.text))]
            places = {t for p in where_who for t in self.lexicon.tokens(p)}
            # 'near the Iraqi border' or a reporter's '(EMN)' names no make
            found = [m[0] for m in _PERSON.finditer(ev.text)
                     if m.start() > 0 and not all(self._nationality.fullmatch(p) for p in m[0].split("-"))
                     and not (m[0].isupper() and ev.text[m.start() - 1] == "(")
                     and not self._titled(ev.text, m.start())]
            if any(m[0].lower() not in question_tokens for m in _MODEL.finditer(ev.text)):
                return True
            return any(self._new_plain(name, question_tokens | places) for name in found)
        if want.slot == "place":
            named = [*ev.frame.places, *(m[1] or m[2] for m in _PLACE_NAMED.finditer(ev.text)),
                     *(m[1] for m in self._taken.finditer(ev.text))]
            # 'support from the Western Coalition' names an actor, not where
            found = [n for n in named if not self._nationality.fullmatch(n)
                     and not any(t.startswith("actor_") for t in self.lexicon.tokens(n))]
        elif want.slot == "actor" and want.person:
            # a person has two names or more, is no organisation ('United Nations Red Cross'), and a Title Case
            # headline ('Suicide Bomber Kills Five Kurdish Police') names nobody by its capitals alone
            found = [] if _title_case(ev.text) else [
                m[0] for m in _PERSON.finditer(ev.text) if self._a_person(m[0], want, ev, m.start())]
        elif want.slot == "actor":
            if set(ev.frame.actors) - question_tokens - set(want.actors):
                return True
            found = [*ev.frame.names, *ev.frame.sources, *(m[0] for m in _PERSON.finditer(ev.text))]
        else:
            return True
        for name in found:
            toks = set(self.lexicon.tokens(name))
            if want.person and any(t.startswith("actor_") for t in toks):
                continue  # 'Islamic State' is not a person
            plain = {t for t in toks if len(t) >= 3 and not t.startswith("actor_")} - _CALENDAR
            if plain - question_tokens or {t for t in toks if t.startswith("actor_")} - question_tokens:
                return True
        return False

    def _titled(self, text: str, start: int) -> bool:
        """A name after a role or rank ('spokesman Col. Sean Ryan') is a person's, not a make or model."""
        before = re.findall(r"[a-z]+", text[max(0, start - 25):start].lower())[-2:]
        return any(w in self.cues.person_nouns or w in self.cues.person_titles for w in before)

    def _other_role(self, want: Constraints, text: str, start: int) -> bool:
        """'SDF commander Jiya Furat' is not the SDF spokesman asked for (unless the sentence names that role)."""
        if not want.role or want.role[:5] in text.lower():
            return False
        before = re.findall(r"[a-z]+", text[max(0, start - 30):start].lower())[-2:]
        return any(w in self.cues.person_nouns and w != want.role for w in before)

    def _new_plain(self, name: str, question_tokens: frozenset[str]) -> bool:
        toks = set(self.lexicon.tokens(name))
        if any(t.startswith("actor_") for t in toks):
            return False
        return bool({t for t in toks if len(t) >= 3} - _CALENDAR - question_tokens)

    def _group(self, counted: str) -> set[str] | None:
        """The words counting the same kind as ``counted``: every group it is listed in ('a force' is of fighters
        or of soldiers)."""
        groups = [g for g in self._kinds if counted in g]
        return set().union(*groups) if groups else None

    def _figures_count_others(self, counted: str, figures: list[Figure], text: str) -> bool:
        """Every figure of the sentence is followed by a word of another kind than the one asked ('how many
        fighters' is not answered by 'some fighters and a number of hostages remained'); a figure followed by no
        kind's word leaves it to the sentence's words."""
        group = self._group(counted)
        if group is None or not figures:
            return False
        for figure in figures:
            at = text.find(figure.text)
            if at < 0:
                return False
            after = set(self.lexicon.tokens(" ".join(text[at + len(figure.text):].split()[:4]), with_actors=False))
            if group & after or not any(g & after for g in self._kinds):
                return False  # this figure counts what is asked, or it cannot be told what it counts
        return True

    def _same_kind(self, counted: str, ev: Evidence) -> bool:
        """A sentence counts what was asked: not only another kind ('how many civilians' vs '9 fighters'), a kind
        other than people by its name ('five were killed' is not five children), and a kind the knowledge file
        does not list by its name after a number ('how much compensation', 'how many barrel bombs')."""
        words = set(self.lexicon.tokens(ev.text, with_actors=False))
        group = self._group(counted)
        if group is None:
            return _number_before(counted, ev.text)
        if self.cues.money_kind in group:
            return bool(self._currency.search(ev.text))
        if group & words:
            return True
        if any((g - group) & words for g in self._kinds):
            return False
        return self.cues.generic_kind in group or bool(group & set(self.lexicon.tokens(ev.window, with_actors=False)))


_NUMBER = re.compile(r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                     r"fifty|hundred|hundreds|thousand|thousands|dozen|dozens|several|scores)\b", re.I)


def _number_before(counted: str, text: str) -> bool:
    """'40 tons', 'three barrel bombs', '6 vehicle-borne IEDs': the counted word soon after a number."""
    stem = re.escape(counted[:max(3, len(counted) - 1)])
    return bool(re.search(rf"\b{_NUMBER.pattern}\s+(?:[\w-]+\s+){{0,3}}{stem}", text, re.I))


#: A capitalised name, with Arabic particles ('Jowan Ibrahim', 'Abu Firas al-Suri', 'al-Hawamah').
_NAME = r"(?:(?:al|el|ad|ar|as|ash|at|az)-)?[A-Z][\w'’\-]+"
_PERSON = re.compile(rf"(?<![\w-]){_NAME}(?:\s+(?:(?:bin|ibn|abu|abd|al|el|de|van|von)\s+)?{_NAME})*")
#: A place named after a preposition or a place noun ('in Qaboun', 'the village of Buyir', 'al-Hawamah district').
_PLACE_NAMED = re.compile(rf"\b(?:in|at|near|from|into|outside|of|to|towards?|village|town|city|district|"
                          rf"neighbou?rhood|province)\s+(?:the\s+)?({_NAME}(?:\s+{_NAME})*)"
                          rf"|({_NAME}(?:\s+{_NAME})*)\s+(?:village|town|city|district|neighbou?rhood|camp|province|area)\b")


_FEW = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|a hundred|" \
       "several|a few|dozens? of|hundreds? of|half an?"
@lru_cache(maxsize=256)
def _place_or_anaphor(names: tuple[str, ...]) -> re.Pattern[str]:
    """The place by any of its names, or 'the city/town/village' standing for it ('the Syrian Army regained
    control of the city'; not 'the village of Tal A'lo')."""
    spelled = "|".join(place_pattern(n).pattern for n in names)
    return re.compile(rf"{spelled}|(?<![\w-])(?:the\s+)?(?:city|town|village)(?![\w])(?!\s+of\b)")


def _measured(unit: str, text: str) -> bool:
    """A figure carrying the unit asked for: '40 kilometres', 'two weeks', 'a few hundred metres'."""
    return bool(re.search(rf"(?:\d|\b(?:{_FEW}))[\d,.\s-]*(?:{unit})", text, re.I))


#: A word in capitals is a dateline or an acronym, not part of a person's name ('QAMISHLI Syria').
_DATELINE = re.compile(r"\b[A-Z]{4,}\b")


def _title_case(text: str) -> bool:
    """A headline in Title Case: most of its longer words are capitalised."""
    words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) >= 4]
    return len(words) >= 5 and sum(w[0].isupper() for w in words) * 10 >= len(words) * 7


#: A model designation: 'SU-24', 'F-16', 'T-72', 'MiG-23', 'BM-21'.
_MODEL = re.compile(r"\b[A-Z][A-Za-z]{0,5}-?\d{1,4}[A-Za-z]?\b")
_CALENDAR = {*(m for m in MONTHS), *(m[:3] for m in MONTHS), "monday", "tuesday", "wednesday", "thursday", "friday",
             "saturday", "sunday"}


def _words(words: list[str], flags: int = re.I) -> re.Pattern[str]:
    """Any of the words, whole ('(?!)' when there are none)."""
    return re.compile(rf"\b(?:{'|'.join(re.escape(w) for w in words)})\b" if words else "(?!)", flags)


_DOUBLES = re.compile(r"(.)\1+")
_VOWELS = "aeiouy"
_NO_VOWELS = str.maketrans("", "", _VOWELS)
_ONE_VOWEL = str.maketrans(_VOWELS, "aaaaaa")


@lru_cache(maxsize=65536)
def _skeleton(token: str) -> str:
    """A word's first letter and its consonants, doubles single: 'idlib' and 'idleb' are both 'idlb'."""
    return _DOUBLES.sub(r"\1", token[:1] + token[1:].translate(_NO_VOWELS))


@lru_cache(maxsize=65536)
def _vowels_alike(token: str) -> str:
    """Every vowel the same letter, doubles single: 'orum', 'urum' and 'urem' are all 'aram'."""
    return _DOUBLES.sub(r"\1", token.translate(_ONE_VOWEL))


@lru_cache(maxsize=64)
def _alpha_stems(tokens: frozenset[str]) -> frozenset[str]:
    """The stems of a question's words (once per question, not per sentence checked)."""
    return frozenset(stem(t) for t in tokens if t.isalpha())


def _standalone_end(figure: str, text: str) -> int | None:
    """Where the first occurrence of ``figure`` in ``text`` that is not part of a longer figure or word ends
    (no word character, '.' or ',' before it, no word character after), or None: a string search, not a pattern
    compiled per figure."""
    at = text.find(figure)
    while at >= 0:
        end = at + len(figure)
        before = text[at - 1] if at else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "_.,") and not (after.isalnum() or after == "_"):
            return end
        at = text.find(figure, at + 1)
    return None


def _width(wanted: DateWant) -> timedelta:
    bounds = wanted.bounds()
    return bounds[1] - bounds[0] if bounds else timedelta(days=366)


_YEAR_WRITTEN = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")


def _descriptive(want: Constraints, wanted: DateWant) -> bool:
    """A question's date finer than the date it asks for describes something else ('In what year was the opera
    house, shelled in April 2014, opened?'): it cannot be the answer's date."""
    return want.slot == "date" and want.date_days is not None and _width(wanted).days < want.date_days


def _repeats(want: Constraints, wanted: DateWant, span: DateSpan) -> bool:
    """Whether a date of the evidence only gives back a date of the question: within it and no finer ('When in
    2017 ...' is not answered by 'in 2017', but by 'on 3 May 2017'), or within a date that describes something
    else."""
    if not _meets(wanted, span):
        return False
    return _descriptive(want, wanted) or span.end - span.start >= _width(wanted)


def _firm(spans: list[DateSpan]) -> list[DateSpan]:
    """'on Sunday', 'yesterday' rest on the publication date, which record files often get wrong."""
    return [s for s in spans if not s.relative or any(c.isdigit() for c in s.text)]


def _same_word(word: str, token: str) -> bool:
    """'governor' is 'governor(s)', not 'governorate'; 'commander' is also 'commanders', 'commanded'."""
    return token.startswith(word[:-1]) and len(token) <= len(word) + 2


def _acronym(name: str) -> str:
    """'Euphrates Monitoring Network' -> 'emn' (only for names of 2+ capitalised words)."""
    letters = "".join(w[0] for w in name.split() if w[:1].isupper())
    return letters.lower() if len(letters) > 1 else "\x00"




#: Years a title names: 'Battle of Raqqa (2017)', 'Deir ez-Zor campaign (2017–2019)', '2017 Mayadin offensive'.
_TITLE_YEARS = re.compile(r"(?:^|(?<=[(–\-\s]))((?:19|20)\d\d)(?=[)–\-\s]|$)")


def _reach_back(span: DateSpan, window: str, reach: timedelta) -> DateSpan:
    """'By 26 November, the fighting had killed over 200': a date that bounds what went before. Lent to the next
    sentence ('92 SDF fighters were killed in the weekend fighting'), it dates that sentence to the weeks up to it,
    not to that day. ``window``: the sentence the date was read from."""
    if "by " not in window.lower() or not _by_date(span.text.removeprefix('By ').removeprefix('by '), window):
        return span
    return span.model_copy(update={"start": span.start - reach})


#: What comes right before a date that bounds: 'by 26 November', 'by the end of 2017'.
_BY_BEFORE = re.compile(r"\bby\s+(?:the\s+end\s+of\s+)?\Z", re.I)


def _by_date(text: str, window: str) -> bool:
    """Whether ``window`` says 'by <text>' (or 'by the end of <text>'), in any case: the date's text looked up
    as a string and what precedes each occurrence matched, not a pattern compiled per date text (~1 ms each, once
    for every date a question's sentences hold)."""
    lowered, wanted = window.lower(), text.lower()
    if len(lowered) != len(window) or len(wanted) != len(text):  # a letter whose lower case is longer: by pattern
        return bool(re.search(rf"\bby\s+(?:the\s+end\s+of\s+)?{re.escape(text)}", window, re.I))
    at = lowered.find(wanted)
    while at >= 0:
        if _BY_BEFORE.search(window, 0, at):
            return True
        at = lowered.find(wanted, at + 1)
    return False


def _meets(wanted: DateWant, span: DateSpan) -> bool:
    """A year read from the publication date (or from nothing) is a guess: then only month and day must agree."""
    if span.relative and wanted.year is not None:
        if wanted.month is None:
            return True  # a year asked, a year guessed: nothing to compare
        wanted = wanted.model_copy(update={"year": None})
    return wanted.meets(span.start, span.end)
