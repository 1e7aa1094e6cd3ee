"""The extractive answerer: question analysis, scoring (with the fake embedder), composing and verifying."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answer import Analyser, ExtractiveAnswerer, make_answerer, verify
from assistant.answer.extractive import Candidate
from assistant.answer.question import Question
from assistant.embed import Embedder
from assistant.errors import ConfigError
from assistant.models import Answer, Citation, Passage, PassageView, RetrievedPassage
from assistant.prompts import REFUSAL
from assistant.settings import AnswerSettings
from ingest.text import split_sentences

DOCS = {
    "wire.txt": (
        "Levant Wire",
        date(2019, 2, 10),
        "A coalition strike hit an artillery position near Al-Sukkariyeh on Sunday. "
        "State media said the strike wounded two soldiers. The coalition said it acted in self-defense.",
    ),
    "monitor.txt": (
        "Euphrates Monitor",
        date(2019, 2, 11),
        "The monitor said four soldiers were wounded in the strike on the artillery position. "
        "Two guns were destroyed, it added.",
    ),
    "aid.txt": (
        None,
        None,
        "Forty trucks carried families out of Baghuz towards the camp at Al-Hol.",
    ),
}


def _retrieved(doc_ids: list[str] | None = None) -> list[RetrievedPassage]:
    out = []
    for rank, doc_id in enumerate(doc_ids or list(DOCS), start=1):
        source, published, text = DOCS[doc_id]
        passage = Passage(
            passage_id=f"{doc_id}-0",
            doc_id=doc_id,
            ordinal=0,
            start=0,
            end=len(text),
            text=text,
            sentences=split_sentences(text),
        )
        view = PassageView(passage=passage, title=doc_id.title(), source=source, published=published)
        out.append(RetrievedPassage(view=view, score=1.0 / rank, rank=rank))
    return out


def _doc_text(doc_id: str) -> str | None:
    return DOCS[doc_id][2] if doc_id in DOCS else None


def _idf(terms):  # a flat idf: every term weighs the same
    return {t: 1.0 for t in terms}


@pytest.fixture
def answerer(fake_embedder: Embedder, analyser: Analyser) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(AnswerSettings(), fake_embedder, _idf, analyser)


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("How many soldiers were wounded?", "count"),
        ("What was the death toll in Hajin?", "count"),
        ("When did the SDF enter Baghuz?", "when"),
        ("On what day was the deadline?", "when"),
        ("Who claimed the attack?", "who"),
        ("Which group controls Hajin?", "who"),
        ("Where were the families taken?", "where"),
        ("Which village did the SDF capture?", "where"),
        ("Why did the talks fail?", "other"),
    ],
)
def test_question_type(question: str, qtype: str, analyser: Analyser) -> None:
    assert analyser.question(question).qtype == qtype


def test_anchors_are_names_and_numbers_not_question_words(analyser: Analyser) -> None:
    def anchors(text: str) -> frozenset[str]:
        return analyser.question(text).anchors

    found = anchors("How many soldiers did the strike near Al-Sukkariyeh wound in 2019?")
    assert "2019" in found
    assert any("sukkariyeh" in t for t in found)
    assert not {"how", "many", "did", "the"} & found
    assert anchors("why did it fail") == set()


def test_answers_with_cited_sentences(answerer: ExtractiveAnswerer) -> None:
    question = "How many soldiers were wounded in the strike on the artillery position?"
    answer = answerer.answer(answerer.analyser.question(question), _retrieved())
    assert not answer.abstained and answer.citations
    assert len(answer.citations) <= AnswerSettings().max_statements
    for c in answer.citations:
        text = DOCS[c.doc_id][2]
        assert text[c.start : c.end] == c.quote
        assert f'"{c.quote}" [{c.marker}]' in answer.text
    assert [c.marker for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert "aid.txt" not in {c.doc_id for c in answer.citations}
    assert (
        "Levant Wire (10 February 2019)" in answer.text
        or "Euphrates Monitor (11 February 2019)" in answer.text
    )
    assert verify(answer, _doc_text) == answer


def test_different_figures_are_flagged(answerer: ExtractiveAnswerer) -> None:
    answer = answerer.answer(
        answerer.analyser.question("How many soldiers were wounded in the strike?"),
        _retrieved(["wire.txt", "monitor.txt"]),
    )
    cited = {c.doc_id for c in answer.citations}
    if cited == {"wire.txt", "monitor.txt"}:
        assert answer.text.startswith("Sources give different figures.")
    else:  # only one source quoted: no disagreement claimed
        assert "different figures" not in answer.text


def test_abstains_without_evidence(answerer: ExtractiveAnswerer) -> None:
    answer = answerer.answer(answerer.analyser.question("What is the capital of Australia?"), _retrieved())
    assert answer.abstained and answer.text == REFUSAL and answer.citations == []
    assert answer.passages  # what was retrieved is still reported
    empty = answerer.answer(answerer.analyser.question("How many soldiers?"), [])
    assert empty.abstained and empty.text == REFUSAL and empty.debug["reason"] == "no passages"


def test_min_score_controls_abstention(fake_embedder: Embedder, analyser: Analyser) -> None:
    strict = ExtractiveAnswerer(AnswerSettings(min_score=5.0), fake_embedder, _idf, analyser)
    answer = strict.answer(analyser.question("How many soldiers were wounded in the strike?"), _retrieved())
    assert answer.abstained and answer.text == REFUSAL


def _answer_with(citations: list[Citation]) -> Answer:
    lines = [f'"{c.quote}" [{c.marker}]' for c in citations]
    return Answer(question="q", text="\n".join(lines), citations=citations, passages=_retrieved())


def _citation(
    marker: int, doc_id: str, start: int, end: int, quote: str | None = None, passage_id: str | None = None
) -> Citation:
    text = DOCS[doc_id][2]
    return Citation(
        marker=marker,
        passage_id=passage_id or f"{doc_id}-0",
        doc_id=doc_id,
        start=start,
        end=end,
        quote=text[start:end] if quote is None else quote,
        title=doc_id,
    )


def test_verify_keeps_good_and_drops_bad_citations() -> None:
    good = _citation(1, "wire.txt", 0, 20)
    wrong_quote = _citation(2, "wire.txt", 0, 20, quote="invented words here!")
    unknown_passage = _citation(3, "wire.txt", 0, 20, passage_id="not-retrieved")
    out_of_range = _citation(4, "aid.txt", 0, 500, quote=DOCS["aid.txt"][2])
    answer = verify(_answer_with([good, wrong_quote, unknown_passage, out_of_range]), _doc_text)
    assert answer.citations == [good]
    assert not answer.abstained


def test_verify_refuses_when_nothing_is_verifiable() -> None:
    bad = _citation(1, "wire.txt", 0, 20, quote="nothing like the text")
    answer = verify(_answer_with([bad]), _doc_text)
    assert answer.abstained and answer.text == REFUSAL and answer.citations == []
    assert answer.debug["reason"] == "no verifiable citation"


def test_verify_drops_citation_of_deleted_document() -> None:
    answer = verify(_answer_with([_citation(1, "wire.txt", 0, 20)]), lambda _doc_id: None)
    assert answer.abstained


def test_unknown_backend(analyser: Analyser) -> None:
    with pytest.raises(ConfigError, match="unknown answer backend 'llm'"):
        make_answerer(AnswerSettings(backend="llm"), None, _idf, analyser)  # type: ignore[arg-type]


def test_word_overlap_meets_other_forms_of_a_word(answerer: ExtractiveAnswerer, analyser: Analyser) -> None:
    """'Who founded the brigade' shares its verb with 'the brigade was founded by' and with 'X founds': the lexical
    feature counts it whatever the tense; actor tokens and marks are compared as they are."""
    from assistant.answer.extractive import _overlap, _stems

    assert _overlap(frozenset({"founded", "brigade"}), {"found", "brigade"}, {}, stems=_stems({"found", "brigade"})) \
        == 1.0
    assert _overlap(frozenset({"founded", "brigade"}), {"found", "brigade"}, {}) == 0.5
    assert _overlap(frozenset({"actor_sdf"}), {"actor_sd"}, {}, stems=_stems({"actor_sd"})) == 0.0
    question = analyser.question("Who launched the assault on the dam?")
    texts = ["The SDF launches assaults on the dam every week.", "The SDF attacked the dam."]
    _, found = answerer.rank(question, _retrieved_texts(texts))
    assert found[0].text.startswith("The SDF launches") and found[0].features["lex"] == 1.0


def _retrieved_texts(texts: list[str]) -> list[RetrievedPassage]:
    out = []
    for rank, text in enumerate(texts, start=1):
        passage = Passage(passage_id=f"p{rank}", doc_id=f"d{rank}", ordinal=0, start=0, end=len(text), text=text,
                          sentences=split_sentences(text))
        out.append(RetrievedPassage(view=PassageView(passage=passage, title=f"D{rank}"), score=1.0 / rank, rank=rank))
    return out


def _corpus_words() -> set[str]:
    import re

    from assistant.knowledge.lexicon import _content_tokens, fold
    from tests.conftest import DEMO_CORPUS

    words: set[str] = {"skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only",
                       "singly", "sky", "news", "howe", "atlas", "cosmos", "bias", "andes", "inning", "outing",
                       "proceed", "exceed", "succeed", "yelling", "y", "ys", "actor_sdf", "date:01-02", "1,200"}
    for path in DEMO_CORPUS.rglob("*"):
        if path.is_file() and path.suffix in {".txt", ".md", ".html", ".json", ".csv"}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            words.update(_content_tokens(text))
            words.update(re.findall(r"[^\W\d_]+", fold(text)))
    return words


def test_a_snowball_stem_begins_its_word_but_for_two_letters_and_is_never_longer() -> None:
    """What ``QuestionStems`` relies on to stem only the tokens that can have a stem, over every word of the demo corpus
    and Porter2's exceptional forms."""
    from assistant.answer.extractive import _stem

    words = _corpus_words() | {"possibility", "relational", "organization", "happily", "probably", "hoping",
                               "hopping", "generously", "sensitivity", "agreed", "cries", "ties"}
    assert len(words) > 2000
    assert [w for w in words if not w.startswith(_stem(w)[:max(1, len(_stem(w)) - 2)]) or len(_stem(w)) > len(w)] \
        == []


