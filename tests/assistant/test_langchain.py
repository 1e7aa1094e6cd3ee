"""SitrepRetriever: Sitrep's hybrid retrieval as a LangChain BaseRetriever, inside a small LCEL chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnablePassthrough

from assistant.core import Assistant
from assistant.langchain import SitrepRetriever
from assistant.models import Filters
from tests.assistant.answer.test_generate import SEED, Recorder, write_corpus


def test_retriever_documents_carry_metadata(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant()
    assistant.ingest([write_corpus(tmp_path / "reports")], progress=False)
    retriever = SitrepRetriever(assistant=assistant, k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(SEED)
    assert len(docs) == 2
    top = docs[0]
    assert set(top.metadata) >= {"doc_id", "start", "end", "source", "published", "title", "score"}
    stored = assistant.document(top.metadata["doc_id"])
    assert stored is not None and stored.text[top.metadata["start"]:top.metadata["end"]] == top.page_content
    filtered = SitrepRetriever(assistant=assistant, filters=Filters(sources=["SOHR"])).invoke(SEED)
    assert filtered and {d.metadata["source"] for d in filtered} == {"SOHR"}


def test_retriever_in_an_lcel_chain(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant()
    assistant.ingest([write_corpus(tmp_path / "reports")], progress=False)
    recorder = Recorder()
    model = GenericFakeChatModel(messages=iter([AIMessage(content="Two soldiers were injured [1].")]),
                                 callbacks=[recorder])

    def number(docs: list[Document]) -> str:
        return "\n".join(f"[{i}] ({d.metadata['source']}) {d.page_content}" for i, d in enumerate(docs, start=1))

    prompt = ChatPromptTemplate.from_messages([("system", "Answer from the passages."),
                                               ("human", "{context}\n\nQuestion: {question}")])
    chain = ({"context": SitrepRetriever(assistant=assistant, k=3) | number, "question": RunnablePassthrough()}
             | prompt | model | StrOutputParser())
    assert chain.invoke(SEED) == "Two soldiers were injured [1]."
    sent = recorder.prompts[0][-1].content
    assert isinstance(sent, str) and "[1] (" in sent and "Question: " + SEED in sent
    assert "Two soldiers were injured in the strike" in sent
