"""Finding plans, items and people by what users type, with close matches when there is no such thing."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.errors import AmbiguousItem, BadInput, UnknownItem
from models.people import Person, organisation_key
from models.plan import Action, Area, Milestone, Plan

Item = Action | Milestone
NO_PLAN = "No plan is loaded yet: run `lineofsight demo` to try the product with a sample plan."


# Vocabularies this short are listed in full when a value is not one of them (areas, plans, boards); longer
# ones (refs, people) get only the close matches.
LISTED_AT_MOST = 20


def _folded(text: str) -> str:
    """What people mean, not how they typed it: case, punctuation and spacing ignored ("Childrens" is
    "Children's")."""
    return " ".join("".join(c for c in text.casefold() if c.isalnum() or c.isspace()).split())


def _likeness(key: str, candidate: str) -> float:
    """How alike, from 0 to 1: the whole, or its best word ("childrens" is a word of "childrens services
    improvement plan", though the whole is far longer)."""
    words = [candidate, *candidate.split()] if " " in candidate and " " not in key else [candidate]
    return max(difflib.SequenceMatcher(None, key, word).ratio() for word in words)


def close_matches(key: str, candidates: Sequence[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The candidates closest to `key` (or to one of their words), best first."""
    folded = _folded(key)
    if not folded:
        return []
    scored = [(_likeness(folded, _folded(c)), i, c) for i, c in enumerate(dict.fromkeys(candidates))]
    return [c for score, _, c in sorted(scored, key=lambda t: (-t[0], t[1])) if score >= cutoff][:n]


def listed(candidates: Sequence[str]) -> list[str]:
    """Every valid value, when there are few enough to read (see LISTED_AT_MOST)."""
    return sorted(candidates) if len(candidates) <= LISTED_AT_MOST else []


def unknown(what: str, key: str, candidates: Sequence[str]) -> UnknownItem:
    """The error for a value that names nothing: the close matches, and every valid value when few."""
    suggestions, known = close_matches(key, candidates), listed(candidates)
    return UnknownItem(what, key, suggestions, [] if set(known) <= set(suggestions) else known)


def find_plan(session: Session, name: str | None) -> Plan:
    plans = session.exec(select(Plan).order_by(Plan.name)).all()
    if name is None:
        if len(plans) == 1:
            return plans[0]
        if not plans:
            raise BadInput(NO_PLAN)
        raise AmbiguousItem("plan", "(default)", [p.name for p in plans])
    for plan in plans:
        if plan.name.casefold() == name.strip().casefold():
            return plan
    raise unknown("plan", name, [p.name for p in plans])


def plans_named(session: Session, name: str | None) -> list[Plan]:
    """One named plan, or every plan when no name is given (commands that report across plans)."""
    if name is not None:
        return [find_plan(session, name)]
    plans = list(session.exec(select(Plan).order_by(Plan.name)).all())
    if not plans:
        raise BadInput(NO_PLAN)
    return plans


def find_item(session: Session, ref: str, plan_name: str | None = None) -> tuple[Plan, Item]:
    key = ref.strip().upper()
    plans = plans_named(session, plan_name)
    plan_ids = [p.id for p in plans]
    by_id = {p.id: p for p in plans}
    actions = session.exec(
        select(Action).where(sa.func.upper(col(Action.ref)) == key, col(Action.plan_id).in_(plan_ids))
    ).all()
    milestones = session.exec(
        select(Milestone).where(
            sa.func.upper(col(Milestone.ref)) == key, col(Milestone.plan_id).in_(plan_ids)
        )
    ).all()
    items: list[Item] = [*actions, *milestones]
    found = [(by_id[item.plan_id], item) for item in items]
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousItem("item", ref, sorted(p.name for p, _ in found))
    refs = [
        r
        for table in (Action, Milestone)
        for r in session.exec(select(col(table.ref)).where(col(table.plan_id).in_(plan_ids)))
    ]
    raise UnknownItem("action or milestone", ref, close_matches(ref, refs))


def find_person(session: Session, email: str, plan: Plan) -> Person:
    """Someone of the plan's organisation: the same address in another organisation is someone else's row."""
    key = email.strip().lower()
    mine = select(Person).where(Person.organisation == organisation_key(plan.name, plan.organisation))
    person = session.exec(mine.where(Person.email == key)).first()
    if person is None:
        emails = [p.email for p in session.exec(mine)]
        raise UnknownItem(f"person of plan {plan.name!r} with email", email, close_matches(key, emails))
    return person


def find_owner(session: Session, plans: Sequence[Plan], email: str) -> str:
    """`email` (already checked by text_rules.email_address, so lower case and free of lookalikes) when it
    is someone's of these plans; otherwise UnknownItem with the close addresses."""
    keys = {organisation_key(p.name, p.organisation) for p in plans}
    emails = list(session.exec(select(Person.email).where(col(Person.organisation).in_(keys))))
    if email not in emails:
        raise UnknownItem("person with email", email, close_matches(email, sorted(set(emails))))
    return email


def find_area(session: Session, plans: Sequence[Plan], code: str) -> None:
    """Checks that an area code exists in the given plans, naming close codes when it does not."""
    codes = list(session.exec(select(col(Area.code)).where(col(Area.plan_id).in_([p.id for p in plans]))))
    if code.strip().upper() not in {c.upper() for c in codes}:
        raise unknown("area", code, codes)
