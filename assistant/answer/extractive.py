"""The extractive answerer: quotes the retrieved sentences that best answer the question; needs no LLM.

Each sentence is scored on meaning (cosine similarity, also with its predecessor), idf-weighted word overlap
(in the sentence, and with its passage and document fields as context), whether it holds what the question
type asks for, and how many of the question's anchors it covers. An answerability estimate gates abstention.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.check import Evidence, EvidenceCheck, Verdict
from assistant.answer.compose import compose, figures, refusal
from assistant.answer.constraints import said_on
from assistant.answer.passage_tokens import AnswerTokens
from assistant.answer.question import Analyser, Question
from assistant.answer.stemming import stem as _stem
from assistant.answer.weights import Weights, load_weights
from assistant.embed import Embedder
from assistant.knowledge import has_date
from assistant.knowledge.frames import FrameReader, frames_for
from assistant.models import Answer, DateSpan, Frame, NearMiss, Passage, RetrievedPassage
from assistant.settings import AnswerSettings, FramesSettings

IdfFn = Callable[[Iterable[str]], dict[str, float]]
#: Frames of a retrieved passage's sentences (stored at ingest, or read when the passage predates frames).
FrameSource = Callable[[RetrievedPassage], list[Frame]]
#: Passage ids -> the tokens stored at ingest of those that have them (``AnswerTokens.read``).
StoredTokens = Callable[[list[str]], dict[str, tuple[set[str], dict[int, set[str]]]]]
#: (question, [(passage id, sentence start, sentence, window)]) -> (question, sentence, window vectors): stored
#: at ingest (assistant.index.sentences), so a question embeds only itself.
VectorSource = Callable[[str, list[tuple[str, int, str, str]]], tuple[np.ndarray, np.ndarray, np.ndarray]]

_DAY_DATE = re.compile(
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b", re.I)
_PLACE_HINT = re.compile(r"\b(?:in|at|near|from|into|outside|of|towards?)\s+(?:the\s+)?(?:town|village|city)?\s*"
                         r"(?:of\s+)?[A-Z]")


@dataclass
class Candidate:
    """One sentence of a retrieved passage, with its score and the features behind it."""

    item: RetrievedPassage
    start: int
    end: int
    text: str
    window: str = ""
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    context: set[str] = field(default_factory=set)
    verdict: Verdict | None = None
    frame: Frame | None = None
    lent_from: int | None = None  # start of the sentence before, when only it states the date asked

    def quoted(self) -> tuple[int, str]:
        """(start, text) of the quote: the sentence, from the one before when that one gives its date."""
        if self.lent_from is None:
            return self.start, self.text
        passage = self.item.view.passage
        return self.lent_from, passage.text[self.lent_from - passage.start:self.end - passage.start]


#: How many of the best candidates the answer's debug lists with their check verdicts, and how many passing ones
#: it shows (and the answerability gate reads the first three of): the lazy check (``_checked``) reaches both.
_DEBUG_CHECKS = 8
_DEBUG_TOP = 5


class _PassageFrames:
    """Each passage's frames by sentence start and the dates its sentences give to events, read once per passage
    for the checks of one question."""

    def __init__(self) -> None:
        self._read: dict[str, tuple[dict[int, Frame], list[tuple[int, DateSpan]]]] = {}

    def get(self, item: RetrievedPassage, frames: FrameSource) -> tuple[dict[int, Frame], list[tuple[int, DateSpan]]]:
        pid = item.view.passage.passage_id
        if pid not in self._read:
            by_start = {f.start: f for f in frames(item)}
            self._read[pid] = (by_start, _event_dates(item.view.passage, by_start.values()))
        return self._read[pid]


def candidates(retrieved: list[RetrievedPassage]) -> list[Candidate]:
    """Every distinct sentence (of 20+ characters) of the retrieved passages, with its predecessor as window."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for item in retrieved:
        passage = item.view.passage
        previous = ""
        for s, e in passage.sentences:
            text = passage.text[s - passage.start:e - passage.start]
            key = " ".join(text.lower().split())
            if len(text) >= 20 and key not in seen:
                seen.add(key)
                out.append(Candidate(item, s, e, text, f"{previous} {text}".strip()))
            previous = text
    return out


