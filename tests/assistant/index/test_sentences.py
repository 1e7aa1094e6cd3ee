"""Sentence vectors stored at ingest: a question embeds only itself; older indexes compute them lazily."""

from __future__ import annotations

from collections.abc import Callable

from assistant.core import Assistant
from assistant.index.sentences import sentence_texts, sentence_windows
from assistant.settings import Settings
from tests.conftest import DEMO_CORPUS

QUESTIONS = [
    "How many soldiers were injured in the strike on the artillery position?",
    "Who controlled Hajin in December 2018?",
    "Which group claimed the attack on the checkpoint?",
    "When did the SDF announce the capture of Baghuz?",
]

MakeAssistant = Callable[..., Assistant]


def _all_passages(assistant: Assistant) -> list:
    ids = [r[0] for r in assistant.store.docs.db.execute("SELECT passage_id FROM passages")]
    return [v.passage for v in assistant.store.views(ids).values()]


def _answers(assistant: Assistant) -> list[tuple[str, list[tuple[str, int, int]]]]:
    out = []
    for q in QUESTIONS:
        a = assistant.ask(q)
        out.append((a.text, [(c.doc_id, c.start, c.end) for c in a.citations]))
    return out


def test_ingest_stores_every_quotable_sentence(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.ingest([DEMO_CORPUS], progress=False)
    passages = _all_passages(assistant)
    expected = sum(len(sentence_windows(p)) for p in passages)
    assert expected > len(passages)
    assert assistant.store.docs.sentence_vector_count() == expected
    assert len(sentence_texts(passages)) == 2 * expected


def test_question_embeds_only_itself(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.ingest([DEMO_CORPUS], progress=False)
    for q in QUESTIONS:
        before = assistant.embedder.texts_embedded
        answer = assistant.ask(q)
        assert answer.passages
        assert assistant.embedder.texts_embedded - before == 1, q  # retrieval and answer share the vector
    assert assistant.sentence_vectors.embedded == 0


def test_stored_vectors_give_the_same_answers_as_embedding_at_ask_time(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.ingest([DEMO_CORPUS], progress=False)
    stored = _answers(assistant)
    assistant.answerer.vectors = None  # type: ignore[attr-defined]  # the old path: embed every sentence now
    assert _answers(assistant) == stored


def test_index_without_sentence_vectors_computes_and_keeps_them(make_assistant: MakeAssistant) -> None:
    off = Settings().model_copy(update={"index": Settings().index.model_copy(update={"sentence_vectors": False})})
    assistant = make_assistant(off)
    assistant.ingest([DEMO_CORPUS], progress=False)
    assert assistant.store.docs.sentence_vector_count() == 0  # as an index written before they existed
    first = _answers(assistant)
    lazily = assistant.sentence_vectors.embedded
    assert lazily > 0 and assistant.store.docs.sentence_vector_count() == lazily // 2
    assert _answers(assistant) == first
    assert assistant.sentence_vectors.embedded == lazily  # second time: read back, nothing embedded


def test_replaced_and_removed_documents_drop_their_sentence_vectors(make_assistant: MakeAssistant, tmp_path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("Title: A\n\nThe convoy reached Hajin on Monday. Nobody was hurt in the town.\n")
    (folder / "b.txt").write_text("Title: B\n\nShelling hit the market in Baghuz. Two shops were destroyed there.\n")
    assistant = make_assistant()
    assistant.ingest([folder], progress=False)
    assert assistant.store.docs.sentence_vector_count() == 4
    (folder / "a.txt").write_text("Title: A\n\nThe convoy reached Hajin on Tuesday instead of Monday.\n")
    assistant.ingest([folder], progress=False)
    assert assistant.store.docs.sentence_vector_count() == 3
    (folder / "b.txt").unlink()
    assistant.ingest([folder], progress=False)
    assert assistant.store.docs.sentence_vector_count() == 1


def _derived(mode: str) -> Settings:
    base = Settings()
    return base.model_copy(update={"index": base.index.model_copy(update={"derived_vectors": mode})})


def test_derived_windows_are_the_normalised_sum_of_two_sentence_vectors(make_assistant: MakeAssistant) -> None:
    import numpy as np

    assistant = make_assistant(_derived("windows"))
    report = assistant.ingest([DEMO_CORPUS], progress=False)
    passages = _all_passages(assistant)
    assert report.passages_added == len(passages)
    assert assistant.store.docs.sentence_vector_count() == sum(len(sentence_windows(p)) for p in passages)
    p = next(p for p in passages if len(sentence_windows(p)) >= 2)
    (s0, t0, _), (s1, t1, _) = sentence_windows(p)[:2]
    stored = assistant.store.docs.sentence_vectors([(p.passage_id, s0), (p.passage_id, s1)])
    a, b = assistant.embedder.embed([t0, t1])
    assert np.allclose(stored[(p.passage_id, s0)][1], a, atol=2e-3)  # the first window is the sentence itself
    previous = [p.text[s - p.start:e - p.start] for s, e in p.sentences if e <= s1][-1]
    if previous == t0:  # adjacent quotable sentences: the window is their normalised sum
        assert np.allclose(stored[(p.passage_id, s1)][1], (a + b) / np.linalg.norm(a + b), atol=2e-3)
    assistant.ask(QUESTIONS[0])
    assert assistant.sentence_vectors.embedded == 0


def test_derived_all_embeds_only_sentences_and_answers(make_assistant: MakeAssistant) -> None:
    plain, derived = make_assistant(), make_assistant(_derived("all"), index=None)
    assert derived.store.collection_name != plain.store.collection_name  # passage vectors of another kind
    report = derived.ingest([DEMO_CORPUS], progress=False)
    assert report.passages_added > 0 and derived.store.vectors.count() == derived.store.count()[1]
    answer = derived.ask(QUESTIONS[0])
    assert answer.passages and derived.sentence_vectors.embedded == 0
