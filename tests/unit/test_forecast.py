"""The forecast of an item's finish from its own history: tables of histories with their forecasts, and the
properties every forecast keeps (never before the latest update nor today, more progress never later, the
range brackets the central date)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.calendar import WorkingCalendar, local_date
from models.forecast import (
    Forecast,
    History,
    NoForecast,
    forecast,
    forecast_words,
    lateness_words,
    milestone_forecast,
    range_words,
)
from models.forecast.fit import MAX_POINTS

ENG = WorkingCalendar("ENG")
D = date


def steady() -> History:
    """0% on Monday 2 October 2017, then 10% more every Monday: 2% a working day."""
    return History(((D(2017, 10, 9), 10), (D(2017, 10, 16), 20), (D(2017, 10, 23), 30)), D(2017, 10, 2))


# (name, history, as_of, the start of the NoForecast reason)
NO_FORECAST = [
    ("no history", History(()), D(2017, 10, 30), "no update with a percent yet"),
    (
        "a start date and no update",
        History((), D(2017, 10, 2)),
        D(2017, 10, 30),
        "no update with a percent yet",
    ),
    (
        "one update, no start",
        History(((D(2017, 10, 9), 10),)),
        D(2017, 10, 30),
        "one update and no start date",
    ),
    (
        "flat",
        History(((D(2017, 10, 9), 30), (D(2017, 10, 16), 30), (D(2017, 10, 23), 30))),
        D(2017, 10, 30),
        "no progress",
    ),
    (
        "regressing",
        History(((D(2017, 10, 9), 50), (D(2017, 10, 16), 40), (D(2017, 10, 23), 30))),
        D(2017, 10, 30),
        "no progress",
    ),
    ("0% since the start", History(((D(2017, 10, 9), 0),), D(2017, 10, 2)), D(2017, 10, 30), "no progress"),
    (
        "only updates after as_of",
        History(((D(2017, 11, 9), 10), (D(2017, 11, 16), 20))),
        D(2017, 10, 30),
        "no update with a percent yet",
    ),
]


@pytest.mark.parametrize(("name", "history", "as_of", "reason"), NO_FORECAST, ids=[c[0] for c in NO_FORECAST])
def test_no_forecast_says_why_and_never_guesses(
    name: str, history: History, as_of: date, reason: str
) -> None:
    outcome = forecast(history, ENG, as_of, D(2017, 12, 1))
    assert isinstance(outcome, NoForecast)
    assert outcome.reason.startswith(reason)
    assert not outcome.finished


def test_a_finished_item_needs_no_forecast() -> None:
    outcome = forecast(
        History(((D(2017, 10, 9), 40), (D(2017, 10, 16), 100))), ENG, D(2017, 10, 30), D(2017, 11, 1)
    )
    assert outcome == NoForecast("finished: 100% reported on 2017-10-16", finished=True)


def test_steady_progress_finishes_at_its_pace_and_says_so() -> None:
    outcome = forecast(steady(), ENG, D(2017, 10, 24), D(2017, 12, 1))
    assert isinstance(outcome, Forecast)
    # 70% to go at 2% a working day: 35 working days after Monday 23 October.
    assert (outcome.central, outcome.optimistic, outcome.pessimistic) == (D(2017, 12, 11),) * 3
    assert (outcome.pace, outcome.since, outcome.points, outcome.percent) == (2.0, D(2017, 10, 2), 4, 30)
    assert outcome.late_by == 6 and outcome.is_late
    assert forecast_words(outcome) == (
        "at 2.0% a working day since Monday 2 October 2017 you would finish around Monday 11 December 2017, "
        "6 working days late"
    )
    assert range_words(outcome) == "the same day at its fastest and slowest pace"


def test_accelerating_progress_has_a_range_around_the_median_pace() -> None:
    history = History(((D(2017, 10, 9), 5), (D(2017, 10, 16), 15), (D(2017, 10, 23), 30)), D(2017, 10, 2))
    outcome = forecast(history, ENG, D(2017, 10, 24), D(2017, 12, 22))
    assert isinstance(outcome, Forecast)
    # Pairwise paces 1, 1.5, 2, 2, 2.5, 3: median 2, quartiles 1.625 and 2.375 (inclusive).
    assert outcome.pace == 2.0
    assert outcome.central == D(2017, 12, 11)
    assert outcome.optimistic == D(2017, 12, 4)  # 70 / 2.375 -> 30 working days
    assert outcome.pessimistic == D(2017, 12, 22)  # 70 / 1.625 -> 44 working days
    assert outcome.late_by == -9 and not outcome.is_late
    assert range_words(outcome) == "between Monday 4 December 2017 and Friday 22 December 2017"


def test_a_stalled_item_is_forecast_later_than_a_steady_one() -> None:
    stalled = History(
        (
            (D(2017, 10, 9), 10),
            (D(2017, 10, 16), 20),
            (D(2017, 10, 23), 30),
            (D(2017, 10, 30), 30),
            (D(2017, 11, 6), 30),
            (D(2017, 11, 13), 30),
        ),
        D(2017, 10, 2),
    )
    outcome = forecast(stalled, ENG, D(2017, 11, 14), D(2017, 12, 1))
    assert isinstance(outcome, Forecast)
    assert outcome.pace < 2.0
    assert outcome.pessimistic is None  # a quarter of its paces are nil: no latest date
    assert outcome.central > D(2017, 12, 11)
    assert range_words(outcome).endswith("with no latest date")


def test_a_dip_in_the_percent_does_not_stop_the_forecast() -> None:
    history = History(
        ((D(2017, 10, 9), 10), (D(2017, 10, 16), 30), (D(2017, 10, 23), 25), (D(2017, 10, 30), 40))
    )
    outcome = forecast(history, ENG, D(2017, 10, 30), D(2017, 12, 1))
    assert isinstance(outcome, Forecast) and outcome.pace > 0


def test_a_rebaselined_due_date_moves_the_lateness_not_the_forecast() -> None:
    before = forecast(steady(), ENG, D(2017, 10, 24), D(2017, 12, 1))
    after = forecast(steady(), ENG, D(2017, 10, 24), D(2018, 1, 12))
    assert isinstance(before, Forecast) and isinstance(after, Forecast)
    assert before.central == after.central
    assert (before.late_by, after.late_by) == (6, -21)
    assert forecast_words(after).endswith("21 working days early")


def test_christmas_and_new_year_bank_holidays_do_not_count() -> None:
    history = History(((D(2017, 12, 8), 25), (D(2017, 12, 15), 50)), D(2017, 12, 1))  # 5% a working day
    outcome = forecast(history, ENG, D(2017, 12, 15), D(2018, 1, 3))
    assert isinstance(outcome, Forecast)
    # 10 working days after Friday 15 December: 18-22, 27, 28, 29 December, 2 and 3 January.
    assert outcome.central == D(2018, 1, 3)
    assert outcome.late_by == 0 and forecast_words(outcome).endswith("on the due date")
    shutdown = WorkingCalendar("ENG", every_year=((12, 27), (12, 28), (12, 29)))
    closed = forecast(history, shutdown, D(2017, 12, 15), D(2018, 1, 3))
    assert isinstance(closed, Forecast) and closed.central == D(2018, 1, 8)


def test_the_october_clock_change_moves_no_date() -> None:
    # British Summer Time ends at 01:00 UTC on Sunday 29 October 2017: 23:30 UTC on the 28th is the 29th here.
    assert local_date(datetime(2017, 10, 28, 23, 30, tzinfo=UTC)) == D(2017, 10, 29)
    history = History.of(
        [
            (local_date(datetime(2017, 10, 27, 15, 0, tzinfo=UTC)), 20),
            (D(2017, 10, 30), 25),
            (D(2017, 10, 31), None),
        ],
        start=D(2017, 10, 23),
    )
    assert history.updates == ((D(2017, 10, 27), 20), (D(2017, 10, 30), 25))
    outcome = forecast(history, ENG, D(2017, 10, 31), D(2017, 11, 30))
    assert isinstance(outcome, Forecast)
    assert outcome.pace == 5.0 and outcome.central == D(2017, 11, 20)  # 75% at 5%: 15 working days


def test_the_march_clock_change_and_easter() -> None:
    # Clocks go forward on 25 March 2018; Good Friday (30 March) and Easter Monday (2 April) do not count.
    history = History(((D(2018, 3, 23), 20),), D(2018, 3, 19))
    outcome = forecast(history, ENG, D(2018, 3, 26), D(2018, 4, 13))
    assert isinstance(outcome, Forecast)
    assert outcome.pace == 5.0 and outcome.central == D(2018, 4, 18)
    assert outcome.late_by == 3


def test_never_before_the_latest_update_nor_today() -> None:
    late_look = forecast(steady(), ENG, D(2018, 1, 15), D(2017, 12, 1))
    assert isinstance(late_look, Forecast) and late_look.central == D(2018, 1, 15)
    weekend = forecast(steady(), ENG, D(2018, 1, 13), D(2017, 12, 1))  # a Saturday: the next working day
    assert isinstance(weekend, Forecast) and weekend.central == D(2018, 1, 15)


def test_an_old_update_counts_again_today_when_stale() -> None:
    fresh = forecast(steady(), ENG, D(2017, 11, 17), D(2017, 12, 1), stale_after=20)
    stale = forecast(steady(), ENG, D(2017, 11, 20), D(2017, 12, 1), stale_after=20)
    assert isinstance(fresh, Forecast) and isinstance(stale, Forecast)
    assert fresh.points == 4 and fresh.central == D(2017, 12, 11)
    assert stale.points == 5 and stale.last_update == D(2017, 10, 23) and stale.central > D(2018, 1, 1)


def test_the_same_day_keeps_its_last_word_and_a_start_on_that_day_is_not_a_point() -> None:
    history = History(((D(2017, 10, 2), 20), (D(2017, 10, 9), 25), (D(2017, 10, 9), 30)), D(2017, 10, 2))
    outcome = forecast(history, ENG, D(2017, 10, 9), D(2017, 12, 1))
    assert isinstance(outcome, Forecast)
    assert (outcome.points, outcome.pace, outcome.percent) == (2, 2.0, 30)


def test_lateness_in_words() -> None:
    assert [lateness_words(n) for n in (1, 0, -1, 21)] == [
        "1 working day late",
        "on the due date",
        "1 working day early",
        "21 working days late",
    ]
    assert (
        forecast_words(NoForecast("no update with a percent yet"))
        == "no forecast: no update with a percent yet"
    )


# Milestones: the latest forecast of the actions they depend on.


def _action(weeks: int) -> Forecast:
    outcome = forecast(steady(), ENG, D(2017, 10, 24) + timedelta(weeks=weeks), D(2017, 12, 1))
    assert isinstance(outcome, Forecast)
    return outcome


def test_a_milestone_waits_for_its_latest_action() -> None:
    early, late = _action(0), _action(10)
    outcome = milestone_forecast(
        {"TAP-01": early, "TAP-02": late, "TAP-03": NoForecast("finished", finished=True)},
        D(2017, 12, 11),
        ENG,
    )
    assert isinstance(outcome, Forecast)
    assert (outcome.central, outcome.driver) == (late.central, "TAP-02")
    assert outcome.late_by == ENG.count_between(D(2017, 12, 11), late.central)
    assert forecast_words(outcome).startswith("waiting for TAP-02: at 2.0% a working day")


def test_a_milestone_has_no_forecast_while_an_unfinished_action_has_none() -> None:
    outcome = milestone_forecast(
        {"TAP-01": _action(0), "TAP-04": NoForecast("no update with a percent yet")}, D(2017, 12, 11), ENG
    )
    assert outcome == NoForecast("no forecast for TAP-04")
    done = milestone_forecast({"TAP-01": NoForecast("finished", finished=True)}, D(2017, 12, 11), ENG)
    assert (
        isinstance(done, NoForecast)
        and done.reason == "every action it depends on is finished or no longer open"
    )
    assert milestone_forecast({}, D(2017, 12, 11), ENG) == NoForecast("no actions")


# Properties.

START = D(2017, 1, 2)


@st.composite
def histories(draw: st.DrawFn) -> tuple[History, date, list[int]]:
    """A history of 1-8 updates (percent 0-60) some working days apart, maybe with a start date, as_of
    after it, and non-decreasing extra progress per point (at most 39: no point reaches 100%)."""
    offset = draw(st.integers(0, 900))
    gaps = draw(st.lists(st.integers(1, 25), min_size=1, max_size=8))
    percents = draw(st.lists(st.integers(0, 60), min_size=len(gaps), max_size=len(gaps)))
    days, day = [], START + timedelta(days=offset)
    for gap in gaps:
        day += timedelta(days=gap)
        days.append(day)
    start = START + timedelta(days=offset) if draw(st.booleans()) else None
    as_of = days[-1] + timedelta(days=draw(st.integers(0, 60)))
    extra = sorted(draw(st.lists(st.integers(0, 39), min_size=len(gaps), max_size=len(gaps))))
    return History(tuple(zip(days, percents, strict=True)), start), as_of, extra


@settings(max_examples=300, deadline=None)
@given(histories(), st.sampled_from([None, 0, 1, 20]))
def test_never_before_the_latest_update_nor_as_of_and_the_range_brackets_it(
    drawn: tuple[History, date, list[int]], stale_after: int | None
) -> None:
    history, as_of, _ = drawn
    outcome = forecast(history, ENG, as_of, as_of, stale_after)
    if isinstance(outcome, Forecast):
        assert outcome.central >= max(as_of, history.updates[-1][0])
        assert outcome.optimistic <= outcome.central
        assert outcome.pessimistic is None or outcome.central <= outcome.pessimistic
        assert ENG.is_working_day(outcome.central) or outcome.central == history.updates[-1][0]


@settings(max_examples=300, deadline=None)
@given(histories(), st.sampled_from([None, 0, 1, 20]))
def test_more_progress_never_moves_it_later(
    drawn: tuple[History, date, list[int]], stale_after: int | None
) -> None:
    history, as_of, extra = drawn
    more = History(
        tuple((day, percent + add) for (day, percent), add in zip(history.updates, extra, strict=True)),
        history.start,
    )
    before = forecast(history, ENG, as_of, as_of, stale_after)
    after = forecast(more, ENG, as_of, as_of, stale_after)
    if isinstance(before, Forecast):
        assert isinstance(after, Forecast)
        assert after.central <= before.central
        assert after.optimistic <= before.optimistic
        if after.pessimistic is None:
            assert before.pessimistic is None
        elif before.pessimistic is not None:
            assert after.pessimistic <= before.pessimistic


def test_raising_only_an_early_update_can_slow_the_pace_and_that_is_news() -> None:
    """Not a property: the same latest percent after a faster start means the pace has slowed."""
    history = History(((D(2017, 10, 9), 10), (D(2017, 10, 16), 20), (D(2017, 10, 23), 30)))
    raised = History(((D(2017, 10, 9), 25), (D(2017, 10, 16), 20), (D(2017, 10, 23), 30)))
    before, after = (forecast(h, ENG, D(2017, 10, 23), D(2017, 12, 1)) for h in (history, raised))
    assert isinstance(before, Forecast) and isinstance(after, Forecast)
    assert after.central > before.central


def test_only_the_latest_points_are_read() -> None:
    days = [ENG.add_working_days(D(2017, 1, 2), 5 * n) for n in range(1, 41)]
    history = History(tuple((day, n) for n, day in enumerate(days, start=1)), D(2017, 1, 2))
    outcome = forecast(history, ENG, days[-1], D(2018, 12, 31))
    assert isinstance(outcome, Forecast)
    assert (outcome.points, outcome.since) == (MAX_POINTS, days[-MAX_POINTS])
    assert outcome.pace == 0.2


def test_no_progress_in_words() -> None:
    flat = History(((D(2017, 10, 9), 30), (D(2017, 10, 16), 30)))
    assert forecast(flat, ENG, D(2017, 10, 16), D(2017, 12, 1)) == NoForecast(
        "no progress: 30% now, at 0.0% a working day"
    )
    # Counting the latest update again today, however recent, never divides by a day of no length.
    again = forecast(flat, ENG, D(2017, 10, 16), D(2017, 12, 1), stale_after=0)
    assert isinstance(again, NoForecast) and again.reason.startswith("no progress")


def test_a_pace_that_needs_more_than_ten_years_gives_no_date() -> None:
    """1% over a century: no date worth giving (it walked the calendar to the year 14606 and failed)."""
    history = History(((date(2099, 12, 1), 1),), start=date(2000, 1, 3))
    outcome = forecast(history, ENG, date(2099, 12, 1), date(2099, 12, 31))
    assert isinstance(outcome, NoForecast) and "more than ten years" in outcome.reason
    slowly = History(((date(2017, 9, 4), 10), (date(2017, 10, 2), 30)), start=date(2017, 9, 1))
    found = forecast(slowly, WorkingCalendar("ENG"), date(2017, 10, 2), date(2017, 12, 1))
    assert isinstance(found, Forecast) and found.central.year < 2019


def test_a_calendar_shared_by_threads_counts_as_one_used_alone() -> None:
    """The console's threads widen one calendar's range at once, backwards and forwards."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    days = [date(1990 + (i * 7) % 60, 1 + i % 12, 1 + i % 28) for i in range(600)]
    alone = WorkingCalendar("ENG")
    expected = [alone.count_between(days[0], d) for d in days]
    for _ in range(5):
        shared = WorkingCalendar("ENG")
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(partial(shared.count_between, days[0]), days))
        assert got == expected
