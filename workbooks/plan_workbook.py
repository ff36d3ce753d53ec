"""The workbook front door: import a plan (validated first, all or nothing) and export one."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.calendar import WorkingCalendar, local_date
from models.columns import key_of
from models.db import unit_of_work
from models.escalations import Escalation
from models.ledger.chain import Head, format_at, head
from models.meetings import Board, BoardMember, Meeting
from models.output.secrets import STORED
from models.people import Person, organisation_key
from models.plan import Action, Area, Milestone, MilestoneDependency, Update
from models.plans.importer import ImportReport, import_plan
from models.plans.lookup import find_plan
from models.sweep.rules import derived_rag
from models.vocab import ItemKind, Status, plural
from workbooks.reader import read_workbook
from workbooks.validate import validate

if TYPE_CHECKING:
    from config.policy import Policy

Say = Callable[[str], None]  # tells the person waiting what the import is doing (a progress line)


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class ImportOutcome:
    report: ImportReport
    warnings: list[str]
    dry_run: bool


def _digest(path: Path) -> str:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_workbook(
    engine: Engine,
    path: Path,
    *,
    actor: str,
    dry_run: bool = False,
    prune: bool = False,
    say: Say = _quiet,
    effective: datetime | None = None,
) -> ImportOutcome:
    with Session(engine) as session:

        def known(plan: str, organisation: str | None) -> list[str]:
            """People the workbook may name without a People row: its own organisation's, no one else's."""
            scope = organisation_key(plan, organisation)
            return list(session.exec(select(Person.email).where(Person.organisation == scope)))

        # The raw cells are dropped as soon as they are validated: on a plan of 100,000 actions they are
        # half of the import's memory, and nothing after validation reads them.
        say(f"Reading {path.name}")
        raw = read_workbook(path, say)
        say(f"Checking {plural(sum(len(s.cells) for s in raw.sheets.values()), 'row')}")
        valid = validate(raw, known)
    say(f"Applying {plural(len(valid.plan.actions) + len(valid.plan.milestones), 'item')}")
    source = {"file": path.name, "sha256": _digest(path)}
    # A dry run does everything a real import does, inside a transaction it then rolls back.
    with unit_of_work(engine, rollback=dry_run) as session:
        report = import_plan(
            session,
            valid.plan,
            actor=actor,
            reasons=valid.rebaseline_reasons,
            prune=prune,
            source=source,  # a mapping in the ledger, never its Python repr
            effective=effective,
        )
    return ImportOutcome(report, valid.warnings + report.warnings, dry_run)


def export_workbook(
    engine: Engine,
    path: Path,
    plan_name: str | None,
    *,
    as_of: date | None = None,
    policy: Policy | None = None,
) -> Head | None:
    """The plan in the import format (importing it back changes nothing), plus an Updates sheet. Secret
    URLs are written as "(stored)": the import keeps what is stored. The export-only columns (derived RAG,
    escalation level, working days overdue) are as of `as_of` (default: today in the plan's zone), by
    `policy` (default: the policy file's)."""
    from workbooks.writer import write_export

    with Session(engine) as session:
        plan = find_plan(session, plan_name)
        anchor = head(session)
        people = {key_of(p): p for p in session.exec(select(Person))}
        areas = {
            a.id: a
            for a in session.exec(select(Area).where(Area.plan_id == plan.id).order_by(col(Area.code)))
        }
        actions = list(
            session.exec(select(Action).where(Action.plan_id == plan.id).order_by(col(Action.ref)))
        )
        milestones = list(
            session.exec(select(Milestone).where(Milestone.plan_id == plan.id).order_by(col(Milestone.ref)))
        )
        action_refs = {a.id: a.ref for a in actions}
        depends: dict[int, list[str]] = {}
        for dep in session.exec(
            select(MilestoneDependency).where(
                col(MilestoneDependency.milestone_id).in_([m.id for m in milestones])
            )
        ):
            depends.setdefault(dep.milestone_id, []).append(action_refs[dep.action_id])
        boards = list(session.exec(select(Board).where(Board.plan_id == plan.id).order_by(col(Board.name))))
        members: dict[int, list[str]] = {}
        board_members = list(
            session.exec(select(BoardMember).where(col(BoardMember.board_id).in_([b.id for b in boards])))
        )
        for member in board_members:
            members.setdefault(member.board_id, []).append(people[member.person_id].email)
        board_names = {b.id: b.name for b in boards}
        meetings = list(
            session.exec(
                select(Meeting)
                .where(col(Meeting.board_id).in_(list(board_names)))
                .order_by(col(Meeting.date))
            )
        )
        updates = list(
            session.exec(
                select(Update).where(Update.plan_id == plan.id).order_by(col(Update.at), col(Update.id))
            )
        )
        levels = _open_levels(session, key_of(plan))
    calendar = WorkingCalendar(plan.nation)
    day = as_of or local_date(datetime.now(UTC), plan.timezone)
    if policy is None:
        from config.policy import load_policy

        policy = load_policy()

    def overdue(due: date, status: Status) -> int | None:
        return None if status.is_done or status in SET_ASIDE else max(0, -calendar.count_between(day, due))

    def level(kind: str, ref: str, due: date) -> int | None:
        return levels.get((kind, ref, due))

    def email(person_id: int | None) -> str | None:
        return people[person_id].email if person_id is not None else None

    member_ids = {m.person_id for m in board_members}
    used = _people_of(plan.id, areas, actions, milestones, boards, member_ids, people)
    sheets: dict[str, list[list[Any]]] = {
        "Plan": [[plan.name, plan.organisation, plan.nation, plan.timezone]],
        "People": [
            [
                p.email,
                p.name,
                p.role,
                email(p.manager_id),
                email(p.deputy_id),
                p.away_from,
                p.away_to,
                STORED if p.teams_url else None,
            ]
            for p in sorted(used, key=lambda p: p.email)
        ],
        "Areas": [[a.code, a.name, a.theme, email(a.lead_id)] for a in areas.values()],
        "Actions": [
            [
                a.ref,
                a.title,
                areas[a.area_id].code,
                email(a.owner_id),
                a.current_due,
                a.start,
                a.status.value,
                a.rag.value if a.rag else None,
                a.percent,
                "Y" if a.exempt else "N",
                a.last_update_on,
                None,
                a.notes,
                a.original_due,
                a.rebaseline_count,
                _derived_rag(a, calendar, day, policy),
                level(ItemKind.ACTION.value, a.ref, a.current_due),
                overdue(a.current_due, a.status),
            ]
            for a in actions
        ],
        "Milestones": [
            [
                m.ref,
                m.title,
                m.due,
                email(m.owner_id),
                "; ".join(sorted(depends.get(m.id or 0, []))),
                m.status.value,
                level(ItemKind.MILESTONE.value, m.ref, m.due),
                overdue(m.due, m.status),
            ]
            for m in milestones
        ],
        "Boards": [
            [
                b.name,
                email(b.secretariat_id),
                email(b.chair_id),
                "; ".join(sorted(members.get(b.id or 0, []))),
                STORED if b.teams_url else None,
            ]
            for b in boards
        ],
        "Meetings": [
            [
                board_names[m.board_id],
                m.date,
                areas[m.theme_area_id].code if m.theme_area_id else None,
                m.audience.value,
            ]
            for m in meetings
        ],
    }
    refs = {**{("a", a.id): a.ref for a in actions}, **{("m", m.id): m.ref for m in milestones}}
    update_rows = [
        [
            refs[("a", u.action_id)] if u.action_id else refs[("m", u.milestone_id)],
            u.at.astimezone(UTC).replace(tzinfo=None),
            email(u.author_id),
            u.status.value if u.status else None,
            u.rag.value if u.rag else None,
            u.percent,
            u.commentary,
            u.evidence_url,
        ]
        for u in updates
    ]
    intro = [
        f"{plan.name}: exported by Line of Sight",
        f"Exported at {format_at(datetime.now(UTC))}; audit ledger head {anchor or '(empty)'} "
        "(check it with: lineofsight audit verify --head SEQ:HASH).",
        "Import this workbook back with `lineofsight import`: unchanged rows change nothing.",
        "Teams URLs are secrets and are written as (stored): the import keeps the stored value.",
        f"derived_rag, escalation_level and working_days_overdue are as of {day:%d/%m/%Y}, for reading: "
        "the import ignores them.",
        "On re-import the workbook's progress (status, RAG, percent, last update) applies only where no "
        "owner's update is newer; each such difference is listed and the update's values are kept.",
    ]
    write_export(path, sheets, update_rows, intro)
    return anchor


SET_ASIDE = (Status.DEFERRED, Status.CANCELLED)


def _open_levels(session: Session, plan_id: int) -> dict[tuple[str, str, date], int]:
    """The level of each item's open escalation, by (kind, ref, due date it belongs to)."""
    levels: dict[tuple[str, str, date], int] = {}
    for e in session.exec(
        select(Escalation).where(Escalation.plan_id == plan_id, col(Escalation.closed_on).is_(None))
    ):
        key = (e.item_kind, e.item_ref, e.due)
        levels[key] = max(levels.get(key, 0), e.level)
    return levels


def _derived_rag(a: Action, calendar: WorkingCalendar, as_of: date, policy: Policy) -> str:
    """The RAG a pack would print for the action on `as_of` (models.sweep.rules.derived_rag)."""
    if a.status in SET_ASIDE:
        return a.status.value
    last = a.last_update_on or a.start
    since = calendar.count_between(last, as_of) if last and last <= as_of else None
    return derived_rag(a, calendar.working_days_to_due(as_of, a.current_due), since, policy)


def _people_of(
    plan_id: Any,
    areas: dict,
    actions: list,
    milestones: list,
    boards: list,
    members: set[int],
    people: dict[int, Person],
) -> list[Person]:
    """Everyone the plan refers to, and the managers and deputies they refer to in turn."""
    ids = (
        {a.lead_id for a in areas.values()} | {a.owner_id for a in actions} | {m.owner_id for m in milestones}
    )
    ids |= {b.secretariat_id for b in boards} | {b.chair_id for b in boards}
    ids |= members  # by id: the same address may belong to another organisation too
    ids.discard(None)
    pending = list(ids)
    while pending:
        person = people[pending.pop()]
        for linked in (person.manager_id, person.deputy_id):
            if linked is not None and linked not in ids:
                ids.add(linked)
                pending.append(linked)
    return [people[i] for i in ids]
