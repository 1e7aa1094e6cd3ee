"""Sitrep's hybrid retrieval as a LangChain retriever, for users who build their own chains.

```python
from assistant import Assistant
from assistant.langchain import SitrepRetriever
retriever = SitrepRetriever(assistant=Assistant(), k=5)
docs = retriever.invoke("Who controlled Hajin in December 2018?")
docs[0].metadata  # doc_id, passage_id, start, end, source, published, title, url, score, rank
```
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.models import Filters, RetrievedPassage


def to_document(item: RetrievedPassage) -> Document:
    """A retrieved passage as a LangChain Document; the span [start, end) points into the stored document."""
    view = item.view
    passage = view.passage
    metadata: dict[str, Any] = {
        "doc_id": passage.doc_id, "passage_id": passage.passage_id, "start": passage.start, "end": passage.end,
        "source": view.source, "published": view.published.isoformat() if view.published else None,
        "title": view.title, "url": view.url, "score": item.score, "rank": item.rank,
    }
    return Document(page_content=passage.text, metadata=metadata, id=passage.passage_id)


class SitrepRetriever(BaseRetriever):
    """Hybrid BM25 + vector retrieval (with Sitrep's filters) over an ``Assistant``'s index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any = Field(description="The assistant.core.Assistant whose index is searched.")
    k: int | None = Field(default=None, description="Passages returned (default: retrieval.k).")
    filters: Filters | None = Field(default=None, description="Date range, sources, doc ids.")

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(item) for item in self.assistant.retrieve(query, self.filters, self.k)]
