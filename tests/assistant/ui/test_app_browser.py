"""The workbench driven in headless Chromium, as a new user would, at desktop and mobile sizes.

A real app (hash embedder, demo corpus plus an XSS report written here) is served on a free port; each step
is screenshotted under ``$SITREP_ARTIFACTS`` (default ``tests/artifacts``) /browser/. Skipped when Playwright
or Chromium is missing locally; CI (``.ci/run``) installs both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

XSS_HOST = "127.0.0.1:9"  # the onerror images point here: any request to it means markup came alive
XSS_REPORT = f"""Title: Zalqa checkpoint <img src="http://{XSS_HOST}/xss-title.png" onerror="alert('title')"> shelled
Source: Watch <script>window.__sitrep_xss = 1</script> Group
Date: 2019-03-01
URL: javascript:alert('url')

The Zalqa checkpoint <img src="http://{XSS_HOST}/xss-body.png" onerror="alert('body')"> was shelled on 1 March \
2019, killing three guards <script>window.__sitrep_xss = 2</script> according to \
[the watch group](javascript:alert('link')).

Residents said the Zalqa road stayed closed for two days after the shelling.
"""
UPLOAD_REPORT = """Title: Varnis bridge reopened
Source: Test Wire
Date: 2019-04-02

Engineers of the Qaltor brigade reopened the Varnis bridge on 2 April 2019 after six weeks of repairs.
"""
_METRICS = {"n": 2, "n_answerable": 1, "n_unanswerable": 1, "answer_accuracy": 0.5, "citation_recall": 0.5,
            "evidence_recall": 0.5, "citation_precision": 1.0, "supported_statements": 1.0,
            "abstention_precision": 1.0, "abstention_recall": 1.0, "retrieval_recall": 1.0, "mrr": 1.0,
            "latency_p50": 0.2, "latency_p95": 0.3}
EVAL_RESULT = {"gold": "gold.jsonl", "k": 8, "overall": _METRICS, "categories": {"incident": _METRICS},
               "questions": [{"id": "q1", "category": "incident", "question": "How many <b>guards</b>?",
                              "gold_answers": ["3"], "answer": "<img src=x onerror=alert(1)>", "failed": ["answer"]},
                             {"id": "q2", "category": "incident", "question": "Who?", "gold_answers": [],
                              "answer": "x", "failed": []}]}
CORRIDOR_Q = "How many civilians came out of Hajin on the first day the humanitarian corridor was open?"

@pytest.fixture(scope="module")
def app_url(serve_demo: Callable[[str], str]) -> str:
    return serve_demo(XSS_REPORT)


class Page:
    """A page with the watchers the XSS checks read: dialogs opened and requests sent."""

    def __init__(self, browser: Any, url: str, name: str, size: dict[str, int], api: Any, artifacts: Path) -> None:
        self.name, self.api, self.artifacts = name, api, artifacts
        self.page = browser.new_page(viewport=size)
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url, wait_until="load")
        self.box.wait_for(timeout=60_000)

    @property
    def box(self) -> Any:
        return self.page.locator("#sitrep-question textarea")

    def shot(self, step: str) -> None:
        self.page.screenshot(path=str(self.artifacts / f"{self.name}-{step}.png"), full_page=False)

    def bot_messages(self) -> Any:
        return self.page.locator("#sitrep-chat [data-testid='bot']")

    def ask(self, question: str) -> str:
        before = self.bot_messages().count()
        self.box.fill(question)
        self.box.press("Enter")
        self.api.expect(self.bot_messages()).to_have_count(before + 1, timeout=60_000)
        last = self.bot_messages().last
        self.api.expect(last.locator(".sitrep-answer")).to_be_visible(timeout=60_000)
        return str(last.inner_text())

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()


def test_workbench_in_browser(browser: Any, app_url: str, viewport: str, viewports: dict[str, dict[str, int]],
                              sync_api: Any, artifacts: Path) -> None:
    ui = Page(browser, app_url, viewport, viewports[viewport], sync_api, artifacts)
    page, expect = ui.page, sync_api.expect
    ui.shot("01-start")

    # empty and whitespace messages are not sent; an over-long one gets a clear message
    ui.box.fill("   ")
    ui.box.press("Enter")
    page.wait_for_timeout(800)
    assert ui.bot_messages().count() == 0
    ui.box.fill("x" * 2100)
    ui.box.press("Enter")
    expect(page.locator("#sitrep-status")).to_contain_text("limit is 2,000", timeout=30_000)
    assert ui.bot_messages().count() == 0
    ui.shot("02-too-long")

    # a demo question: the answer with its markers; clicking one shows the highlighted span in the panel
    first = ui.ask(CORRIDOR_Q)
    assert "1,200" in first
    markers = ui.bot_messages().last.locator("a.sitrep-marker")
    assert markers.count() >= 1
    ui.shot("03-answer")
    markers.first.click()
    active = page.locator("#sitrep-evidence .sitrep-cite.sitrep-active")
    expect(active).to_have_count(1)
    expect(active).to_be_in_viewport()
    expect(active.locator(".sitrep-context mark")).to_contain_text("1,200 civilians")
    expect(active).to_contain_text("verified")
    assert active.locator("a[href*='demo.invalid']").count() == 0  # placeholder URLs are not linked
    ui.shot("04-marker-clicked")

    # open the document: its whole stored text, scrolled to the marked span
    active.locator("details.sitrep-doc > summary").click()
    span = active.locator("details.sitrep-doc[open] .sitrep-doc-text mark")
    expect(span).to_be_visible()
    expect(span).to_be_in_viewport()
    ui.shot("05-document-open")

    # a date filter that excludes the corridor report: the answer changes
    page.locator("#sitrep-filters").get_by_text("Filters").first.click()
    page.locator("#sitrep-since input, #sitrep-since textarea").first.fill("2019-01-01")
    second = ui.ask(CORRIDOR_Q)
    assert second != first and "1,200" not in second
    expect(page.locator("#sitrep-status")).to_contain_text("filtered")
    ui.shot("06-date-filter")
    page.locator("#sitrep-since input, #sitrep-since textarea").first.fill("")

    # upload a report in the Corpus tab, then ask about it
    upload = artifacts.parent / f"varnis-bridge-{viewport}.txt"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text(UPLOAD_REPORT, encoding="utf-8")
    ui.tab("Corpus")
    page.locator("#sitrep-upload input[type=file]").set_input_files(str(upload))
    expect(page.locator("#sitrep-upload")).to_contain_text(upload.name, timeout=30_000)
    page.locator("#sitrep-ingest").click()
    expect(page.locator("#sitrep-ingest-summary")).to_contain_text("ingested 1", timeout=60_000)
    expect(page.locator("#sitrep-docs")).to_contain_text("passages")
    expect(page.locator("#sitrep-docs").get_by_text("Hajin", exact=False).first).to_be_visible(timeout=30_000)
    ui.shot("07-corpus-table")
    page.locator("#sitrep-docs input[placeholder^='Filter']").fill("Varnis")
    expect(page.locator("#sitrep-docs")).to_contain_text("Varnis bridge reopened", timeout=30_000)
    ui.shot("08-uploaded")
    ui.tab("Chat")
    answer = ui.ask("Who reopened the Varnis bridge?")
    assert "Qaltor" in answer
    ui.shot("09-asked-upload")

    # the XSS report: its markup is shown as text, nothing executes, nothing is fetched
    xss = ui.ask("How many guards were killed at the Zalqa checkpoint?")
    assert "<img" in xss and "three guards" in xss
    page.locator("#sitrep-evidence details.sitrep-doc > summary").first.click()
    expect(page.locator("#sitrep-evidence")).to_contain_text("onerror=")
    page.wait_for_timeout(1500)
    ui.shot("10-xss-inert")
    assert ui.dialogs == []
    assert not [u for u in ui.requests if XSS_HOST in u]
    assert page.evaluate("window.__sitrep_xss") is None
    assert page.locator("#sitrep-chat img[onerror], #sitrep-evidence img, a[href^='javascript']").count() == 0

    # a refusal shows the passages that were searched
    refusal = ui.ask("What is the capital of France?")
    assert "does not contain enough evidence" in refusal
    searched = page.locator("#sitrep-evidence details.sitrep-searched[open] .sitrep-passage")
    expect(searched.first).to_be_visible()
    assert searched.count() >= 1
    ui.shot("11-refusal-searched")

    # the last answer can be downloaded as Markdown with its references
    with page.expect_download() as download:
        page.locator("#sitrep-export").click()
    assert "What is the capital of France?" in Path(download.value.path()).read_text(encoding="utf-8")

    # the chat's bin: an empty chat, an empty panel, a fresh session
    page.locator("#sitrep-chat button[aria-label='Clear']").click()
    expect(ui.bot_messages()).to_have_count(0)
    expect(page.locator("#sitrep-evidence")).to_contain_text("Ask a question")

    # the Eval tab shows a `sitrep eval --json` result: per-category table and failing questions
    result = artifacts.parent / f"eval-{viewport}.json"
    result.write_text(json.dumps(EVAL_RESULT), encoding="utf-8")
    ui.tab("Eval")
    page.locator("#sitrep-eval-file input[type=file]").set_input_files(str(result))
    expect(page.locator("#sitrep-eval-summary")).to_contain_text("1 failing", timeout=30_000)
    expect(page.locator("#sitrep-eval-categories")).to_contain_text("incident")
    expect(page.locator("#sitrep-eval-failing")).to_contain_text("How many <b>guards</b>?")
    ui.shot("12-eval-tab")
    assert ui.dialogs == []
    ui.page.close()


def test_two_users_at_once_keep_their_own_chat_and_filters(browser: Any, app_url: str, sync_api: Any,
                                                           viewports: dict[str, dict[str, int]], artifacts: Path
                                                           ) -> None:
    contexts = [browser.new_context(viewport=viewports["desktop"]) for _ in range(2)]
    pages = []
    for ctx in contexts:
        page = ctx.new_page()
        page.goto(app_url, wait_until="load")
        page.locator("#sitrep-question textarea").wait_for(timeout=60_000)
        pages.append(page)
    alice, bob = pages
    alice.locator("#sitrep-filters").get_by_text("Filters").first.click()
    alice.locator("#sitrep-since input, #sitrep-since textarea").first.fill("2019-01-01")
    for page in pages:  # both sent before either is answered
        page.locator("#sitrep-question textarea").fill(CORRIDOR_Q)
    for page in pages:
        page.locator("#sitrep-question textarea").press("Enter")
    for page in pages:
        sync_api.expect(page.locator("#sitrep-chat [data-testid='bot'] .sitrep-answer")).to_have_count(1,
                                                                                                      timeout=60_000)
    bob_answer = bob.locator("#sitrep-chat [data-testid='bot']").inner_text()
    alice_answer = alice.locator("#sitrep-chat [data-testid='bot']").inner_text()
    assert "1,200" in bob_answer and "1,200" not in alice_answer  # alice's filter is hers alone
    sync_api.expect(alice.locator("#sitrep-status")).to_contain_text("filtered")
    sync_api.expect(bob.locator("#sitrep-status")).not_to_contain_text("filtered")
    alice.screenshot(path=str(artifacts / "two-users-alice.png"))
    bob.screenshot(path=str(artifacts / "two-users-bob.png"))
    for ctx in contexts:
        ctx.close()
