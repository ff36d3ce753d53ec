"""The import's actions and milestones: matched by ref, inserted in bulk, re-baselined (the original due date
kept, the reason recorded), and when missing listed, or with `prune` cancelled, never deleted."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.columns import key_of
from models.ledger.kinds import EventKind
from models.outbox import cancel_pending
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency
from models.plans.import_job import ImportJob
from models.plans.import_people import addresses
from models.vocab import Status


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> dict[str, int]:
    """New items in one statement, without building ORM objects (a plan may bring 10,000 at once).
    Returns their ids by upper-cased ref."""
    if not rows:
        return {}
    # Core executemany, then one SELECT for the ids: faster on PostgreSQL than RETURNING (bench/README.md).
    session.execute(sa.insert(table.__table__), rows)
    wanted = {row["ref"] for row in rows}
    plan_id = rows[0]["plan_id"]
    found = session.execute(sa.select(table.ref, table.id).where(table.plan_id == plan_id))
    return {ref.upper(): item_id for ref, item_id in found if ref in wanted}


def import_actions(
    job: ImportJob, plan_id: int, people: dict[str, Person], areas: dict[str, Area], prune: bool
) -> dict[str, int]:
    session = job.session
    existing = {a.ref.upper(): a for a in session.exec(select(Action).where(Action.plan_id == plan_id))}
    seen: set[str] = set()
    emails = addresses(session, people, {a.owner_id for a in existing.values()})
    codes = {a.id: a.code for a in areas.values()}
    new: list[dict[str, Any]] = []
    for spec in job.spec.actions:
        key = spec.ref.upper()
        seen.add(key)
        fields: dict[str, Any] = {
            "title": spec.title,
            "area_id": key_of(areas[spec.area.upper()]),
            "owner_id": key_of(people[spec.owner_email.lower()]),
            "start": spec.start,
            "status": spec.status,
            "rag": spec.rag,
            "percent": spec.percent,
            "exempt": spec.exempt,
            "notes": spec.notes,
        }
        if spec.last_update is not None:
            fields["last_update_on"] = spec.last_update
        action = existing.get(key)
        if action is None:
            new.append(
                {
                    "plan_id": plan_id,
                    "ref": spec.ref,
                    "original_due": spec.due,
                    "current_due": spec.due,
                    "rebaseline_count": 0,
                    "last_update_on": spec.last_update,
                    **fields,
                }
            )
            shown = {**fields, "area": spec.area, "owner_email": spec.owner_email, "due": spec.due}
            shown.pop("area_id"), shown.pop("owner_id")
            job.added("actions", spec.ref, EventKind.ACTION_ADDED, spec.ref, shown)
            continue
        job.keep_progress(action, fields, spec.last_update)
        if action.current_due != spec.due:
            _rebaseline(job, action, spec.due)
        before_ids = {"area_id": action.area_id, "owner_id": action.owner_id}
        if job.apply("actions", spec.ref, action, fields, EventKind.ACTION_CHANGED, spec.ref):
            _name_ids(job.events[-1].data, before_ids, fields, emails, codes)
            if emails[before_ids["owner_id"]] != emails[fields["owner_id"]]:
                # The old owner is no longer told about it: what was queued for them is withdrawn. (The same
                # address as another row, when the plan now names another organisation, is the same owner.)
                withdrawn = cancel_pending(session, job.spec.name, action.ref, emails[before_ids["owner_id"]])
                job.events[-1].data["notices_withdrawn"] = withdrawn
    for key, action in existing.items():
        if key not in seen:
            _missing(job, "actions", action, prune, EventKind.ACTION_CANCELLED)
    session.flush()
    return {key: key_of(action) for key, action in existing.items()} | _insert(session, Action, new)


def _name_ids(data: Any, before: dict[str, int], after: dict[str, Any], emails: dict, codes: dict) -> None:
    """Ledger events speak in emails and area codes, not database ids."""
    for name, lookup, label in (("owner_id", emails, "owner_email"), ("area_id", codes, "area")):
        if name in data["after"]:
            data["before"].pop(name), data["after"].pop(name)
            data["before"][label], data["after"][label] = lookup.get(before[name]), lookup.get(after[name])


def _rebaseline(job: ImportJob, item: Action, due: date) -> None:
    reason = job.reasons.get(item.ref)
    if not reason:
        job.report.warnings.append(f"{item.ref}: the due date moved without a rebaseline_reason")
    before = item.current_due
    item.current_due = due
    item.rebaseline_count += 1
    job.report.rebaselined.append(item.ref)
    job.event(
        EventKind.DUE_DATE_REBASELINED,
        item.ref,
        {
            "before": {"due": before.isoformat()},
            "after": {"due": due.isoformat()},
            "reason": reason,
            "original_due": item.original_due.isoformat(),
            "rebaseline_count": item.rebaseline_count,
        },
    )


def _missing(job: ImportJob, what: str, item: Action | Milestone, prune: bool, kind: EventKind) -> None:
    job.report.missing[what].append(item.ref)
    if prune and item.status is not Status.CANCELLED:
        before = item.status
        item.status = Status.CANCELLED
        job.report.cancelled.append(item.ref)
        job.event(
            kind,
            item.ref,
            {
                "before": {"status": before.value},
                "after": {"status": Status.CANCELLED.value},
                "reason": "missing from the imported workbook (--prune)",
            },
        )


def import_milestones(
    job: ImportJob, plan_id: int, people: dict[str, Person], actions: dict[str, int], prune: bool
) -> None:
    session = job.session
    existing = {m.ref.upper(): m for m in session.exec(select(Milestone).where(Milestone.plan_id == plan_id))}
    links: dict[int, set[int]] = defaultdict(set)
    ids = [m.id for m in existing.values()]
    for dep in session.exec(
        select(MilestoneDependency).where(col(MilestoneDependency.milestone_id).in_(ids))
    ):
        links[dep.milestone_id].add(dep.action_id)
    wanted: dict[str, set[int]] = {}
    new: list[dict[str, Any]] = []
    for spec in job.spec.milestones:
        key = spec.ref.upper()
        owner = key_of(people[spec.owner_email.lower()])
        fields: dict[str, Any] = {
            "title": spec.title,
            "due": spec.due,
            "owner_id": owner,
            "status": spec.status,
        }
        wanted[key] = {actions[r.upper()] for r in spec.depends_on}
        milestone = existing.get(key)
        if milestone is None:
            new.append({"plan_id": plan_id, "ref": spec.ref, "last_update_on": None, **fields})
            shown = {
                "title": spec.title,
                "due": spec.due,
                "owner_email": spec.owner_email,
                "status": spec.status,
                "depends_on": spec.depends_on,
            }
            job.added("milestones", spec.ref, EventKind.MILESTONE_ADDED, spec.ref, shown)
            continue
        # No last_update column for milestones: after the first update, only updates change the status.
        job.keep_progress(milestone, fields, None)
        job.apply("milestones", spec.ref, milestone, fields, EventKind.MILESTONE_CHANGED, spec.ref)
        current = links[key_of(milestone)]
        if current != wanted[key]:
            refs = {action_id: ref for ref, action_id in actions.items()}
            job.event(
                EventKind.MILESTONE_CHANGED,
                spec.ref,
                {
                    "key": spec.ref,
                    "before": {"depends_on": sorted(refs[i] for i in current)},
                    "after": {"depends_on": sorted(refs[i] for i in wanted[key])},
                },
            )
            if spec.ref not in job.report.changed["milestones"]:
                job.report.changed["milestones"].append(spec.ref)
                job.report.unchanged["milestones"] -= 1
            session.execute(
                sa.delete(MilestoneDependency).where(
                    col(MilestoneDependency.milestone_id) == key_of(milestone),
                    col(MilestoneDependency.action_id).in_(current - wanted[key]),
                )
            )
    for key, milestone in existing.items():
        if key not in wanted:
            _missing(job, "milestones", milestone, prune, EventKind.MILESTONE_CANCELLED)
    session.flush()
    ids_by_ref = {key: key_of(m) for key, m in existing.items()} | _insert(session, Milestone, new)
    added = [
        {"milestone_id": ids_by_ref[key], "action_id": action_id}
        for key, action_ids in wanted.items()
        for action_id in action_ids - links[ids_by_ref[key]]
    ]
    if added:
        session.execute(sa.insert(MilestoneDependency), added)
