"""Assistant over the demo corpus (read-only, ingested once per session) and over empty indexes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import assistant as sitrep
from assistant.core import Assistant
from assistant.errors import IndexEmptyError, SitrepError
from assistant.models import Answer, Filters
from assistant.prompts import REFUSAL

SEED = "How many soldiers were injured in the strike on the artillery position?"
QUESTIONS = [
    SEED,
    "When did the SDF declare the territorial defeat of the Islamic State?",
    "Who retook Al-Shaafa?",
    "How many trucks were used to evacuate people from Baghuz?",
    "Where were the foreign fighters held?",
]
UNANSWERABLE = [
    "What is the GDP of Brazil?",
    "Who won the football World Cup in 1998?",
    "How many people live in Reykjavik, Iceland?",
]


@pytest.fixture(scope="module")
def answers(demo: Assistant) -> list[Answer]:
    return [demo.ask(q) for q in QUESTIONS]


def _check_citations(demo: Assistant, answer: Answer) -> None:
    retrieved = {r.view.passage.passage_id: r.view.passage for r in answer.passages}
    for c in answer.citations:
        doc = demo.document(c.doc_id)
        assert doc is not None
        assert doc.text[c.start : c.end] == c.quote
        passage = retrieved[c.passage_id]
        assert passage.doc_id == c.doc_id
        assert passage.start <= c.start < c.end <= passage.end
        assert (c.start, c.end) in [tuple(s) for s in passage.sentences]
        assert c.title == doc.title and c.source == doc.source and c.published == doc.published
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", answer.text)]
    assert (
        sorted(set(markers))
        == [c.marker for c in answer.citations]
        == list(range(1, len(answer.citations) + 1))
    )
    for c in answer.citations:
        assert f'"{c.quote}" [{c.marker}]' in answer.text


def test_seed_question(demo: Assistant, answers: list[Answer]) -> None:
    answer = answers[0]
    assert answer.question == SEED
    assert not answer.abstained
    assert "two" in answer.text.lower()
    assert answer.citations
    assert any("soldiers" in c.quote for c in answer.citations)
    _check_citations(demo, answer)


def test_every_citation_is_an_exact_span(demo: Assistant, answers: list[Answer]) -> None:
    answered = [a for a in answers if not a.abstained]
    assert len(answered) >= 3
    for answer in answered:
        assert answer.citations
        _check_citations(demo, answer)


def test_answer_carries_passages_and_timings(answers: list[Answer]) -> None:
    answer = answers[0]
    assert 0 < len(answer.passages) <= 8
    assert [r.rank for r in answer.passages] == list(range(1, len(answer.passages) + 1))
    scores = [r.score for r in answer.passages]
    assert scores == sorted(scores, reverse=True)
    assert all(r.bm25_rank or r.vector_rank for r in answer.passages)
    assert set(answer.timings) == {"retrieve", "answer", "total"}
    assert answer.timings["total"] >= answer.timings["retrieve"] >= 0
    assert Answer.model_validate_json(answer.model_dump_json()) == answer


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_abstains_when_corpus_cannot_answer(demo: Assistant, question: str) -> None:
    answer = demo.ask(question)
    assert answer.abstained
    assert answer.text == REFUSAL == sitrep.REFUSAL
    assert answer.citations == []


def test_k_limits_passages(demo: Assistant) -> None:
    assert len(demo.ask(SEED, k=3).passages) == 3
    assert len(demo.retrieve(SEED, k=2)) == 2


def test_filter_by_source(demo: Assistant) -> None:
    answer = demo.ask(SEED, filters=Filters(sources=["Levant Wire"]))
    assert answer.passages
    assert {r.view.source for r in answer.passages} == {"Levant Wire"}
    assert all(c.source == "Levant Wire" for c in answer.citations)


def test_filter_by_date_range(demo: Assistant) -> None:
    start, end = date(2019, 2, 9), date(2019, 2, 11)
    passages = demo.retrieve(SEED, Filters(date_from=start, date_to=end))
    assert passages
    assert all(r.view.published is not None and start <= r.view.published <= end for r in passages)
    before = demo.retrieve(SEED, Filters(date_to=date(2018, 12, 31)))
    assert before and all(r.view.published and r.view.published <= date(2018, 12, 31) for r in before)


def test_filter_by_doc_ids(demo: Assistant) -> None:
    wanted = ["corpus/wire/2019-02-10-sukkariyeh-strike.html", "corpus/sdf/2019-03-23-territorial-defeat-declared.md"]
    passages = demo.retrieve(SEED, Filters(doc_ids=wanted), k=20)
    assert {r.view.passage.doc_id for r in passages} == set(wanted)


def test_filter_that_matches_nothing(demo: Assistant) -> None:
    answer = demo.ask(SEED, filters=Filters(sources=["No Such Outlet"]))
    assert answer.passages == []
    assert answer.abstained and answer.text == REFUSAL


def test_empty_question_is_refused(demo: Assistant) -> None:
    with pytest.raises(SitrepError, match="empty"):
        demo.ask("   ")


def test_document_and_stats(demo: Assistant) -> None:
    doc = demo.document("corpus/wire/2019-02-10-sukkariyeh-strike.html")
    assert doc is not None and doc.source == "Levant Wire"
    assert demo.document("nope.txt") is None
    stats = demo.stats()
    assert stats["documents"] == len(demo.store.documents()) > 50
    assert stats["passages"] >= stats["documents"]
    assert stats["collection"] == demo.settings.collection_name()


def test_missing_index_raises_index_empty(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    index = tmp_path / "no-index"
    assistant = make_assistant(index=index)
    with pytest.raises(IndexEmptyError) as exc:
        assistant.ask("Anything?")
    assert isinstance(exc.value, SitrepError)
    assert str(index) in str(exc.value) and "sitrep ingest" in str(exc.value)
    assert assistant.document("x") is None
    assert assistant.stats()["documents"] == 0
    assert not index.exists()  # asking does not create an index


def test_an_index_built_under_other_settings_is_named(tmp_path: Path, make_assistant: Callable[..., Assistant]
                                                      ) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_text("The bridge at Hajin was repaired.")
    built = make_assistant()
    built.ingest([folder], progress=False)
    other = make_assistant(settings=built.settings.model_copy(
        update={"chunking": built.settings.chunking.model_copy(update={"max_chars": 700})}))
    assert other.settings.collection_name() != built.settings.collection_name()
    with pytest.raises(IndexEmptyError) as exc:
        other.ask("Was the bridge repaired?")
    assert built.settings.collection_name() in str(exc.value) and "current settings" in str(exc.value)


def test_index_emptied_by_pruning_raises(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_text("The bridge at Hajin was repaired.")
    assistant = make_assistant()
    assistant.ingest([folder], progress=False)
    (folder / "a.txt").unlink()
    assert assistant.ingest([folder], progress=False).removed == 1
    with pytest.raises(IndexEmptyError):
        assistant.ask("Was the bridge repaired?")


def test_python_api_ask_with_index(demo: Assistant, demo_index_dir: Path) -> None:
    from assistant import ask

    answer = ask(SEED, index=demo_index_dir)
    assert isinstance(answer, sitrep.Answer)
    assert "two" in answer.text.lower()
    assert answer.citations
    again = ask(SEED, index=str(demo_index_dir), k=3)  # same Assistant, reused
    assert len(again.passages) == 3


def test_python_api_ask_on_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexEmptyError):
        sitrep.ask("Anything?", index=tmp_path / "missing")


def test_vector_search_follows_an_alias_to_the_canonical_name(ingested: Callable[..., Assistant]) -> None:
    """The question's vector is of its text with each alias followed by the actor's name ('Daesh (Islamic
    State)'); off (``retrieval.expand_aliases``), of the text as asked. Expanded, the plain question (which the
    answerer embeds) is embedded in the same call."""
    assistant = ingested({"wire/a.txt": "Title: A\nSource: Demo Wire\nDate: 2019-01-02\n\nIslamic State fighters "
                                        "attacked Tell Hamra on 1 January 2019.\n"})
    asked: list[str] = []
    embed = assistant.embedder.embed
    assistant.embedder.embed = lambda texts: asked.extend(texts) or embed(texts)  # type: ignore[method-assign]
    assistant.retrieve("When did Daesh attack Tell Hamra?")
    assert asked == ["When did Daesh (Islamic State) attack Tell Hamra?", "When did Daesh attack Tell Hamra?"]
    assert assistant.sentence_vectors.question("When did Daesh attack Tell Hamra?") is not None
    assert len(asked) == 2  # remembered: the answerer's vector costs no second call
    off = assistant.settings.retrieval.model_copy(update={"expand_aliases": False})
    assistant.settings = assistant.settings.model_copy(update={"retrieval": off})
    asked.clear()
    assistant.retrieve("Did Daesh attack Tell Hamra?")
    assert asked == ["Did Daesh attack Tell Hamra?"]


def test_an_embedder_that_pools_without_the_inserted_names_embeds_an_expanded_question_once(
        ingested: Callable[..., Assistant]) -> None:
    """One forward pass for the expanded question: the plain question's vector (the answerer's) comes from it,
    remembered, so neither the search nor the answer embeds again."""
    assistant = ingested({"wire/a.txt": "Title: A\nSource: Demo Wire\nDate: 2019-01-02\n\nIslamic State fighters "
                                        "attacked Tell Hamra on 1 January 2019.\n"})
    passes: list[tuple[str, list[str]]] = []

    def without(text: str, cut: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        starts, ends = [0] + [e for _, e in cut], [s for s, _ in cut] + [len(text)]
        kept = "".join(text[s:e] for s, e in zip(starts, ends, strict=True))
        passes.append((text, [text[s:e] for s, e in cut]))
        full, plain = assistant.embedder.embed([text, kept])
        return full, plain

    assistant.embedder.embed_without = without  # type: ignore[attr-defined]
    answer = assistant.ask("When did Daesh attack Tell Hamra?")
    assert passes == [("When did Daesh (Islamic State) attack Tell Hamra?", [" (Islamic State)"])]
    plain = assistant.embedder.embed(["When did Daesh attack Tell Hamra?"])[0]
    assert np.allclose(assistant.sentence_vectors.question("When did Daesh attack Tell Hamra?"), plain)
    assert len(passes) == 1 and not answer.abstained


def _dated_reports() -> dict[str, str]:
    """Eleven reports close to the question's words and one, published on the day asked, that shares few."""
    files = {f"wire/r{n}.txt": f"Title: R{n}\nSource: Demo Wire\nDate: 2019-01-{n + 10:02d}\n\nSDF fighters captured "
             f"positions near Baghuz Fawqani in fighting on day {n}.\n" for n in range(11)}
    files["wire/day.txt"] = ("Title: Day\nSource: Demo Wire\nDate: 2019-02-07\n\nThe Kurdish-led force said it now "
                             "holds four fifths of Baghuz Fawqani.\n")
    return files


