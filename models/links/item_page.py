"""What an owner's update page shows of each item a link opens: the item as it stands, its working days to
the due date, its last three updates, and why its reader is getting messages about it (the reasons and next
step of the latest notices the sweep queued for them). A fixed handful of queries, whatever the number of
items, so "all my items" costs about what one item costs."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.calendar import WorkingCalendar, local_date, shared_calendar
from models.ledger.kinds import EventKind
from models.links.access import Access
from models.outbox import Notice, NoticeStatus
from models.people import Person
from models.plan import Action, Update
from models.vocab import RAG, Status

LAST_UPDATES = 3
# Notices that are no reminder about the item: they say nothing of why its reader is chased.
_NOT_REMINDERS = (
    EventKind.LINK_RESENT,
    EventKind.DUE_CHANGE_REQUESTED,
    EventKind.DUE_CHANGE_ACCEPTED,
    EventKind.DUE_CHANGE_DECLINED,
)

_calendar_lock = threading.Lock()  # a calendar fills its caches as it is asked; pages are served in threads


def working_days_to(calendar: WorkingCalendar, today: date, due: date) -> int:
    with _calendar_lock:
        return calendar.working_days_to_due(today, due)


@dataclass(frozen=True)
class UpdateLine:
    at: datetime
    day: date  # in the plan's zone
    by: str  # the author's name
    status: Status | None
    rag: RAG | None
    percent: int | None
    note: str | None
    evidence_url: str | None


@dataclass(frozen=True)
class ItemFacts:
    ref: str
    title: str
    is_milestone: bool
    area: str | None
    due: date
    working_days_to_due: int  # negative: working days overdue
    status: Status
    rag: RAG | None
    percent: int | None
    updates: tuple[UpdateLine, ...]  # newest first
    reasons: tuple[str, ...]
    next_step: str
    for_owner: Person | None  # the away owner the reader stands in for


def item_facts(
    session: Session,
    access: Access,
    closures: tuple[date, ...] = (),
    every_year: tuple[tuple[int, int], ...] = (),
) -> list[ItemFacts]:
    """`closures` and `every_year`: the policy's local closure days, so the page counts working days as the
    sweep does."""
    items = access.items
    calendar = shared_calendar(access.plan.nation, closures, every_year)
    if not items:
        return []
    updates, notices = _updates_and_reminders(session, access)
    facts = []
    for entry in items:
        item = entry.item
        is_action = isinstance(item, Action)
        due = item.current_due if isinstance(item, Action) else item.due
        reasons, next_step = notices.get(item.ref.upper(), ((), ""))
        facts.append(
            ItemFacts(
                ref=item.ref,
                title=item.title,
                is_milestone=not is_action,
                area=entry.area,
                due=due,
                working_days_to_due=working_days_to(calendar, access.today, due),
                status=item.status,
                rag=item.rag if isinstance(item, Action) else None,
                percent=item.percent if isinstance(item, Action) else None,
                updates=tuple(updates.get(("a" if is_action else "m", item.id), ())),
                reasons=reasons,
                next_step=next_step,
                for_owner=entry.for_owner,
            )
        )
    return facts


# Built once, their values bound per request: building a statement costs more than answering it. The last
# updates and the reminders come in one statement, each half padding the other's columns with NULLs: one
# round trip a page for both (bench/README.md, the owner's update page).
_U = Update.__table__.c  # type: ignore[attr-defined]
_RANKED = (
    sa.select(
        _U.action_id,
        _U.milestone_id,
        _U.at,
        _U.status,
        _U.rag,
        _U.percent,
        _U.commentary,
        _U.evidence_url,
        _U.author_id,
        sa.func.row_number(type_=sa.Integer())
        .over(partition_by=(_U.action_id, _U.milestone_id), order_by=(_U.at.desc(), _U.id.desc()))
        .label("rank"),
    )
    .where(
        sa.or_(
            _U.action_id.in_(sa.bindparam("actions", expanding=True)),
            _U.milestone_id.in_(sa.bindparam("milestones", expanding=True)),
        )
    )
    .subquery()
)
_P = Person.__table__.c  # type: ignore[attr-defined]
_N = Notice.__table__.c  # type: ignore[attr-defined]
_LATEST_REMINDERS = (
    sa.select(_N.item_refs, _N.payload, _N.not_before, _N.id)
    .where(
        _N.plan == sa.bindparam("plan"),
        _N.recipient == sa.bindparam("recipient"),
        _N.item_refs.in_(sa.bindparam("refs", expanding=True)),
        *(_N.kind != str(kind) for kind in _NOT_REMINDERS),
        _N.status != NoticeStatus.CANCELLED.value,
    )
    .order_by(_N.not_before.desc(), _N.id.desc())
    .limit(sa.bindparam("limit"))
    .subquery()
)


def _none(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[Any]:
    return sa.cast(sa.null(), column.type).label(name)


_UPDATES_AND_REMINDERS = sa.union_all(
    sa.select(
        _RANKED.c.action_id,
        _RANKED.c.milestone_id,
        _RANKED.c.at,
        _RANKED.c.status,
        _RANKED.c.rag,
        _RANKED.c.percent,
        _RANKED.c.commentary,
        _RANKED.c.evidence_url,
        _P.name,
        _RANKED.c.rank,
        _none(_N.item_refs, "item_refs"),
        _none(_N.payload, "payload"),
        _none(_N.not_before, "not_before"),
        _none(_N.id, "notice_id"),
    )
    .join(Person.__table__, _P.id == _RANKED.c.author_id)  # type: ignore[attr-defined]
    .where(_RANKED.c.rank <= sa.bindparam("last")),
    sa.select(
        _none(_U.action_id, "action_id"),
        _none(_U.milestone_id, "milestone_id"),
        _none(_U.at, "at"),
        _none(_U.status, "status"),
        _none(_U.rag, "rag"),
        _none(_U.percent, "percent"),
        _none(_U.commentary, "commentary"),
        _none(_U.evidence_url, "evidence_url"),
        _none(_P.name, "name"),
        _none(_RANKED.c.rank, "rank"),
        _LATEST_REMINDERS.c.item_refs,
        _LATEST_REMINDERS.c.payload,
        _LATEST_REMINDERS.c.not_before,
        _LATEST_REMINDERS.c.id,
    ),
)

Updates = dict[tuple[str, int | None], list[UpdateLine]]
Reminders = dict[str, tuple[tuple[str, ...], str]]


def _updates_and_reminders(session: Session, access: Access) -> tuple[Updates, Reminders]:
    """The last three updates of every item (a window per item), and by ref the reasons of the reader's
    latest reminders about it and what happens next: one statement, whatever the number of items."""
    items = access.items
    rows = session.execute(
        _UPDATES_AND_REMINDERS,
        {
            "actions": [o.item.id for o in items if isinstance(o.item, Action)],
            "milestones": [o.item.id for o in items if not isinstance(o.item, Action)],
            "last": LAST_UPDATES,
            "plan": access.plan.name,
            "recipient": access.person.email,
            "refs": [o.item.ref for o in items],
            "limit": 20 * len(items),
        },
    ).all()
    updates = sorted((row for row in rows if row.payload is None), key=lambda row: row.rank)
    reminders = sorted(
        (row for row in rows if row.payload is not None),
        key=lambda row: (_utc(row.not_before), row.notice_id),
        reverse=True,
    )
    return _updates(updates, access.plan.timezone), _reminders(reminders)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _updates(rows: list[Any], timezone: str) -> Updates:
    found: Updates = {}
    for row in rows:
        key = ("a", row.action_id) if row.action_id is not None else ("m", row.milestone_id)
        found.setdefault(key, []).append(
            UpdateLine(
                at=row.at,
                day=local_date(row.at, timezone),
                by=row.name,
                status=Status(row.status) if row.status else None,
                rag=RAG(row.rag) if row.rag else None,
                percent=row.percent,
                note=row.commentary,
                evidence_url=row.evidence_url,
            )
        )
    return found


def _reminders(rows: list[Any]) -> Reminders:
    """`rows`: the latest first."""
    reasons: dict[str, list[str]] = {}
    steps: dict[str, str] = {}
    for row in rows:
        key = str(row.item_refs).upper()
        data = json.loads(row.payload)
        said = reasons.setdefault(key, [])
        reason = str(data.get("reason") or "")
        if reason and reason not in said and len(said) < 3:
            said.append(reason)
        if key not in steps and data.get("next_step"):
            steps[key] = str(data["next_step"])
    return {ref: (tuple(said), steps.get(ref, "")) for ref, said in reasons.items()}
