"""The Knowledge tab driven in headless Chromium: actors, control timeline, incidents (filters, grouping, CSV),
each row with its citation and document view; corpus markup stays inert.

Same setup as test_app_browser.py (conftest.py: hash embedder, demo corpus plus an invented XSS report);
screenshots under ``$SITREP_ARTIFACTS`` (default ``tests/artifacts``) /browser/knowledge-*.png. Skipped without
Playwright or Chromium.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

XSS_HOST = "127.0.0.1:9"
XSS_REPORT = f"""Title: Zalqa checkpoint <img src="http://{XSS_HOST}/k-title.png" onerror="alert('title')">
Source: Watch <script>window.__sitrep_xss = 1</script> Group
Date: 2019-03-01

Regime forces shelled the Zalqa checkpoint <img src="http://{XSS_HOST}/k-body.png" onerror="alert('body')"> on \
1 March 2019, killing three guards <script>window.__sitrep_xss = 2</script>.
"""  # DEMO MATERIAL: an invented report

@pytest.fixture(scope="module")
def app_url(serve_demo: Callable[[str], str]) -> str:
    return serve_demo(XSS_REPORT)


def test_knowledge_tab_in_browser(browser: Any, app_url: str, viewport: str, viewports: dict[str, dict[str, int]],
                                  sync_api: Any, artifacts: Path) -> None:
    page = browser.new_page(viewport=viewports[viewport])
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(app_url, wait_until="load")
    page.locator("#sitrep-question textarea").wait_for(timeout=60_000)
    expect = sync_api.expect

    def shot(step: str) -> None:
        page.screenshot(path=str(artifacts / f"knowledge-{viewport}-{step}.png"), full_page=False)

    def field(elem: str) -> Any:
        return page.locator(f"#{elem} input, #{elem} textarea").first

    page.get_by_role("tab", name="Knowledge").click()

    # actors: the registry, then one actor under an alias with its most-cited passages and the document view
    page.locator("#sitrep-actor-go").click()
    expect(page.locator("#sitrep-actors-table")).to_contain_text("Syrian Democratic Forces", timeout=30_000)
    field("sitrep-actor-name").fill("Daesh")
    page.locator("#sitrep-actor-go").click()
    out = page.locator("#sitrep-actor-out")
    expect(out.locator("h3")).to_have_text("Islamic State", timeout=30_000)
    expect(out).to_contain_text("Aliases:")
    rows = out.locator("#sitrep-actor-mentions tbody tr")
    expect(rows.first).to_be_visible()
    rows.first.locator("details.sitrep-doc > summary").click()
    expect(rows.first.locator("details.sitrep-doc[open] .sitrep-doc-text mark")).to_be_visible()
    shot("01-actor")

    # control: the timeline of a place as of a date, each claim cited
    page.get_by_role("tab", name="Control").click()
    field("sitrep-control-place").fill("Hajin")
    field("sitrep-control-asof").fill("2018-12-31")
    page.locator("#sitrep-control-go").click()
    control = page.locator("#sitrep-control-out")
    expect(control).to_contain_text("Control of Hajin as of 2018-12-31", timeout=30_000)
    expect(control.locator("#sitrep-control-table")).to_contain_text("Syrian Democratic Forces")
    dates = control.locator("#sitrep-control-table tbody tr td:first-child").all_inner_texts()
    assert dates and all(d.startswith("2018-") for d in dates), dates  # as of 31 December 2018
    shot("02-control")

    # incidents: filtered by type and place; each row cited; the CSV download has ACLED's columns
    page.get_by_role("tab", name="Incidents").click()
    field("sitrep-inc-place").fill("Al-Sukkariyeh")
    page.locator("#sitrep-inc-go").click()
    table = page.locator("#sitrep-incidents-table")
    expect(table).to_contain_text("Air/drone strike", timeout=30_000)
    expect(table).to_contain_text("US-led coalition")
    expect(table.locator("code").first).to_contain_text("corpus/")
    with page.expect_download() as download:
        page.locator("#sitrep-inc-csv").click()
    header = Path(download.value.path()).read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("event_date,event_type,sub_event_type,actor1,actor2,location,fatalities,notes,source")
    shot("03-incidents")

    # grouped: one strike, each source's figures apart
    page.locator("#sitrep-inc-grouped input").check()
    page.locator("#sitrep-inc-go").click()
    expect(page.locator("#sitrep-inc-out")).to_contain_text("report(s)", timeout=30_000)
    expect(page.locator("#sitrep-incidents-table")).to_contain_text("injured")
    shot("04-grouped")
    page.locator("#sitrep-inc-grouped input").uncheck()

    # the XSS report: its markup is shown as text, nothing runs, nothing is fetched
    field("sitrep-inc-place").fill("Zalqa")
    page.locator("#sitrep-inc-go").click()
    expect(page.locator("#sitrep-incidents-table")).to_contain_text("onerror=", timeout=30_000)
    page.locator("#sitrep-incidents-table details.sitrep-doc > summary").first.click()
    page.wait_for_timeout(1000)
    shot("05-xss-inert")
    assert dialogs == []
    assert not [u for u in requests if XSS_HOST in u]
    assert page.evaluate("window.__sitrep_xss") is None
    assert page.locator("#sitrep-knowledge img, #sitrep-knowledge script").count() == 0
    page.close()
