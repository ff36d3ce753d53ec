"""The working-day definitions every rule stands on, across weekends, bank holidays and clock changes."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from models.calendar import WorkingCalendar, local_date
from models.errors import InvalidValue

ENG = WorkingCalendar("ENG")
SCT = WorkingCalendar("SCT")
D = date.fromisoformat


@pytest.mark.parametrize(
    ("today", "due", "to_due"),
    [
        ("2017-10-02", "2017-10-02", 0),  # on the due date
        ("2017-10-02", "2017-10-03", 1),
        ("2017-09-29", "2017-10-02", 1),  # Friday to Monday: the weekend does not count
        ("2017-10-03", "2017-10-02", -1),  # first working day after
        ("2017-10-09", "2017-10-02", -5),
        ("2017-12-22", "2018-01-02", 4),  # Christmas, Boxing Day, New Year's Day 2018 are holidays
        ("2017-12-22", "2017-12-27", 1),
        ("2017-10-27", "2017-10-30", 1),  # clocks went back on Sunday 29 October 2017
        ("2018-03-23", "2018-03-26", 1),  # clocks went forward on Sunday 25 March 2018
        ("2017-09-29", "2017-09-30", 0),  # due on a Saturday: no working day after today up to it
        ("2017-09-30", "2017-09-30", 0),  # a weekend "today"
    ],
)
def test_working_days_to_due(today: str, due: str, to_due: int) -> None:
    assert ENG.working_days_to_due(D(today), D(due)) == to_due


@pytest.mark.parametrize(
    ("today", "due", "overdue"),
    [
        ("2017-10-02", "2017-10-02", 0),
        ("2017-10-03", "2017-10-02", 1),  # 1 on the first working day after
        ("2017-10-02", "2017-09-30", 1),  # due Saturday: Monday is the first working day overdue
        ("2017-10-01", "2017-09-30", 0),  # the Sunday after a Saturday due date
        ("2017-12-27", "2017-12-22", 1),  # Christmas and Boxing Day are not counted
        ("2018-01-02", "2017-12-22", 4),
        ("2017-09-01", "2017-10-02", 0),  # not yet due
    ],
)
def test_working_days_overdue(today: str, due: str, overdue: int) -> None:
    assert ENG.working_days_overdue(D(today), D(due)) == overdue


def test_st_andrews_day_is_a_holiday_in_scotland_only() -> None:
    st_andrews = D("2017-11-30")  # a Thursday
    assert not SCT.is_working_day(st_andrews)
    assert ENG.is_working_day(st_andrews)
    assert SCT.working_days_to_due(D("2017-11-29"), D("2017-12-01")) == 1
    assert ENG.working_days_to_due(D("2017-11-29"), D("2017-12-01")) == 2


def test_scotland_keeps_2_january() -> None:
    assert not SCT.is_working_day(D("2018-01-02"))
    assert ENG.is_working_day(D("2018-01-02"))


def test_local_closure_days() -> None:
    closing = WorkingCalendar("ENG", closures={D("2017-12-27"), D("2017-12-28"), D("2017-12-29")})
    assert closing.working_days_to_due(D("2017-12-22"), D("2018-01-02")) == 1
    assert closing.holiday_name(D("2017-12-28")) == "local closure day"
    yearly = WorkingCalendar("ENG", every_year={(12, 27), (12, 28), (12, 29)})
    assert yearly.working_days_to_due(D("2018-12-24"), D("2019-01-02")) == 2  # 31 Dec and 2 Jan 2019


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2017-12-22", 1, "2017-12-27"),
        ("2017-12-27", -1, "2017-12-22"),
        ("2017-12-25", -1, "2017-12-22"),  # from a holiday, back to the last working day
        ("2017-12-25", 1, "2017-12-27"),
        ("2017-09-29", 5, "2017-10-06"),
        ("2017-09-30", 1, "2017-10-02"),
        ("2017-10-02", 0, "2017-10-02"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert ENG.add_working_days(D(start), n) == D(expected)


def test_unknown_nation() -> None:
    with pytest.raises(InvalidValue, match="ENG, WLS, SCT, NIR"):
        WorkingCalendar("FRA")


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2017-10-29T00:30:00+00:00", "2017-10-29"),  # 01:30 BST, just before the clocks go back
        ("2017-10-28T23:30:00+00:00", "2017-10-29"),  # 00:30 BST on the Sunday
        ("2018-03-24T23:30:00+00:00", "2018-03-24"),  # 23:30 GMT, the night the clocks go forward
        ("2018-03-25T23:30:00+00:00", "2018-03-26"),  # 00:30 BST on Monday
    ],
)
def test_local_date_across_clock_changes(instant: str, expected: str) -> None:
    assert local_date(datetime.fromisoformat(instant)) == D(expected)


@freeze_time("2017-10-29T00:30:00+00:00")
def test_today_under_a_frozen_clock_uses_london_time() -> None:
    assert local_date(datetime.now(UTC)) == D("2017-10-29")


def _brute_count(calendar: WorkingCalendar, after: date, upto: date) -> int:
    sign, lo, hi = (1, after, upto) if upto >= after else (-1, upto, after)
    return sign * sum(calendar.is_working_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@given(days, days, st.sampled_from(["ENG", "WLS", "SCT", "NIR"]))
def test_counting_matches_a_day_by_day_walk(a: date, b: date, nation: str) -> None:
    calendar = WorkingCalendar(nation)
    if abs((a - b).days) > 800:
        b = a + timedelta(days=(b - a).days % 800)
    assert calendar.count_between(a, b) == _brute_count(calendar, a, b)


@given(days, st.integers(min_value=-400, max_value=400))
def test_adding_working_days_lands_on_a_working_day_n_away(start: date, n: int) -> None:
    landed = ENG.add_working_days(start, n)
    if n == 0:
        assert landed == start
        return
    assert ENG.is_working_day(landed)
    if n > 0:  # exactly n working days in (start, landed]
        assert ENG.count_between(start, landed) == n
    else:  # exactly -n working days in [landed, start)
        one = timedelta(days=1)
        assert ENG.count_between(landed - one, start - one) == -n


@given(st.lists(st.dates(date(2000, 1, 1), date(2040, 12, 31)), min_size=2, max_size=8))
def test_counts_stay_right_while_one_calendar_widens_its_range(days: list[date]) -> None:
    # One calendar answers every question in turn, so later dates widen its range (backwards and forwards)
    # after earlier positions were remembered: each count must still match a walk.
    calendar = WorkingCalendar("ENG")
    for a, b in itertools.pairwise(days):
        calendar.position(b)  # widen first, then count from a date remembered before
        near = a + timedelta(days=(b - a).days % 400)
        assert calendar.count_between(a, near) == _brute_count(calendar, a, near)
