"""The loop the product exists for, in a real browser (issue 16, point 7): a sweep queues reminders,
dispatch writes the email, the owner follows its "Update REF" link, fills the form and sends it; the next
day's sweep says nothing more to that owner about that item, and the ledger shows the update, made on the
web by the owner."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from config.policy import load_policy
from models.calendar import WorkingCalendar
from models.ledger.kinds import EventKind
from models.plan import Action
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.files import file_senders
from tests.browser.conftest import (
    AWAY,
    DEPUTY,
    LEAD,
    OWNER,
    PLAN,
    SECRETARIAT,
    WebFace,
    assert_accessible,
    console_errors,
    first_sweep_day,
    new_context,
    watch,
)
from tests.browser.pages import (
    RECEIVED,
    SEND,
    choose,
    fill_update,
    form_for,
    last_notice_id,
    ledger,
    ledger_text,
    mails_to,
    notices,
    submit,
    updates_of,
)

pytestmark = pytest.mark.slow
POLICY = load_policy()
SENDER = "lineofsight@example.org"


def _sweep_and_dispatch(face: WebFace, outbox: Path) -> None:
    day = first_sweep_day()
    sweep_plans(face.engine, POLICY, day, plan_name=PLAN)
    # The sweep's notices are owed from 07:00 of its day: on a weekend, or before 07:00, dispatch as at
    # that morning. The links are written now, by the wall clock the web face reads too.
    now = datetime.now(UTC)
    morning = datetime.combine(day, time(7, 0), tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
    result = dispatch(
        face.engine, file_senders(outbox), max(now, morning), sender=SENDER, links=face.links(now)
    )
    assert result.delivered > 0, result


def test_an_owner_updates_from_the_email_and_the_next_sweep_goes_quiet(
    face_on_every_backend: WebFace, page: Page, tmp_path: Path
) -> None:
    face = face_on_every_backend
    outbox = tmp_path / "outbox"
    _sweep_and_dispatch(face, outbox)

    [mail] = mails_to(outbox, OWNER)
    link = mail.link("Update TAP-07")
    assert link.startswith(face.base_url + "/u/"), link
    assert link in mail.text, "the text part carries the same link as the HTML part"
    everything = mail.link("Update all my items")
    assert everything.startswith(face.base_url + "/me/") and everything in mail.text

    answer = page.goto(link)
    assert answer is not None and answer.status == 200
    expect(page.locator("main")).to_contain_text("TAP-07")
    expect(page.locator("main")).to_contain_text("Audit <b>case</b> files & supervision")  # text, not markup
    assert page.locator("main b").count() == 0
    # Why the owner is getting messages about it, and what happens if nothing changes: the sweep's words.
    expect(page.locator("main")).to_contain_text("TAP-07 is due in 4 working days")
    expect(page.locator("main")).to_contain_text("If nothing changes")
    expect(page.locator("main")).to_contain_text("Line Manager")
    form = form_for(page)
    fill_update(
        form, status="in progress", percent="60", note="Thirty case files audited; supervision booked."
    )
    submit(page, form)

    assert urlsplit(page.url).query == "sent=1" and page.url.startswith(link)
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Thirty case files audited; supervision booked."
    )  # last updates
    assert not console_errors(page), console_errors(page)

    [update] = updates_of(face.engine, "TAP-07")
    assert (update.percent, update.commentary) == (60, "Thirty case files audited; supervision booked.")
    [(event, data)] = ledger(face.engine, EventKind.ACTION_UPDATED.value)
    assert (event.actor, event.ref, data["channel"]) == (OWNER, "TAP-07", "web")
    assert "on_behalf_of" not in data

    # The next working day: TAP-08, left alone, gets its three-day reminder; TAP-07, just updated, nothing.
    before = last_notice_id(face.engine)
    next_day = WorkingCalendar("ENG").add_working_days(first_sweep_day(), 1)
    sweep_plans(face.engine, POLICY, next_day, plan_name=PLAN)
    to_owner = [n for n in notices(face.engine, after=before) if n.recipient == OWNER]
    assert {n.item_refs for n in to_owner} == {"TAP-08"}, [(n.kind, n.item_refs) for n in to_owner]

    token = urlsplit(link).path.rsplit("/", 1)[1]
    assert token not in ledger_text(face.engine)
    assert token not in face.log_text()


def _form_id(body: str) -> str:
    return dict(parse_qsl(body))["form_id"]


def test_the_same_form_sent_twice_records_one_update(face_two_workers: WebFace, page: Page) -> None:
    face = face_two_workers
    link = face.item_link(OWNER, "TAP-08")
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(link)
    form = form_for(page)
    fill_update(form, status="in progress", percent="10", note="Advert drafted.")
    submit(page, form)
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    assert len(updates_of(face.engine, "TAP-08")) == 1

    # The back button: the page is not kept (no-store), so the form comes back fresh and empty, never
    # the sent one ready to go again.
    page.go_back()
    assert page.locator("input[name='form_id']").input_value() != _form_id(posted[0])
    expect(page.get_by_label("What has changed (note)", exact=True)).to_have_value("")

    # The sent form's very bytes, twice more at the same moment (what a browser that kept the page sends
    # on a second and third click), to whichever of the two processes takes each: both answered as the
    # first time, nothing new recorded.
    def again() -> httpx.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": face.base_url}
        return httpx.post(link, content=posted[0], headers=headers, timeout=30)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: again(), range(2)))
    assert [(a.status_code, a.headers.get("location", "").endswith("?sent=1")) for a in answers] == [
        (303, True),
        (303, True),
    ]
    assert len(updates_of(face.engine, "TAP-08")) == 1

    # A double click on Send: one update.
    page.goto(link)
    fill_update(form_for(page), percent="20", note="Advert published.")
    with page.expect_navigation():
        form_for(page).get_by_role("button", name=SEND).dblclick()
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    assert _form_id(posted[-1]) != _form_id(posted[0])
    [first, second] = updates_of(face.engine, "TAP-08")
    assert (first.percent, second.percent) == (10, 20)
    assert len(ledger(face.engine, EventKind.ACTION_UPDATED.value)) == 2
    assert "Traceback" not in face.log_text()


def test_javascript_off_the_whole_update_still_works(face: WebFace, browser: Browser) -> None:
    context = new_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        watch(page)
        page.goto(face.item_link(OWNER, "TAP-07"))
        form = form_for(page)
        fill_update(form, status="complete", percent="100", note="Done; the audit report is filed.")
        choose(form, "RAG rating", "green")
        form.get_by_label("Link to evidence", exact=True).fill("https://intranet.example.org/audit-report")
        submit(page, form)
        expect(page.get_by_text(RECEIVED)).to_be_visible()
        assert not console_errors(page), console_errors(page)
    finally:
        context.close()
    [update] = updates_of(face.engine, "TAP-07")
    assert (update.percent, update.evidence_url) == (100, "https://intranet.example.org/audit-report")
    assert update.status is not None and update.status.value == "complete"


def test_a_deputy_updates_for_the_away_owner_and_the_page_says_so(face: WebFace, page: Page) -> None:
    page.goto(face.all_link(DEPUTY))
    form = form_for(page, "TAP-10")
    expect(page.locator("main")).to_contain_text("Robin Away")
    expect(page.locator("main")).to_contain_text("away")
    fill_update(form, percent="25", note="Front door review started while Robin is away.")
    submit(page, form)
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    [(event, data)] = ledger(face.engine, EventKind.ACTION_UPDATED.value)
    assert (event.actor, event.ref, data["channel"], data["on_behalf_of"]) == (DEPUTY, "TAP-10", "web", AWAY)


def test_a_due_date_change_is_asked_of_the_secretariat_not_made(face: WebFace, page: Page) -> None:
    page.goto(face.item_link(OWNER, "TAP-07"))
    due_before = _due_of(face, "TAP-07")
    wanted = WorkingCalendar("ENG").add_working_days(due_before, 20)
    form = form_for(page)
    form.get_by_label("Ask to move the due date to", exact=True).fill(wanted.isoformat())
    form.get_by_label("Why the date should move", exact=True).fill("The audit team is short of two auditors.")
    submit(page, form)
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    assert _due_of(face, "TAP-07") == due_before
    asked = [n for n in notices(face.engine) if n.kind == EventKind.DUE_CHANGE_REQUESTED.value]
    assert [(n.recipient, n.item_refs) for n in asked] == [(SECRETARIAT, "TAP-07")]
    [(event, data)] = ledger(face.engine, EventKind.DUE_CHANGE_REQUESTED.value)
    assert event.actor == OWNER and data["to"] == wanted.isoformat()


def test_a_wrong_value_shows_the_error_beside_its_field_with_the_input_kept(
    face: WebFace, page: Page
) -> None:
    page.goto(face.item_link(OWNER, "TAP-07"))
    form = form_for(page)
    fill_update(form, percent="150", note="Nearly there.")
    with page.expect_navigation() as answer:
        form.get_by_role("button", name="Send update").click()
    assert answer.value is not None and answer.value.status == 400
    summary = page.locator(".error-summary[role='alert']")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#percent']")).to_have_count(1)
    percent = page.get_by_label("Percent complete", exact=True)
    expect(percent).to_have_value("150")
    expect(page.get_by_label("What has changed (note)", exact=True)).to_have_value("Nearly there.")
    described = percent.get_attribute("aria-describedby") or ""
    assert "percent-error" in described.split(), described
    expect(page.locator("p.error-message#percent-error")).to_contain_text("150")
    assert_accessible(page, "the form with an error")
    assert updates_of(face.engine, "TAP-07") == []


def _due_of(face: WebFace, ref: str) -> date:
    with Session(face.engine) as session:
        return session.exec(select(Action).where(Action.ref == ref)).one().current_due


def test_a_milestone_takes_a_status_and_a_note_only(face: WebFace, page: Page) -> None:
    page.goto(face.item_link(LEAD, "MS-1"))
    form = form_for(page)
    expect(form.get_by_label("Percent complete", exact=True)).to_have_count(0)
    expect(form.get_by_text("RAG rating")).to_have_count(0)
    fill_update(form, status="in progress", note="The draft plan is with the chair.")
    submit(page, form)
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    [(event, data)] = ledger(face.engine, EventKind.MILESTONE_UPDATED.value)
    assert (event.actor, event.ref, data["channel"]) == (LEAD, "MS-1", "web")
