"""The console's programme, register and item pages in Chromium (issue 17, points 2 and 7): axe-core finds
nothing serious or critical on the programme (with its trend chart), the register (filtered, and refusing
a bad filter) and an item's page; the register's filters work with JavaScript off, as every read page does;
nothing is logged to the browser's console. Screenshots land in the test's folder, for people to look at."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, select

from models.board_packs import Pack
from models.console.sign_in import COOKIE, COOKIE_PATH, session_value
from models.meetings import Board, Meeting
from models.vocab import Audience
from tests.browser.conftest import (
    SECRET_KEY,
    SECRETARIAT,
    WebFace,
    assert_accessible,
    console_errors,
    new_context,
    today,
    watch,
)

pytestmark = pytest.mark.slow


def _with_packs(face: WebFace) -> None:
    """Two sent packs of past meetings, so the programme has a trend to draw."""
    with Session(face.engine) as session:
        board = session.exec(select(Board)).one()
        assert board.id is not None
        for n, counts in enumerate(
            (
                {"red": 1, "amber": 2, "green": 1, "complete": 0},
                {"red": 0, "amber": 2, "green": 1, "complete": 1},
            )
        ):
            meeting = Meeting(
                board_id=board.id, date=today().replace(day=1).replace(month=1 + n), audience=Audience.BOARD
            )
            session.add(meeting)
            session.flush()
            assert meeting.id is not None
            session.add(
                Pack(
                    plan_id=face.plan_id(),
                    meeting_id=meeting.id,
                    audience=Audience.BOARD,
                    built_for=meeting.date,
                    ledger_seq=1,
                    ledger_hash="0" * 64,
                    summary={"counts": counts, "items": {}},
                    published_at=datetime.now(UTC),
                )
            )
        session.commit()


def _signed_in(context: BrowserContext, face: WebFace, email: str) -> None:
    value = session_value(SECRET_KEY.encode(), email, datetime.now(UTC))
    context.add_cookies([{"name": COOKIE, "value": value, "url": face.base_url + COOKIE_PATH}])


def test_the_programme_register_and_item_pages_pass_axe(
    face: WebFace, context: BrowserContext, page: Page, tmp_path: Path
) -> None:
    _with_packs(face)
    _signed_in(context, face, SECRETARIAT)
    base = f"{face.base_url}/console/plans/{face.plan_id()}"
    page.goto(base)
    expect(page.locator("h1")).to_contain_text("The programme at a glance")
    expect(page.get_by_role("img", name="The trend over the last packs")).to_be_visible()
    assert_accessible(page, "the programme")
    page.screenshot(path=str(tmp_path / "programme.png"), full_page=True)

    page.get_by_role("link", name="Register").click()
    page.get_by_label("Area").select_option("A1")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{base}/register?area=A1&owner=&rag=&level=&overdue=&exempt=")
    expect(page.get_by_role("status")).to_contain_text("3 items match these filters")
    assert_accessible(page, "the register, filtered")
    page.screenshot(path=str(tmp_path / "register.png"), full_page=True)

    page.goto(f"{base}/register?rag=purple")
    expect(page.locator(".error-summary")).to_contain_text("Choose red, amber, green or complete")
    assert_accessible(page, "the register refusing a filter")
    page.screenshot(path=str(tmp_path / "register-error.png"), full_page=True)

    page.goto(f"{base}/register")
    page.get_by_role("link", name="TAP-07").click()
    expect(page.locator("h1")).to_contain_text("Audit <b>case</b> files & supervision")
    expect(
        page.get_by_role("table", name="Every event the ledger holds about TAP-07, oldest first")
    ).to_be_visible()
    assert_accessible(page, "an item's page")
    page.screenshot(path=str(tmp_path / "item.png"), full_page=True)
    assert not console_errors(page), console_errors(page)


def test_the_pages_work_with_javascript_off(face_on_every_backend: WebFace, browser: Browser) -> None:
    face = face_on_every_backend
    context = new_context(browser, java_script_enabled=False)
    try:
        _signed_in(context, face, SECRETARIAT)
        page = context.new_page()
        watch(page)
        base = f"{face.base_url}/console/plans/{face.plan_id()}"
        page.goto(base)
        expect(page.locator("h1")).to_contain_text("The programme at a glance")
        page.goto(f"{base}/register")
        page.get_by_label("Owner").select_option("alex.smith@example.org")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_role("status")).to_contain_text("2 items match these filters")
        page.get_by_role("link", name="TAP-08").click()
        expect(page.locator("h1")).to_contain_text("Recruit permanent social workers")
        assert not console_errors(page), console_errors(page)
    finally:
        context.close()
