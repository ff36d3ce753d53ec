"""Signing in to the console for an address with a standing in two organisations' plans (issue 17): each
plan's SignInLinkSent and SignedIn events name only that plan and its roles, so one organisation's ledger
never names another's plans; and a sign-in notice that died is not one of a plan's dead notices in its board
pack or its sweep snapshot (it belongs to no plan's business, though it is filed under the first)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.columns import key_of
from models.console.entry import enter
from models.console.sign_in import sign_in_token
from models.console.sign_in_requests import request_sign_in
from models.console_access import AccessGrant
from models.db import unit_of_work
from models.ledger.chain import Event, decode_data, record
from models.ledger.kinds import EventKind
from models.links.tokens import LinkMaker
from models.meetings import Board, Meeting
from models.outbox import Notice, NoticeStatus
from models.plan import Plan
from models.plans.importer import import_plan
from models.reports.pack_data.loading import load_pack_data
from models.reports.pack_data.moment import AsOf
from models.sweep.snapshot import load_snapshot
from notifications.dispatch import dispatch
from tests.factories import load_small_plan, small_plan
from tests.integration.test_dispatch import Refusing

KEY = b"console-test-key-of-forty-characters-long"
ASKED = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
INSPECTOR = "ina.inspector@inspectorate.example.org"
PLANS = ("Test Plan", "Trust Plan")


def _two_organisations_and_a_grant_in_each(engine: Engine) -> None:
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        other = dataclasses.replace(small_plan("Trust Plan"), organisation="Example Trust")
        import_plan(session, other, actor="test")
        for plan in session.exec(select(Plan)):
            role = "inspector" if plan.name == "Test Plan" else "auditor"
            session.add(
                AccessGrant(
                    email=INSPECTOR,
                    name="Ina Inspector",
                    plan_id=key_of(plan),
                    role=role,
                    until=date(2027, 1, 31),
                    granted_by="operator@example.org",
                )
            )
        record(session, Event(EventKind.ACCESS_GRANTED, "operator@example.org", None, None, {}))


def _events(engine: Engine, kind: EventKind) -> list[tuple[str | None, dict[str, object]]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        return [(e.plan, decode_data(e.body)) for e in rows]


def test_each_plans_events_name_only_that_plan(engine: Engine) -> None:
    _two_organisations_and_a_grant_in_each(engine)
    with unit_of_work(engine) as session:
        notice_id = request_sign_in(session, INSPECTOR, ASKED)
    assert notice_id is not None
    with Session(engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        nonce = json.loads(notice.payload)["nonce"]
    with unit_of_work(engine) as session:
        enter(session, KEY, sign_in_token(KEY, INSPECTOR, nonce, ASKED), ASKED + timedelta(minutes=1))

    roles = {"Test Plan": ["inspector"], "Trust Plan": ["auditor"]}
    for kind in (EventKind.SIGN_IN_LINK_SENT, EventKind.SIGNED_IN):
        found = _events(engine, kind)
        assert sorted(plan or "" for plan, _ in found) == list(PLANS), kind
        for plan, data in found:
            assert plan is not None
            assert data == {"address": INSPECTOR, "plans": [plan], "roles": roles[plan]}, (kind, data)
            other = next(p for p in PLANS if p != plan)
            assert other not in json.dumps(data)


def test_a_dead_sign_in_notice_is_no_plans_dead_notice(engine: Engine) -> None:
    _two_organisations_and_a_grant_in_each(engine)
    with unit_of_work(engine) as session:
        notice_id = request_sign_in(session, INSPECTOR, ASKED)
    sent = ASKED + timedelta(minutes=1)
    links = LinkMaker("http://testserver", KEY, sent)
    result = dispatch(engine, Refusing(transient=False), sent, sender="los@example.org", links=links)
    assert result.dead == 1
    with Session(engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None and notice.status is NoticeStatus.DEAD and notice.plan in PLANS
        plan = session.exec(select(Plan).where(Plan.name == notice.plan)).one()
        assert load_snapshot(session, plan).dead_notices == ()
        board = session.exec(select(Board).where(Board.plan_id == plan.id)).first()
        assert board is not None
        meeting = session.exec(select(Meeting).where(Meeting.board_id == board.id)).first()
        assert meeting is not None
        data = load_pack_data(session, plan, board, meeting, AsOf(sent + timedelta(hours=1)))
        assert data.dead_notices == ()
