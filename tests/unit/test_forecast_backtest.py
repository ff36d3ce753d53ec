"""The forecast back-test's counting (bench/forecast_backtest.py): its figures stand in bench/README.md, so
the way it reads days, lateness and the early line is pinned here, the same for the forecast and the
baseline."""

from __future__ import annotations

from datetime import date

import pytest

from bench.forecast_backtest import LEAD_RULE, MIX, Item, generated_items, replay, score
from config.policy import Policy
from models.calendar import WorkingCalendar
from models.vocab import RAG, Status

ENG = WorkingCalendar("ENG")
POLICY = Policy()
START = date(2017, 9, 4)  # a Monday


def days(n: int) -> date:
    return ENG.add_working_days(START, n)


def item(percents: list[tuple[int, int]], due_in: int, finished_on: int | None) -> Item:
    """An action started on START, its updates (working day, percent) and the day it reached 100%."""
    updates: list[tuple[date, int, Status, RAG | None]] = [
        (days(n), p, Status.IN_PROGRESS, None) for n, p in percents
    ]
    finished = days(finished_on) if finished_on is not None else None
    if finished is not None:
        updates.append((finished, 100, Status.COMPLETE, None))
    due = days(due_in)
    return Item("T-1", START, due, updates, finished, "test", finished is None or finished > due)


def run(items: list[Item]) -> None:
    replay(items, ENG, POLICY, POLICY.forecast_late, stale_after=20)


@pytest.mark.parametrize(("before_due", "early"), [(10, 1), (9, 0), (11, 1)])
@pytest.mark.parametrize("rule", ["forecast_late", "derived amber"])
def test_the_early_line_is_ten_working_days_for_both_rules(rule: str, before_due: int, early: int) -> None:
    late = item([(5, 10)], due_in=60, finished_on=None)
    late.warned = {rule: ENG.add_working_days(late.due, -before_due)}
    assert score([late], rule, ENG).early == early


def test_the_issues_own_example_is_warned_early() -> None:
    """10%, 15%, 20% over six weeks on an action due in three weeks, never finished: the forecast warns it at
    least 10 working days before the due date."""
    example = item([(10, 10), (20, 15), (30, 20)], due_in=45, finished_on=None)
    run([example])
    s = score([example], "forecast_late", ENG)
    assert (s.late, s.warned, s.warned_late, s.early) == (1, 1, 1, 1)


def test_a_warned_item_that_finishes_on_time_is_a_false_alarm() -> None:
    """Stuck at 10% for ten working days, warned, then done on the 20th working day of 30: not late."""
    done = item([(3, 10), (8, 10), (13, 10)], due_in=30, finished_on=20)
    run([done])
    s = score([done], "forecast_late", ENG)
    assert (s.late, s.warned, s.warned_late, s.early) == (0, 1, 0, 0)


def test_the_lead_is_scored_ten_working_days_after_the_owner_when_still_late() -> None:
    stuck = item([(5, 10), (15, 12), (25, 14), (35, 16), (45, 18)], due_in=60, finished_on=None)
    run([stuck])
    owner, lead = stuck.warned["forecast_late"], stuck.warned[LEAD_RULE]
    assert ENG.count_between(owner, lead) == POLICY.forecast_late.lead_after_days


def test_the_generated_plan_follows_its_seed_and_mix() -> None:
    no_rush = tuple((kind, 0.0 if kind == "late rush" else share) for kind, share in MIX)
    plan = generated_items(ENG, 200, 7, no_rush)
    assert {i.kind for i in plan} == {"steady", "stalled", "abandoned"}
    again = generated_items(ENG, 200, 7, no_rush)
    assert [(i.kind, i.due, i.updates) for i in plan] == [(i.kind, i.due, i.updates) for i in again]
