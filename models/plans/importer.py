"""Applying a validated plan to the database as a change, never a reload (the public entry point), so a
re-import records only what moved; a first import is the same path against an empty plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.calendar import local_date
from models.columns import key_of
from models.ledger.chain import Event, record_many
from models.ledger.kinds import EventKind
from models.plan import Plan, Update
from models.plans.import_boards import import_boards, import_meetings
from models.plans.import_items import import_actions, import_milestones
from models.plans.import_job import Conflict, ImportJob, ImportReport
from models.plans.import_people import import_areas, import_people
from models.plans.spec import PlanSpec

__all__ = ["Conflict", "ImportReport", "import_plan"]


def import_plan(
    session: Session,
    spec: PlanSpec,
    *,
    actor: str,
    reasons: dict[str, str] | None = None,
    prune: bool = False,
    source: dict[str, str] | None = None,
    effective: datetime | None = None,
) -> ImportReport:
    """`effective`: the moment the import speaks for, when not the moment it is written (the demo replays
    2017 today); recorded in every event as `effective_at`, so a pack of an earlier day leaves it out."""
    job = ImportJob(session, spec, actor, reasons or {})
    plan = session.exec(select(Plan).where(Plan.name == spec.name)).first()
    if plan is None:
        plan = Plan(
            name=spec.name, organisation=spec.organisation, nation=spec.nation, timezone=spec.timezone
        )
        session.add(plan)
        session.flush()
        job.report.created = True
        job.added(
            "plan",
            spec.name,
            EventKind.PLAN_CREATED,
            None,
            {"organisation": spec.organisation, "nation": spec.nation, "timezone": spec.timezone},
        )
    else:
        job.apply(
            "plan",
            spec.name,
            plan,
            {"organisation": spec.organisation, "nation": spec.nation, "timezone": spec.timezone},
            EventKind.PLAN_CHANGED,
            None,
        )
    plan_id = key_of(plan)
    job.latest = _latest_updates(session, plan_id, plan.timezone)
    people = import_people(job)
    areas = import_areas(job, plan_id, people)
    actions = import_actions(job, plan_id, people, areas, prune)
    import_milestones(job, plan_id, people, actions, prune)
    boards = import_boards(job, plan_id, people)
    import_meetings(job, boards, areas)
    r = job.report
    summary = {
        "source": source,
        "created": r.created,
        "prune": prune,
        "added": {k: len(v) for k, v in r.added.items()},
        "changed": {k: len(v) for k, v in r.changed.items()},
        "unchanged": dict(r.unchanged),
        "missing": {k: v for k, v in r.missing.items()},
        "rebaselined": r.rebaselined,
        "cancelled": r.cancelled,
        "conflicts": [c.ref for c in r.conflicts],
    }
    # An import that changes nothing and keeps no newer update leaves no trace, not even a new ledger head.
    if job.events:
        job.events.insert(0, Event(EventKind.PLAN_IMPORTED, actor, spec.name, None, summary))
        if effective is not None:
            for event in job.events:
                event.data["effective_at"] = effective.isoformat()
        record_many(session, job.events)
    return r


def _latest_updates(session: Session, plan_id: int, timezone: str) -> dict[tuple[str, int], date]:
    """The day (in the plan's zone) of each item's latest update, by ("a", action id) or ("m", its id)."""
    rows = session.execute(
        sa.select(col(Update.action_id), col(Update.milestone_id), sa.func.max(col(Update.at)))
        .where(col(Update.plan_id) == plan_id)
        .group_by(col(Update.action_id), col(Update.milestone_id))
    )
    latest: dict[tuple[str, int], date] = {}
    for action_id, milestone_id, at in rows:
        if isinstance(at, str):  # SQLite's MAX() hands back the stored text
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)  # stored in UTC
        key = ("a", action_id) if action_id is not None else ("m", milestone_id)
        latest[key] = local_date(at, timezone)
    return latest
