"""Grounded generation: an LLM answers from the numbered passages, then every statement is verified.

Draft -> markers that name no passage removed -> statements (one per sentence, with its markers) -> each checked
against its cited passages by the ``Verifier``; the citation narrowed to the supporting sentence span -> a
statement no cited passage supports is re-cited to a retrieved passage that does, else dropped (or kept marked
unverified: ``verify.unverified``). Any failure of the LLM (error, timeout, empty output, nothing verifiable)
gives the extractive answer with a one-line note "LLM unavailable: ...".
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.answer.compose import refusal
from assistant.answer.llm import LLM_BACKENDS, make_chat_model, message_text
from assistant.answer.markers import split_statements
from assistant.answer.question import Analyser, Question
from assistant.answer.verifier import LexicalVerifier, Support, Verifier
from assistant.embed import Embedder
from assistant.models import Answer, Citation, RetrievedPassage, Statement
from assistant.prompts import REFUSAL
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.answer import Answerer
    from assistant.answer.extractive import IdfFn

#: What a streaming answerer yields: text deltas of the draft, then the final (verified) Answer.
StreamEvent = str | Answer

_MARKER_GROUP = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“(]?[A-Z0-9])")


def format_passages(retrieved: list[RetrievedPassage]) -> str:
    """Passages numbered [1]..[k] in retrieval order, each with its title, source and date, fenced as data."""
    blocks = []
    for n, item in enumerate(retrieved, start=1):
        view = item.view
        head = " — ".join(x for x in (view.title, view.source or "unknown source",
                                      view.published.isoformat() if view.published else "undated") if x)
        blocks.append(f"[{n}] {head}\n<passage {n}>\n{view.passage.text.strip()}\n</passage {n}>")
    return "\n\n".join(blocks)


def remove_invented_markers(text: str, k: int) -> tuple[str, list[int]]:
    """Drop markers that name no passage (outside 1..k); returns the text and the removed numbers."""
    removed: list[int] = []

    def keep(m: re.Match[str]) -> str:
        nums = [int(n) for n in re.findall(r"\d+", m[1])]
        good = [n for n in nums if 1 <= n <= k]
        removed.extend(n for n in nums if not 1 <= n <= k)
        return "".join(f"[{n}]" for n in good)

    return _MARKER_GROUP.sub(keep, text), removed


def draft_statements(text: str) -> list[tuple[str, list[int]]]:
    """One statement per sentence with the markers that end it (a sentence without markers is uncited)."""
    out: list[tuple[str, list[int]]] = []
    for chunk, markers in split_statements(text):
        sentences = [s.strip(" \t\n.;:,") for s in _SENTENCE_END.split(chunk)]
        sentences = [s for s in sentences if re.search(r"[^\W_]", s)]
        if not sentences:
            continue
        out.extend((s, []) for s in sentences[:-1])
        out.append((sentences[-1], list(dict.fromkeys(markers))))
    return out


class LLMAnswerer:
    """Answers with a LangChain chat model from the retrieved passages; verifies before anything is shown."""

    def __init__(self, model: BaseChatModel, fallback: Answerer, verifier: Verifier, prompts: dict[str, str],
                 settings: Settings, backend: str = "llm") -> None:
        self.model = model
        self.fallback = fallback
        self.verifier = verifier
        self.prompts = prompts
        self.settings = settings
        self.backend = backend

    def messages(self, question: str, retrieved: list[RetrievedPassage]) -> list[tuple[str, str]]:
        user = self.prompts["answer_user"].format(passages=format_passages(retrieved), question=question)
        return [("system", self.prompts["answer_system"]), ("human", user)]

    def answer(self, question: Question, retrieved: list[RetrievedPassage]) -> Answer:
        final: Answer | None = None
        for event in self.stream(question, retrieved):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(self, question: Question, retrieved: list[RetrievedPassage]) -> Iterator[StreamEvent]:
        """Yield the draft's text as it is generated, then the verified Answer (or the extractive fallback)."""
        if not retrieved:
            yield refusal(question.text, retrieved, {"backend": self.backend, "reason": "no passages"})
            return
        parts: list[str] = []
        started = time.perf_counter()
        limit = self.settings.llm.timeout_s
        try:
            for chunk in self.model.stream(self.messages(question.text, retrieved)):
                delta = message_text(chunk.content)
                if delta:
                    parts.append(delta)
                    yield delta
                if time.perf_counter() - started > limit:
                    raise TimeoutError(f"no complete answer within {limit:g} s")
        except Exception as exc:  # any failure of the model or its server: the extractive answer instead
            yield self._fallback(question, retrieved, _reason(exc), "".join(parts))
            return
        draft = "".join(parts).strip()
        generated = time.perf_counter() - started
        if not draft:
            yield self._fallback(question, retrieved, "the model returned an empty answer", draft)
            return
        answer = self.ground(draft, question, retrieved)
        answer.timings["generate"] = generated
        yield answer

    def ground(self, draft: str, question: Question, retrieved: list[RetrievedPassage]) -> Answer:
        """Verify a complete draft statement by statement (see the module docstring)."""
        text, removed = remove_invented_markers(draft, len(retrieved))
        debug: dict[str, Any] = {"backend": self.backend, "draft": draft, "removed_markers": removed}
        pieces = draft_statements(text)
        if not pieces:
            if REFUSAL.rstrip(".") in draft or not text.strip():
                return refusal(question.text, retrieved, {**debug, "reason": "the model refused"})
            return self._fallback(question, retrieved, "the model's answer has no statement", draft)
        keys: dict[tuple[str, int, int], Citation] = {}
        statements: list[Statement] = []
        checks: list[dict[str, Any]] = []
        for sentence, markers in pieces:
            cited = [retrieved[m - 1] for m in markers]
            found = [s for s in self.verifier.supports(sentence, cited) if s.supported] if cited else []
            action = "kept" if found else ""
            if not found:
                others = [r for r in retrieved if r not in cited]
                found = [s for s in self.verifier.supports(sentence, others) if s.supported][:1]
                keep_marked = self.settings.verify.unverified == "mark"
                action = "recited" if found else ("unverified" if keep_marked else "dropped")
            checks.append({"text": sentence, "cited": markers, "action": action,
                           "support": [_support_record(s, retrieved) for s in found]})
            if found:
                own = [_cite(keys, s) for s in found]
                statements.append(Statement(text=sentence, markers=own, verified=True))
            elif action == "unverified":
                statements.append(Statement(text=sentence, markers=[], verified=False))
        debug["verification"] = checks
        debug["counts"] = {a: sum(c["action"] == a for c in checks) for a in ("kept", "recited", "dropped",
                                                                            "unverified")}
        if not any(s.verified for s in statements):
            return self._fallback(question, retrieved, "no statement of its answer could be verified", draft,
                                  extra=debug)
        lines = [f"{s.text} {''.join(f'[{m}]' for m in s.markers)}." if s.verified else f"{s.text} (unverified)."
                 for s in statements]
        return Answer(question=question.text, text=" ".join(lines), citations=list(keys.values()),
                      statements=statements, passages=retrieved, debug=debug)

    def _fallback(self, question: Question, retrieved: list[RetrievedPassage], reason: str, draft: str,
                  extra: dict[str, Any] | None = None) -> Answer:
        answer = self.fallback.answer(question, retrieved)
        debug = {**answer.debug, **(extra or {}), "backend": "extractive", "llm_backend": self.backend,
                 "llm_error": reason, "draft": draft}
        return answer.model_copy(update={"notes": [*answer.notes, f"LLM unavailable: {reason}"], "debug": debug})


