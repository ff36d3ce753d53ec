"""The grants as an operator reads them (`lineofsight access list`): live ones, or every one ever made with
how it stands (live, expired, revoked), each judged by its plan's local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.calendar import local_date
from models.console_access import AccessGrant
from models.plans.lookup import plans_named


@dataclass(frozen=True)
class GrantView:
    email: str
    name: str
    plan: str
    role: str
    until: date
    state: str  # live, expired or revoked
    granted_by: str
    granted_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None


def _state(grant: AccessGrant, today: date) -> str:
    if grant.revoked_at is not None:
        return "revoked"
    return "live" if grant.until >= today else "expired"


def list_grants(session: Session, *, plan: str | None, everything: bool, now: datetime) -> list[GrantView]:
    """The grants of `plan` (every plan when None), live ones only unless `everything`; by plan, address,
    role, then when granted."""
    plans = {p.id: p for p in plans_named(session, plan)}
    rows = session.exec(select(AccessGrant).where(col(AccessGrant.plan_id).in_(list(plans))))
    found = []
    for grant in rows:
        where = plans[grant.plan_id]
        state = _state(grant, local_date(now, where.timezone))
        if state == "live" or everything:
            found.append(
                GrantView(
                    email=grant.email,
                    name=grant.name,
                    plan=where.name,
                    role=grant.role,
                    until=grant.until,
                    state=state,
                    granted_by=grant.granted_by,
                    granted_at=grant.granted_at,
                    revoked_by=grant.revoked_by,
                    revoked_at=grant.revoked_at,
                )
            )
    return sorted(found, key=lambda g: (g.plan.casefold(), g.email, g.role, g.granted_at))
