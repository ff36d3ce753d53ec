"""Loading what the sweep looks at (`models.sweep.views`): every plan's open items, people, ladders and
meetings in a handful of queries (never one per item), so that the rules then need no session."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from models.columns import columns_of, key_of
from models.meetings import Board, Meeting
from models.outbox import NOT_A_PLANS_OWN, Notice, NoticeStatus
from models.people import Person, organisation_key
from models.plan import Area, Plan
from models.sweep.forecasts import ForecastWindow, load_forecast_inputs
from models.sweep.views import ItemView, LadderView, MeetingView, PersonView, Snapshot
from models.vocab import RAG, Audience, ItemKind, Status

# The views live in `views.py`, beside the rules, which import no database code; older imports read them here.
__all__ = [
    "ItemView",
    "LadderView",
    "MeetingView",
    "People",
    "PersonView",
    "Snapshot",
    "board_secretariat",
    "load_people",
    "load_snapshot",
    "load_snapshots",
]

OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
_STATUS = {s.value: s for s in Status}
_RAG: dict[str | None, RAG | None] = {None: None, **{r.value: r for r in RAG}}


_OPEN_SQL = "(" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")"


def _ints(values: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")"


def _raw_rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    """Plain tuples straight from the driver's cursor for the biggest reads (typed rows cost more than the
    read itself). Only integers and our own constants are ever written into `sql`, never a user's text."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


class _Dates(dict[Any, Any]):
    """Dates from raw column values (strings on SQLite, dates on PostgreSQL), each converted once: a lookup
    that hits costs no Python call."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, value: Any) -> date:
        found = self[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return found


def _main_board(boards: Sequence[str], board_meetings: Sequence[str]) -> str | None:
    """The Improvement Board: of a plan's boards, the one that holds the most board meetings."""
    held = Counter(board_meetings)
    return max(sorted(boards), key=lambda name: held.get(name, 0)) if boards else None


def board_secretariat(session: Session, plan_id: int) -> str | None:
    """The address of the secretariat of the plan's Improvement Board, read on its own: when the plan's
    sweep has failed, its snapshot may be the very thing that cannot be read."""
    B, MT, P = (columns_of(t) for t in (Board, Meeting, Person))
    secretariats = dict(
        session.execute(
            sa.select(B.name, P.email).where(B.plan_id == plan_id, P.id == B.secretariat_id)
        ).all()
    )
    held = session.execute(
        sa.select(B.name).where(B.plan_id == plan_id, MT.board_id == B.id, MT.audience == Audience.BOARD)
    ).scalars()
    board = _main_board(list(secretariats), list(held))
    return secretariats[board] if board else None


@dataclass(frozen=True)
class People:
    """Everyone, read once per sweep and shared by every plan's snapshot: each plan sees only the people of
    its own organisation, so an address in two organisations has two managers, deputies and Teams URLs."""

    email_by_id: dict[int, str]
    by_organisation: dict[str, dict[str, PersonView]]

    def of(self, plan: Plan) -> dict[str, PersonView]:
        return self.by_organisation.get(organisation_key(plan.name, plan.organisation), {})


def load_people(session: Session) -> People:
    """Everyone, as plain tuples from the driver's cursor (an estate has thousands of people, read on every
    sweep: typed rows cost as much again as the read)."""
    rows = _raw_rows(
        session,
        "SELECT id, organisation, email, name, manager_id, deputy_id, away_from, away_to, teams_url "
        "FROM person",
    )
    email = {row[0]: row[2] for row in rows}
    day = _Dates()
    views: dict[str, dict[str, PersonView]] = {}
    for _, organisation, address, name, manager, deputy, away_from, away_to, teams in rows:
        views.setdefault(organisation, {})[address] = PersonView(
            address,
            name,
            email.get(manager),
            email.get(deputy),
            day[away_from],
            day[away_to],
            bool(teams),
        )
    return People(email, views)


def load_snapshot(session: Session, plan: Plan, people: People | None = None) -> Snapshot:
    return load_snapshots(session, [plan], people or load_people(session))[key_of(plan)]


