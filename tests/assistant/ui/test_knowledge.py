"""Knowledge tab HTML: actors, control timeline and incidents, each row cited, all corpus text escaped.

Every report below is DEMO MATERIAL written for these tests (invented places and events).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.ui.knowledge import actors_html, control_html, incidents_html

REPORTS = {  # DEMO MATERIAL
    "wire/strike.txt": "Title: Strike on Tell Marwan\nSource: Demo Wire\nDate: 2020-05-04\n\n"
                       "A coalition airstrike hit a depot in Tell Marwan on 3 May 2020, killing 4 fighters.\n",
    "monitor/xss.txt": "Title: <script>alert(1)</script>\nSource: Watch <img src=x onerror=alert(2)> Group\n"
                       "Date: 2020-06-10\n\n"
                       "Regime forces shelled Kafr Zeita <img src=x onerror=alert(3)> on 8 June 2020, killing two "
                       "children.\nThe SDF captured Kafr Zeita on 9 June 2020.\n",
}


@pytest.fixture
def assistant(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> Assistant:
    for name, text in REPORTS.items():
        (tmp_path / "demo" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "demo" / name).write_text(text)
    a = make_assistant()
    a.ingest([tmp_path / "demo"], progress=False)
    return a


def _inert(html: str) -> None:
    assert "<img" not in html and "<script" not in html and "onerror=alert" not in html


def test_actors_list_and_one_actor_with_cited_passages(assistant: Assistant) -> None:
    listing = actors_html(assistant, "")
    assert 'id="sitrep-actors-table"' in listing and "US-led coalition" in listing
    summaries = {a.name: a for a in assistant.actors()}
    coalition = summaries["US-led coalition"]
    assert "<th>sentences</th>" in listing and coalition.sentences >= coalition.passages > 0
    assert (f"<td>US-led coalition</td><td>{coalition.type}</td><td>{coalition.aliases}</td>"
            f"<td>{coalition.passages}</td><td>{coalition.sentences}</td>") in listing  # as `sitrep actors` shows
    # each row with passages carries its most-cited passage: quote and citation
    assert "<th>most-cited passage</th>" in listing and coalition.top is not None
    assert coalition.top.cite().replace(":", "&#58;") in listing and 'class="sitrep-kcite"' in listing
    _inert(listing)
    one = actors_html(assistant, "Assad's army")
    assert "Syrian Arab Army" in one and "Aliases:" in one and "demo/monitor/xss.txt&#58;" in one
    saa = assistant.actor("Assad's army")
    assert f"{saa.passages} passage(s) name it in {saa.sentences} sentence(s)" in one
    assert "open document" in one and "<mark" in one
    _inert(one)
    assert "⚠️" in actors_html(assistant, "Wolverines")


def test_control_timeline_rows_are_cited(assistant: Assistant) -> None:
    html = control_html(assistant, "Kafr Zeita", "2020-12-31")
    assert "Control of Kafr Zeita as of 2020-12-31" in html and "Syrian Democratic Forces" in html
    assert "demo/monitor/xss.txt&#58;" in html and "holds" in html
    _inert(html)
    assert "No claim of control" in control_html(assistant, "Kafr Zeita", "2020-01-01")
    assert "not a date" in control_html(assistant, "Kafr Zeita", "June")
    assert "Name a place" in control_html(assistant, " ", "")


def test_incidents_table_filters_and_csv(assistant: Assistant) -> None:
    html, path = incidents_html(assistant, "shelling", "", "", "", "", False)
    assert "1 incident(s)" in html and "Kafr Zeita" in html and "Syrian Arab Army" in html
    assert "Civilians" in html and "&#60;img src&#61;x onerror&#61;alert&#40;3&#41;&#62;" in html
    _inert(html)
    assert path is not None
    rows = list(csv.DictReader(Path(path).read_text(encoding="utf-8").splitlines()))
    assert rows[0]["event_type"] == "Explosions/Remote violence" and rows[0]["fatalities"] == "2"
    grouped, grouped_csv = incidents_html(assistant, "", "", "coalition", "", "", True)
    assert "1 incident(s) from 1 report(s)" in grouped and "Demo Wire: 4 killed" in grouped
    assert grouped_csv is not None
    none, no_csv = incidents_html(assistant, "airstrike", "Kafr Zeita", "", "", "", False)
    assert "No incident matches" in none and no_csv is None
    bad, _ = incidents_html(assistant, "", "", "", "2020-07-01", "2020-06-01", False)
    assert "date range is empty" in bad
