"""One plan whose sweep fails never silences the others (SQLite and PostgreSQL): the failed plan is rolled
back and recorded, its secretariat is told once a day, every healthy plan's notices are queued and
delivered over real SMTP, `doctor` says which plan is failing and since when, and the ledger verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import load_policy
from config.settings import Settings
from flows.doctor import State, diagnose
from models.audit import AuditEvent
from models.escalations import Escalation
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.outbox import Notice, NoticeStatus
from models.plan import Plan
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import SmtpTransport
from tests.factories import SECRETARIAT, load_small_plan
from tests.poison import REFUSAL, poisoned
from tests.smtp_server import start

POLICY = load_policy()
HEALTHY = ("Healthy East", "Healthy West")
POISONED = "Poisoned North"
MONDAY, TUESDAY = date(2017, 10, 16), date(2017, 10, 17)  # ACT-1 of every plan is 10 working days overdue
SENDER = "Line of Sight <lineofsight@example.org>"
LOADED: dict[str, int] = {}  # the ledger's length once the plans are loaded, by database


@pytest.fixture
def three_plans(engine: Engine) -> Engine:
    for name in (*HEALTHY, POISONED):
        load_small_plan(engine, name)
    LOADED[engine.url.render_as_string()] = verify_database(engine).count
    return engine


def _notices(engine: Engine, plan: str) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).where(Notice.plan == plan).order_by(col(Notice.id))))


def _events(engine: Engine, plan: str) -> list[tuple[str, dict]]:
    """The plan's events since it was loaded."""
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.plan == plan, col(AuditEvent.seq) > LOADED[engine.url.render_as_string()])
            .order_by(col(AuditEvent.seq))
        )
        return [(e.kind, decode_data(e.body)) for e in rows]


def _sweep_check(db_url: str):
    checks = diagnose(Settings(database_url=db_url), prefect_api=lambda: None)
    return next(c for c in checks if c.name == "sweep")


def test_a_failing_plan_is_rolled_back_recorded_and_reported_and_the_others_are_delivered(
    three_plans: Engine, db_url: str
) -> None:
    engine = three_plans
    with poisoned(engine, POISONED):
        outcomes = {o.plan: o for o in sweep_plans(engine, POLICY, MONDAY)}
    assert [p for p, o in outcomes.items() if o.failed] == [POISONED]
    assert REFUSAL in (outcomes[POISONED].failure or "")
    assert all(outcomes[p].queued > 0 and outcomes[p].notices > 0 for p in HEALTHY)

    # The failed plan: rolled back (no notice, escalation or decision of its sweep), then recorded on its own.
    [told] = _notices(engine, POISONED)
    assert (told.kind, told.recipient, told.status) == ("SweepFailed", SECRETARIAT, NoticeStatus.PENDING)
    with Session(engine) as session:
        poisoned_id = session.exec(select(Plan.id).where(Plan.name == POISONED)).one()
        assert not session.exec(select(Escalation).where(Escalation.plan_id == poisoned_id)).all()
    [(kind, data)] = _events(engine, POISONED)
    assert kind == "SweepFailed" and data["as_of"] == "2017-10-16" and data["notice_queued"] is True
    assert data["error"] in data["reason"] and REFUSAL in data["reason"] and "\n" not in data["reason"]
    assert data["secretariat"] == SECRETARIAT

    # Every notice owed today goes out over real SMTP: the healthy plans' and the secretariat's warning.
    controller, server = start()
    try:
        transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
        result = dispatch(engine, transport, datetime.now(UTC), sender=SENDER)
    finally:
        controller.stop()
    assert result.dead == 0 and result.retrying == 0
    for plan in (*HEALTHY, POISONED):
        assert {n.status for n in _notices(engine, plan)} == {NoticeStatus.SENT}, plan
    warning = next(r.message for r in server.received if "not swept" in r.message["Subject"])
    part = next(p for p in warning.walk() if p.get_content_type() == "text/plain")
    text = part.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert f"The daily sweep of {POISONED} failed" in text and REFUSAL in text
    assert "You are told this as the board secretariat." in text

    # The same day again: recorded again, told once. Doctor names the plan and the day it began failing.
    with poisoned(engine, POISONED):
        [again] = [o for o in sweep_plans(engine, POLICY, MONDAY) if o.failed]
    assert again.plan == POISONED and len(_notices(engine, POISONED)) == 1
    assert [d["notice_queued"] for k, d in _events(engine, POISONED) if k == "SweepFailed"] == [True, False]
    check = _sweep_check(db_url)
    today = datetime.now(UTC).date().isoformat()
    assert check.state is State.FAIL
    assert f"sweep failing for plan {POISONED} since {today} (2 failed runs" in check.detail
    assert verify_database(engine).ok

    # Mended: the next sweep catches the plan up, records that it recovered, and doctor is green again.
    [mended] = [o for o in sweep_plans(engine, POLICY, TUESDAY) if o.plan == POISONED]
    assert not mended.failed and mended.queued > 0
    assert _events(engine, POISONED)[-1][0] == "SweepRecovered"
    assert _sweep_check(db_url).state is State.OK
    [quiet] = [o for o in sweep_plans(engine, POLICY, TUESDAY) if o.plan == POISONED]
    assert _events(engine, POISONED)[-1][0] == "SweepRecovered" and not quiet.failed  # recorded once
    assert verify_database(engine).ok


