"""Dates a sentence names, resolved to day ranges against the report's publication date.

A report says 'on Saturday' or '3 March' and means a day before it was published: weekdays are the most recent
one on or before publication, a date without a year takes the publication year (the year before when that
would put it after publication), and expressions such as 'last Saturday' or 'two days ago' are resolved with
``dateparser`` relative to the publication date. Without a publication date nothing relative is guessed. The
publication date itself is never added unless the sentence names it ('today').
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from assistant.models import DateSpan

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
#: Month names as written in reports (capitalised: 'march' and 'may' are also words); short forms with a day.
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_MON = r"(January|February|March|April|May|June|July|August|September|October|November|December" \
       r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)"
_YEAR = r"((?:19|20)\d\d)"
_ORD = r"(?:st|nd|rd|th)?"
_WEEKDAY = r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?"
_NUMBER = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3})"

_ISO = re.compile(rf"(?<![\d-]){_YEAR}-(\d\d)-(\d\d)(?![\d-])")
_DAY_RANGE = re.compile(rf"(?<![\d,.])(\d{{1,2}}){_ORD}\s*(?:-|–|to|and)\s*(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MON}"
                        rf"(?:,?\s+{_YEAR})?(?!\d)")
_DAY_MONTH = re.compile(rf"(?<![\d,.])(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MON}(?:,?\s+{_YEAR})?(?!\d)")
_MONTH_DAY = re.compile(rf"\b{_MON}\s+(\d{{1,2}}){_ORD}(?![\d:])(?:,?\s+{_YEAR})?(?!\d)")
_MONTH_YEAR = re.compile(rf"\b(?:(early|mid|late|in|since|during|until|by|from|of|before|after)[\s-]+)?"
                         rf"{_MONTH},?\s+{_YEAR}(?!\d)", re.I)
_BARE_MONTH = re.compile(rf"\b(?:((?:[Ii]n|[Ss]ince|[Dd]uring|[Uu]ntil|[Bb]y|[Ff]rom|[Tt]hroughout|[Ee]arly|[Mm]id"
                         rf"|[Ll]ate|[Ll]ast|[Tt]his|[Bb]efore)[\s-]+)?{_MONTH})\b(?![\s-]\d)")
_YEAR_ALONE = re.compile(rf"(?:\b(?:in|since|during|until|by|from|through|throughout|of)\s+)?(?<![\w,.$£€-]){_YEAR}"
                         rf"(?!\w|[.,]\d)", re.I)
_WEEKDAY_RX = re.compile(rf"\b(?:([Ll]ast|[Tt]his|[Pp]ast|[Oo]n|[Ee]arly|[Ll]ate|[Nn]ext)\s+)?{_WEEKDAY}\b")
_AGO = re.compile(rf"\b{_NUMBER}(?:[\s-]+(?:and\s+a\s+half\s+)?)(day|week|month|year)s?\s+ago\b", re.I)
_RELATIVE = re.compile(
    r"\b(the day before yesterday|yesterday|today|tonight|this (?:morning|afternoon|evening)|last night|overnight"
    r"|(?:earlier|later) (?:this|in the) (?:week|month|year)|this (?:week|month|year)"
    r"|(?:last|past|previous) (?:week|month|year)|the past (?:few )?(?:days|week|month|year))\b", re.I)
#: Times: their numbers are neither dates nor figures ('10:30', '3 pm', '0300 GMT').
_TIME = re.compile(r"\b\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?\b)?|\b\d{1,2}\s*[ap]\.?m\.?(?!\w)|\b\d{4}\s*(?:GMT|UTC|hrs?\b|"
                   r"hours\b|local time)", re.I)


@dataclass(frozen=True)
class DateHit:
    """A date expression at ``start:end`` of the sentence; ``span`` is None when it cannot be resolved."""

    start: int
    end: int
    span: DateSpan | None


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def part_of_month(cue: str, start: date, end: date) -> tuple[date, date]:
    """'early/mid/late December': the first, middle or last ten days or so (a day of overlap either side)."""
    if cue == "early":
        return start, start.replace(day=11)
    if cue == "mid":
        return start.replace(day=9), start.replace(day=21)
    if cue == "late":
        return start.replace(day=19), end
    return start, end


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")[:3]
    return next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(key))


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(month: int, day: int, published: date | None) -> int | None:
    """The publication year, or the year before when the date would fall after publication."""
    if published is None:
        return None
    probe = _day(published.year, month, day) or date(published.year, month, 1)
    return published.year if probe <= published else published.year - 1


class DateFinder:
    """Finds dates in sentences; ``counted`` marks numbers that are counts even when they look like years."""

    def __init__(self, counted: re.Pattern[str]) -> None:
        self._counted = counted

    def find(self, text: str, published: date | None) -> list[DateHit]:
        """Every date expression, left to right; the first (most specific) pattern to claim a span wins."""
        hits: list[DateHit] = []
        taken: list[tuple[int, int]] = []

        def claim(m: re.Match[str], span: DateSpan | None, group: int = 0) -> None:
            s, e = m.span(group)
            if any(s < te and ts < e for ts, te in taken):
                return
            taken.append((s, e))
            hits.append(DateHit(s, e, span))

        for m in _TIME.finditer(text):
            taken.append(m.span())
        for m in _ISO.finditer(text):
            d = _day(int(m[1]), int(m[2]), int(m[3]))
            claim(m, DateSpan(text=m[0], start=d, end=d) if d else None)
        for m in _DAY_RANGE.finditer(text):
            claim(m, self._days(m[0], int(m[1]), int(m[2]), _month_number(m[3]), m[4], published))
        for m in _DAY_MONTH.finditer(text):
            claim(m, self._days(m[0], int(m[1]), int(m[1]), _month_number(m[2]), m[3], published))
        for m in _MONTH_DAY.finditer(text):
            claim(m, self._days(m[0], int(m[2]), int(m[2]), _month_number(m[1]), m[3], published))
        for m in _MONTH_YEAR.finditer(text):
            if not m[2][0].isupper():
                continue  # 'march 2019' in lower case is not a month
            start, end = part_of_month((m[1] or "").lower(), *_month_range(int(m[3]), _month_number(m[2])))
            claim(m, DateSpan(text=m[0], start=start, end=end))
        for m in _BARE_MONTH.finditer(text):
            if m[2] == "May" and not m[1]:
                continue  # the modal verb
            claim(m, self._bare_month(m[0], _month_number(m[2]), (m[1] or "").strip().lower(), published), 0)
        for m in _WEEKDAY_RX.finditer(text):
            claim(m, self._weekday(m[0], (m[1] or "").lower(), _WEEKDAYS.index(m[2].lower()), published))
        for m in _AGO.finditer(text):
            claim(m, self._ago(m[0], m[1].lower(), published))
        for m in _RELATIVE.finditer(text):
            claim(m, _relative(m[0], published))
        for m in _YEAR_ALONE.finditer(text):
            if not m[0][0].isdigit() or not self._counted.match(text, m.end()):
                year = int(m[1])
                claim(m, DateSpan(text=m[0], start=date(year, 1, 1), end=date(year, 12, 31)))
        hits.sort(key=lambda h: h.start)
        return hits

    @staticmethod
    def times(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _TIME.finditer(text)]

    @staticmethod
    def _days(words: str, first: int, last: int, month: int, year: str | None,
              published: date | None) -> DateSpan | None:
        y = int(year) if year else _infer_year(month, first, published)
        if y is None:
            return None
        start, end = _day(y, month, first), _day(y, month, last)
        if start is None or end is None or end < start:
            return None
        return DateSpan(text=words, start=start, end=end, relative=year is None)

    @staticmethod
    def _bare_month(words: str, month: int, cue: str, published: date | None) -> DateSpan | None:
        if published is None:
            return None
        year = published.year if date(published.year, month, 1) <= published else published.year - 1
        if cue == "last" and year == published.year and month == published.month:
            year -= 1
        start, end = part_of_month(cue, *_month_range(year, month))
        return DateSpan(text=words, start=start, end=end, relative=True)

    @staticmethod
    def _weekday(words: str, cue: str, weekday: int, published: date | None) -> DateSpan | None:
        if published is None or cue == "next":
            return None
        if cue in ("last", "past"):
            d = _dateparser(f"last {_WEEKDAYS[weekday]}", published)
        else:  # 'on Saturday' in a report: the most recent one on or before publication
            d = published - timedelta(days=(published.weekday() - weekday) % 7)
        return DateSpan(text=words, start=d, end=d, relative=True) if d else None

    @staticmethod
    def _ago(words: str, unit: str, published: date | None) -> DateSpan | None:
        if published is None:
            return None
        d = _dateparser(words, published)
        if d is None:
            return None
        if unit == "week":
            return DateSpan(text=words, start=d - timedelta(days=3), end=min(d + timedelta(days=3), published),
                            relative=True)
        if unit == "month":
            start, end = _month_range(d.year, d.month)
            return DateSpan(text=words, start=start, end=min(end, published), relative=True)
        if unit == "year":
            return DateSpan(text=words, start=date(d.year, 1, 1), end=date(d.year, 12, 31), relative=True)
        return DateSpan(text=words, start=d, end=d, relative=True)


def _relative(words: str, published: date | None) -> DateSpan | None:
    """Fixed relative expressions: 'yesterday' a day, 'last week' the seven days before, 'last month' the month."""
    if published is None:
        return None
    w = words.lower()
    p = published
    if w == "the day before yesterday":
        start = end = p - timedelta(days=2)
    elif w in ("yesterday", "last night"):
        start = end = _dateparser("yesterday", p) or p - timedelta(days=1)
    elif w == "overnight":
        start, end = p - timedelta(days=1), p
    elif w in ("today", "tonight") or w.startswith("this ") and w.endswith(("morning", "afternoon", "evening")):
        start = end = p
    elif w.endswith("week"):
        start, end = (p - timedelta(days=7), p - timedelta(days=1)) if w.startswith(("last", "previous")) \
            else (p - timedelta(days=7 if "past" in w else p.weekday()), p)
    elif w.endswith("days"):
        start, end = p - timedelta(days=7), p
    elif w.endswith("month"):
        if w.startswith(("last", "previous")):
            prev = p.replace(day=1) - timedelta(days=1)
            start, end = _month_range(prev.year, prev.month)
        else:
            start, end = (p - timedelta(days=30) if "past" in w else p.replace(day=1)), p
    else:  # year
        if w.startswith(("last", "previous")):
            start, end = date(p.year - 1, 1, 1), date(p.year - 1, 12, 31)
        else:
            start, end = (p - timedelta(days=365) if "past" in w else date(p.year, 1, 1)), p
    return DateSpan(text=words, start=start, end=end, relative=True)


@lru_cache(maxsize=4096)
def _dateparser(words: str, published: date) -> date | None:
    """dateparser, relative to the publication date, preferring the past (cached: reports repeat themselves)."""
    import dateparser

    base = datetime(published.year, published.month, published.day, 12)
    parsed = dateparser.parse(words, languages=["en"],
                              settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    return parsed.date() if parsed else None


_NAMED_MONTH = re.compile(rf"{_MON}", re.I)


#: Words by which a text speaks from its own day (a news report), unlike a narrative's 'overnight' or 'the previous
#: week', which are relative to the story it tells.
_OWN_DAY = re.compile(rf"{_WEEKDAY}|\b(?:today|tonight|yesterday|this (?:morning|afternoon|evening|week|month|year)"
                      r"|last (?:night|week|month|year)|ago|(?:earlier|later) this)\b", re.I)


def retrospective(spans: Sequence[Sequence[DateSpan]], published: date | None) -> bool:
    """A document written long after what it tells (an encyclopedia article revised in 2023 about 2017), so its
    publication date cannot resolve 'on 23 March': it names at least two months or days with their years, most of
    its years are over a year before publication, and it seldom speaks from its own day ('on Saturday',
    'yesterday', 'last week': at most one in ten of its firm dates), as a news report does even when it recalls
    'the war that began in 2011'. A quoted 'today' or a line on last year's events does not make it news."""
    flat = [d for day_spans in spans for d in day_spans]
    if published is None:
        return False
    own_day = sum(1 for d in flat if d.relative and not _NAMED_MONTH.search(d.text) and _OWN_DAY.search(d.text))
    firm = [d for d in flat if not d.relative and d.start.year == d.end.year]
    dated = [d for d in firm if (d.end - d.start).days < 31]
    if len(dated) < 2 or own_day * 10 > len(firm):
        return False
    years = sorted(d.start.year for d in firm)
    return years[len(years) // 2] < published.year - 1


def narrative_years(spans: Sequence[Sequence[DateSpan]], published: date | None) -> list[list[DateSpan]]:
    """In a retrospective document a date without a year takes the year last named before it ('In May 2017 ...
    On 23 March' is 2017's; the first ones take the first year named)."""
    if not retrospective(spans, published):
        return [list(day_spans) for day_spans in spans]
    firm = [d.start.year for day_spans in spans for d in day_spans if not d.relative and d.start.year == d.end.year]
    year, out = firm[0], []
    for day_spans in spans:
        kept: list[DateSpan] = []
        for d in day_spans:
            if not d.relative:
                year = d.start.year if d.start.year == d.end.year else year
                kept.append(d)
            else:
                moved = _in_year(d, year) if d.start.year == d.end.year else None
                kept += [moved] if moved else []
        out.append(kept)
    return out


def _in_year(span: DateSpan, year: int) -> DateSpan | None:
    try:
        return span.model_copy(update={"start": span.start.replace(year=year), "end": span.end.replace(year=year)})
    except ValueError:  # 29 February
        return None