def load_snapshots(
    session: Session, plans: Sequence[Plan], people: People, forecasting: ForecastWindow | None = None
) -> dict[int, Snapshot]:
    """The snapshots of several plans in seven queries in all, whatever the number of plans or items: the
    sweep's reading should cost about what a bare scan of the same columns costs."""
    AR, B, MT, N = (columns_of(t) for t in (Area, Board, Meeting, Notice))
    ids = [key_of(plan) for plan in plans]
    email = people.email_by_id
    areas: dict[int, tuple[str, int | None]] = {}
    leads: dict[int, dict[str, str]] = {plan_id: {} for plan_id in ids}
    for area_id, plan_id, code, lead in session.execute(
        sa.select(AR.id, AR.plan_id, AR.code, AR.lead_id).where(AR.plan_id.in_(ids))
    ):
        areas[area_id] = (code, lead)
        if lead is not None:
            leads[plan_id][code] = email[lead]
    items: dict[int, list[ItemView]] = {plan_id: [] for plan_id in ids}
    action_kind, day, new = ItemKind.ACTION, _Dates(), tuple.__new__
    codes = {area_id: code for area_id, (code, _) in areas.items()}
    # Untyped rows converted here through small caches: this loop runs once per open action of every plan,
    # and the few hundred distinct dates and handful of statuses need converting only once each. Each view
    # is made from a tuple in ItemView's field order (what `_make` does, less its call): keyword arguments
    # cost three times as much.
    rows = _raw_rows(
        session,
        "SELECT plan_id, ref, title, owner_id, current_due, status, area_id, original_due, rebaseline_count, "
        "rag, percent, last_update_on, start, consecutive_reds, exempt FROM action "
        f"WHERE plan_id IN {_ints(ids)} AND status IN {_OPEN_SQL}",
    )
    for (
        plan_id,
        ref,
        title,
        owner,
        due,
        status,
        area,
        original,
        rebaselines,
        rag,
        percent,
        last,
        start,
        reds,
        exempt,
    ) in rows:
        items[plan_id].append(
            new(
                ItemView,
                (
                    action_kind,
                    ref,
                    title,
                    email[owner],
                    day[due],
                    _STATUS[status],
                    codes[area],
                    day[original],
                    rebaselines,
                    _RAG[rag],
                    percent,
                    day[last],
                    day[start],
                    reds,
                    (),
                    bool(exempt),
                ),
            )
        )
    in_plans = f"plan_id IN {_ints(ids)} AND status IN {_OPEN_SQL}"
    milestones = _raw_rows(
        session,
        "SELECT id, plan_id, ref, title, owner_id, due, status, last_update_on FROM milestone "
        f"WHERE {in_plans}",
    )
    depends: dict[int, list[str]] = {}
    if milestones:
        # A milestone depends on actions of its own plan only (the import resolves its refs in the plan):
        # saying so lets PostgreSQL read the batch's actions through their plan's index, where it read the
        # whole action table for every batch.
        for milestone_id, ref in _raw_rows(
            session,
            "SELECT d.milestone_id, a.ref FROM milestonedependency d JOIN action a ON a.id = d.action_id "
            f"WHERE d.milestone_id IN (SELECT id FROM milestone WHERE {in_plans}) "
            f"AND a.plan_id IN {_ints(ids)}",
        ):
            depends.setdefault(milestone_id, []).append(ref)
    milestone_kind = ItemKind.MILESTONE
    for milestone_id, plan_id, ref, title, owner, due, status, last in milestones:
        due = day[due]
        # In ItemView's field order, as the actions above: a milestone has no area, RAG or progress.
        items[plan_id].append(
            new(
                ItemView,
                (
                    milestone_kind,
                    ref,
                    title,
                    email[owner],
                    due,
                    _STATUS[status],
                    None,  # area
                    due,  # original_due
                    0,  # rebaseline_count
                    None,  # rag
                    0,  # percent
                    day[last],
                    None,  # start
                    0,  # consecutive_reds
                    tuple(sorted(depends.get(milestone_id, ()))),
                    False,  # exempt
                ),
            )
        )
    ladders: dict[int, dict[str, LadderView]] = {plan_id: {} for plan_id in ids}
    for plan_id, ref, level, due, since in _raw_rows(
        session,
        f"SELECT plan_id, item_ref, level, due, since FROM escalation WHERE plan_id IN {_ints(ids)} "
        "AND closed_on IS NULL",
    ):
        plan_ladders = ladders[plan_id]
        if ref not in plan_ladders or plan_ladders[ref].level < level:
            plan_ladders[ref] = new(LadderView, (level, day[due], day[since]))  # as the items: no Python call
    meetings: dict[int, list[Any]] = {plan_id: [] for plan_id in ids}
    for row in session.execute(
        sa.select(B.plan_id, B.name, MT.date, MT.audience, MT.theme_area_id)
        .where(B.id == MT.board_id, B.plan_id.in_(ids))
        .order_by(MT.date)
    ):
        meetings[row.plan_id].append(row)
    secretariats: dict[int, dict[str, int]] = {plan_id: {} for plan_id in ids}
    for plan_id, name, secretariat in session.execute(
        sa.select(B.plan_id, B.name, B.secretariat_id).where(B.plan_id.in_(ids))
    ):
        secretariats[plan_id][name] = secretariat
    names = {key_of(plan): plan.name for plan in plans}
    dead: dict[str, list[tuple[str, str, str]]] = {name: [] for name in names.values()}
    for plan_name, refs, recipient, error in session.execute(
        sa.select(N.plan, N.item_refs, N.recipient, N.last_error)
        .where(N.plan.in_(list(dead)), N.status == NoticeStatus.DEAD.value, N.kind.not_in(NOT_A_PLANS_OWN))
        .order_by(N.id)
    ):
        dead[plan_name].append((refs or "", recipient, error or ""))
    inputs = load_forecast_inputs(session, forecasting) if forecasting else None  # two more queries
    snapshots = {}
    for plan in plans:
        plan_id = key_of(plan)
        boards = secretariats[plan_id]
        board = _main_board(list(boards), [m.name for m in meetings[plan_id] if m.audience == Audience.BOARD])
        snapshots[plan_id] = Snapshot(
            plan=plan.name,
            nation=plan.nation,
            items=tuple(items[plan_id]),
            people=people.of(plan),
            area_leads=leads[plan_id],
            ladders=ladders[plan_id],
            meetings=tuple(
                MeetingView(
                    m.name,
                    m.date,
                    Audience(m.audience),
                    areas[m.theme_area_id][0] if m.theme_area_id else None,
                )
                for m in meetings[plan_id]
            ),
            board=board,
            board_secretariat=email[boards[board]] if board else None,
            dead_notices=tuple(dead[plan.name]),
            histories=inputs.histories.get(plan_id, {}) if inputs else {},
            forecast_told=inputs.told.get(plan_id, {}) if inputs else {},
            forecast_leads=inputs.leads.get(plan_id, {}) if inputs else {},
        )
    return snapshots
