"""Territorial control: claims read from sentences, ordered by date, cut by as_of, attributed per source.

Every report below is DEMO MATERIAL written for these tests: invented places (Tell Marwan, Kafr Zeita, Ain Salma)
and invented events; none of it is real reporting.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.conflict import ControlReader
from assistant.conflict.control import place_pattern, timeline
from assistant.core import Assistant
from assistant.errors import IndexEmptyError, QuestionError
from assistant.knowledge import Lexicon, load_knowledge
from assistant.knowledge import frames as frames_module
from assistant.knowledge.frames import FrameReader
from assistant.knowledge.loader import ControlCues, control_cues
from assistant.models import Passage, PassageView
from assistant.settings import Settings

MakeAssistant = Callable[..., Assistant]

DEMO = {  # DEMO MATERIAL: invented reports, written for these tests
    "wire/capture.txt": "Title: SDF takes Tell Marwan\nSource: Demo Wire\nDate: 2020-05-04\n\n"
                        "The SDF captured Tell Marwan on 2 May 2020 after two days of clashes. "
                        "Residents said the market was closed.\n",
    "wire/withdrawal.txt": "Title: Pull-back from Tell Marwan\nSource: Demo Wire\nDate: 2020-05-12\n\n"
                           "SDF fighters withdrew from Tell Marwan on 10 May 2020 under heavy shelling.\n",
    "monitor/daesh.txt": "Title: Daesh back in Tell Marwan\nSource: Demo Monitor\nDate: 2020-05-13\n\n"
                         "Daesh captured Tell Marwan on 11 May 2020, the Demo Monitor said.\n",
    "state/kafr.txt": "Title: Kafr Zeita\nSource: Demo State Agency\nDate: 2020-06-02\n\n"
                      "Government forces took full control of Kafr Zeita on 1 June 2020.\n",
    "opposition/kafr.txt": "Title: Kafr Zeita holds\nSource: Demo Opposition Outlet\nDate: 2020-06-03\n\n"
                           "Kafr Zeita remained in the hands of the Free Syrian Army on 2 June 2020.\n",
    "wire/ain.txt": "Title: Ain Salma\nSource: Demo Wire\nDate: 2020-07-05\n\n"
                    "The town of Ain Salma, the last stronghold of ISIL in the valley, has been under siege since "
                    "June. The SDF captured three fighters in the Ain Salma pocket on 3 July 2020.\n",
}


@pytest.fixture
def reports(ingested: Callable[..., Assistant]) -> Assistant:
    """The demo reports ingested without frames: claims are read by rules from the passage text."""
    return ingested(DEMO)


def test_capture_then_withdrawal_then_capture_in_date_order(reports: Assistant) -> None:
    tl = reports.control("Tell Marwan")
    got = [(c.as_of, c.actor, c.kind, c.holds, c.date_basis) for c in tl.claims]
    assert got == [
        (date(2020, 5, 2), "actor_sdf", "capture", True, "event"),
        (date(2020, 5, 10), "actor_sdf", "withdrawal", False, "event"),
        (date(2020, 5, 11), "actor_isis", "capture", True, "event"),  # 'Daesh' is the Islamic State
    ]
    first = tl.claims[0]
    assert first.actor_name == "Syrian Democratic Forces" and first.cue == "captured"
    doc = reports.document(first.doc_id)
    assert doc is not None and doc.text[first.start:first.end] == first.quote
    assert first.quote == "The SDF captured Tell Marwan on 2 May 2020 after two days of clashes."
    assert first.doc_id == "demo/wire/capture.txt" and first.source == "Demo Wire"


def test_latest_claim_per_source(reports: Assistant) -> None:
    tl = reports.control("tell marwan")  # case-insensitive
    assert set(tl.latest) == {"Demo Wire", "Demo Monitor"}
    assert tl.latest["Demo Wire"].kind == "withdrawal" and tl.latest["Demo Wire"].holds is False
    assert tl.latest["Demo Monitor"].actor == "actor_isis"


def test_as_of_cuts_the_timeline(reports: Assistant) -> None:
    tl = reports.control("Tell Marwan", as_of=date(2020, 5, 10))
    assert [c.kind for c in tl.claims] == ["capture", "withdrawal"]
    assert tl.as_of == date(2020, 5, 10) and set(tl.latest) == {"Demo Wire"}
    assert reports.control("Tell Marwan", as_of=date(2020, 5, 1)).claims == []


def test_sources_disagreeing_are_both_kept_and_attributed(reports: Assistant) -> None:
    tl = reports.control("Kafr Zeita")
    by_source = {c.source: c for c in tl.claims}
    assert set(by_source) == {"Demo State Agency", "Demo Opposition Outlet"}
    assert by_source["Demo State Agency"].actor == "actor_saa"
    assert by_source["Demo State Agency"].kind == "capture"
    assert by_source["Demo Opposition Outlet"].actor == "actor_fsa"  # not the SAA's 'syrian army' inside it
    assert by_source["Demo Opposition Outlet"].kind == "control"
    assert tl.latest["Demo State Agency"].as_of == date(2020, 6, 1)
    assert tl.latest["Demo Opposition Outlet"].as_of == date(2020, 6, 2)


def test_stronghold_and_siege_and_captured_people_are_told_apart(reports: Assistant) -> None:
    tl = reports.control("Ain Salma")
    kinds = [(c.kind, c.actor, c.holds) for c in tl.claims]
    assert ("stronghold", "actor_isis", True) in kinds
    assert all(c.kind != "capture" for c in tl.claims)  # 'captured three fighters in the Ain Salma pocket'
    stronghold = next(c for c in tl.claims if c.kind == "stronghold")
    assert stronghold.date_basis == "published" and stronghold.as_of == date(2020, 7, 5)


def test_unknown_place_has_no_claims_and_bad_input_errors(reports: Assistant, make_assistant: MakeAssistant,
                                                          tmp_path: Path) -> None:
    assert reports.control("Atlantis").claims == []
    with pytest.raises(QuestionError):
        reports.control("  ")
    with pytest.raises(IndexEmptyError):
        make_assistant(index=tmp_path / "empty").control("Tell Marwan")


def _read(sentence: str, published: date = date(2019, 1, 10)) -> list[tuple[str | None, str, bool | None, date | None]]:
    """Claims about Al-Shaafa in one sentence, read by rules: (actor, kind, holds, as_of)."""
    knowledge = load_knowledge()
    lexicon = Lexicon(knowledge.actors)
    reader = ControlReader(control_cues(), lexicon)
    rules = FrameReader(knowledge, lexicon, Settings(), ner=False)
    text = sentence
    passage = Passage(passage_id="p", doc_id="d", ordinal=0, start=0, end=len(text), text=text,
                      sentences=[(0, len(text))])
    view = PassageView(passage=passage, title="t", source="S", published=published)
    frames = rules.read_passage(passage, published)
    return [(c.actor, c.kind, c.holds, c.as_of) for c in reader.claims(view, frames, place_pattern("Al-Shaafa"))]


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames_module, "_NLP", {})
    monkeypatch.setitem(sys.modules, "spacy", None)


def test_one_sentence_holds_several_claims_each_with_its_date(rules_only: None) -> None:
    got = _read("The SDF captured Al-Shaafa on 4 January 2019, the Islamic State retook Al-Shaafa on 7 January 2019, "
                "and the SDF recaptured Al-Shaafa on 10 January 2019.")
    assert got == [("actor_sdf", "capture", True, date(2019, 1, 4)),
                   ("actor_isis", "recapture", True, date(2019, 1, 7)),
                   ("actor_sdf", "recapture", True, date(2019, 1, 10))]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Shaafa fell to Daesh on 7 January 2019.", [("actor_isis", "fall", True, date(2019, 1, 7))]),
    ("Al-Shaafa was recaptured by the SDF on 10 January 2019.", [("actor_sdf", "recapture", True, date(2019, 1, 10))]),
    ("ISIS fighters pulled out of Al-Shaafa.", [("actor_isis", "withdrawal", False, date(2019, 1, 10))]),
    ("Coalition jets struck positions south of Al-Shaafa after the SDF captured the village.", []),
    ("An SDF convoy took the road near Al-Shaafa.", []),
    ("The SDF captured ten IS fighters in Al-Shaafa.", []),
    ("Our forces captured Al-Shaafa.", []),  # no actor named: no claim of control
    # a count of other things was taken, not the place; a share of the place is still a claim about it
    ("By 20 August, the SDF had captured 16 villages since the conquest of Al-Shaafa.", []),
    ("On 4 June, the SDF captured another eight villages, and cut the road between Al-Shaafa and Hajin.", []),
    # a list of places taken names each of them; a place named as a bearing from another is not taken
    ("The SDF captured Hajin, Al-Susah and the village of Al-Shaafa.", [("actor_sdf", "capture", True,
                                                                         date(2019, 1, 10))]),
    ("The SDF captured Hajin south of Al-Shaafa.", []),
    ("The SDF assault began on 2 January 2019 and resulted in the capture of Hajin and Al-Shaafa on 9 January 2019.",
     [("actor_sdf", "capture", True, date(2019, 1, 9))]),
    ("The SDF controlled about 80 percent of Al-Shaafa.", [("actor_sdf", "control", True, date(2019, 1, 10))]),
    ("The SDF captured on 4 January 2019 the village of Al-Shaafa.", [("actor_sdf", "capture", True,
                                                                       date(2019, 1, 4))]),
])
def test_cue_patterns(rules_only: None, sentence: str, expected: list[object]) -> None:
    assert _read(sentence) == expected


def test_place_pattern_keeps_possessives_not_words_glued_by_an_apostrophe() -> None:
    din, rai = place_pattern("Din"), place_pattern("Rai")
    assert din.search("the fall of din's market") and din.search("din’s") and din.search("din-based")
    assert not din.search("ja'din, eastern") and not rai.search("abu rai'dah") and not rai.search("rai’dah")
    assert place_pattern("Zahra").search("zahra. nubl") and not place_pattern("Zahra").search("zahra'a and nubl")


def test_place_pattern_with_or_without_article() -> None:
    rx = place_pattern("Al-Shaafa")
    assert rx.search("captured al-shaafa") and rx.search("captured shaafa") and rx.search("as-shaafa")
    assert not rx.search("shaafana") and not rx.search("such as shaafa village".replace("as shaafa", "asshaafa"))
    assert place_pattern("Baghuz").search("baghuz fawqani")
    with pytest.raises(ValueError):
        place_pattern("al-")


def test_control_cues_are_validated() -> None:
    cues = control_cues()
    assert {c.kind for c in cues.cues} >= {"capture", "recapture", "control", "stronghold", "fall", "withdrawal",
                                            "siege"}
    with pytest.raises(ValueError):
        ControlCues.model_validate({"version": 1, "cues": [{"kind": "capture", "pattern": "(", "actor": "before",
                                                            "place": "after", "holds": True}]})
    with pytest.raises(ValueError):
        ControlCues.model_validate({"version": 1, "cues": [{"kind": "conquest", "pattern": "x", "actor": "before",
                                                            "place": "after", "holds": True}]})


def test_timeline_dedupes_and_sorts_undated_last() -> None:
    assert timeline("X", []).claims == [] and timeline("X", []).latest == {}


def test_claims_from_stored_frames(ingested: Callable[..., Assistant], rules_only: None) -> None:
    """With frames stored at ingest the same claims come from them (no reading at question time)."""
    base = Settings()
    assistant = ingested(DEMO, settings=base.model_copy(update={"frames": base.frames.model_copy(
        update={"enabled": True})}))
    views = assistant.store.views(assistant.store.docs.all_passage_ids())
    assert all(v.passage.frames is not None for v in views.values())
    assert [c.kind for c in assistant.control("Tell Marwan").claims] == ["capture", "withdrawal", "capture"]


def test_cli_control(tmp_path: Path, write_reports: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("SITREP_FRAMES__ENABLED", "false")
    runner = CliRunner()
    index = tmp_path / "idx"
    assert runner.invoke(app, ["ingest", str(write_reports(DEMO)), "--index", str(index)]).exit_code == 0
    out = runner.invoke(app, ["control", "Tell Marwan", "--index", str(index)])
    assert out.exit_code == 0, out.output
    assert "2020-05-02  capture    Syrian Democratic Forces holds Tell Marwan — per Demo Wire" in out.output
    assert "demo/wire/capture.txt:" in out.output and "Latest claim per source:" in out.output
    cut = runner.invoke(app, ["control", "Tell Marwan", "--as-of", "2020-05-02", "--json", "--index", str(index)])
    assert cut.exit_code == 0 and '"as_of": "2020-05-02"' in cut.output and "withdrawal" not in cut.output
    bad = runner.invoke(app, ["control", "Tell Marwan", "--as-of", "May", "--index", str(index)])
    assert bad.exit_code == 1 and "--as-of wants a date" in bad.output


def test_the_any_cue_filter_finds_a_cue_wherever_one_cue_does() -> None:
    """Sentences without any cue are skipped unread: the combined pattern must find one wherever a cue does
    (every sentence of the demo corpus, and each cue's own words)."""
    reader = ControlReader(control_cues(), Lexicon(load_knowledge().actors))
    assert reader._any_cue is not None
    corpus = Path(__file__).resolve().parents[3] / "eval" / "corpus"
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.rglob("*")) if p.is_file()]
    sentences = [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text)]
    assert len(sentences) > 500
    hits = 0
    for sentence in sentences:
        one = any(rx.search(sentence) for _, rx in reader._cues)
        assert bool(reader._any_cue.search(sentence)) == one, sentence
        hits += one
    assert hits > 20


