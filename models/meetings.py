"""Boards and their meetings: the Improvement Board, the scrutiny sub-committee, deep dives."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_type
from models.vocab import Audience


class Board(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("plan_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    name: str = Field(max_length=200)
    chair_id: int | None = Field(default=None, foreign_key="person.id")
    secretariat_id: int = Field(foreign_key="person.id")
    teams_url: str | None = Field(default=None, max_length=2000)


class BoardMember(SQLModel, table=True):
    board_id: int = Field(foreign_key="board.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)


class Meeting(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("board_id", "date", "audience"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    date: dt.date
    theme_area_id: int | None = Field(default=None, foreign_key="area.id")
    audience: Audience = Field(default=Audience.BOARD, sa_type=enum_type(Audience))
