"""What the web face keeps beside the plan: links revoked by an operator, and the forms already taken (so a
double click, or a page a browser sends again, records one update, however many `web` processes run)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.columns import utcnow


class LinkRevocation(SQLModel, table=True):
    """Every link of this person issued before `revoked_at` stops working (`lineofsight links revoke`)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    revoked_at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=320)


class WebSubmission(SQLModel, table=True):
    """One posted form, by the random id it was served with: inserted in the update's own transaction."""

    form_id: str = Field(primary_key=True, max_length=64)
    update_id: int | None = Field(default=None, foreign_key="update.id")
    at: datetime = Field(default_factory=utcnow)
