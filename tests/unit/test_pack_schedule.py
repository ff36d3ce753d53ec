"""The pack date rule: N clear working days before the meeting (the day of issue and the meeting day do not
count), across weekends, bank holidays of each nation, Christmas and the clock changes; and which pack an
update counts towards."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.calendar import WorkingCalendar
from packs.schedule import is_due, pack_date, pack_for_update

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("nation", "meeting", "clear", "expected", "why"),
    [
        ("ENG", date(2017, 10, 3), 5, date(2017, 9, 25), "Tuesday meeting: Monday of the week before"),
        ("ENG", date(2017, 10, 6), 5, date(2017, 9, 28), "Friday meeting: the Thursday a week before"),
        ("ENG", date(2017, 10, 9), 5, date(2017, 9, 29), "Monday meeting: two weekends in between"),
        ("ENG", date(2017, 9, 5), 5, date(2017, 8, 25), "the August bank holiday (28 Aug) does not count"),
        ("SCT", date(2017, 9, 5), 5, date(2017, 8, 28), "no August bank holiday on 28 Aug in Scotland"),
        ("ENG", date(2018, 1, 2), 5, date(2017, 12, 20), "Christmas, Boxing Day and New Year do not count"),
        ("ENG", date(2018, 1, 9), 5, date(2017, 12, 29), "New Year's Day does not count"),
        ("SCT", date(2018, 1, 9), 5, date(2017, 12, 28), "nor does 2 January in Scotland"),
        ("ENG", date(2017, 10, 31), 5, date(2017, 10, 23), "across the clock change of 29 October"),
        ("ENG", date(2018, 3, 27), 5, date(2018, 3, 19), "across the clock change of 25 March"),
        ("ENG", date(2017, 10, 3), 0, date(2017, 10, 2), "no clear days: the working day before"),
        ("ENG", date(2017, 10, 3), 1, date(2017, 9, 29), "one clear day"),
    ],
)
def test_pack_date(nation: str, meeting: date, clear: int, expected: date, why: str) -> None:
    calendar = WorkingCalendar(nation)
    issued = pack_date(meeting, calendar, clear)
    assert issued == expected, why
    # The definition itself: exactly `clear` working days strictly between issue and meeting.
    assert calendar.count_between(issued, meeting) - 1 == clear
    assert calendar.is_working_day(issued)


def test_a_closure_day_moves_the_pack_earlier() -> None:
    plain = pack_date(date(2017, 10, 3), WorkingCalendar("ENG"), 5)
    closed = pack_date(date(2017, 10, 3), WorkingCalendar("ENG", closures=[date(2017, 9, 27)]), 5)
    assert (plain, closed) == (date(2017, 9, 25), date(2017, 9, 22))


def test_a_pack_is_due_from_its_date_until_the_meeting() -> None:
    calendar = WorkingCalendar("ENG")
    meeting = date(2017, 10, 3)
    assert not is_due(meeting, date(2017, 9, 22), calendar, 5)
    assert is_due(meeting, date(2017, 9, 25), calendar, 5)
    assert is_due(meeting, date(2017, 10, 3), calendar, 5)  # late rather than never
    assert not is_due(meeting, date(2017, 10, 4), calendar, 5)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2017, 9, 25, 9, 0, tzinfo=LONDON), date(2017, 9, 25)),
        (datetime(2017, 9, 25, 23, 59, tzinfo=LONDON), date(2017, 9, 25)),
        # 23:30 UTC on the pack date is already the next day in London (BST): the next pack.
        (datetime(2017, 9, 25, 23, 30, tzinfo=UTC), date(2017, 10, 30)),
        (datetime(2017, 9, 26, 0, 0, tzinfo=LONDON), date(2017, 10, 30)),
        # After the clocks go back (29 October) London is UTC again: 23:30 UTC is still the pack date.
        (datetime(2017, 10, 30, 23, 30, tzinfo=UTC), date(2017, 10, 30)),
        (datetime(2017, 10, 31, 0, 0, tzinfo=UTC), None),
    ],
)
def test_an_update_after_the_pack_date_goes_into_the_next_pack(
    moment: datetime, expected: date | None
) -> None:
    assert pack_for_update(moment, [date(2017, 10, 30), date(2017, 9, 25)]) == expected
