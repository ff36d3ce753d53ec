"""Where the escalation ladder stands: which items are at which level, since when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.escalations import Escalation
from models.plan import Plan


@dataclass(frozen=True)
class Standing:
    plan: str
    ref: str
    kind: str
    level: int
    since: date
    rule: str
    reason: str
    due: date


def open_escalations(session: Session, plans: list[Plan], level: int | None = None) -> list[Standing]:
    names = {p.id: p.name for p in plans}
    query = select(Escalation).where(
        col(Escalation.plan_id).in_(list(names)), col(Escalation.closed_on).is_(None)
    )
    best: dict[tuple[int, str], Escalation] = {}
    for row in session.exec(query):
        key = (row.plan_id, row.item_ref)
        if key not in best or row.level > best[key].level:
            best[key] = row
    rows = [
        Standing(names[r.plan_id], r.item_ref, r.item_kind, r.level, r.since, r.rule, r.reason, r.due)
        for r in best.values()
        if level is None or r.level == level
    ]
    return sorted(rows, key=lambda s: (s.plan, -s.level, s.since, s.ref))


def open_levels(session: Session, plan_id: int) -> dict[tuple[str, str], int]:
    """Each escalated item's level, (kind, ref) -> level: what a register needs of the ladder, in one
    grouped read of three columns (no rows built)."""
    E = Escalation
    query = (
        sa.select(col(E.item_kind), col(E.item_ref), sa.func.max(col(E.level)))
        .where(col(E.plan_id) == plan_id, col(E.closed_on).is_(None))
        .group_by(col(E.item_kind), col(E.item_ref))
    )
    return {(kind, ref): level for kind, ref, level in session.execute(query)}
