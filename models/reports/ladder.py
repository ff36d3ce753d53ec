"""Where the escalation ladder stands: which items are at which level, since when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

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
    best: dict[tuple[int, str], Any] = {}  # plain rows: a plan's open ladder is read on every programme page
    for row in session.execute(_OPEN, {"plans": list(names)}):
        key = (row[0], row[1])
        if key not in best or row[3] > best[key][3]:
            best[key] = row
    rows = [
        Standing(names[plan], ref, kind, found, since, rule, reason, due)
        for plan, ref, kind, found, since, rule, reason, due in best.values()
        if level is None or found == level
    ]
    return sorted(rows, key=lambda s: (s.plan, -s.level, s.since, s.ref))


_E: sa.Table = Escalation.__table__  # type: ignore[attr-defined]
_OPEN = sa.select(
    _E.c.plan_id, _E.c.item_ref, _E.c.item_kind, _E.c.level, _E.c.since, _E.c.rule, _E.c.reason, _E.c.due
).where(_E.c.plan_id.in_(sa.bindparam("plans", expanding=True)), _E.c.closed_on.is_(None))


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
