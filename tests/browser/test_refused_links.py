"""Links that must not work, through the browser (issue 16, point 5): tampered, expired, withdrawn,
reassigned, or used for what they were not made for. Each gets a plain page that says why and shows nothing
of the item; where we know whose link it was, a button sends a fresh one to the address on record."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from models.db import unit_of_work
from models.ledger.kinds import EventKind
from models.links.tokens import fingerprint
from models.plans.importer import import_plan
from notifications.dispatch import dispatch
from notifications.files import file_senders
from tests.browser.conftest import (
    OTHER,
    OWNER,
    WebFace,
    assert_accessible,
    browser_plan,
    console_errors,
    lineofsight,
)
from tests.browser.pages import (
    RECEIVED,
    fill_update,
    form_for,
    ledger_text,
    mails_to,
    notices,
    submit,
    updates_of,
)

pytestmark = pytest.mark.slow
NEW_LINK = "Send me a new link"


def _token(link: str) -> str:
    return urlsplit(link).path.rsplit("/", 1)[1]


def _open(page: Page, link: str) -> Response:
    answer = page.goto(link)
    assert answer is not None
    return answer


def _refused(page: Page, answer: Response, status: int, title: str, face: WebFace) -> None:
    """The plain refusal: the status, the title saying why, nothing about any item, no token shown."""
    assert answer.status == status, (answer.status, page.content()[:500])
    assert title in page.title(), page.title()
    expect(page.locator("h1")).to_contain_text(title)
    body = page.content()  # the renewal form posts to the page's own address: no token in the page
    for secret in ("TAP-07", "TAP-08", "Audit", "Recruit", "Browser Plan", OWNER, _token(page.url)):
        assert secret not in body, f"{secret!r} shown on the {status} page"
    assert not console_errors(page), console_errors(page)
    assert_accessible(page, f"the {status} page ({title})")


def test_a_tampered_link_is_refused_without_an_offer(face: WebFace, page: Page) -> None:
    link = face.item_link(OWNER, "TAP-07")
    token = _token(link)
    i = len(token) - 6  # inside the signature, where every character carries six bits
    tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    answer = _open(page, link.replace(token, tampered))
    _refused(page, answer, 403, "This link does not work", face)
    expect(page.get_by_role("button", name=NEW_LINK)).to_have_count(0)  # we cannot know whose it was
    answer = _open(page, f"{face.base_url}/me/not-a-token-at-all")
    _refused(page, answer, 403, "This link does not work", face)


def test_an_expired_link_offers_a_fresh_one_to_the_address_on_record(
    face: WebFace, page: Page, tmp_path: Path
) -> None:
    link = face.item_link(OWNER, "TAP-07", issued=datetime.now(UTC) - timedelta(days=30))
    answer = _open(page, link)
    _refused(page, answer, 410, "This link has expired", face)
    before = len(notices(face.engine))
    with page.expect_navigation() as sent:
        page.get_by_role("button", name=NEW_LINK).click()
    assert sent.value is not None and sent.value.status == 200
    body = page.content()
    assert OWNER not in body, "the address on record is never shown in full"
    resent = [n for n in notices(face.engine)[before:] if n.kind == EventKind.LINK_RESENT.value]
    assert [(n.recipient, n.item_refs) for n in resent] == [(OWNER, "TAP-07")]
    assert_accessible(page, "the page after asking for a new link")

    # Asking again the same day queues nothing more (one a day per person and link).
    _open(page, link)
    with page.expect_navigation():
        page.get_by_role("button", name=NEW_LINK).click()
    assert len([n for n in notices(face.engine) if n.kind == EventKind.LINK_RESENT.value]) == 1
    assert _token(link) not in ledger_text(face.engine)
    assert fingerprint(_token(link)) in ledger_text(face.engine)  # the renewal names the old link by print

    # The next dispatch sends the fresh links to the address on record, and they open the item.
    now = datetime.now(UTC)
    dispatch(
        face.engine,
        file_senders(tmp_path / "outbox"),
        now,
        sender="lineofsight@example.org",
        links=face.links(now),
    )
    [mail] = mails_to(tmp_path / "outbox", OWNER)
    fresh = mail.link("Update TAP-07")
    assert fresh != link and fresh in mail.text
    assert _open(page, fresh).status == 200
    expect(page.locator("h1")).to_contain_text("TAP-07")
    assert _open(page, mail.link("Update all my items")).status == 200


def test_a_withdrawn_link_is_refused(face: WebFace, page: Page) -> None:
    link = face.all_link(OWNER, issued=datetime.now(UTC) - timedelta(minutes=5))
    assert _open(page, link).status == 200
    revoked = subprocess.run(
        [*lineofsight(), "links", "revoke", "--person", OWNER],
        env=face.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert revoked.returncode == 0, revoked.stderr
    answer = _open(page, link)
    _refused(page, answer, 410, "This link has been withdrawn", face)
    expect(page.get_by_role("button", name=NEW_LINK)).to_have_count(1)
    # A link written after the withdrawal works.
    assert _open(page, face.all_link(OWNER, issued=datetime.now(UTC) + timedelta(seconds=2))).status == 200


def test_a_link_to_an_item_given_to_someone_else_no_longer_works(face: WebFace, page: Page) -> None:
    link = face.item_link(OWNER, "TAP-08")
    assert _open(page, link).status == 200
    plan = browser_plan()
    moved = tuple(
        a if a.ref != "TAP-08" else type(a)(**{**a.__dict__, "owner_email": OTHER}) for a in plan.actions
    )
    with unit_of_work(face.engine) as session:
        import_plan(session, type(plan)(**{**plan.__dict__, "actions": moved}), actor="test")
    answer = _open(page, link)
    _refused(page, answer, 403, "This link no longer works for you", face)
    expect(page.get_by_role("button", name=NEW_LINK)).to_have_count(1)


def test_a_link_opens_only_what_it_was_made_for(face: WebFace, page: Page) -> None:
    # Owner's "all my items" page lists the owner's items, never another person's.
    everything = face.all_link(OWNER)
    _open(page, everything)
    main = page.locator("main")
    expect(main).to_contain_text("TAP-07")
    expect(main).to_contain_text("TAP-08")
    expect(main).not_to_contain_text("TAP-09")
    assert form_for(page, "TAP-09").count() == 0
    # A form of that page, made to name another person's item, records nothing against it.
    form = form_for(page, "TAP-07")
    fill_update(form, percent="90", note="Not mine to say.")
    form.locator("input[name='ref']").evaluate("(e) => e.value = 'TAP-09'")
    with page.expect_navigation() as answer:
        form.get_by_role("button", name="Send update").click()
    assert answer.value is not None and answer.value.status in (400, 403, 404), answer.value.status
    assert updates_of(face.engine, "TAP-09") == [] and updates_of(face.engine, "TAP-07") == []

    # An item link's form posted under another item's link (its CSRF field belongs to the first): refused.
    first, second = face.item_link(OWNER, "TAP-07"), face.item_link(OWNER, "TAP-08")
    _open(page, first)
    form = form_for(page)
    form.evaluate("(f, to) => f.action = to", second)
    fill_update(form, percent="70", note="Posted where it does not belong.")
    with page.expect_navigation() as answer:
        form.get_by_role("button", name="Send update").click()
    assert answer.value is not None and answer.value.status == 403, answer.value.status
    assert updates_of(face.engine, "TAP-07") == [] and updates_of(face.engine, "TAP-08") == []

    # An item link posted with another ref still updates its own item only.
    _open(page, first)
    form = form_for(page)
    form.evaluate(
        "(f) => { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'ref';"
        " i.value = 'TAP-08'; f.appendChild(i); }"
    )
    fill_update(form, percent="45", note="Only TAP-07 moves.")
    submit(page, form)
    assert updates_of(face.engine, "TAP-08") == []
    assert len(updates_of(face.engine, "TAP-07")) in (0, 1)


def test_a_post_without_the_forms_csrf_field_changes_nothing(face: WebFace, page: Page) -> None:
    link = face.item_link(OWNER, "TAP-07")
    _open(page, link)
    form = form_for(page)
    form.locator("input[name='csrf']").evaluate("(e) => e.remove()")
    fill_update(form, percent="80", note="Forged?")
    with page.expect_navigation() as answer:
        form.get_by_role("button", name="Send update").click()
    assert answer.value is not None and answer.value.status == 403
    assert updates_of(face.engine, "TAP-07") == []
    assert RECEIVED not in page.content()


def test_a_link_used_for_what_it_does_not_name_is_refused(face: WebFace, page: Page) -> None:
    item, everything = face.item_link(OWNER, "TAP-07"), face.all_link(OWNER)
    # An item link turned into an "all my items" address, and the other way round.
    _refused(page, _open(page, item.replace("/u/", "/me/")), 403, "This link does not work", face)
    _refused(page, _open(page, everything.replace("/me/", "/u/")), 403, "This link does not work", face)
    # A link signed for another person's item (the owner may not update it): nothing of it shown.
    answer = _open(page, face.item_link(OWNER, "TAP-09"))
    _refused(page, answer, 403, "This link no longer works for you", face)
    for secret in ("TAP-09", "Publish the practice framework", OTHER):
        assert secret not in page.content()
