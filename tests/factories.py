"""Small plans for tests, built through the same loader the product uses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine

from models.db import unit_of_work
from models.plans.importer import import_plan
from models.plans.spec import (
    ActionSpec,
    AreaSpec,
    BoardSpec,
    MeetingSpec,
    MilestoneSpec,
    PersonSpec,
    PlanSpec,
)
from models.vocab import RAG, Status

OWNER = "owner@example.org"
MANAGER = "manager@example.org"
LEAD = "lead@example.org"
SECRETARIAT = "secretariat@example.org"


def small_plan(name: str = "Test Plan", nation: str = "ENG") -> PlanSpec:
    return PlanSpec(
        name=name,
        organisation="Example Council",
        nation=nation,
        people=(
            PersonSpec(OWNER, "Action Owner", manager_email=MANAGER),
            PersonSpec(MANAGER, "Line Manager"),
            PersonSpec(LEAD, "Area Lead"),
            PersonSpec(SECRETARIAT, "Board Secretariat"),
        ),
        areas=(
            AreaSpec("A1", "Management oversight", "Practice", LEAD),
            AreaSpec("A2", "Workforce", "People"),
        ),
        actions=(
            ActionSpec(
                "ACT-1",
                "Audit cases",
                "A1",
                OWNER,
                date(2017, 10, 2),
                status=Status.IN_PROGRESS,
                rag=RAG.AMBER,
                percent=40,
            ),
            ActionSpec("ACT-2", "Recruit staff", "A2", OWNER, date(2017, 10, 20)),
            ActionSpec(
                "ACT-3",
                "Publish framework",
                "A1",
                MANAGER,
                date(2017, 9, 15),
                status=Status.COMPLETE,
                rag=RAG.GREEN,
                percent=100,
            ),
        ),
        milestones=(
            MilestoneSpec("MS-1", "Plan to inspectorate", date(2017, 12, 11), LEAD, ("ACT-1", "ACT-2")),
        ),
        boards=(BoardSpec("Improvement Board", SECRETARIAT, LEAD, (MANAGER,)),),
        meetings=(MeetingSpec("Improvement Board", date(2017, 10, 3), "A1"),),
    )


def load_small_plan(engine: Engine, name: str = "Test Plan") -> None:
    with unit_of_work(engine) as session:
        import_plan(session, small_plan(name), actor="test")


def queue_notices(engine: Engine, count: int, recipients: int, at: datetime) -> None:
    """`count` pending overdue notices spread over `recipients` people, written as the sweep writes them."""
    import json

    import sqlalchemy as sa

    from models.ledger.chain import Event, record
    from models.outbox import Notice

    rows = [
        {
            "dedupe_key": f"P|REF-{i}|2017-10-02|overdue|0|person{i % recipients}@example.org",
            "plan": "P",
            "recipient": f"person{i % recipients}@example.org",
            "channel": "email",
            "kind": "OverdueNoticeQueued",
            "item_refs": f"REF-{i}",
            "payload": json.dumps(
                {
                    "ref": f"REF-{i}",
                    "title": f"Item {i}",
                    "reason": "5 working days overdue",
                    "due": "2017-10-09",
                    "working_days_overdue": 5,
                    "next_step": "escalates on 16 October 2017",
                }
            ),
            "urgency": 3,
            "created_at": at,
            "not_before": at,
            "attempts": 0,
            "status": "pending",
        }
        for i in range(count)
    ]
    with unit_of_work(engine) as session:
        session.execute(sa.insert(Notice.__table__), rows)  # type: ignore[attr-defined]
        record(session, Event("TestNoticesQueued", "test", data={"count": count}))
