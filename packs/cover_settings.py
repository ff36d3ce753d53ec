"""A board's Word cover settings (lead officer, cabinet member, the exempt-information paragraph, whether it
asks for Word), changed with a `BoardChanged` event in the same transaction, like a workbook's changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from models.db import unit_of_work
from models.errors import BadInput
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.plans.meetings import find_board

LIMITS = {"lead_officer": 300, "cabinet_member": 300, "exempt_paragraph": 500}


def set_cover(
    engine: Engine, board_name: str, wanted: dict[str, Any], actor: str, plan_name: str | None = None
) -> list[str]:
    """The settings given (None: unchanged; "" clears a text) applied; returns the names that changed."""
    for name, limit in LIMITS.items():
        value = wanted.get(name)
        if isinstance(value, str) and (len(value) > limit or any(ord(ch) < 32 for ch in value)):
            raise BadInput(f"--{name.replace('_', '-')} must be one line of at most {limit} characters.")
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
