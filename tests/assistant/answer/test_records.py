"""Answers built from structured records: control timeline, incident records, who claims what.

Pure: records and passages are pydantic models written here (DEMO MATERIAL: invented places, sources, events).
"""

from __future__ import annotations

from datetime import date

from assistant.answer import split_statements
from assistant.answer.records import claims_answer, control_answer, incidents_answer, with_records
from assistant.answer.route import Route
from assistant.conflict.control import timeline
from assistant.conflict.models import ClaimSet, ControlClaim, Incident, SourceClaim
from assistant.models import Passage, PassageView, RetrievedPassage

TEXT = {  # doc id -> stored text (DEMO MATERIAL)
    "demo/a.txt": "The SDF captured Tell Marwan on 2 May 2020. Daesh retook Tell Marwan on 11 May 2020.",
    "demo/b.txt": "Tell Marwan remained in the hands of the SDF on 11 May 2020, the Demo Agency said.",
    "demo/c.txt": "A coalition airstrike hit Tell Marwan on 3 May 2020, killing 4 fighters.",
}


def _view(doc_id: str, source: str) -> PassageView:
    text = TEXT[doc_id]
    passage = Passage(passage_id=f"{doc_id}#0", doc_id=doc_id, ordinal=0, start=0, end=len(text), text=text)
    return PassageView(passage=passage, title=doc_id, source=source, published=date(2020, 5, 12))


VIEWS = {v.passage.passage_id: v for v in (_view("demo/a.txt", "Demo Wire"), _view("demo/b.txt", "Demo Agency"),
                                          _view("demo/c.txt", "Demo Monitor"))}


def _span(doc_id: str, sentence: str) -> dict[str, object]:
    start = TEXT[doc_id].index(sentence)
    return {"doc_id": doc_id, "passage_id": f"{doc_id}#0", "start": start, "end": start + len(sentence),
            "quote": sentence, "title": doc_id, "published": date(2020, 5, 12)}


def _claim(doc_id: str, sentence: str, actor: str, name: str, kind: str, holds: bool | None, day: date,
           source: str) -> ControlClaim:
    return ControlClaim(**_span(doc_id, sentence), source=source, place="Tell Marwan", actor=actor,  # type: ignore[arg-type]
                        actor_name=name, kind=kind, holds=holds, cue=kind, as_of=day, date_basis="event")


CAPTURE = _claim("demo/a.txt", "The SDF captured Tell Marwan on 2 May 2020.", "actor_sdf",
                 "Syrian Democratic Forces", "capture", True, date(2020, 5, 2), "Demo Wire")
RETOOK = _claim("demo/a.txt", "Daesh retook Tell Marwan on 11 May 2020.", "actor_isis", "Islamic State",
                "recapture", True, date(2020, 5, 11), "Demo Wire")
HELD = _claim("demo/b.txt", "Tell Marwan remained in the hands of the SDF on 11 May 2020, the Demo Agency said.",
              "actor_sdf", "Syrian Democratic Forces", "control", True, date(2020, 5, 11), "Demo Agency")


def _retrieved() -> list[RetrievedPassage]:
    return [RetrievedPassage(view=VIEWS["demo/c.txt#0"], score=1.0, rank=1)]


def test_holder_names_the_latest_holder_and_cites_each_source() -> None:
    route = Route(name="control", mode="holder", places=["Tell Marwan"])
    answer = control_answer("Who held Tell Marwan on 5 May 2020?", route,
                            timeline("Tell Marwan", [CAPTURE, RETOOK], as_of=date(2020, 5, 5)), VIEWS,
                            _retrieved(), max_sources=4, max_listed=6)
    assert answer is not None and not answer.abstained
    assert answer.text.startswith("Syrian Democratic Forces held Tell Marwan as of 5 May 2020")
    assert [c.quote for c in answer.citations] == [CAPTURE.quote]  # the retaking of 11 May is after as_of
    c = answer.citations[0]
    assert TEXT[c.doc_id][c.start:c.end] == c.quote and c.marker == 1
    assert answer.debug["route"]["records"] == [CAPTURE.cite()]
    # the record's passage joins the retrieved ones, ranked after them (retrieval metrics still see retrieval)
    assert [(p.view.passage.passage_id, p.rank) for p in answer.passages] == [("demo/c.txt#0", 1),
                                                                             ("demo/a.txt#0", 2)]


def test_holder_says_when_sources_disagree_on_the_latest_day() -> None:
    route = Route(name="control", mode="holder", places=["Tell Marwan"])
    answer = control_answer("Who holds Tell Marwan?", route, timeline("Tell Marwan", [CAPTURE, RETOOK, HELD]), VIEWS,
                            [], max_sources=4, max_listed=6)
    assert answer is not None
    assert answer.text.startswith("The sources disagree about who held Tell Marwan by the latest claim (11 May 2020)")
    lines = answer.text.splitlines()[1:]
    assert any("per Demo Wire: Islamic State recaptured Tell Marwan" in line for line in lines)
    assert any("per Demo Agency: Syrian Democratic Forces held Tell Marwan" in line for line in lines)
    assert len(answer.citations) == 2 and {s.markers[0] for s in answer.statements} == {1, 2}
    assert [m for _, m in split_statements(answer.text)] == [[1], [2]]


