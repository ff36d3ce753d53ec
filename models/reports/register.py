"""The register: where every action and milestone stands on a given day (`load_register`: one query per
table), read by `status` and its exports; `register_rows` and `summarise` are pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models.calendar import CalendarOf, WorkingCalendar
from models.people import Person
from models.plan import Action, Area, Milestone, Plan
from models.vocab import RAG, ItemKind, Status


class RegisterRow(NamedTuple):  # a tuple: a console register builds a thousand on every change of its plan
    plan: str
    ref: str
    kind: ItemKind
    title: str
    area: str | None
    owner: str
    owner_name: str
    due: date
    status: Status
    rag: RAG | None
    working_days_to_due: int

    def public(self) -> dict[str, object]:
        """The fields of the status contract (`--format json|csv`)."""
        return {
            "ref": self.ref,
            "kind": self.kind.value,
            "title": self.title,
            "owner": self.owner,
            "due": self.due.isoformat(),
            "status": self.status.value,
            "rag": self.rag.value if self.rag else None,
            "working_days_to_due": self.working_days_to_due,
        }


@dataclass(frozen=True)
class Summary:
    by_area: dict[str, Counter[str]]
    by_rag: Counter[str]
    total: int


def load_register(
    session: Session,
    plans: Sequence[Plan],
    as_of: date,
    area_code: str | None = None,
    owner_email: str | None = None,
    calendar: WorkingCalendar | None = None,
    calendar_of: CalendarOf | None = None,
) -> list[RegisterRow]:
    """`owner_email` (lower case, as stored) keeps only that person's actions and milestones. `calendar`:
    the one to count working days by (with the policy's closure days, as the sweep counts), for one plan;
    `calendar_of`: each plan's by its name and nation, for several; by default the plan nation's bank
    holidays only."""
    rows: list[RegisterRow] = []
    for plan in plans:
        counting = calendar or (
            calendar_of(plan.name, plan.nation) if calendar_of else WorkingCalendar(plan.nation)
        )
        owner = aliased(Person)
        owner_columns = (col(owner.email), col(owner.name))
        action_query = (
            sa.select(col(Action.ref), col(Action.title), col(Area.code), *owner_columns)
            .add_columns(col(Action.current_due), col(Action.status), col(Action.rag))
            .join(Area, col(Area.id) == col(Action.area_id))
            .join(owner, col(owner.id) == col(Action.owner_id))
            .where(col(Action.plan_id) == plan.id)
        )
        if area_code is not None:
            action_query = action_query.where(sa.func.upper(col(Area.code)) == area_code.strip().upper())
        milestone_query = (
            sa.select(col(Milestone.ref), col(Milestone.title), sa.null(), *owner_columns)
            .add_columns(col(Milestone.due), col(Milestone.status), sa.null())
            .join(owner, col(owner.id) == col(Milestone.owner_id))
            .where(col(Milestone.plan_id) == plan.id)
        )
        if owner_email is not None:
            action_query = action_query.where(col(owner.email) == owner_email)
            milestone_query = milestone_query.where(col(owner.email) == owner_email)
        actions: Sequence[Sequence[Any]] = session.execute(action_query).all()
        milestones: Sequence[Sequence[Any]] = []
        if area_code is None:  # milestones belong to the plan, not to an area
            milestones = session.execute(milestone_query).all()
        rows += register_rows(plan.name, counting, as_of, actions, ItemKind.ACTION)
        rows += register_rows(plan.name, counting, as_of, milestones, ItemKind.MILESTONE)
    return sorted(rows, key=lambda r: (r.plan, r.kind != ItemKind.ACTION, r.due, r.ref))


def register_rows(
    plan: str, calendar: WorkingCalendar, as_of: date, rows: Iterable[Sequence[Any]], kind: ItemKind
) -> list[RegisterRow]:
    out = []
    to_due: dict[date, int] = {}  # a plan's items share a few hundred due dates
    for ref, title, area, email, name, due, status, rag in rows:
        days = to_due.get(due)
        if days is None:
            days = to_due[due] = calendar.working_days_to_due(as_of, due)
        out.append(
            RegisterRow(
                plan,
                str(ref),
                kind,
                str(title),
                area and str(area),
                str(email),
                str(name),
                due,
                _STATUS[status],
                _RAG[rag] if rag else None,
                days,
            )
        )
    return out


# The stored values to their members: a dictionary read, where calling the enum is a search of its members.
_STATUS: dict[str, Status] = {s.value: s for s in Status}
_RAG: dict[str, RAG] = {r.value: r for r in RAG}


def summarise(rows: Iterable[RegisterRow]) -> Summary:
    """Counts of actions by area and by RAG ('none' where the owner has not reported one)."""
    by_area: dict[str, Counter[str]] = {}
    by_rag: Counter[str] = Counter()
    total = 0
    for row in rows:
        if row.kind != ItemKind.ACTION:
            continue
        rag = row.rag.value if row.rag else "none"
        by_area.setdefault(row.area or "-", Counter())[rag] += 1
        by_rag[rag] += 1
        total += 1
    return Summary(by_area=dict(sorted(by_area.items())), by_rag=by_rag, total=total)
