"""Knowledge files: packaged data loads and validates; user actor files extend it; bad files name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.knowledge import KnowledgeError, Lexicon, load_knowledge, record_keys
from assistant.settings import Settings


def test_packaged_knowledge_loads() -> None:
    knowledge = load_knowledge()
    ids = [a.id for a in knowledge.actors]
    assert {"isis", "sdf", "saa", "coalition", "ypg"} <= set(ids)
    assert [t.name for t in knowledge.question.question_types] == ["count", "when", "who", "where"]
    assert "unit_id" in knowledge.records.id_keys
    assert Settings().ingest.csv_text_columns == record_keys().csv_text_columns


def test_lexicon_matches_actors_under_any_alias() -> None:
    lexicon = Lexicon(load_knowledge().actors)
    assert lexicon.actors_in("Daesh fighters attacked") == {"actor_isis"}
    assert lexicon.actors_in("IS claimed it") == {"actor_isis"}
    assert lexicon.actors_in("this is it") == set()  # lower-case 'is' is a verb
    masked, found = lexicon.mask_actors("The QSD said IS lost Baghuz")
    assert found == {"actor_sdf", "actor_isis"} and "QSD" not in masked and "Baghuz" in masked
    assert "actor_coalition" in lexicon.tokens("CJTF-OIR confirmed the strike")


def test_user_actors_file_extends_and_merges(tmp_path: Path) -> None:
    extra = tmp_path / "actors.yaml"
    extra.write_text(
        "version: 1\nactors:\n"
        "  - {id: sdf, name: SDF, aliases: [kurdish fighters]}\n"
        "  - {id: wagner, name: Wagner Group, aliases: [wagner, pmc wagner]}\n"
    )
    knowledge = load_knowledge(extra)
    lexicon = Lexicon(knowledge.actors)
    assert lexicon.actors_in("Kurdish fighters advanced") == {"actor_sdf"}
    assert lexicon.actors_in("PMC Wagner withdrew") == {"actor_wagner"}
    assert lexicon.version != Lexicon(load_knowledge().actors).version


@pytest.mark.parametrize(("content", "fragment"), [
    ("version: 1\nactors:\n  - {id: x, name: X, aliases: [Upper]}\n", "actors.0.aliases"),
    ("version: 1\nactors:\n  - {id: x, name: X}\n", "actors.0.aliases"),
    ("version: 1\nactors: [\n", "not valid YAML"),
    ("version: 1\nactors:\n  - {id: x, name: X, aliases: [a], colour: red}\n", "actors.0.colour"),
])
def test_bad_user_file_names_file_and_field(tmp_path: Path, content: str, fragment: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(bad)
    assert str(bad) in str(err.value) and fragment in str(err.value)


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="cannot read"):
        load_knowledge(tmp_path / "absent.yaml")


@pytest.mark.parametrize("text", [
    "Government forces shelled the town", "Regime forces advanced", "pro-government forces entered",
    "Assad's army retook it", "The Syrian army said", "regime troops withdrew", "government troops moved in",
    "Regime warplanes struck the market", "the regime's militias attacked", "Syrian regime forces shelled it",
    "pro-regime fighters", "government ground forces", "President Bashar al-Assad's forces", "regime helicopters",
])
def test_government_or_regime_with_a_force_noun_is_the_syrian_arab_army(text: str) -> None:
    lexicon = Lexicon(load_knowledge().actors)
    assert lexicon.actors_in(text) == {"actor_saa"}
    assert "actor_saa" in lexicon.tokens(text)


@pytest.mark.parametrize("text", [
    "The government said it would negotiate", "the regime collapsed in December", "a regime official denied it",
    "government air strikes hit the town",  # 'air strikes' is an event, not a force: who struck is not said
    "the Syrian government announced an amnesty", "regime change", "Iraqi government forces entered Mosul",
    "Turkish government troops crossed", "the Syrian Salvation Government forces",
])
def test_government_or_regime_alone_or_of_another_state_is_no_actor(text: str) -> None:
    lexicon = Lexicon(load_knowledge().actors)
    assert "actor_saa" not in lexicon.actors_in(text)
    assert "actor_saa" not in lexicon.tokens(text)


def test_force_rule_spans_win_by_length_and_keep_other_actors() -> None:
    lexicon = Lexicon(load_knowledge().actors)
    text = "Regime warplanes and Daesh fighters clashed; the Free Syrian Army and the government both spoke."
    assert [(text[s:e], c) for s, e, c in lexicon.actor_spans(text)] == [
        ("Regime warplanes", "actor_saa"), ("Daesh", "actor_isis"), ("Free Syrian Army", "actor_fsa")]
    masked, found = lexicon.mask_actors("Syrian government forces shelled Hajin")
    assert found == {"actor_saa"} and masked.strip() == "shelled Hajin"


def test_case_sensitive_alias_is_not_a_hyphenated_tail() -> None:
    lexicon = Lexicon(load_knowledge().actors)
    assert lexicon.actors_in("the anti-IS coalition struck") == {"actor_coalition"}
    assert lexicon.actors_in("IS-held Baghuz") == {"actor_isis"}


@pytest.mark.parametrize(("question", "passage_text", "token"), [
    ("What did ISIL claim?", "Daesh claimed the attack", "actor_isis"),
    ("Where did IS fighters attack?", "The Islamic State attacked", "actor_isis"),
    ("What did the QSD capture?", "The Syrian Democratic Forces captured it", "actor_sdf"),
    ("What did CJTF-OIR say?", "Operation Inherent Resolve said", "actor_coalition"),
    ("Where did the US-led coalition strike?", "International coalition aircraft struck", "actor_coalition"),
    ("Where are YPG units?", "People's Protection Units held the line", "actor_ypg"),
    ("What did HTS announce?", "Hayat Tahrir al-Sham announced", "actor_hts"),
    ("Where did regime troops advance?", "Government forces advanced on the town", "actor_saa"),
])
def test_aliases_expand_queries_and_tag_passages(question: str, passage_text: str, token: str) -> None:
    """The question's tokens and the passage's index tokens meet on the canonical actor token."""
    lexicon = Lexicon(load_knowledge().actors)
    assert token in lexicon.tokens(question) and token in lexicon.tokens(passage_text)


def test_force_rule_is_validated_and_merged(tmp_path: Path) -> None:
    extra = tmp_path / "actors.yaml"
    extra.write_text("version: 1\nactors:\n  - {id: saa, name: SAA, aliases: [saa], "
                     "forces: {heads: [damascus], nouns: [battalion]}}\n")
    knowledge = load_knowledge(extra)
    saa = {a.id: a for a in knowledge.actors}["saa"]
    assert saa.forces is not None and "damascus" in saa.forces.heads and "government" in saa.forces.heads
    lexicon = Lexicon(knowledge.actors)
    assert lexicon.actors_in("a Damascus battalion") == {"actor_saa"}
    assert lexicon.version != Lexicon(load_knowledge().actors).version
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nactors:\n  - {id: x, name: X, aliases: [x], forces: {heads: [Regime], nouns: [a]}}\n")
    with pytest.raises(KnowledgeError, match=r"actors.0.forces.heads"):
        load_knowledge(bad)


def test_event_heads_are_validated_merged_and_never_mentions(tmp_path: Path) -> None:
    extra = tmp_path / "actors.yaml"
    extra.write_text("version: 1\nactors:\n  - {id: saa, name: SAA, aliases: [saa], event_heads: [loyalist]}\n")
    knowledge = load_knowledge(extra)
    saa = {a.id: a for a in knowledge.actors}["saa"]
    assert "loyalist" in saa.event_heads and "government" in saa.event_heads
    lexicon = Lexicon(knowledge.actors)
    assert lexicon.actors_in("government air strikes hit the town") == set()  # a role, not a mention
    assert lexicon.version == Lexicon(load_knowledge().actors).version  # the index tokens do not change
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nactors:\n  - {id: x, name: X, aliases: [x], event_heads: [Regime]}\n")
    with pytest.raises(KnowledgeError, match=r"actors.0.event_heads"):
        load_knowledge(bad)


def test_places_load_folded_and_one_alias_belongs_to_one_place() -> None:
    from assistant.knowledge.loader import _PlacesFile, _validate

    kobani = next(p for p in load_knowledge().places if p.name == "Kobani")
    assert {"kobani", "ayn al-arab"} <= set(kobani.aliases)  # 'Kobanî' folded
    bad = {"version": 1, "places": [{"name": "A", "aliases": ["x"]}, {"name": "B", "aliases": ["X"]}]}
    with pytest.raises(KnowledgeError, match=r"places.yaml: field places: .*'x' belongs to both 'A' and 'B'"):
        _validate(_PlacesFile, bad, "places.yaml")
