"""Evidence frames: figures and what they count, dates resolved against publication, places, sources, actors.

Most tests read by rules only (spaCy made unimportable), so they run in the fast tier; the ones that need the
spaCy model are marked ``model``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import pytest

from assistant.knowledge import Knowledge, KnowledgeError, Lexicon, load_knowledge, loader
from assistant.knowledge import frames as frames_module
from assistant.knowledge.frames import FrameReader, _parsed, frames_for
from assistant.models import Frame, Passage, PassageView
from assistant.settings import FramesSettings
from ingest.text import split_sentences

PUBLISHED = date(2019, 2, 14)  # a Thursday


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge, lexicon: Lexicon) -> FrameReader:
    """A reader without spaCy: ``import spacy`` fails, as when the [nlp] extra is not installed."""
    monkeypatch.setattr(frames_module, "_NLP", {})
    monkeypatch.setitem(sys.modules, "spacy", None)
    return FrameReader(knowledge, lexicon, FramesSettings())


def one(reader: FrameReader, sentence: str, published: date | None = PUBLISHED) -> Frame:
    return reader.read(sentence, [(0, len(sentence))], published)[0]


def test_figures_count_the_nearest_outcome_in_their_clause(rules: FrameReader) -> None:
    frame = one(rules, "An airstrike hit the market, killing 5 and injuring 12.")
    assert [(f.value, f.counts) for f in frame.figures] == [(5, "kill"), (12, "wound")]
    assert [(f.value, f.counts) for f in one(rules, "36 fighters were killed.").figures] == [(36, "kill")]
    assert [(f.value, f.counts) for f in one(rules, "12 people were wounded.").figures] == [(12, "wound")]
    frame = one(rules, "In the strike, at least thirty-six people were killed and 1,200 fled.")
    assert [(f.text, f.value, f.counts) for f in frame.figures] == [
        ("at least thirty-six", 36, "kill"), ("1,200", 1200, "displace")]


def test_vague_quantities_and_numbers_that_are_not_figures(rules: FrameReader) -> None:
    frame = one(rules, "Dozens were wounded on 3 March 2019 at 10:30 in 2017, when 4 soldiers died.")
    assert [(f.text, f.value, f.counts) for f in frame.figures] == [("Dozens", None, "wound"), ("4", 4, "kill")]
    assert [f.value for f in one(rules, "Two people and 2000 civilians fled.").figures] == [2, 2000]
    assert one(rules, "12 airstrikes killed 7 people.").figures[0].counts is None  # counts strikes, not deaths


@pytest.mark.parametrize(("words", "day"), [
    ("last Saturday", date(2019, 2, 9)),
    ("on Saturday", date(2019, 2, 9)),
    ("on Thursday", date(2019, 2, 14)),  # the most recent one on or before publication: the same day
    ("yesterday", date(2019, 2, 13)),
    ("two days ago", date(2019, 2, 12)),
    ("3 March", date(2018, 3, 3)),  # without a year, and after publication in 2019: the year before
    ("3 February", date(2019, 2, 3)),
    ("March 3, 2019", date(2019, 3, 3)),
    ("the 3rd of March 2019", date(2019, 3, 3)),
    ("2019-03-03", date(2019, 3, 3)),
])
def test_day_dates_resolve_against_publication(rules: FrameReader, words: str, day: date) -> None:
    (span,) = one(rules, f"The town was shelled {words}.").dates
    assert (span.start, span.end) == (day, day)
    assert span.text in words


@pytest.mark.parametrize(("words", "start", "end"), [
    ("in March 2018", date(2018, 3, 1), date(2018, 3, 31)),
    ("in January", date(2019, 1, 1), date(2019, 1, 31)),
    ("in March", date(2018, 3, 1), date(2018, 3, 31)),
    ("in 2017", date(2017, 1, 1), date(2017, 12, 31)),
    ("last week", date(2019, 2, 7), date(2019, 2, 13)),
    ("earlier this month", date(2019, 2, 1), date(2019, 2, 14)),
    ("overnight", date(2019, 2, 13), date(2019, 2, 14)),
    ("in mid-December 2018", date(2018, 12, 9), date(2018, 12, 21)),
    ("in early January", date(2019, 1, 1), date(2019, 1, 11)),
    ("in late February 2016", date(2016, 2, 19), date(2016, 2, 29)),
    ("in Late March 2017", date(2017, 3, 19), date(2017, 3, 31)),
])
def test_month_year_and_week_ranges(rules: FrameReader, words: str, start: date, end: date) -> None:
    (span,) = one(rules, f"Fighting went on {words}.").dates
    assert (span.start, span.end) == (start, end)


def test_report_date_stays_apart_and_nothing_is_guessed_without_it(rules: FrameReader) -> None:
    assert one(rules, "Fighters clashed near the border.").dates == []  # publication date is not an event date
    frame = one(rules, "On Saturday, and yesterday, and on 3 March, and in March 2018.", published=None)
    assert [d.start for d in frame.dates] == [date(2018, 3, 1)]


def test_places_after_cue_words_never_months_weekdays_or_actors(rules: FrameReader) -> None:
    frame = one(rules, "Two people were killed near the village of Al-Shaafa on Saturday.")
    assert frame.places == ["Al-Shaafa"]
    assert one(rules, "Daesh made its last stand in Baghuz in March.").places == ["Baghuz"]
    assert one(rules, "The SDF fought in Deir ez-Zor province.").places == ["Deir ez-Zor"]
    assert one(rules, "Clashes broke out in Daesh territory on Monday.").places == []
    assert one(rules, "Forces on the eastern bank of the Euphrates were fired upon.").places == ["Euphrates"]


def test_sources_as_written(rules: FrameReader) -> None:
    assert one(rules, "Five were killed, according to SANA.").sources == ["SANA"]
    assert one(rules, "An airstrike hit the market, the Observatory said.").sources == ["the Observatory"]
    assert one(rules, "Activists said the town fell; state media denied it.").sources == ["Activists", "state media"]
    assert one(rules, "The SDF's spokesman denied it.").sources == ["SDF"]
    assert one(rules, '"We will stay," he said.').sources == []


def test_a_noun_or_a_time_before_a_verb_of_saying_names_no_speaker(rules: FrameReader) -> None:
    assert one(rules, "On 23 March, some early reports circulated that the SDF had taken the dam.").sources == []
    assert one(rules, "The SDF took Manbij and some days later announced a new offensive.").sources == []
    assert one(rules, "Local officials later announced a curfew.").sources == ["Local officials"]


def test_a_speaker_phrase_starts_at_its_own_article(rules: FrameReader) -> None:
    """'during the airstrikes the same source said': the speaker is 'the same source'; an article inside a
    prepositional phrase belongs to the speaker's phrase ('the head of the local council')."""
    assert one(rules, "Cars burned during the airstrikes the same source said.").sources == ["the same source"]
    assert one(rules, "The head of the local council said the market was hit.").sources == [
        "The head of the local council"]