def test_question_stems_answer_as_stemming_every_token() -> None:
    """``QuestionStems`` (stemming only the tokens that can have a question's stem, once per question) finds
    exactly the question's stems among those ``_stems`` computes, for every word of the corpus as a question word
    and for question words no token stems to; asked again, or of a text sharing tokens with one seen, the same."""
    from assistant.answer.extractive import QuestionStems, _stem, _stems

    words = sorted(_corpus_words())
    for at in range(0, len(words), 97):
        tokens = set(words[at:at + 40])
        query = set(words[max(0, at - 200):at + 200:3]) | {"", "zzz", "founded", "launches", "actor_sdf"}
        meets = QuestionStems(query)
        wanted = {_stem(q) for q in query}
        overlapping = set(words[at + 20:at + 70])  # half of it seen already for this question
        assert meets.met(tokens) == wanted & _stems(tokens)
        assert meets.met(overlapping) == wanted & _stems(overlapping)
        assert meets.met(tokens) == wanted & _stems(tokens)
        assert meets.met(set()) == set()


_MANY = [
    "The SDF captured Hajin on 14 December 2018 after weeks of fighting.",
    "The SDF captured Hajin on 14 December 2018, a spokesman said.",
    "The SDF captured the town of Hajin on 14 December 2018.",
    "On 14 December 2018 the SDF captured Hajin from Islamic State.",
    "The SDF captured Hajin in December 2018 with coalition air support.",
    "Coalition aircraft struck Hajin on 10 December, the SDF said on Monday.",
    "Hajin was the last town held by Islamic State fighters in the valley.",
    "About 300 SDF fighters were killed in the battle for Hajin, a monitor said.",
    "Islamic State counter-attacked near Hajin in a sandstorm in October 2018.",
    "Aid agencies said thousands of civilians fled Hajin towards the camps.",
    "Reuters reported that the SDF entered the centre of Hajin on 6 December.",
    "A US envoy said almost every fighter in the Hajin holdout wore a suicide vest.",
    "Hajin lies on the Euphrates south-east of Deir ez-Zor, near the Iraqi border.",
    "Fighting for the villages around Hajin went on into January 2019.",
]


