"""The SQL reads behind a pack, in a handful of queries (never one per item): the plain values of `facts` as
they stood at the pack's `moment`, today's rows rolled back over the later ledger events (`history`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.audit import AuditEvent
from models.board_packs import Pack
from models.calendar import local_date
from models.columns import columns_of
from models.escalations import Escalation
from models.ledger.chain import decode_data, format_at
from models.ledger.kinds import EventKind
from models.meetings import Board, Meeting
from models.outbox import NOT_A_PLANS_OWN, Notice
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan, Update
from models.reports.pack_data.facts import (
    TREND_PACKS,
    ActionFact,
    AreaFact,
    DeadNoticeFact,
    EscalationFact,
    MilestoneFact,
    PackData,
    PreviousPack,
)
from models.reports.pack_data.history import CHANGES, People, roll_back
from models.reports.pack_data.moment import AsOf, Recorded, Split, split
from models.vocab import RAG, Audience, Status

# A pack's own bookkeeping is not data it was built from: leaving these out of the head it records lets a
# rebuild from unchanged data produce the very same pack.
PACK_EVENTS = (
    EventKind.PACK_BUILT,
    EventKind.PACK_PUBLISHED,
    EventKind.PACK_FILES_RESTORED,
    EventKind.PACK_SUPERSEDED,
)
# A notice dead at the moment: the pack lists it.
NOTICE_EVENTS = (EventKind.NOTICE_FAILED, EventKind.NOTICE_RETRIED)
PAGE = 5_000
# Only these bodies are decoded: an event that may carry its own time, or one the roll-back reads (and an
# import's summary, which says whether it created a plan: see `models.reports.pack_data.moment.split`).
TIMED = (b'"as_of"', b'"reported_at"', b'"effective_at"')


# Written before the moment, these may still not count (an update reported with a later time of its own);
# and a plan's notice failures and retries are read from the whole ledger: the pack lists the dead ones.
MAY_COUNT_LATER = (EventKind.ACTION_UPDATED, EventKind.MILESTONE_UPDATED)
WALK = 100


def _recorded(r: Any, plan: str) -> Recorded:
    body = bytes(r.body)
    mine = r.plan == plan and (r.kind in CHANGES or r.kind in NOTICE_EVENTS)
    mine = mine or r.kind == EventKind.PLAN_IMPORTED
    data = decode_data(body) if mine or any(t in body for t in TIMED) else {}
    at = datetime.fromisoformat(r.at.replace("Z", "+00:00"))
    return Recorded(r.seq, r.hash, at, r.kind, r.plan, r.ref, data)


def _ledger(session: Session, plan: str, as_of: AsOf) -> Iterator[Recorded]:
    """The events the cut needs, in order, without reading the whole ledger: every event written from the
    moment on (one may be backdated), and of those written before it (`at` is indexed; they count unless
    their own time says later) only the plan's updates and notice events, anything written out of order,
    and the last one that counts, which is the head when nothing later counts. Bounded by what came after
    the moment, plus the plan's own updates and notice events."""
    E = columns_of(AuditEvent)
    columns = (E.seq, E.hash, E.at, E.kind, E.plan, E.ref, E.body)
    until = format_at(as_of.until)
    written = session.execute(sa.select(sa.func.max(E.seq)).where(E.at < until)).scalar() or 0
    before = {
        r.seq: _recorded(r, plan)
        for r in session.execute(
            sa.select(*columns).where(
                E.seq <= written,
                E.kind.not_in(PACK_EVENTS),
                sa.or_(E.at >= until, sa.and_(E.plan == plan, E.kind.in_(MAY_COUNT_LATER + NOTICE_EVENTS))),
            )
        )
    }
    cursor = written
    while cursor > 0:  # back from the moment to the first event that counts: usually the very first
        rows = session.execute(
            sa.select(*columns)
            .where(E.seq <= cursor, E.kind.not_in(PACK_EVENTS))
            .order_by(E.seq.desc())
            .limit(WALK)
        ).all()
        walked = [_recorded(r, plan) for r in reversed(rows)]
        before |= {e.seq: e for e in walked}  # the page as a whole, so an import's events go together
        if split(walked, as_of).head_seq:
            break
        cursor = rows[-1].seq - 1 if len(rows) == WALK else 0
    yield from (before[seq] for seq in sorted(before))
    after = written
    while True:
        page = session.execute(
            sa.select(*columns).where(E.seq > after, E.kind.not_in(PACK_EVENTS)).order_by(E.seq).limit(PAGE)
        ).all()
        yield from (_recorded(r, plan) for r in page)
        if len(page) < PAGE:
            return
        after = page[-1].seq


def ledger_at(session: Session, plan: str, as_of: AsOf) -> tuple[Split, list[Recorded]]:
    """The ledger cut at the moment (the head the pack is built from, and what came later), and the plan's
    notice failures and retries on the way."""
    notices: list[Recorded] = []

    def noting(events: Iterator[Recorded]) -> Iterator[Recorded]:
        for e in events:
            if e.plan == plan and e.kind in NOTICE_EVENTS:
                notices.append(e)
            yield e

    return split(noting(_ledger(session, plan, as_of)), as_of), notices


