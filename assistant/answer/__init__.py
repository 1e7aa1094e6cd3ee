"""Answering: Question (analysed once) -> answerer -> verify -> Answer, and the one renderer of an Answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from assistant.answer.compose import refusal
from assistant.answer.extractive import ExtractiveAnswerer, IdfFn
from assistant.answer.markers import markers_in, split_statements, strip_markers
from assistant.answer.question import Analyser, Question
from assistant.answer.render import render_markdown, render_plain
from assistant.answer.verify import verify
from assistant.embed import Embedder
from assistant.errors import ConfigError
from assistant.models import Answer, RetrievedPassage
from assistant.settings import AnswerSettings


class Answerer(Protocol):
    def answer(self, question: Question, retrieved: list[RetrievedPassage]) -> Answer: ...


AnswererFactory = Callable[[AnswerSettings, Embedder, IdfFn, Analyser], Answerer]
ANSWERERS: dict[str, AnswererFactory] = {"extractive": ExtractiveAnswerer}


def make_answerer(settings: AnswerSettings, embedder: Embedder, idf: IdfFn, analyser: Analyser) -> Answerer:
    """The answerer named by ``settings.backend``; an unknown name is a ConfigError listing the choices."""
    factory = ANSWERERS.get(settings.backend)
    if factory is None:
        raise ConfigError(f"unknown answer backend {settings.backend!r} (SITREP_ANSWER__BACKEND); "
                          f"choose one of: {', '.join([*ANSWERERS, 'openai', 'ollama'])}")
    return factory(settings, embedder, idf, analyser)


__all__ = [
    "ANSWERERS", "Analyser", "Answerer", "ExtractiveAnswerer", "Question", "make_answerer", "markers_in",
    "refusal", "render_markdown", "render_plain", "split_statements", "strip_markers", "verify",
]
