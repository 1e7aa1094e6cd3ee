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


class _PoolingFake:
    """The hash embedder with ``embed_pooled``: a span's vector is its text's hash vector, except each text's
    last span, left NaN as if truncation had cut it off (then ingest embeds that sentence alone)."""

    def __init__(self) -> None:
        from assistant.embed import HashEmbedder

        self.hash = HashEmbedder()
        self.name = "hash"
        self.texts_embedded = 0
        self.pooled_calls = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.texts_embedded += len(texts)
        return self.hash.embed(texts)

    def embed_pooled(self, texts, spans):  # type: ignore[no-untyped-def]
        import numpy as np

        self.pooled_calls += 1
        self.texts_embedded += len(texts)
        pooled = []
        for text, cuts in zip(texts, spans, strict=True):
            rows = self.hash.embed([text[s:e] for s, e in cuts]) if cuts else np.zeros((0, self.hash.dim))
            if len(rows):
                rows[-1] = np.nan
            pooled.append(rows)
        return self.hash.embed(texts), pooled


def test_pooled_sentence_vectors_come_from_the_passage_pass(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from tests.conftest import fake_settings

    embedder = _PoolingFake()
    assistant = Assistant(fake_settings(_derived("pooled")).with_index(tmp_path / "index"),
                          embedder=embedder)  # type: ignore[arg-type]
    report = assistant.ingest([DEMO_CORPUS], progress=False)
    passages = _all_passages(assistant)
    assert embedder.pooled_calls >= 1
    # passages once, plus only the sentences the pooling could not reach (each passage's last one)
    assert embedder.texts_embedded == report.texts_embedded + sum(1 for p in passages if p.sentences)
    assert assistant.store.docs.sentence_vector_count() == sum(len(sentence_windows(p)) for p in passages)
    p = next(p for p in passages if len(sentence_windows(p)) >= 2)
    (s0, t0, _) = sentence_windows(p)[0]
    stored = assistant.store.docs.sentence_vectors([(p.passage_id, s0)])[(p.passage_id, s0)]
    assert np.allclose(stored[0], embedder.hash.embed([t0])[0], atol=2e-3)
    assert not any(np.isnan(v).any() for pair in assistant.store.docs.sentence_vectors(
        [(q.passage_id, s) for q in passages for s, _, _ in sentence_windows(q)]).values() for v in pair)
    before = embedder.texts_embedded
    assistant.ask(QUESTIONS[0])
    assert assistant.sentence_vectors.embedded == 0 and embedder.texts_embedded - before == 1
    assistant.store.close()


def test_questions_embeds_what_is_not_remembered_in_one_call() -> None:
    import numpy as np

    from assistant.index.sentences import SentenceVectors

    calls: list[list[str]] = []

    class Counting:
        def embed(self, texts: list[str]) -> np.ndarray:
            calls.append(list(texts))
            return np.asarray([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    vectors = SentenceVectors(None, Counting())  # type: ignore[arg-type]  # no stored rows are read
    got = vectors.questions(["who took Hajin SDF Syrian Democratic Forces", "who took Hajin"])
    assert calls == [["who took Hajin SDF Syrian Democratic Forces", "who took Hajin"]]
    assert [float(v[0]) for v in got] == [43.0, 14.0]
    assert float(vectors.question("who took Hajin")[0]) == 14.0 and len(calls) == 1  # remembered
    vectors.questions(["who took Hajin", "new", "new"])
    assert calls[-1] == ["new"]  # only the missing one, once
