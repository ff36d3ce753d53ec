"""The console's sign-in pages in Chromium (issue 17, points 1 and 7): axe-core finds nothing serious or
critical on the sign-in form (empty, with an error, and its answer), the page an emailed link opens, and the
signed-in home; the button signs in and the cookie comes back on /console; nothing is logged to the
browser's console. Screenshots land in the test's folder, for people to look at."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from models.console.sign_in import sign_in_url
from models.ledger.kinds import EventKind
from models.outbox import Notice
from tests.browser.conftest import SECRET_KEY, SECRETARIAT, WebFace, assert_accessible, console_errors

pytestmark = pytest.mark.slow


def _nonce(face: WebFace) -> str:
    with Session(face.engine) as session:
        notice = session.exec(select(Notice).where(Notice.kind == EventKind.SIGN_IN_LINK_SENT.value)).one()
    return str(json.loads(notice.payload)["nonce"])


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

    # The link the dispatcher would write now, from the notice's nonce.
    link = sign_in_url(face.base_url, SECRET_KEY.encode(), SECRETARIAT, _nonce(face), datetime.now(UTC))
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
