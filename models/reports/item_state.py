"""Every item of one plan as the console reads it: its register row, the RAG it is counted under in packs
(derived: overdue is red whatever the owner said), its ladder level, whether it is exempt and when its owner
last updated it. Read in bulk (the register's two queries, one per table for the rest, the open ladder):
never one query per item."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.columns import key_of
from models.plan import Action, Milestone, Plan
from models.reports.ladder import open_levels
from models.reports.register import RegisterRow, load_register
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
) -> str | None:
    """The RAG a pack counts an item under (`last`: its last update, else its start)."""
    if row.status.is_done:
        return "complete"
    if row.kind is ItemKind.MILESTONE or not row.status.is_open:
        return None
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
    area_code: str | None = None,
    owner_email: str | None = None,
    levels: dict[tuple[str, str], int] | None = None,
) -> list[ItemState]:
    """The plan's items in the register's order; exempt ones only for a viewer who may see them. `levels`:
    the ladder's levels (models.reports.ladder.open_levels) when the caller has read the ladder already."""
    rows = load_register(session, [plan], as_of, area_code, owner_email, calendar)
    A, M = Action, Milestone
    actions = {
        r[0]: r[1:]
        for r in session.execute(
            sa.select(
                col(A.ref), col(A.exempt), col(A.percent), col(A.rebaseline_count), col(A.last_update_on)
            )
            .add_columns(col(A.start))
            .where(col(A.plan_id) == plan.id)
        )
    }
    milestones = dict(
        session.execute(sa.select(col(M.ref), col(M.last_update_on)).where(col(M.plan_id) == plan.id)).all()
    )
    levels = open_levels(session, key_of(plan)) if levels is None else levels
    states = []
    for row in rows:
        if row.kind is ItemKind.ACTION:
            exempt, percent, rebaselines, last_update, start = actions[row.ref]
            if exempt and not exempt_visible:
                continue
            counted = counted_rag(row, percent, rebaselines, last_update or start, policy, calendar, as_of)
        else:
            exempt, last_update = False, milestones[row.ref]
            counted = counted_rag(row, 0, 0, None, policy, calendar, as_of)
        level = levels.get((row.kind.value, row.ref), 1)
        states.append(ItemState(row, counted, level, bool(exempt), last_update))
    return states
