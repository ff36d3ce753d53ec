"""Who may use the console, in which plans, as what: the one rule every console page and write asks, on every
request, so a role removed from a workbook or a grant revoked takes effect at once.

A person's roles in a plan come from three places:
- the People sheet's `roles` column (`Person.console_roles`): secretariat, chair, member, auditor, for every
  board of every plan of that person's organisation;
- the Boards sheet: the board's secretariat, its chair, its members, for that board;
- an operator's grant (`lineofsight access grant`), for one plan until a date: an inspector's only way in.

Read-only roles (auditor, inspector) see everything the secretariat sees and write nothing; an inspector sees
only the plans a grant names, and only until its end date (the plan's local day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from sqlmodel import Session, col, select

from models.calendar import local_date
from models.console_access import AccessGrant
from models.errors import InvalidValue
from models.meetings import Board, BoardMember
from models.people import Person, organisation_key
from models.plan import Plan


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    CHAIR = "chair"
    MEMBER = "member"
    AUDITOR = "auditor"
    INSPECTOR = "inspector"


BOARD_ROLES = frozenset({Role.SECRETARIAT, Role.CHAIR, Role.MEMBER})
READ_ONLY = frozenset({Role.AUDITOR, Role.INSPECTOR})
# What the People sheet may give: an inspector comes in only by a grant, which ends.
SHEET_ROLES = frozenset({Role.SECRETARIAT, Role.CHAIR, Role.MEMBER, Role.AUDITOR})
ROLES_EXPECTED = "roles from: secretariat, chair, member, auditor (separated by spaces, commas or semicolons)"


def parse_roles(text: str | None, column: str = "roles") -> frozenset[Role]:
    """A People sheet's `roles` cell, forgiving in case and separators; an inspector is never given here (only
    by a grant, which ends). Raises InvalidValue naming the cell's value and what is expected."""
    if text is None or not text.strip():
        return frozenset()
    found = set()
    for word in text.replace(",", " ").replace(";", " ").split():
        try:
            role = Role(word.strip().casefold())
        except ValueError:
            raise InvalidValue(column, text, ROLES_EXPECTED) from None
        if role not in SHEET_ROLES:
            raise InvalidValue(column, text, f"{ROLES_EXPECTED}; an inspector is given access by a grant")
        found.add(role)
    return frozenset(found)


def stored_roles(roles: Iterable[Role]) -> str | None:
    """How `Person.console_roles` holds them: sorted, space-separated; None for none."""
    return " ".join(sorted(r.value for r in roles)) or None


@dataclass(frozen=True)
class Standing:
    """One person's standing in one plan."""

    plan_id: int
    plan_name: str
    email: str
    name: str
    person_id: int | None  # their People row in the plan's organisation; None when only a grant lets them in
    roles: frozenset[Role]
    boards: Mapping[int, frozenset[Role]] = field(default_factory=dict)  # board id -> roles on that board
    until: Mapping[Role, date] = field(default_factory=dict)  # roles held only by a grant, to its last day

    @property
    def read_only(self) -> bool:
        return not (self.roles - READ_ONLY)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


def standings(session: Session, email: str, as_of: datetime) -> tuple[Standing, ...]:
    """Every plan `email` may use the console in at `as_of`, with their roles there; none for a stranger."""
    address = email.strip().casefold()
    plans = {p.id: p for p in session.exec(select(Plan))}
    people = list(session.exec(select(Person).where(Person.email == address)))
    grants = [
        g
        for g in session.exec(
            select(AccessGrant).where(AccessGrant.email == address, col(AccessGrant.revoked_at).is_(None))
        )
        if g.plan_id in plans and local_date(as_of, plans[g.plan_id].timezone) <= g.until
    ]
    ids = [p.id for p in people]
    boards = list(session.exec(select(Board).where(col(Board.plan_id).in_(list(plans))))) if plans else []
    memberships = {
        (m.board_id, m.person_id)
        for m in session.exec(select(BoardMember).where(col(BoardMember.person_id).in_(ids)))
    }
    return decide(address, list(plans.values()), people, boards, memberships, grants)


def decide(
    email: str,
    plans: list[Plan],
    people: list[Person],
    boards: list[Board],
    memberships: set[tuple[int, int]],
    grants: list[AccessGrant],
) -> tuple[Standing, ...]:
    """The rule itself, on rows already read (`grants`: the live ones)."""
    by_organisation = {p.organisation: p for p in people}
    found = []
    for plan in sorted(plans, key=lambda p: p.name.casefold()):
        assert plan.id is not None
        person = by_organisation.get(organisation_key(plan.name, plan.organisation))
        roles: set[Role] = set()
        on_boards: dict[int, set[Role]] = {}
        if person is not None:
            sheet = parse_roles(person.console_roles) if person.console_roles else frozenset()
            roles |= sheet
            for board in (b for b in boards if b.plan_id == plan.id):
                assert board.id is not None
                mine = set(sheet & BOARD_ROLES)
                if board.secretariat_id == person.id:
                    mine.add(Role.SECRETARIAT)
                if board.chair_id == person.id:
                    mine.add(Role.CHAIR)
                if (board.id, person.id) in memberships:
                    mine.add(Role.MEMBER)
                if mine:
                    on_boards[board.id] = mine
                    roles |= mine
        until: dict[Role, date] = {}
        for grant in (g for g in grants if g.plan_id == plan.id):
            role = Role(grant.role)
            if role not in roles or role in until:
                until[role] = max(grant.until, until.get(role, grant.until))
                roles.add(role)
        if not roles:
            continue
        name = person.name if person is not None else next(g.name for g in grants if g.plan_id == plan.id)
        found.append(
            Standing(
                plan_id=plan.id,
                plan_name=plan.name,
                email=email,
                name=name,
                person_id=person.id if person is not None else None,
                roles=frozenset(roles),
                # Read-only views: a standing is kept and shared between requests (web.console.viewer).
                boards=MappingProxyType({board: frozenset(r) for board, r in on_boards.items()}),
                until=MappingProxyType(until),
            )
        )
    return tuple(found)


def allows(
    found: Iterable[Standing], wanted: Iterable[Role], plan_id: str | None, board_id: str | None
) -> bool:
    """Whether a viewer with standings `found` holds one of `wanted` where a page is: in its plan
    (`plan_id`), on its board (`board_id`), or on a page of no one plan, in any. A board's roles count on
    that board only; the read-only roles across their plan. A board named without its plan is refused: a
    board id alone does not say whose it is, and a check that cannot tell must not let in."""
    roles = frozenset(wanted)
    if board_id is not None and plan_id is None:
        return False
    mine = [s for s in found if plan_id is None or str(s.plan_id) == str(plan_id)]
    if board_id is None:
        return any(s.roles & roles for s in mine)
    text = str(board_id)
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    board = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
    return any(
        (s.boards.get(board, frozenset()) if board is not None else frozenset()) & roles
        or s.roles & roles & READ_ONLY
        for s in mine
    )
