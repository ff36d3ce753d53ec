"""The `forecast_late` early warning, pure: who is told, when, and in what words."""

from __future__ import annotations

import json
from datetime import date

import pytest

from config.policy import ForecastLatePolicy
from models.calendar import WorkingCalendar
from models.forecast import (
    LEAD,
    OWNER,
    RULE,
    Forecast,
    NoForecast,
    dedupe_key,
    forecast_late_warning,
)
from models.sweep.decision import Decision

ENG = WorkingCalendar("ENG")
AS_OF = date(2017, 10, 2)  # a Monday
DEFAULTS = ForecastLatePolicy()


def predicted(due: date, late_by: int) -> Forecast:
    """A forecast `late_by` working days after `due` (its facts as a real one would carry them)."""
    central = ENG.add_working_days(due, late_by)
    return Forecast(
        central=central,
        optimistic=ENG.add_working_days(central, -3),
        pessimistic=ENG.add_working_days(central, 4),
        pace=1.25,
        since=date(2017, 9, 4),
        points=4,
        percent=30,
        last_update=date(2017, 9, 29),
        due=due,
        late_by=late_by,
    )


def due_in(days: int) -> date:
    return ENG.add_working_days(AS_OF, days)


def warn(due: date, late_by: int, **kwargs: object) -> list[str]:
    settings = kwargs.pop("settings", DEFAULTS)
    assert isinstance(settings, ForecastLatePolicy)
    told = kwargs.pop("owner_told_on", None)
    assert told is None or isinstance(told, date)
    return [w.step for w in forecast_late_warning(predicted(due, late_by), due, AS_OF, ENG, settings, told)]


@pytest.mark.parametrize(
    ("to_due", "late_by", "steps"),
    [
        (20, 21, [OWNER]),  # well within the window, well late
        (30, 6, [OWNER]),  # exactly at the window's edge, one day past the lateness threshold
        (31, 21, []),  # due too far away yet
        (20, 5, []),  # exactly at the lateness threshold: not more than 5 late
        (20, 0, []),  # on time
        (20, -4, []),  # early
        (0, 6, [OWNER]),  # due today and forecast late: still told
        (-1, 6, []),  # overdue: the overdue notices and the ladder take over
    ],
)
def test_the_owner_is_told_within_the_window_when_more_than_n_days_late(
    to_due: int, late_by: int, steps: list[str]
) -> None:
    assert warn(due_in(to_due), late_by) == steps


def test_the_owner_hears_the_forecast_and_the_pace_in_words() -> None:
    due = due_in(20)
    [warning] = forecast_late_warning(predicted(due, 21), due, AS_OF, ENG, DEFAULTS)
    assert (warning.step, warning.level) == (OWNER, 1)
    assert warning.reason == (
        "forecast to finish late: at 1.2% a working day since Monday 4 September 2017 you would finish "
        "around Tuesday 28 November 2017, 21 working days late (range: between Thursday 23 November 2017 and "
        "Monday 4 December 2017)"
    )
    assert warning.facts["forecast"] == "2017-11-28"
    assert warning.facts["forecast_late_by"] == 21 and warning.facts["working_days_to_due"] == 20
    json.dumps(warning.facts)  # what the ledger event and the notice carry


def test_the_area_lead_is_told_when_still_late_ten_working_days_after_the_owner() -> None:
    due = due_in(20)
    assert warn(due, 21, owner_told_on=ENG.add_working_days(AS_OF, -9)) == [OWNER]
    assert warn(due, 21, owner_told_on=ENG.add_working_days(AS_OF, -10)) == [OWNER, LEAD]
    # No longer forecast late: nobody is told, the lead included.
    assert warn(due, 5, owner_told_on=ENG.add_working_days(AS_OF, -15)) == []
    # The due date is out of the owner's window again (re-baselined later): the lead still hears.
    far = due_in(40)
    assert warn(far, 21, owner_told_on=ENG.add_working_days(AS_OF, -10)) == [LEAD]
    [_, lead] = forecast_late_warning(
        predicted(due, 21), due, AS_OF, ENG, DEFAULTS, ENG.add_working_days(AS_OF, -12)
    )
    assert lead.level == 2
    assert lead.reason.startswith(
        "still forecast to finish late 12 working days after the owner's warning: at 1.2%"
    )


def test_turned_off_or_no_forecast_tells_nobody() -> None:
    due = due_in(20)
    off = ForecastLatePolicy(enabled=False)
    assert warn(due, 21, settings=off, owner_told_on=ENG.add_working_days(AS_OF, -20)) == []
    assert forecast_late_warning(NoForecast("no update with a percent yet"), due, AS_OF, ENG, DEFAULTS) == []
    assert forecast_late_warning(NoForecast("finished", finished=True), due, AS_OF, ENG, DEFAULTS) == []


def test_other_thresholds_from_the_policy() -> None:
    settings = ForecastLatePolicy(late_by_days=0, within_days=10, lead_after_days=3)
    assert warn(due_in(10), 1, settings=settings) == [OWNER]
    assert warn(due_in(11), 1, settings=settings) == []
    assert warn(due_in(10), 1, settings=settings, owner_told_on=ENG.add_working_days(AS_OF, -3)) == [
        OWNER,
        LEAD,
    ]


def test_its_dedupe_key_is_the_sweeps() -> None:
    due = due_in(20)
    decision = Decision(
        plan="Plan",
        ref="TAP-07",
        rule=RULE,
        step=OWNER,
        kind="ReminderQueued",
        recipient="o@example.org",
        reason="r",
        due=due,
    )
    assert dedupe_key("Plan", "TAP-07", due, OWNER, "o@example.org") == decision.dedupe_key
    assert dedupe_key("Plan", "TAP-07", due, LEAD, "l@example.org") == (
        f"Plan|TAP-07|{due.isoformat()}|forecast_late|lead|l@example.org"
    )
