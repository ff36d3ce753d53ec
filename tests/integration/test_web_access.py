"""Which links open what (models/links/access), and the plain pages of the links that do not: tampered,
expired, withdrawn, reassigned; each refused page shows nothing about the item, and those we wrote offer a
fresh link, sent to the address on record only, at most once a day."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.db import read_session, unit_of_work
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.links.access import Access, LinkRefused, open_link
from models.links.tokens import csrf_token, fingerprint
from models.outbox import Notice
from models.plan import Action
from models.web_links import LinkRevocation
from tests.web_helpers import (
    AWAY_OWNER,
    DEPUTY,
    ISSUED,
    KEY,
    LEAD,
    MANAGER,
    NOW,
    OWNER,
    client,
    h1,
    hidden,
    ids,
    item_path,
    load_plan,
    token_for,
)


@pytest.fixture
def plan_engine(engine: Engine) -> Engine:
    load_plan(engine)
    return engine


def _open(engine: Engine, token: str, now: datetime = NOW) -> Access:
    with read_session(engine) as session:
        return open_link(session, KEY.encode(), token, now)


def _refusal(engine: Engine, token: str, now: datetime = NOW) -> LinkRefused:
    with pytest.raises(LinkRefused) as caught:
        _open(engine, token, now)
    return caught.value


def test_an_item_link_opens_its_item_only(plan_engine: Engine) -> None:
    person, plan = ids(plan_engine, OWNER)
    access = _open(plan_engine, token_for(person, plan, "ACT-1"))
    assert [o.item.ref for o in access.items] == ["ACT-1"]
    assert access.items[0].for_owner is None and access.person.email == OWNER
    assert access.find("act-1") is not None and access.find("ACT-3") is None


def test_all_my_items_are_the_open_items_owned_and_those_covered_for_an_away_owner(
    plan_engine: Engine,
) -> None:
    person, plan = ids(plan_engine, OWNER)
    assert [o.item.ref for o in _open(plan_engine, token_for(person, plan, None)).items] == ["ACT-1"]
    manager, _ = ids(plan_engine, MANAGER)
    assert _open(plan_engine, token_for(manager, plan, None)).items == ()  # ACT-3 is complete
    deputy, _ = ids(plan_engine, DEPUTY)
    covered = _open(plan_engine, token_for(deputy, plan, None)).items
    assert [(o.item.ref, o.for_owner.email if o.for_owner else None) for o in covered] == [
        ("ACT-2", AWAY_OWNER)
    ]
    # Once the owner is back, the deputy's link no longer opens the owner's items.
    back = NOW + timedelta(days=14)
    assert _open(plan_engine, token_for(deputy, plan, None, NOW + timedelta(days=13)), back).items == ()


def test_a_deputy_item_link_acts_for_the_away_owner(plan_engine: Engine) -> None:
    deputy, plan = ids(plan_engine, DEPUTY)
    entry = _open(plan_engine, token_for(deputy, plan, "ACT-2")).items[0]
    assert entry.for_owner is not None and entry.for_owner.email == AWAY_OWNER


def test_refusals_by_reason(plan_engine: Engine) -> None:
    person, plan = ids(plan_engine, OWNER)
    good = token_for(person, plan, "ACT-1")
    assert (_refusal(plan_engine, good[:-2] + "xx").reason, _refusal(plan_engine, "nonsense").status) == (
        "tampered",
        403,
    )
    assert _refusal(plan_engine, good[:-2] + "xx").claims is None
    expired = _refusal(plan_engine, good, NOW + timedelta(days=21))
    assert (expired.reason, expired.status, expired.person_id) == ("expired", 410, person)
    # Someone else's item: the owner of ACT-1 may not update ACT-3.
    assert _refusal(plan_engine, token_for(person, plan, "ACT-3")).reason == "reassigned"
    assert _refusal(plan_engine, token_for(person, plan, "NOPE-1")).reason == "reassigned"
    assert _refusal(plan_engine, token_for(9999, plan, "ACT-1")).reason == "unknown"
    assert _refusal(plan_engine, token_for(person, 9999, "ACT-1")).reason == "unknown"


def test_a_revocation_withdraws_the_links_issued_before_it_only(plan_engine: Engine) -> None:
    person, plan = ids(plan_engine, OWNER)
    with unit_of_work(plan_engine, bookkeeping=True) as session:
        session.add(LinkRevocation(person_id=person, revoked_at=ISSUED + timedelta(hours=1), actor="test"))
    refused = _refusal(plan_engine, token_for(person, plan, "ACT-1"))
    assert (refused.reason, refused.status) == ("revoked", 410)
    assert _open(plan_engine, token_for(person, plan, "ACT-1", ISSUED + timedelta(hours=2))).items


def test_reassigning_the_item_stops_its_link(plan_engine: Engine) -> None:
    person, plan = ids(plan_engine, OWNER)
    lead, _ = ids(plan_engine, LEAD)
    token = token_for(person, plan, "ACT-1")
    assert _open(plan_engine, token).items
    with unit_of_work(plan_engine, bookkeeping=True) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        action.owner_id = ids(plan_engine, DEPUTY)[0]
        session.add(action)
    assert _refusal(plan_engine, token).reason == "reassigned"
    # The area lead still may update it: their link keeps working.
    assert _open(plan_engine, token_for(lead, plan, "ACT-1")).items


# --- through the web ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "status", "title", "renewal"),
    [
        ("tampered", 403, "This link does not work", False),
        ("expired", 410, "This link has expired", True),
        ("revoked", 410, "This link has been withdrawn", True),
        ("reassigned", 403, "This link no longer works for you", True),
        ("wrong page", 403, "This link does not work", False),
    ],
)
def test_refused_pages_show_nothing_of_the_item(
    plan_engine: Engine, db_url: str, case: str, status: int, title: str, renewal: bool
) -> None:
    person, plan = ids(plan_engine, OWNER)
    token = token_for(person, plan, "ACT-1")
    path, now = f"/u/{token}", NOW
    if case == "tampered":
        path = f"/u/{token[:-3]}abc"
    elif case == "expired":
        now = NOW + timedelta(days=30)
    elif case == "revoked":
        with unit_of_work(plan_engine, bookkeeping=True) as session:
            session.add(LinkRevocation(person_id=person, revoked_at=NOW - timedelta(minutes=5), actor="test"))
    elif case == "reassigned":
        path = f"/u/{token_for(person, plan, 'ACT-3')}"
    elif case == "wrong page":
        path = f"/me/{token}"  # an item link cannot open "all my items"
    response = client(db_url, now).get(path)
    assert response.status_code == status
    assert h1(response.text) == title and f"<title>{title} - Line of Sight</title>" in response.text
    for secret in ("ACT-1", "Audit cases", "Management oversight", "40%"):
        assert secret not in response.text
    assert ("Send me a new link" in response.text) is renewal
    assert ('<input type="hidden" name="renew" value="1">' in response.text) is renewal
    assert token not in response.text and path.split("/")[-1] not in response.text  # nor in any form


def test_renewal_queues_one_link_a_day_to_the_address_on_record(plan_engine: Engine, db_url: str) -> None:
    person, plan = ids(plan_engine, OWNER)
    token = token_for(person, plan, "ACT-1")
    web = client(db_url, NOW + timedelta(days=30))
    page = web.get(f"/u/{token}")
    assert page.status_code == 410
    # The button posts back to the page's own address; an address typed in is ignored.
    form = {"renew": "1", "csrf": hidden(page.text, "csrf"), "email": "thief@evil.example"}
    first = web.post(f"/u/{token}", data=form)
    assert first.status_code == 200 and "o***@example.org" in first.text and OWNER not in first.text
    assert "thief" not in first.text
    again = web.post("/links/renew", data={"token": token, "csrf": form["csrf"]})  # the same, by /links/renew
    assert again.status_code == 200 and "already" in again.text
    with Session(plan_engine) as session:
        notices = session.exec(select(Notice).where(Notice.kind == EventKind.LINK_RESENT)).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == EventKind.LINK_RESENT)).all()
    assert [(n.recipient, n.item_refs) for n in notices] == [(OWNER, "ACT-1")]
    payload = json.loads(notices[0].payload)
    assert payload["reason"].startswith("You asked for a new link on ") and payload["ref"] == "ACT-1"
    assert [(e.actor, e.ref) for e in events] == [(OWNER, "ACT-1")]
    assert decode_data(events[0].body)["old_link"] == fingerprint(token)
    assert token not in events[0].body.decode() and token not in notices[0].payload


def test_renewal_of_a_reassigned_item_link_sends_all_my_items_only(plan_engine: Engine, db_url: str) -> None:
    person, plan = ids(plan_engine, OWNER)
    token = token_for(person, plan, "ACT-3")
    csrf = csrf_token(KEY.encode(), token)
    assert client(db_url).post("/links/renew", data={"token": token, "csrf": csrf}).status_code == 200
    with Session(plan_engine) as session:
        notice = session.exec(select(Notice).where(Notice.kind == EventKind.LINK_RESENT)).one()
    assert notice.item_refs == "" and json.loads(notice.payload)["ref"] == ""


@pytest.mark.parametrize("case", ["tampered", "no csrf", "cross-site"])
def test_renewal_refuses_what_we_did_not_write_and_forged_forms(
    plan_engine: Engine, db_url: str, case: str
) -> None:
    person, plan = ids(plan_engine, OWNER)
    token = token_for(person, plan, "ACT-1")
    form, headers = {"token": token, "csrf": csrf_token(KEY.encode(), token)}, {}
    if case == "tampered":
        form["token"] = token[:-2] + "zz"
    elif case == "no csrf":
        form["csrf"] = "guess"
    else:
        headers = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    response = client(db_url).post("/links/renew", data=form, headers=headers)
    assert response.status_code == 403
    with Session(plan_engine) as session:
        count = session.execute(sa.select(sa.func.count()).select_from(Notice)).scalar_one()
    assert count == 0


def test_an_item_link_cannot_post_for_another_item(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    page = web.get(path)
    form = {"csrf": hidden(page.text, "csrf"), "form_id": hidden(page.text, "form_id"), "ref": "ACT-3"}
    response = web.post(path, data={**form, "note": "for ACT-1, whatever ref says"}, follow_redirects=False)
    assert response.status_code == 303
    with Session(plan_engine) as session:
        refs = session.execute(
            sa.select(col(AuditEvent.ref)).where(col(AuditEvent.kind) == EventKind.ACTION_UPDATED)
        ).scalars()
        assert list(refs) == ["ACT-1"]
