"""The escalation ladder's state: which item stands at which level, since when, and why.

Level 2 is the owner's manager (or the area lead); level 3 is the Improvement Board, whose next pack lists
the item among its exceptions. A ladder belongs to one due date: a re-baseline closes it and the item starts
again from level 1, while the history stays. Rows are closed, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import utcnow


class Escalation(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_escalation_open", "plan_id", "closed_on"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    item_kind: str = Field(max_length=16)
    item_ref: str = Field(max_length=64, index=True)
    due: date  # the due date this ladder belongs to
    level: int
    rule: str = Field(max_length=64)
    reason: str = Field(max_length=1000)
    since: date
    raised_at: datetime = Field(default_factory=utcnow)
    closed_on: date | None = None
    closed_reason: str | None = Field(default=None, max_length=200)
