"""The actor registry: packaged data validated, lookup under any alias, longest alias wins, cited mentions.

The reports below are DEMO MATERIAL written for these tests (invented events, not real reporting).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.conflict import ActorRegistry, UnknownActorError
from assistant.core import Assistant
from assistant.knowledge import KnowledgeError, Lexicon, load_knowledge
from assistant.knowledge.loader import ActorEntry
from assistant.settings import Settings

MakeAssistant = Callable[..., Assistant]

TYPES = {"state force", "non-state armed group", "coalition", "media outlet", "humanitarian organisation", "monitor",
         "official"}


def _registry() -> ActorRegistry:
    actors = load_knowledge().actors
    return ActorRegistry(actors, Lexicon(actors))


def test_packaged_registry_is_typed_and_affiliations_resolve() -> None:
    actors = load_knowledge().actors
    ids = {a.id for a in actors}
    assert {"isis", "sdf", "saa", "coalition", "ypg", "ypj", "hts", "fsa", "sna", "turkish_forces",
            "russian_forces", "hezbollah", "iran", "ahrar_al_sham", "jaish_al_islam", "sohr", "sana",
            "white_helmets", "ocha"} <= ids
    assert all(a.type in TYPES for a in actors)
    assert all(link in ids for a in actors for link in a.affiliations)
    assert {a.type for a in actors} == TYPES
    by_id = {a.id: a for a in actors}
    assert by_id["sohr"].type == "monitor" and by_id["sana"].type == "media outlet"
    assert "sdf" in by_id["ypg"].affiliations
    info = _registry().info(by_id["sdf"], {})
    assert {"ypg", "ypj"} <= {a["id"] for a in info.affiliated} and info.affiliations[0]["id"] == "coalition"


def test_lead_aliases_are_kept() -> None:
    """Aliases other code relies on (the evidence check's 'Syrian soldiers' = 'regime soldiers') stay."""
    saa = {a.id: a for a in load_knowledge().actors}["saa"]
    for alias in ["syrian soldiers", "regime soldiers", "government forces", "regime forces", "assad's army",
                  "syrian army", "syrian government troops"]:
        assert alias in saa.aliases


@pytest.mark.parametrize(("text", "expected"), [
    ("Free Syrian Army units shelled the village", {"actor_fsa"}),
    ("The Free Syrian Army and the Syrian army clashed", {"actor_fsa", "actor_saa"}),
    ("Syrian government forces advanced", {"actor_saa"}),
    ("Hayat Tahrir al-Sham, formerly Jabhat al-Nusra, denied it", {"actor_hts"}),
    ("the Syrian Observatory for Human Rights said", {"actor_sohr"}),
    ("SANA reported the strike", {"actor_sana"}),
    ("Turkish-backed Syrian National Army fighters entered", {"actor_sna"}),
    ("White Helmets volunteers pulled bodies from the rubble", {"actor_white_helmets"}),
])
def test_longest_alias_wins(text: str, expected: set[str]) -> None:
    lexicon = Lexicon(load_knowledge().actors)
    assert lexicon.actors_in(text) == expected
    assert lexicon.mask_actors(text)[1] == expected


def test_actor_spans_are_in_order_and_do_not_overlap() -> None:
    lexicon = Lexicon(load_knowledge().actors)
    text = "The Free Syrian Army said IS and the Syrian army fought"
    spans = lexicon.actor_spans(text)
    assert [(text[s:e], c) for s, e, c in spans] == [("Free Syrian Army", "actor_fsa"), ("IS", "actor_isis"),
                                                      ("Syrian army", "actor_saa")]


@pytest.mark.parametrize(("name", "actor_id"), [
    ("Daesh", "isis"), ("ISIL", "isis"), ("IS", "isis"), ("islamic state", "isis"), ("QSD", "sdf"),
    ("the SDF", "sdf"), ("Assad's army", "saa"), ("CJTF-OIR", "coalition"), ("Operation Inherent Resolve",
    "coalition"), ("al-Nusra Front", "hts"), ("Free Syrian Army", "fsa"), ("actor_ypg", "ypg"), ("sohr", "sohr"),
    ("Syria Civil Defence", "white_helmets"), ("Daesh fighters", "isis"),
])
def test_resolve_any_alias(name: str, actor_id: str) -> None:
    assert _registry().resolve(name).id == actor_id


def test_unknown_actor_suggests_close_names() -> None:
    with pytest.raises(UnknownActorError) as err:
        _registry().resolve("Deash")
    assert "'Deash'" in str(err.value) and "daesh" in str(err.value)
    with pytest.raises(UnknownActorError, match="did you mean"):
        _registry().resolve("Hezbolah")
    with pytest.raises(UnknownActorError):
        _registry().resolve("Syrian Army Free Brigade")  # more than an alias plus generic words


def test_user_file_adds_types_and_checks_affiliations(tmp_path: Path) -> None:
    extra = tmp_path / "actors.yaml"
    extra.write_text("version: 1\nactors:\n"
                     "  - {id: wagner, name: Wagner Group, type: non-state armed group, affiliations: [russian_forces],"
                     " aliases: [wagner]}\n"
                     "  - {id: sdf, name: SDF, aliases: [kurdish fighters]}\n")
    knowledge = load_knowledge(extra)
    by_id = {a.id: a for a in knowledge.actors}
    assert by_id["wagner"].affiliations == ["russian_forces"]
    assert by_id["sdf"].type == "non-state armed group" and "kurdish fighters" in by_id["sdf"].aliases
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nactors:\n  - {id: x, name: X, aliases: [x], affiliations: [nobody]}\n")
    with pytest.raises(KnowledgeError, match=r"affiliations.*nobody"):
        load_knowledge(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("version: 1\nactors:\n  - {id: x, name: X, aliases: [x], type: militia}\n")
    with pytest.raises(KnowledgeError, match=r"typo.yaml: field actors.0.type"):
        load_knowledge(typo)


def test_registry_entry_model_is_strict() -> None:
    with pytest.raises(ValueError):
        ActorEntry(id="x", name="X", aliases=["x"], kind="militia")  # type: ignore[call-arg]


DEMO = {  # DEMO MATERIAL: invented reports, written for these tests
    "a.txt": "Title: Clashes near Dar Kassem\nSource: Demo Monitor\nDate: 2020-03-02\n\n"
             "Daesh fighters attacked a checkpoint near Dar Kassem on Sunday. ISIL claimed the attack. "
             "The Free Syrian Army was not involved.\n",
    "b.txt": "Title: Patrol\nSource: Demo Wire\nDate: 2020-03-03\n\n"
             "An SDF patrol found a weapons cache near Dar Kassem. Islamic State cells are active there.\n",
}


def _demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    for name, text in DEMO.items():
        (folder / name).write_text(text)
    return folder


def test_assistant_actor_counts_and_cites(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.ingest([_demo(tmp_path)], progress=False)
    info = assistant.actor("daesh")
    assert info.name == "Islamic State" and info.passages == 2
    top = info.mentions[0]
    assert top.sentences == 2 and top.doc_id == "demo/a.txt" and top.source == "Demo Monitor"
    doc = assistant.document(top.doc_id)
    assert doc is not None and doc.text[top.start:top.end] == top.quote and "Daesh" in top.quote
    rows = {r.id: r for r in assistant.actors()}
    assert rows["isis"].passages == 2 and rows["fsa"].passages == 1 and rows["saa"].passages == 0
    assert rows["sdf"].aliases == 5
    with pytest.raises(UnknownActorError):
        assistant.actor("Wolverines")


def test_actors_without_index_lists_registry(make_assistant: MakeAssistant) -> None:
    rows = make_assistant().actors()
    assert len(rows) >= 25 and all(r.passages == 0 for r in rows)


def test_cli_actors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("SITREP_FRAMES__ENABLED", "false")
    runner = CliRunner()
    index = tmp_path / "idx"
    assert runner.invoke(app, ["ingest", str(_demo(tmp_path)), "--index", str(index)]).exit_code == 0
    listed = runner.invoke(app, ["actors", "--index", str(index)])
    assert listed.exit_code == 0 and "Islamic State" in listed.output and "monitor" in listed.output
    shown = runner.invoke(app, ["actors", "ISIL", "--index", str(index)])
    assert shown.exit_code == 0 and "Islamic State (non-state armed group)" in shown.output
    assert "demo/a.txt:" in shown.output and "Daesh fighters attacked" in shown.output
    cited = [line for line in shown.output.splitlines() if line.startswith("[")]
    assert len(cited) == 2 and all(re.search(r'^\[\d\] ".+" — .+ — demo/[ab]\.txt:\d+-\d+$', line)
                                   for line in cited)
    as_json = runner.invoke(app, ["actors", "QSD", "--json", "--index", str(index)])
    assert as_json.exit_code == 0 and '"id": "sdf"' in as_json.output
    isis = json.loads(runner.invoke(app, ["actors", "Daesh", "--json", "--index", str(index)]).output)
    assert isis["passages"] == 2 and isis["sentences"] == 3
    texts = {name: text.split("\n\n", 1)[1] for name, text in DEMO.items()}
    for m in isis["mentions"]:
        assert {"doc_id", "start", "end", "quote"} <= set(m) and m["quote"] in texts[m["doc_id"].split("/")[1]]
    header, *rows = listed.output.splitlines()
    assert header.split()[-3:] == ["aliases", "passages", "sentences"]
    at = next(i for i, r in enumerate(rows) if r.startswith("Islamic State "))
    assert rows[at].split()[-2:] == ["2", "3"]
    # each actor named by a passage carries its most-cited passage, quoted and cited, on the line below it
    assert re.search(r'^    ".+" — .+; 2 sentence\(s\) — demo/[ab]\.txt:\d+-\d+$', rows[at + 1])
    listed_json = json.loads(runner.invoke(app, ["actors", "--json", "--index", str(index)]).output)
    isis_row = next(r for r in listed_json if r["id"] == "isis")
    assert {"id": "isis", "passages": 2, "sentences": 3}.items() <= isis_row.items()
    top = isis_row["top"]
    assert top["sentences"] == 2 and top["quote"] in texts[top["doc_id"].split("/")[1]]
    assert top == isis["mentions"][0]  # the first of `sitrep actors NAME`
    assert all(r["top"] is None for r in listed_json if r["passages"] == 0)
    unknown = runner.invoke(app, ["actors", "Deash", "--index", str(index)])
    assert unknown.exit_code == 1 and "unknown actor 'Deash'" in unknown.output


@pytest.mark.parametrize("name", ["regime forces", "Government troops", "pro-government forces", "regime warplanes",
                                  "the regime's militias", "Assad's army"])
def test_resolve_force_phrases_to_the_syrian_arab_army(name: str) -> None:
    assert _registry().resolve(name).id == "saa"


@pytest.mark.parametrize("name", ["government", "regime", "the regime"])
def test_political_body_alone_is_no_actor(name: str) -> None:
    with pytest.raises(UnknownActorError):
        _registry().resolve(name)


def test_force_phrases_are_tagged_on_passages(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    folder = tmp_path / "gov"
    folder.mkdir()
    (folder / "g.txt").write_text(  # DEMO MATERIAL
        "Title: Shelling\nSource: Demo Monitor\nDate: 2020-03-02\n\n"
        "Regime warplanes struck Kafr Demo on Sunday. The government said the town was a militant base.\n")
    (folder / "h.txt").write_text(
        "Title: Talks\nSource: Demo Wire\nDate: 2020-03-03\n\nThe government announced talks in Demo City.\n")
    assistant = make_assistant()
    assistant.ingest([folder], progress=False)
    info = assistant.actor("regime troops")
    assert info.id == "saa" and info.passages == 1
    assert info.mentions[0].quote == "Regime warplanes struck Kafr Demo on Sunday."
    hits = assistant.retrieve("Where did government forces strike?")
    lexical = sorted((h for h in hits if h.bm25_rank is not None), key=lambda h: h.bm25_rank or 0)
    assert lexical and lexical[0].view.passage.doc_id == "gov/g.txt"


def test_mentions_follow_the_current_registry(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    """An alias added by a user file after ingest counts without re-ingesting."""
    index = tmp_path / "idx"
    make_assistant(index=index).ingest([_demo(tmp_path)], progress=False)
    extra = tmp_path / "actors.yaml"
    extra.write_text("version: 1\nactors:\n  - {id: sdf, name: SDF, aliases: [patrol]}\n")
    settings = Settings().model_copy(update={"knowledge": Settings().knowledge.model_copy(
        update={"actors_file": extra})})
    again = make_assistant(settings, index=index)
    assert again.actor("SDF").sentences == 1
    assert again.actor("patrol").mentions[0].quote.startswith("An SDF patrol")
