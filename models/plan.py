"""A plan and what it is made of: areas, actions, milestones and the owners' updates."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from config.timezone import DEFAULT_TIMEZONE
from models.columns import enum_type, utcnow
from models.vocab import RAG, Status


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    organisation: str | None = Field(default=None, max_length=200)
    nation: str = Field(default="ENG", max_length=3)  # chooses the bank holidays: ENG, WLS, SCT, NIR
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Area(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=300)
    theme: str | None = Field(default=None, max_length=64)  # People, Practice, Performance
    lead_id: int | None = Field(default=None, foreign_key="person.id")


class Action(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "ref"),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="ck_action_percent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    ref: str = Field(max_length=64)
    title: str = Field(max_length=1000)
    area_id: int = Field(foreign_key="area.id", index=True)
    owner_id: int = Field(foreign_key="person.id", index=True)
    lead_id: int | None = Field(default=None, foreign_key="person.id")  # accountable lead
    start: date | None = None
    original_due: date
    current_due: date
    rebaseline_count: int = 0
    status: Status = Field(default=Status.NOT_STARTED, sa_type=enum_type(Status))
    rag: RAG | None = Field(default=None, sa_type=enum_type(RAG))  # as reported by the owner
    percent: int = 0
    exempt: bool = False  # kept out of public packs
    last_update_on: date | None = None  # the owner's last update, for plans that arrive mid-flight
    consecutive_reds: int = 0  # red on this many of the owner's latest updates in a row (the ladder reads it)
    notes: str | None = None


class Milestone(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("plan_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    ref: str = Field(max_length=64)
    title: str = Field(max_length=1000)
    due: date
    owner_id: int = Field(foreign_key="person.id", index=True)
    status: Status = Field(default=Status.NOT_STARTED, sa_type=enum_type(Status))
    last_update_on: date | None = None


class MilestoneDependency(SQLModel, table=True):
    milestone_id: int = Field(foreign_key="milestone.id", primary_key=True)
    action_id: int = Field(foreign_key="action.id", primary_key=True, index=True)


class Update(SQLModel, table=True):
    """What an owner reported. Appended, never edited: the history of an item is its updates."""

    __table_args__ = (
        sa.CheckConstraint("(action_id IS NULL) <> (milestone_id IS NULL)", name="ck_update_one_item"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    at: datetime = Field(default_factory=utcnow)
    status: Status | None = Field(default=None, sa_type=enum_type(Status))
    rag: RAG | None = Field(default=None, sa_type=enum_type(RAG))
    percent: int | None = None
    commentary: str | None = None
    evidence_url: str | None = Field(default=None, max_length=2000)
