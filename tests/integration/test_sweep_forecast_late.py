"""The forecast_late warning through the real sweep, on SQLite and PostgreSQL (issue 20): an action whose
updates say it will finish months late is told to its owner once, with its notice and ledger event written
together; the owner's manager 10 working days later, with no escalation raised; a plan can turn it off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import Policy, load_policy
from models.audit import AuditEvent
from models.db import unit_of_work
from models.escalations import Escalation
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.outbox import Notice
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec, UpdateSpec
from models.plans.updates import apply_update
from models.sweep.run import sweep_plans
from models.vocab import Status
from tests.factories import MANAGER, OWNER, small_plan

D = date.fromisoformat
POLICY = load_policy()
KIND = "ForecastLateWarned"


def _load(engine: Engine, name: str = "Test Plan") -> None:
    spec = small_plan(name)
    slow = ActionSpec(
        "ACT-9",
        "Recruit permanent social workers",
        "A2",
        OWNER,
        D("2017-12-15"),
        start=D("2017-09-04"),
        status=Status.IN_PROGRESS,
    )
    with unit_of_work(engine) as session:
        import_plan(session, replace(spec, actions=(*spec.actions, slow)), actor="test")
    # 10% on 4 October, then 5% a fortnight: 0.5% a working day, months after 15 December.
    for day, percent in (("2017-10-04", 10), ("2017-10-18", 15), ("2017-11-01", 20), ("2017-11-15", 25)):
        with unit_of_work(engine) as session:
            at = datetime.combine(D(day), datetime.min.time(), tzinfo=UTC).replace(hour=9)
            apply_update(session, UpdateSpec("ACT-9", OWNER, percent=percent, at=at), plan_name=name)


def _warnings(engine: Engine) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).where(Notice.kind == KIND).order_by(col(Notice.id))))


def test_owner_once_then_the_manager_ten_working_days_later(engine: Engine) -> None:
    _load(engine)
    [first] = sweep_plans(engine, POLICY, D("2017-11-20"))
    [notice] = _warnings(engine)
    assert (notice.recipient, notice.item_refs) == (OWNER, "ACT-9")
    assert notice.dedupe_key == "Test Plan|ACT-9|2017-12-15|forecast_late|owner|" + OWNER
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.kind == KIND)).all()
    data = decode_data(event.body)
    assert (data["rule"], data["step"], data["level"]) == ("forecast_late", "owner", 1)
    assert "at 0.5% a working day since Monday 4 September 2017 you would finish around" in data["reason"]
    assert data["facts"]["forecast"] == "2018-06-22" and data["dedupe_key"] == notice.dedupe_key
    # Once: again that day, and on later days, nothing new (the week after, the key is read by the rule).
    [again] = sweep_plans(engine, POLICY, D("2017-11-20"))
    assert again.queued == 0 and again.decided == first.decided
    sweep_plans(engine, POLICY, D("2017-11-27"))
    sweep_plans(engine, POLICY, D("2017-12-01"))  # 9 working days after the owner was told
    assert len(_warnings(engine)) == 1
    sweep_plans(engine, POLICY, D("2017-12-04"))  # 10: still forecast late, so the manager hears
    lead = _warnings(engine)[1:]
    assert [(n.recipient, n.dedupe_key.split("|")[4]) for n in lead] == [(MANAGER, "lead")]
    with Session(engine) as session:
        ladders = session.exec(select(Escalation).where(Escalation.item_ref == "ACT-9")).all()
    assert ladders == []  # news for the manager, not an escalation: the ladder is untouched
    [rerun] = sweep_plans(engine, POLICY, D("2017-12-04"))
    assert rerun.queued == 0 and len(_warnings(engine)) == 2
    assert verify_database(engine).ok


def test_a_plan_can_turn_it_off(engine: Engine) -> None:
    _load(engine, "Quiet Plan")
    _load(engine, "Loud Plan")
    policy = Policy.model_validate({"plans": {"Quiet Plan": {"forecast_late": {"enabled": False}}}})
    sweep_plans(engine, policy, D("2017-11-20"))
    assert [n.plan for n in _warnings(engine)] == ["Loud Plan"]
