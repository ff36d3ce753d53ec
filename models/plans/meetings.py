"""Meetings as users name them: a board by name, a date, an audience. Adding one records `MeetingAdded`,
as the workbook import does; finding one names the nearest dates when there is no meeting on the day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from models.errors import BadInput, UnknownItem
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board, Meeting
from models.plan import Area, Plan
from models.plans import text_rules
from models.plans.lookup import plans_named, unknown
from models.vocab import Audience, within_window


def find_board(session: Session, name: str, plan_name: str | None = None) -> tuple[Board, Plan]:
    plans = {p.id: p for p in plans_named(session, plan_name)}
    boards = session.exec(select(Board).where(col(Board.plan_id).in_(list(plans)))).all()
    found = [b for b in boards if b.name.casefold() == name.strip().casefold()]
    if not found:
        raise unknown("board", name, [b.name for b in boards])
    if len(found) > 1:
        raise BadInput(f"Board {name!r} exists in several plans: add --plan NAME.")
    return found[0], plans[found[0].plan_id]


def find_meetings(
    session: Session,
    day: date,
    *,
    board_name: str | None = None,
    plan_name: str | None = None,
) -> list[tuple[Meeting, Board, Plan]]:
    plans = {p.id: p for p in plans_named(session, plan_name)}
    query = select(Meeting, Board).where(
        col(Meeting.board_id) == col(Board.id), col(Board.plan_id).in_(list(plans))
    )
    if board_name is not None:
        board, _ = find_board(session, board_name, plan_name)
        query = query.where(Board.id == board.id)
    rows = session.exec(query.order_by(col(Meeting.date), col(Board.name))).all()
    found = [(m, b, plans[b.plan_id]) for m, b in rows if m.date == day]
    if not found:
        nearest = sorted({m.date for m, _ in rows}, key=lambda d: abs((d - day).days))[:3]
        raise UnknownItem("meeting on", day.isoformat(), [d.isoformat() for d in sorted(nearest)])
    return found


def add_meeting(
    session: Session,
    *,
    board_name: str,
    day: date,
    theme: str | None,
    audience: Audience,
    actor: str,
    plan_name: str | None = None,
) -> tuple[Meeting, Board, Plan]:
    # The rules of the workbook's Meetings sheet, so a meeting added here could have been imported.
    within_window(day, "meeting date")
    board_name = text_rules.name(board_name, "board")
    theme = text_rules.code(theme, "theme area", "MOQA") if theme is not None else None
    board, plan = find_board(session, board_name, plan_name)
    theme_id = None
    if theme is not None:
        areas: Sequence[Area] = session.exec(select(Area).where(Area.plan_id == plan.id)).all()
        match = [a for a in areas if a.code.upper() == theme.strip().upper()]
        if not match:
            raise unknown("area", theme, [a.code for a in areas])
        theme_id, theme = match[0].id, match[0].code
    clash = session.exec(
        select(Meeting).where(Meeting.board_id == board.id, Meeting.date == day, Meeting.audience == audience)
    ).first()
    if clash is not None:
        raise BadInput(f"{board.name} already has a {audience.value} meeting on {day.isoformat()}.")
    meeting = Meeting(board_id=board.id, date=day, theme_area_id=theme_id, audience=audience)  # type: ignore[arg-type]
    session.add(meeting)
    session.flush()
    label = f"{board.name} {day:%d/%m/%Y} ({audience.value})"
    record(
        session,
        Event(
            EventKind.MEETING_ADDED,
            actor,
            plan.name,
            None,
            {
                "key": label,
                "board": board.name,
                "date": day.isoformat(),
                "audience": audience.value,
                "theme": theme,
            },
        ),
    )
    return meeting, board, plan
