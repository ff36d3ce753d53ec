"""What the sweep looks at: a plan's open items, people and meetings, as plain frozen values.

`load_snapshot` reads one plan in a handful of queries (never one per item); `models.rules.decide` then
works on the snapshot alone, with no session, clock or network.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from models.escalations import Escalation
from models.meetings import Board, Meeting
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan
from models.vocab import RAG, Audience, ItemKind, Status


class PersonView(NamedTuple):
    email: str
    name: str
    manager: str | None = None
    deputy: str | None = None
    away_from: date | None = None
    away_to: date | None = None
    has_teams: bool = False

    def is_away(self, day: date) -> bool:
        return bool(self.away_from and self.away_to and self.away_from <= day <= self.away_to)


class ItemView(NamedTuple):
    kind: ItemKind
    ref: str
    title: str
    owner: str
    due: date
    status: Status
    area: str | None = None
    original_due: date | None = None
    rebaseline_count: int = 0
    rag: RAG | None = None
    percent: int = 0
    last_update: date | None = None
    start: date | None = None
    consecutive_reds: int = 0
    depends_on: tuple[str, ...] = ()
    exempt: bool = False


class LadderView(NamedTuple):
    """The open escalation of an item: the level reached for its current due date."""

    level: int
    due: date
    since: date


@dataclass(frozen=True)
class MeetingView:
    board: str
    date: date
    audience: Audience
    theme_area: str | None


@dataclass(frozen=True)
class Snapshot:
    plan: str
    nation: str
    items: tuple[ItemView, ...]
    people: dict[str, PersonView] = field(default_factory=dict)
    area_leads: dict[str, str] = field(default_factory=dict)
    ladders: dict[str, LadderView] = field(default_factory=dict)
    meetings: tuple[MeetingView, ...] = ()
    board: str | None = None  # the Improvement Board: where level 3 goes
    board_secretariat: str | None = None
    dead_notices: tuple[tuple[str, str, str], ...] = ()  # (item refs, recipient, last error): undeliverable


def _columns(table: type) -> Any:
    return table.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class People:
    """Everyone, read once per sweep and shared by every plan's snapshot."""

    email_by_id: dict[int, str]
    views: dict[str, PersonView]


def load_people(session: Session) -> People:
    P = _columns(Person)
    rows = session.execute(
        sa.select(P.id, P.email, P.name, P.manager_id, P.deputy_id, P.away_from, P.away_to, P.teams_url)
    ).all()
    email = {row.id: row.email for row in rows}
    views = {
        row.email: PersonView(
            row.email,
            row.name,
            email.get(row.manager_id),
            email.get(row.deputy_id),
            row.away_from,
            row.away_to,
            bool(row.teams_url),
        )
        for row in rows
    }
    return People(email, views)


def load_snapshot(session: Session, plan: Plan, people: People | None = None) -> Snapshot:
    A, M, D, AR, E, B, MT = (
        _columns(t) for t in (Action, Milestone, MilestoneDependency, Area, Escalation, Board, Meeting)
    )
    people = people or load_people(session)
    email, views = people.email_by_id, people.views
    areas = {
        a.id: (a.code, a.lead_id)
        for a in session.execute(sa.select(AR.id, AR.code, AR.lead_id).where(AR.plan_id == plan.id))
    }
    open_statuses = [Status.NOT_STARTED, Status.IN_PROGRESS]
    actions = session.execute(
        sa.select(
            A.ref,
            A.title,
            A.owner_id,
            A.current_due,
            A.status,
            A.area_id,
            A.original_due,
            A.rebaseline_count,
            A.rag,
            A.percent,
            A.last_update_on,
            A.start,
            A.consecutive_reds,
            A.exempt,
        ).where(A.plan_id == plan.id, A.status.in_(open_statuses))
    ).all()
    items = [
        ItemView(
            ItemKind.ACTION,
            r.ref,
            r.title,
            email[r.owner_id],
            r.current_due,
            r.status,
            areas[r.area_id][0],
            r.original_due,
            r.rebaseline_count,
            r.rag,
            r.percent,
            r.last_update_on,
            r.start,
            r.consecutive_reds,
            (),
            r.exempt,
        )
        for r in actions
    ]
    milestones = session.execute(
        sa.select(
            M.id,
            M.ref,
            M.title,
            M.owner_id,
            M.due,
            M.status,
            M.last_update_on,
        ).where(M.plan_id == plan.id, M.status.in_(open_statuses))
    ).all()
    depends: dict[int, list[str]] = {}
    if milestones:
        links = session.execute(
            sa.select(D.milestone_id, A.ref)
            .where(A.id == D.action_id)
            .where(D.milestone_id.in_([m.id for m in milestones]))
        )
        for milestone_id, ref in links:
            depends.setdefault(milestone_id, []).append(ref)
    items += [
        ItemView(
            ItemKind.MILESTONE,
            m.ref,
            m.title,
            email[m.owner_id],
            m.due,
            m.status,
            None,
            m.due,
            0,
            None,
            0,
            m.last_update_on,
            None,
            0,
            tuple(sorted(depends.get(m.id, ()))),
        )
        for m in milestones
    ]
    ladders: dict[str, LadderView] = {}
    for ref, level, due, since in session.execute(
        sa.select(E.item_ref, E.level, E.due, E.since).where(E.plan_id == plan.id, E.closed_on.is_(None))
    ):
        if ref not in ladders or ladders[ref].level < level:
            ladders[ref] = LadderView(level, due, since)
    meetings = session.execute(
        sa.select(B.name, MT.date, MT.audience, MT.theme_area_id)
        .where(B.id == MT.board_id, B.plan_id == plan.id)
        .order_by(MT.date)
    ).all()
    board_meetings = Counter(m.name for m in meetings if m.audience == Audience.BOARD)
    secretariats = {
        name: secretariat
        for name, secretariat in session.execute(
            sa.select(B.name, B.secretariat_id).where(B.plan_id == plan.id)
        )
    }
    board = max(sorted(secretariats), key=lambda name: board_meetings.get(name, 0)) if secretariats else None
    return Snapshot(
        plan=plan.name,
        nation=plan.nation,
        items=tuple(items),
        people=views,
        area_leads={code: email[lead] for code, lead in areas.values() if lead is not None},
        ladders=ladders,
        meetings=tuple(
            MeetingView(
                m.name, m.date, Audience(m.audience), areas[m.theme_area_id][0] if m.theme_area_id else None
            )
            for m in meetings
        ),
        board=board,
        board_secretariat=email[secretariats[board]] if board else None,
        dead_notices=_dead_notices(session, plan.name),
    )


def _dead_notices(session: Session, plan: str) -> tuple[tuple[str, str, str], ...]:
    from models.outbox import Notice, NoticeStatus

    N = _columns(Notice)
    rows = session.execute(
        sa.select(N.item_refs, N.recipient, N.last_error)
        .where(N.plan == plan, N.status == NoticeStatus.DEAD.value)
        .order_by(N.id)
    )
    return tuple((refs or "", recipient, error or "") for refs, recipient, error in rows)
