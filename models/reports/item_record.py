"""One item's page in the console: its facts and updates (`models.reports.item_story`), its whole story in
the ledger as `lineofsight audit history` tells it (the same events, the same words), and every message
sent or owed about it (the outbox rows naming it). An item hidden from the viewer is as unknown as one that
does not exist: the same refusal, so a page cannot tell which."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.calendar import WorkingCalendar
from models.columns import key_of
from models.console.visibility import hidden_refs, redact
from models.errors import BadInput, UnknownItem
from models.ledger.stored import StoredEvent
from models.ledger.trail import item_history
from models.outbox import Channel, Notice, NoticeStatus
from models.plan import Plan
from models.reports.event_lines import summary
from models.reports.forecasts import forecast_line, load_forecasts
from models.reports.item_story import ItemStory, load_item_story


@dataclass(frozen=True)
class StoryLine:
    event: StoredEvent
    what: str


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    recipient: str
    channel: Channel
    status: NoticeStatus
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class ItemRecord:
    story: ItemStory
    history: tuple[StoryLine, ...]
    messages: tuple[Message, ...]
    forecast: str | None = None  # an open item's forecast finish in words, or why there is none


def load_item_record(
    session: Session,
    plan: Plan,
    ref: str,
    as_of: date,
    calendar: WorkingCalendar,
    *,
    exempt_visible: bool,
    messages: bool = True,
    stale_after: int | None = None,
) -> ItemRecord:
    """Raises UnknownItem for an item of no such ref in the plan, and for one the viewer may not see.
    `messages=False` leaves the messages out, for a caller who keeps the rest (models.reports.read_cache)
    and reads them afresh each time: the outbox's lease and grouping change notices with no ledger event."""
    story = load_item_story(session, ref, plan.name, as_of, calendar)
    if story.exempt and not exempt_visible:
        raise UnknownItem("action or milestone", ref)
    hidden = hidden_refs(session, key_of(plan), exempt_visible)
    story = replace(story, depends_on=tuple(r for r in story.depends_on if r not in hidden))
    try:
        events = item_history(session, story.ref, plan.name)
    except BadInput:  # nothing in the ledger about it yet: an empty story, not an error
        events = []
    history = tuple(StoryLine(e, redact(summary(e), hidden)) for e in events)
    outcome = load_forecasts(session, plan, as_of, calendar, stale_after, refs={story.ref}).get(story.ref)
    forecast = (
        redact(forecast_line(outcome), hidden) if outcome is not None else None
    )  # it may name an action
    found = messages_about(session, plan.name, story.ref) if messages else ()
    return ItemRecord(story, history, found, forecast)


def messages_about(session: Session, plan: str, ref: str) -> tuple[Message, ...]:
    """Notices whose refs include `ref` (a digest names several), oldest first."""
    N = Notice
    refs = col(N.item_refs)
    escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(N)
        .where(
            col(N.plan) == plan,
            sa.or_(
                refs == ref,
                refs.like(f"{escaped} %", escape="\\"),
                refs.like(f"% {escaped}", escape="\\"),
                refs.like(f"% {escaped} %", escape="\\"),
            ),
        )
        .order_by(col(N.created_at), col(N.id))
    )
    return tuple(
        Message(n.id or 0, n.kind, n.recipient, n.channel, n.status, n.created_at, n.sent_at, n.last_error)
        for n in session.exec(query)
        if ref in n.item_refs.split()
    )
