"""Board packs as built: which meeting and audience, when, from which ledger head, the files and their
SHA-256, and a compact per-item summary that the next pack compares against (what changed, the trend).

A pack is never edited in place without a trace: a rebuild replaces the row and records `PackBuilt` again,
with the hashes before and after.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_type, utcnow
from models.vocab import Audience


class Pack(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("meeting_id", "audience"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    audience: Audience = Field(sa_type=enum_type(Audience))
    built_at: datetime = Field(default_factory=utcnow)
    built_for: date  # the pack date: N clear working days before the meeting
    ledger_seq: int
    ledger_hash: str = Field(max_length=64)
    files: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    published_at: datetime | None = None
