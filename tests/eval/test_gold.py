"""Gold loading: valid files load, and every kind of malformed line is reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import GoldError, load_gold

GOOD = {
    "id": "q017",
    "question": "How many soldiers did the strike injure?",
    "answers": ["two", "2"],
    "evidence": [{"doc": "reports/2019-02-10-wire.txt", "quote": "the strikes injured two soldiers"}],
    "category": "incident",
}
UNANSWERABLE = {
    "id": "q018",
    "question": "Who won?",
    "answers": [],
    "evidence": [],
    "category": "unanswerable",
}
PACKAGED = sorted((Path(__file__).parents[2] / "eval").glob("gold*.jsonl"))


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _raises_at(path: Path, line: int, fragment: str) -> None:
    with pytest.raises(GoldError) as info:
        load_gold(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}:")
    assert fragment in str(info.value)


def test_valid_file_loads(tmp_path: Path) -> None:
    items = load_gold(_write(tmp_path, json.dumps(GOOD), "", json.dumps(UNANSWERABLE)))
    assert [i.id for i in items] == ["q017", "q018"]
    assert items[0].answerable and not items[1].answerable
    assert items[0].evidence[0].doc == "reports/2019-02-10-wire.txt"
    assert items[0].answers == ["two", "2"]


def test_unknown_field_names_line(tmp_path: Path) -> None:
    _raises_at(_write(tmp_path, json.dumps(GOOD), json.dumps({**UNANSWERABLE, "note": "x"})), 2, "note")


def test_unknown_evidence_field_names_line(tmp_path: Path) -> None:
    bad = {**GOOD, "evidence": [{"doc": "a.txt", "quote": "q", "page": 3}]}
    _raises_at(_write(tmp_path, json.dumps(bad)), 1, "page")


def test_unknown_category_names_line(tmp_path: Path) -> None:
    _raises_at(
        _write(tmp_path, json.dumps(UNANSWERABLE), json.dumps({**GOOD, "category": "misc"})), 2, "category"
    )


def test_bad_json_names_line(tmp_path: Path) -> None:
    _raises_at(_write(tmp_path, json.dumps(GOOD), "", '{"id": "q2", '), 3, "invalid JSON")


def test_missing_field_names_line(tmp_path: Path) -> None:
    incomplete = {k: v for k, v in GOOD.items() if k != "evidence"}
    _raises_at(_write(tmp_path, json.dumps(incomplete)), 1, "evidence")


def test_non_object_line_is_rejected(tmp_path: Path) -> None:
    _raises_at(_write(tmp_path, "[1, 2]"), 1, "JSON object")


def test_duplicate_id_is_rejected(tmp_path: Path) -> None:
    _raises_at(_write(tmp_path, json.dumps(GOOD), json.dumps(GOOD)), 2, "duplicate id")


def test_answerable_without_answers_is_rejected(tmp_path: Path) -> None:
    _raises_at(_write(tmp_path, json.dumps({**GOOD, "answers": []})), 1, "answerable")


def test_unanswerable_with_evidence_is_rejected(tmp_path: Path) -> None:
    _raises_at(
        _write(tmp_path, json.dumps({**UNANSWERABLE, "evidence": GOOD["evidence"]})), 1, "unanswerable"
    )


def test_gold_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no questions"):
        load_gold(_write(tmp_path, ""))


@pytest.mark.parametrize("path", PACKAGED, ids=lambda p: p.name)
def test_packaged_gold_files_are_valid(path: Path) -> None:
    items = load_gold(path)
    assert items and all(i.answerable == bool(i.answers) for i in items)
