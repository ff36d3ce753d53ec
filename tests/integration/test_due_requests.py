"""Requests to move a due date: checked, recorded (a request awaiting the secretariat's decision, and its
ledger event), sent to whoever decides, never applied."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.console_records import DueChangeRequest
from models.db import unit_of_work
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.outbox import Notice
from models.people import Person
from models.plan import Action, Milestone, Plan
from models.plans.due_requests import NEXT_STEP, request_due_change
from models.plans.importer import import_plan
from models.plans.spec import PersonSpec
from models.plans.updates import FieldError
from tests.factories import LEAD, MANAGER, OWNER, SECRETARIAT, small_plan

AT = datetime(2017, 9, 20, 10, 0, tzinfo=UTC)


def _ask(
    engine: Engine, ref: str, wanted: date, reason: str, by: str = OWNER, on_behalf_of: str | None = None
) -> list[str]:
    with unit_of_work(engine) as session:
        plan = session.exec(select(Plan)).one()
        item: Action | Milestone | None = session.exec(select(Action).where(Action.ref == ref)).first()
        item = item or session.exec(select(Milestone).where(Milestone.ref == ref)).one()
        person = session.exec(select(Person).where(Person.email == by)).one()
        return request_due_change(session, plan, item, person, wanted, reason, AT, on_behalf_of)


def _notices(engine: Engine) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).order_by(col(Notice.id))))


def test_a_request_goes_to_the_secretariat_and_changes_nothing(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        import_plan(session, small_plan(), actor="test")
    assert _ask(engine, "ACT-1", date(2017, 11, 6), "Two auditors left") == [SECRETARIAT]
    [notice] = _notices(engine)
    payload = json.loads(notice.payload)
    assert (notice.recipient, notice.kind, notice.item_refs) == (SECRETARIAT, "DueChangeRequested", "ACT-1")
    assert payload["reason"] == (
        "Action Owner asks to move the due date of ACT-1 from Monday 2 October 2017 to "
        "Monday 6 November 2017: Two auditors left"
    )
    assert payload | {"reason": ""} == {
        "ref": "ACT-1",
        "title": "Audit cases",
        "due": "2017-10-02",
        "reason": "",
        "next_step": NEXT_STEP,
        "requested_due": "2017-11-06",
        "requested_by": OWNER,
        "owner": OWNER,
        "owner_name": "Action Owner",
        "on_behalf_of": None,
        "recipient_name": "Board Secretariat",
        "level": 1,
    }
    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == EventKind.DUE_CHANGE_REQUESTED)
        ).one()
        asked = session.exec(select(DueChangeRequest)).one()
    assert (action.current_due, action.rebaseline_count) == (date(2017, 10, 2), 0)
    assert (event.actor, event.ref) == (OWNER, "ACT-1")
    assert decode_data(event.body) == {
        "from": "2017-10-02",
        "to": "2017-11-06",
        "reason": "Two auditors left",
        "channel": "web",
        "sent_to": [SECRETARIAT],
        "request_id": asked.id,
    }
    assert (asked.item_ref, asked.item_kind, asked.requested_by, asked.on_behalf_of) == (
        "ACT-1",
        "action",
        OWNER,
        None,
    )
    assert (asked.from_due, asked.to_due, asked.reason, asked.requested_at, asked.status) == (
        date(2017, 10, 2),
        date(2017, 11, 6),
        "Two auditors left",
        AT,
        "open",
    )


def test_a_deputy_asks_for_the_away_owner(engine: Engine) -> None:
    spec = small_plan()
    spec = replace(spec, people=(*spec.people, PersonSpec("deputy@example.org", "Dana Deputy")))
    with unit_of_work(engine) as session:
        import_plan(session, spec, actor="test")
    _ask(engine, "ACT-1", date(2017, 11, 6), "Cover", by="deputy@example.org", on_behalf_of=OWNER)
    payload = json.loads(_notices(engine)[0].payload)
    assert payload["reason"].startswith("Dana Deputy, for Action Owner, asks to move the due date of ACT-1")
    assert payload["on_behalf_of"] == OWNER
    with Session(engine) as session:
        asked = session.exec(select(DueChangeRequest)).one()
    assert (asked.requested_by, asked.on_behalf_of) == ("deputy@example.org", OWNER)


@pytest.mark.parametrize(
    ("ref", "deciders"),
    [
        ("ACT-1", [LEAD]),  # no board: the lead of its area (it has no accountable lead)
        ("ACT-2", [MANAGER]),  # an area with no lead: the owner's manager
        ("MS-1", []),  # a milestone whose owner has no manager: recorded, told to nobody
    ],
)
def test_with_no_board_the_request_goes_to_who_answers_for_the_item(
    engine: Engine, ref: str, deciders: list[str]
) -> None:
    with unit_of_work(engine) as session:
        import_plan(session, replace(small_plan(), boards=(), meetings=()), actor="test")
    assert _ask(engine, ref, date(2018, 1, 8), "Late") == deciders
    assert [n.recipient for n in _notices(engine)] == deciders
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == EventKind.DUE_CHANGE_REQUESTED)
        ).one()
    assert decode_data(event.body)["sent_to"] == deciders


@pytest.mark.parametrize(
    ("wanted", "reason", "field", "message"),
    [
        (date(2017, 10, 2), "x", "due_change", "Monday 2 October 2017 is already the due date of ACT-1"),
        (date(2100, 1, 1), "x", "due_change", "expected a date between 2000-01-01 and 2099-12-31"),
        (date(2017, 11, 6), "  ", "due_change_reason", "Say why the due date should move"),
        (date(2017, 11, 6), "x" * 2001, "due_change_reason", "at most 2000 characters"),
        (date(2017, 11, 6), "bad \x0b char", "due_change_reason", "without control characters"),
    ],
)
def test_refused_requests_name_their_field_and_record_nothing(
    engine: Engine, wanted: date, reason: str, field: str, message: str
) -> None:
    with unit_of_work(engine) as session:
        import_plan(session, small_plan(), actor="test")
    with pytest.raises(FieldError) as refused:
        _ask(engine, "ACT-1", wanted, reason)
    assert refused.value.field == field and message in str(refused.value)
    assert _notices(engine) == []
    with Session(engine) as session:
        assert session.exec(select(DueChangeRequest)).all() == []
