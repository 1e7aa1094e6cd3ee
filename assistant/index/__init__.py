"""The index: SQLite documents (the truth), a vector index (Chroma local or server), BM25, hybrid retrieval.

Only this package talks to Chroma.
"""

from assistant.index.search import FilterPlan, hybrid_search, rrf
from assistant.index.store import Store
from assistant.index.vectors import VectorIndex, make_vector_index

__all__ = ["FilterPlan", "Store", "VectorIndex", "hybrid_search", "make_vector_index", "rrf"]
