"""The forecast_late warning through the real sweep, on SQLite and PostgreSQL (issue 20): an action whose
updates say it will finish months late is told to its owner once, with its notice and ledger event written
together; the owner's manager 10 working days later, with no escalation raised (persist's guard: the unit
tests see the decisions only); a plan can turn it off. A warning made counts whoever received it unless it
was cancelled: a dead one still starts the lead's clock; one cancelled on a reassignment does not."""

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
from models.outbox import Notice, NoticeStatus
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec, PersonSpec, UpdateSpec
from models.plans.updates import apply_update
from models.sweep.run import sweep_plans
from models.vocab import Status
from tests.factories import MANAGER, OWNER, small_plan

D = date.fromisoformat
POLICY = load_policy()
KIND = "ForecastLateWarned"
NEW = "new.owner@example.org"


def _slow(owner: str = OWNER) -> ActionSpec:
    return ActionSpec(
        "ACT-9",
        "Recruit permanent social workers",
        "A2",
        owner,
        D("2017-12-15"),
        start=D("2017-09-04"),
        status=Status.IN_PROGRESS,
    )


def _load(engine: Engine, name: str = "Test Plan") -> None:
    spec = small_plan(name)
    with unit_of_work(engine) as session:
        import_plan(session, replace(spec, actions=(*spec.actions, _slow())), actor="test")
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


def test_a_dead_owner_warning_is_made_and_starts_the_lead_s_clock(engine: Engine) -> None:
    _load(engine)
    sweep_plans(engine, POLICY, D("2017-11-20"))
    with Session(engine) as session:  # as the dispatcher leaves it after its last failed attempt
        [notice] = session.exec(select(Notice).where(Notice.kind == KIND)).all()
        notice.status = NoticeStatus.DEAD
        session.commit()
    sweep_plans(engine, POLICY, D("2017-11-27"))
    assert len(_warnings(engine)) == 1  # not made again
    sweep_plans(engine, POLICY, D("2017-12-04"))
    [_, lead] = _warnings(engine)
    assert lead.recipient == MANAGER
    assert "still forecast to finish late 10 working days after the owner's warning: " in lead.payload


def test_a_reassigned_action_warns_its_new_owner(engine: Engine) -> None:
    _load(engine)
    sweep_plans(engine, POLICY, D("2017-11-20"))
    spec = small_plan()
    newcomer = PersonSpec(NEW, "New Owner", manager_email=MANAGER)
    moved = replace(spec, people=(*spec.people, newcomer), actions=(*spec.actions, _slow(NEW)))
    with unit_of_work(engine) as session:  # the old owner's pending warning is withdrawn (cancel_pending)
        import_plan(session, moved, actor="test")
    sweep_plans(engine, POLICY, D("2017-11-27"))
    [old, new] = _warnings(engine)
    assert (old.recipient, old.status) == (OWNER, NoticeStatus.CANCELLED)
    assert (new.recipient, new.dedupe_key.split("|")[4], new.status) == (NEW, "owner", NoticeStatus.PENDING)
    # The cancelled warning started no clock: 10 working days after it, the manager does not hear yet...
    sweep_plans(engine, POLICY, D("2017-12-04"))
    assert len(_warnings(engine)) == 2
    # ...but 10 working days after the new owner's warning.
    sweep_plans(engine, POLICY, D("2017-12-11"))
    assert [(n.recipient, n.dedupe_key.split("|")[4]) for n in _warnings(engine)[2:]] == [(MANAGER, "lead")]


def test_a_malformed_warning_key_is_skipped(engine: Engine) -> None:
    _load(engine)
    with Session(engine) as session:  # as no sweep writes them: by hand
        for key in ("Test Plan|ACT-9", "Test Plan|ACT-9|2017-12-15|forecast_late"):
            session.add(
                Notice(
                    dedupe_key=key,
                    plan="Test Plan",
                    recipient=OWNER,
                    kind=KIND,
                    payload="{}",
                    not_before=datetime(2017, 11, 20, 7, tzinfo=UTC),
                )
            )
        session.commit()
    sweep_plans(engine, POLICY, D("2017-11-20"))
    assert [n.dedupe_key.split("|")[4:] for n in _warnings(engine)[2:]] == [["owner", OWNER]]
