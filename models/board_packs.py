"""Board packs as built: which meeting and audience, when, from which ledger head, the files and their
SHA-256, and a compact per-item summary that the next pack compares against (what changed, the trend).

A pack is never edited in place without a trace: rebuilding a pack not yet sent replaces its row and records
`PackBuilt` again, with the hashes before and after. A sent pack is never touched: building again adds a new
version (its own row and files) that names the pack it supersedes, and `PackSuperseded` records both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from config.timezone import DEFAULT_TIMEZONE
from models.columns import enum_type, key_of, utcnow
from models.errors import LineOfSightError, UnknownItem
from models.vocab import Audience


class Pack(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("meeting_id", "audience", "version", name="uq_pack_version"),)

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
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    supersedes_id: int | None = Field(default=None, foreign_key="pack.id")
    data_as_of: datetime | None = None  # the moment the data speaks for (None: built before versions)


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


def _query(plan_name: str | None) -> Any:
    from models.meetings import Board, Meeting
    from models.plan import Plan

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
                key_of(pack),
                plan.name,
                board.name,
                meeting.date,
                pack.audience.value,
                pack.built_for,
                pack.built_at,
                pack.published_at,
                pdf,
                pack.version,
                pack.supersedes_id,
                after.get(key_of(pack)),
                pack.data_as_of,
                plan.timezone,
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
        key_of(pack),
        plan.name,
        board.name,
        meeting.date,
        pack.audience.value,
        pack.built_for,
        pack.built_at,
        pack.published_at,
        pack.ledger_seq,
        pack.ledger_hash,
        dict(pack.summary),
        tuple((f, _on_disk(f)) for f in pack.files),
        pack.version,
        pack.supersedes_id,
        _successors(session).get(key_of(pack)),
        pack.data_as_of,
        plan.timezone,
    )


def _on_disk(file: dict[str, Any]) -> str:
    path = Path(file["path"])
    if not path.exists():
        return "missing"
    return "intact" if hashlib.sha256(path.read_bytes()).hexdigest() == file["sha256"] else "changed"


def on_disk(file: dict[str, Any]) -> str:
    """A pack's file as recorded at build time against the disk: "intact", "changed" or "missing"."""
    return _on_disk(file)


class PackFileChanged(LineOfSightError):
    """A pack's file on disk is not the one built and recorded: it is never sent."""

    def __init__(self, path: Path, recorded: str, found: str) -> None:
        super().__init__(
            f"The pack file {path} is not the one built (SHA-256 {recorded[:16]}... recorded at build time, "
            f"{found[:16]}... on disk), so it was not sent. Rebuild it (`lineofsight pack build`), which "
            "restores the recorded file, then `lineofsight outbox retry`."
        )


def verified_bytes(path: Path, sha256: str) -> bytes:
    """The file's bytes, if they are the ones recorded; a missing file raises OSError (passing trouble)."""
    data = path.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise PackFileChanged(path, sha256, found)
    return data
