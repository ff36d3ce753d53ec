"""The plan's policy sends a pack the secretariat has not sent by `meetings.auto_send_hours_before` hours
before its meeting (09:00 on the meeting day), approved or not, with the reason in `PackApproved` and
`PackPublished`. It runs hourly (`flows.board_pack.pack_auto_send_flow`) and after each pack run, so a pack
goes within the hour after its time; never once the meeting has begun, and never a correction (a new version
of a sent pack goes only when the secretariat approves it: the board already has a pack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from config.policy import Policy
from models.board_packs import Pack
from models.calendar import local_date
from models.db import read_session
from models.meetings import Board, Meeting
from models.plan import Plan
from packs.publish import publish
from packs.review import auto_send_reason, send_deadline, state_of
from packs.secretariat import files_carry_words, render_again

ACTOR = "system:packs (policy)"


@dataclass(frozen=True)
class AutoSent:
    pack_id: int
    plan: str
    board: str
    meeting_date: date
    reason: str
    queued: int


def auto_send(engine: Engine, policy: Policy, now: datetime) -> list[AutoSent]:
    with read_session(engine) as session:
        rows = session.exec(
            select(Pack, Meeting, Board, Plan).where(
                col(Pack.published_at).is_(None),
                col(Pack.supersedes_id).is_(None),
                col(Pack.meeting_id) == col(Meeting.id),
                col(Meeting.board_id) == col(Board.id),
                col(Pack.plan_id) == col(Plan.id),
                col(Meeting.date) >= local_date(now) - timedelta(days=1),
            )
        ).all()
        due = []
        for pack, meeting, board, plan in rows:
            hours = policy.for_plan(plan.name).meetings.auto_send_hours_before
            deadline = send_deadline(meeting.date, hours, plan.timezone)
            if deadline is not None and deadline <= now < deadline + timedelta(hours=hours):
                reason = auto_send_reason(hours, state_of(pack.approved_at, pack.published_at))
                due.append((pack, meeting, board, plan, reason, files_carry_words(pack)))
    sent = []
    for pack, meeting, board, plan, reason, ready in due:
        assert pack.id is not None  # read from the database
        if not ready:
            render_again(engine, pack.id, policy, ACTOR, now)
        published = publish(engine, pack.id, actor=ACTOR, now=now, approval=reason)
        sent.append(AutoSent(pack.id, plan.name, board.name, meeting.date, reason, published.queued))
    return sent