def test_actors_events_and_outcomes(rules: FrameReader) -> None:
    frame = one(rules, "Daesh and ISIL fighters ambushed QSD units; two were killed and the town was captured.")
    assert frame.actors == ["actor_isis", "actor_sdf"]
    assert {"attack", "capture"} <= set(frame.event_types)
    assert {"kill", "capture"} <= set(frame.outcomes)
    assert "chemical attack" in one(rules, "Victims showed signs of sarin exposure.").event_types


def test_offsets_are_absolute_and_passages_read_later(rules: FrameReader) -> None:
    text = "Header line.\nAn airstrike hit Hajin. 36 fighters were killed."
    sentences = [(13, 36), (37, len(text))]
    frames = rules.read(text, sentences, PUBLISHED)
    assert [(f.start, f.end) for f in frames] == sentences
    passage = Passage(passage_id="p", doc_id="d", ordinal=0, start=13, end=len(text), text=text[13:],
                      sentences=sentences)
    assert rules.read_passage(passage, PUBLISHED) == frames
    view = PassageView(passage=passage, title="t", published=PUBLISHED)
    assert frames_for(view, rules) == frames  # stored before frames: read now
    stored = passage.model_copy(update={"frames": frames[:1]})
    assert frames_for(stored, rules) == frames[:1]  # stored: used as is


