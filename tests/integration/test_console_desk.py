"""The secretariat's desk in the console (issue 17, point 2, "The outbox"), over HTTP on both databases:
the plan's dead and failed notices with their reasons (secrets never shown) and revive; owners' requests to
move a due date, accepted (a re-baseline) or declined, the owner told either way. Only the secretariat writes
(403 for everyone else, and for a forged form), a request is decided once, an out-of-date request is refused,
and each change goes with its ledger event and its notices in one transaction."""

from __future__ import annotations

import email
import re
import threading
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.columns import key_of
from models.console.sign_in_requests import request_sign_in
from models.console_records import DueChangeRequest
from models.db import unit_of_work
from models.escalations import Escalation
from models.ledger.chain import Event, decode_data, record
from models.ledger.kinds import EventKind
from models.ledger.verification import verify_database
from models.links.tokens import LinkMaker
from models.outbox import Notice, NoticeStatus
from models.people import Person
from models.plan import Action, Milestone, Plan
from models.plans.due_decisions import DecisionRefused, accept
from models.plans.due_requests import request_due_change
from models.plans.importer import import_plan
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.transport import Delivery, FileSink
from tests.console_helpers import (
    AUDITOR,
    BASE,
    INSPECTOR,
    KEY,
    NOW,
    ROLE_HOLDERS,
    Clock,
    console_client,
    console_plan,
    console_spec,
    csrf,
    sign_in,
)
from tests.factories import MANAGER, OWNER, SECRETARIAT

POLICY = load_policy()
SENDER = "lineofsight@example.org"
WANTED = date(2017, 11, 30)
# What a transport of old might have written as a failure's reason: a password and a Workflows signature.
LEAKY_ERROR = (
    "535 refused by smtps://desk.user:Hunter2Secret@mail.example.org:465 while posting to "
    "https://prod.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=S3cretSig"
)
SECRETS = ("Hunter2Secret", "desk.user", "S3cretSig", "logic.azure.com")
NOT_WRITERS = [role for role in ROLE_HOLDERS if role.value != "secretariat"]


class Leaky:
    """A transport that refuses every message for good, quoting secrets in its reason."""

    def send_email(self, message: Message) -> Delivery:
        return Delivery(ok=False, transient=False, error=LEAKY_ERROR)

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        return self.send_email(EmailMessage())


# --- helpers ------------------------------------------------------------------------------------------


def _client(db_url: str, who: str, clock: Clock | None = None) -> TestClient:
    clock = clock or Clock()
    return sign_in(console_client(db_url, clock), who, clock.now)


def _post(client: TestClient, path: str, page: str, **fields: str) -> Any:
    token = csrf(client.get(page).text)
    return client.post(path, data={"csrf": token, **fields})


def _ledger(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))))


def _events(engine: Engine, kind: EventKind) -> list[tuple[AuditEvent, dict[str, Any]]]:
    return [(e, decode_data(e.body)) for e in _ledger(engine) if e.kind == kind.value]


def _notices(engine: Engine, kind: EventKind | None = None) -> list[Notice]:
    with Session(engine) as session:
        found = session.exec(select(Notice).order_by(col(Notice.id))).all()
    return [n for n in found if kind is None or n.kind == kind.value]


def _ask(engine: Engine, ref: str = "ACT-1", wanted: date = WANTED, reason: str = "Two auditors left") -> int:
    """An owner's request, through the door the owners' page uses; returns the request's id."""
    with unit_of_work(engine) as session:
        plan = session.exec(select(Plan).where(Plan.name == "Test Plan")).one()
        item: Action | Milestone | None = session.exec(
            select(Action).where(Action.plan_id == plan.id, Action.ref == ref)
        ).first()
        item = item or session.exec(select(Milestone).where(Milestone.ref == ref)).one()
        owner = session.exec(select(Person).where(Person.email == OWNER)).one()
        request_due_change(session, plan, item, owner, wanted, reason, NOW - timedelta(days=3))
    with Session(engine) as session:
        return max(r.id or 0 for r in session.exec(select(DueChangeRequest)))


