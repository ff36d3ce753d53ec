"""The console's sign-in pages in Chromium (issue 17, points 1 and 7): axe-core finds nothing serious or
critical on the sign-in form (empty, with an error, and its answer), the page an emailed link opens, and the
signed-in home; the button signs in and the cookie comes back on /console; nothing is logged to the
browser's console. Screenshots land in the test's folder, for people to look at."""

from __future__ import annotations

import email
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SECRETARIAT, WebFace, assert_accessible, console_errors
from tests.waiting import wait_for

pytestmark = pytest.mark.slow


def _emailed_link(face: WebFace) -> str:
    """The sign-in link in the email the web face sent the moment it was asked (no SMTP server here: the
    outbox folder)."""
    folder = Path(face.env["LINEOFSIGHT_OUTBOX_DIR"])
    found = wait_for("the sign-in email", lambda: list(folder.rglob("*.eml")), seconds=30)
    [message] = [email.message_from_bytes(path.read_bytes()) for path in found]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if part.get_content_type() == "text/plain" and isinstance(payload, bytes):
            return next(line for line in payload.decode().splitlines() if "/console/enter/" in line).strip()
    raise AssertionError("no sign-in link in the email")


def test_the_sign_in_pages_pass_axe_and_sign_in(face: WebFace, page: Page, tmp_path: Path) -> None:
    page.goto(f"{face.base_url}/console/sign-in")
    assert_accessible(page, "the sign-in form")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "the sign-in form with an error")
    page.get_by_label("Email address").fill(SECRETARIAT)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    assert_accessible(page, "the sign-in answer")
    page.screenshot(path=str(tmp_path / "sign-in-answer.png"), full_page=True)

    link = _emailed_link(face)
    assert link.startswith(f"{face.base_url}/console/enter/")
    page.goto(link)
    assert_accessible(page, "the enter page")
    page.screenshot(path=str(tmp_path / "enter.png"), full_page=True)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{face.base_url}/console")
    expect(page.locator("h1")).to_contain_text("Board Secretariat")
    assert_accessible(page, "the console's home")
    page.screenshot(path=str(tmp_path / "console-home.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    assert_accessible(page, "the signed-out page")
    page.goto(link)  # used once: refused, saying what to do
    expect(page.locator("h1")).to_have_text("This sign-in link has already been used")
    assert_accessible(page, "a used link's page")
    assert not console_errors(page), console_errors(page)
    token = link.rsplit("/", 1)[1]
    assert token not in face.log_text() and "/console/enter/<link:" in face.log_text()