def test_a_question_naming_a_day_also_searches_that_days_reports(ingested: Callable[..., Assistant]) -> None:
    """The reports published on the day asked (or the next) are ranked by meaning as a third list: its first
    passage outranks the passages the other two lists rank above it."""
    assistant = ingested(_dated_reports())
    question = "What share of Baghuz Fawqani did the SDF capture on 7 February 2019?"
    assert assistant.retrieve(question, k=1)[0].view.passage.doc_id == "demo/wire/day.txt"
    from assistant.index.search import dated_search
    vector = assistant.sentence_vectors.question(question)
    days = (date(2019, 2, 6), date(2019, 2, 6))
    assert [assistant.store.views([p])[p].passage.doc_id for p in dated_search(assistant.store, vector, days, 8, None)
            ] == ["demo/wire/day.txt"]  # published the day after
    assert dated_search(assistant.store, vector, days, 0, None) == []  # off
    assert dated_search(assistant.store, vector, None, 8, None) == []  # no day asked
    assert dated_search(assistant.store, vector, days, 8, Filters(date_from=date(2019, 1, 1))) == []  # the user's dates

    def score() -> float:
        return next(p.score for p in assistant.retrieve(question, k=12) if p.view.passage.doc_id.endswith("day.txt"))

    on = score()
    off = assistant.settings.retrieval.model_copy(update={"dated": 0})
    assistant.settings = assistant.settings.model_copy(update={"retrieval": off})
    assert on - score() == pytest.approx(1 / (assistant.settings.retrieval.rrf_k + 1))