def test_screen_keeps_exactly_the_sentences_that_hold_claims(rules_only: None) -> None:
    """The screen before views are parsed: a sentence keeps its cues when it names the place (not as a bearing),
    every sentence that yields a claim keeps them, and reading with the screen gives the same claims."""
    knowledge = load_knowledge()
    lexicon = Lexicon(knowledge.actors)
    reader = ControlReader(control_cues(), lexicon)
    rules = FrameReader(knowledge, lexicon, Settings(), ner=False)
    sentences = ["The SDF captured Al-Shaafa on 2 May.", "Residents of Al-Shaafa said the market was closed.",
                 "Clashes went on south of Al-Shaafa, where the SDF captured a hill.", "ISIS lost Hajin."]
    text = " ".join(sentences)
    spans, at = [], 100  # the passage starts at offset 100 of its document
    for s in sentences:
        spans.append((at, at + len(s)))
        at += len(s) + 1
    place = place_pattern("Al-Shaafa")
    screen = reader.screen(text, 100, spans, place)
    assert list(screen) == spans and [bool(c) for c in screen.values()] == [True, False, False, False]
    assert [sentences[0][s:e] for s, e, _ in screen[spans[0]]] == ["captured"]  # offsets in the sentence
    passage = Passage(passage_id="p", doc_id="d", ordinal=0, start=100, end=100 + len(text), text=text,
                      sentences=spans)
    view = PassageView(passage=passage, title="t", source="S", published=date(2019, 1, 10))
    frames = rules.read_passage(passage, date(2019, 1, 10))
    assert [(f.start, f.end) for f in frames] == spans  # a frame spans its sentence
    every = reader.claims(view, frames, place)
    assert [c.start for c in every] == [100]
    assert reader.claims(view, frames, place, screen) == every
    assert not any(reader.screen(text, 100, spans[1:], place).values())


