"""Applying a validated plan to the database as a change, never a reload.

Items are matched by ref, people by email, areas by code, boards by name, meetings by board, date and
audience. Every added or changed row writes a ledger event with the fields before and after; a new due
date is a re-baseline (the original is kept, the count goes up, the reason is recorded). Items missing from
the workbook are listed, and with `prune` cancelled, never deleted. A first import is the same code path
against an empty plan.

Who owns which field: the workbook owns an item's structure (title, area, owner, dates, exempt, notes,
milestone dependencies); owners' updates own its progress (PROGRESS below). The workbook's progress applies
to a new item, to an item no one has updated, and to an item whose workbook `last_update` is later than the
day of its latest update. Otherwise an owner's update is newer than what the workbook says: the stored
progress is kept and the difference is a conflict, listed in the report and the ledger (`ProgressKept`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.calendar import local_date
from models.columns import key_of
from models.errors import BadInput
from models.ledger.chain import Event, record_many
from models.meetings import Board, BoardMember, Meeting
from models.outbox import cancel_pending
from models.output.secrets import STORED, redact_url
from models.people import Person, organisation_key
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan, Update
from models.plans.spec import PlanSpec
from models.vocab import Status

SECRET_FIELDS = {"teams_url"}
# The fields an owner's update sets: the workbook's value never replaces a newer update's.
PROGRESS = ("status", "rag", "percent", "last_update_on")
COLUMN_OF = {"last_update_on": "last_update"}


def _said(value: Any) -> str:
    return "(empty)" if value is None else str(value)


@dataclass(frozen=True)
class Conflict:
    """An item whose stored progress (from an update newer than the workbook) was kept."""

    ref: str
    latest_update: date
    kept: dict[str, Any]  # field -> the stored value, kept
    workbook: dict[str, Any]  # field -> the workbook's value, not applied


@dataclass
class ImportReport:
    plan: str
    created: bool
    added: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    changed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missing: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rebaselined: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(map(len, self.added.values())) + sum(map(len, self.changed.values())) + len(self.cancelled)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


def _shown(name: str, value: Any) -> Any:
    return redact_url(value) if name in SECRET_FIELDS else _plain(value)


class _Importer:
    def __init__(self, session: Session, spec: PlanSpec, actor: str, reasons: dict[str, str]) -> None:
        self.session, self.spec, self.actor, self.reasons = session, spec, actor, reasons
        self.events: list[Event] = []
        self.report = ImportReport(spec.name, created=False)
        self.latest: dict[tuple[str, int], date] = {}  # ("a" or "m", item id) -> day of its latest update

    def event(self, kind: str, ref: str | None, data: dict[str, Any]) -> None:
        self.events.append(Event(kind, self.actor, self.spec.name, ref, data))

    def apply(
        self, what: str, key: str, row: Any, wanted: dict[str, Any], kind: str, ref: str | None
    ) -> bool:
        """Set the fields that differ; one event with before and after. Returns whether anything changed."""
        before, after = {}, {}
        for name, value in wanted.items():
            current = getattr(row, name)
            if name in SECRET_FIELDS and value == STORED:
                continue  # an export's placeholder: keep the stored secret
            if _plain(current) != _plain(value):
                before[name], after[name] = _shown(name, current), _shown(name, value)
                setattr(row, name, value)
        if after:
            self.report.changed[what].append(key)
            self.event(kind, ref, {"key": key, "before": before, "after": after})
            return True
        self.report.unchanged[what] += 1
        return False

    def keep_progress(
        self, item: Action | Milestone, fields: dict[str, Any], workbook_day: date | None
    ) -> None:
        """Drop from `fields` the progress an owner's newer update owns, listing each difference."""
        latest = self.latest.get(("a" if isinstance(item, Action) else "m", key_of(item)))
        if latest is None or (workbook_day is not None and workbook_day > latest):
            return  # no update yet, or the workbook's progress is the newer: the workbook's applies
        kept, workbook = {}, {}
        for name in PROGRESS:
            if name in fields:
                value = fields.pop(name)
                if _plain(getattr(item, name)) != _plain(value):
                    column = COLUMN_OF.get(name, name)  # reported as the workbook's column is headed
                    kept[column], workbook[column] = _plain(getattr(item, name)), _plain(value)
        if kept:
            self.report.conflicts.append(Conflict(item.ref, latest, kept, workbook))
            differences = ", ".join(f"{k} {_said(kept[k])} (workbook: {_said(workbook[k])})" for k in kept)
            data = {
                "key": item.ref,
                "latest_update": latest.isoformat(),
                "kept": kept,
                "workbook": workbook,
                "reason": f"the owner's update of {latest.isoformat()} is newer than the workbook: "
                f"kept {differences}",
            }
            self.event("ProgressKept", item.ref, data)

    def added(self, what: str, key: str, kind: str, ref: str | None, fields: dict[str, Any]) -> None:
        self.report.added[what].append(key)
        self.event(kind, ref, {"key": key, **{k: _shown(k, v) for k, v in fields.items()}})


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
    job = _Importer(session, spec, actor, reasons or {})
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
            "PlanCreated",
            None,
            {"organisation": spec.organisation, "nation": spec.nation, "timezone": spec.timezone},
        )
    else:
        job.apply(
            "plan",
            spec.name,
            plan,
            {"organisation": spec.organisation, "nation": spec.nation, "timezone": spec.timezone},
            "PlanChanged",
            None,
        )
    plan_id = key_of(plan)
    job.latest = _latest_updates(session, plan_id, plan.timezone)
    people = _people(job)
    areas = _areas(job, plan_id, people)
    actions = _actions(job, plan_id, people, areas, prune)
    _milestones(job, plan_id, people, actions, prune)
    boards = _boards(job, plan_id, people)
    _meetings(job, boards, areas)
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
        job.events.insert(0, Event("PlanImported", actor, spec.name, None, summary))
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


