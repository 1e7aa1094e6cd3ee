"""What a question constrains: the slot it asks to fill and the facts any evidence must not contradict.

Read once per question (part of ``Question``): the asked slot (a count of killed / injured / displaced, a
date, a place, an actor, a source), and the constraints: dates, named places and things, actors, outcome and
the reporting source ("according to X", "did X say").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from assistant.knowledge import Lexicon
from assistant.knowledge.dates import part_of_month
from assistant.knowledge.lexicon import MONTHS
from assistant.knowledge.loader import CheckCues

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_M3 = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_NUM = {**MONTHS, **{m[:3]: n for m, n in MONTHS.items()}, "sept": 9}
_DAY_MONTH_YEAR = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:[-–]|and|to)\s*)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTHS}|(?:{_M3})\.?)(?:,?\s+(\d{{4}}))?\b"
    rf"|\b({_MONTHS}|(?:{_M3})\.?)\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{{4}}))?"
    rf"|\b(\d{{4}})-(\d{{2}})-(\d{{2}})\b", re.I)
_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\s+(?:of\s+)?(\d{{4}})\b", re.I)
_PART = re.compile(r"\b(early|mid|late)[\s-]+$", re.I)
# a month without its year, capitalised ('may' is a verb) and after a preposition or a part of it
_MONTH_ALONE = re.compile(rf"\b(?:(?:in|since|from|until|till|by|during|before|after|of)\s+(?:the\s+)?)?"
                          rf"(?:(early|mid|late)[\s-]+)?({_MONTHS.title()})\b(?![\s,]+\d)")
# a year alone: 'in 2019', 'the 2020 IS assault' (not a count: '2000 people' is followed by what it counts)
_YEAR = re.compile(r"\b(?:in|during|of|since|by|the|a|an)\s+((?:19|20)\d\d)\b(?![,.]?\d)", re.I)
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
#: A capitalised phrase, with its particles: 'Deir ez-Zor Governorate', 'Abu Firas al-Suri', 'Bank of Syria'.
_CAPITAL = re.compile(r"\b([A-Z][\w'’\-]*(?:(?:\s+(?:of|for|and|al|el|ez|the)\s+|\s+(?:al|el|ez|az|as|ad|ar|ash|an|at)-"
                      r"|\s+)[A-Z][\w'’\-]*)*)")
_WHO = r"(?P<who>[A-Z][\w'’.\-]*(?:\s+(?!say|said|report|claim)[\w'’.\-]+){0,4}?)"
_SAY = (r"(?:say|said|report|claim|announce|put|give|record|count|estimate|describe|tell|confirm|allege|"
        r"accuse|think|believe)(?!\s+(?:way|up|out|back|off)\b|\s+in\b(?!\s+(?:a|an|its|the|their|his|her)\b))")
# ('give way' or 'give in' is not 'give a figure'; 'claim in its statement' is a claim)
#: 'Kurdish-led', 'Turkish-backed', 'IS-held': descriptions of an actor, not names a sentence must repeat
_DESCRIPTOR = re.compile(r"[\w'’]+-(?:led|backed|held|controlled|based|run|allied|aligned|affiliated)$", re.I)
_SOURCE_PATTERNS = [
    # 'According to the monitoring group, when did ...': a lower-case role phrase up to the comma
    re.compile(r"^\W*[Aa]ccording to (?:the\s+)?(?P<who>[^,?]{2,60}?),"),
    re.compile(r"\b[Aa]ccording to (?:the\s+)?(?P<who>[A-Z][\w'’.\-]*(?:\s+(?:of|for|the|and|[A-Z][\w'’.\-]*))*)"),
    re.compile(rf"\b(?:did|does|do|has|have|had|would)\s+(?:the\s+)?{_WHO}\s+{_SAY}\b"),
    re.compile(r"\b(?:was|were|is)\s+(?:\w+\s+){0,3}?(?:reported|claimed|announced|recorded|confirmed)\s+by\s+"
               r"(?:the\s+)?(?P<who>[A-Z][\w'’.\-]*(?:\s+(?:of|for|and|[A-Z][\w'’.\-]*))*)"),
]
_VERBS = {"came", "went", "left", "fled", "got", "made", "took", "remain", "die", "flee", "come", "go", "gave", "give",
          "themselve", "themselves", "himself", "itself", "up", "out"}
_OUTCOME_WORDS = {"killed", "wounded", "injured", "dead", "displaced", "died", "executed"}
_QUESTION_WORDS = {"how", "what", "which", "who", "whom", "whose", "when", "where", "why", "did", "does", "do",
                   "is", "was", "were", "are", "in", "on", "at", "according", "and", "the", "i"}


_SAID_BEFORE = re.compile(r"\b(?:say|said|says|claim|claimed|claims|announced|reported|stated|declared|added|"
                          r"told\s+[\w\s]{1,30}?)"
                          r"\s+(?:on\s+|late\s+on\s+|early\s+on\s+)?(?:\w+day,?\s+)?(?:on\s+)?$", re.I)


def said_on(date_text: str, text: str) -> bool:
    """Is this date the day something was said ('X said on 10 March that ...'), not the day of the event?"""
    at = text.find(date_text)
    return at > 0 and bool(_SAID_BEFORE.search(text[max(0, at - 60):at]))


class DateWant(BaseModel):
    """A date the question names; None parts are unconstrained (``3 March`` leaves the year open)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    first_day: int | None = Field(default=None, description="Start of a day range ('21–22 January').")
    said: bool = Field(default=False, description="The day something was said ('Who said on 3 March that').")
    by: bool = Field(default=False, description="A deadline ('By October 2017, how many ...'): a tally as of then; "
                     "a report or event after it tells a later one.")

    def bounds(self) -> tuple[date, date] | None:
        """The day range this wants, when the year is known."""
        if self.year is None:
            return None
        if self.month is None:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        if self.day is None:
            return date(self.year, self.month, 1), date(self.year, self.month,
                                                        calendar.monthrange(self.year, self.month)[1])
        return date(self.year, self.month, self.first_day or self.day), date(self.year, self.month, self.day)

    def meets(self, start: date, end: date) -> bool:
        """Whether any day of [start, end] is a day this date can mean."""
        bounds = self.bounds()
        if bounds is not None:
            return start <= bounds[1] and bounds[0] <= end
        if (end - start).days > 366:
            return True
        day = start
        while day <= end:
            first = self.first_day or self.day
            if day.month == self.month and (self.day is None or first <= day.day <= self.day):  # type: ignore[operator]
                return True
            day = date.fromordinal(day.toordinal() + 1)
        return False


