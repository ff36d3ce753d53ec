"""Every item of one plan as the console reads it: its register row, the RAG it is counted under in packs
(derived: overdue is red whatever the owner said), its ladder level, whether it is exempt and when its owner
last updated it. Read in bulk (the register's two queries, one per table for the rest, the open ladder):
never one query per item."""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.columns import key_of
from models.people import Person
from models.plan import Action, Area, Milestone, Plan
from models.reports.ladder import open_levels
from models.reports.register import RegisterRow, register_rows
from models.sweep.rules import derived_rag
from models.vocab import RAG, ItemKind, Status


class ItemState(NamedTuple):  # a tuple: a thousand are built for every register page
    row: RegisterRow
    counted: str | None  # red, amber, green, complete; None: deferred, cancelled, or an open milestone
    level: int  # the ladder: 1 the owner, 2 their manager or lead, 3 the board
    exempt: bool
    last_update: date | None

    @property
    def overdue(self) -> bool:
        return self.row.status.is_open and self.row.working_days_to_due < 0


class _Progress(NamedTuple):
    status: Status
    rag: RAG | None
    percent: int
    rebaseline_count: int


def counted_rag(
    row: RegisterRow,
    percent: int,
    rebaseline_count: int,
    last: date | None,
    policy: Policy,
    calendar: WorkingCalendar,
    as_of: date,
    since: int | None = None,
) -> str | None:
    """The RAG a pack counts an item under (`last`: its last update, else its start; `since`: the working
    days from it to `as_of` when the caller has counted them)."""
    if row.status.is_done:
        return "complete"
    if row.kind is ItemKind.MILESTONE or not row.status.is_open:
        return None
    if since is None:
        since = calendar.count_between(last, as_of) if last and last <= as_of else None
    progress = _Progress(row.status, row.rag, percent, rebaseline_count)
    return derived_rag(progress, row.working_days_to_due, since, policy)


def load_states(
    session: Session,
    plan: Plan,
    policy: Policy,
    calendar: WorkingCalendar,
    as_of: date,
    *,
    exempt_visible: bool,
    levels: dict[tuple[str, str], int] | None = None,
) -> list[ItemState]:
    """The plan's items in the register's order; exempt ones only for a viewer who may see them. `levels`:
    the ladder's levels (models.reports.ladder.open_levels) when the caller has read the ladder already.

    One query per table, of plain columns (the register's, then what a state adds): a console page after a
    change of its plan waits on this, so no ORM objects and nothing computed twice."""
    plan_id = key_of(plan)
    # The register's order, actions then milestones, each by due date then ref (as models.reports.register).
    actions = sorted(session.execute(_ACTIONS, {"plan": plan_id}), key=_BY_DUE_THEN_REF)
    milestones = sorted(session.execute(_MILESTONES, {"plan": plan_id}), key=_BY_DUE_THEN_REF)
    levels = open_levels(session, plan_id) if levels is None else levels
    action, milestone = ItemKind.ACTION.value, ItemKind.MILESTONE.value
    states = []
    rows = register_rows(plan.name, calendar, as_of, (r[:8] for r in actions), ItemKind.ACTION)
    since: dict[date, int] = {}  # working days since a last update: a few hundred distinct dates
    for row, found in zip(rows, actions, strict=True):
        exempt = found[8]
        if exempt and not exempt_visible:
            continue
        last_update = found[11]
        last = last_update or found[12]  # else its start
        days = since.get(last) if last else None
        if days is None and last and last <= as_of:
            days = since[last] = calendar.count_between(last, as_of)
        counted = counted_rag(row, found[9], found[10], last, policy, calendar, as_of, days)
        level = levels.get((action, row.ref), 1)
        states.append(ItemState(row, counted, level, bool(exempt), last_update))
    rows = register_rows(plan.name, calendar, as_of, (r[:8] for r in milestones), ItemKind.MILESTONE)
    for row, found in zip(rows, milestones, strict=True):
        counted = counted_rag(row, 0, 0, None, policy, calendar, as_of)
        states.append(ItemState(row, counted, levels.get((milestone, row.ref), 1), False, found[8]))
    return states


_BY_DUE_THEN_REF = itemgetter(5, 0)  # the statements' due date and ref


def _statements() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """Built once. Status and RAG are read as their stored words (register_rows maps them to members):
    the columns' own Enum type would convert every value twice. Each row: the register's eight columns
    (ref, title, area, owner's address and name, due, status, RAG), then for an action exempt, percent,
    re-baselines, last update and start, for a milestone its last update."""
    actions: sa.Table = Action.__table__  # type: ignore[attr-defined]
    areas: sa.Table = Area.__table__  # type: ignore[attr-defined]
    people: sa.Table = Person.__table__  # type: ignore[attr-defined]
    milestones: sa.Table = Milestone.__table__  # type: ignore[attr-defined]
    A, R, P, M = actions.c, areas.c, people.c, milestones.c
    owner, plan = (P.email, P.name), sa.bindparam("plan", type_=sa.Integer)

    def word(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
        return sa.type_coerce(column, sa.String)

    return (
        sa.select(A.ref, A.title, R.code, *owner, A.current_due, word(A.status), word(A.rag))
        .add_columns(A.exempt, A.percent, A.rebaseline_count, A.last_update_on, A.start)
        .select_from(actions.join(areas, R.id == A.area_id).join(people, P.id == A.owner_id))
        .where(A.plan_id == plan),
        sa.select(M.ref, M.title, sa.null(), *owner, M.due, word(M.status), sa.null(), M.last_update_on)
        .select_from(milestones.join(people, P.id == M.owner_id))
        .where(M.plan_id == plan),
    )


_ACTIONS, _MILESTONES = _statements()
