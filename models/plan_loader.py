"""Turns a validated PlanSpec into rows, with one ledger event for the plan and one for each item.

The spec must already be valid (references resolve, refs unique): the workbook import and the demo both
validate first, so a failure here is a bug, and the unit of work rolls everything back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from models.columns import key_of
from models.errors import BadInput
from models.ledger import Event, record_many
from models.meetings import Board, BoardMember, Meeting
from models.people import Person
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan
from models.plan_spec import PlanSpec
from models.vocab import Audience, Status


@dataclass(frozen=True)
class LoadSummary:
    plan: str
    people_added: int
    areas: int
    actions: int
    milestones: int
    boards: int
    meetings: int


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Status | Audience) or hasattr(value, "value"):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


def _people(session: Session, spec: PlanSpec) -> tuple[dict[str, Person], int]:
    existing = {p.email: p for p in session.exec(select(Person))}
    added = 0
    for ps in spec.people:
        if ps.email.lower() not in existing:
            person = Person(
                email=ps.email.lower(),
                name=ps.name,
                role=ps.role,
                away_from=ps.away_from,
                away_to=ps.away_to,
                teams_url=ps.teams_url,
            )
            session.add(person)
            existing[person.email] = person
            added += 1
    session.flush()
    for ps in spec.people:
        person = existing[ps.email.lower()]
        if ps.manager_email:
            person.manager_id = existing[ps.manager_email.lower()].id
        if ps.deputy_email:
            person.deputy_id = existing[ps.deputy_email.lower()].id
    return existing, added


def load_plan(session: Session, spec: PlanSpec, *, actor: str) -> LoadSummary:
    if session.exec(select(Plan).where(Plan.name == spec.name)).first() is not None:
        raise BadInput(f"A plan named {spec.name!r} is already loaded.")
    people, people_added = _people(session, spec)

    def pid(email: str) -> int:
        return key_of(people[email.lower()])

    def optional_pid(email: str | None) -> int | None:
        return pid(email) if email else None

    plan = Plan(name=spec.name, organisation=spec.organisation, nation=spec.nation, timezone=spec.timezone)
    session.add(plan)
    session.flush()
    plan_id = key_of(plan)
    areas = {
        a.code: Area(
            plan_id=plan_id, code=a.code, name=a.name, theme=a.theme, lead_id=optional_pid(a.lead_email)
        )
        for a in spec.areas
    }
    session.add_all(areas.values())
    session.flush()

    actions = {}
    for a in spec.actions:
        actions[a.ref] = Action(
            plan_id=plan_id,
            ref=a.ref,
            title=a.title,
            area_id=key_of(areas[a.area]),
            owner_id=pid(a.owner_email),
            start=a.start,
            original_due=a.due,
            current_due=a.due,
            status=a.status,
            rag=a.rag,
            percent=a.percent,
            exempt=a.exempt,
            last_update_on=a.last_update,
            notes=a.notes,
        )
    session.add_all(actions.values())
    milestones = {
        m.ref: Milestone(
            plan_id=plan_id, ref=m.ref, title=m.title, due=m.due, owner_id=pid(m.owner_email), status=m.status
        )
        for m in spec.milestones
    }
    session.add_all(milestones.values())
    boards = {
        b.name: Board(
            plan_id=plan_id,
            name=b.name,
            chair_id=optional_pid(b.chair_email),
            secretariat_id=pid(b.secretariat_email),
            teams_url=b.teams_url,
        )
        for b in spec.boards
    }
    session.add_all(boards.values())
    session.flush()
    session.add_all(
        MilestoneDependency(milestone_id=key_of(milestones[m.ref]), action_id=key_of(actions[ref]))
        for m in spec.milestones
        for ref in m.depends_on
    )
    session.add_all(
        BoardMember(board_id=key_of(boards[b.name]), person_id=pid(email))
        for b in spec.boards
        for email in dict.fromkeys(e.lower() for e in b.members)
    )
    session.add_all(
        Meeting(
            board_id=key_of(boards[m.board]),
            date=m.date,
            audience=m.audience,
            theme_area_id=areas[m.theme_area].id if m.theme_area else None,
        )
        for m in spec.meetings
    )
    session.flush()

    summary = LoadSummary(
        spec.name, people_added, len(areas), len(actions), len(milestones), len(boards), len(spec.meetings)
    )
    events = [Event("PlanImported", actor, spec.name, None, _jsonable(asdict(summary)))]
    events += [Event("ActionAdded", actor, spec.name, a.ref, _jsonable(asdict(a))) for a in spec.actions]
    events += [
        Event("MilestoneAdded", actor, spec.name, m.ref, _jsonable(asdict(m))) for m in spec.milestones
    ]
    record_many(session, events)
    return summary