def _request(engine: Engine, request_id: int) -> DueChangeRequest:
    with Session(engine) as session:
        found = session.get(DueChangeRequest, request_id)
        assert found is not None
        return found


def _due(engine: Engine, ref: str = "ACT-1") -> date:
    with Session(engine) as session:
        plan = session.exec(select(Plan).where(Plan.name == "Test Plan")).one()
        return (
            session.exec(select(Action).where(Action.plan_id == plan.id, Action.ref == ref)).one().current_due
        )


def _dead_notices(engine: Engine) -> None:
    """Today's sweep of both plans, every message refused for good, and a sign-in link that died too."""
    console_plan(engine, "Other Plan")
    sweep_plans(engine, POLICY, NOW.date())
    with unit_of_work(engine) as session:
        request_sign_in(session, SECRETARIAT, NOW)
    dispatch(engine, Leaky(), NOW + timedelta(hours=1), sender=SENDER)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the outbox ---------------------------------------------------------------------------------------


def test_the_outbox_lists_the_plans_own_troubles_newest_first_with_no_secret(
    engine: Engine, db_url: str
) -> None:
    plan_id = console_plan(engine)
    _dead_notices(engine)
    with unit_of_work(engine) as session:  # one failed (retried later): listed too, with its next attempt
        failed = session.exec(
            select(Notice)
            .where(Notice.plan == "Test Plan", Notice.kind != "SignInLinkSent")
            .order_by(col(Notice.id))
        ).first()
        assert failed is not None
        failed.status, failed.not_before = NoticeStatus.FAILED, NOW + timedelta(days=1)
        session.add(failed)
        record(session, Event("TestNoticeMarked", "test", "Test Plan"))
    mine = [n for n in _notices(engine) if n.plan == "Test Plan" and n.kind != EventKind.SIGN_IN_LINK_SENT]
    others = [n for n in _notices(engine) if n not in mine]
    assert mine and others and any(n.kind == EventKind.SIGN_IN_LINK_SENT.value for n in others)

    page = _client(db_url, SECRETARIAT).get(f"/console/plans/{plan_id}/outbox")
    assert page.status_code == 200
    shown = [int(i) for i in re.findall(r'<tr id="notice-(\d+)"', page.text)]
    newest_first = sorted(mine, key=lambda n: (n.created_at, n.id or 0), reverse=True)
    assert shown == [n.id for n in newest_first]
    assert not any(secret in page.text for secret in SECRETS)
    assert "smtps://(redacted)" in page.text and "https://(redacted)" in page.text
    assert "next attempt Tue 10 Oct 2017" in _text(page.text)
    assert page.text.count(">Revive<") == len(mine)
    assert page.text.count("<h1") == 1 and "<caption>" in page.text and 'scope="col"' in page.text


@pytest.mark.parametrize("who", [AUDITOR, INSPECTOR])
def test_read_only_roles_see_the_outbox_without_buttons_and_their_view_is_recorded(
    engine: Engine, db_url: str, who: str
) -> None:
    plan_id = console_plan(engine)
    _dead_notices(engine)
    page = _client(db_url, who).get(f"/console/plans/{plan_id}/outbox")
    assert page.status_code == 200 and '<tr id="notice-' in page.text
    assert "Revive" not in page.text and "/revive" not in page.text
    [(event, data)] = _events(engine, EventKind.CONSOLE_PAGE_VIEWED)
    assert event.actor == who and data["page"] == f"/console/plans/{plan_id}/outbox"


