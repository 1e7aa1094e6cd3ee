"""Answerers: retrieved passages -> an Answer whose every statement is a cited span of a stored document.

The default ``ExtractiveAnswerer`` needs no LLM: it scores each sentence of the retrieved passages against the
question (meaning, weighted word overlap, and whether it holds what the question type asks for), quotes the
best ones with their source, and abstains with ``REFUSAL`` when nothing scores high enough.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.embed import Embedder
from assistant.lexicon import MONTHS, actors_in, has_date, mask_actors, numbers_in, tokens
from assistant.models import Answer, Citation, RetrievedPassage
from assistant.prompts import REFUSAL
from assistant.settings import AnswerSettings

#: How much less a sentence's similarity counts when it comes from the sentence plus its predecessor.
WINDOW_DISCOUNT = 0.05

IdfFn = Callable[[Iterable[str]], dict[str, float]]


class Answerer(Protocol):
    def answer(self, question: str, retrieved: list[RetrievedPassage]) -> Answer: ...


# --- question analysis ----------------------------------------------------------------------------------

_QTYPES = [
    ("count", re.compile(r"\bhow many\b|\bhow much\b|\bnumber of\b|\bdeath toll\b|\bwhat (?:was|is) the toll\b"
                         r"|\bhow large\b|\bhow big\b|\bwhat size\b|\bwhat figure\b")),
    ("when", re.compile(r"^\s*when\b|\bwhat date\b|\bwhich date\b|\bwhat day\b|\bwhich day\b|\bon what\b"
                        r"|\bwhat time\b|\bwhich month\b|\bwhen did\b|\bwhen was\b")),
    ("who", re.compile(r"^\s*who\b|\bwho\b|\bwhich (?:group|force|forces|side|actor|organi[sz]ation|outlet|"
                       r"agency|commander|spokes(?:man|person|woman)|official|officer|unit|militia|media|"
                       r"source|country|countries)\b|\bwhat (?:group|organi[sz]ation|outlet|agency)\b"
                       r"|\bname of\b")),
    ("where", re.compile(r"^\s*where\b|\bwhich (?:village|town|city|area|location|place|camp|district|"
                         r"neighbou?rhood|province|governorate|region)\b|\bwhat (?:village|town|city|area|"
                         r"location|place|camp)\b")),
]
_CAPITAL = re.compile(r"\b([A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)*)")
_PLACE_HINT = re.compile(r"\b(?:in|at|near|from|into|outside|of|towards?)\s+(?:the\s+)?(?:town|village|city)?\s*"
                         r"(?:of\s+)?[A-Z]")


def question_type(question: str) -> str:
    lowered = question.lower()
    for name, pattern in _QTYPES:
        if pattern.search(lowered):
            return name
    return "other"


_MONTH_RX = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DATE_PHRASE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RX}\b|\b{_MONTH_RX}\.?\s+(\d{{1,2}})(?!\d)"
    rf"|\b\d{{4}}-(\d{{2}})-(\d{{2}})\b", re.I)
_MONTH_NUM = {m[:3]: n for m, n in MONTHS.items()}
#: Outcome words: a question about deaths is not answered by a sentence about injuries.
_OUTCOMES = {
    "kill": r"kill|dead|died|death|fatalit|toll|lives",
    "wound": r"wound|injur",
    "surrender": r"surrender",
    "capture": r"captur|seiz|took|taken|retook|recaptur|liberat|control",
    "displace": r"fled|flee|displac|left|leaving|evacuat|arriv|reach",
    "strike": r"strike|struck|bomb|raid|shell",
}
_OUTCOME_RX = {name: re.compile(rf"\b(?:{rx})", re.I) for name, rx in _OUTCOMES.items()}
_MARK_WEIGHT = {"date": 4.0, "outcome": 3.0}


def date_marks(text: str) -> set[str]:
    """Day-level dates a text names, as 'date:MM-DD' (so '1 December' never matches '17 December')."""
    marks = set()
    for m in _DATE_PHRASE.finditer(text):
        if m[1]:
            month, day = _MONTH_NUM[m[2].lower()[:3]], int(m[1])
        elif m[4]:
            month, day = _MONTH_NUM[m[3].lower()[:3]], int(m[4])
        else:
            month, day = int(m[5]), int(m[6])
        if 1 <= day <= 31:
            marks.add(f"date:{month:02d}-{day:02d}")
    return marks


def outcome_marks(text: str) -> set[str]:
    return {f"outcome:{name}" for name, rx in _OUTCOME_RX.items() if rx.search(text)}


def anchors(question: str) -> set[str]:
    """What the evidence must mention: names, numbers, dates and (for counts) the outcome asked about."""
    found: set[str] = date_marks(question)
    rest, actors = mask_actors(_DATE_PHRASE.sub(" ", question))
    found.update(actors)  # an actor counts under any of its names ("Daesh" is met by "ISIS")
    body = re.sub(r"^\W*\w+", "", rest)  # the first word is capitalised anyway
    for phrase in _CAPITAL.findall(body):
        found.update(tokens(phrase))
    found.update(numbers_in(rest))
    found.update(t for t in tokens(rest) if t in MONTHS)
    if question_type(question) == "count":
        found.update(outcome_marks(question) & {"outcome:kill", "outcome:wound"})
    return found


@dataclass
class _Candidate:
    item: RetrievedPassage
    start: int
    end: int
    text: str
    window: str = ""
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


# --- scoring --------------------------------------------------------------------------------------------

def _overlap(query: set[str], text_tokens: set[str], idf: dict[str, float]) -> float:
    total = sum(idf.get(t, 1.0) for t in query)
    return sum(idf.get(t, 1.0) for t in query & text_tokens) / total if total else 0.0


_DAY_DATE = re.compile(
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b", re.I)
_YEAR = re.compile(r"^(?:19|20)\d\d$")


_VAGUE = re.compile(r"\b(dozens|hundreds|thousands|several|half|percent|per cent|a few|scores|most|all)\b|%", re.I)


def _counts(text: str) -> set[str]:
    """Quantities that can answer 'how many' (years are dates, not counts; 'dozens' is a quantity)."""
    found = {n for n in numbers_in(text) if not _YEAR.match(n)}
    return found | {m[0].lower() for m in _VAGUE.finditer(text)}


def _type_fit(qtype: str, sentence: str, question: str) -> float:
    """Does the sentence hold the kind of thing the question asks for (and is it a sentence at all)?"""
    heading = len(sentence) < 80 and not sentence.rstrip().endswith((".", "!", "?", '"', "'"))
    fit = -0.1 if heading else 0.0
    if qtype == "count":
        return fit + (0.1 if _counts(sentence) - _counts(question) else -0.2)
    if qtype == "when":
        if _DAY_DATE.search(sentence):
            return fit + 0.1
        return fit + (0.0 if has_date(sentence) else -0.12)
    if qtype == "who":
        named = actors_in(sentence) or len(_CAPITAL.findall(sentence[1:])) >= 1
        return fit + (0.05 if named else -0.1)
    if qtype == "where":
        return fit + (0.05 if _PLACE_HINT.search(sentence) else -0.05)
    return fit


def _context_tokens(item: RetrievedPassage) -> set[str]:
    """Tokens of a sentence's surroundings: its passage, title, source and publication date."""
    view = item.view
    published = f"{view.published.day} {view.published:%B %Y}" if view.published else ""
    context = f"{view.passage.text} {view.title} {view.source or ''} {published}"
    return set(tokens(context)) | date_marks(context)