def test_change_lists_hand_changes_of_the_subject_and_returns_none_when_uncovered() -> None:
    tl = timeline("Tell Marwan", [CAPTURE, RETOOK, HELD])
    every = control_answer("When did Tell Marwan change hands?", Route(name="control", mode="change"), tl, VIEWS, [],
                           max_sources=4, max_listed=6)
    assert every is not None and [c.quote for c in every.citations] == [CAPTURE.quote, RETOOK.quote]  # not 'held'
    assert "2 May 2020, per Demo Wire: Syrian Democratic Forces captured Tell Marwan" in every.text
    isis = control_answer("When did Daesh retake Tell Marwan?", Route(name="control", mode="change",
                          actors=["actor_isis", "actor_sdf"], again=True), tl, VIEWS, [], max_sources=4, max_listed=6)
    assert isis is not None and [c.quote for c in isis.citations] == [RETOOK.quote]
    lost = Route(name="control", mode="change", actors=["actor_sdf"], loses=True)  # no withdrawal claim of the SDF
    assert control_answer("When did the SDF lose Tell Marwan?", lost, tl, VIEWS, [], 4, 6) is None
    assert control_answer("Who holds Tell Marwan?", Route(name="control", mode="holder"), timeline("Tell Marwan", []),
                          VIEWS, [], 4, 6) is None


def _incident(day: date) -> Incident:
    return Incident(**_span("demo/c.txt", "A coalition airstrike hit Tell Marwan on 3 May 2020, killing 4 fighters."),  # type: ignore[arg-type]
                    source="Demo Monitor", event_types=["airstrike"], as_of=day, date_basis="event",
                    places=["Tell Marwan"], killed=["4"])


def test_incidents_count_and_list_with_citations() -> None:
    found = [_incident(date(2020, 5, 3))]
    count = incidents_answer("How many airstrike incidents were reported in Tell Marwan?",
                             Route(name="incidents", mode="count", event_type="airstrike"), found,
                             "airstrike in Tell Marwan", VIEWS, _retrieved(), max_listed=6)
    assert count is not None and count.text.startswith("1 report of airstrike in Tell Marwan in the index")
    assert "3 May 2020, airstrike in Tell Marwan; killed 4, per Demo Monitor" in count.text
    assert count.citations[0].quote == found[0].quote and len(count.passages) == 1  # already retrieved
    route = Route.model_validate({"name": "incidents", "mode": "list", "event_type": "airstrike",
                                  "dates": [{"text": "June", "month": 6}]})
    assert incidents_answer("List the airstrikes in June", route, found, "airstrike", VIEWS, [], 6) is None
    many = [_incident(date(2020, 5, d)) for d in range(1, 10)]
    listed = incidents_answer("List the airstrikes", Route(name="incidents", mode="list", event_type="airstrike"),
                              many, "airstrike", VIEWS, [], max_listed=3)
    assert listed is not None and len(listed.citations) == 1  # one sentence: one citation, not nine
    assert listed.text.startswith("9 incident records of airstrike")


def test_claims_answer_names_each_source_and_the_disagreement() -> None:
    a = SourceClaim(**_span("demo/a.txt", "Daesh retook Tell Marwan on 11 May 2020."), source="Demo Wire",  # type: ignore[arg-type]
                    claimant="Demo Wire", figures=["12"])
    b = SourceClaim(**_span("demo/b.txt", "Tell Marwan remained in the hands of the SDF on 11 May 2020, the Demo "  # type: ignore[arg-type]
                                          "Agency said."), source="Demo Wire", claimant="Demo Agency", figures=["3"])
    cs = ClaimSet(question="What does each side claim?", claims=[a, b], disagree=True, differences=["figures"])
    answer = claims_answer(cs, Route(name="claims"), VIEWS, [])
    assert answer is not None
    assert answer.text.startswith("The sources disagree (figures differ)")
    assert "According to Demo Agency, as reported by Demo Wire (12 May 2020)" in answer.text
    assert [c.doc_id for c in answer.citations] == ["demo/a.txt", "demo/b.txt"]
    assert claims_answer(ClaimSet(question="q"), Route(name="claims"), VIEWS, []) is None
    assert with_records([], [a, a], VIEWS)[0].rank == 1 and len(with_records([], [a, a], VIEWS)) == 1


def test_control_answer_reads_only_the_views_of_the_records_it_shows() -> None:
    """Given what reads views, the answer asks only for the passages of the claims it shows (a much-named place
    has hundreds of claims) and is the answer given every view."""
    tl = timeline("Tell Marwan", [CAPTURE, RETOOK, HELD])
    route = Route(name="control", mode="change", actors=["actor_isis", "actor_sdf"], again=True)
    asked: list[set[str]] = []

    def read(ids: set[str]) -> dict[str, PassageView]:
        asked.append(ids)
        return {pid: view for pid, view in VIEWS.items() if pid in ids}

    lazy = control_answer("When did Daesh retake Tell Marwan?", route, tl, read, [], max_sources=4, max_listed=6)
    assert lazy == control_answer("When did Daesh retake Tell Marwan?", route, tl, VIEWS, [], 4, 6)
    assert asked == [{RETOOK.passage_id}] and len({c.passage_id for c in tl.claims}) > 1
