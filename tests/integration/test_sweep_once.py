"""Escalations an earlier run raised or closed on the day count as that day's decisions on a rerun
(models.sweep.persist.made_today): the day is matched where the ledger's bodies lie, and a body whose data
does not begin with its day is read out and decoded, so either way it counts exactly when its day does."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from config.policy import load_policy
from models.db import read_session, unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.sweep.persist import made_today
from models.sweep.run import sweep_plans
from tests.factories import load_small_plan

POLICY = load_policy()
D = date.fromisoformat
DAY = D("2017-10-16")  # ACT-1 is 10 working days overdue: it goes to the board


def test_a_rerun_counts_the_escalations_it_does_not_decide_again(engine: Engine) -> None:
    load_small_plan(engine)
    load_small_plan(engine, "Other Plan")
    first = {o.plan: o for o in sweep_plans(engine, POLICY, DAY)}
    with read_session(engine) as session:
        made = made_today(session, DAY)
    assert made.events[("Test Plan", "ACT-1")] >= 1  # raised today, so the rules will not decide it again
    for again in (sweep_plans(engine, POLICY, DAY), sweep_plans(engine, POLICY, DAY, dry_run=True)):
        assert {o.plan: (o.queued, o.decided) for o in again} == {p: (0, o.decided) for p, o in first.items()}
    # a one-plan sweep (a flow's task) reads that plan's events only, and counts the same
    [alone] = sweep_plans(engine, POLICY, DAY, plan_name="Test Plan")
    assert (alone.queued, alone.decided) == (0, first["Test Plan"].decided)
    with read_session(engine) as session:
        assert made_today(session, DAY, "Other Plan").events[("Test Plan", "ACT-1")] == 0


def test_a_body_that_does_not_begin_with_its_day_is_decoded(engine: Engine) -> None:
    load_small_plan(engine)
    kind, day = EventKind.ESCALATION_CLOSED, DAY.isoformat()
    with unit_of_work(engine) as session:
        record(
            session,
            Event(kind, "test", "Test Plan", "A-1", {"as_of": day, "level": 2}),  # the sweep's own shape
            Event(kind, "test", "Test Plan", "A-2", {"actor_note": "by hand", "as_of": day}),  # sorts first
            Event(kind, "test", "Test Plan", "A-3", {"actor_note": "by hand", "as_of": "2017-10-13"}),
            Event(kind, "test", "Test Plan", "A-4", {"facts": {"as_of": day}}),  # not the event's own day
            Event(kind, "test", "Test Plan", "A-5", {"as_of": "2017-10-13", "note": f'"as_of":"{day}"'}),
            Event(EventKind.REMINDER_QUEUED, "test", "Test Plan", "A-6", {"as_of": day}),  # not made once
        )
    with read_session(engine) as session:
        for plan in (None, "Test Plan"):
            events = made_today(session, DAY, plan).events
            refs = ("A-1", "A-2", "A-3", "A-4", "A-5", "A-6")
            assert {ref: events[("Test Plan", ref)] for ref in refs} == {
                "A-1": 1, "A-2": 1, "A-3": 0, "A-4": 0, "A-5": 0, "A-6": 0,
            }  # fmt: skip