def _referred(spec: PlanSpec) -> set[str]:
    """Every address the plan's rows name, lower-cased."""
    emails = {p.manager_email for p in spec.people} | {p.deputy_email for p in spec.people}
    emails |= {a.lead_email for a in spec.areas} | {a.owner_email for a in spec.actions}
    emails |= {m.owner_email for m in spec.milestones}
    emails |= {b.secretariat_email for b in spec.boards} | {b.chair_email for b in spec.boards}
    emails |= {e for b in spec.boards for e in b.members}
    return {e.lower() for e in emails if e}


def _people(job: _Importer) -> dict[str, Person]:
    """The people of the organisation the plan names, and no one else's: the same address in another
    organisation is another row, which this workbook can neither see nor change."""
    session, spec = job.session, job.spec
    scope = organisation_key(spec.name, spec.organisation)
    existing = {p.email: p for p in session.exec(select(Person).where(Person.organisation == scope))}
    unknown = sorted(_referred(spec) - existing.keys() - {p.email.lower() for p in spec.people})
    if unknown:
        raise BadInput(
            f"Plan {spec.name!r} names people who are neither on its People sheet nor among the people of "
            f"{spec.organisation or 'the plan'}: {', '.join(unknown[:10])}. "
            "Add a row for each on the People sheet."
        )
    whose = {"organisation": spec.organisation or spec.name}
    new: dict[str, dict[str, Any]] = {}
    for ps in spec.people:
        email = ps.email.lower()
        fields: dict[str, Any] = {
            "name": ps.name,
            "role": ps.role,
            "away_from": ps.away_from,
            "away_to": ps.away_to,
            "teams_url": ps.teams_url,
        }
        person = existing.get(email)
        if person is None:
            if fields["teams_url"] == STORED:
                fields["teams_url"] = None
                job.report.warnings.append(
                    f"{email}: no Teams URL is stored to keep; set teams_url to add one"
                )
            existing[email] = Person(organisation=scope, email=email, **fields)
            session.add(existing[email])
            new[email] = {"email": email, **whose, **fields}
        elif job.apply("people", email, person, fields, "PersonChanged", None):
            job.events[-1].data.update(whose)
    session.flush()
    emails = {p.id: p.email for p in existing.values()}
    for ps in spec.people:
        person = existing[ps.email.lower()]
        links = {
            "manager_id": key_of(existing[ps.manager_email.lower()]) if ps.manager_email else None,
            "deputy_id": key_of(existing[ps.deputy_email.lower()]) if ps.deputy_email else None,
        }
        changed = {k: v for k, v in links.items() if getattr(person, k) != v}
        before = {k.replace("_id", "_email"): emails.get(getattr(person, k)) for k in changed}
        after = {k.replace("_id", "_email"): emails.get(v) for k, v in changed.items()}
        for k, v in changed.items():
            setattr(person, k, v)
        if person.email in new:
            new[person.email].update(after)  # a new person's manager and deputy belong to PersonAdded
        elif changed:
            if person.email not in job.report.changed["people"]:
                job.report.changed["people"].append(person.email)
                job.report.unchanged["people"] -= 1
            data = {"key": person.email, **whose, "before": before, "after": after}
            job.event("PersonChanged", None, data)
    for email, fields in new.items():
        job.added("people", email, "PersonAdded", None, fields)
    return existing


