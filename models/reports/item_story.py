"""One item in full as it stood at the end of a day: its fields, the updates reported by then, and its
progress as they left it (later updates undone from the ledger); its structure is today's, and says so."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models.audit import AuditEvent
from models.calendar import CalendarOf, WorkingCalendar, local_date, shared_calendar
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan, Update
from models.plans.lookup import find_item
from models.vocab import RAG, ItemKind, Status, day_in_words, plural


@dataclass(frozen=True)
class UpdateLine:
    at: datetime
    by: str
    status: Status | None
    rag: RAG | None
    percent: int | None
    commentary: str | None
    evidence_url: str | None


@dataclass(frozen=True)
class ItemStory:
    plan: str
    kind: ItemKind
    ref: str
    title: str
    area: str | None
    owner: str
    owner_name: str
    start: date | None
    original_due: date
    current_due: date
    rebaseline_count: int
    status: Status
    rag: RAG | None
    percent: int | None
    exempt: bool
    last_update_on: date | None
    working_days_to_due: int  # counted from `as_of` (negative when past due)
    depends_on: tuple[str, ...]
    updates: tuple[UpdateLine, ...]  # those reported by the end of `as_of`
    as_of: date
    later_updates: int = 0  # reported after `as_of`: left out, their changes undone
    progress_note: str | None = None  # which parts follow `as_of`, when any later update is left out


@dataclass(frozen=True)
class _Progress:
    status: Status
    rag: RAG | None
    percent: int | None
    last_update_on: date | None
    note: str | None


def updates_recorded(plan: str, ref: str) -> SelectOfScalar[AuditEvent]:
    """An item's update events as people type its ref, through the ledger's index on upper(ref), its only
    index on ref: the caller keeps the exact ref. (Asked for `ref = :ref` as well, SQLite puts the value in
    for ref and finds upper(:ref), a constant, which no index serves: it walks the whole ledger.)"""
    return select(AuditEvent).where(
        sa.func.upper(col(AuditEvent.ref)) == ref.upper(),
        col(AuditEvent.kind).in_((EventKind.ACTION_UPDATED, EventKind.MILESTONE_UPDATED)),
        AuditEvent.plan == plan,
    )


def _as_it_stood(
    session: Session, plan: Plan, item: Action | Milestone, updates: list[Update], as_of: date
) -> _Progress:
    """Status, RAG and % at the end of `as_of`: today's, with every later update undone newest first."""
    rag, percent = (item.rag, item.percent) if isinstance(item, Action) else (None, None)
    today = _Progress(item.status, rag, percent, item.last_update_on, None)
    later = [u for u in updates if local_date(u.at, plan.timezone) > as_of]
    if not later:
        return today
    events = [e for e in session.exec(updates_recorded(plan.name, item.ref)) if e.ref == item.ref]
    before = {
        data.get("update_id"): data.get("before") or {} for data in map(decode_data, (e.body for e in events))
    }
    day = day_in_words(as_of)
    left_out = plural(len(later), "later update")
    status = item.status
    for update in reversed(later):
        if update.id not in before:  # no record of what it changed: say plainly what is shown
            note = f"Updates up to {day} only ({left_out} left out); status, RAG and % are today's."
            return replace(today, note=note)
        was = before[update.id]
        status = Status(was["status"]) if "status" in was else status
        rag = (RAG(was["rag"]) if was["rag"] else None) if "rag" in was else rag
        percent = was.get("percent", percent)
    earlier = updates[: len(updates) - len(later)]  # oldest first: the later ones are the tail
    last = local_date(earlier[-1].at, plan.timezone) if earlier else None
    note = (
        f"As it stood at the end of {day}: updates up to then, status, RAG and % as they left it "
        f"({left_out} left out); title, owner and due dates are today's."
    )
    return _Progress(status, rag, percent, last, note)


def load_item_story(
    session: Session,
    ref: str,
    plan_name: str | None,
    as_of: date,
    calendar: WorkingCalendar | None = None,
    calendar_of: CalendarOf | None = None,
) -> ItemStory:
    """`calendar`: the one to count working days by (the console passes the plan's, with the policy's
    closure days, as its register counts); `calendar_of`: the plan's calendar by its name and nation, for a
    caller that does not know the plan yet; by default the plan nation's bank holidays only."""
    plan, item = find_item(session, ref, plan_name)
    owner = session.get(Person, item.owner_id)
    if owner is None:  # a foreign key guarantees it; this only narrows the type
        raise RuntimeError(f"owner of {item.ref} is missing")
    is_action = isinstance(item, Action)
    column = Update.action_id if is_action else Update.milestone_id
    updates = session.exec(
        select(Update, Person.email)
        .join(Person, Person.id == Update.author_id)  # type: ignore[arg-type]
        .where(column == item.id)
        .order_by(Update.at, Update.id)  # type: ignore[arg-type]
    ).all()
    progress = _as_it_stood(session, plan, item, [u for u, _ in updates], as_of)
    lines = tuple(
        UpdateLine(u.at, email, u.status, u.rag, u.percent, u.commentary, u.evidence_url)
        for u, email in updates
        if local_date(u.at, plan.timezone) <= as_of
    )
    later = len(updates) - len(lines)
    calendar = calendar or (
        calendar_of(plan.name, plan.nation) if calendar_of else shared_calendar(plan.nation)
    )
    if isinstance(item, Action):
        area = session.get(Area, item.area_id)
        return ItemStory(
            plan=plan.name,
            kind=ItemKind.ACTION,
            ref=item.ref,
            title=item.title,
            area=area.code if area else None,
            owner=owner.email,
            owner_name=owner.name,
            start=item.start,
            original_due=item.original_due,
            current_due=item.current_due,
            rebaseline_count=item.rebaseline_count,
            status=progress.status,
            rag=progress.rag,
            percent=progress.percent,
            exempt=item.exempt,
            last_update_on=progress.last_update_on,
            working_days_to_due=calendar.working_days_to_due(as_of, item.current_due),
            depends_on=(),
            updates=lines,
            as_of=as_of,
            later_updates=later,
            progress_note=progress.note,
        )
    milestone: Milestone = item
    depends = tuple(
        session.execute(
            sa.select(col(Action.ref))
            .join(MilestoneDependency, col(MilestoneDependency.action_id) == col(Action.id))
            .where(col(MilestoneDependency.milestone_id) == milestone.id)
            .order_by(col(Action.ref))
        ).scalars()
    )
    return ItemStory(
        plan=plan.name,
        kind=ItemKind.MILESTONE,
        ref=milestone.ref,
        title=milestone.title,
        area=None,
        owner=owner.email,
        owner_name=owner.name,
        start=None,
        original_due=milestone.due,
        current_due=milestone.due,
        rebaseline_count=0,
        status=progress.status,
        rag=None,
        percent=None,
        exempt=False,
        last_update_on=progress.last_update_on,
        working_days_to_due=calendar.working_days_to_due(as_of, milestone.due),
        depends_on=depends,
        updates=lines,
        as_of=as_of,
        later_updates=later,
        progress_note=progress.note,
    )