def test_the_secretariat_is_told_again_on_the_next_day(three_plans: Engine) -> None:
    with poisoned(three_plans, POISONED):
        sweep_plans(three_plans, POLICY, MONDAY)
        sweep_plans(three_plans, POLICY, TUESDAY)
    keys = [n.dedupe_key for n in _notices(three_plans, POISONED)]
    assert keys == [
        f"{POISONED}|(sweep)|2017-10-16|sweep_failed|2017-10-16|{SECRETARIAT}",
        f"{POISONED}|(sweep)|2017-10-17|sweep_failed|2017-10-17|{SECRETARIAT}",
    ]


def test_a_dry_run_reports_the_failure_and_records_nothing(three_plans: Engine) -> None:
    head = verify_database(three_plans).head
    # A dry run writes nothing for a trigger to refuse: poison the plan's data instead, as a due date stored
    # before dates were checked at the door would (the working calendar cannot count to year 10000).
    with three_plans.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE action SET current_due = :far WHERE plan_id = (SELECT id FROM plan WHERE name = :p)"
            ),
            {"far": date(9999, 12, 31), "p": POISONED},
        )
    outcomes = {o.plan: o for o in sweep_plans(three_plans, POLICY, MONDAY, dry_run=True)}
    assert outcomes[POISONED].failed and "out of range" in (outcomes[POISONED].failure or "")
    assert all(outcomes[p].new for p in HEALTHY)
    assert verify_database(three_plans).head == head and _notices(three_plans, POISONED) == []


def test_failures_are_read_only_by_doctor_for_plans_still_failing(three_plans: Engine, db_url: str) -> None:
    assert _sweep_check(db_url).state is State.OK
    with poisoned(three_plans, POISONED):
        sweep_plans(three_plans, POLICY, MONDAY)
    check = _sweep_check(db_url)
    assert check.state is State.FAIL and POISONED in check.detail
    assert all(name not in check.detail for name in HEALTHY)
    assert "lineofsight sweep --plan" in check.fix


def test_a_plan_whose_calendar_cannot_be_built_fails_alone(three_plans: Engine) -> None:
    # A nation stored before the door checked it: the plan's working calendar cannot be built at all.
    with three_plans.begin() as conn:
        conn.execute(sa.text("UPDATE plan SET nation = 'XX' WHERE name = :p"), {"p": POISONED})
    outcomes = {o.plan: o for o in sweep_plans(three_plans, POLICY, MONDAY)}
    assert "Invalid nation 'XX'" in (outcomes[POISONED].failure or "")
    assert all(outcomes[p].queued > 0 for p in HEALTHY)
    [(kind, data)] = _events(three_plans, POISONED)
    assert (kind, data["error"], data["notice_queued"]) == ("SweepFailed", "InvalidValue", True)
    assert verify_database(three_plans).ok


def test_a_passing_database_error_is_left_to_the_retry_until_the_last_try(three_plans: Engine) -> None:
    # A Prefect task with retries left sweeps with retrying=True: a serialization failure or a missing
    # table may pass by itself, so nothing is recorded and nobody is told until the last try.
    with poisoned(three_plans, POISONED, passing=True):
        early_run = sweep_plans(three_plans, POLICY, MONDAY, retrying=True)
        failed = [o for o in early_run if o.failed]
        assert [o.plan for o in failed] == [POISONED], [(o.plan, o.failure) for o in early_run]
        early = failed[0]
        assert isinstance(early.error, sa.exc.OperationalError)
        assert _events(three_plans, POISONED) == [] and _notices(three_plans, POISONED) == []
        [last] = [o for o in sweep_plans(three_plans, POLICY, MONDAY) if o.failed]
    assert last.plan == POISONED
    assert [k for k, _ in _events(three_plans, POISONED)] == ["SweepFailed"]
    assert [n.kind for n in _notices(three_plans, POISONED)] == ["SweepFailed"]