def _addresses(session: Session, people: dict[str, Person], ids: set[int]) -> dict[int, str]:
    """Addresses by person id, including rows of another organisation the plan still points at (a plan
    whose workbook now names another organisation moves to that organisation's people)."""
    emails = {key_of(p): p.email for p in people.values()}
    others = ids - emails.keys()
    if others:
        P = Person.__table__.c  # type: ignore[attr-defined]
        emails |= {i: e for i, e in session.execute(sa.select(P.id, P.email).where(P.id.in_(others)))}
    return emails


def _areas(job: _Importer, plan_id: int, people: dict[str, Person]) -> dict[str, Area]:
    session = job.session
    existing = {a.code.upper(): a for a in session.exec(select(Area).where(Area.plan_id == plan_id))}
    for spec in job.spec.areas:
        lead = key_of(people[spec.lead_email.lower()]) if spec.lead_email else None
        fields: dict[str, Any] = {"code": spec.code, "name": spec.name, "theme": spec.theme, "lead_id": lead}
        area = existing.get(spec.code.upper())
        if area is None:
            area = Area(plan_id=plan_id, **fields)
            session.add(area)
            existing[spec.code.upper()] = area
            job.added("areas", spec.code, "AreaAdded", None, {**fields, "lead_email": spec.lead_email})
        else:
            job.apply("areas", spec.code, area, fields, "AreaChanged", None)
    session.flush()
    return existing


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> dict[str, int]:
    """New items in one statement, without building ORM objects (a plan may bring 10,000 at once).
    Returns their ids by upper-cased ref."""
    if not rows:
        return {}
    # Core executemany, then one SELECT for the ids: three times faster on PostgreSQL than RETURNING.
    session.execute(sa.insert(table.__table__), rows)
    wanted = {row["ref"] for row in rows}
    plan_id = rows[0]["plan_id"]
    found = session.execute(sa.select(table.ref, table.id).where(table.plan_id == plan_id))
    return {ref.upper(): item_id for ref, item_id in found if ref in wanted}


def _actions(
    job: _Importer, plan_id: int, people: dict[str, Person], areas: dict[str, Area], prune: bool
) -> dict[str, int]:
    session = job.session
    existing = {a.ref.upper(): a for a in session.exec(select(Action).where(Action.plan_id == plan_id))}
    seen: set[str] = set()
    emails = _addresses(session, people, {a.owner_id for a in existing.values()})
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
            job.added("actions", spec.ref, "ActionAdded", spec.ref, shown)
            continue
        job.keep_progress(action, fields, spec.last_update)
        if action.current_due != spec.due:
            _rebaseline(job, action, spec.due)
        before_ids = {"area_id": action.area_id, "owner_id": action.owner_id}
        if job.apply("actions", spec.ref, action, fields, "ActionChanged", spec.ref):
            _name_ids(job.events[-1].data, before_ids, fields, emails, codes)
            if emails[before_ids["owner_id"]] != emails[fields["owner_id"]]:
                # The old owner is no longer told about it: what was queued for them is withdrawn. (The same
                # address as another row, when the plan now names another organisation, is the same owner.)
                withdrawn = cancel_pending(session, job.spec.name, action.ref, emails[before_ids["owner_id"]])
                job.events[-1].data["notices_withdrawn"] = withdrawn
    for key, action in existing.items():
        if key not in seen:
            _missing(job, "actions", action, prune, "ActionCancelled")
    session.flush()
    return {key: key_of(action) for key, action in existing.items()} | _insert(session, Action, new)


def _name_ids(data: Any, before: dict[str, int], after: dict[str, Any], emails: dict, codes: dict) -> None:
    """Ledger events speak in emails and area codes, not database ids."""
    for name, lookup, label in (("owner_id", emails, "owner_email"), ("area_id", codes, "area")):
        if name in data["after"]:
            data["before"].pop(name), data["after"].pop(name)
            data["before"][label], data["after"][label] = lookup.get(before[name]), lookup.get(after[name])


def _rebaseline(job: _Importer, item: Action, due: date) -> None:
    reason = job.reasons.get(item.ref)
    if not reason:
        job.report.warnings.append(f"{item.ref}: the due date moved without a rebaseline_reason")
    before = item.current_due
    item.current_due = due
    item.rebaseline_count += 1
    job.report.rebaselined.append(item.ref)
    job.event(
        "DueDateRebaselined",
        item.ref,
        {
            "before": {"due": before.isoformat()},
            "after": {"due": due.isoformat()},
            "reason": reason,
            "original_due": item.original_due.isoformat(),
            "rebaseline_count": item.rebaseline_count,
        },
    )


