"""People: action owners, leads, managers (the next rung of the ladder) and their deputies."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)  # stored lower-cased
    name: str = Field(max_length=200)
    role: str | None = Field(default=None, max_length=200)
    manager_id: int | None = Field(default=None, foreign_key="person.id")
    deputy_id: int | None = Field(default=None, foreign_key="person.id")
    away_from: date | None = None
    away_to: date | None = None
    # A Power Automate Workflows URL carries its own signature: treat it as a secret.
    teams_url: str | None = Field(default=None, max_length=2000)

    def is_away(self, on: date) -> bool:
        return bool(self.away_from and self.away_to and self.away_from <= on <= self.away_to)