class ExtractiveAnswerer:
    """Quotes the sentences that best answer the question; no generation, so nothing can be invented."""

    def __init__(self, settings: AnswerSettings, embedder: Embedder, idf: IdfFn) -> None:
        self.settings = settings
        self.embedder = embedder
        self.idf = idf

    def answer(self, question: str, retrieved: list[RetrievedPassage]) -> Answer:
        candidates = self._candidates(retrieved)
        if not candidates:
            return refusal(question, retrieved, {"reason": "no passages"})
        self._score(question, candidates)
        chosen = self._select(candidates)
        debug = {
            "qtype": question_type(question),
            "best": round(candidates[0].score, 4),
            "answerability": round(answerability(candidates), 4),
            "top": [{"doc_id": c.item.view.passage.doc_id, "score": round(c.score, 4), **c.features,
                     "text": c.text[:160]} for c in candidates[:5]],
        }
        if not chosen:
            return refusal(question, retrieved, debug)
        return compose(question, chosen, retrieved, debug)

    @staticmethod
    def _candidates(retrieved: list[RetrievedPassage]) -> list[_Candidate]:
        out: list[_Candidate] = []
        seen: set[str] = set()
        for item in retrieved:
            passage = item.view.passage
            previous = ""
            for s, e in passage.sentences:
                text = passage.text[s - passage.start:e - passage.start]
                key = " ".join(text.lower().split())
                if len(text) >= 20 and key not in seen:
                    seen.add(key)
                    out.append(_Candidate(item, s, e, text, f"{previous} {text}".strip()))
                previous = text
        return out

    def _score(self, question: str, candidates: list[_Candidate]) -> None:
        qtype = question_type(question)
        q_tokens = set(tokens(question))
        q_anchors = anchors(question)
        idf = self.idf(q_tokens | q_anchors)
        idf.update({a: _MARK_WEIGHT[a.split(":")[0]] for a in q_anchors if ":" in a})
        n = len(candidates)
        vectors = self.embedder.embed([question] + [c.text for c in candidates] + [c.window for c in candidates])
        # A sentence often answers only with its predecessor's help ("Our fighters destroyed four of them").
        sims = np.maximum(vectors[1:n + 1] @ vectors[0], vectors[n + 1:] @ vectors[0] - WINDOW_DISCOUNT)
        contexts: dict[str, set[str]] = {}
        for cand, sim in zip(candidates, sims, strict=True):
            pid = cand.item.view.passage.passage_id
            context = contexts.setdefault(pid, _context_tokens(cand.item))
            sent_tokens = set(tokens(cand.text)) | date_marks(cand.text) | outcome_marks(cand.text)
            lex = _overlap(q_tokens, sent_tokens, idf)
            ctx = _overlap(q_tokens, sent_tokens | context, idf)
            anchor_cov = _overlap(q_anchors, sent_tokens | context, idf) if q_anchors else 1.0
            fit = _type_fit(qtype, cand.text, question)
            base = 0.45 * float(sim) + 0.35 * lex + 0.2 * ctx + fit + 0.02 / cand.item.rank
            cand.score = base * (0.55 + 0.45 * anchor_cov)
            cand.features = {"sim": round(float(sim), 3), "lex": round(lex, 3), "ctx": round(ctx, 3),
                             "anchors": round(anchor_cov, 3), "fit": fit}
        candidates.sort(key=lambda c: -c.score)

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        best = candidates[0].score
        if best < self.settings.min_score or answerability(candidates) < self.settings.min_answerability:
            return []
        chosen: list[_Candidate] = []
        for cand in candidates:
            if len(chosen) >= self.settings.max_statements or cand.score < best - self.settings.relative_margin:
                break
            if any(_similar(cand.text, c.text) for c in chosen):
                continue
            chosen.append(cand)
        return chosen