def _missing(job: _Importer, what: str, item: Action | Milestone, prune: bool, kind: str) -> None:
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


def _milestones(
    job: _Importer, plan_id: int, people: dict[str, Person], actions: dict[str, int], prune: bool
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
            job.added("milestones", spec.ref, "MilestoneAdded", spec.ref, shown)
            continue
        # No last_update column for milestones: after the first update, only updates change the status.
        job.keep_progress(milestone, fields, None)
        job.apply("milestones", spec.ref, milestone, fields, "MilestoneChanged", spec.ref)
        current = links[key_of(milestone)]
        if current != wanted[key]:
            refs = {action_id: ref for ref, action_id in actions.items()}
            job.event(
                "MilestoneChanged",
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
            _missing(job, "milestones", milestone, prune, "MilestoneCancelled")
    session.flush()
    ids_by_ref = {key: key_of(m) for key, m in existing.items()} | _insert(session, Milestone, new)
    added = [
        {"milestone_id": ids_by_ref[key], "action_id": action_id}
        for key, action_ids in wanted.items()
        for action_id in action_ids - links[ids_by_ref[key]]
    ]
    if added:
        session.execute(sa.insert(MilestoneDependency), added)


def _boards(job: _Importer, plan_id: int, people: dict[str, Person]) -> dict[str, Board]:
    session = job.session
    existing = {b.name.upper(): b for b in session.exec(select(Board).where(Board.plan_id == plan_id))}
    for spec in job.spec.boards:
        fields: dict[str, Any] = {
            "name": spec.name,
            "secretariat_id": key_of(people[spec.secretariat_email.lower()]),
            "chair_id": key_of(people[spec.chair_email.lower()]) if spec.chair_email else None,
            "teams_url": spec.teams_url,
        }
        board = existing.get(spec.name.upper())
        if board is None:
            if fields["teams_url"] == STORED:
                fields["teams_url"] = None
                job.report.warnings.append(
                    f"{spec.name}: no Teams URL is stored to keep; set teams_url to add one"
                )
            board = Board(plan_id=plan_id, **fields)
            session.add(board)
            session.flush()
            existing[spec.name.upper()] = board
            job.added(
                "boards",
                spec.name,
                "BoardAdded",
                None,
                {
                    "secretariat_email": spec.secretariat_email,
                    "chair_email": spec.chair_email,
                    "members": spec.members,
                    "teams_url": fields["teams_url"],
                },
            )
        else:
            job.apply("boards", spec.name, board, fields, "BoardChanged", None)
        wanted = {key_of(people[e.lower()]) for e in spec.members}
        current = {
            m.person_id for m in session.exec(select(BoardMember).where(BoardMember.board_id == board.id))
        }
        if wanted != current:
            emails = _addresses(session, people, current)
            if current or spec.name not in job.report.added["boards"]:
                job.event(
                    "BoardChanged",
                    None,
                    {
                        "key": spec.name,
                        "before": {"members": sorted(emails[i] for i in current)},
                        "after": {"members": sorted(emails[i] for i in wanted)},
                    },
                )
            for person_id in current - wanted:
                member = session.get(BoardMember, (key_of(board), person_id))
                if member is not None:
                    session.delete(member)
            session.add_all(BoardMember(board_id=key_of(board), person_id=p) for p in wanted - current)
    session.flush()
    return existing


def _meetings(job: _Importer, boards: dict[str, Board], areas: dict[str, Area]) -> None:
    session = job.session
    board_ids = [key_of(b) for b in boards.values()]
    existing = {
        (m.board_id, m.date, m.audience): m
        for m in session.exec(select(Meeting).where(col(Meeting.board_id).in_(board_ids)))
    }
    for spec in job.spec.meetings:
        board = boards[spec.board.upper()]
        theme = key_of(areas[spec.theme_area.upper()]) if spec.theme_area else None
        key = (key_of(board), spec.date, spec.audience)
        label = f"{spec.board} {spec.date:%d/%m/%Y} ({spec.audience.value})"
        meeting = existing.get(key)
        if meeting is None:
            session.add(
                Meeting(board_id=key_of(board), date=spec.date, audience=spec.audience, theme_area_id=theme)
            )
            job.added(
                "meetings",
                label,
                "MeetingAdded",
                None,
                {"board": spec.board, "date": spec.date, "audience": spec.audience, "theme": spec.theme_area},
            )
        else:
            job.apply("meetings", label, meeting, {"theme_area_id": theme}, "MeetingChanged", None)
    session.flush()