def _overlap(query: frozenset[str], text_tokens: set[str], idf: dict[str, float],
             stems: set[str] | None = None) -> float:
    """The idf-weighted share of the query's tokens in the text; with ``stems`` (the text tokens' stems) a token
    also meets another form of its word ('founded' meets 'found', 'launched' 'launch'), as the question's verb is
    seldom in the report's tense."""
    total = sum(idf.get(t, 1.0) for t in query)
    if not total:
        return 0.0
    if stems is None:
        return sum(idf.get(t, 1.0) for t in query & text_tokens) / total
    return sum(idf.get(t, 1.0) for t in query if t in text_tokens or _stem(t) in stems) / total


class QuestionStems:
    """Which of the question's stems the tokens of a text have, each token stemmed at most once per question.

    A Snowball (Porter2) stem is never longer than its word and, but for its last two letters, begins it: only
    suffixes are removed or rewritten ('possibility' -> 'possibl', 'relational' -> 'relat', 'happy' -> 'happi'),
    never lengthened, and the exceptional forms ('dying' -> 'die', 'early' -> 'earli') do the same. So a token is
    stemmed only when it begins with that much of one of the question's stems and is at least as long: the same
    answer as stemming every token (``_stems``), without stemming the many words of a passage no question word can
    meet. What a token meets is remembered for the question: a passage's words come back in each of its sentences
    and in its context (scanning every token for every stem of every sentence took a third of the scoring time).
    """

    def __init__(self, query: Iterable[str]) -> None:
        wanted = sorted({_stem(t) for t in query})
        self._heads = [(s, s[:max(1, len(s) - 2)]) for s in wanted]
        self._any_head = tuple(head for _, head in self._heads)  # one C-level test rejects most tokens
        self._seen: set[str] = set()  # every token looked at for this question
        self._hits: dict[str, tuple[str, ...]] = {}  # those that have one of its stems: the stems

    def met(self, tokens: set[str]) -> set[str]:
        """The question's stems that are the stem of one of ``tokens``. Only tokens not seen before for this
        question are looked at one by one; the rest is set arithmetic (a passage's 100-300 tokens come back in
        each of its sentences' context)."""
        for token in tokens - self._seen:
            if not token.startswith(self._any_head):
                continue
            found = tuple(s for s, head in self._heads if token.startswith(head) and len(token) >= len(s)
                          and _stem(token) == s)
            if found:
                self._hits[token] = found
        self._seen |= tokens
        out: set[str] = set()
        for token in tokens & self._hits.keys():
            out.update(self._hits[token])
        return out


def _stems(tokens: Iterable[str]) -> set[str]:
    return {_stem(t) for t in tokens}


def _near_miss(found: list[Candidate], complete: Callable[[Candidate], None]) -> NearMiss | None:
    """The best-scored sentence that holds what was asked but contradicts the question (another day, outcome,
    place, source): what a reader most needs to see beside a refusal. ``complete`` gives it every reason when
    its check stopped at the first (the first rule is the shared word: a partial verdict picks the same one)."""
    cand = next((c for c in found if c.verdict and c.verdict.fills_slot and not c.verdict.passed
                 and not any(r.startswith("shares no word") for r in c.verdict.reasons)), None)
    if cand is not None and cand.verdict is not None and not cand.verdict.complete:
        complete(cand)
    if cand is None or cand.verdict is None:
        return None
    view = cand.item.view
    return NearMiss(passage_id=view.passage.passage_id, doc_id=view.passage.doc_id, start=cand.start, end=cand.end,
                    quote=cand.text, title=view.title, source=view.source, published=view.published,
                    reasons=cand.verdict.reasons)