def load_pack_data(session: Session, plan: Plan, board: Board, meeting: Meeting, as_of: AsOf) -> PackData:
    A, AR, P, U, M, D, E, MT, N = (
        columns_of(t)
        for t in (Action, Area, Person, Update, Milestone, MilestoneDependency, Escalation, Meeting, Notice)
    )
    end, pack_day = as_of.until, as_of.day
    ledger, notices = ledger_at(session, plan.name, as_of)
    areas = session.execute(
        sa.select(AR.id, AR.code, AR.name).where(AR.plan_id == plan.id).order_by(AR.code)
    ).all()
    code = {a.id: a.code for a in areas}
    people: dict[int, tuple[str, str]] = {
        p.id: (p.name, p.email) for p in session.execute(sa.select(P.id, P.name, P.email))
    }
    latest: dict[int, tuple[date, str | None, date | None]] = {}
    reported: dict[int, list[tuple[date, int]]] = {}  # the percents reported: the forecast's points
    # In time order: the last row seen for an action is its latest update before the cut-off.
    for action_id, at, commentary, percent in session.execute(
        sa.select(U.action_id, U.at, U.commentary, U.percent)
        .where(U.plan_id == plan.id, U.action_id.is_not(None), U.at < end)
        .order_by(U.at, U.id)
    ):
        day = local_date(at, plan.timezone)
        _, said, said_on = latest.get(action_id, (day, None, None))
        latest[action_id] = (day, commentary or said, day if commentary else said_on)
        if percent is not None:
            reported.setdefault(action_id, []).append((day, percent))
    actions = []
    ids: dict[str, int] = {}
    for r in session.execute(sa.select(A).where(A.plan_id == plan.id).order_by(A.ref)):
        ids[r.ref] = r.id
        _, commentary, commentary_on = latest.get(r.id, (None, None, None))
        name, email = people[r.owner_id]
        actions.append(
            ActionFact(
                ref=r.ref,
                title=r.title,
                area=code[r.area_id],
                owner=name,
                owner_email=email,
                original_due=r.original_due,
                current_due=r.current_due,
                status=Status(r.status),
                rag=RAG(r.rag) if r.rag else None,
                percent=r.percent,
                rebaseline_count=r.rebaseline_count,
                exempt=bool(r.exempt),
                start=r.start,
                last_update=r.last_update_on,  # today's: rolled back below, then checked against the updates
                commentary=commentary,
                commentary_on=commentary_on,
                reported=tuple(reported.get(r.id, ())),
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
        # A ladder closed after the day was still open on it.
        EscalationFact(e.item_ref, e.level, e.due, e.rule, e.reason, e.since, e.closed_on, e.closed_reason)
        if e.closed_on is None or e.closed_on <= pack_day
        else EscalationFact(e.item_ref, e.level, e.due, e.rule, e.reason, e.since)
        for e in session.execute(sa.select(E).where(E.plan_id == plan.id, E.since <= pack_day).order_by(E.id))
    )
    errors = _dead_at(notices, ledger)
    dead = tuple(
        DeadNoticeFact(n.kind, n.recipient, n.item_refs or "", errors[n.id])
        for n in session.execute(
            sa.select(N.id, N.kind, N.recipient, N.item_refs)
            .where(N.id.in_(list(errors)), N.kind.not_in(NOT_A_PLANS_OWN))
            .order_by(N.id)
        )
    )
    next_meeting = session.execute(
        sa.select(sa.func.min(MT.date)).where(MT.board_id == board.id, MT.date > meeting.date)
    ).scalar()
    seq, digest = ledger.head_seq, ledger.head_hash
    data = PackData(
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
    rolled = roll_back(data, ledger.later, People(people))
    updated = {ref: latest[i][0] for ref, i in ids.items() if i in latest}
    return replace(
        rolled, actions=tuple(_last_update(a, updated.get(a.ref), pack_day) for a in rolled.actions)
    )


def _last_update(action: ActionFact, updated: date | None, pack_day: date) -> ActionFact:
    """The item's last-update date at the moment: its own date rolled back (the workbook's, or an update's),
    or the day of its latest update before the moment. A rolled-back date after the pack date comes from a
    ledger older than the one that records it in each update's "before": not known then, so not shown."""
    carried = action.last_update if action.last_update and action.last_update <= pack_day else None
    last = max((d for d in (updated, carried) if d), default=None)
    return action if last == action.last_update else replace(action, last_update=last)


def _dead_at(notices: list[Recorded], ledger: Split) -> dict[int, str]:
    """The notices dead at the moment, with their error: the last counted NoticeFailed said dead and no
    NoticeRetried followed (the ledger, not today's status: a dead notice may be retried later)."""
    later = {e.seq for e in ledger.later}
    dead: dict[int, str] = {}
    for e in notices:
        if e.seq in later:
            continue
        if e.kind == EventKind.NOTICE_RETRIED:
            dead.pop(int(e.data.get("notice_id", 0)), None)
        elif e.data.get("dead"):
            dead[int(e.data["notice_id"])] = str(e.data.get("error") or "")
    return dead


def load_previous_packs(
    session: Session, board: Board, meeting: Meeting, audience: Audience
) -> tuple[PreviousPack, ...]:
    """The board's earlier packs for the same audience, oldest first (a public pack compares only with
    public packs, so an exempt item can never show up as a change). Of a meeting's versions, the one the
    board was sent (the latest sent, else the latest)."""
    K, MT = columns_of(Pack), columns_of(Meeting)
    query = (
        sa.select(MT.date, K.built_for, K.summary, K.version, K.published_at)
        .where(
            K.meeting_id == MT.id,
            MT.board_id == board.id,
            K.audience == audience.value,
            MT.date < meeting.date,
        )
        .order_by(MT.date, K.version)
    )
    chosen: dict[date, Any] = {}
    for r in session.execute(query):
        kept = chosen.get(r.date)
        if kept is None or r.published_at is not None or kept.published_at is None:
            chosen[r.date] = r
    rows = [chosen[d] for d in sorted(chosen)][-(TREND_PACKS - 1) :]
    return tuple(PreviousPack.from_json(r.date, r.built_for, audience, r.summary or {}) for r in rows)
