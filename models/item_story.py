"""One item in full: its fields and every update its owners posted, oldest first; its working days to due
counted from a given day (a past day reads an old plan as it read then, not thousands of days overdue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.calendar import WorkingCalendar
from models.lookup import find_item
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Update
from models.vocab import RAG, ItemKind, Status


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
    updates: tuple[UpdateLine, ...]
    as_of: date


def load_item_story(session: Session, ref: str, plan_name: str | None, as_of: date) -> ItemStory:
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
    lines = tuple(
        UpdateLine(u.at, email, u.status, u.rag, u.percent, u.commentary, u.evidence_url)
        for u, email in updates
    )
    calendar = WorkingCalendar(plan.nation)
    if isinstance(item, Action):
        area = session.get(Area, item.area_id)
        return ItemStory(
            plan.name,
            ItemKind.ACTION,
            item.ref,
            item.title,
            area.code if area else None,
            owner.email,
            owner.name,
            item.start,
            item.original_due,
            item.current_due,
            item.rebaseline_count,
            item.status,
            item.rag,
            item.percent,
            item.exempt,
            item.last_update_on,
            calendar.working_days_to_due(as_of, item.current_due),
            (),
            lines,
            as_of,
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
        plan.name,
        ItemKind.MILESTONE,
        milestone.ref,
        milestone.title,
        None,
        owner.email,
        owner.name,
        None,
        milestone.due,
        milestone.due,
        0,
        milestone.status,
        None,
        None,
        False,
        milestone.last_update_on,
        calendar.working_days_to_due(as_of, milestone.due),
        depends,
        lines,
        as_of,
    )
