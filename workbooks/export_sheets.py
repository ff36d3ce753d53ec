"""A stored plan -> the rows of the workbook's sheets, in the import's columns plus the export-only ones.
Loading is one session's queries (`load_plan`), so the rows are built from one consistent read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from models.board_packs import PackTemplate
from models.calendar import WorkingCalendar
from models.columns import key_of
from models.escalations import Escalation
from models.meetings import Board, BoardMember, Meeting
from models.output.secrets import STORED
from models.people import Person, organisation_key
from models.plan import Action, Area, Milestone, MilestoneDependency, Plan, Update
from models.plans.lookup import find_plan
from models.sweep.rules import derived_rag
from models.vocab import ItemKind, Status

if TYPE_CHECKING:
    from config.policy import Policy

SET_ASIDE = (Status.DEFERRED, Status.CANCELLED)


@dataclass(frozen=True)
class StoredPlan:
    """A plan's rows as stored, with the links between them resolved to what the workbook shows."""

    plan: Plan
    people: dict[int, Person]
    areas: dict[int, Area]
    actions: list[Action]
    milestones: list[Milestone]
    depends: dict[int, list[str]]  # milestone id -> the refs of the actions it depends on
    boards: list[Board]
    members: dict[int, list[str]]  # board id -> its members' emails
    member_ids: set[int]
    meetings: list[Meeting]
    updates: list[Update]
    levels: dict[tuple[str, str, date], int]  # open escalations' levels by (kind, ref, due)
    templates: dict[int, str]  # board id -> its stored Word template's file name


def load_plan(session: Session, plan_name: str | None) -> StoredPlan:
    plan = find_plan(session, plan_name)
    people = {key_of(p): p for p in session.exec(select(Person))}
    by_code = select(Area).where(Area.plan_id == plan.id).order_by(col(Area.code))
    areas = {key_of(a): a for a in session.exec(by_code)}
    actions = list(session.exec(select(Action).where(Action.plan_id == plan.id).order_by(col(Action.ref))))
    milestones = list(
        session.exec(select(Milestone).where(Milestone.plan_id == plan.id).order_by(col(Milestone.ref)))
    )
    action_refs = {a.id: a.ref for a in actions}
    depends: dict[int, list[str]] = {}
    linked = col(MilestoneDependency.milestone_id).in_([m.id for m in milestones])
    for dep in session.exec(select(MilestoneDependency).where(linked)):
        depends.setdefault(dep.milestone_id, []).append(action_refs[dep.action_id])
    boards = list(session.exec(select(Board).where(Board.plan_id == plan.id).order_by(col(Board.name))))
    members: dict[int, list[str]] = {}
    board_members = list(
        session.exec(select(BoardMember).where(col(BoardMember.board_id).in_([b.id for b in boards])))
    )
    for member in board_members:
        members.setdefault(member.board_id, []).append(people[member.person_id].email)
    of_boards = col(Meeting.board_id).in_([b.id for b in boards])
    meetings = list(session.exec(select(Meeting).where(of_boards).order_by(col(Meeting.date))))
    of_templates = col(PackTemplate.board_id).in_([b.id for b in boards])
    templates = dict(session.exec(select(PackTemplate.board_id, PackTemplate.name).where(of_templates)).all())
    updates = list(
        session.exec(select(Update).where(Update.plan_id == plan.id).order_by(col(Update.at), col(Update.id)))
    )
    return StoredPlan(
        plan=plan,
        people=people,
        areas=areas,
        actions=actions,
        milestones=milestones,
        depends=depends,
        boards=boards,
        members=members,
        member_ids={m.person_id for m in board_members},
        meetings=meetings,
        updates=updates,
        levels=_open_levels(session, key_of(plan)),
        templates=templates,
    )


def plan_sheets(stored: StoredPlan, day: date, policy: Policy) -> dict[str, list[list[Any]]]:
    """The rows of every sheet but Updates; the export-only columns as of `day`, by `policy`."""
    plan, people, areas, levels = stored.plan, stored.people, stored.areas, stored.levels
    calendar = WorkingCalendar(plan.nation)

    def overdue(due: date, status: Status) -> int | None:
        return None if status.is_done or status in SET_ASIDE else max(0, -calendar.count_between(day, due))

    def level(kind: str, ref: str, due: date) -> int | None:
        return levels.get((kind, ref, due))

    def email(person_id: int | None) -> str | None:
        return people[person_id].email if person_id is not None else None

    board_names = {b.id: b.name for b in stored.boards}
    return {
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
                p.console_roles,
            ]
            for p in sorted(_people_of(stored), key=lambda p: p.email)
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
            for a in stored.actions
        ],
        "Milestones": [
            [
                m.ref,
                m.title,
                m.due,
                email(m.owner_id),
                "; ".join(sorted(stored.depends.get(m.id or 0, []))),
                m.status.value,
                level(ItemKind.MILESTONE.value, m.ref, m.due),
                overdue(m.due, m.status),
            ]
            for m in stored.milestones
        ],
        "Boards": [
            [
                b.name,
                email(b.secretariat_id),
                email(b.chair_id),
                "; ".join(sorted(stored.members.get(b.id or 0, []))),
                STORED if b.teams_url else None,
                stored.templates.get(key_of(b)),
            ]
            for b in stored.boards
        ],
        "Meetings": [
            [
                board_names[m.board_id],
                m.date,
                areas[m.theme_area_id].code if m.theme_area_id else None,
                m.audience.value,
            ]
            for m in stored.meetings
        ],
    }


def update_rows(stored: StoredPlan) -> list[list[Any]]:
    """The Updates sheet: every owner's update, oldest first, its time in UTC."""
    refs = {**{("a", a.id): a.ref for a in stored.actions}, **{("m", m.id): m.ref for m in stored.milestones}}
    people = stored.people
    return [
        [
            refs[("a", u.action_id)] if u.action_id else refs[("m", u.milestone_id)],
            u.at.astimezone(UTC).replace(tzinfo=None),
            people[u.author_id].email if u.author_id is not None else None,
            u.status.value if u.status else None,
            u.rag.value if u.rag else None,
            u.percent,
            u.commentary,
            u.evidence_url,
        ]
        for u in stored.updates
    ]


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


def _people_of(stored: StoredPlan) -> list[Person]:
    """Everyone the plan refers to, the people of its organisation with a console role (an auditor may own
    nothing), and the managers and deputies they refer to in turn."""
    people = stored.people
    organisation = organisation_key(stored.plan.name, stored.plan.organisation)
    named: set[int | None] = {
        key_of(p) for p in people.values() if p.console_roles and p.organisation == organisation
    }
    named |= (
        {a.lead_id for a in stored.areas.values()}
        | {a.owner_id for a in stored.actions}
        | {m.owner_id for m in stored.milestones}
    )
    named |= {b.secretariat_id for b in stored.boards} | {b.chair_id for b in stored.boards}
    named |= stored.member_ids  # by id: the same address may belong to another organisation too
    ids = {i for i in named if i is not None}
    pending = list(ids)
    while pending:
        person = people[pending.pop()]
        for linked in (person.manager_id, person.deputy_id):
            if linked is not None and linked not in ids:
                ids.add(linked)
                pending.append(linked)
    return [people[i] for i in ids]
