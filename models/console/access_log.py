"""Who looked at what: a console page viewed by an auditor or an inspector is a ledger event, as provable as
a notice sent. The secretariat's and the board's own page views are not recorded (their writes always are,
each by its own event); a viewer who is both is recorded, as the read-only role is the one that must answer
for what it saw."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from models.console.roles import READ_ONLY, Standing
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind


def logged_view(standing: Standing) -> bool:
    """Whether this viewer's page views in this plan go on the record."""
    return bool(standing.roles & READ_ONLY)


def page_viewed(
    session: Session,
    standing: Standing,
    page: str,
    at: datetime,
    details: Mapping[str, str | int | None] | None = None,
) -> None:
    """Records the view (in the caller's transaction) when `logged_view`; nothing otherwise. `page`: the
    route's path with the plan's own values in it (never a query string a person typed: `details` holds the
    filters, each named)."""
    if not logged_view(standing):
        return
    roles = sorted(r.value for r in standing.roles & READ_ONLY)
    data: dict[str, object] = {"page": page, "roles": roles}
    if details:
        data["filters"] = {k: v for k, v in details.items() if v not in (None, "")}
    event = Event(EventKind.CONSOLE_PAGE_VIEWED, standing.email, standing.plan_name, None, data)
    record(session, event, at=at)