class Constraints(BaseModel):
    """The slot a question asks to fill and what its evidence must agree with."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    slot: str = Field(description="count | date | place | actor | source | other")
    outcome: str | None = Field(default=None, description="Outcome asked about: kill, wound, displace, ...")
    dates: list[DateWant] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list, description="Named places/things the evidence must mention.")
    actors: list[str] = Field(default_factory=list, description="Canonical actor tokens named.")
    source: str | None = Field(default=None, description="Reporting source asked about ('according to X').")
    counted: str | None = Field(default=None, description="What a count question counts ('soldiers').")
    counted_by: list[str] = Field(default_factory=list,
                                  description="Whose the counted are ('Russian servicemen'): lexicon tokens.")
    events: list[str] = Field(default_factory=list, description="Specific event kinds named ('capture').")
    attributes: list[str] = Field(default_factory=list, description="Attributes asked for ('population').")
    person: bool = Field(default=False, description="The actor asked for is a person ('Which official ...').")
    role: str | None = Field(default=None, description="The role of the person asked for ('Who was the SDF "
                             "spokesman'): a person given another role ('SDF commander X') is not the answer.")
    designation: bool = Field(default=False, description="A make, model or type is asked ('What type of aircraft').")
    measure: str | None = Field(default=None, description="Regex of the unit a 'how far / how long' answer carries.")
    control: tuple[str, bool, str] | None = Field(
        default=None, description="(actor, takes, place) of 'did the SDF retake Al-Susah': evidence in which another "
        "actor takes the place, or this one loses it, answers another question.")
    retake: bool = Field(default=False, description="The control asked is a retaking ('re-secured X', 'retook X'): "
                         "a sentence telling only of a first capture answers another question.")
    date_days: int | None = Field(default=None, description="How many days wide the date asked for may be at "
                                  "most ('on what date': a day, 'in which month': a month).")
    requires: str | None = Field(default=None, description="Regex the evidence must match to hold the kind of "
                                 "thing asked ('what nationalities': a nationality).")

    def asked_days(self, widest: int = 7) -> tuple[date, date] | None:
        """The days the question's day-level dates span (years known), when no wider than ``widest`` days: the
        reports published then are searched apart (retrieval's dated list)."""
        spans = [want.bounds() for want in self.dates if want.day is not None]
        known = [span for span in spans if span is not None]
        if not known or len(known) < len(spans):
            return None
        first, last = min(s for s, _ in known), max(e for _, e in known)
        return (first, last) if (last - first).days <= widest else None


def question_dates(text: str) -> list[DateWant]:
    """Explicit dates of a question: day (with or without year), month and year, or a year alone."""
    wants: list[DateWant] = []
    covered: list[tuple[int, int]] = []
    for m in _DAY_MONTH_YEAR.finditer(text):
        first = None
        if m[8]:
            want = DateWant(text=m[0], year=int(m[8]), month=int(m[9]), day=int(m[10]))
        elif m[2]:
            want = DateWant(text=m[0], day=int(m[2]), month=_MONTH_NUM[m[3].lower().rstrip(".")],
                            year=int(m[4]) if m[4] else None)
            first = int(m[1]) if m[1] else None
        else:
            want = DateWant(text=m[0], day=int(m[6]), month=_MONTH_NUM[m[5].lower().rstrip(".")],
                            year=int(m[7]) if m[7] else None)
        if want.day is not None and 1 <= want.day <= 31 and want.month and 1 <= want.month <= 12:
            if first is not None and 1 <= first < want.day:
                want = want.model_copy(update={"first_day": first})
            wants.append(want)
            covered.append(m.span())
    for m in _MONTH_YEAR.finditer(text):
        if not any(s <= m.start() < e for s, e in covered):
            wants.append(_month_want(text, m))
            covered.append(m.span())
    for m in _MONTH_ALONE.finditer(text):  # 'since early December': the month of any year
        if m[0] != m[2] and not any(s <= m.start(2) < e for s, e in covered):
            wants.append(_month_alone(m))
            covered.append(m.span())
    for m in _YEAR.finditer(text):
        if not any(s <= m.start(1) < e for s, e in covered):
            wants.append(DateWant(text=m[1], year=int(m[1])))
    wants = [w.model_copy(update={"said": True}) if said_on(w.text, text) else w for w in wants]
    return [w.model_copy(update={"by": True}) if _by_date(w.text, text) else w for w in wants]


def _by_date(date_text: str, text: str) -> bool:
    """'By October 2017, how many civilians ...', '... killed by the end of 2017'."""
    at = text.find(date_text)
    return at >= 0 and bool(re.search(r"\b(?:by|as\s+of|up\s+to|until)\s+(?:the\s+end\s+of\s+)?$", text[:at],
                                      re.I))


def _month_alone(m: re.Match[str]) -> DateWant:
    """'in December', 'since early December' (no year): the month, or its part, of whichever year."""
    month = MONTHS[m[2].lower()]
    if not m[1]:
        return DateWant(text=m[0], month=month)
    first = date(2001, month, 1)  # any year without 29 February: a part's days only
    start, end = part_of_month(m[1].lower(), first, first.replace(day=calendar.monthrange(2001, month)[1]))
    return DateWant(text=m[0], month=month, day=end.day, first_day=start.day)


def _month_want(text: str, m: re.Match[str]) -> DateWant:
    """'February 2019', or a part of it: 'in mid-February 2019' is about the 9th to the 21st."""
    year, month = int(m[2]), MONTHS[m[1].lower()]
    part = _PART.search(text, 0, m.start())
    if not part:
        return DateWant(text=m[0], year=year, month=month)
    first = date(year, month, 1)
    start, end = part_of_month(part[1].lower(), first, first.replace(day=calendar.monthrange(year, month)[1]))
    return DateWant(text=text[part.start():m.end()], year=year, month=month, day=end.day, first_day=start.day)


def _lower_source_patterns(nouns: Sequence[str]) -> list[re.Pattern[str]]:
    """'according to the coalition', 'did the monitoring network give': a source named without capitals, known by
    its head noun (checks.yaml ``source_nouns``) so that 'did the fighters say' names no source."""
    if not nouns:
        return []
    who = rf"(?P<who>(?:[a-z][\w'’\-]*\s+){{0,2}}?(?:{'|'.join(map(re.escape, nouns))}))"
    return [re.compile(rf"\b[Aa]ccording to (?:the\s+)?{who}\b(?!-)"),
            re.compile(rf"\b(?:did|does|do|has|have|had|would)\s+(?:the\s+)?{who}\s+{_SAY}\b")]


def question_source(text: str, roles: Sequence[str] = (), nouns: Sequence[str] = (),
                    lexicon: Lexicon | None = None) -> str | None:
    """The reporting source asked about, with a role word that belongs to it ('the Homs governor'); a source
    in lower case counts by its head noun ('the monitoring network') or, given a Lexicon, when it names an actor
    ('did the coalition estimate')."""
    for pattern in [*_SOURCE_PATTERNS, *_lower_source_patterns(nouns)]:
        m = pattern.search(text)
        if m:
            who = re.sub(r"(?:\s+\w+ly)+$", "", m["who"].strip(" ."))  # 'the SDF formally announced'
            after = re.match(r"\s+([a-z]+)", text[m.end("who"):])
            if after and after[1] in roles:
                who = f"{who} {after[1]}"
            return who
    m = _ACTOR_SAYS.search(text) if lexicon is not None else None
    if m and lexicon is not None and lexicon.actors_in(m["who"]):
        return m["who"].strip(" .")
    return None


#: 'How many did the coalition estimate ...': a subject in lower case, a source only when it names an actor.
_ACTOR_SAYS = re.compile(rf"\b(?:did|does|do|has|have|had|would)\s+(?:the\s+)?(?P<who>[a-z][\w'’.\-]*"
                         rf"(?:\s+(?!say|said|report|claim)[\w'’.\-]+){{0,3}}?)\s+{_SAY}\b")


def question_names(text: str, lexicon: Lexicon, source: str | None) -> list[str]:
    """Capitalised phrases that are not actors, dates, question words or the asked source."""
    masked, _ = lexicon.mask_actors(text)
    masked = _DAY_MONTH_YEAR.sub(" ", _MONTH_YEAR.sub(" ", masked))
    if source:
        masked = masked.replace(source, " ")
    masked = re.sub(r"^\W*\w+", "", masked)  # the first word is capitalised anyway
    names = []
    # 'American and French special forces' names two, each met on its own ('US and French'), not one name
    for phrase in (part for found in _CAPITAL.findall(masked) for part in re.split(r"\s+and\s+", found)):
        words = [w for w in phrase.split() if w.lower() not in _QUESTION_WORDS | set(MONTHS) | _WEEKDAYS]
        name = " ".join(w for w in words if not _DESCRIPTOR.match(w)).strip()
        if name and lexicon.tokens(name, with_actors=False):
            names.append(name)
    return names


_COUNTED = re.compile(r"\bhow (?:many|much)\s+((?:[\w'’\-]+\s+){0,4}?[\w'’\-]+)\s+(?:did|do|does|were|was|are|"
                      r"is|had|have|has|would|will|could|can|remained|remain|died|fled|left|surrendered|took|"
                      r"according|in|at|on|from|of|during|were)\b", re.I)


_COUNTED_OF = re.compile(r"\bhow many of (?:the|those|these|them)\b.*\b(?:were|was|are|is)\s+([a-z][\w\-]+)\s*\?\s*$",
                         re.I)


# 'What figure did SOHR give for SDF fighters killed', 'the death toll of civilians in ...': a count named by its
# noun ('figure', 'toll') counts what follows 'for'/'of' when that is a listed kind; 'how large a force' counts troops
_COUNTED_FOR = re.compile(r"\b(?:figure|toll|number|tally|count|estimate)s?\b[^?]*?\b(?:for|of)\s+"
                          r"((?:[\w'’\-]+\s+){0,3}?[\w'’\-]+)\s+(?:killed|dead|wounded|injured|captured|displaced|"
                          r"who|that|were|was|in|at|during|on|by)\b", re.I)
_FORCE = re.compile(r"\bhow (?:large|big|strong) an? (force|army|contingent)\b", re.I)


def counted_noun(text: str, lexicon: Lexicon, kinds: frozenset[str] = frozenset()) -> tuple[str | None, list[str]]:
    """What a count question counts, and whose: 'How many Russian servicemen were ...' -> ('servicemen',
    ['russian']); 'How many of the soldiers killed were officers?' -> ('officer', [])."""
    m = _COUNTED_OF.search(text)
    if m:
        words = lexicon.tokens(m[1], with_actors=False)
        return (words[-1] if words else None), []
    m = _COUNTED.search(text)
    if not m:
        return _counted_for(text, lexicon, kinds)
    if m[1].lower().startswith("of ") and m[0].lower().startswith("how much"):
        return None, []  # 'how much of Al-Safafinah': a share, not a kind of thing counted
    words = [w for w in lexicon.tokens(m[1], with_actors=False)
             if w not in _VERBS and not (len(w) > 4 and w.endswith(("ed", "ing")))]
    if not words:
        return None, []
    listed = [w for w in words if w in kinds]
    head = m[1].split()[-1]
    qualifier = m[1][:m[1].lower().find(listed[-1][:4])] if listed else m[1][:len(m[1]) - len(head)]
    # 'Syrian soldiers' names an actor only with its noun; 'ISIS fighters' names one in the qualifier alone
    by = sorted(lexicon.actors_in(m[1]) | lexicon.actors_in(qualifier)) or [
        t for w in _CAPITAL.findall(qualifier) for t in lexicon.tokens(w, with_actors=False)]
    return (listed or words)[-1], by


def _counted_for(text: str, lexicon: Lexicon, kinds: frozenset[str]) -> tuple[str | None, list[str]]:
    force = _FORCE.search(text)
    if force:
        return next((w for w in lexicon.tokens(force[1], with_actors=False) if w in kinds), None), []
    m = _COUNTED_FOR.search(text)
    listed = [w for w in lexicon.tokens(m[1], with_actors=False) if w in kinds] if m else []
    if not m or not listed:
        return None, []
    return listed[-1], sorted(lexicon.actors_in(m[1]))


def asked_actors(text: str, lexicon: Lexicon) -> set[str]:
    """Actors that describe what a which/what question asks for ('Which Syrian army commander'): not constraints."""
    m = re.match(r"\W*(?:which|what)\s+((?:\S+\s+){0,4})", text, re.I)
    return lexicon.actors_in(m[1]) if m else set()


def slot_of(qtype: str, text: str, source: str | None, claim: re.Pattern[str] | None = None) -> str:
    lowered = text.lower()
    if claim is not None and claim.search(lowered):
        return "claim"  # 'Which group claimed responsibility for ...' asks for a claim, not a reporter
    if qtype == "count":
        return "count"
    if qtype == "when":
        return "date"
    # 'Who reported ...', 'Which outlet said ...' (not 'Who was the SDF spokesman who said ...': a person)
    if re.search(r"(?:^\W*|,\s*)(?:who|which \w+) (?:reported|said|claimed|announced|stated|recorded)\b", lowered):
        return "source"
    return {"who": "actor", "where": "place"}.get(qtype, "other")


def asked_attributes(text: str, nouns: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
    """Attributes a question asks for by name near its start ('What was Hajin's population'), not ones that only
    describe the event ('... killed at a meeting of the group's commanders'); ``exclude``: the role of a person
    asked for, which the answer names rather than repeats ('Which Daesh commander ...' -> 'Omar al-Shishani')."""
    words = set(re.findall(r"[a-z]+", " ".join(text.lower().split()[:8])))
    return [n for n in nouns if (n in words or f"{n}s" in words) and n not in exclude]


def located_thing(text: str, verbs: Sequence[str]) -> list[str]:
    """'Where was the ceremony held?' -> ['ceremony']: the thing whose place is asked, which its evidence names."""
    if not verbs:
        return []
    m = re.search(rf"\bwhere\s+(?:was|were|is|are|had\s+been|has\s+been)\s+(?:the\s+|an?\s+|its\s+)?"
                  rf"(?:[\w'’\-]+\s+){{0,3}}?([a-z][\w\-]*?)s?\s+(?:{'|'.join(map(re.escape, verbs))})\b", text, re.I)
    return [m[1].lower()] if m else []


def specific_events(events: Sequence[str], families: Sequence[Sequence[str]]) -> list[str]:
    """The question's event kinds that evidence is required to share (by family)."""
    listed = {e for family in families for e in family}
    return [e for e in events if e in listed]


def read_constraints(text: str, qtype: str, outcomes: set[str], count_outcomes: set[str],
                     actors: set[str], lexicon: Lexicon, *, events: Sequence[str] = (),
                     checks: CheckCues | None = None, first_outcome: str | None = None) -> Constraints:
    source = question_source(text, checks.source_roles if checks else (), checks.source_nouns if checks else (),
                             lexicon)
    named = sorted(o.split(":", 1)[1] for o in outcomes & count_outcomes)
    outcome = named[0] if len(named) == 1 else (first_outcome if first_outcome in named else None)
    kinds = frozenset(w for kind in checks.counted_kinds for w in kind) if checks else frozenset()
    counted, counted_by = counted_noun(text, lexicon, kinds) if qtype == "count" else (None, [])
    claim = re.compile(checks.claim_question, re.I) if checks else None
    slot = slot_of(qtype, text, source, claim)
    person = slot == "actor" and checks is not None and asks_person(text, checks.person_nouns, checks.person_verbs)
    names = question_names(text, lexicon, source)
    return Constraints(
        slot=slot, outcome=outcome, dates=question_dates(text), names=names,
        actors=sorted(actors - asked_actors(text, lexicon)), source=source,
        counted=counted if counted not in _OUTCOME_WORDS else None, counted_by=counted_by,
        events=specific_events(events, checks.event_families) if checks else [],
        attributes=(asked_attributes(text, checks.attribute_nouns, checks.person_nouns if person else ())
                    if slot in {"actor", "other"} else located_thing(text, checks.located_verbs)
                    if slot == "place" else []) if checks else [],
        person=person,
        role=asked_role(text, checks.person_nouns) if person and checks else None,
        designation=bool(_DESIGNATION.search(text)),
        measure=next((unit for asked, unit in (checks.measures if checks else {}).items()
                      if re.search(asked, text, re.I)), None),
        control=(control := asked_control(text, lexicon, names)),
        retake=bool(control and control[1] and (asks_retaking(text) or _held_again(text, lexicon, names))),
        date_days=next((days for asked, days in (checks.date_precision if checks else {}).items()
                        if re.search(asked, text, re.I)), None),
        requires=next((kind for asked, kind in (checks.requires if checks else {}).items()
                       if re.search(asked, text, re.I)), None),
    )


def asks_retaking(text: str) -> bool:
    """'When did the SDF say it had re-secured X', 'when did ISIS retake X': the router's words for a retaking."""
    from assistant.knowledge.loader import route_cues

    return any(re.search(p, text, re.I) for p in route_cues().control.again)


def asked_control(text: str, lexicon: Lexicon, names: Sequence[str]) -> tuple[str, bool, str] | None:
    """'When did ISIS retake Al-Susah', 'did the SDF say it had re-secured X', 'when was Hajin taken by the SDF':
    the one actor asked to have taken (True) or lost (False) a named place."""
    from assistant.knowledge.loader import control_cues

    for verb in control_cues().question_verbs:
        active = re.compile(rf"\b(?:did|does|do|had|has|have|would|will)\s+(?P<who>[\w'’\-]+(?:\s+[\w'’\-]+){{0,3}}?)"
                            rf"\s+(?:(?:say|said|claim|announce|report)\s+(?:that\s+)?(?:it|they)\s+"
                            rf"(?:had\s+|has\s+|have\s+)?)?(?:\w+ly\s+)?(?:{verb.pattern})\b(?P<rest>.{{0,40}})", re.I)
        passive = re.compile(rf"\b(?:was|were|is|are|had been|has been)\s+(?P<rest>.{{1,40}}?)\s+(?:\w+ly\s+)?"
                             rf"(?:{verb.pattern})\s+by\s+(?P<who>(?:the\s+)?[\w'’\-]+(?:\s+[\w'’\-]+){{0,3}})", re.I)
        # 'when was Kobani retaken from ISIS': the actor named loses the place
        taken_from = re.compile(passive.pattern.replace(r"\s+by\s+", r"\s+from\s+"), re.I)
        found = [(m, verb.holds) for m in [*active.finditer(text), *passive.finditer(text)]]
        found += [(m, not verb.holds) for m in taken_from.finditer(text)]
        for m, holds in found:
            actors = lexicon.actors_in(m["who"])
            place = next((n for n in names if n in m["rest"] and _LEADS.fullmatch(m["rest"][:m["rest"].find(n)])),
                         None)
            if len(actors) == 1 and place:
                return next(iter(actors)), holds, place
    return _held_again(text, lexicon, names)


def _held_again(text: str, lexicon: Lexicon, names: Sequence[str]) -> tuple[str, bool, str] | None:
    """'Did the SDF say Al-Shajlah was back under its control': the speaker holds the place again."""
    from assistant.knowledge.loader import control_cues

    if not _SAYS.search(text):  # what every match needs: one constant search, not a pattern built per name
        return None
    for name in names:
        m = re.search(rf"\b(?:did|does|do|had|has|have)\s+(?P<who>[\w'’\-]+(?:\s+[\w'’\-]+){{0,3}}?)\s+(?:say|said|"
                      rf"claim|announce|report)\s+(?:that\s+)?(?:the\s+(?:town|village|city)\s+of\s+)?"
                      rf"{re.escape(name)}\s+{control_cues().question_held_again}", text, re.I)
        actors = lexicon.actors_in(m["who"]) if m else set()
        if len(actors) == 1:
            return next(iter(actors)), True, name
    return None


#: A speaker's verb after an auxiliary: what ``_held_again``'s per-name pattern cannot match without.
_SAYS = re.compile(r"\b(?:did|does|do|had|has|have)\s+.*?\b(?:say|said|claim|announce|report)\s", re.I | re.S)

#: Words between 'retake' and the place it is about: 'took back full control of the town of X' (not 'took
#: prisoners near X').
_LEADS = re.compile(r"[\s,]*(?:(?:back|full|complete|total|control|of|over|the|town|village|city|most|all|parts?|"
                    r"rest|district|camp|area|neighbourhood|neighborhood)\s+)*(?:(?:al|el|ar|as|ad|an|ash|at|az)-)?",
                    re.I)


#: 'What type of aircraft', 'which make of car', 'what model of drone': answered by a name or a designation.
_DESIGNATION = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?(?:types?|makes?|models?|brands?)\s+of\b", re.I)


def asked_role(text: str, nouns: Sequence[str]) -> str | None:
    """'Who was the SDF spokesman ...' -> 'spokesman' (the first role noun near the question's start)."""
    head = " ".join(text.lower().split()[:7])
    return next((w for w in re.findall(r"[a-z]+", head) if w in nouns and w != "name"), None)


def asks_person(text: str, nouns: Sequence[str], verbs: str | None = None) -> bool:
    """'Which local official ...', 'Who was the commander of ...', 'the real name of ...', 'Who founded ...'
    (checks.yaml ``person_verbs``): a person is asked."""
    if verbs and re.match(rf"\W*who\s+(?:{verbs})\b", text, re.I):
        return True
    head = re.match(r"\W*(?:\w+\s+)?(?:which|what|who\s+(?:was|is|were|are))\s+(?:the\s+)?((?:[\w'’\-]+\s+){0,4})",
                    text, re.I)
    phrase = head[1].lower() if head else ""
    # 'Which Syrian ministry's official source' asks which ministry ('Who was the SDF's spokesman': a person)
    owner = re.search(r"[\w\-]+['’]s\s", phrase) if not re.match(r"\W*(?:\w+\s+)?who\b", text, re.I) else None
    words = set(re.findall(r"[a-z]+", phrase[:owner.start()] if owner else phrase))
    return bool(words & set(nouns)) or bool(re.search(r"\b(?:real|full|first|last) name\b", text, re.I))