def _cite(keys: dict[tuple[str, int, int], Citation], s: Support) -> int:
    view = s.passage.view
    key = (view.passage.passage_id, s.start, s.end)
    if key not in keys:
        keys[key] = Citation(marker=len(keys) + 1, passage_id=view.passage.passage_id, doc_id=view.passage.doc_id,
                             start=s.start, end=s.end, quote=s.quote, title=view.title, source=view.source,
                             published=view.published, url=view.url)
    return keys[key].marker


def _support_record(s: Support, retrieved: list[RetrievedPassage]) -> dict[str, Any]:
    return {"passage": retrieved.index(s.passage) + 1, "doc_id": s.passage.view.passage.doc_id, "start": s.start,
            "end": s.end, "lexical": s.lexical, "similarity": s.similarity}


def _reason(exc: BaseException) -> str:
    """One line naming the failure (never a traceback, never a credential: messages come from the client)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


def build_answerer(settings: Settings, embedder: Embedder, idf: IdfFn, analyser: Analyser,
                   prompts: dict[str, str], model: BaseChatModel | None = None) -> Answerer:
    """The answerer named by ``answer.backend``: extractive, or an LLM one with the extractive as fallback."""
    from assistant.answer import make_answerer

    backend = settings.answer.backend
    if backend not in LLM_BACKENDS and model is None:
        return make_answerer(settings.answer, embedder, idf, analyser)
    extractive = make_answerer(settings.answer.model_copy(update={"backend": "extractive"}), embedder, idf, analyser)
    chat = model or make_chat_model(backend, settings.llm)
    verifier = LexicalVerifier(embedder, settings.verify.support_threshold, settings.verify.min_similarity)
    return LLMAnswerer(chat, extractive, verifier, prompts, settings, backend)