def test_revive_makes_a_dead_notice_pending_with_its_event(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    _dead_notices(engine)
    dead = next(n for n in _notices(engine) if n.plan == "Test Plan" and n.status is NoticeStatus.DEAD)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/outbox"
    answer = _post(client, f"{page}/{dead.id}/revive", page)
    assert answer.status_code == 303 and answer.headers["location"] == f"{page}?revived={dead.id}"
    [again] = [n for n in _notices(engine) if n.id == dead.id]
    assert again.status is NoticeStatus.PENDING and again.attempts == 0
    [(event, data)] = _events(engine, EventKind.NOTICE_RETRIED)
    assert event.actor == SECRETARIAT and event.plan == "Test Plan" and data["notice_id"] == dead.id
    shown = client.get(answer.headers["location"])
    assert f"Notice {dead.id} is pending again" in shown.text and f'id="notice-{dead.id}"' not in shown.text


def test_revive_of_a_pending_notice_says_why_and_changes_nothing(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    _dead_notices(engine)
    dead = next(n for n in _notices(engine) if n.plan == "Test Plan" and n.status is NoticeStatus.DEAD)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/outbox"
    assert _post(client, f"{page}/{dead.id}/revive", page).status_code == 303
    before = len(_ledger(engine))
    twice = _post(client, f"{page}/{dead.id}/revive", page)
    assert twice.status_code == 400
    assert "There is a problem" in twice.text and "only dead or failed notices can be retried" in twice.text
    assert f'href="#notice-{dead.id}"' in twice.text and "<title>Error:" in twice.text
    assert len(_ledger(engine)) == before


def test_another_plans_notice_and_a_sign_in_link_are_no_notice_of_this_plan(
    engine: Engine, db_url: str
) -> None:
    plan_id = console_plan(engine)
    _dead_notices(engine)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/outbox"
    before = _notices(engine)
    for notice in (n for n in before if n.plan != "Test Plan" or n.kind == EventKind.SIGN_IN_LINK_SENT.value):
        answer = _post(client, f"{page}/{notice.id}/revive", page)
        assert answer.status_code == 404 and "No such notice" in answer.text
    assert _post(client, f"{page}/999999/revive", page).status_code == 404
    assert [(n.id, n.status) for n in _notices(engine)] == [(n.id, n.status) for n in before]
    assert not _events(engine, EventKind.NOTICE_RETRIED)


# --- refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_WRITERS, ids=str)
def test_only_the_secretariat_writes(engine: Engine, db_url: str, role: Any) -> None:
    plan_id = console_plan(engine)
    _dead_notices(engine)
    asked = _ask(engine)
    dead = next(n for n in _notices(engine) if n.plan == "Test Plan" and n.status is NoticeStatus.DEAD)
    client = _client(db_url, ROLE_HOLDERS[role])
    token = csrf(client.get("/console").text)
    before = len(_ledger(engine))
    base = f"/console/plans/{plan_id}"
    for path in (
        f"{base}/outbox/{dead.id}/revive",
        f"{base}/requests/{asked}/accept",
        f"{base}/requests/{asked}/decline",
    ):
        answer = client.post(path, data={"csrf": token, "reason": "Because I can"})
        assert answer.status_code == 403 and "You cannot use this page" in answer.text, path
    assert len(_ledger(engine)) == before
    assert _request(engine, asked).status == "open" and _due(engine) == date(2017, 10, 2)
    assert next(n for n in _notices(engine) if n.id == dead.id).status is NoticeStatus.DEAD
    if role.value in ("chair", "member"):  # not readers of the outbox or the requests either
        assert client.get(f"{base}/outbox").status_code == 403
        assert client.get(f"{base}/requests").status_code == 403


def test_a_forged_form_is_refused(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    token = csrf(client.get(page).text)
    path = f"{page}/{asked}/accept"
    before = len(_ledger(engine))
    forged = [
        ({"reason": "x"}, {}),  # no anti-forgery field
        ({"reason": "x", "csrf": token[:-4] + "AAAA"}, {}),  # one not signed for this session
        ({"reason": "x", "csrf": csrf(_client(db_url, SECRETARIAT).get(page).text)}, {}),  # another session's
        ({"reason": "x", "csrf": token}, {"Origin": "https://evil.example.com"}),  # from another site
    ]
    for data, headers in forged:
        answer = client.post(path, data=data, headers=headers)
        assert answer.status_code == 403, data
    assert len(_ledger(engine)) == before and _request(engine, asked).status == "open"


# --- due-date requests --------------------------------------------------------------------------------


def test_the_requests_page_lists_what_is_asked(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    _ask(engine, reason="The <b>court</b> list moved & more")
    page = _client(db_url, SECRETARIAT).get(f"/console/plans/{plan_id}/requests")
    text = _text(page.text)
    assert page.status_code == 200 and page.text.count("<h1") == 1
    assert "ACT-1: Audit cases" in text and "Owner Action Owner" in text
    assert "from Monday 2 October 2017 to Thursday 30 November 2017" in text
    assert "The &lt;b&gt;court&lt;/b&gt; list moved &amp; more" in page.text and "<b>court" not in page.text
    assert "Fri 6 Oct 2017 10:00 by Action Owner" in text
    assert 'label for="reason-' in page.text and ">Accept<" in page.text and ">Decline<" in page.text
    read_only = _client(db_url, AUDITOR).get(f"/console/plans/{plan_id}/requests")
    assert "ACT-1: Audit cases" in _text(read_only.text) and "<textarea" not in read_only.text
    [(event, data)] = _events(
        engine, EventKind.CONSOLE_PAGE_VIEWED
    )  # the auditor's view; not the secretariat's
    assert event.actor == AUDITOR and data["page"] == f"/console/plans/{plan_id}/requests"


def test_accepting_re_baselines_the_item_and_tells_the_owner(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    answer = _post(client, f"{page}/{asked}/accept", page, reason="Agreed at the board: new auditors start")
    assert answer.status_code == 303 and answer.headers["location"] == f"{page}?decided={asked}"

    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
    assert (action.current_due, action.original_due, action.rebaseline_count) == (
        WANTED,
        date(2017, 10, 2),
        1,
    )
    decided = _request(engine, asked)
    assert (decided.status, decided.decided_by, decided.decided_at) == ("accepted", SECRETARIAT, NOW)
    assert decided.decision_reason == "Agreed at the board: new auditors start"
    [(rebaselined, data)] = _events(engine, EventKind.DUE_DATE_REBASELINED)
    assert (rebaselined.actor, rebaselined.plan, rebaselined.ref) == (SECRETARIAT, "Test Plan", "ACT-1")
    assert data == {  # the shape the workbook import writes, with the request it answers
        "before": {"due": "2017-10-02"},
        "after": {"due": "2017-11-30"},
        "reason": "Agreed at the board: new auditors start",
        "original_due": "2017-10-02",
        "rebaseline_count": 1,
        "request_id": asked,
    }
    [(accepted, data)] = _events(engine, EventKind.DUE_CHANGE_ACCEPTED)
    assert accepted.actor == SECRETARIAT and data["request_id"] == asked and data["told"] == [OWNER]
    [notice] = _notices(engine, EventKind.DUE_CHANGE_ACCEPTED)
    assert (notice.recipient, notice.item_refs, notice.status) == (OWNER, "ACT-1", NoticeStatus.PENDING)
    assert verify_database(engine).ok

    shown = _text(client.get(answer.headers["location"]).text)
    assert f"Request {asked} accepted" in shown and "ACT-1 is now due Thursday 30 November 2017" in shown
    assert "No request is waiting for a decision" in shown and "Accepted by Board Secretariat" in shown

    # The owner's own page shows the new date; the decision is news, not a reminder of why they are chased.
    with Session(engine) as session:
        owner = session.exec(select(Person).where(Person.email == OWNER)).one()
    link = LinkMaker(BASE, KEY.encode(), NOW - timedelta(days=1), 21).item(key_of(owner), plan_id, "ACT-1")
    owners_page = _text(client.get(link.removeprefix(BASE)).text)
    assert "Due Thursday 30 November 2017" in owners_page and "accepted the request" not in owners_page

    dispatch(engine, FileSink(tmp_path), NOW + timedelta(hours=1), sender=SENDER)
    [mail] = [email.message_from_bytes(p.read_bytes()) for p in tmp_path.rglob(f"{OWNER}*.eml")]
    assert mail["Subject"] == "1 due date moved"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert isinstance(text, bytes)
    body = " ".join(text.decode().split())
    assert "Due date moved. Due Thursday 30 November 2017" in body
    assert "The board secretariat accepted the request to move the due date of ACT-1" in body
    assert "Agreed at the board: new auditors start" in body and "none yet" not in body


def test_declining_keeps_the_date_and_tells_the_owner_why(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    answer = _post(client, f"{page}/{asked}/decline", page, reason="The inspectorate date is fixed")
    assert answer.status_code == 303
    assert _due(engine) == date(2017, 10, 2) and _request(engine, asked).status == "declined"
    assert not _events(engine, EventKind.DUE_DATE_REBASELINED)
    [(event, data)] = _events(engine, EventKind.DUE_CHANGE_DECLINED)
    assert event.actor == SECRETARIAT and data["reason"] == "The inspectorate date is fixed"
    [notice] = _notices(engine, EventKind.DUE_CHANGE_DECLINED)
    assert notice.recipient == OWNER and "The inspectorate date is fixed" in notice.payload
    assert "The due date stays Monday 2 October 2017" in notice.payload
    assert f"Request {asked} declined" in client.get(answer.headers["location"]).text


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_a_decision_needs_a_reason(engine: Engine, db_url: str, decision: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    before = len(_ledger(engine))
    answer = _post(client, f"{page}/{asked}/{decision}", page, reason="   ")
    assert answer.status_code == 400 and "<title>Error:" in answer.text
    assert f'<a href="#reason-{asked}">Give the reason for the decision' in answer.text
    assert f'id="reason-{asked}-error"' in answer.text and "field-error" in answer.text
    assert len(_ledger(engine)) == before and _request(engine, asked).status == "open"
    assert not _notices(engine, EventKind.DUE_CHANGE_ACCEPTED) + _notices(
        engine, EventKind.DUE_CHANGE_DECLINED
    )


def test_hostile_reasons_are_text_or_refused(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    refused = _post(client, f"{page}/{asked}/decline", page, reason="Hidden \u202e reversed \x0b text")
    assert refused.status_code == 400 and "without control characters" in refused.text
    assert "Hidden \u202e reversed" in refused.text  # what was typed is kept in the field, as text
    assert _request(engine, asked).status == "open"
    hostile = '<script>alert("x")</script> & "quotes" </textarea><b>'
    assert _post(client, f"{page}/{asked}/decline", page, reason=hostile).status_code == 303
    shown = client.get(page).text
    assert "<script>alert" not in shown and "&lt;script&gt;alert(" in shown and "</textarea><b>" not in shown
    too_long = _ask(engine, "ACT-2", date(2017, 12, 1))
    answer = _post(client, f"{page}/{too_long}/accept", page, reason="x" * 2001)
    assert answer.status_code == 400 and "at most 2000 characters" in answer.text


def test_a_request_is_decided_once(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    first, second = _client(db_url, SECRETARIAT), _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    token = csrf(second.get(page).text)  # the second secretariat's page, loaded before the first decides
    assert _post(first, f"{page}/{asked}/accept", page, reason="Yes").status_code == 303
    before = len(_ledger(engine))
    late = second.post(f"{page}/{asked}/decline", data={"csrf": token, "reason": "No"})
    assert late.status_code == 400
    assert (
        "This request was already accepted by secretariat@example.org on Monday 9 October 2017" in late.text
    )
    assert f'href="#request-{asked}"' in late.text
    assert len(_ledger(engine)) == before and _request(engine, asked).status == "accepted"


def _at_once(clients: list[TestClient], paths: list[str], page: str) -> tuple[list[int], list[str]]:
    """Both posts released together, each from its own application (as two `web` processes would be)."""
    tokens = [csrf(c.get(page).text) for c in clients]
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str]] = []

    def post(index: int) -> None:
        barrier.wait()
        answer = clients[index].post(paths[index], data={"csrf": tokens[index], "reason": f"r{index}"})
        answers.append((answer.status_code, answer.text))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(status for status, _ in answers), [text for status, text in answers if status == 400]


@pytest.mark.parametrize("decisions", [("accept", "decline"), ("accept", "accept"), ("decline", "decline")])
def test_two_secretariats_at_once_make_one_decision(
    engine: Engine, db_url: str, decisions: tuple[str, str]
) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    page = f"/console/plans/{plan_id}/requests"
    clients = [_client(db_url, SECRETARIAT) for _ in range(2)]
    statuses, refusals = _at_once(clients, [f"{page}/{asked}/{d}" for d in decisions], page)
    assert statuses == [303, 400]
    won = _request(engine, asked).status
    assert "This request was already " + won in refusals[0]
    made = _events(engine, EventKind.DUE_CHANGE_ACCEPTED) + _events(engine, EventKind.DUE_CHANGE_DECLINED)
    assert len(made) == 1
    assert _due(engine) == (WANTED if won == "accepted" else date(2017, 10, 2))
    told = _notices(engine, EventKind.DUE_CHANGE_ACCEPTED) + _notices(engine, EventKind.DUE_CHANGE_DECLINED)
    assert len(told) == 1 and verify_database(engine).ok


def test_two_requests_about_one_item_accepted_at_once_move_it_once(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    first, second = _ask(engine, wanted=WANTED), _ask(engine, wanted=date(2017, 12, 15))
    page = f"/console/plans/{plan_id}/requests"
    clients = [_client(db_url, SECRETARIAT) for _ in range(2)]
    statuses, refusals = _at_once(clients, [f"{page}/{first}/accept", f"{page}/{second}/accept"], page)
    assert statuses == [303, 400] and "so the request is out of date" in refusals[0]
    [(_, data)] = _events(engine, EventKind.DUE_DATE_REBASELINED)
    assert data["rebaseline_count"] == 1 and _due(engine).isoformat() == data["after"]["due"]
    assert sorted(_request(engine, r).status for r in (first, second)) == ["accepted", "open"]


def test_a_request_overtaken_by_the_workbook_is_refused_as_out_of_date(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    spec = console_spec()
    moved = tuple(
        a if a.ref != "ACT-1" else a.__class__(**{**a.__dict__, "due": date(2017, 10, 20)})
        for a in spec.actions
    )
    with unit_of_work(engine) as session:
        import_plan(
            session,
            spec.__class__(**{**spec.__dict__, "actions": moved}),
            actor="x",
            reasons={"ACT-1": "Board"},
        )
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    assert "Cannot be accepted now" in client.get(page).text
    before = len(_ledger(engine))
    answer = _post(client, f"{page}/{asked}/accept", page, reason="Yes")
    assert answer.status_code == 400
    assert "The due date of ACT-1 has changed since the request was made" in answer.text
    assert "it is now Friday 20 October 2017" in answer.text
    assert len(_ledger(engine)) == before and _due(engine) == date(2017, 10, 20)
    # Declining it still works: the owner hears the request is closed, and may ask again.
    assert _post(client, f"{page}/{asked}/decline", page, reason="Out of date: ask again").status_code == 303


def test_a_request_for_an_item_completed_meanwhile_cannot_be_accepted(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine)
    spec = console_spec()
    done = tuple(
        a if a.ref != "ACT-1" else a.__class__(**{**a.__dict__, "status": "complete", "percent": 100})
        for a in spec.actions
    )
    with unit_of_work(engine) as session:
        import_plan(session, spec.__class__(**{**spec.__dict__, "actions": done}), actor="x")
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    answer = _post(client, f"{page}/{asked}/accept", page, reason="Yes")
    assert answer.status_code == 400 and "ACT-1 is complete since the request was made" in answer.text
    assert _request(engine, asked).status == "open"


def test_an_unknown_or_another_plans_request_is_not_found(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    other = console_plan(engine, "Other Plan")
    asked = _ask(engine)
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    assert _post(client, f"{page}/999999/accept", page, reason="x").status_code == 404
    # The secretariat of both plans: the request is Test Plan's, not Other Plan's.
    wrong = _post(
        client,
        f"/console/plans/{other}/requests/{asked}/accept",
        f"/console/plans/{other}/requests",
        reason="x",
    )
    assert wrong.status_code == 404 and _request(engine, asked).status == "open"


def test_the_change_its_events_and_its_notices_commit_together(engine: Engine) -> None:
    console_plan(engine)
    asked = _ask(engine)
    with unit_of_work(engine) as session:  # a notice already holding the key the owner's notice would take
        session.add(
            Notice(
                dedupe_key=f"Test Plan|ACT-1|DueChangeAccepted|{asked}|{OWNER}",
                plan="Test Plan",
                recipient=OWNER,
                kind="Test",
                payload="{}",
            )
        )
        record(session, Event("TestNoticeQueued", "test", "Test Plan"))
    before = len(_ledger(engine))
    with pytest.raises(sa.exc.IntegrityError), unit_of_work(engine) as session:
        found = session.get(DueChangeRequest, asked)
        assert found is not None
        accept(session, found, SECRETARIAT, "Yes", NOW)
    assert len(_ledger(engine)) == before and _due(engine) == date(2017, 10, 2)
    assert _request(engine, asked).status == "open" and not _notices(engine, EventKind.DUE_CHANGE_ACCEPTED)


def test_a_deputy_who_asked_is_told_as_well_as_the_owner(engine: Engine) -> None:
    console_plan(engine)
    with unit_of_work(engine) as session:
        plan = session.exec(select(Plan).where(Plan.name == "Test Plan")).one()
        item = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        manager = session.exec(select(Person).where(Person.email == MANAGER)).one()
        request_due_change(session, plan, item, manager, WANTED, "Cover", NOW, on_behalf_of=OWNER)
    with unit_of_work(engine) as session:
        found = session.exec(select(DueChangeRequest)).one()
        assert found.on_behalf_of == OWNER and found.requested_by == MANAGER
        accept(session, found, SECRETARIAT, "Fine", NOW)
    assert sorted(n.recipient for n in _notices(engine, EventKind.DUE_CHANGE_ACCEPTED)) == [MANAGER, OWNER]
    [(_, data)] = _events(engine, EventKind.DUE_CHANGE_ACCEPTED)
    assert sorted(data["told"]) == [MANAGER, OWNER]
    with Session(engine) as session, pytest.raises(DecisionRefused, match="already accepted"):
        again = session.exec(select(DueChangeRequest)).one()
        accept(session, again, SECRETARIAT, "Twice", NOW)


def test_a_milestone_request_moves_the_milestone(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    asked = _ask(engine, "MS-1", date(2018, 1, 15))
    client = _client(db_url, SECRETARIAT)
    page = f"/console/plans/{plan_id}/requests"
    assert _post(client, f"{page}/{asked}/accept", page, reason="The inspectorate agreed").status_code == 303
    with Session(engine) as session:
        assert session.exec(select(Milestone).where(Milestone.ref == "MS-1")).one().due == date(2018, 1, 15)
    [(_, data)] = _events(engine, EventKind.DUE_DATE_REBASELINED)
    assert data == {
        "before": {"due": "2017-12-11"},
        "after": {"due": "2018-01-15"},
        "reason": "The inspectorate agreed",
        "request_id": asked,
    }


def test_the_next_sweep_judges_the_item_against_the_accepted_date(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    sweep_plans(engine, POLICY, date(2017, 10, 9))  # ACT-1, due 2 October, is 5 working days overdue
    with Session(engine) as session:
        assert [e.level for e in session.exec(select(Escalation).where(Escalation.item_ref == "ACT-1"))] == [
            2
        ]
    asked = _ask(engine)
    client = _client(db_url, SECRETARIAT, Clock(datetime(2017, 10, 10, 9, 0, tzinfo=UTC)))
    page = f"/console/plans/{plan_id}/requests"
    assert _post(client, f"{page}/{asked}/accept", page, reason="New auditors start").status_code == 303
    overdue_before = len(
        [n for n in _notices(engine, EventKind.OVERDUE_NOTICE_QUEUED) if n.item_refs == "ACT-1"]
    )
    sweep_plans(engine, POLICY, date(2017, 10, 16))  # would be 10 working days overdue on the old date
    with Session(engine) as session:
        ladders = session.exec(select(Escalation).where(Escalation.item_ref == "ACT-1")).all()
    assert ladders and all(
        r.closed_on == date(2017, 10, 16)
        and "re-baselined to Thursday 30 November 2017" in (r.closed_reason or "")
        for r in ladders
    )
    overdue = [n for n in _notices(engine, EventKind.OVERDUE_NOTICE_QUEUED) if n.item_refs == "ACT-1"]
    assert len(overdue) == overdue_before
    assert not [n for n in _notices(engine, EventKind.ESCALATED_TO_BOARD) if n.item_refs == "ACT-1"]
