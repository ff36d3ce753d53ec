"""Grants: an operator lets someone read a plan's record until a date (`lineofsight access grant`). An
inspector's only way into the console, and an auditor's from outside the organisation's People sheet.

A grant is one row per address, plan and role, in the caller's transaction with its ledger event. Granting
again moves the end of the live grant (extended or shortened, as the event says) instead of adding a row;
revoking stamps the row, which is never deleted. `models.console.roles.standings` reads them: an expired or
revoked grant gives nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from models.calendar import local_date
from models.columns import key_of
from models.console.roles import Role
from models.console_access import AccessGrant
from models.errors import BadInput, InvalidValue
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.people import Person, organisation_key
from models.plan import Plan
from models.plans import text_rules
from models.plans.lookup import find_plan, plans_named

# A grant gives read-only access: board roles come from the workbook, where the organisation keeps them.
GRANT_ROLES = (Role.INSPECTOR, Role.AUDITOR)
GRANT_ROLES_EXPECTED = (
    "inspector or auditor (a grant gives read-only access; secretariat, chair and member come from the "
    "workbook's People and Boards sheets)"
)
LONGEST = timedelta(days=366)  # a year and a day at most: a grant is renewed on purpose, never forgotten
NAME_LENGTH = 200  # AccessGrant.name


def grant_role(value: str | Role) -> Role:
    """The role a grant may give, forgiving case; InvalidValue naming what is expected otherwise."""
    text = value.strip().casefold()
    if text not in {r.value for r in GRANT_ROLES}:
        raise InvalidValue("role", value, GRANT_ROLES_EXPECTED)
    return Role(text)


@dataclass(frozen=True)
class Granted:
    """What one grant or revocation did, in one plan."""

    email: str
    name: str
    plan: str
    role: Role
    until: date
    change: str  # granted, extended, shortened, unchanged, revoked
    previous_until: date | None = None


def _plans(session: Session, names: Sequence[str] | None) -> list[Plan]:
    """The named plans (each name checked, close names offered), or every plan when none is named."""
    if not names:
        return plans_named(session, None)
    chosen = {}
    for name in names:
        plan = find_plan(session, name)
        chosen[plan.id] = plan
    return list(chosen.values())


def _today(plan: Plan, now: datetime) -> date:
    return local_date(now, plan.timezone)


def _check_until(plan: Plan, until: date, now: datetime) -> None:
    today = _today(plan, now)
    last = today + LONGEST
    if not today <= until <= last:
        expected = (
            f"a date from {today.isoformat()} (today in plan {plan.name!r}) to {last.isoformat()} "
            f"({LONGEST.days} days ahead)"
        )
        raise InvalidValue("end date", until, expected)


def _name_in(session: Session, email: str, plan: Plan) -> str | None:
    """The name the plan's People sheet gives the address, if it has a row for it."""
    organisation = organisation_key(plan.name, plan.organisation)
    mine = select(Person.name).where(Person.organisation == organisation, Person.email == email)
    return session.exec(mine).first()


def _live(
    session: Session, email: str, plans: list[Plan], role: Role | None, now: datetime
) -> list[AccessGrant]:
    """The grants to `email` in these plans, not revoked and not yet past their last day, oldest first."""
    by_id = {p.id: p for p in plans}
    query = select(AccessGrant).where(
        AccessGrant.email == email,
        col(AccessGrant.plan_id).in_(list(by_id)),
        col(AccessGrant.revoked_at).is_(None),
    )
    if role is not None:
        query = query.where(AccessGrant.role == role.value)
    rows = session.exec(query.order_by(col(AccessGrant.id)))
    return [g for g in rows if g.until >= _today(by_id[g.plan_id], now)]


def _facts(grant: AccessGrant, plan: Plan, by: str, change: str) -> dict[str, object]:
    return {
        "email": grant.email,
        "name": grant.name,
        "role": grant.role,
        "plan": plan.name,
        "until": grant.until.isoformat(),
        "by": by,
        "change": change,
    }


