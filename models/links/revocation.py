"""Withdrawing a person's links (`lineofsight links revoke`): every link sent to that address before now
stops working, in every organisation that knows the address or only the named plan's. Messages sent after
carry new links, which work.

A revocation is a row per person row (people are per organisation) and a ledger event beside it, in the
caller's transaction; the access check refuses a link whose person has a revocation later than its issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from models.errors import UnknownItem
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.people import Person, organisation_key
from models.plan import Plan
from models.plans.lookup import close_matches, find_person, find_plan
from models.web_links import LinkRevocation


@dataclass(frozen=True)
class Withdrawal:
    """What `revoke_links` did: the address, the moment before which its links stopped, and the plans of
    the person rows it touched (their organisations' plans)."""

    email: str
    at: datetime
    people: int
    plans: tuple[str, ...]


def _people(session: Session, email: str, plan: Plan | None) -> list[Person]:
    """The person rows with this address: the plan's organisation's, or every organisation's."""
    if plan is not None:
        return [find_person(session, email, plan)]
    found = list(session.exec(select(Person).where(Person.email == email).order_by(col(Person.id))))
    if not found:
        emails = sorted(set(session.exec(select(Person.email))))
        raise UnknownItem("person with email", email, close_matches(email, emails))
    return found


def _plans_by_organisation(session: Session) -> dict[str, list[str]]:
    plans: dict[str, list[str]] = {}
    for plan in session.exec(select(Plan).order_by(Plan.name)):
        plans.setdefault(organisation_key(plan.name, plan.organisation), []).append(plan.name)
    return plans


def revoke_links(
    session: Session, email: str, *, plan_name: str | None = None, actor: str, at: datetime
) -> Withdrawal:
    """Withdraw every link issued to `email` before `at`; UnknownItem (with close addresses) when nobody
    has that address. The ledger holds the address and the moment, never a token."""
    key = email.strip().lower()
    at = at.astimezone(UTC)
    plan = find_plan(session, plan_name) if plan_name is not None else None
    people = _people(session, key, plan)
    plans = _plans_by_organisation(session)
    events = []
    for person in people:
        session.add(LinkRevocation(person_id=person.id, revoked_at=at, actor=actor))  # type: ignore[arg-type]
        events.append(
            Event(
                kind=EventKind.LINKS_REVOKED,
                actor=actor,
                plan=plan.name if plan is not None else None,
                data={
                    "email": person.email,
                    "organisation": person.organisation,
                    "plans": plans.get(person.organisation, []),
                    "revoked_at": at.isoformat(),
                },
            )
        )
    record(session, *events)
    touched = tuple(dict.fromkeys(name for p in people for name in plans.get(p.organisation, [])))
    return Withdrawal(email=key, at=at, people=len(people), plans=touched)
