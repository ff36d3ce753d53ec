"""Chasing updates before a meeting: owners of open items in its scope who have been silent are asked for
an update on the policy's days before each board or scrutiny meeting (never for a public one)."""

from __future__ import annotations

from datetime import date

from models.ledger.kinds import EventKind
from models.sweep.decision import Decision
from models.sweep.facts import Context, Facts, decision_for, latest_step, owner_role
from models.sweep.views import ItemView, MeetingView
from models.vocab import Audience, ItemKind, day_in_words, plural


def meeting_chase(context: Context, facts: dict[str, Facts]) -> list[Decision]:
    snapshot, policy, calendar, today = context.snapshot, context.policy, context.calendar, context.today
    out: list[Decision] = []
    chase = policy.meetings.chase_days
    if not chase:
        return out
    seen: set[tuple[str, date]] = set()
    for meeting in snapshot.meetings:
        if meeting.audience is Audience.PUBLIC or (meeting.board, meeting.date) in seen:
            continue
        seen.add((meeting.board, meeting.date))
        to_meeting = calendar.working_days_to_due(today, meeting.date)
        if to_meeting < 1:
            continue
        step = latest_step(to_meeting, chase)
        if step is None:
            continue
        silent = chase[0]
        for fact in facts.values():
            if not _in_scope(fact.item, meeting) or (
                fact.since_update is not None and fact.item.last_update and fact.since_update < silent
            ):
                continue

            def reason(ref: str = fact.item.ref, meeting: MeetingView = meeting, silent: int = silent) -> str:
                return (
                    f"{ref}: no update in the last {plural(silent, 'working day')}, "
                    f"and {meeting.board} meets on {day_in_words(meeting.date)}: update requested"
                )

            out += decision_for(
                context,
                fact,
                f"meeting_chase:{meeting.date.isoformat()}",
                step,
                EventKind.UPDATE_REQUESTED,
                fact.item.owner,
                owner_role(fact.item),
                reason,
                urgency=2,
                meeting=meeting.date.isoformat(),
                board=meeting.board,
            )
    return out


def _in_scope(item: ItemView, meeting: MeetingView) -> bool:
    if item.kind is not ItemKind.ACTION:
        return False
    if meeting.audience is Audience.SCRUTINY:
        return item.area is not None and item.area == meeting.theme_area
    return True
