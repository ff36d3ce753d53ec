"""The programme at a glance, for the console's first page: counts by area and RAG (as packs count them),
the trend over the last packs, who stands on the ladder at each level and since when, the milestones due in
the next 60 working days, and the owners who have not updated. `as_of` is a value; a viewer who may not see
exempt items (models.console.visibility) gets a programme without them, trend included."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from config.policy import Policy
from models.board_packs import Pack
from models.calendar import WorkingCalendar
from models.columns import key_of
from models.console.visibility import hidden_refs, redact
from models.meetings import Board, Meeting
from models.plan import Area, Plan
from models.reports.item_state import ItemState, load_states
from models.reports.ladder import open_escalations
from models.vocab import RAG_COUNTS, Audience, ItemKind

MILESTONE_WINDOW = 60  # working days ahead
TREND_POINTS = 12


@dataclass(frozen=True)
class AreaCounts:
    code: str
    name: str
    counts: dict[str, int]  # RAG_COUNTS -> actions

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class TrendPoint:
    meeting: date
    board: str
    audience: str
    counts: dict[str, int]


@dataclass(frozen=True)
class Rung:
    ref: str
    title: str
    level: int
    since: date
    rule: str
    reason: str


@dataclass(frozen=True)
class Silent:
    """An owner of open items with no update for the policy's stale days, or never."""

    name: str
    email: str
    items: int
    oldest_ref: str  # the item longest without an update (never updated first)
    days: int | None  # working days since its last update; None: never updated


@dataclass(frozen=True)
class Programme:
    plan: str
    as_of: date
    areas: tuple[AreaCounts, ...]
    total: dict[str, int]
    trend: tuple[TrendPoint, ...]
    ladder: tuple[Rung, ...]  # highest level first, then longest there
    milestones: tuple[ItemState, ...]
    silent: tuple[Silent, ...]
    stale_days: int


def load_programme(
    session: Session,
    plan: Plan,
    policy: Policy,
    calendar: WorkingCalendar,
    as_of: date,
    *,
    exempt_visible: bool,
) -> Programme:
    escalations = open_escalations(session, [plan])
    levels = {(e.kind, e.ref): e.level for e in escalations}  # open_escalations keeps each item's highest
    states = load_states(session, plan, policy, calendar, as_of, exempt_visible=exempt_visible, levels=levels)
    names = dict(session.execute(_AREA_NAMES, {"plan": plan.id}).all())
    hidden = hidden_refs(session, key_of(plan), exempt_visible)
    wanted = {(e.kind, e.ref) for e in escalations}
    titles = {
        (s.row.kind.value, s.row.ref): s.row.title for s in states if (s.row.kind.value, s.row.ref) in wanted
    }
    ladder = [
        Rung(e.ref, titles[(e.kind, e.ref)], e.level, e.since, e.rule, redact(e.reason, hidden))
        for e in escalations
        if (e.kind, e.ref) in titles  # an exempt item the viewer may not see stays off
    ]
    horizon = calendar.add_working_days(as_of, MILESTONE_WINDOW)
    actions = [s for s in states if s.row.kind is ItemKind.ACTION]
    milestones = [s for s in states if s.row.kind is ItemKind.MILESTONE and as_of <= s.row.due <= horizon]
    return Programme(
        plan=plan.name,
        as_of=as_of,
        areas=area_counts(actions, names),
        total=_counts(s.counted for s in actions),
        trend=load_trend(session, plan, exempt_visible),
        ladder=tuple(ladder),
        milestones=tuple(milestones),
        silent=silent_owners(states, calendar, as_of, policy.stale.request_after_days),
        stale_days=policy.stale.request_after_days,
    )


_AREAS: sa.Table = Area.__table__  # type: ignore[attr-defined]
_AREA_NAMES = sa.select(_AREAS.c.code, _AREAS.c.name).where(_AREAS.c.plan_id == sa.bindparam("plan"))


def _counts(values: Any) -> dict[str, int]:
    found = Counter(values)
    return {rag: found.get(rag, 0) for rag in RAG_COUNTS}


def area_counts(states: list[ItemState], names: dict[str, str]) -> tuple[AreaCounts, ...]:
    """Every area of the plan, with none of its actions counted when it has none the viewer may see (`states`:
    the actions')."""
    by_area: dict[str, list[str | None]] = {code: [] for code in names}
    for s in states:
        if s.row.area is not None:
            by_area.setdefault(s.row.area, []).append(s.counted)
    return tuple(AreaCounts(code, names.get(code, code), _counts(v)) for code, v in sorted(by_area.items()))


def silent_owners(
    states: list[ItemState], calendar: WorkingCalendar, as_of: date, stale_days: int
) -> tuple[Silent, ...]:
    """Longest silent first; an owner who never updated an open item comes before any who did."""
    quiet: dict[str, list[tuple[int | None, ItemState]]] = {}
    since: dict[date, int] = {}  # a plan's updates fall on a few hundred days
    for s in states:
        if not s.row.status.is_open:
            continue
        last, days = s.last_update, None
        if last is not None:
            if last > as_of:
                continue
            days = since.get(last)
            if days is None:
                days = since[last] = calendar.count_between(last, as_of)
            if days < stale_days:
                continue
        quiet.setdefault(s.row.owner, []).append((days, s))
    found = []
    for email, items in quiet.items():
        days, oldest = min(items, key=lambda pair: (pair[0] is not None, -(pair[0] or 0), pair[1].row.ref))
        found.append(Silent(oldest.row.owner_name, email, len(items), oldest.row.ref, days))
    return tuple(sorted(found, key=lambda s: (s.days is not None, -(s.days or 0), s.email)))


def load_trend(session: Session, plan: Plan, exempt_visible: bool) -> tuple[TrendPoint, ...]:
    """One point per pack (of a meeting's versions, the one sent, else the latest), oldest first, the last
    TREND_POINTS. A viewer who may not see exempt items gets public packs only: they were counted without."""
    query = _TREND if exempt_visible else _PUBLIC_TREND
    chosen: dict[tuple[date, str, str], Any] = {}
    for r in session.execute(query, {"plan": plan.id}):
        key = (r.date, r.name, r.audience)
        kept = chosen.get(key)
        if kept is None or r.published_at is not None or kept.published_at is None:
            chosen[key] = r
    points = [TrendPoint(r.date, r.name, str(r.audience), _counts_of(r.counts)) for r in chosen.values()]
    return tuple(points[-TREND_POINTS:])


def _trend_query() -> sa.Select[Any]:
    packs: sa.Table = Pack.__table__  # type: ignore[attr-defined]
    meetings: sa.Table = Meeting.__table__  # type: ignore[attr-defined]
    boards: sa.Table = Board.__table__  # type: ignore[attr-defined]
    K, MT, B = packs.c, meetings.c, boards.c
    return (
        sa.select(MT.date, B.name, K.audience, K.version, K.published_at, K.summary["counts"].label("counts"))
        .select_from(packs.join(meetings, K.meeting_id == MT.id).join(boards, MT.board_id == B.id))
        .where(K.plan_id == sa.bindparam("plan"))
        .order_by(MT.date, B.name, K.audience, K.version)
    )


_TREND = _trend_query()
_PUBLIC_TREND = _TREND.where(Pack.__table__.c.audience == Audience.PUBLIC.value)  # type: ignore[attr-defined]


def _counts_of(stored: Any) -> dict[str, int]:
    counts = stored if isinstance(stored, dict) else {}
    return {rag: int(counts.get(rag) or 0) for rag in RAG_COUNTS}
