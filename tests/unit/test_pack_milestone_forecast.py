"""A milestone's at-risk reason names the forecast when that is the cause (issue 20): an open action it waits
for, not yet red or overdue, forecast to finish more than the forecast_late rule's `late_by_days` after the
milestone's date; not when the plan turned the rule off. The pack's context stays pure (plain values)."""

from __future__ import annotations

import dataclasses
from datetime import date

from config.policy import Policy
from models.reports.pack_data.facts import MilestoneFact
from models.vocab import Audience, Status
from packs.context import build_pack_context
from tests.unit.test_pack_context import CALENDAR, PACK_DAY, POLICY, _action, fixture_data, previous_pack

# 10% on 4 October, then 5% a fortnight, as of 30 October: 0.6% a working day, finishing in spring 2018.
SLOW = ((date(2017, 10, 4), 10), (date(2017, 10, 18), 15), (date(2017, 10, 27), 20))


def _context(policy: Policy = POLICY, waits_for: tuple[str, ...] = ("ACT-2", "ACT-5")):
    data = fixture_data()
    slow = _action(
        "ACT-5",
        "A2",
        date(2017, 12, 20),
        Status.IN_PROGRESS,
        None,
        percent=20,
        last_update=date(2017, 10, 27),
        reported=SLOW,
    )
    waits = MilestoneFact(
        "MS-2",
        "Recruitment drive done",
        date(2017, 11, 24),
        "Director",
        Status.NOT_STARTED,
        waits_for,
    )
    data = dataclasses.replace(data, actions=(*data.actions, slow), milestones=(*data.milestones, waits))
    return build_pack_context(data, (previous_pack(),), policy, CALENDAR, PACK_DAY, PACK_DAY, Audience.BOARD)


def test_a_milestone_at_risk_from_a_forecast_says_so() -> None:
    context = _context()
    ms = next(m for m in context.milestones_ahead if m.ref == "MS-2")
    assert ms.state == "at risk" and ms.slipping == ()
    [words] = ms.forecast_late
    assert words.startswith("ACT-5 is forecast to finish ") and words.endswith(
        " working days after the milestone's date"
    )
    assert ms.at_risk_from == (words,)
    # ACT-2 has no percent reported: no forecast, so nothing to name (never a guess).
    assert "ACT-2" not in words
    [headline] = [h for h in context.headlines if h.topic == "Milestones"]
    assert (
        f"MS-2 Recruitment drive done: due on Friday 24 November 2017, at risk: {words}." in headline.points
    )
    # Red or overdue dependencies keep their own words; the forecast is not repeated for them.
    ms1 = next(m for m in context.milestones_ahead if m.ref == "MS-1")
    assert ms1.slipping == ("ACT-1", "EX-9") and ms1.forecast_late == ()


def test_not_when_the_plan_turned_the_rule_off() -> None:
    off = Policy.model_validate({"forecast_late": {"enabled": False}})
    ms = next(m for m in _context(off).milestones_ahead if m.ref == "MS-2")
    assert (ms.state, ms.forecast_late) == ("on track", ())


def test_a_milestone_at_risk_from_both_words_each_cause_on_its_own() -> None:
    context = _context(waits_for=("ACT-1", "ACT-5"))
    ms = next(m for m in context.milestones_ahead if m.ref == "MS-2")
    [words] = ms.forecast_late
    assert ms.slipping == ("ACT-1",) and words.startswith("ACT-5 is forecast")
    [headline] = [h for h in context.headlines if h.topic == "Milestones"]
    point = f"MS-2 Recruitment drive done: due on Friday 24 November 2017, at risk from ACT-1, and {words}."
    assert point in headline.points, headline.points
