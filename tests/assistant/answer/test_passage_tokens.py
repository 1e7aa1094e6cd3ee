"""Answer tokens stored at ingest: the same sets the answerer would work out, and the same answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer import Analyser
from assistant.answer.passage_tokens import AnswerTokens, context_text
from assistant.index.documents import PassageText
from assistant.knowledge import ActorEntry, Lexicon, load_knowledge
from eval.gold import load_gold
from eval.run import demo_gold


def test_stored_tokens_are_the_tokens_worked_out_at_question_time(demo: Assistant) -> None:
    """Every passage of the demo corpus has its tokens stored under the current version, equal to tokenising its
    context and each sentence now."""
    tokens = demo.answer_tokens
    assert tokens is getattr(demo.answerer, "tokens", None)  # written by what the extractive answerer reads with
    ids = sorted(demo.store.docs.all_passage_ids())
    stored = demo.store.docs.annotations(tokens.kind, ids, tokens.version)
    assert set(stored) == set(ids)
    for pid, view in demo.store.views(ids).items():
        p = view.passage
        context, sentences = tokens.read(stored[pid])
        assert context == tokens.context(p.text, view.title, view.source, view.published)
        assert sentences == {s: tokens.sentence(p.text[s - p.start:e - p.start]) for s, e in p.sentences}
    assert demo.store.docs.annotations(tokens.kind, ids, "another version") == {}


def test_answers_with_stored_tokens_are_the_answers_without(demo: Assistant,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The answerer reading stored tokens quotes, cites and refuses exactly as it does tokenising every passage."""
    questions = [g.question for g in load_gold(demo_gold())][:60]
    with_stored = [demo.ask(q).model_dump(exclude={"timings"}) for q in questions]
    monkeypatch.setattr(demo.answerer, "stored_tokens", lambda passage_ids: {})
    assert [demo.ask(q).model_dump(exclude={"timings"}) for q in questions] == with_stored
    assert sum(bool(a["citations"]) for a in with_stored) > 20


def test_version_follows_the_lexicon_and_the_outcome_cues() -> None:
    """Another alias or another outcome cue is another version (what was stored under the old one is stale)."""
    knowledge = load_knowledge()
    base = AnswerTokens(Analyser(knowledge, Lexicon(knowledge.actors)))
    assert AnswerTokens(Analyser(knowledge, Lexicon(knowledge.actors))).version == base.version
    extra = ActorEntry(id="test_militia", name="Test Militia", aliases=["test militia"])
    assert AnswerTokens(Analyser(knowledge, Lexicon([*knowledge.actors, extra]))).version != base.version
    cues = knowledge.question.model_copy(update={"outcomes": {**knowledge.question.outcomes, "razed": "razed"}})
    edited = knowledge.model_copy(update={"question": cues})
    assert AnswerTokens(Analyser(edited, Lexicon(knowledge.actors))).version != base.version


def test_annotate_keeps_context_and_sentence_tokens() -> None:
    """What ingest stores reads back as the context's and each sentence's token sets, dates and outcomes in."""
    knowledge = load_knowledge()
    tokens = AnswerTokens(Analyser(knowledge, Lexicon(knowledge.actors)))
    text = "Shelling killed 12 civilians in Douma on 3 March. The SDF said nothing."
    passage = PassageText("p1", 100, text, [(100, 149), (150, 100 + len(text))], "Douma report", "Wire",
                          date(2018, 3, 4))
    context, sentences = tokens.read(tokens.annotate(passage))
    assert context == tokens.context(text, "Douma report", "Wire", date(2018, 3, 4))
    assert {"date:03-03", "date:03-04", "12", "actor_sdf"} <= context
    assert "4 March 2018" in context_text(text, "Douma report", "Wire", date(2018, 3, 4))
    assert set(sentences) == {100, 150}
    assert {"date:03-03", "outcome:kill", "12"} <= sentences[100] and "actor_sdf" in sentences[150]


def test_an_index_written_without_tokens_is_filled(tmp_path: Path, demo: Assistant) -> None:
    """Passages stored before the tokens (no annotator) get them at the end of the next ingest."""
    from assistant import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Demo material. Shelling killed 12 civilians in Douma on 3 March 2018.")
    (corpus / "b.txt").write_text("Demo material. The SDF said it captured Hajin on 14 December 2018.")
    plain = Assistant(Settings().with_index(tmp_path / "index"), embedder=demo.embedder)
    plain.store.docs.annotators.pop("answer_tokens")
    plain.ingest([corpus], progress=False)
    ids = sorted(plain.store.docs.all_passage_ids())
    tokens = plain.answer_tokens
    assert ids and plain.store.docs.annotations(tokens.kind, ids, tokens.version) == {}
    plain.store.docs.annotators["answer_tokens"] = lambda: tokens
    (corpus / "c.txt").write_text("Demo material. Airstrikes hit Raqqa on 5 June 2017.")
    plain.ingest([corpus], progress=False)  # writes c's tokens, then fills a's and b's
    ids = sorted(plain.store.docs.all_passage_ids())
    assert set(plain.store.docs.annotations(tokens.kind, ids, tokens.version)) == set(ids)
    plain.close()
