"""What the console keeps beyond the plan itself: owners' requests to move a due date, awaiting the
secretariat's decision (accept: a re-baseline with its reason; decline: the owner is told why), and each
person's private calendar feed (revocable: a revoked feed's address answers nothing)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import utcnow


class DueChangeRequest(SQLModel, table=True):
    """One owner's request to move one item's due date. `status`: open, accepted or declined; decided once."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    item_ref: str = Field(max_length=64)
    item_kind: str = Field(max_length=16)  # a models.vocab.ItemKind value
    requested_by: str = Field(max_length=320)  # the address that asked (an owner, or someone for them)
    on_behalf_of: str | None = Field(default=None, max_length=320)
    from_due: date
    to_due: date
    reason: str = Field(max_length=2000)
    requested_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="open", max_length=16, index=True)
    decided_by: str | None = Field(default=None, max_length=320)
    decided_at: datetime | None = None
    decision_reason: str | None = Field(default=None, max_length=2000)


LIVE = sa.text("revoked_at IS NULL")


class CalendarFeed(SQLModel, table=True):
    """A person's private `.ics` feed: its address carries a token signed for `nonce`; revoking (or making a
    new one, which revokes the old) ends it."""

    # One working feed per address, whatever arrives at once (models.console.calendar_feed.new_feed).
    __table_args__ = (
        sa.Index("uq_calendarfeed_live", "email", unique=True, sqlite_where=LIVE, postgresql_where=LIVE),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)  # stored lower-cased
    nonce: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
