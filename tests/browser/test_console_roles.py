"""The role table in Chromium (issue 17, point 5): what each role is shown, and that what it is not shown is
refused on the server too. A board member's navigation has no outbox, requests or record, and opening the
record by its address gets the refusal page; a write posted with the member's own session is refused (403);
an inspector whose grant has ended is refused on every page; an auditor reads the record but is shown no
write button anywhere it goes. Every page passes axe-core; a member's also works with JavaScript off."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from models.console.roles import Role
from models.console.sign_in import COOKIE, session_value
from models.console_access import AccessGrant
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.plans.importer import import_plan
from models.plans.spec import PersonSpec
from tests.browser.conftest import (
    MANAGER,
    PLAN,
    SECRET_KEY,
    WebFace,
    assert_accessible,
    browser_plan,
    console_errors,
    new_context,
    today,
    watch,
)

pytestmark = pytest.mark.slow
AUDITOR = "audra.auditor@example.org"
INSPECTOR = "ina.inspector@inspectorate.example.org"


def signed_in(browser: Browser, face: WebFace, email: str, javascript: bool = True) -> BrowserContext:
    """A browser holding the session cookie a sign-in link would have set for `email` (axe-core runs as
    JavaScript in the page: a context without it checks what the page does without, not its accessibility)."""
    context = new_context(browser, java_script_enabled=javascript)
    host = face.base_url.split("//", 1)[1].split(":")[0]
    value = session_value(SECRET_KEY.encode(), email, datetime.now(UTC))
    context.add_cookies(
        [{"name": COOKIE, "value": value, "domain": host, "path": "/console", "httpOnly": True}]
    )
    return context


@pytest.fixture
def roles(face: WebFace) -> Iterator[int]:
    """An auditor on the People sheet's terms, and an inspector whose grant ended yesterday."""
    plan_id = face.plan_id()
    with unit_of_work(face.engine) as session:
        spec = browser_plan()  # the same plan again, with an auditor on its People sheet
        auditor = PersonSpec(AUDITOR, "Audra Auditor", console_roles=frozenset({Role.AUDITOR}))
        import_plan(session, dataclasses.replace(spec, people=(*spec.people, auditor)), actor="test")
        session.add(
            AccessGrant(
                email=INSPECTOR,
                name="Ina Inspector",
                plan_id=plan_id,
                role="inspector",
                until=today() - timedelta(days=1),
                granted_by="operator@example.org",
            )
        )
        record(session, Event(EventKind.ACCESS_GRANTED, "operator@example.org", PLAN, None, {}))
    yield plan_id


def test_a_member_is_shown_and_allowed_only_their_part(browser: Browser, face: WebFace, roles: int) -> None:
    context = signed_in(browser, face, MANAGER)
    page = context.new_page()
    watch(page)
    page.goto(f"{face.base_url}/console/plans/{roles}")
    nav = page.get_by_role("navigation", name=PLAN)
    expect(nav.get_by_role("link", name="Programme")).to_be_visible()
    expect(nav.get_by_role("link", name="Register")).to_be_visible()
    for hidden in ("Outbox", "Due-date requests", "Record"):
        expect(nav.get_by_role("link", name=hidden)).to_have_count(0)
    assert_accessible(page, "the programme, as a board member")
    answer = page.goto(f"{face.base_url}/console/plans/{roles}/record")
    assert answer is not None and answer.status == 403
    expect(page.locator("h1")).to_have_text("You cannot use this page")
    assert_accessible(page, "the refusal page")
    # The server refuses a write whatever the page showed: the member's own session, a well-formed post.
    refused = context.request.post(
        f"{face.base_url}/console/plans/{roles}/outbox/1/revive", form={"csrf": "x"}
    )
    assert refused.status == 403
    assert not console_errors(page)
    context.close()
    # Without JavaScript the page is the same page: the navigation, and the refusal of what it leaves out.
    plain = signed_in(browser, face, MANAGER, javascript=False)
    page = plain.new_page()
    page.goto(f"{face.base_url}/console/plans/{roles}")
    expect(page.get_by_role("navigation", name=PLAN).get_by_role("link", name="Register")).to_be_visible()
    answer = page.goto(f"{face.base_url}/console/plans/{roles}/outbox")
    assert answer is not None and answer.status == 403
    plain.close()


def test_an_auditor_reads_the_record_and_is_shown_no_write(
    browser: Browser, face: WebFace, roles: int
) -> None:
    context = signed_in(browser, face, AUDITOR)
    page = context.new_page()
    for path in ("", "/register", "/packs", "/outbox", "/requests", "/record"):
        answer = page.goto(f"{face.base_url}/console/plans/{roles}{path}")
        assert answer is not None and answer.status == 200, path
        expect(page.locator(".console-plan .tag")).to_have_text("Read only")
        for write in ("Revive", "Accept", "Decline", "Approve", "Send"):
            expect(page.get_by_role("button", name=write)).to_have_count(0)
        assert_accessible(page, f"{path or 'the programme'}, as an auditor")
    context.close()


def test_an_inspector_whose_grant_has_ended_is_refused(browser: Browser, face: WebFace, roles: int) -> None:
    context = signed_in(browser, face, INSPECTOR)
    page = context.new_page()
    for path in ("/console", f"/console/plans/{roles}", f"/console/plans/{roles}/record"):
        answer = page.goto(f"{face.base_url}{path}")
        assert answer is not None and answer.status == 403, path
        expect(page.locator("h1")).to_have_text("Your access to the console has ended")
    assert_accessible(page, "the page of an ended access")
    context.close()
