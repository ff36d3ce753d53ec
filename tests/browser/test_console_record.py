"""The console's record and calendar pages in Chromium (issue 17, points 3, 4 and 6): axe-core finds nothing
serious or critical on the record, its verdict, the history (with and without an error) and the calendar
page; the buttons work with no JavaScript of ours; the feed's address answers a calendar program, and its
token never reaches the server's log; nothing is logged to the browser's console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from models.console.sign_in import COOKIE, session_value
from tests.browser.conftest import SECRET_KEY, SECRETARIAT, WebFace, assert_accessible, console_errors

pytestmark = pytest.mark.slow


def _signed_in(context: BrowserContext, face: WebFace, email: str) -> None:
    """The cookie a used sign-in link sets (the sign-in loop itself: test_console_accessibility.py)."""
    value = session_value(SECRET_KEY.encode(), email, datetime.now(UTC))
    context.add_cookies([{"name": COOKIE, "value": value, "url": f"{face.base_url}/console"}])


def test_the_record_pages_pass_axe_and_work(
    face: WebFace, context: BrowserContext, page: Page, tmp_path: Path
) -> None:
    _signed_in(context, face, SECRETARIAT)
    plan_id = face.plan_id()
    page.goto(f"{face.base_url}/console/plans/{plan_id}/record")
    expect(page.locator("h1")).to_contain_text("The plan's record")
    assert_accessible(page, "the record")
    page.get_by_role("button", name="Verify the ledger now").click()
    expect(page.get_by_text("The ledger is intact")).to_be_visible()
    assert_accessible(page, "the record with its verdict")
    page.screenshot(path=str(tmp_path / "record.png"), full_page=True)

    page.get_by_role("link", name="Read this plan's history").click()
    expect(page.locator("caption")).to_have_text("Every event of the plan, newest first")
    assert_accessible(page, "the history")
    page.get_by_label("Person's email address").fill("not an address")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "the history with an error")
    page.get_by_label("Person's email address").fill(SECRETARIAT)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("caption")).to_have_text("Events that match, newest first")
    expect(page.locator("tbody")).to_contain_text("LedgerVerified")
    page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
    assert not console_errors(page), console_errors(page)


def test_the_calendar_page_makes_a_feed_a_calendar_program_can_read(
    face: WebFace, context: BrowserContext, page: Page, tmp_path: Path
) -> None:
    _signed_in(context, face, SECRETARIAT)
    page.goto(f"{face.base_url}/console/calendar")
    assert_accessible(page, "the calendar page without a feed")
    page.get_by_role("button", name="Make my feed's address").click()
    expect(page.get_by_text("Your feed's address is ready")).to_be_visible()
    assert_accessible(page, "the calendar page with its feed")
    page.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)
    url = page.get_by_label("Address to add to your calendar").input_value()
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200 and answer.text.startswith("BEGIN:VCALENDAR")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in face.log_text() and "/calendar/<link:" in face.log_text()
    page.get_by_role("button", name="Stop this address working").click()
    expect(page.get_by_text("no longer works")).to_be_visible()
    assert httpx.get(url, timeout=10).status_code == 404
    assert not console_errors(page), console_errors(page)
