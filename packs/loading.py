"""The shell around the pure context: reads what one pack needs from SQL, in a handful of queries (never
one per item), as the plain values of `packs.facts`."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.audit import AuditEvent
from models.board_packs import Pack
from models.calendar import local_date
from models.escalations import Escalation
from models.meetings import Board, Meeting
from models.outbox import Notice, NoticeStatus
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan, Update
from models.vocab import RAG, Audience, Status
from packs.facts import (
    ActionFact,
    AreaFact,
    DeadNoticeFact,
    EscalationFact,
    MilestoneFact,
    PackData,
    PreviousPack,
)
from packs.schedule import cutoff

# A pack's own bookkeeping is not data it was built from: leaving these out of the head it records lets a
# rebuild from unchanged data produce the very same pack.
PACK_EVENTS = ("PackBuilt", "PackPublished", "PackFilesRestored")
TREND_PACKS = 6


def _c(table: type) -> Any:
    return table.__table__.c  # type: ignore[attr-defined]


def data_head(session: Session) -> tuple[int, str]:
    E = _c(AuditEvent)
    row = session.execute(
        sa.select(E.seq, E.hash).where(E.kind.not_in(PACK_EVENTS)).order_by(E.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, "")


def load_pack_data(session: Session, plan: Plan, board: Board, meeting: Meeting, pack_day: date) -> PackData:
    A, AR, P, U, M, D, E, MT, N = (
        _c(t)
        for t in (Action, Area, Person, Update, Milestone, MilestoneDependency, Escalation, Meeting, Notice)
    )
    end = cutoff(pack_day, plan.timezone)
    areas = session.execute(
        sa.select(AR.id, AR.code, AR.name).where(AR.plan_id == plan.id).order_by(AR.code)
    ).all()
    code = {a.id: a.code for a in areas}
    people = {p.id: (p.name, p.email) for p in session.execute(sa.select(P.id, P.name, P.email))}
    latest: dict[int, tuple[date, str | None, date | None]] = {}
    # In time order: the last row seen for an action is its latest update before the cut-off.
    for action_id, at, commentary in session.execute(
        sa.select(U.action_id, U.at, U.commentary)
        .where(U.plan_id == plan.id, U.action_id.is_not(None), U.at < end)
        .order_by(U.at, U.id)
    ):
        day = local_date(at, plan.timezone)
        _, said, said_on = latest.get(action_id, (day, None, None))
        latest[action_id] = (day, commentary or said, day if commentary else said_on)
    actions = []
    for r in session.execute(sa.select(A).where(A.plan_id == plan.id).order_by(A.ref)):
        updated, commentary, commentary_on = latest.get(r.id, (None, None, None))
        # A date carried in from the workbook counts when it is not after the pack's own date.
        carried = r.last_update_on if r.last_update_on and r.last_update_on <= pack_day else None
        last = max((d for d in (updated, carried) if d), default=None)
        name, email = people[r.owner_id]
        actions.append(
            ActionFact(
                r.ref,
                r.title,
                code[r.area_id],
                name,
                email,
                r.original_due,
                r.current_due,
                Status(r.status),
                RAG(r.rag) if r.rag else None,
                r.percent,
                r.rebaseline_count,
                bool(r.exempt),
                r.start,
                last,
                commentary,
                commentary_on,
            )
        )
    depends: dict[int, list[str]] = {}
    for milestone_id, ref in session.execute(
        sa.select(D.milestone_id, A.ref).where(A.id == D.action_id, A.plan_id == plan.id)
    ):
        depends.setdefault(milestone_id, []).append(ref)
    milestones = tuple(
        MilestoneFact(
            m.ref,
            m.title,
            m.due,
            people[m.owner_id][0],
            Status(m.status),
            tuple(sorted(depends.get(m.id, ()))),
        )
        for m in session.execute(sa.select(M).where(M.plan_id == plan.id).order_by(M.due, M.ref))
    )
    escalations = tuple(
        EscalationFact(e.item_ref, e.level, e.due, e.rule, e.reason, e.since, e.closed_on, e.closed_reason)
        for e in session.execute(sa.select(E).where(E.plan_id == plan.id, E.since <= pack_day).order_by(E.id))
    )
    dead = tuple(
        DeadNoticeFact(n.kind, n.recipient, n.item_refs or "", n.last_error or "")
        for n in session.execute(
            sa.select(N.kind, N.recipient, N.item_refs, N.last_error)
            .where(N.plan == plan.name, N.status == NoticeStatus.DEAD.value)
            .order_by(N.id)
        )
    )
    next_meeting = session.execute(
        sa.select(sa.func.min(MT.date)).where(MT.board_id == board.id, MT.date > meeting.date)
    ).scalar()
    seq, digest = data_head(session)
    return PackData(
        plan=plan.name,
        organisation=plan.organisation,
        board=board.name,
        meeting_date=meeting.date,
        theme_area=code.get(meeting.theme_area_id) if meeting.theme_area_id else None,
        next_meeting=next_meeting,
        areas=tuple(AreaFact(a.code, a.name) for a in areas),
        actions=tuple(actions),
        milestones=milestones,
        escalations=escalations,
        dead_notices=dead,
        head_seq=seq,
        head_hash=digest,
    )


def load_previous_packs(
    session: Session, board: Board, meeting: Meeting, audience: Audience
) -> tuple[PreviousPack, ...]:
    """The board's earlier packs for the same audience, oldest first (a public pack compares only with
    public packs, so an exempt item can never show up as a change)."""
    K, MT = _c(Pack), _c(Meeting)
    rows = session.execute(
        sa.select(MT.date, K.built_for, K.summary)
        .where(
            K.meeting_id == MT.id,
            MT.board_id == board.id,
            K.audience == audience.value,
            MT.date < meeting.date,
        )
        .order_by(MT.date.desc())
        .limit(TREND_PACKS - 1)
    ).all()
    return tuple(
        PreviousPack.from_json(r.date, r.built_for, audience, r.summary or {}) for r in reversed(rows)
    )
