"""The sweep on real databases: decisions become outbox notices, escalations and ledger events in one
transaction; a second sweep adds nothing; a missed day is caught up without a burst; reassignment withdraws
what was queued for the old owner."""

from __future__ import annotations

import email
import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.db import unit_of_work
from models.escalations import Escalation
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.outbox import Notice, NoticeStatus
from models.plans.importer import import_plan
from models.plans.spec import (
    ActionSpec,
    AreaSpec,
    BoardSpec,
    MeetingSpec,
    MilestoneSpec,
    PersonSpec,
    PlanSpec,
    UpdateSpec,
)
from models.plans.updates import apply_update
from models.sweep.run import sweep_plans
from models.vocab import RAG, Audience
from tests.factories import MANAGER, OWNER, SECRETARIAT, load_small_plan, small_plan
from tests.workbook_helpers import column, template_rows, write_xlsx
from workbooks.plan_workbook import import_workbook

POLICY = load_policy()
D = date.fromisoformat


def _notices(engine: Engine) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).order_by(col(Notice.id))))


def test_sweep_queues_notices_with_their_events(engine: Engine) -> None:
    load_small_plan(engine)  # ACT-1 due Monday 2 October 2017
    [outcome] = sweep_plans(engine, POLICY, D("2017-10-02"))
    assert outcome.working_day and outcome.queued >= 1
    notices = _notices(engine)
    reminder = next(n for n in notices if n.item_refs == "ACT-1" and n.kind == "ReminderQueued")
    assert (reminder.recipient, reminder.status) == (OWNER, NoticeStatus.PENDING)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "ReminderQueued")).all()
    data = decode_data(events[0].body)
    assert data["rule"] == "due_soon" and data["policy"] == POLICY.version and "due today" in data["reason"]
    assert data["facts"]["working_days_to_due"] == 0
    assert verify_database(engine).ok


def test_second_sweep_on_the_same_day_adds_nothing(engine: Engine) -> None:
    load_small_plan(engine)
    sweep_plans(engine, POLICY, D("2017-10-16"))
    before = (len(_notices(engine)), verify_database(engine).head)
    [again] = sweep_plans(engine, POLICY, D("2017-10-16"))
    assert again.queued == 0 and again.decided
    assert (len(_notices(engine)), verify_database(engine).head) == before


def test_weekend_and_bank_holiday_do_nothing(engine: Engine) -> None:
    load_small_plan(engine)
    for day in ("2017-10-07", "2017-12-25", "2017-08-28"):
        [outcome] = sweep_plans(engine, POLICY, D(day))
        assert not outcome.working_day and outcome.decided == 0
    assert sweep_plans(engine, POLICY, D("2017-12-26"))[0].holiday == "Boxing Day"
    assert _notices(engine) == []


def test_missed_days_are_caught_up_without_a_burst(engine: Engine) -> None:
    load_small_plan(engine)  # ACT-1 due 2 October: overdue notices on 3 and 10 October, lead on 9 October
    sweep_plans(engine, POLICY, D("2017-10-13"))  # the service was down all week
    overdue = [n for n in _notices(engine) if n.item_refs == "ACT-1" and n.kind == "OverdueNoticeQueued"]
    assert len(overdue) == 1  # only the latest step, not the ones missed
    escalated = [n for n in _notices(engine) if n.item_refs == "ACT-1" and n.kind.startswith("Escalated")]
    assert [n.recipient for n in escalated] == [MANAGER]


def test_ladder_climbs_to_the_board_then_resets_on_rebaseline(engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    for day in ("2017-10-09", "2017-10-16"):  # 5 then 10 working days overdue
        sweep_plans(engine, POLICY, D(day))
    with Session(engine) as session:
        levels = [e.level for e in session.exec(select(Escalation).order_by(col(Escalation.id)))]
    assert levels == [2, 3]
    assert SECRETARIAT in {n.recipient for n in _notices(engine) if n.kind == "EscalatedToBoard"}
    spec = small_plan()
    moved = tuple(
        a if a.ref != "ACT-1" else a.__class__(**{**a.__dict__, "due": D("2017-11-30")}) for a in spec.actions
    )
    with unit_of_work(engine) as session:
        import_plan(
            session,
            spec.__class__(**{**spec.__dict__, "actions": moved}),
            actor="x",
            reasons={"ACT-1": "New auditors start in November"},
        )
    sweep_plans(engine, POLICY, D("2017-10-17"))
    with Session(engine) as session:
        rows = session.exec(select(Escalation)).all()
    assert all(r.closed_on == D("2017-10-17") and "re-baselined" in (r.closed_reason or "") for r in rows)


def test_red_report_escalates_at_once(engine: Engine) -> None:
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec("ACT-2", OWNER, rag=RAG.RED, note="Recruitment has stalled"))
    sweep_plans(engine, POLICY, D("2017-10-03"))
    leads = [n for n in _notices(engine) if n.item_refs == "ACT-2" and n.kind == "EscalatedToLead"]
    assert [n.recipient for n in leads] == [MANAGER]


def test_reassignment_withdraws_the_old_owners_notices(engine: Engine, tmp_path: Path) -> None:
    sheets = template_rows(tmp_path)
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    sweep_plans(engine, POLICY, D("2017-09-29"))  # EX-01 is due that day: reminder to owner@
    assert any(
        n.recipient == "owner@example.org" and n.status is NoticeStatus.PENDING for n in _notices(engine)
    )
    actions = sheets["Actions"]
    actions[1][column(actions, "owner_email")] = "director@example.org"
    import_workbook(engine, write_xlsx(tmp_path / "v2.xlsx", sheets), actor="x")
    mine = [n for n in _notices(engine) if n.recipient == "owner@example.org" and n.item_refs == "EX-01"]
    assert mine and all(n.status is NoticeStatus.CANCELLED for n in mine)
    with Session(engine) as session:
        change = session.exec(select(AuditEvent).where(AuditEvent.kind == "ActionChanged")).one()
    assert decode_data(change.body)["notices_withdrawn"] == len(mine)


