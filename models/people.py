"""People: action owners, leads, managers (the next rung of the ladder) and their deputies,
one row per organisation, so a workbook changes only the people of the organisation its plan names."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

# The plans of one organisation share their people; the same address in two organisations' plans is two
# rows, each with its own name, manager, deputy and Teams URL. A plan that names no organisation is an
# organisation of its own, under the plan's name.


def organisation_key(plan_name: str, organisation: str | None) -> str:
    """Whose people a plan uses: its organisation, or itself; case and spacing do not make another one."""
    return " ".join((organisation or plan_name).split()).casefold()


class Person(SQLModel, table=True):
    __table_args__ = (sa.Index("uq_person_organisation_email", "organisation", "email", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    organisation: str = Field(max_length=200)  # organisation_key() of the plans this person belongs to
    email: str = Field(max_length=320, index=True)  # stored lower-cased
    name: str = Field(max_length=200)
    role: str | None = Field(default=None, max_length=200)
    manager_id: int | None = Field(default=None, foreign_key="person.id")
    deputy_id: int | None = Field(default=None, foreign_key="person.id")
    away_from: date | None = None
    away_to: date | None = None
    # The console roles the People sheet gives (models.console.roles.Role values, space-separated): board
    # roles also come from the Boards sheet, an inspector's only from `lineofsight access grant`.
    console_roles: str | None = Field(default=None, max_length=200)
    # A Power Automate Workflows URL carries its own signature: treat it as a secret.
    teams_url: str | None = Field(default=None, max_length=2000)

    def is_away(self, on: date) -> bool:
        return bool(self.away_from and self.away_to and self.away_from <= on <= self.away_to)


def teams_urls(session: Session) -> dict[tuple[str, str], str]:
    """Teams Workflows URLs by (plan name, address): a plan's notices reach only its organisation's people,
    so another organisation's row for the same address can never redirect them."""
    from models.plan import Plan

    urls: dict[str, dict[str, str]] = {}
    for organisation, email, url in session.exec(
        select(Person.organisation, Person.email, Person.teams_url).where(col(Person.teams_url).is_not(None))
    ):
        urls.setdefault(organisation, {})[email] = url or ""
    return {
        (name, email): url
        for name, organisation in session.exec(select(Plan.name, Plan.organisation))
        for email, url in urls.get(organisation_key(name, organisation), {}).items()
    }
