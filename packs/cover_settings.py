"""A board's Word cover settings (lead officer, cabinet member, the exempt-information paragraph, whether it
asks for Word) and a meeting's agenda item, each changed with its ledger event in the same transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models.db import unit_of_work
from models.errors import BadInput
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Meeting
from models.plans.meetings import find_board

LIMITS = {"lead_officer": 300, "cabinet_member": 300, "exempt_paragraph": 500}


def check_cover(wanted: dict[str, Any], agenda_item: str | None = None) -> None:
    """Every value fits before anything is written: a command setting several changes none if one is wrong."""
    for name, limit in LIMITS.items():
        value = wanted.get(name)
        if isinstance(value, str) and (len(value) > limit or any(ord(ch) < 32 for ch in value)):
            raise BadInput(f"--{name.replace('_', '-')} must be one line of at most {limit} characters.")
    if agenda_item is not None:
        item = agenda_item.strip()
        if len(item) > 20 or any(ord(ch) < 32 for ch in item):
            raise BadInput("--agenda-item must be one line of at most 20 characters, e.g. 6 or 6(b).")


def set_cover(
    engine: Engine, board_name: str, wanted: dict[str, Any], actor: str, plan_name: str | None = None
) -> list[str]:
    """The settings given (None: unchanged; "" clears a text) applied; returns the names that changed."""
    check_cover(wanted)
    with unit_of_work(engine) as session:
        board, plan = find_board(session, board_name, plan_name)
        changes: dict[str, Any] = {}
        for name, value in wanted.items():
            if value is None:
                continue
            value = (value.strip() or None) if isinstance(value, str) else value
            if getattr(board, name) != value:
                changes[name] = {"was": getattr(board, name), "now": value}
                setattr(board, name, value)
        if changes:
            session.add(board)
            record(
                session,
                Event(EventKind.BOARD_CHANGED, actor, plan.name, None, {"board": board.name, **changes}),
            )
    return sorted(changes)


def set_agenda_item(
    engine: Engine, board_name: str, day: date, item: str, actor: str, plan_name: str | None = None
) -> int:
    """The agenda item of the board's meetings on `day` (each audience's row), with `MeetingChanged`;
    returns how many rows changed."""
    check_cover({}, item)
    item = item.strip()
    with unit_of_work(engine) as session:
        board, plan = find_board(session, board_name, plan_name)
        meetings = session.exec(
            select(Meeting).where(Meeting.board_id == board.id, Meeting.date == day)
        ).all()
        if not meetings:
            raise BadInput(
                f"The {board.name} has no meeting on {day.isoformat()}: add it with `meeting add`."
            )
        changed = [m for m in meetings if m.agenda_item != (item or None)]
        for meeting in changed:
            was, meeting.agenda_item = meeting.agenda_item, item or None
            session.add(meeting)
            data = {
                "board": board.name,
                "meeting": day.isoformat(),
                "audience": meeting.audience.value,
                "agenda_item": {"was": was, "now": meeting.agenda_item},
            }
            record(session, Event(EventKind.MEETING_CHANGED, actor, plan.name, None, data))
    return len(changed)
