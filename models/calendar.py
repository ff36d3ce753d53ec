"""UK working days: Monday to Friday, less the nation's bank holidays and any local closure days.

Every "N days" in the product is counted here. Two definitions are pinned down by the tests:
- working days to due: working days after today up to and including the due date (0 on the due date);
- working days overdue: working days after the due date up to and including today (1 on the first
  working day after it).
Dates are calendar dates in the plan's zone; a clock change never moves one.
"""

from __future__ import annotations

import bisect
import importlib.util
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from config.timezone import DEFAULT_TIMEZONE
from models.errors import InvalidValue
from models.vocab import within_window

if TYPE_CHECKING:
    from holidays import HolidayBase

NATIONS = ("ENG", "WLS", "SCT", "NIR")
NATION_NAMES = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
UK_HOLIDAYS = "holidays.countries.united_kingdom"
_uk_lock = threading.Lock()


def _uk_module() -> ModuleType:
    """The holidays library's UK module, alone. `holidays.country_holidays("GB")` imports the package of every
    country first (250 modules: 0.1 s, more than the rest of `lineofsight status`); this runs the UK's file as
    that same module, so a later import of the whole package reuses it."""
    with _uk_lock:
        module = sys.modules.get(UK_HOLIDAYS)
        if module is None:
            import holidays

            path = Path(holidays.__file__).parent / "countries" / "united_kingdom.py"
            spec = importlib.util.spec_from_file_location(UK_HOLIDAYS, path) if path.is_file() else None
            if spec is None or spec.loader is None:  # a holidays release laid out otherwise: the usual way
                return importlib.import_module(UK_HOLIDAYS)
            module = importlib.util.module_from_spec(spec)
            sys.modules[UK_HOLIDAYS] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[UK_HOLIDAYS]
                raise
        return module


def bank_holidays(nation: str) -> HolidayBase:
    """The nation's bank holidays: what `holidays.country_holidays("GB", subdiv=nation)` returns."""
    uk_holidays: HolidayBase = _uk_module().GB(subdiv=nation)
    return uk_holidays


def parse_nation(value: str | None) -> str:
    nation = (value or "ENG").strip().upper()
    if nation not in NATIONS:
        raise InvalidValue("nation", value, "one of " + ", ".join(NATIONS))
    return nation


def local_date(moment: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The calendar date of an instant in the plan's zone (a naive instant is taken as already local)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(ZoneInfo(timezone)).date()


class WorkingCalendar:
    """Counts working days by position in a sorted list of working-day ordinals. A day's position is found
    by bisection once and then remembered, so each count costs two dictionary lookups."""

    def __init__(
        self, nation: str = "ENG", closures: Iterable[date] = (), every_year: Iterable[tuple[int, int]] = ()
    ) -> None:
        self.nation = parse_nation(nation)
        self.closures = frozenset(closures)
        self.every_year = frozenset(every_year)  # (month, day) closed every year
        self._holidays = bank_holidays(self.nation)
        self._first_year = self._last_year = 0
        self._ordinals: list[int] = []
        self._positions: dict[date, int] = {}
        self._offset = 0  # the position of the first covered day, so positions survive a wider range
        # A calendar is shared by a process's threads (the console's pages, Prefect's tasks): widening the
        # covered range swaps the ordinals and the offset together, and a position is read with both.
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"WorkingCalendar({self.nation!r}, closures={len(self.closures)})"

    def holiday_name(self, day: date) -> str | None:
        if day in self.closures or (day.month, day.day) in self.every_year:
            return "local closure day"
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday_name(day) is None

    def _cover(self, year: int) -> None:
        if self._ordinals and self._first_year <= year <= self._last_year:
            return
        with self._lock:
            self._widen(year)

    def _widen(self, year: int) -> None:
        if self._ordinals and self._first_year <= year <= self._last_year:  # another thread did it
            return
        first = min(year, self._first_year or year) - 1
        last = max(year, self._last_year or year) + 1
        day, end = date(first, 1, 1), date(last, 12, 31)
        ordinals = []
        while day <= end:
            if self.is_working_day(day):
                ordinals.append(day.toordinal())
            day += timedelta(days=1)
        if self._ordinals:  # keep every position already handed out: shift by the working days added before
            self._offset -= bisect.bisect_left(ordinals, self._ordinals[0])
        self._ordinals, self._first_year, self._last_year = ordinals, first, last

    def position(self, day: date) -> int:
        """The number of working days on or before `day`, counted from a fixed origin: only differences
        mean anything. Remembered per date: a sweep asks about the same few hundred dates 100,000 times."""
        found = self._positions.get(day)
        if found is None:
            with self._lock:
                self._cover(day.year)
                found = self._offset + bisect.bisect_right(self._ordinals, day.toordinal())
                self._positions[day] = found
        return found

    def count_between(self, after: date, upto: date) -> int:
        """Working days in (after, upto]; negative when `upto` is before `after`."""
        return self.position(upto) - self.position(after)

    def working_days_to_due(self, today: date, due: date) -> int:
        """Positive before the due date, 0 on it, minus the working days overdue after it."""
        return self.count_between(today, due)

    def working_days_overdue(self, today: date, due: date) -> int:
        return max(0, self.count_between(due, today))

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n > 0) or before it (n < 0); `day` itself for n == 0."""
        if n == 0:
            return day
        # Make sure the covered range reaches far enough (a working year has about 250 days).
        years = abs(n) // 200 + 1
        with self._lock:
            self._cover(day.year + years if n > 0 else day.year - years)
            self._cover(day.year)
            ordinals = self._ordinals
        ordinal = day.toordinal()
        if n > 0:
            target = bisect.bisect_right(ordinals, ordinal) + n - 1
        else:
            target = bisect.bisect_left(ordinals, ordinal) + n
        return date.fromordinal(ordinals[target])


def parse_moment(text: str, timezone: str = DEFAULT_TIMEZONE) -> datetime:
    """An instant from `2017-10-02`, `2017-10-02T07:00` or `2017-10-02T07:00+01:00`; a naive value is local
    time in `timezone` (a bare date means the start of that day there)."""
    import pendulum  # only commands that take a time need its parser

    try:
        moment = pendulum.parse(text.strip(), tz=timezone)
    except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
        raise InvalidValue("--as-of", text, "a date or time such as 2017-10-02 or 2017-10-02T07:00") from None
    if not isinstance(moment, datetime):
        raise InvalidValue("--as-of", text, "a date or time such as 2017-10-02 or 2017-10-02T07:00")
    within_window(moment.date(), "--as-of", text)  # 0001-01-01 and 9999-12-31 overflow on conversion
    return moment


# A plan's calendar by its name and nation: how a reader of several plans counts each by its own bank
# holidays, with the closure days its policy adds (`config.policy`, a plan's own among them), as the sweep
# and the console count.
CalendarOf = Callable[[str, str], "WorkingCalendar"]


@lru_cache(maxsize=32)
def shared_calendar(
    nation: str, closures: tuple[date, ...] = (), every_year: tuple[tuple[int, int], ...] = ()
) -> WorkingCalendar:
    """One calendar per nation and closure list, shared by every plan and page that uses it (building one
    reads three years of bank holidays: more than sweeping a small plan costs)."""
    return WorkingCalendar(nation, closures, every_year)