#: Logistic weights over (best score, best anchor coverage, lead over the runner-up, worst anchor coverage of
#: the top three), fitted on the candidate features of both gold sets (demo and Wikipedia) to tell answerable
#: questions from near misses; a near miss typically leaves an asked-for name, date or outcome uncovered.
ANSWERABILITY_WEIGHTS = (0.713, 1.825, 0.96, 1.899)
ANSWERABILITY_BIAS = -1.834


def answerability(ranked: list[_Candidate]) -> float:
    """Probability-like confidence that the best sentences answer the question at all."""
    best = ranked[0]
    lead = best.score - ranked[1].score if len(ranked) > 1 else best.score
    worst_anchor = min(c.features["anchors"] for c in ranked[:3])
    x = (best.score, best.features["anchors"], lead, worst_anchor)
    z = ANSWERABILITY_BIAS + sum(w * v for w, v in zip(ANSWERABILITY_WEIGHTS, x, strict=True))
    return float(1.0 / (1.0 + np.exp(-z)))


def _similar(a: str, b: str) -> bool:
    ta, tb = set(tokens(a, with_actors=False)), set(tokens(b, with_actors=False))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


# --- composing ------------------------------------------------------------------------------------------

def _attribution(item: RetrievedPassage) -> str:
    view = item.view
    who = view.source or view.title
    return f"{who} ({view.published.day} {view.published:%B %Y})" if view.published else who


def compose(
    question: str, chosen: list[_Candidate], retrieved: list[RetrievedPassage], debug: dict[str, object]
) -> Answer:
    """One statement per chosen sentence, each naming who says it and carrying its [n] marker."""
    citations: list[Citation] = []
    lines: list[str] = []
    for n, cand in enumerate(chosen, start=1):
        view = cand.item.view
        citations.append(Citation(
            marker=n, passage_id=view.passage.passage_id, doc_id=view.passage.doc_id, start=cand.start,
            end=cand.end, quote=cand.text, title=view.title, source=view.source, published=view.published,
            url=view.url,
        ))
        lines.append(f'According to {_attribution(cand.item)}: "{cand.text}" [{n}]')
    differ = len({c.source for c in citations}) > 1 and len({frozenset(numbers_in(c.quote)) for c in citations}) > 1
    if differ and question_type(question) == "count":
        lines.insert(0, "Sources give different figures.")
    return Answer(question=question, text="\n".join(lines), citations=citations, passages=retrieved,
                  abstained=False, debug=debug)


def refusal(question: str, retrieved: list[RetrievedPassage], debug: dict[str, object]) -> Answer:
    return Answer(question=question, text=REFUSAL, passages=retrieved, abstained=True, debug=debug)


def verify(answer: Answer, doc_text: Callable[[str], str | None]) -> Answer:
    """Drop citations that do not point at their quote in a retrieved passage (never show invented ids)."""
    known = {r.view.passage.passage_id: r.view.passage for r in answer.passages}
    texts = {doc_id: doc_text(doc_id) for doc_id in {c.doc_id for c in answer.citations}}  # one read per document
    kept = []
    for c in answer.citations:
        passage = known.get(c.passage_id)
        text = texts[c.doc_id]
        if passage and text and passage.start <= c.start < c.end <= passage.end and text[c.start:c.end] == c.quote:
            kept.append(c)
    if len(kept) == len(answer.citations):
        return answer
    if not kept:
        return refusal(answer.question, answer.passages, {**answer.debug, "reason": "no verifiable citation"})
    return answer.model_copy(update={"citations": kept})


ANSWERERS: dict[str, Callable[[AnswerSettings, Embedder, IdfFn], Answerer]] = {"extractive": ExtractiveAnswerer}


def make_answerer(settings: AnswerSettings, embedder: Embedder, idf: IdfFn) -> Answerer:
    try:
        return ANSWERERS[settings.backend](settings, embedder, idf)
    except KeyError:
        raise ValueError(f"unknown answer backend {settings.backend!r}; choose one of {', '.join(ANSWERERS)}") \
            from None

