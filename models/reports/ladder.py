"""Where the escalation ladder stands: which items are at which level, since when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
