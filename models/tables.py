"""Every table, imported in one place so SQLModel.metadata is complete (for Alembic and tests)."""

from models.audit import AuditEvent
from models.board_packs import Pack
from models.console_access import AccessGrant, SignInUse
from models.console_records import CalendarFeed, DueChangeRequest
from models.escalations import Escalation
from models.meetings import Board, BoardMember, Meeting
from models.outbox import Notice
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan, Update
from models.web_links import LinkRevocation, WebSubmission

__all__ = [
    "AccessGrant",
    "Action",
    "Area",
    "AuditEvent",
    "Board",
    "BoardMember",
    "CalendarFeed",
    "DueChangeRequest",
    "Escalation",
    "LinkRevocation",
    "Meeting",
    "Milestone",
    "MilestoneDependency",
    "Notice",
    "Pack",
    "Person",
    "Plan",
    "SignInUse",
    "Update",
    "WebSubmission",
]
