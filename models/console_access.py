"""What the console keeps beside the plan: time-boxed grants of a role to a person by an operator
(`lineofsight access grant`; an inspector's only way in), and the sign-in links already used, so each opens
one session and no more (and the sessions signed out, so each ends on the server)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import utcnow


class AccessGrant(SQLModel, table=True):
    """`role` for `email` on one plan, from `granted_at` to the end of `until` (in the plan's zone), unless
    revoked before. The address, not a person row: an inspector is often on no People sheet."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)  # stored lower-cased
    name: str = Field(max_length=200)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    role: str = Field(max_length=32)  # a models.console.roles.Role value
    until: date
    granted_by: str = Field(max_length=320)
    granted_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=320)


class SignInUse(SQLModel, table=True):
    """A sign-in link that has opened its session: the same link again is refused (its nonce is unique).
    Signing out writes the session's id here too (`models.console.entry.sign_out`), ending it for good."""

    __table_args__ = (sa.Index("ix_signinuse_email", "email"),)

    nonce: str = Field(primary_key=True, max_length=64)
    email: str = Field(max_length=320)
    used_at: datetime = Field(default_factory=utcnow)
