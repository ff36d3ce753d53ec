"""The daily sweep, as plain functions: load a plan, decide (pure), persist the decisions as outbox
notices, escalation state and ledger events, all in one transaction per plan.

The Prefect flow and the CLI both call `sweep_plans`; nothing here reads the clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import Policy
from models.calendar import WorkingCalendar
from models.columns import key_of
from models.db import read_session, unit_of_work
from models.escalations import Escalation
from models.ledger import Event, record_many
from models.lookup import plans_named
from models.outbox import Channel, Notice, existing_keys
from models.plan import Plan
from models.rules import Decision, decide
from models.snapshot import People, Snapshot, load_people, load_snapshot


@dataclass
class SweepOutcome:
    plan: str
    as_of: date
    holiday: str | None  # why nothing was decided today (a weekend, a bank holiday, a closure day)
    decided: int = 0  # decisions that apply today, including those already made on an earlier run
    queued: int = 0  # the new ones
    # The new decisions themselves, kept only by a dry run (to show them): a real sweep of 100,000 actions
    # must not hold them all in memory once they are written.
    new: list[Decision] = field(default_factory=list)
    notices: int = 0
    items: int = 0

    @property
    def working_day(self) -> bool:
        return self.holiday is None


def calendar_for(plan: Plan, policy: Policy) -> WorkingCalendar:
    return _calendar(plan.nation, policy.calendar.dates, policy.calendar.every_year)


@lru_cache(maxsize=32)
def _calendar(
    nation: str, closures: tuple[date, ...], every_year: tuple[tuple[int, int], ...]
) -> WorkingCalendar:
    """One calendar per nation and closure list, shared by every plan that uses it (building one costs more
    than sweeping a small plan)."""
    return WorkingCalendar(nation, closures, every_year)


def _not_working(calendar: WorkingCalendar, day: date) -> str | None:
    if calendar.is_working_day(day):
        return None
    return calendar.holiday_name(day) or day.strftime("%A")


def sweep_plans(
    engine: Engine,
    policy: Policy,
    as_of: date,
    *,
    plan_name: str | None = None,
    dry_run: bool = False,
    actor: str = "system:sweep",
) -> list[SweepOutcome]:
    with read_session(engine) as session:
        plans = plans_named(session, plan_name)
        people = load_people(session)
    outcomes = []
    for plan in plans:
        if dry_run:
            with read_session(engine) as session:
                outcomes.append(
                    sweep_plan(session, plan, policy, as_of, actor=actor, persist=False, people=people)
                )
        else:
            with unit_of_work(engine) as session:
                outcomes.append(sweep_plan(session, plan, policy, as_of, actor=actor, people=people))
    return outcomes


def sweep_plan(
    session: Session,
    plan: Plan,
    policy: Policy,
    as_of: date,
    *,
    actor: str,
    persist: bool = True,
    people: People | None = None,
) -> SweepOutcome:
    plan_policy = policy.for_plan(plan.name)
    calendar = calendar_for(plan, plan_policy)
    holiday = _not_working(calendar, as_of)
    outcome = SweepOutcome(plan.name, as_of, holiday)
    if holiday is not None:
        return outcome
    snapshot = load_snapshot(session, plan, people)
    outcome.items = len(snapshot.items)
    decisions = decide(snapshot, plan_policy, calendar, as_of)
    already = existing_keys(session, [d.dedupe_key for d in decisions if d.recipient])
    new = [d for d in decisions if d.dedupe_key not in already]
    outcome.decided, outcome.queued = len(decisions), len(new)
    if not persist:
        outcome.new = new
    if persist and new:
        outcome.notices = _persist(session, key_of(plan), snapshot, new, plan_policy.version, actor, as_of)
    return outcome


def _persist(
    session: Session,
    plan_id: int,
    snapshot: Snapshot,
    new: list[Decision],
    policy_version: str,
    actor: str,
    as_of: date,
) -> int:
    notices: list[dict[str, Any]] = []
    # Owed from the sweep's own morning (07:00 UK time on the day swept), whatever the wall clock says.
    due_from = datetime.combine(as_of, time(7, 0), tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
    raised: dict[tuple[str, int], Decision] = {}
    events = []
    for d in new:
        data = {
            "rule": d.rule,
            "step": d.step,
            "recipient": d.recipient or None,
            "on_behalf_of": d.on_behalf_of,
            "level": d.level,
            "reason": d.reason,
            "policy": policy_version,
            "as_of": as_of.isoformat(),
            "facts": d.facts,
            "dedupe_key": d.dedupe_key,
        }
        events.append(Event(d.kind, actor, d.plan, d.ref, data))
        if d.kind == "EscalationClosed":
            continue
        if d.level > 1:
            raised.setdefault((d.ref, d.level), d)
        if not d.recipient:
            continue
        payload = json.dumps(
            {
                "reason": d.reason,
                "rule": d.rule,
                "level": d.level,
                "ref": d.ref,
                "on_behalf_of": d.on_behalf_of,
                **d.facts,
            },
            sort_keys=True,
            default=str,
        )
        person = snapshot.people.get(d.recipient)
        channels = [Channel.EMAIL] + ([Channel.TEAMS] if person and person.has_teams else [])
        for channel in channels:
            key = d.dedupe_key if channel is Channel.EMAIL else f"{d.dedupe_key}|teams"
            notices.append(
                {
                    "dedupe_key": key,
                    "plan": d.plan,
                    "recipient": d.recipient,
                    "on_behalf_of": d.on_behalf_of,
                    "channel": channel,
                    "kind": d.kind,
                    "item_refs": d.ref,
                    "payload": payload,
                    "not_before": due_from,
                    "urgency": d.urgency,
                }
            )
    closing = {(d.ref, d.due) for d in new if d.kind == "EscalationClosed"}
    if closing:
        open_rows = session.exec(
            select(Escalation).where(Escalation.plan_id == plan_id, col(Escalation.closed_on).is_(None))
        ).all()
        reasons = {(d.ref, d.due): d.reason for d in new if d.kind == "EscalationClosed"}
        for row in open_rows:
            if (row.item_ref, row.due) in closing:
                row.closed_on, row.closed_reason = as_of, reasons[(row.item_ref, row.due)][:200]
    for (ref, level), d in raised.items():
        session.add(
            Escalation(
                plan_id=plan_id,
                item_kind=str(d.facts.get("kind", "action")),
                item_ref=ref,
                due=d.due,
                level=level,
                rule=d.rule,
                reason=d.reason[:1000],
                since=as_of,
            )
        )
    if notices:
        session.execute(sa.insert(Notice.__table__), notices)  # type: ignore[attr-defined]
    session.flush()
    record_many(session, events)
    return len(notices)
