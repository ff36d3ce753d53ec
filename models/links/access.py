"""Whether a link still opens what it names, now: the one place the web face asks, on every request.

A signature proves only that we wrote the link (models.links.tokens). It works when it has not expired, no
revocation of its person came after it was issued, its plan and person still exist and, for an item link,
the person may still update the item (the same people `apply_update` lets in). An item link opens its item
only; an "all my items" link opens the open items the person owns, and those of an owner who is away and
has them as deputy, each marked with the owner it is done for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.calendar import local_date
from models.errors import LineOfSightError
from models.links.tokens import LinkClaims, TamperedLink, read
from models.people import Person
from models.plan import Action, Area, Milestone, Plan
from models.plans.updates import entitled_people
from models.vocab import Status
from models.web_links import LinkRevocation

Item = Action | Milestone
OPEN = (Status.NOT_STARTED, Status.IN_PROGRESS)


class LinkRefused(LineOfSightError):
    """Why a link does not open: `reason` is one of tampered, expired, revoked, reassigned, unknown; `status`
    is the HTTP status a page answers with. `claims` and `person_id` are known only when we wrote the link:
    then a fresh one may be sent to the address on record."""

    def __init__(
        self, reason: str, status: int, person_id: int | None = None, claims: LinkClaims | None = None
    ) -> None:
        super().__init__(f"link refused: {reason}")
        self.reason, self.status, self.person_id, self.claims = reason, status, person_id, claims


@dataclass(frozen=True)
class OpenItem:
    item: Item
    for_owner: Person | None  # the away owner this person stands in for, as their deputy; None: their own
    area: str | None = None  # the name of an action's area


@dataclass(frozen=True)
class Access:
    person: Person
    plan: Plan
    claims: LinkClaims
    items: tuple[OpenItem, ...]
    today: date  # in the plan's zone

    def find(self, ref: str) -> OpenItem | None:
        key = ref.strip().upper()
        return next((o for o in self.items if o.item.ref.upper() == key), None)


# Every page asks these, so they are built once, here, with their values bound per request: building a
# statement costs more than PostgreSQL takes to answer it (bench/README.md, the owner's update page).
# The person, the plan and the person's latest revocation, in one query.
_LATEST_REVOCATION = (
    select(sa.func.max(col(LinkRevocation.revoked_at)))
    .where(col(LinkRevocation.person_id) == col(Person.id))
    .scalar_subquery()
)
_PERSON_AND_PLAN = (
    select(Person, Plan, _LATEST_REVOCATION)
    .join(Plan, col(Plan.id) == sa.bindparam("plan_id"))
    .where(col(Person.id) == sa.bindparam("person_id"))
)
# An item link's item, when it is an action (most are), comes with them: one round trip for the whole check.
_WITH_ACTION = (
    sa.select(Person, Plan, _LATEST_REVOCATION, Action, col(Area.name))
    .select_from(Person)
    .join(Plan, col(Plan.id) == sa.bindparam("plan_id"))
    .outerjoin(Action, sa.and_(col(Action.plan_id) == col(Plan.id), col(Action.ref) == sa.bindparam("ref")))
    .outerjoin(Area, col(Area.id) == col(Action.area_id))
    .where(col(Person.id) == sa.bindparam("person_id"))
)
_MILESTONE = select(Milestone).where(
    col(Milestone.plan_id) == sa.bindparam("plan_id"), col(Milestone.ref) == sa.bindparam("ref")
)


def open_link(session: Session, key: bytes, token: str, now: datetime) -> Access:
    try:
        claims = read(key, token)
    except TamperedLink:
        raise LinkRefused("tampered", 403) from None
    params = {"person_id": claims.person_id, "plan_id": claims.plan_id}
    found: Any  # a row of three (person, plan, revocation), or five (with the action and its area)
    if claims.ref is None:
        found = session.exec(_PERSON_AND_PLAN, params=params).first()
    else:
        found = session.execute(_WITH_ACTION, {**params, "ref": claims.ref}).first()
    if found is None:
        raise LinkRefused("unknown", 403)  # a person or plan removed since: nobody to send a link to
    person, plan, revoked = found[0], found[1], found[2]
    action = (found[3], found[4]) if len(found) > 3 and found[3] is not None else None
    if claims.expired(now):
        raise LinkRefused("expired", 410, person.id, claims)
    if revoked is not None and _utc(revoked) > claims.issued:
        raise LinkRefused("revoked", 410, person.id, claims)
    today = local_date(now, plan.timezone)
    if claims.ref is None:
        items = _my_items(session, plan, person, today)
    else:
        items = (_one_item(session, plan, person, claims, today, action),)
    return Access(person, plan, claims, items, today)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _one_item(
    session: Session,
    plan: Plan,
    person: Person,
    claims: LinkClaims,
    today: date,
    action: tuple[Action, str | None] | None,
) -> OpenItem:
    ref = claims.ref or ""
    area: str | None = None
    item: Item | None = None
    if action is not None:
        item, area = action
    else:
        item = session.exec(_MILESTONE, params={"plan_id": plan.id, "ref": ref}).first()
    refused = LinkRefused("reassigned", 403, person.id, claims)
    if item is None:
        raise refused  # removed from the plan since the link was sent
    if item.owner_id == person.id:
        return OpenItem(item, None, area)
    if person.email not in entitled_people(session, plan, item):
        raise refused
    owner = session.get(Person, item.owner_id)
    covering = owner is not None and owner.deputy_id == person.id and owner.is_away(today)
    return OpenItem(item, owner if covering else None, area)


def _my_items(session: Session, plan: Plan, person: Person, today: date) -> tuple[OpenItem, ...]:
    """The person's open items, then those of each away owner they deputise for: two queries, whatever
    the number of items."""
    covered = [
        p for p in session.exec(select(Person).where(Person.deputy_id == person.id)) if p.is_away(today)
    ]
    owners: dict[int, Person | None] = {key: None for key in [person.id] if key is not None}
    owners |= {p.id: p for p in covered if p.id is not None}
    found: list[OpenItem] = []
    mine = (
        col(Action.plan_id) == plan.id,
        col(Action.owner_id).in_(list(owners)),
        col(Action.status).in_(OPEN),
    )
    rows = session.exec(
        select(Action, Area.name).join(Area, col(Area.id) == col(Action.area_id)).where(*mine)
    )
    for action, area in rows:
        found.append(OpenItem(action, owners[action.owner_id], area))
    also = (
        col(Milestone.plan_id) == plan.id,
        col(Milestone.owner_id).in_(list(owners)),
        col(Milestone.status).in_(OPEN),
    )
    for milestone in session.exec(select(Milestone).where(*also)):
        found.append(OpenItem(milestone, owners[milestone.owner_id]))
    # Their own first, then each away owner's; by due date within each.
    return tuple(sorted(found, key=lambda o: (o.for_owner is not None, _due(o.item), o.item.ref)))


def _due(item: Item) -> date:
    return item.current_due if isinstance(item, Action) else item.due
