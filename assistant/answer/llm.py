"""LangChain chat models for the LLM answer backends (extra [llm]): ``openai`` (any OpenAI-compatible server:
llama.cpp's llama-server, vLLM, LM Studio, OpenAI) and ``ollama``.

The API key is a SecretStr: it is handed to the client and never logged or printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.errors import ConfigError, MissingDependency
from assistant.settings import LLMSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

#: Answer backends that generate with an LLM (``extractive`` is the other one, and the fallback).
LLM_BACKENDS = ("openai", "ollama")


def make_chat_model(backend: str, settings: LLMSettings) -> BaseChatModel:
    """The LangChain chat model for ``backend``; a missing extra is a MissingDependency naming ``[llm]``."""
    if backend == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise MissingDependency("langchain-openai", "The openai answer backend", "llm") from None
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"  # local servers want none
        kwargs: dict[str, Any] = {
            "model": settings.model or "default", "base_url": settings.base_url, "api_key": key,
            "temperature": settings.temperature, "timeout": settings.timeout_s, "max_retries": settings.max_retries,
        }
        if settings.max_tokens:
            kwargs["max_tokens"] = settings.max_tokens
        return ChatOpenAI(**kwargs)
    if backend == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError:
            raise MissingDependency("langchain-ollama", "The ollama answer backend", "llm") from None
        if not settings.model:
            raise ConfigError("the ollama backend needs a model name: set SITREP_LLM__MODEL (e.g. llama3.2)")
        extra: dict[str, Any] = {"num_predict": settings.max_tokens} if settings.max_tokens else {}
        return ChatOllama(model=settings.model, base_url=settings.base_url, temperature=settings.temperature,
                          client_kwargs={"timeout": settings.timeout_s}, **extra)
    raise ConfigError(f"unknown LLM backend {backend!r} (SITREP_ANSWER__BACKEND); choose one of: "
                      f"extractive, {', '.join(LLM_BACKENDS)}")


def message_text(content: Any) -> str:
    """The text of a message or chunk content (a string, or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [b if isinstance(b, str) else str(b.get("text", "")) for b in content if isinstance(b, str | dict)]
        return "".join(parts)
    return ""
