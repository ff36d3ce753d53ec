"""The board packs as built, for `pack list` and `pack show` (and the web pages to come): one row per pack
and version, and one pack in detail with its files checked against the disk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from config.timezone import DEFAULT_TIMEZONE
from models.board_packs import Pack, on_disk
from models.columns import key_of
from models.errors import UnknownItem
from models.meetings import Board, Meeting
from models.plan import Plan


@dataclass(frozen=True)
class PackRow:
    id: int
    plan: str
    board: str
    meeting_date: date
    audience: str
    built_for: date
    built_at: datetime
    published_at: datetime | None
    pdf: str | None
    version: int = 1
    supersedes: int | None = None  # the sent pack this version follows
    superseded_by: int | None = None  # the next version, when there is one
    data_as_of: datetime | None = None  # exclusive: the data is what had happened before it
    timezone: str = DEFAULT_TIMEZONE  # the plan's
    approved_at: datetime | None = None
    approved_by: str | None = None

    @property
    def stage(self) -> str:
        """Where the pack is on its way to the board: draft, then approved, then sent."""
        return "sent" if self.published_at else "approved" if self.approved_at else "draft"

    def public(self) -> dict[str, Any]:
        """The row as `pack list --format json` gives it."""
        return {
            "id": self.id,
            "plan": self.plan,
            "board": self.board,
            "meeting": self.meeting_date.isoformat(),
            "audience": self.audience,
            "version": self.version,
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
            "pack_date": self.built_for.isoformat(),
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
            "built_at": self.built_at.isoformat(),
            "stage": self.stage,
            "approved_at": self.approved_at.isoformat() if self.approved_at else None,
            "approved_by": self.approved_by,
            "sent_at": self.published_at.isoformat() if self.published_at else None,
            "pdf": self.pdf,
        }


@dataclass(frozen=True)
class PackDetail:
    id: int
    plan: str
    board: str
    meeting_date: date
    audience: str
    built_for: date
    built_at: datetime
    published_at: datetime | None
    ledger_seq: int
    ledger_hash: str
    summary: dict[str, Any]
    files: tuple[tuple[dict[str, Any], str], ...]  # each file with "intact", "changed" or "missing"
    version: int = 1
    supersedes: int | None = None
    superseded_by: int | None = None
    data_as_of: datetime | None = None
    timezone: str = DEFAULT_TIMEZONE
    approved_at: datetime | None = None
    approved_by: str | None = None


def _query(plan_name: str | None) -> Any:
    query = (
        select(Pack, Meeting, Board, Plan)
        .where(col(Pack.meeting_id) == col(Meeting.id), col(Meeting.board_id) == col(Board.id))
        .where(col(Pack.plan_id) == col(Plan.id))
        .order_by(col(Meeting.date), col(Board.name), col(Pack.audience), col(Pack.version))
    )
    if plan_name is not None:
        query = query.where(sa.func.lower(col(Plan.name)) == plan_name.strip().lower())
    return query


def _successors(session: Session) -> dict[int, int]:
    """Each superseded pack's id, with the id of the version that follows it."""
    return {
        old: new
        for new, old in session.exec(
            select(col(Pack.id), col(Pack.supersedes_id)).where(col(Pack.supersedes_id).is_not(None))
        )
        if old is not None and new is not None
    }


def pack_rows(session: Session, plan_name: str | None = None) -> list[PackRow]:
    rows = []
    after = _successors(session)
    for pack, meeting, board, plan in session.exec(_query(plan_name)).all():
        pdf = next((f["path"] for f in pack.files if f["name"].endswith(".pdf")), None)
        rows.append(
            PackRow(
                id=key_of(pack),
                plan=plan.name,
                board=board.name,
                meeting_date=meeting.date,
                audience=pack.audience.value,
                built_for=pack.built_for,
                built_at=pack.built_at,
                published_at=pack.published_at,
                pdf=pdf,
                version=pack.version,
                supersedes=pack.supersedes_id,
                superseded_by=after.get(key_of(pack)),
                data_as_of=pack.data_as_of,
                timezone=plan.timezone,
                approved_at=pack.approved_at,
                approved_by=pack.approved_by,
            )
        )
    return rows


def pack_detail(session: Session, pack_id: int) -> PackDetail:
    found = session.exec(_query(None).where(col(Pack.id) == pack_id)).first()
    if found is None:
        ids = [str(i) for i in session.exec(select(col(Pack.id)).order_by(col(Pack.id)))]
        raise UnknownItem("pack", str(pack_id), ids[-3:])
    pack, meeting, board, plan = found
    return PackDetail(
        id=key_of(pack),
        plan=plan.name,
        board=board.name,
        meeting_date=meeting.date,
        audience=pack.audience.value,
        built_for=pack.built_for,
        built_at=pack.built_at,
        published_at=pack.published_at,
        ledger_seq=pack.ledger_seq,
        ledger_hash=pack.ledger_hash,
        summary=dict(pack.summary),
        files=tuple((f, on_disk(f)) for f in pack.files),
        version=pack.version,
        supersedes=pack.supersedes_id,
        superseded_by=_successors(session).get(key_of(pack)),
        data_as_of=pack.data_as_of,
        timezone=plan.timezone,
        approved_at=pack.approved_at,
        approved_by=pack.approved_by,
    )
