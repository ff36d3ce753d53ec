"""The secretariat's desk in Chromium (issue 17, points 2 and 7): the outbox's dead notices and the owners'
due-date requests pass axe-core (no serious or critical violation) as listed, with an error, and after each
write; revive, decline and accept work from their buttons, and with JavaScript off. Screenshots land in the
test's folder, for people to look at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.console.sign_in import COOKIE, COOKIE_PATH, session_value
from models.console_records import DueChangeRequest
from models.db import unit_of_work
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.outbox import Notice, NoticeStatus
from models.people import Person
from models.plan import Action, Plan
from models.plans.due_requests import request_due_change
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.transport import Delivery
from tests.browser.conftest import (
    OWNER,
    PLAN,
    SECRET_KEY,
    SECRETARIAT,
    WebFace,
    assert_accessible,
    console_errors,
    first_sweep_day,
    new_context,
    watch,
)

pytestmark = pytest.mark.slow


class Refusing:
    """Every message refused for good, the reason quoting a password."""

    def send_email(self, message: Message) -> Delivery:
        return Delivery(
            ok=False, transient=False, error="535 refused by smtps://desk:Hunter2Secret@mail.example.org"
        )

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        return self.send_email(EmailMessage())


def _signed_in(context: BrowserContext, face: WebFace, email: str) -> None:
    value = session_value(SECRET_KEY.encode(), email, datetime.now(UTC))
    context.add_cookies([{"name": COOKIE, "value": value, "url": face.base_url + COOKIE_PATH}])


def _desk(face: WebFace) -> int:
    """Dead notices from today's sweep, and two requests to move a due date; returns the plan's id."""
    sweep_plans(face.engine, load_policy(), first_sweep_day())
    dispatch(face.engine, Refusing(), datetime.now(UTC) + timedelta(days=1), sender="los@example.org")
    with unit_of_work(face.engine) as session:
        plan = session.exec(select(Plan).where(Plan.name == PLAN)).one()
        owner = session.exec(select(Person).where(Person.email == OWNER)).one()
        for ref in ("TAP-07", "TAP-08"):
            item = session.exec(select(Action).where(Action.ref == ref)).one()
            wanted = item.current_due + timedelta(days=28)
            request_due_change(
                session, plan, item, owner, wanted, f"Two auditors left <b>{ref}</b>", datetime.now(UTC)
            )
    return face.plan_id()


def test_the_outbox_and_the_requests_pass_axe_and_their_buttons_work(
    face: WebFace, page: Page, context: BrowserContext, tmp_path: Path
) -> None:
    plan_id = _desk(face)
    _signed_in(context, face, SECRETARIAT)

    page.goto(f"{face.base_url}/console/plans/{plan_id}/outbox")
    expect(page.locator("h1")).to_contain_text("Dead and failed notices")
    expect(page.locator("table caption")).to_contain_text("dead or failed notice")
    assert "Hunter2Secret" not in page.content()
    assert_accessible(page, "the outbox")
    page.screenshot(path=str(tmp_path / "outbox.png"), full_page=True)
    page.get_by_role("button", name="Revive notice").first.click()
    expect(page.get_by_text("is pending again")).to_be_visible()
    assert_accessible(page, "the outbox after a revive")

    page.goto(f"{face.base_url}/console/plans/{plan_id}/requests")
    expect(page.locator("h1")).to_contain_text("Requests to move a due date")
    expect(page.get_by_text("Two auditors left <b>TAP-07</b>")).to_be_visible()  # markup shown as text
    assert_accessible(page, "the due-date requests")
    page.screenshot(path=str(tmp_path / "requests.png"), full_page=True)
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Accept the request for TAP-07").click()
    assert answer.value is not None and answer.value.status == 400
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-message")).to_contain_text("Give the reason for the decision")
    assert_accessible(page, "the due-date requests with an error")
    page.screenshot(path=str(tmp_path / "requests-error.png"), full_page=True)
    page.get_by_label("Reason for your decision on TAP-07").fill("Agreed at the board on Tuesday.")
    page.get_by_role("button", name="Accept the request for TAP-07").click()
    expect(page.get_by_text("is now due")).to_be_visible()
    assert_accessible(page, "the due-date requests after a decision")
    page.screenshot(path=str(tmp_path / "requests-decided.png"), full_page=True)
    assert not console_errors(page), console_errors(page)
    with Session(face.engine) as session:
        decided = {r.item_ref: r.status for r in session.exec(select(DueChangeRequest))}
    assert decided == {"TAP-07": "accepted", "TAP-08": "open"}


def test_the_desk_works_with_javascript_off(face: WebFace, browser: Browser) -> None:
    plan_id = _desk(face)
    context = new_context(browser, java_script_enabled=False)
    try:
        _signed_in(context, face, SECRETARIAT)
        page = context.new_page()
        watch(page)
        page.goto(f"{face.base_url}/console/plans/{plan_id}/requests")
        page.get_by_label("Reason for your decision on TAP-08").fill("The inspectorate date is fixed.")
        page.get_by_role("button", name="Decline the request for TAP-08").click()
        expect(page.get_by_text("declined").first).to_be_visible()
        page.goto(f"{face.base_url}/console/plans/{plan_id}/outbox")
        page.get_by_role("button", name="Revive notice").first.click()
        expect(page.get_by_text("is pending again")).to_be_visible()
    finally:
        context.close()
    with Session(face.engine) as session:
        assert (
            session.exec(select(DueChangeRequest).where(DueChangeRequest.item_ref == "TAP-08")).one().status
            == "declined"
        )
        [retried] = session.exec(select(AuditEvent).where(AuditEvent.kind == EventKind.NOTICE_RETRIED)).all()
        notice = session.get(Notice, decode_data(retried.body)["notice_id"])
    assert retried.actor == SECRETARIAT and notice is not None and notice.status is NoticeStatus.PENDING
