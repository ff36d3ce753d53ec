"""The import's people and areas: people matched by email within the plan's organisation, areas by code. A
plan sees and changes only its own organisation's people; the same address elsewhere is another row."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from models.columns import key_of
from models.console.roles import stored_roles
from models.errors import BadInput
from models.ledger.kinds import EventKind
from models.output.secrets import STORED
from models.people import Person, organisation_key
from models.plan import Area
from models.plans.import_job import ImportJob
from models.plans.spec import PlanSpec


def _referred(spec: PlanSpec) -> set[str]:
    """Every address the plan's rows name, lower-cased."""
    emails = {p.manager_email for p in spec.people} | {p.deputy_email for p in spec.people}
    emails |= {a.lead_email for a in spec.areas} | {a.owner_email for a in spec.actions}
    emails |= {m.owner_email for m in spec.milestones}
    emails |= {b.secretariat_email for b in spec.boards} | {b.chair_email for b in spec.boards}
    emails |= {e for b in spec.boards for e in b.members}
    return {e.lower() for e in emails if e}


def import_people(job: ImportJob) -> dict[str, Person]:
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
        if ps.console_roles is not None:  # None: a workbook without the column keeps the stored roles
            fields["console_roles"] = stored_roles(ps.console_roles)
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
        elif job.apply("people", email, person, fields, EventKind.PERSON_CHANGED, None):
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
            job.event(EventKind.PERSON_CHANGED, None, data)
    for email, fields in new.items():
        job.added("people", email, EventKind.PERSON_ADDED, None, fields)
    return existing


def addresses(session: Session, people: dict[str, Person], ids: set[int]) -> dict[int, str]:
    """Addresses by person id, including rows of another organisation the plan still points at (a plan
    whose workbook now names another organisation moves to that organisation's people)."""
    emails = {key_of(p): p.email for p in people.values()}
    others = ids - emails.keys()
    if others:
        P = Person.__table__.c  # type: ignore[attr-defined]
        emails |= {i: e for i, e in session.execute(sa.select(P.id, P.email).where(P.id.in_(others)))}
    return emails


def import_areas(job: ImportJob, plan_id: int, people: dict[str, Person]) -> dict[str, Area]:
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
            shown = {**fields, "lead_email": spec.lead_email}
            job.added("areas", spec.code, EventKind.AREA_ADDED, None, shown)
        else:
            job.apply("areas", spec.code, area, fields, EventKind.AREA_CHANGED, None)
    session.flush()
    return existing
