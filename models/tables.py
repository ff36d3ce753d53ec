"""Every table, imported in one place so SQLModel.metadata is complete (for Alembic and tests)."""

from models.audit import AuditEvent
from models.meetings import Board, BoardMember, Meeting
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan, Update

__all__ = [
    "Action",
    "Area",
    "AuditEvent",
    "Board",
    "BoardMember",
    "Meeting",
    "Milestone",
    "MilestoneDependency",
    "Person",
    "Plan",
    "Update",
]
