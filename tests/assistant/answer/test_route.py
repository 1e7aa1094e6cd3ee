"""The question router: which route a question takes, read from routes.yaml (no index, no model).

The questions are written for these tests about invented places (Tell Marwan, Kafr Zeita); none is a gold question.
"""

from __future__ import annotations

import pytest

from assistant.answer import Analyser
from assistant.answer.route import Router
from assistant.knowledge.loader import KnowledgeError, load_route_cues, route_cues


@pytest.fixture(scope="module")
def router(analyser: Analyser) -> Router:
    return Router(route_cues(), analyser)


@pytest.mark.parametrize(("question", "name", "mode"), [
    ("Who holds Tell Marwan?", "control", "holder"),
    ("Who controlled Kafr Zeita on 2 June 2020?", "control", "holder"),
    ("Which side was in control of Tell Marwan in May 2020?", "control", "holder"),
    ("When did Tell Marwan change hands?", "control", "change"),
    ("Who captured Kafr Zeita?", "control", "change"),
    ("On what date did the SDF capture Tell Marwan?", "control", "change"),
    ("When did Daesh lose Tell Marwan?", "control", "change"),
    ("List the airstrikes near Tell Marwan in May 2020", "incidents", "list"),
    ("How many shelling incidents were reported in Kafr Zeita?", "incidents", "count"),
    ("What does each side claim about the Tell Marwan strike?", "claims", None),
    ("Who claimed responsibility for the bombing in Kafr Zeita?", "claims", None),
    ("What different figures were given for the dead in Kafr Zeita?", "claims", None),
])
def test_routes(router: Router, analyser: Analyser, question: str, name: str, mode: str | None) -> None:
    route = router.route(analyser.question(question))
    assert (route.name, route.mode) == (name, mode), route.reason


@pytest.mark.parametrize("question", [
    "How many people were killed in the strike on Tell Marwan?",  # a figure a report gives: retrieval
    "How many air strikes did the coalition carry out near Tell Marwan?",  # a figure, not a count of reports
    "How much of Tell Marwan did the SDF hold on 3 May 2020?",  # a share, not the holder
    "Who controlled the western part of Tell Marwan?",  # a part of the place
    "When did the SDF overrun the camp at Tell Marwan?",  # a site in the place
    "Who holds it now?",  # no place named
    "List everything",  # no event type
    "How many incidents were reported?",  # no event type, place, actor or date
])
def test_other_questions_go_to_retrieval(router: Router, analyser: Analyser, question: str) -> None:
    route = router.route(analyser.question(question))
    assert route.name == "retrieval", route


def test_route_reads_places_actors_dates_and_direction(router: Router, analyser: Analyser) -> None:
    route = router.route(analyser.question("On what date did Daesh retake Abu al-Khatir, south of Tell Marwan, "
                                           "from the SDF?"))
    assert route.name == "control" and route.mode == "change"
    assert route.places == ["Abu al-Khatir", "Tell Marwan"]
    assert route.actors == ["actor_isis", "actor_sdf"]  # in question order: the first is the subject
    assert route.again and not route.loses
    lost = router.route(analyser.question("When did the SDF withdraw from Deir ez-Zor?"))
    assert lost.places == ["Deir ez-Zor"] and lost.loses
    dated = router.route(analyser.question("Who held Kafr Zeita on 2 June 2020?"))
    assert str(dated.as_of()) == "2020-06-02"
    assert router.route(analyser.question("Who held Kafr Zeita in 2020?")).as_of().isoformat() == "2020-12-31"
    listed = router.route(analyser.question("List the airstrikes near Tell Marwan in May 2020"))
    assert listed.event_type == "airstrike" and listed.places == ["Tell Marwan"]
    assert listed.dates[0].month == 5 and "place" not in listed.debug() and listed.debug()["name"] == "incidents"


def test_bad_routes_file_names_file_and_field() -> None:
    good = "version: 1\ncontrol: {holder: [a], change: [b]}\nincidents: {listing: [c], counting: [d]}\n" \
           "claims: {contested: [e]}\n"
    assert load_route_cues(good, "routes.yaml").incidents.max_listed == 6
    with pytest.raises(KnowledgeError, match=r"my.yaml: field control.holder: .*not a regular expression"):
        load_route_cues(good.replace("[a]", "['(']"), "my.yaml")
    with pytest.raises(KnowledgeError, match=r"my.yaml: field claims"):
        load_route_cues(good.replace("claims: {contested: [e]}", ""), "my.yaml")
    with pytest.raises(KnowledgeError, match=r"my.yaml: field incidents.max_listed"):
        load_route_cues(good.replace("counting: [d]", "counting: [d], max_listed: 0"), "my.yaml")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        load_route_cues("control: [", "my.yaml")


def test_disputed_cue_is_compiled_once_with_the_router(router: Router) -> None:
    """Who-claims-what reads the router's one compiled 'disputed' pattern, not a pattern built per question."""
    assert router.disputed is not None and router.disputed.flags & 2  # re.IGNORECASE
    assert router.disputed.search("The coalition Denied striking the clinic")
    assert not router.disputed.search("The coalition struck the clinic")
    cues = route_cues()
    none = cues.model_copy(update={"claims": cues.claims.model_copy(update={"disputed": []})})
    assert Router(none, router.analyser).disputed is None
