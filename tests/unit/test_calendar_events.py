"""A calendar feed's events, pure: one per UID (a milestone both owned and a board's appears once, as the
owner's), in date order; UIDs made safe from any reference; the same entries give the same bytes."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from models.reports.calendar_events import BoardMeeting, Due, entries, ics

OWNED = Due(7, "Test Plan", "milestone", "MS 1/a", "Plan to inspectorate", date(2017, 12, 11))
MEETING = BoardMeeting(7, "Test Plan", "Improvement Board", 3, date(2017, 10, 3), date(2017, 9, 25))


def test_one_entry_per_uid_in_date_order_with_safe_uids() -> None:
    found = entries([OWNED], [MEETING], [OWNED])
    assert [e.uid for e in found] == [
        "pack-7-3@lineofsight",
        "meeting-7-3@lineofsight",
        "milestone-7-MS_1_a-due@lineofsight",
    ]
    assert found[-1].summary == "MS 1/a due: Plan to inspectorate"


def test_the_same_entries_give_the_same_bytes_and_parse_back() -> None:
    first = ics(entries([OWNED], [MEETING], []), "Board Secretariat")
    assert first == ics(entries([OWNED], [MEETING], []), "Board Secretariat")
    calendar = Calendar.from_ical(first)
    days = sorted(e.decoded("DTSTART") for e in calendar.walk("VEVENT"))
    assert days == [date(2017, 9, 25), date(2017, 10, 3), date(2017, 12, 11)]
    assert str(calendar["X-WR-CALNAME"]) == "Line of Sight: Board Secretariat"
