"""A plan as plain data: what a workbook (or the demo) says, before it touches the database. Parsers build
one and `models.plans.importer` applies it, so the import validates everything before anything changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from config.timezone import DEFAULT_TIMEZONE
from models.console.roles import Role
from models.vocab import RAG, Audience, Status


@dataclass(frozen=True)
class PersonSpec:
    email: str
    name: str
    role: str | None = None
    manager_email: str | None = None
    deputy_email: str | None = None
    away_from: date | None = None
    away_to: date | None = None
    teams_url: str | None = None
    # The People sheet's `roles`: None when the sheet has no such column (a workbook older than the console),
    # so the stored roles are kept; an empty set when the cell is empty, so they are cleared.
    console_roles: frozenset[Role] | None = None


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    theme: str | None = None
    lead_email: str | None = None


@dataclass(frozen=True)
class ActionSpec:
    ref: str
    title: str
    area: str
    owner_email: str
    due: date
    start: date | None = None
    status: Status = Status.NOT_STARTED
    rag: RAG | None = None
    percent: int = 0
    exempt: bool = False
    last_update: date | None = None
    rebaseline_reason: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class MilestoneSpec:
    ref: str
    title: str
    due: date
    owner_email: str
    depends_on: tuple[str, ...] = ()
    status: Status = Status.NOT_STARTED


@dataclass(frozen=True)
class BoardSpec:
    name: str
    secretariat_email: str
    chair_email: str | None = None
    members: tuple[str, ...] = ()
    teams_url: str | None = None


@dataclass(frozen=True)
class MeetingSpec:
    board: str
    date: date
    theme_area: str | None = None
    audience: Audience = Audience.BOARD


@dataclass(frozen=True)
class PlanSpec:
    name: str
    organisation: str | None = None
    nation: str = "ENG"
    timezone: str = DEFAULT_TIMEZONE
    people: tuple[PersonSpec, ...] = ()
    areas: tuple[AreaSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    milestones: tuple[MilestoneSpec, ...] = ()
    boards: tuple[BoardSpec, ...] = ()
    meetings: tuple[MeetingSpec, ...] = ()


@dataclass(frozen=True)
class UpdateSpec:
    """An owner's update, as typed on the command line or replayed by the demo."""

    ref: str
    by: str
    status: Status | None = None
    rag: RAG | None = None
    percent: int | None = None
    note: str | None = None
    evidence_url: str | None = None
    at: datetime | None = None  # None: now
