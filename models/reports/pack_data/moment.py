"""The moment a pack's data speaks for (by default the end of its pack date, so a later rebuild gives the
same pack), and which recorded events had happened by then (`split`). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config.timezone import DEFAULT_TIMEZONE
from models.ledger.kinds import EventKind
from models.vocab import day_in_words

TICK = timedelta(microseconds=1)
SWEEP_HOUR = time(7, 0)  # a sweep's decisions are owed from 07:00 on the day swept (models.sweep.run)


def cutoff(pack_day: date, timezone: str = DEFAULT_TIMEZONE) -> datetime:
    """The end of the pack's day in the plan's zone: an update after it belongs to the next pack."""
    return datetime.combine(pack_day + timedelta(days=1), time(0, 0), tzinfo=ZoneInfo(timezone))


@dataclass(frozen=True)
class AsOf:
    until: datetime  # exclusive: what happened before it counts
    timezone: str = DEFAULT_TIMEZONE
    chosen: bool = False  # given with --as-of rather than following from the pack date

    @property
    def local(self) -> datetime:
        return (self.until - TICK).astimezone(ZoneInfo(self.timezone))

    @property
    def day(self) -> date:
        """The day the pack's rules run on (working days to due, days on the exception list)."""
        return self.local.date()

    @property
    def end_of_day(self) -> bool:
        return self.until == cutoff(self.day, self.timezone)

    @property
    def words(self) -> str:
        """ "end of Monday 27 November 2017" or "10:30 on Monday 27 November 2017"."""
        if self.end_of_day:
            return f"end of {day_in_words(self.day)}"
        return f"{self.local:%H:%M} on {day_in_words(self.day)}"

    def __str__(self) -> str:
        return self.words + (" (chosen with --as-of)" if self.chosen else "")


def end_of(day: date, timezone: str, *, chosen: bool = False) -> AsOf:
    return AsOf(cutoff(day, timezone), timezone, chosen)


def default_as_of(pack_day: date, timezone: str, today: date, now: datetime | None) -> AsOf:
    """The end of the pack date; before that has come, the moment of building (`now`, or the end of `today`
    when only a day is known)."""
    until = cutoff(min(pack_day, today), timezone)
    if now is not None:
        aware = now if now.tzinfo else now.replace(tzinfo=ZoneInfo(timezone))  # naive: the plan's local time
        until = min(until, aware + TICK)
    return AsOf(until, timezone)


def parse_as_of(text: str, timezone: str) -> AsOf:
    """`--as-of`: a bare date means the end of that day (its updates included); a time means that moment."""
    from models.calendar import parse_moment
    from models.vocab import within_window

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        moment = parse_moment(text, timezone)
        return AsOf(moment + TICK, timezone, chosen=True)
    within_window(day, "--as-of", text)
    return end_of(day, timezone, chosen=True)


def own_time(data: dict[str, Any], timezone: str) -> datetime | None:
    """An event's own time, when its facts carry one: `reported_at` (an update), `effective_at` (a change
    recorded as of an earlier moment, such as the demo's import) or `as_of` (a sweep)."""
    for key in ("reported_at", "effective_at"):
        if isinstance(moment := data.get(key), str):
            parsed = datetime.fromisoformat(moment)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone))
    if isinstance(swept := data.get("as_of"), str):
        parsed = datetime.fromisoformat(swept)
        if len(swept) == 10:  # a day: the sweep of that morning
            return datetime.combine(parsed.date(), SWEEP_HOUR, tzinfo=ZoneInfo(timezone))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone))
    return None


@dataclass(frozen=True)
class Recorded:
    """One ledger event as the roll-back reads it (`data` decoded only where it may matter)."""

    seq: int
    hash: str
    at: datetime  # when it was written
    kind: str
    plan: str | None
    ref: str | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Split:
    head_seq: int  # the last event that counts: the pack is "built from" the ledger up to here
    head_hash: str
    later: tuple[Recorded, ...]  # events that had not happened by the moment, in ledger order


# Which events count at a moment: an event with a time of its own (an owner's update: when it was reported;
# a sweep's decision: 07:00 on the day swept; a backdated change: its `effective_at`) counts when that time
# is before the moment; one without, when it was written before it. The import that created a plan always
# counts (a plan has no earlier state to speak of). Nothing is inferred from the order of the ledger: a
# re-import written today never joins an old pack because a backdated event follows it.
def split(events: Iterable[Recorded], as_of: AsOf) -> Split:
    """Cut the ledger (in seq order, without the packs' own bookkeeping) at the moment."""
    head_seq, head_hash = 0, ""
    later: list[Recorded] = []
    created: set[tuple[str | None, datetime]] = set()  # (plan, when written) of each plan's creating import
    for e in events:
        if e.kind == EventKind.PLAN_CREATED:
            created.add((e.plan, e.at))
        own = own_time(e.data, as_of.timezone)
        if (e.plan, e.at) in created or _creating(e):
            # One import is one write: its events share their `at` with its PlanCreated (PlanImported,
            # written first, says `created` itself). Whatever moment it speaks for, it counts.
            counts = True
        elif own is not None:
            counts = own < as_of.until
        else:
            counts = e.at < as_of.until
        if counts:
            head_seq, head_hash = e.seq, e.hash
        else:
            later.append(e)
    return Split(head_seq, head_hash, tuple(later))


def _creating(e: Recorded) -> bool:
    """The PlanImported event that heads a plan's creating import (its summary says `created`)."""
    return e.kind == EventKind.PLAN_IMPORTED and e.data.get("created") is True
