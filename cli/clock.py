"""The shell's one reading of the clock: commands ask here, and everything below them takes the moment or
the day as a value (the rules never read a clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.calendar import local_date


def now() -> datetime:
    """This moment, in UTC."""
    return datetime.now(UTC)


def today(timezone: str) -> date:
    """Today's date where the plan's people are."""
    return local_date(now(), timezone)
