"""When a board pack is issued ("N clear working days" before the meeting: the committee-papers convention)
and which pack an owner's update counts towards. Pure: dates in, dates out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from config.timezone import DEFAULT_TIMEZONE
from models.calendar import WorkingCalendar
from models.reports.pack_data.moment import cutoff


def pack_date(meeting: date, calendar: WorkingCalendar, clear_days: int) -> date:
    """The working day with exactly `clear_days` working days between it and the meeting."""
    # The (N + 1)-th working day before the meeting leaves N working days in between.
    return calendar.add_working_days(meeting, -(clear_days + 1))


def pack_for_update(
    moment: datetime, pack_days: Iterable[date], timezone: str = DEFAULT_TIMEZONE
) -> date | None:
    """The pack an update made at `moment` goes into: the first whose day has not yet ended (in the plan's
    zone, so a clock change moves nothing). None when every known pack's day has passed."""
    for day in sorted(pack_days):
        if moment < cutoff(day, timezone):
            return day
    return None


def is_due(meeting: date, as_of: date, calendar: WorkingCalendar, clear_days: int) -> bool:
    """A pack is built from its pack date until the meeting itself (late rather than never)."""
    return pack_date(meeting, calendar, clear_days) <= as_of <= meeting