def test_without_spacy_one_warning_names_the_extra(rules: FrameReader, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.knowledge.frames"):
        one(rules, "Two were killed in Raqqa, according to SANA.")
        frame = one(rules, "The Observatory said 36 died in Baghuz.")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "sitrep[nlp]" in warnings[0].getMessage()
    assert frame.places == ["Baghuz"] and frame.figures[0].counts == "kill"


def test_bad_events_file_names_file_and_field(monkeypatch: pytest.MonkeyPatch) -> None:
    real = loader._packaged

    def packaged(name: str) -> tuple[str, str]:
        if name == "events.yaml":
            return "version: 1\nevent_types: {airstrike: '(unclosed'}\nsource_verbs: [said]\n", "data/events.yaml"
        return real(name)

    load_knowledge.cache_clear()
    monkeypatch.setattr(loader, "_packaged", packaged)
    try:
        with pytest.raises(KnowledgeError) as err:
            load_knowledge()
        assert "data/events.yaml" in str(err.value) and "event_types" in str(err.value)
    finally:
        monkeypatch.undo()
        load_knowledge.cache_clear()


def test_reader_without_ner_never_loads_spacy(monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge,
                                              lexicon: Lexicon) -> None:
    monkeypatch.setattr(frames_module, "_NLP", {})
    reader = FrameReader(knowledge, lexicon, FramesSettings(), ner=False)
    assert one(reader, "Two were killed in Raqqa.").places == ["Raqqa"]
    assert frames_module._NLP == {}


class _CountingNlp:
    """A blank spaCy pipeline (no model to load) whose entity ruler marks 'Baghuz'; counts what NER is given."""

    def __init__(self) -> None:
        import spacy

        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("entity_ruler").add_patterns([{"label": "GPE", "pattern": "Baghuz"}])
        self.seen: list[str] = []

    def pipe(self, texts: Iterable[str], batch_size: int = 1) -> Iterator[Any]:
        texts = list(texts)
        self.seen += texts
        return self.nlp.pipe(texts, batch_size=batch_size)


def test_spacy_tokens_are_read_from_offsets_as_from_token_objects() -> None:
    """``_parsed`` reads (offset, length) arrays instead of Token objects: the same tokens, non-ASCII included."""
    pytest.importorskip("spacy")
    doc = _CountingNlp().nlp("Shelling  hit Al-Bab\tand Ra\u2019s al-\u2018Ayn, 3.5km away; 'none' said.")
    assert _parsed(doc)[0] == [(t.idx, t.idx + len(t.text), t.text) for t in doc]


def test_a_repeated_sentence_goes_through_ner_once_and_reads_the_same(
        monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge, lexicon: Lexicon) -> None:
    pytest.importorskip("spacy")
    fake = _CountingNlp()
    settings = FramesSettings()
    monkeypatch.setattr(frames_module, "_NLP", {settings.spacy_model: fake})
    reader = FrameReader(knowledge, lexicon, settings)
    line = "Two people were killed in Baghuz, the SDF said."
    text = f"{line} {line} nothing capital here."
    spans = [(0, len(line)), (len(line) + 1, 2 * len(line) + 1), (2 * len(line) + 2, len(text))]
    first, second, third = reader.read(text, spans, PUBLISHED)
    assert fake.seen == [line]
    assert "Baghuz" in first.places and second.model_copy(update={"start": 0, "end": len(line)}) == first
    assert third.places == []


@pytest.mark.model
def test_spacy_ner_finds_names_and_keeps_only_ner(knowledge: Knowledge, lexicon: Lexicon) -> None:
    reader = FrameReader(knowledge, lexicon, FramesSettings())
    if reader.nlp is None:
        pytest.skip("the spaCy model of the [nlp] extra is not installed")
    assert reader.nlp.pipe_names == ["ner"]
    frame = one(reader, "The Syrian Observatory for Human Rights said two people were killed near the village "
                        "of Al-Shaafa, and WHO reported 36 deaths in Baghuz.")
    assert "Al-Shaafa" in frame.places and "Baghuz" in frame.places
    assert "Al-Shaafa" not in frame.names
    # the Observatory is in the actor registry now (a monitor): an actor, not an unregistered name
    assert any("Syrian Observatory for Human Rights" in n for n in frame.names) or "actor_sohr" in frame.actors
    assert any("Syrian Observatory for Human Rights" in s for s in frame.sources) and "WHO" in frame.sources


@pytest.mark.model
def test_a_document_calls_a_name_a_place_everywhere_once_it_is_one(knowledge: Knowledge, lexicon: Lexicon) -> None:
    reader = FrameReader(knowledge, lexicon, FramesSettings())
    if reader.nlp is None:
        pytest.skip("the spaCy model of the [nlp] extra is not installed")
    text = "Fighting went on in Al-Susah. Daesh still holds Al-Susah, according to the SDF."
    first, second = reader.read(text, [(0, 29), (30, len(text))], PUBLISHED)
    assert first.places == ["Al-Susah"] and "Al-Susah" in second.places and "Al-Susah" not in second.names


def test_a_retrospective_document_dates_by_the_years_its_text_names(rules: FrameReader) -> None:
    text = ("The offensive began on 6 June 2017. On 23 June the SDF reached the dam. On 2 July they rested. "
            "The front moved east on 1 December 2018. On 4 December the town fell.")
    frames = rules.read(text, split_sentences(text), date(2023, 10, 16))  # revised six years later
    days = [[(d.start, d.end) for d in f.dates] for f in frames]
    assert days[1] == [(date(2017, 6, 23), date(2017, 6, 23))]
    assert days[2] == [(date(2017, 7, 2), date(2017, 7, 2))]
    assert days[4] == [(date(2018, 12, 4), date(2018, 12, 4))]


def test_a_news_report_still_dates_by_its_publication(rules: FrameReader) -> None:
    text = "The siege began in 2014. On 23 March the SDF reached the dam, a year after the 2018 offensive."
    frames = rules.read(text, split_sentences(text), date(2019, 3, 25))
    assert [(d.start, d.end) for d in frames[1].dates][0] == (date(2019, 3, 23), date(2019, 3, 23))


def test_a_news_report_recalling_an_old_year_is_not_retrospective(rules: FrameReader) -> None:
    text = "Warplanes struck Idlib on March 23, killing 20. The war, which began in 2011, has killed thousands."
    frames = rules.read(text, split_sentences(text), date(2016, 3, 25))
    assert [(d.start, d.end) for d in frames[0].dates] == [(date(2016, 3, 23), date(2016, 3, 23))]


def test_an_article_quoting_today_or_telling_of_an_overnight_raid_is_still_retrospective(rules: FrameReader) -> None:
    """Narrative words ('overnight', 'the previous week') and one quoted 'today' among many firm dates do not make
    an encyclopedia article speak from its own day; its yearless dates take the year it last named."""
    text = ("The offensive began on 6 June 2017. Overnight the SDF reached the dam. "
            "It held on 9 June 2017 and 12 June 2017. "
            "On 1 July 2017 a commander said \"today we rest\". The town fell on 3 August 2017. "
            "The previous week had been quiet. On 2 September 2017 the front moved. On 4 September 2017 it stopped. "
            "By 1 October 2017 the river was reached. On 3 October 2017 the dam was repaired. Talks on 5 and "
            "6 October 2017 failed. On 23 October a "
            "convoy arrived.")
    frames = rules.read(text, split_sentences(text), date(2023, 10, 16))
    assert [(d.start, d.end) for d in frames[-1].dates] == [(date(2017, 10, 23), date(2017, 10, 23))]


def test_a_report_speaking_from_its_own_day_is_news_whatever_years_it_recalls(rules: FrameReader) -> None:
    text = ("Warplanes struck the town on Saturday. The siege began on 2 May 2012 and tightened on 9 June 2013. "
            "On 23 March fighters withdrew.")
    frames = rules.read(text, split_sentences(text), date(2016, 3, 25))
    assert [(d.start, d.end) for d in frames[-1].dates] == [(date(2016, 3, 23), date(2016, 3, 23))]


@pytest.mark.model
def test_ner_multiplies_on_one_openblas_thread_and_finds_what_blis_finds(
        knowledge: Knowledge, lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline is built on numpy's OpenBLAS (a quarter less CPU than BLIS here); reading limits BLAS to one
    thread and gives the previous limit back; the entities are those BLIS finds."""
    reader = FrameReader(knowledge, lexicon, FramesSettings())
    if reader.nlp is None:
        pytest.skip("the spaCy model of the [nlp] extra is not installed")
    import spacy
    from thinc.api import use_ops
    from threadpoolctl import threadpool_info

    assert reader.nlp.get_pipe("ner").model.ops.use_blis is False
    blas = lambda: [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]  # noqa: E731
    before, seen = blas(), []
    pipe = reader.nlp.pipe
    monkeypatch.setattr(reader.nlp, "pipe", lambda texts, **kw: (seen.append(blas()), pipe(texts, **kw))[1])
    sentences = ["Government forces retook Palmyra from Islamic State fighters on Sunday, Reuters reported.",
                 "The Syrian Observatory for Human Rights said 12 civilians died in Douma and Harasta."]
    ours = [[(s, e, label) for s, e, label in ents] for _, ents in reader._entities(sentences)]
    assert seen and seen[0] and all(n == 1 for n in seen[0]) and blas() == before
    with use_ops("numpy", use_blis=True):
        blis = spacy.load(FramesSettings().spacy_model, exclude=frames_module._UNUSED)
    assert ours == [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in blis.pipe(sentences)]
    assert any(ours)