class ExtractiveAnswerer:
    """Quotes the sentences that best answer the question; no generation, so nothing can be invented."""

    def __init__(self, settings: AnswerSettings, embedder: Embedder, idf: IdfFn, analyser: Analyser,
                 weights: Weights | None = None, frames: FrameSource | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.idf = idf
        self.analyser = analyser
        self.weights = weights or load_weights()
        if frames is None:  # stored frames; passages from before frames are read by rules (no NER at ask time)
            reader = FrameReader(analyser.knowledge, analyser.lexicon, FramesSettings.model_validate({}), ner=False)
            frames = lambda item: frames_for(item.view, reader)  # noqa: E731
        self.frames = frames
        self.check = EvidenceCheck(analyser.knowledge, analyser.lexicon)
        self.vectors: VectorSource | None = None  # set by the Assistant; None: embed the sentences now
        self.leads: Callable[[str], str | None] | None = None  # set by the Assistant: a document's opening words
        self.tokens = AnswerTokens(analyser)
        #: Set by the Assistant: the passages' tokens stored at ingest (passage id -> ``AnswerTokens.read``), the
        #: passages stored without them absent (tokenised here).
        self.stored_tokens: StoredTokens | None = None
        self._subject = re.compile(analyser.knowledge.checks.subject_names)

    def rank(self, question: Question, retrieved: list[RetrievedPassage]) -> tuple[list[Candidate], list[Candidate]]:
        """(the sentences that pass the evidence check, every sentence), each best first."""
        found = candidates(retrieved)
        if not found:
            return [], []
        self.score(question, found)
        if self.settings.check:
            self._check(question, found)
        return [c for c in found if c.verdict is None or c.verdict.passed], found

    def answer(self, question: Question, retrieved: list[RetrievedPassage]) -> Answer:
        found = candidates(retrieved)
        if not found:
            return refusal(question.text, retrieved, {"reason": "no passages"})
        self.score(question, found)
        ranked = self._checked(question, found) if self.settings.check else found
        chosen = self._select(question, ranked) if ranked else []
        top = ranked or found
        debug = {
            "qtype": question.qtype,
            "constraints": question.constraints.model_dump(mode="json"),
            "best": round(top[0].score, 4),
            "answerability": round(self.answerability(top), 4),
            "top": [{"doc_id": c.item.view.passage.doc_id, "score": round(c.score, 4), **c.features,
                     "text": c.text[:160]} for c in top[:_DEBUG_TOP]],
            "checks": [{"doc_id": c.item.view.passage.doc_id, "start": c.start, "score": round(c.score, 4),
                        **c.verdict.table(), "text": c.text[:120]} for c in found[:_DEBUG_CHECKS] if c.verdict],
        }
        if not ranked:
            debug["reason"] = "no candidate passed the evidence check"
        if not chosen:
            # only when the check turned every sentence down; the gate's refusals have no single reason to show
            missed = None if ranked else _near_miss(found, lambda c: self._check_one(question, c, _PassageFrames()))
            return refusal(question.text, retrieved, debug).model_copy(update={"near_miss": missed})
        return compose(question, chosen, retrieved, debug)

    def _check(self, question: Question, found: list[Candidate]) -> None:
        """Give every candidate the evidence check's verdict (frames read once per passage)."""
        seen = _PassageFrames()
        for cand in found:
            self._check_one(question, cand, seen)

    def _checked(self, question: Question, found: list[Candidate]) -> list[Candidate]:
        """The candidates (scored, best first) that pass the evidence check, checking only as far down as the
        answer can reach: the check is most of the answering time (~25 sentences a question, each a few
        milliseconds), and below the best passing score minus ``relative_margin`` no sentence is quoted. So the
        walk stops once it is that far below, has checked the first ``_DEBUG_CHECKS`` sentences and found
        ``_DEBUG_TOP`` passing ones (what the debug table and the answerability gate read): the same answer and
        debug as checking every candidate (``rank``); sentences below keep no verdict."""
        seen = _PassageFrames()
        ranked: list[Candidate] = []
        for i, cand in enumerate(found):
            if i >= _DEBUG_CHECKS and len(ranked) >= _DEBUG_TOP \
                    and cand.score < ranked[0].score - self.settings.relative_margin:
                break
            self._check_one(question, cand, seen, complete=i < _DEBUG_CHECKS)
            if cand.verdict is None or cand.verdict.passed:
                ranked.append(cand)
        return ranked

    def _check_one(self, question: Question, cand: Candidate, seen: _PassageFrames, complete: bool = True) -> None:
        """Give one candidate the evidence check's verdict; ``seen`` keeps each passage's frames and dates.
        ``complete=False``: a failing sentence keeps only the first rule's reasons (see ``EvidenceCheck``)."""
        view = cand.item.view
        by_start, dated = seen.get(cand.item, self.frames)
        frame = by_start.get(cand.start) or Frame(start=cand.start, end=cand.end)
        cand.frame = frame
        earlier = [f for s, f in by_start.items() if s < cand.start]
        others = [d for s, d in dated if s != cand.start]
        before = [d for s, d in dated if s < cand.start]
        previous = max(earlier, key=lambda f: f.start, default=None)
        window = view.passage.text[previous.start - view.passage.start:previous.end - view.passage.start] \
            if previous else ""
        evidence = Evidence(text=cand.text, frame=frame, window=window, previous=previous,
                            passage_dates=others, dates_before=before, context_tokens=cand.context,
                            doc_source=view.source, published=view.published, title=view.title)
        cand.verdict = self.check(question.constraints, question.tokens, evidence, complete)
        if question.constraints.slot == "date" and not frame.dates and previous is not None and previous.dates:
            cand.lent_from = previous.start  # 'But in that three-week period ...' after '... on October 1'

    def score(self, question: Question, found: list[Candidate]) -> None:
        """Score every candidate in place and sort best first."""
        w = self.weights.score
        idf = self.idf(question.tokens | question.anchors)
        idf.update({a: w.mark_weight[a.split(":")[0]] for a in question.anchors if ":" in a})
        n = len(found)
        if self.vectors is not None:
            q, sent, win = self.vectors(question.text, [(c.item.view.passage.passage_id, c.start, c.text, c.window)
                                                        for c in found])
        else:
            vectors = self.embedder.embed([question.text] + [c.text for c in found] + [c.window for c in found])
            q, sent, win = vectors[0], vectors[1:n + 1], vectors[n + 1:]
        # A sentence often answers only with its predecessor's help ("Our fighters destroyed four of them").
        sims = np.maximum(sent @ q, win @ q - w.window_discount)
        meets = QuestionStems(question.tokens)
        contexts: dict[str, tuple[set[str], set[str]]] = {}
        subjects: dict[str, set[str]] = {}
        stored = self.stored_tokens(list(dict.fromkeys(c.item.view.passage.passage_id for c in found))) \
            if self.stored_tokens is not None else {}
        for cand, sim in zip(found, sims, strict=True):
            pid = cand.item.view.passage.passage_id
            known = stored.get(pid)
            if pid not in contexts:  # once per passage (setdefault would tokenise it for every sentence)
                doc_id = cand.item.view.passage.doc_id
                if doc_id not in subjects:
                    subjects[doc_id] = self._subject_tokens(doc_id)
                tokens = (known[0] if known else self._context_tokens(cand.item)) | subjects[doc_id]
                contexts[pid] = (tokens, meets.met(tokens))  # once per passage, not per sentence
            context, context_stems = contexts[pid]
            sent_tokens = known[1].get(cand.start) if known else None
            if sent_tokens is None:
                sent_tokens = self.tokens.sentence(cand.text)
            sent_stems = meets.met(sent_tokens)
            lex = _overlap(question.tokens, sent_tokens, idf, stems=sent_stems)
            ctx = _overlap(question.tokens, sent_tokens | context, idf, stems=sent_stems | context_stems)
            anchor_cov = _overlap(question.anchors, sent_tokens | context, idf) if question.anchors else 1.0
            fit = self.type_fit(question, cand.text)
            base = w.similarity * float(sim) + w.lexical * lex + w.context * ctx + fit + w.rank_bonus / cand.item.rank
            cand.score = base * (w.anchor_floor + w.anchor_weight * anchor_cov)
            cand.context = sent_tokens | context
            cand.features = {"sim": round(float(sim), 3), "lex": round(lex, 3), "ctx": round(ctx, 3),
                             "anchors": round(anchor_cov, 3), "fit": fit}
        found.sort(key=lambda c: -c.score)

    def _subject_tokens(self, doc_id: str) -> set[str]:
        """Another name of what the document is about, from its opening words (checks.yaml ``subject_names``):
        'Operation Wrath of Khabur' is said in every passage of 'The al-Shaddadi offensive, also known as ...'."""
        lead = self.leads(doc_id) if self.leads is not None else None
        m = self._subject.search(lead) if lead else None
        return set(self.analyser.lexicon.tokens(m["name"])) if m else set()

    def _context_tokens(self, item: RetrievedPassage) -> set[str]:
        """Tokens of a sentence's surroundings: its passage, title, source and publication date."""
        view = item.view
        return self.tokens.context(view.passage.text, view.title, view.source, view.published)

    def type_fit(self, question: Question, sentence: str) -> float:
        """Does the sentence hold the kind of thing the question asks for (and is it a sentence at all)?"""
        t = self.weights.type_fit
        heading = len(sentence) < 80 and not sentence.rstrip().endswith((".", "!", "?", '"', "'"))
        fit = t.heading if heading else 0.0
        if question.qtype == "count":
            return fit + (t.count_hit if self.analyser.counts(sentence) - question.counts else t.count_miss)
        if question.qtype == "when":
            if _DAY_DATE.search(sentence):
                return fit + t.when_day
            return fit + (t.when_date if has_date(sentence) else t.when_miss)
        if question.qtype == "who":
            named = self.analyser.lexicon.actors_in(sentence) or len(self.analyser.capitalised(sentence[1:])) >= 1
            return fit + (t.who_hit if named else t.who_miss)
        if question.qtype == "where":
            return fit + (t.where_hit if _PLACE_HINT.search(sentence) else t.where_miss)
        return fit

    def _select(self, question: Question, ranked: list[Candidate]) -> list[Candidate]:
        best = ranked[0].score
        if best < self.settings.min_score or self.answerability(ranked) < self.threshold:
            return []
        chosen: list[Candidate] = []
        for cand in ranked:
            if len(chosen) >= self.settings.max_statements or cand.score < best - self.settings.relative_margin:
                break
            if any(self._similar(cand.text, c.text) for c in chosen):
                continue
            if chosen and self.settings.further == "disagree" and not self._disagrees(question, chosen[0], cand):
                continue
            chosen.append(cand)
        return chosen

    @staticmethod
    def _disagrees(question: Question, first: Candidate, other: Candidate) -> bool:
        """Another source giving another figure (date) for what is asked: worth showing beside the first."""
        if first.item.view.source == other.item.view.source:
            return False
        if question.constraints.slot == "count":
            return figures(first) != figures(other)
        if question.constraints.slot == "date" and first.frame and other.frame:
            return {(d.start, d.end) for d in first.frame.dates} != {(d.start, d.end) for d in other.frame.dates}
        return False

    @property
    def threshold(self) -> float:
        """The answerability below which the answerer abstains: the setting, else the fitted one."""
        chosen = self.settings.min_answerability
        return self.weights.answerability.threshold if chosen is None else chosen

    def answerability(self, ranked: list[Candidate]) -> float:
        """Probability-like confidence that the best sentences answer the question at all."""
        a = self.weights.answerability
        z = a.bias + sum(w * v for w, v in zip(a.weights, answerability_features(ranked), strict=True))
        return float(1.0 / (1.0 + np.exp(-z)))

    def _similar(self, a: str, b: str) -> bool:
        ta = set(self.analyser.lexicon.tokens(a, with_actors=False))
        tb = set(self.analyser.lexicon.tokens(b, with_actors=False))
        return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def _event_dates(passage: Passage, frames: Iterable[Frame]) -> list[tuple[int, DateSpan]]:
    """The dates each sentence of a passage gives to events: 'the spokesman said on 8 January' dates a statement,
    which says nothing of the day of another sentence's event."""
    out = []
    for f in frames:
        text = passage.text[f.start - passage.start:f.end - passage.start]
        out += [(f.start, d) for d in f.dates if not said_on(d.text, text)]
    return out


def answerability_features(ranked: list[Candidate]) -> tuple[float, float, float, float]:
    """(best score, its anchor coverage, its lead over the runner-up, worst anchor coverage of the top three):
    a near miss typically leaves an asked-for name, date or outcome uncovered."""
    best = ranked[0]
    lead = best.score - ranked[1].score if len(ranked) > 1 else best.score
    worst_anchor = min(c.features["anchors"] for c in ranked[:3])
    return best.score, best.features["anchors"], lead, worst_anchor