def test_screened_control_gives_the_claims_of_reading_every_passage(reports: Assistant) -> None:
    """Assistant.control reads only the screened passages: the same timeline as reading every passage naming
    the place, for every place of the demo reports."""
    from assistant.conflict.actors import all_views, passages_matching
    from assistant.knowledge.frames import frames_for

    reader = ControlReader(control_cues(), reports.lexicon, {f"actor_{a.id}": a.name for a in reports.knowledge.actors})
    rules = FrameReader(reports.knowledge, reports.lexicon, reports.settings, ner=False)
    for place in ["Tell Marwan", "Kafr Zeita", "Ain Salma", "Nowhere"]:
        pattern = place_pattern(place)
        every = [c for view in all_views(reports.store, passages_matching(reports.store, pattern))
                 for c in reader.claims(view, frames_for(view, rules), pattern)]
        assert reports._read_control(place, pattern) == every
    assert len(reports.control("Tell Marwan").claims) == 3


def test_places_found_from_the_postings_are_those_the_folded_scan_finds(reports: Assistant) -> None:
    """passages_naming reads the postings of a place's rarest word, then confirms: the same passages as the scan
    of every folded text, for every place and alias the gazetteer knows and every capitalised name in the demo
    reports (with and without an article, hyphenated, possessive, a place nowhere); a place without a word that is
    an index term ('17', 'The') is scanned."""
    from assistant.conflict.actors import passages_matching, passages_naming, place_candidates

    names = {alias for p in reports.knowledge.places for alias in [p.name, *p.aliases]}
    for _, text in reports.store.docs.passage_texts():
        names.update(m.group(0) for m in re.finditer(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?", text))
    names.update({"Nowhere", "al-Tell Marwan", "Tell-Marwan", "17", "The", "Kafr Zeita's"})
    scanned = 0
    for name in sorted(names):
        expected = passages_matching(reports.store, place_pattern(name))
        assert passages_naming(reports.store, name) == expected, name
        candidates = place_candidates(reports.store, name)
        if candidates is None:
            scanned += 1
        else:
            assert set(expected) <= set(candidates), name
    assert len(names) > 100 and 0 < scanned < len(names) / 4


def test_sentence_spans_in_the_order_asked(reports: Assistant) -> None:
    ids = sorted(reports.store.docs.all_passage_ids())
    spans = reports.store.docs.sentence_spans(list(reversed(ids)) + ["missing"])
    assert [pid for pid, _, _, _ in spans] == list(reversed(ids))
    views = reports.store.views(ids)
    assert all(views[pid].passage.sentences == s and views[pid].passage.start == st for pid, st, _, s in spans)


def test_cues_skipped_by_their_literals_are_those_that_do_not_match() -> None:
    """A cue none of whose required literals is in a sentence is not run on it: the cues found are those of
    running every cue (every sentence of the demo corpus, each cue's own words, and non-ASCII twins)."""
    reader = ControlReader(control_cues(), Lexicon(load_knowledge().actors))
    assert reader._literals and len(reader._always) < len(reader._cues)
    corpus = Path(__file__).resolve().parents[3] / "eval" / "corpus"
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.rglob("*")) if p.is_file()]
    sentences = [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text)]
    sentences += ["The SDF CAPTURED Hajin.", "IS held Hajin for a year.", "ISIS \u017fEIZED Hajin.",
                  "Hajin fell to the SDF.", "the \u212aurds took Hajin"]
    hits = 0
    for sentence in sentences:
        every = [(m.start(), m.end(), cue) for cue, rx in reader._cues for m in rx.finditer(sentence)]
        every.sort(key=lambda f: (f[0] - f[1], f[0]))  # as _find_cues keeps them, without the literals
        kept: list[tuple[int, int, object]] = []
        for s, e, cue in every:
            if not any(s < ke and ks < e for ks, ke, _ in kept):
                kept.append((s, e, cue))
        assert reader._find_cues(sentence) == sorted(kept, key=lambda f: f[0]), sentence
        hits += bool(kept)
    assert hits > 20


