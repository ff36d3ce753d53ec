"""The packs of a plan as the console shows them: each with its board, meeting, audience, version and state,
who built, approved and sent it and when (the ledger says who built and sent: its `PackBuilt` and
`PackPublished` events), and one pack in full for its review page. Reads only."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.board_packs import Pack
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.meetings import Board, Meeting
from models.plan import Plan
from packs.review import PackState, state_of


@dataclass(frozen=True)
class Done:
    by: str
    at: datetime


@dataclass(frozen=True)
class PackRow:
    pack: Pack
    board: Board
    meeting: Meeting
    state: PackState
    built: Done | None = None
    sent: Done | None = None
    superseded_by: int | None = None

    @property
    def id(self) -> int:
        return self.pack.id or 0

    @property
    def approved(self) -> Done | None:
        p = self.pack
        return Done(p.approved_by or "", p.approved_at) if p.approved_at else None


@dataclass(frozen=True)
class PackDetail:
    row: PackRow
    exceptions: list[dict[str, Any]] = field(default_factory=list)  # ref, title, why

    @property
    def pack(self) -> Pack:
        return self.row.pack


def pack_rows(session: Session, plan_id: int, boards: Collection[int] | None) -> list[PackRow]:
    """The plan's packs, newest meeting first; only those of `boards` unless None (every board)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        return []
    query = select(Pack, Board, Meeting).where(
        Pack.plan_id == plan_id,
        col(Pack.meeting_id) == col(Meeting.id),
        col(Meeting.board_id) == col(Board.id),
    )
    if boards is not None:
        query = query.where(col(Board.id).in_(list(boards)))
    found = session.exec(
        query.order_by(
            col(Meeting.date).desc(), col(Board.name), col(Pack.audience), col(Pack.version).desc()
        )
    ).all()
    built, sent = _doers(session, plan.name)
    later = {p.supersedes_id: p.id or 0 for p, _, _ in found if p.supersedes_id is not None}
    return [
        PackRow(
            p,
            b,
            m,
            state_of(p.approved_at, p.published_at),
            built.get(p.id or 0),
            sent.get(p.id or 0),
            later.get(p.id or 0),
        )
        for p, b, m in found
    ]


def pack_detail(session: Session, plan_id: int, board_id: int, pack_id: int) -> PackDetail | None:
    """The pack, when it is this plan's and this board's; None otherwise (the page says "not found")."""
    rows = [r for r in pack_rows(session, plan_id, [board_id]) if r.id == pack_id]
    if not rows:
        return None
    return PackDetail(rows[0], list(rows[0].pack.summary.get("exception_list", [])))


def _doers(session: Session, plan: str) -> tuple[dict[int, Done], dict[int, Done]]:
    """Who built each pack last and who sent it, from the ledger."""
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.plan == plan,
            col(AuditEvent.kind).in_([EventKind.PACK_BUILT.value, EventKind.PACK_PUBLISHED.value]),
        )
    ).all()
    built: dict[int, Done] = {}
    sent: dict[int, Done] = {}
    for e in sorted(events, key=lambda e: e.seq):
        pack_id = decode_data(e.body).get("pack_id")
        if isinstance(pack_id, int):
            (built if e.kind == EventKind.PACK_BUILT.value else sent)[pack_id] = Done(e.actor, _at(e.at))
    return built, sent


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
