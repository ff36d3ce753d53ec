"""Owners' updates: appended, applied and recorded in the ledger in one transaction, or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.db import unit_of_work
from models.errors import BadInput, InvalidValue, UnknownItem
from models.ledger import decode_data
from models.plan import Action, Milestone, Update
from models.plan_spec import UpdateSpec
from models.updates import apply_update
from models.vocab import RAG, Status
from tests.factories import MANAGER, OWNER, load_small_plan


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        updates = session.execute(sa.select(sa.func.count()).select_from(Update)).scalar_one()
        events = session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    return updates, events


def test_update_applies_and_is_recorded(engine: Engine) -> None:
    load_small_plan(engine)
    _, events_before = _counts(engine)
    at = datetime(2017, 10, 2, 15, 30, tzinfo=UTC)
    with unit_of_work(engine) as session:
        apply_update(
            session,
            UpdateSpec(
                "act-1",
                OWNER,
                Status.IN_PROGRESS,
                RAG.RED,
                55,
                "Auditors off sick",
                "https://example.org/e",
                at,
            ),
        )
    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        assert (action.rag, action.percent, action.last_update_on) == (RAG.RED, 55, date(2017, 10, 2))
        update = session.exec(select(Update)).one()
        assert update.commentary == "Auditors off sick" and update.at == at
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert event is not None
    assert _counts(engine) == (1, events_before + 1)
    assert (event.kind, event.actor, event.ref) == ("ActionUpdated", OWNER, "ACT-1")
    data = decode_data(event.body)
    assert data["before"] == {"rag": "amber", "percent": 40}
    assert data["after"] == {"rag": "red", "percent": 55}
    assert data["commentary"] == "Auditors off sick"


def test_milestone_takes_a_status(engine: Engine) -> None:
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec("MS-1", MANAGER, status=Status.COMPLETE))
    with Session(engine) as session:
        assert session.exec(select(Milestone)).one().status is Status.COMPLETE


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        (UpdateSpec("ACT-9", OWNER, note="x"), UnknownItem, "ACT-1"),
        (UpdateSpec("ACT-1", "nobody@example.org", note="x"), UnknownItem, "nobody@example.org"),
        (UpdateSpec("ACT-1", OWNER), BadInput, "Nothing to update"),
        (UpdateSpec("MS-1", OWNER, rag=RAG.RED), BadInput, "milestone"),
        (UpdateSpec("ACT-1", OWNER, evidence_url="javascript:alert(1)"), InvalidValue, "https://"),
    ],
)
def test_bad_update_changes_nothing(engine: Engine, spec: UpdateSpec, error: type, match: str) -> None:
    load_small_plan(engine)
    before = _counts(engine)
    with pytest.raises(error, match=match), unit_of_work(engine) as session:
        apply_update(session, spec)
    assert _counts(engine) == before
