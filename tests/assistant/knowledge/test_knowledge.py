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
