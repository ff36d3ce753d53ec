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
    # The Word pack's cover (packs.word_cover): who leads and which cabinet member answers for the item, the
    # access-to-information paragraph a public pack withholds exempt items under, and whether the board asks
    # for Word: then `--send` attaches the .docx beside the PDF.
    lead_officer: str | None = Field(default=None, max_length=300)
    cabinet_member: str | None = Field(default=None, max_length=300)
    exempt_paragraph: str | None = Field(default=None, max_length=500)
    wants_word: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


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
    agenda_item: str | None = Field(default=None, max_length=20)  # the Word cover's AGENDA ITEM
