"""Gold files name documents relative to the corpus folder; the eval maps them to the stored ROOT/path ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import Settings
from eval.gold import load_gold
from eval.run import resolve_evidence, run_eval

QUOTE = "The strike wounded two soldiers near Al-Sukkariyeh."


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "wire").mkdir(parents=True)
    (folder / "wire" / "strike.txt").write_text(f"Title: Strike\nSource: Levant Wire\n\n{QUOTE}\n")
    (folder / "feed.jsonl").write_text(json.dumps({"id": "e1", "text": "Shelling hit Baghuz camp."}) + "\n")
    return folder


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    items = [
        {"id": "q1", "question": "How many soldiers did the strike wound?", "answers": ["two"],
         "category": "incident", "evidence": [{"doc": "wire/strike.txt", "quote": "wounded two soldiers"}]},
        {"id": "q2", "question": "What did shelling hit?", "answers": ["Baghuz camp"], "category": "incident",
         "evidence": [{"doc": "feed.jsonl#e1", "quote": "Shelling hit Baghuz camp"}]},
    ]  # fmt: skip
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    return path


def _hash_settings() -> Settings:
    base = Settings()
    return base.model_copy(update={"embedding": base.embedding.model_copy(update={"backend": "hash"})})


def test_eval_with_corpus_maps_gold_docs_to_root_ids(corpus: Path, gold: Path) -> None:
    result = run_eval(corpus, gold, k=4, settings=_hash_settings())
    assert result.unresolved == []
    assert result.ingest is not None and result.ingest.roots == ["corpus"]
    spans = {q.id: [s.doc_id for s in q.evidence] for q in result.questions}
    assert spans == {"q1": ["corpus/wire/strike.txt"], "q2": ["corpus/feed.jsonl#e1"]}
    assert result.overall.citation_recall == 1.0  # citations (stored ids) are compared with the mapped spans


def test_eval_on_an_index_resolves_by_unique_suffix(
    corpus: Path, gold: Path, tmp_path: Path, make_assistant: Callable[..., Assistant]
) -> None:
    index = tmp_path / "index"
    assistant = make_assistant(index=index)
    assistant.ingest([corpus], progress=False)
    spans, missing = resolve_evidence(load_gold(gold), assistant)
    assert missing == []
    assert [s.doc_id for s in spans["q1"]] == ["corpus/wire/strike.txt"]

    # a second folder holding the same relative path makes the bare name ambiguous: reported, not guessed
    other = tmp_path / "copy"
    (other / "wire").mkdir(parents=True)
    (other / "wire" / "strike.txt").write_text(QUOTE)
    assistant.ingest([other], progress=False)
    assistant.close()
    result = run_eval(None, gold, index=index, k=4, settings=_hash_settings())
    assert [(u.id, u.doc, u.reason) for u in result.unresolved] == [("q1", "wire/strike.txt", "document not in index")]
    assert [s.doc_id for s in result.questions[1].evidence] == ["corpus/feed.jsonl#e1"]