def test_a_sentence_without_the_place_literal_does_not_name_the_place() -> None:
    """``_places`` tests the literal a place pattern requires before searching: never where the pattern would
    find the place (every place alias of the knowledge files over every sentence of the demo corpus)."""
    from assistant.conflict.control import _folded, _may_name

    corpus = Path(__file__).resolve().parents[3] / "eval" / "corpus"
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.rglob("*")) if p.is_file()]
    sentences = [_folded(s) for text in texts for s in re.split(r"(?<=[.!?])\s+", text)]
    sentences += [_folded(s) for s in ["Deir  ez-Zor fell.", "al-Bab and Al Bab", "RAQQĀ was held", "ar-Raqqa"]]
    places = {a for p in load_knowledge().places for a in p.aliases} | {"Deir ez-Zor", "al-Bab", "Raqqa"}
    named = 0
    for place in sorted(places):
        pattern = place_pattern(place)
        for sentence in sentences:
            if pattern.search(sentence):
                named += 1
                assert _may_name(sentence, pattern), (place, sentence)
    assert named > 100


def test_cues_stored_at_ingest_give_the_claims_of_screening_every_sentence(demo: Assistant,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The cues each sentence holds are found at ingest: a control question reading them gives the claims of
    screening every sentence anew, for every gazetteer place and capitalised name of the demo corpus."""
    reader, _ = demo._control_readers()
    ids = sorted(demo.store.docs.all_passage_ids())
    stored = demo.store.docs.annotations(reader.kind, ids, reader.version)
    assert set(stored) == set(ids) and sum(bool(c) for c in stored.values()) > 20
    assert demo.store.docs.annotations(reader.kind, ids, "another version") == {}
    names = {alias for p in demo.knowledge.places for alias in [p.name, *p.aliases]}
    for _, text in demo.store.docs.passage_texts():
        names.update(m.group(0) for m in re.finditer(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?", text))
    with_cues = {name: demo._read_control(name, place_pattern(name)) for name in sorted(names)}
    monkeypatch.setattr(demo.store.docs, "annotations", lambda kind, passage_ids, version: {})
    assert {name: demo._read_control(name, place_pattern(name)) for name in sorted(names)} == with_cues
    assert sum(len(claims) for claims in with_cues.values()) > 50


def test_sentence_cues_are_the_cues_found(rules_only: None) -> None:
    reader = ControlReader(control_cues(), Lexicon(load_knowledge().actors))
    sentence = "The SDF captured Hajin on 14 December 2018 and IS retook it on 2 January."
    found = reader._find_cues(sentence)
    assert found and reader.sentence_cues(sentence) == [(s, e, control_cues().cues.index(c)) for s, e, c in found]
    assert reader.sentence_cues("") == [] and reader.sentence_cues("Nothing happened here.") == []


def _no_whole_read(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> list[set[str] | None]:
    """Record the passages each claim read covers; fail on a read of every passage (``only`` None)."""
    reads: list[set[str] | None] = []
    original = assistant._read_control

    def read(place: str, pattern: re.Pattern[str], only: set[str] | None = None) -> list[object]:
        assert only is not None, f"{place} read whole"
        reads.append(only)
        return original(place, pattern, only)

    monkeypatch.setattr(assistant, "_read_control", read)
    return reads


def test_claims_are_kept_between_processes_and_brought_up_to_date(
        reports: Assistant, make_assistant: MakeAssistant, write_reports: Callable[..., Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A place's claims are kept in the index: another Assistant (a new process) reads them without reading the
    passages; after documents are added, replaced and removed it reads only those, and its timeline is the one
    reading every passage gives."""
    places = ["Tell Marwan", "Kafr Zeita", "Ain Salma", "Nowhere"]
    first = {place: reports.control(place) for place in places}
    settings = reports.settings

    def fresh() -> Assistant:
        return Assistant(settings, embedder=reports.embedder)

    again = fresh()
    reads = _no_whole_read(again, monkeypatch)
    assert {place: again.control(place) for place in places} == first and reads == []
    folder = write_reports({"wire/retake.txt": "Title: Tell Marwan retaken\nSource: Demo Wire\nDate: 2020-05-20\n\n"
                            "The SDF recaptured Tell Marwan on 19 May 2020.\n",  # DEMO MATERIAL
                            "state/kafr.txt": "Title: Kafr Zeita\nSource: Demo State Agency\nDate: 2020-06-02\n\n"
                            "Government forces seized Kafr Zeita on 31 May 2020.\n"}, "demo")
    reports.ingest([folder], progress=False)
    reports.remove("demo/monitor/daesh.txt")
    later = fresh()
    reads = _no_whole_read(later, monkeypatch)
    kept = {place: later.control(place) for place in places}
    assert reads and all(len(only) <= 2 for only in reads)  # the passages written since, not the corpus
    whole = fresh()
    assert kept == {place: whole.control(place) for place in places}
    marwan = [(c.actor_name, c.as_of) for c in kept["Tell Marwan"].claims]
    assert (None, date(2020, 5, 11)) not in marwan and len(marwan) == 3  # Daesh's claim removed, the retaking in
    assert [c.cue for c in kept["Kafr Zeita"].claims if c.source == "Demo State Agency"] == ["seized"]


def test_kept_claims_of_another_version_are_read_again(reports: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import core

    timeline_before = reports.control("Tell Marwan")
    monkeypatch.setattr(core, "_CLAIMS_VERSION", 99)
    other = Assistant(reports.settings, embedder=reports.embedder)
    _no_whole_read(other, monkeypatch)
    with pytest.raises(AssertionError, match="read whole"):
        other.control("Tell Marwan")
    monkeypatch.undo()
    assert Assistant(reports.settings, embedder=reports.embedder).control("Tell Marwan") == timeline_before


def test_an_ingest_keeps_the_claims_of_the_places_named_beside_a_cue(demo: Assistant,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """After the demo corpus's ingest (frames read), a control question about a place its reports fight over
    reads kept claims: the same as reading every passage."""
    kept = [k for (k,) in demo.store.docs.db.execute("SELECT key FROM derived WHERE key LIKE 'control:%'")]
    assert len(kept) > 10
    fresh = Assistant(demo.settings, embedder=demo.embedder)
    reads = _no_whole_read(fresh, monkeypatch)
    names = {m.group(0) for _, text in demo.store.docs.passage_texts()
             for m in re.finditer(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?", text)}
    timelines = {}
    for name in names:
        if f"control:{place_pattern(name).flags}:{place_pattern(name).pattern}" in kept:
            timelines[name] = fresh.control(name)
    assert reads == [] and sum(len(t.claims) for t in timelines.values()) > 5
    monkeypatch.undo()
    whole = Assistant(demo.settings, embedder=demo.embedder)
    assert {name: whole._read_control(name, place_pattern(name)) for name in timelines} == \
        {name: fresh._kept_control(name, place_pattern(name)) for name in timelines}