def grant_access(
    session: Session,
    *,
    email: str,
    name: str | None,
    plans: Sequence[str] | None,
    all_plans: bool = False,
    role: str | Role,
    until: date,
    by: str,
    now: datetime,
) -> tuple[Granted, ...]:
    """Let `email` read `plans` as `role` to the end of `until`, the plan's local day. The plans are named;
    every plan in the database (of every organisation, as it stands now) only when the caller says so with
    `all_plans` and names none, so a forgotten name never opens other organisations' plans. `name`: how the
    console shows them (default: their People row's name in the plan, else the address). Everything is
    checked before anything changes."""
    address = text_rules.email_address(email, "email")
    if all_plans and plans:
        raise BadInput("Name the plans to open (--plan) or give --all-plans, not both.")
    if not all_plans and not plans:
        raise BadInput(
            f"Name the plan to open to {address} with --plan (repeat it for several), or give --all-plans "
            "to open every plan in this database, of every organisation."
        )
    wanted = grant_role(role)
    given = text_rules.name(name, "name") if name is not None else None
    if given is not None and len(given) > NAME_LENGTH:
        raise InvalidValue("name", name, f"a name of at most {NAME_LENGTH} characters (found {len(given)})")
    chosen = _plans(session, plans)
    for plan in chosen:
        _check_until(plan, until, now)
    done, events = [], []
    for plan in chosen:
        live = _live(session, address, [plan], wanted, now)
        previous = live[-1].until if live else None
        # A name given before is kept unless a new one is given.
        who = given or (live[-1].name if live else None) or _name_in(session, address, plan) or address
        if live:
            grant = live[-1]
            change = (
                "extended" if until > grant.until else "shortened" if until < grant.until else "unchanged"
            )
            grant.until, grant.name = until, who
        else:
            change = "granted"
            grant = AccessGrant(
                email=address,
                name=who,
                plan_id=key_of(plan),
                role=wanted.value,
                until=until,
                granted_by=by,
                granted_at=now,
            )
            session.add(grant)
        facts = _facts(grant, plan, by, change)
        if previous is not None:
            facts["previous_until"] = previous.isoformat()
        events.append(Event(EventKind.ACCESS_GRANTED, by, plan.name, None, facts))
        done.append(Granted(address, who, plan.name, wanted, until, change, previous))
    record(session, *events)
    return tuple(done)


def revoke_access(
    session: Session,
    *,
    email: str,
    plans: Sequence[str] | None,
    role: str | Role | None,
    by: str,
    now: datetime,
) -> tuple[Granted, ...]:
    """End at once the live grants to `email` in `plans` (every plan when none is named), of `role` or of
    any role. BadInput when there is none to end, so a mistyped address is never taken for done."""
    address = text_rules.email_address(email, "email")
    wanted = grant_role(role) if role is not None else None
    chosen = _plans(session, plans)
    live = _live(session, address, chosen, wanted, now)
    if not live:
        as_role = f" as {wanted.value}" if wanted is not None else ""
        where = f" in {', '.join(p.name for p in chosen)}" if plans else ""
        raise BadInput(
            f"{address} holds no live grant{as_role}{where}: nothing to revoke. "
            "`lineofsight access list --all` lists every grant, ended or not."
        )
    by_id = {p.id: p for p in chosen}
    done, events = [], []
    for grant in live:
        grant.revoked_at, grant.revoked_by = now, by
        plan = by_id[grant.plan_id]
        facts = {**_facts(grant, plan, by, "revoked"), "revoked_at": now.isoformat()}
        events.append(Event(EventKind.ACCESS_REVOKED, by, plan.name, None, facts))
        done.append(Granted(grant.email, grant.name, plan.name, Role(grant.role), grant.until, "revoked"))
    record(session, *events)
    return tuple(done)