def test_control_claims_are_kept_until_the_index_changes(ingested: Callable[..., Assistant],
                                                         write_reports: Callable[..., Path]) -> None:
    """DEMO MATERIAL (invented place and events). A place's claims are read once per index generation: asked
    again they are not read again; a newly ingested report naming the place changes the timeline."""
    files = {"wire/a.txt": "Title: Tell Marwan\nSource: Demo Wire\nDate: 2020-05-04\n\n"
                           "The SDF captured Tell Marwan on 2 May 2020 after two days of clashes.\n"}
    bot = ingested(files)
    first = bot.control("Tell Marwan")
    assert [(c.actor, c.kind) for c in first.claims] == [("actor_sdf", "capture")]
    statements: list[str] = []
    bot.store.docs.db.set_trace_callback(statements.append)
    again = bot.control("tell marwan")  # the same pattern
    bot.store.docs.db.set_trace_callback(None)
    assert again.claims == first.claims and not any("FROM passages" in s for s in statements)
    assert bot.control("Tell Marwan", as_of=date(2020, 5, 1)).claims == []
    root = write_reports({**files, "wire/b.txt": "Title: Pull-back\nSource: Demo Wire\nDate: 2020-05-12\n\n"
                                                 "SDF fighters withdrew from Tell Marwan on 10 May 2020.\n"})
    bot.ingest([root], progress=False)
    assert [(c.actor, c.kind) for c in bot.control("Tell Marwan").claims] == [("actor_sdf", "capture"),
                                                                              ("actor_sdf", "withdrawal")]


def test_warm_loads_the_folded_texts(ingested: Callable[..., Assistant]) -> None:
    bot = ingested({"wire/a.txt": "Title: Tell Marwan\nSource: Demo Wire\nDate: 2020-05-04\n\n"
                                  "Shelling hit Tell Marwan.\n"})
    assert bot.store.folded._state is None
    bot.warm()
    assert bot.store.folded._state is not None and len(bot.store.folded.ids()) == 1
