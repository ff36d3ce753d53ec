"""Reading the ledger for people: the log, filtered on what, who and either of an event's two times, and
an item's whole story (the export for auditors is `models.ledger.export`).

Every event has two times. `at` is when it was written (UTC, the clock of the machine that wrote it). Its
day is the day it speaks for: the day a sweep decided for (`as_of` in its data), the day an owner's update
was reported, the day a pack was built for; an event with no day of its own (an import, a delivery) speaks
for the day it was written. They differ whenever the past is replayed (the demo writes the autumn of 2017
today) or a sweep runs late or ahead, so the log shows both and filters on either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.timezone import DEFAULT_TIMEZONE
from models.audit import AuditEvent
from models.errors import BadInput
from models.ledger.chain import format_at
from models.ledger.kinds import EventKind
from models.ledger.stored import StoredEvent, select_stored
from models.plans.lookup import close_matches

# Every kind of event the product writes, so a filter on a kind that has not happened yet (a monitor
# asking for SweepFailed) is an empty list, while a typing slip is refused with the list. A kind written
# later by a newer version is accepted as soon as the ledger holds one. tests/unit/test_event_kinds.py
# reads every kind the code writes and fails when one is missing here.
KINDS = frozenset(kind.value for kind in EventKind)


@dataclass(frozen=True)
class LogFilter:
    plan: str | None = None
    ref: str | None = None
    kind: str | None = None
    actor: str | None = None
    since: date | None = None  # when written: local days, inclusive
    until: date | None = None
    day_from: date | None = None  # the day an event speaks for (see the module's note), inclusive
    day_to: date | None = None
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        for first, last, names in (
            (self.since, self.until, ("--since", "--until")),
            (self.day_from, self.day_to, ("--day-from", "--day-to")),
        ):
            if first and last and first > last:
                raise BadInput(
                    f"{names[0]} {first.isoformat()} is after {names[1]} {last.isoformat()}: nothing can "
                    "match; swap them."
                )


def _day_start_utc(day: date, timezone: str) -> str:
    return format_at(datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC))


def _local_day(value: object, timezone: str) -> str | None:
    """The local day of an ISO date or time in an event's data, or None when it is neither."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone))
    return moment.date().isoformat()


def event_day(at: str, data: dict[str, Any], timezone: str) -> str:
    """The day an event speaks for: its decision's day, its update's, its pack's; else when it was written."""
    for key in ("as_of", "reported_at", "built_on"):
        day = _local_day(data.get(key), timezone)
        if day is not None:
            return day
    return _local_day(at.replace("Z", "+00:00"), timezone) or at[:10]


def known_kind(session: Session, kind: str) -> str:
    """The kind as the ledger spells it; a kind that is neither written by the product nor in the ledger
    is refused with the list of kinds."""
    held = set(session.exec(select(AuditEvent.kind).distinct()))
    kinds = {k.casefold(): k for k in sorted(KINDS | held)}
    found = kinds.get(kind.strip().casefold())
    if found is None:
        close = close_matches(kind.strip(), list(kinds.values()))
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise BadInput(f"No kind of event {kind!r}.{hint} The kinds: {', '.join(kinds.values())}.")
    return found


def _selected(session: Session, where: LogFilter) -> sa.Select[Any]:
    """The events `where` picks by their columns, in seq order (the day they speak for is filtered after)."""
    query = select_stored()
    if where.plan:
        query = query.where(sa.func.lower(col(AuditEvent.plan)) == where.plan.strip().lower())
    if where.ref:
        query = query.where(sa.func.upper(col(AuditEvent.ref)) == where.ref.strip().upper())
    if where.kind:
        query = query.where(col(AuditEvent.kind) == known_kind(session, where.kind))
    if where.actor:
        query = query.where(sa.func.lower(col(AuditEvent.actor)).like(where.actor.strip().lower() + "%"))
    if where.since:
        query = query.where(col(AuditEvent.at) >= _day_start_utc(where.since, where.timezone))
    if where.until:
        query = query.where(
            col(AuditEvent.at) < _day_start_utc(where.until + timedelta(days=1), where.timezone)
        )
    return query


def _by_day(where: LogFilter) -> bool:
    return where.day_from is not None or where.day_to is not None


def read_log(session: Session, where: LogFilter, limit: int | None = None) -> list[StoredEvent]:
    """The first `limit` events `where` picks (all by default), oldest first."""
    query = _selected(session, where)
    # The day lives in the hashed body: read, then filter (the other filters have narrowed the rows).
    by_day = _by_day(where)
    if limit and not by_day:
        query = query.limit(limit)
    return _events(session.execute(query), where, limit if by_day else None)


def read_log_tail(session: Session, where: LogFilter, last: int) -> tuple[list[StoredEvent], int]:
    """The last `last` events `where` picks, oldest first, and how many it picks in all: what a screen shows
    of a ledger of thousands."""
    if _by_day(where):
        events = read_log(session, where)
        return events[-last:], len(events)
    query = _selected(session, where)
    total = session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    newest = query.order_by(None).order_by(col(AuditEvent.seq).desc()).limit(last)
    return _events(reversed(session.execute(newest).all()), where, None), total


def _events(rows: Iterable[Any], where: LogFilter, limit: int | None) -> list[StoredEvent]:
    first = where.day_from.isoformat() if where.day_from else ""
    last = where.day_to.isoformat() if where.day_to else "9999"
    by_day = _by_day(where)
    events = []
    for row in rows:
        event = StoredEvent(*row)
        day = event_day(event.at, event.data, where.timezone)
        if by_day and not first <= day <= last:
            continue
        events.append(event._replace(day=day))
        if limit and len(events) >= limit:
            break
    return events


def item_history(
    session: Session, ref: str, plan: str | None = None, where: LogFilter | None = None
) -> list[StoredEvent]:
    """`where` narrows the story further (dates written, days spoken for)."""
    where = replace(where or LogFilter(), ref=ref, plan=plan)
    if not read_log(session, LogFilter(ref=ref, plan=plan), limit=1):
        raise BadInput(f"The ledger holds no event about {ref!r}" + (f" in plan {plan!r}." if plan else "."))
    return read_log(session, where)
