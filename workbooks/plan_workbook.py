"""The workbook front door: import a plan (validated first, all or nothing) and export one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.columns import key_of
from models.db import unit_of_work
from models.ledger import Head, format_at, head
from models.lookup import find_plan
from models.meetings import Board, BoardMember, Meeting
from models.people import Person, organisation_key
from models.plan import Action, Area, Milestone, MilestoneDependency, Update
from models.plan_import import ImportReport, import_plan
from models.secrets import STORED
from workbooks.reader import read_workbook
from workbooks.validate import validate


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
    engine: Engine, path: Path, *, actor: str, dry_run: bool = False, prune: bool = False
) -> ImportOutcome:
    with Session(engine) as session:

        def known(plan: str, organisation: str | None) -> list[str]:
            """People the workbook may name without a People row: its own organisation's, no one else's."""
            scope = organisation_key(plan, organisation)
            return list(session.exec(select(Person.email).where(Person.organisation == scope)))

        # The raw cells are dropped as soon as they are validated: on a plan of 100,000 actions they are
        # half of the import's memory, and nothing after validation reads them.
        valid = validate(read_workbook(path), known)
    source = {"file": path.name, "sha256": _digest(path)}
    # A dry run does everything a real import does, inside a transaction it then rolls back.
    with unit_of_work(engine, rollback=dry_run) as session:
        report = import_plan(
            session,
            valid.plan,
            actor=actor,
            reasons=valid.rebaseline_reasons,
            prune=prune,
            source=str(source),
        )
    return ImportOutcome(report, valid.warnings + report.warnings, dry_run)


def export_workbook(engine: Engine, path: Path, plan_name: str | None) -> Head | None:
    """The plan in the import format (importing it back changes nothing), plus an Updates sheet. Secret
    URLs are written as "(stored)": the import keeps what is stored."""
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
    ]
    write_export(path, sheets, update_rows, intro)
    return anchor


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
