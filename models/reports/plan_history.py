"""A plan's history for the console's record: its ledger events, newest first, filtered by item, person
(who acted, or to whom a notice went), the rule a decision applied, and the plan-local days they were
written; a page at a time, so a plan of 100,000 events answers as fast as a small one.

The item and the days narrow the rows in the database; the person's address as a recipient and the rule
live only in the hashed body, so those are read and checked here, a batch at a time, and at most `SCAN`
rows a page: a page that found fewer than it shows says how far back it looked, and the next goes on from
there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from models.audit import AuditEvent
from models.errors import InvalidValue
from models.ledger.stored import COLUMNS, StoredEvent
from models.ledger.trail import _day_start_utc, event_day
from models.plans.text_rules import email_address

PAGE = 200
SCAN = 20_000
BATCH = 1_000
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}")
_RULE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_ACTOR = re.compile(r"system:[a-z0-9_:.-]{1,60}")
FIELDS = ("item", "person", "rule", "from", "to", "before")


class BadFilters(Exception):
    """The filters a person typed that cannot be used: each field's message, in the form's order."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


@dataclass(frozen=True)
class HistoryFilter:
    item: str | None = None  # upper case
    person: str | None = None  # lower case: an address, or a system actor such as system:sweep
    rule: str | None = None
    first: date | None = None  # plan-local days written, inclusive
    last: date | None = None
    before: int | None = None  # events older than this seq (the "older" link)

    def shown(self) -> dict[str, str | int | None]:
        """The filters as the access log records them and the form shows them."""
        return {
            "item": self.item,
            "person": self.person,
            "rule": self.rule,
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "before": self.before,
        }


@dataclass(frozen=True)
class HistoryPage:
    events: list[StoredEvent]
    older: int | None  # the seq to go on from (`before`), when there may be more
    searched_to: int | None  # the oldest seq looked at, when the page stopped looking before it was full


# Any day a history may be asked about: wider than the plan's window (an empty answer is an answer), narrow
# enough that the day after the last and the zone's offset stay inside the calendar.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def parse_filters(query: Mapping[str, str]) -> HistoryFilter:
    """The history's query string, checked; BadFilters naming every field that is wrong."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}

    def text(name: str) -> str | None:
        value = query.get(name, "").strip()
        return value or None

    if (item := text("item")) is not None:
        if _REF.fullmatch(item):
            values["item"] = item.upper()
        else:
            errors["item"] = "Enter an item's reference, like TAP-07 (letters, digits, dots, dashes)"
    if (person := text("person")) is not None:
        if _ACTOR.fullmatch(person.casefold()):
            values["person"] = person.casefold()
        else:
            try:
                values["person"] = email_address(person[:320], "person")
            except InvalidValue:
                errors["person"] = "Enter a person's email address, like name@example.org"
    if (rule := text("rule")) is not None:
        name = re.sub(r"[\s-]+", "_", rule.casefold())
        if _RULE.fullmatch(name):
            values["rule"] = name
        else:
            errors["rule"] = "Enter a rule's name, like overdue_reminder (letters, digits, underscores)"
    for field, key in (("from", "first"), ("to", "last")):
        if (day := text(field)) is not None:
            try:
                given = date.fromisoformat(day)
            except ValueError:
                errors[field] = f"Enter the '{field}' date as year-month-day, like 2017-10-09"
                continue
            if FIRST_DAY <= given <= LAST_DAY:  # room for the day after, in every time zone
                values[key] = given
            else:
                errors[field] = f"Enter the '{field}' date between {FIRST_DAY} and {LAST_DAY}"
    first, last = values.get("first"), values.get("last")
    if isinstance(first, date) and isinstance(last, date) and first > last:
        errors["to"] = "The 'to' date must be the same as or after the 'from' date"
    if (before := text("before")) is not None:
        if before.isascii() and before.isdigit() and len(before) <= 15 and int(before) > 0:
            values["before"] = int(before)
        else:
            errors["before"] = "The 'older' link is not one of ours: open the history again"
    if errors:
        raise BadFilters({f: errors[f] for f in FIELDS if f in errors})
    return HistoryFilter(**values)  # type: ignore[arg-type]


def _concerns(event: StoredEvent, where: HistoryFilter) -> bool:
    data = event.data
    if where.rule is not None and str(data.get("rule") or "").casefold() != where.rule:
        return False
    if where.person is not None:
        people = {event.actor, data.get("recipient"), data.get("on_behalf_of"), data.get("owner_email")}
        if where.person not in {str(p).casefold() for p in people if p}:
            return False
    return True


def plan_history(
    session: Session,
    plan: str,
    timezone: str,
    where: HistoryFilter,
    page: int = PAGE,
    scan: int = SCAN,
) -> HistoryPage:
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    query = sa.select(*(table.c[name] for name in COLUMNS)).where(table.c.plan == plan)
    if where.item:
        query = query.where(sa.func.upper(table.c.ref) == where.item)
    if where.first:
        query = query.where(table.c.at >= _day_start_utc(where.first, timezone))
    if where.last:
        query = query.where(table.c.at < _day_start_utc(where.last + timedelta(days=1), timezone))
    query = query.order_by(table.c.seq.desc())
    in_body = where.person is not None or where.rule is not None
    found: list[StoredEvent] = []
    before, looked = where.before, 0
    while True:
        batch = BATCH if in_body else page + 1
        stmt = query.where(table.c.seq < before) if before is not None else query
        rows = [StoredEvent(*row) for row in session.execute(stmt.limit(batch))]
        for event in rows:
            looked += 1
            if _concerns(event, where):
                if len(found) == page:  # one more than a page: there are older ones
                    return HistoryPage(_with_days(found, timezone), found[-1].seq, None)
                found.append(event)
            if looked >= scan:
                return HistoryPage(_with_days(found, timezone), event.seq, event.seq)
        if len(rows) < batch:
            return HistoryPage(_with_days(found, timezone), None, None)
        before = rows[-1].seq


def _with_days(events: list[StoredEvent], timezone: str) -> list[StoredEvent]:
    return [e._replace(day=event_day(e.at, e.data, timezone)) for e in events]
