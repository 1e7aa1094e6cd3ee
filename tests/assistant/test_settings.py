"""Settings: defaults, environment overrides, index paths and the collection name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import DEFAULT_MODEL, Settings


def test_autouse_fixture_keeps_everything_in_tmp(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.index.dir == tmp_path / "default-index"
    assert Path.home() / ".sitrep" not in settings.index.dir.parents


def test_home_decides_default_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITREP_INDEX__DIR")
    assert Settings().index.dir == tmp_path / "home" / "index"


def test_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_RETRIEVAL__K", "5")
    monkeypatch.setenv("SITREP_INGEST__MAX_FILE_MB", "0.5")
    monkeypatch.setenv("SITREP_INGEST__CSV_TEXT_COLUMNS", '["article_content", "notes"]')
    monkeypatch.setenv("SITREP_ANSWER__MIN_SCORE", "0.3")
    settings = Settings()
    assert settings.retrieval.k == 5
    assert settings.ingest.max_file_mb == 0.5
    assert settings.ingest.csv_text_columns == ["article_content", "notes"]
    assert settings.answer.min_score == 0.3
    assert Settings().with_index("/x").retrieval.k == 5  # with_index keeps the rest


def test_env_k_reaches_retrieval(
    monkeypatch: pytest.MonkeyPatch, demo_index_dir: Path, demo, embedder
) -> None:
    from assistant.core import Assistant

    monkeypatch.setenv("SITREP_RETRIEVAL__K", "5")
    assistant = Assistant(Settings().with_index(demo_index_dir), embedder=embedder)
    assert len(assistant.retrieve("Who retook Al-Shaafa?")) == 5


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_RETRIEVAL__K", "0")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("SITREP_RETRIEVAL__K")
    monkeypatch.setenv("SITREP_RETRIEVAL__NO_SUCH_KNOB", "1")
    with pytest.raises(ValidationError):
        Settings()


def test_with_index() -> None:
    settings = Settings()
    assert settings.with_index(None) is settings
    moved = settings.with_index("/data/idx")
    assert moved.index.dir == Path("/data/idx")
    assert settings.index.dir != Path("/data/idx")


def test_collection_name() -> None:
    base = Settings()
    name = base.collection_name()
    assert 3 <= len(name) <= 512
    assert name == Settings().collection_name()
    other_model = base.model_copy(
        update={"embedding": base.embedding.model_copy(update={"model": "other/model"})}
    )
    other_chunks = base.model_copy(update={"chunking": base.chunking.model_copy(update={"max_chars": 500})})
    untitled = base.model_copy(update={"index": base.index.model_copy(update={"title_in_vectors": False})})
    names = {name, other_model.collection_name(), other_chunks.collection_name(), untitled.collection_name()}
    assert len(names) == 4
    for n in names:
        assert 3 <= len(n) <= 512 and n[0].isalnum() and n[-1].isalnum()
    # 'pooled' (default) keeps the title in the vectors; its sentence vectors are its own ('windows' embeds them
    # alone, older pooled indexes pooled them from the untitled text: neither is reused)
    windows = base.model_copy(update={"index": base.index.model_copy(update={"derived_vectors": "windows"})})
    untitled_windows = untitled.model_copy(update={"index": untitled.index.model_copy(
        update={"derived_vectors": "windows"})})
    assert len(names | {windows.collection_name(), untitled_windows.collection_name()}) == 6
    torch = base.model_copy(update={"embedding": base.embedding.model_copy(update={"runtime": "torch"})})
    assert torch.collection_name() == windows.collection_name()  # no pooling without onnx: 'windows' vectors
    # things that do not shape the vectors keep the collection
    assert base.with_index("/elsewhere").collection_name() == name
    tuned = base.model_copy(update={"retrieval": base.retrieval.model_copy(update={"k": 3})})
    assert tuned.collection_name() == name


def test_default_model_is_packaged() -> None:
    assert Settings().embedding.model == DEFAULT_MODEL


def test_short_chroma_url_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.settings import load_settings

    monkeypatch.setenv("SITREP_CHROMA_URL", "http://127.0.0.1:8001")
    assert load_settings().index.chroma_url == "http://127.0.0.1:8001"
    monkeypatch.setenv("SITREP_INDEX__CHROMA_URL", "http://10.0.0.2:8000")  # the long name wins
    assert load_settings().index.chroma_url == "http://10.0.0.2:8000"


def test_hnsw_search_ef_is_set_on_the_collection(tmp_path: Path) -> None:
    from assistant.index.vectors import persistent_index
    from assistant.settings import Settings

    settings = Settings().with_index(tmp_path / "index")
    index = persistent_index(settings)
    assert index.collection.configuration["hnsw"]["ef_search"] == settings.index.hnsw_search_ef
    wider = settings.model_copy(update={"index": settings.index.model_copy(update={"hnsw_search_ef": 150})})
    assert persistent_index(wider).collection.configuration["hnsw"]["ef_search"] == 150


def test_hnsw_build_settings_are_set_at_creation(tmp_path: Path) -> None:
    from assistant.index.vectors import persistent_index
    from assistant.settings import Settings

    base = Settings().with_index(tmp_path / "index")
    settings = base.model_copy(update={"index": base.index.model_copy(
        update={"hnsw_max_neighbors": 24, "hnsw_construction_ef": 150})})
    hnsw = persistent_index(settings).collection.configuration["hnsw"]
    assert (hnsw["max_neighbors"], hnsw["ef_construction"]) == (24, 150)
    reopened = persistent_index(base).collection.configuration["hnsw"]  # fixed at creation: an open keeps them
    assert (reopened["max_neighbors"], reopened["ef_construction"]) == (24, 150)