def test_dry_run_changes_nothing(engine: Engine) -> None:
    load_small_plan(engine)
    head = verify_database(engine).head
    [outcome] = sweep_plans(engine, POLICY, D("2017-10-16"), dry_run=True)
    assert outcome.new and _notices(engine) == [] and verify_database(engine).head == head
    with Session(engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Escalation)).scalar_one() == 0


def test_two_sweeps_of_one_plan_at_once_queue_everything_once(engine: Engine) -> None:
    # Each sweep reads, decides, then writes under the plan's lock, re-checking the outbox there: the one that
    # waited finds the other's notices and adds nothing (no unique-key failure, no double escalation).
    load_small_plan(engine)
    barrier = threading.Barrier(2)
    outcomes: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            [outcome] = sweep_plans(engine, POLICY, D("2017-10-23"))
            outcomes.append(outcome.queued)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    notices = _notices(engine)
    assert sorted(outcomes)[0] == 0 and sum(outcomes) > 0
    assert len({n.dedupe_key for n in notices}) == len(notices)
    with Session(engine) as session:
        ladder = session.exec(select(Escalation.item_ref, Escalation.level)).all()
    assert len(set(ladder)) == len(ladder)
    assert verify_database(engine).ok


def test_the_demo_plan_sweeps_although_its_secretariat_owns_a_milestone(
    engine: Engine, tmp_path: Path
) -> None:
    # The shipped demo: the improvement manager is the board's secretariat and owns MS-03, missed on
    # 31 October 2017. On main this sweep failed with `UNIQUE constraint failed: notice.dedupe_key`.
    from flows.demo_plan import WORKBOOK
    from notifications.dispatch import dispatch
    from notifications.transport import FileSink

    import_workbook(engine, WORKBOOK, actor="test")
    [outcome] = sweep_plans(engine, POLICY, D("2017-11-06"))
    assert outcome.failure is None and outcome.queued > 100
    [told] = [n for n in _notices(engine) if n.item_refs == "MS-03" and n.kind == "MilestoneMissed"]
    payload = json.loads(told.payload)
    assert told.recipient == "improvement.manager@example.org"
    assert payload["told_as"] == "as the board secretariat and as the milestone's owner"
    result = dispatch(engine, FileSink(tmp_path), datetime.now(UTC), sender="lineofsight@example.org")
    assert result.dead == 0
    mail = next(tmp_path.glob("improvement.manager@example.org-*.eml")).read_bytes()
    body = "".join(
        p.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for p in email.message_from_bytes(mail).walk()
        if p.get_content_type() == "text/plain"
    )
    assert (
        "MS-03" in body and "You are told this as the board secretariat and as the milestone's owner." in body
    )
    assert verify_database(engine).ok


SOLO, OTHER = "solo@example.org", "other@example.org"


def test_one_person_in_every_role_is_told_once_a_day_per_item(engine: Engine) -> None:
    # Owner of an action and a milestone, manager and deputy of the other owner (who is away), area lead,
    # and the board's secretariat, chair and member, all at once; swept every day for three months.
    spec = PlanSpec(
        name="Small Council",
        organisation="Small Council",
        people=(
            PersonSpec(SOLO, "Solo"),
            PersonSpec(OTHER, "Other", manager_email=SOLO, deputy_email=SOLO, away_from=D("2017-10-09"),
                       away_to=D("2017-11-17")),
        ),
        areas=(AreaSpec("A1", "Everything", "Practice", SOLO),),
        actions=(
            ActionSpec("ACT-1", "Audit cases", "A1", SOLO, D("2017-10-02"), rag=RAG.RED),
            ActionSpec("ACT-2", "Recruit staff", "A1", OTHER, D("2017-10-20"), rag=RAG.RED),
        ),
        milestones=(MilestoneSpec("MS-1", "To inspectorate", D("2017-11-13"), SOLO, ("ACT-1", "ACT-2")),),
        boards=(BoardSpec("Improvement Board", SOLO, SOLO, (SOLO, OTHER)),),
        meetings=(
            MeetingSpec("Improvement Board", D("2017-11-07"), "A1"),
            MeetingSpec("Improvement Board", D("2017-11-07"), "A1", Audience.SCRUTINY),
        ),
    )  # fmt: skip
    with unit_of_work(engine) as session:
        import_plan(session, spec, actor="test")
    day = D("2017-10-02")
    while day <= D("2017-12-29"):
        [outcome] = sweep_plans(engine, POLICY, day)
        assert outcome.failure is None, (day, outcome.failure)
        day += timedelta(days=1)
    notices = _notices(engine)
    roles = {r for n in notices for r in json.loads(n.payload)["roles"]}
    assert {"the board secretariat", "the milestone's owner", "the owner's manager"} <= roles
    assert f"deputy for {OTHER}, the action's owner" in roles
    board = [n for n in notices if n.item_refs == "MS-1" and n.kind == "EscalatedToBoard"]
    assert len(board) == 1 and json.loads(board[0].payload)["told_as"] == (
        "as the board secretariat and as the milestone's owner"
    )
    assert verify_database(engine).ok
