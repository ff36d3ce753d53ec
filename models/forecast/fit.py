"""The forecast of one item's finish from its own history, pure: positions on the working calendar, the
Theil-Sen pace (the median of the paces between every two reported points), projected from the latest one."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import combinations

from models.calendar import WorkingCalendar

# The latest points a forecast reads: the pairs grow with the square (30 points: 435 pairs), and an item's
# recent pace says more about its finish than last year's.
MAX_POINTS = 30


@dataclass(frozen=True)
class History:
    """What an item reported: its start date (a point at 0% when known) and its percent updates, in order.
    Updates without a percent are left out by `History.of`."""

    updates: tuple[tuple[date, int], ...]
    start: date | None = None

    @classmethod
    def of(cls, updates: Iterable[tuple[date, int | None]], start: date | None = None) -> History:
        return cls(tuple((day, percent) for day, percent in updates if percent is not None), start)


@dataclass(frozen=True)
class Forecast:
    """The working day it reaches 100% at its observed pace, with a range and the facts it used."""

    central: date
    optimistic: date  # at the upper quartile of the pairwise paces
    pessimistic: date | None  # at the lower quartile; None when that pace is zero or below
    pace: float  # % per working day: the median pairwise pace
    since: date  # the first point used (the start date when known)
    points: int  # points used, the start date's included
    percent: int  # the latest reported
    last_update: date  # the latest update read
    due: date
    late_by: int  # working days after the due date (0 or less: on time)
    driver: str | None = None  # for a milestone: the action it waits for

    @property
    def is_late(self) -> bool:
        return self.late_by > 0


@dataclass(frozen=True)
class NoForecast:
    """No forecast, and why: never a guess. `finished` when the item has reached 100%."""

    reason: str
    finished: bool = False


Outcome = Forecast | NoForecast


def quantile(values: Sequence[float], q: float) -> float:
    """The inclusive (linear) quantile of sorted values: q=0.5 is the median, 0.25 and 0.75 the quartiles."""
    at = q * (len(values) - 1)
    low = math.floor(at)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (at - low)


def _points(
    history: History, calendar: WorkingCalendar, as_of: date, stale_after: int | None
) -> list[tuple[int, int, date]]:
    """(working-day position, percent, day) per reporting day up to `as_of`, the day's last word kept; the
    start date at 0% when it comes before every update; and `as_of` at the latest percent when the latest
    update is `stale_after` working days old or more (no news is no progress)."""
    by_position: dict[int, tuple[int, int, date]] = {}
    for day, percent in history.updates:
        if day <= as_of:
            position = calendar.position(day)
            by_position[position] = (position, percent, day)
    points = sorted(by_position.values())
    start = history.start
    if start is not None and start <= as_of and points and calendar.position(start) < points[0][0]:
        points.insert(0, (calendar.position(start), 0, start))
    if stale_after is not None and points and points[-1][1] < 100:
        now = calendar.position(as_of)
        if now > points[-1][0] and now - points[-1][0] >= stale_after:
            points.append((now, points[-1][1], as_of))
    return points


@lru_cache(maxsize=65536)
def _working_day_after(calendar: WorkingCalendar, day: date, n: int) -> date:
    """`calendar.add_working_days`, remembered: a sweep asks for the same few thousand (day, n) pairs."""
    return calendar.add_working_days(day, n)


# Working days: about ten years. A pace that needs longer says the item has stopped, not when it will finish
# (and a date centuries ahead would walk the calendar there, or past the year 9999).
HORIZON = 2_600


def _steps(remaining: int, pace: float) -> int:
    return math.ceil(remaining / pace - 1e-9)


def forecast(
    history: History, calendar: WorkingCalendar, as_of: date, due: date, stale_after: int | None = None
) -> Outcome:
    """As it stood on `as_of` (later updates are not read), from its latest `MAX_POINTS` points. Never before
    the latest update nor `as_of`; a higher percent never moves it later when the extra progress does not
    shrink over time (the latest update higher, or every one): raising only an early update slows the
    observed pace, and that is news. `stale_after` (the policy's `stale.request_after_days`): an update
    that old counts again on `as_of`."""
    points = _points(history, calendar, as_of, stale_after)[-MAX_POINTS:]
    if not points:
        return NoForecast("no update with a percent yet")
    last_position, last_percent, last_day = points[-1]
    reported = max(day for day, _ in history.updates if day <= as_of)  # the latest update itself
    if last_percent >= 100:
        return NoForecast(f"finished: 100% reported on {last_day.isoformat()}", finished=True)
    if len(points) < 2:
        return NoForecast("one update and no start date: no pace yet")
    marks = [(position, percent) for position, percent, _ in points]
    paces = sorted([(y2 - y1) / (x2 - x1) for (x1, y1), (x2, y2) in combinations(marks, 2)])
    pace = quantile(paces, 0.5)
    if pace <= 0:
        return NoForecast(f"no progress: {last_percent}% now, at {pace:.1f}% a working day")
    remaining = 100 - last_percent
    if _steps(remaining, pace) > HORIZON:
        return NoForecast(
            f"no date worth giving: at {pace:.2f}% a working day the {remaining}% left would take more than "
            "ten years"
        )
    # The first working day on or after as_of, as a position: as_of's own when it is a working day.
    now = calendar.position(as_of)
    floor = max(last_position, now if now > calendar.position(as_of - timedelta(days=1)) else now + 1)

    def finish(at_pace: float) -> date:
        target = max(last_position + _steps(remaining, at_pace), floor)
        return _working_day_after(calendar, last_day, target - last_position)

    central = finish(pace)
    slow = quantile(paces, 0.25)
    return Forecast(
        central=central,
        optimistic=finish(quantile(paces, 0.75)),
        pessimistic=finish(slow) if slow > 0 and _steps(remaining, slow) <= HORIZON else None,
        pace=pace,
        since=points[0][2],
        points=len(points),
        percent=last_percent,
        last_update=reported,
        due=due,
        late_by=calendar.count_between(due, central),
    )


def milestone_forecast(
    action_forecasts: Mapping[str, Outcome], due: date, calendar: WorkingCalendar
) -> Outcome:
    """The latest forecast of the actions a milestone depends on (by ref). No forecast when any unfinished
    dependency has none: it could be the slowest, and a date that left it out would be an early guess."""
    outcomes = action_forecasts.items()
    unknown = sorted(ref for ref, f in outcomes if isinstance(f, NoForecast) and not f.finished)
    if unknown:
        return NoForecast("no forecast for " + ", ".join(unknown))
    known = {ref: f for ref, f in action_forecasts.items() if isinstance(f, Forecast)}
    if not known:
        return NoForecast(
            "every action it depends on is finished or no longer open" if action_forecasts else "no actions"
        )
    ref, latest = max(known.items(), key=lambda pair: (pair[1].central, pair[0]))
    pessimistic = [f.pessimistic for f in known.values()]
    return Forecast(
        central=latest.central,
        optimistic=max(f.optimistic for f in known.values()),
        pessimistic=None if None in pessimistic else max(d for d in pessimistic if d is not None),
        pace=latest.pace,
        since=latest.since,
        points=latest.points,
        percent=latest.percent,
        last_update=latest.last_update,
        due=due,
        late_by=calendar.count_between(due, latest.central),
        driver=ref,
    )
