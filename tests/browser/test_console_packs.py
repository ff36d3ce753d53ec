"""A board pack's review in Chromium (issue 17, points 2 and 7): axe-core finds nothing serious or critical
on the list of packs and the review page (as it comes, with an error, after saving); the secretariat saves
the words and approves the pack with the browser's own form posts (no JavaScript on the page), and nothing is
logged to the browser's console. Screenshots land in the test's folder, for people to look at."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session, select

from config.policy import load_policy
from models.board_packs import Pack
from models.console.sign_in import COOKIE, session_value
from models.db import unit_of_work
from models.meetings import Meeting
from models.plans.meetings import add_meeting
from models.sweep.run import sweep_plans
from models.vocab import Audience
from packs.build import build_pack
from tests.browser.conftest import SECRET_KEY, SECRETARIAT, WebFace, assert_accessible, console_errors
from tests.console_helpers import console_plan

pytestmark = pytest.mark.slow
MEETING = date(2017, 11, 7)
PACK_DAY = date(2017, 10, 30)


def _pack_to_review(face: WebFace, out: Path) -> str:
    """The console's test plan beside the browser plan, with a draft pack whose exceptions include ACT-1."""
    engine, policy = face.engine, load_policy()
    plan_id = console_plan(engine)
    with unit_of_work(engine) as session:
        add_meeting(
            session,
            board_name="Improvement Board",
            day=MEETING,
            theme=None,
            audience=Audience.BOARD,
            actor="test",
            plan_name="Test Plan",
        )
    sweep_plans(engine, policy, PACK_DAY, plan_name="Test Plan")
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.date == MEETING)).one()
    built = build_pack(
        engine,
        meeting.id or 0,
        Audience.BOARD,
        policy,
        PACK_DAY,
        out,
        now=datetime(2017, 10, 30, 6, 30, tzinfo=UTC),
    )
    return f"/console/plans/{plan_id}/boards/{meeting.board_id}/packs/{built.pack_id}"


def _signed_in(context: BrowserContext, face: WebFace, email: str) -> None:
    value = session_value(SECRET_KEY.encode(), email, datetime.now(UTC))
    context.add_cookies([{"name": COOKIE, "value": value, "domain": "127.0.0.1", "path": "/console"}])


def test_the_review_pages_pass_axe_and_the_secretariat_approves(
    face: WebFace, context: BrowserContext, page: Page, tmp_path: Path
) -> None:
    review = _pack_to_review(face, tmp_path / "packs")
    _signed_in(context, face, SECRETARIAT)
    page.goto(f"{face.base_url}{review.split('/boards/')[0]}/packs")
    expect(page.locator("h1")).to_have_text("Board packs")
    assert_accessible(page, "the list of packs")
    page.screenshot(path=str(tmp_path / "packs.png"), full_page=True)
    page.get_by_role("link", name="Tuesday 7 November 2017").click()
    expect(page).to_have_url(f"{face.base_url}{review}")
    assert_accessible(page, "a draft pack's review page")

    page.get_by_label("Covering summary").fill("x" * 4001)
    page.get_by_role("button", name="Save the words").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "the review page with an error")
    page.screenshot(path=str(tmp_path / "pack-error.png"), full_page=True)

    page.get_by_label("Covering summary").fill("The board should note ACT-1.")
    page.get_by_label("ACT-1: Audit cases").fill("A recovery plan is agreed.")
    page.get_by_role("button", name="Save the words").click()
    expect(page.locator(".success")).to_contain_text("now print them")
    assert_accessible(page, "the review page after saving")
    page.get_by_role("button", name="Approve the pack").click()
    expect(page.locator(".success")).to_contain_text("The pack is approved")
    expect(page.get_by_role("button", name="Send the pack to the board")).to_be_visible()
    assert_accessible(page, "an approved pack's review page")
    page.screenshot(path=str(tmp_path / "pack-approved.png"), full_page=True)
    assert not console_errors(page), console_errors(page)
    with Session(face.engine) as session:
        pack = session.exec(select(Pack)).one()
    assert pack.approved_by == SECRETARIAT and pack.commentary == {"ACT-1": "A recovery plan is agreed."}