_ASKED = ["When did the SDF capture Hajin?", "How many SDF fighters were killed at Hajin?", "Who captured Hajin?",
          "Where is Hajin?", "When did the Syrian army capture Raqqa?", "What did the US envoy say about Hajin?"]


@pytest.mark.parametrize("asked", _ASKED)
def test_the_lazy_check_answers_as_checking_every_sentence(answerer: ExtractiveAnswerer, analyser: Analyser,
                                                           asked: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``answer`` checks only as far down the ranking as the answer and its debug reach (``_checked``): the same
    answer, citations and debug as checking every sentence."""
    question = analyser.question(asked)
    lazy = answerer.answer(question, _retrieved_texts(_MANY))

    def check_every(q: Question, found: list[Candidate]) -> list[Candidate]:
        answerer._check(q, found)
        return [c for c in found if c.verdict is None or c.verdict.passed]

    monkeypatch.setattr(answerer, "_checked", check_every)
    full = answerer.answer(question, _retrieved_texts(_MANY))
    assert (lazy.text, lazy.citations, lazy.abstained, lazy.debug) == (full.text, full.citations, full.abstained,
                                                                       full.debug)


def test_the_lazy_check_stops_below_the_margin(answerer: ExtractiveAnswerer, analyser: Analyser) -> None:
    """Once eight sentences are checked, five pass and the next scores more than ``relative_margin`` below the
    best passing one, the rest keep no verdict; what passes above is what checking every sentence passes."""
    from assistant.answer.extractive import candidates

    stopped = 0
    for asked in _ASKED:
        question = analyser.question(asked)
        found = candidates(_retrieved_texts(_MANY))
        answerer.score(question, found)
        ranked = answerer._checked(question, found)
        checked = [c for c in found if c.verdict is not None]
        assert checked == found[:len(checked)] and len(checked) >= min(8, len(found))
        assert ranked == [c for c in checked if c.verdict is not None and c.verdict.passed]
        if len(checked) < len(found):
            stopped += 1
            assert len(ranked) >= 5 and found[len(checked)].score < ranked[0].score - answerer.settings.relative_margin
    assert stopped
