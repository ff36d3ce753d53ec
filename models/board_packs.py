"""Board packs as built (meeting, audience, ledger head, files with their SHA-256, the per-item summary the
next pack compares with), and the check that a pack's file on disk is still the one built."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_type, utcnow
from models.errors import LineOfSightError
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
    # The secretariat's review (the console): a pack is a draft until approved, sent once published_at is set,
    # and read-only from then on (a correction is a new version that supersedes it).
    approved_at: datetime | None = None
    approved_by: str | None = Field(default=None, max_length=320)
    covering_summary: str | None = Field(default=None, sa_type=sa.Text)
    commentary: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)  # item ref -> the board's words


class PackTemplate(SQLModel, table=True):
    """A board's own Word template for its packs (docxtpl tags), held as bytes so the pack never depends on
    a path that may move; its SHA-256 is recorded with the `PackTemplateSet` event that stored it."""

    board_id: int = Field(foreign_key="board.id", primary_key=True)
    name: str = Field(max_length=255)  # the file's name as given, for people to recognise
    content: bytes = Field(sa_type=sa.LargeBinary)
    sha256: str = Field(max_length=64)
    set_at: datetime = Field(default_factory=utcnow)
    set_by: str = Field(max_length=320)


def on_disk(file: dict[str, Any]) -> str:
    """A pack's file as recorded at build time against the disk: "intact", "changed" or "missing"."""
    path = Path(file["path"])
    if not path.exists():
        return "missing"
    return "intact" if hashlib.sha256(path.read_bytes()).hexdigest() == file["sha256"] else "changed"


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
