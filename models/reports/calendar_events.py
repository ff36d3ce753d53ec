"""What a person's calendar feed holds, and the feed itself: the due dates of the items they own, and, on
the boards they sit on (secretariat, chair, member), each meeting, the day its pack goes out and the plan's
milestones. Read afresh at every fetch from their live roles (`models.console.roles.standings`): a person
who loses a board role keeps only their own items.

All-day events (VALUE=DATE) with stable UIDs (`action-{plan_id}-{ref}-due@lineofsight`), so a calendar
program moves an event when its date changes rather than adding another; DTSTAMP is the event's own day, so
two fetches of the same data are the same bytes. `entries` and `ics` are pure; `load_feed` reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlmodel import Session, col, select

from config.timezone import DEFAULT_TIMEZONE
from models.console.roles import BOARD_ROLES, standings
from models.meetings import Board, Meeting
from models.people import Person
from models.plan import Action, Milestone, Plan
from models.vocab import Status

PRODID = "-//Line of Sight//Console calendar feed//EN"
UID_DOMAIN = "lineofsight"
PAST_MEETINGS = timedelta(days=90)  # meetings shown back this far: the recent ones, not a board's whole life
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Due:
    plan_id: int
    plan: str
    kind: str  # action or milestone
    ref: str
    title: str
    due: date


@dataclass(frozen=True)
class BoardMeeting:
    plan_id: int
    plan: str
    board: str
    meeting_id: int
    day: date
    pack_day: date


@dataclass(frozen=True)
class Entry:
    uid: str
    day: date
    summary: str
    description: str


def _uid(*parts: object) -> str:
    return "-".join(_UNSAFE.sub("_", str(p)) for p in parts) + f"@{UID_DOMAIN}"


def entries(owned: Iterable[Due], meetings: Iterable[BoardMeeting], milestones: Iterable[Due]) -> list[Entry]:
    """The feed's events in date order, one per UID (an item both owned and a board's milestone once)."""
    found: dict[str, Entry] = {}
    for item in owned:
        uid = _uid(item.kind, item.plan_id, item.ref, "due")
        text = f"{item.ref} due: {item.title}"
        found.setdefault(uid, Entry(uid, item.due, text, f"Your {item.kind} in {item.plan} is due."))
    for m in meetings:
        uid = _uid("meeting", m.plan_id, m.meeting_id)
        found.setdefault(uid, Entry(uid, m.day, f"{m.board} meets", f"{m.board} ({m.plan}) meets."))
        uid = _uid("pack", m.plan_id, m.meeting_id)
        text = f"{m.board} pack goes out"
        description = f"The pack for {m.board}'s meeting on {m.day.isoformat()} ({m.plan}) goes out."
        found.setdefault(uid, Entry(uid, m.pack_day, text, description))
    for item in milestones:
        uid = _uid(item.kind, item.plan_id, item.ref, "due")
        text = f"{item.ref} milestone: {item.title}"
        found.setdefault(uid, Entry(uid, item.due, text, f"A milestone of {item.plan}."))
    return sorted(found.values(), key=lambda e: (e.day, e.uid))


def ics(found: Iterable[Entry], name: str, timezone: str = DEFAULT_TIMEZONE) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Line of Sight: {name}")
    calendar.add("x-wr-timezone", timezone)
    for entry in found:
        event = CalendarEvent()
        event.add("uid", entry.uid)
        event.add("dtstamp", datetime.combine(entry.day, time.min, tzinfo=UTC))
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


def load_feed(
    session: Session, email: str, as_of: datetime, pack_day: Callable[[Plan, date], date]
) -> tuple[str, list[Entry]] | None:
    """The person's name and their feed's events at `as_of`; None for an address that is no one now (no
    People row and no standing). `pack_day(plan, meeting day)`: the day that meeting's pack goes out."""
    address = email.casefold()
    people = list(session.exec(select(Person).where(Person.email == address)))
    found = standings(session, address, as_of)
    if not people and not found:
        return None
    plans = {p.id: p for p in session.exec(select(Plan))}
    ids = [p.id for p in people]
    owned: list[Due] = []
    for action in session.exec(select(Action).where(col(Action.owner_id).in_(ids))):
        if action.status.is_open:
            plan = plans[action.plan_id]
            owned.append(
                Due(action.plan_id, plan.name, "action", action.ref, action.title, action.current_due)
            )
    for milestone in session.exec(select(Milestone).where(col(Milestone.owner_id).in_(ids))):
        if milestone.status.is_open:
            owned.append(_milestone(milestone, plans[milestone.plan_id].name))
    boards = {b: s for s in found for b, roles in s.boards.items() if roles & BOARD_ROLES}
    meetings: list[BoardMeeting] = []
    milestones: list[Due] = []
    if boards:
        rows = session.exec(select(Board, Meeting).join(Meeting).where(col(Board.id).in_(list(boards))))
        for board, meeting in rows:
            plan = plans[board.plan_id]
            if meeting.date >= as_of.date() - PAST_MEETINGS:
                meetings.append(
                    BoardMeeting(
                        board.plan_id,
                        plan.name,
                        board.name,
                        meeting.id or 0,
                        meeting.date,
                        pack_day(plan, meeting.date),
                    )
                )
        board_plans = {s.plan_id for s in boards.values()}
        for milestone in session.exec(select(Milestone).where(col(Milestone.plan_id).in_(board_plans))):
            if milestone.status not in (Status.CANCELLED,):
                milestones.append(_milestone(milestone, plans[milestone.plan_id].name))
    name = people[0].name if people else found[0].name
    return name, entries(owned, meetings, milestones)


def _milestone(milestone: Milestone, plan: str) -> Due:
    return Due(milestone.plan_id, plan, "milestone", milestone.ref, milestone.title, milestone.due)
