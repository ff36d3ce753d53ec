"""The secretariat's decision on an owner's request to move a due date (`models.plans.due_requests`):
accept, a re-baseline recorded as the workbook import records one (with the reason and the request), or
decline; either way the owner, and whoever asked for them, is told why through the outbox.

A request is decided once: the decision claims it with one conditional UPDATE, so of two secretariats
deciding at the same moment one wins and the other is refused. An acceptance is refused when the item has
moved on since the request was made (cancelled, complete, or its due date changed in the workbook): the
request then no longer says what it meant. A decline is never stale: it only says no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from models.calendar import local_date
from models.console_records import DueChangeRequest
from models.errors import BadInput, InvalidValue
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.outbox import Notice, notice_rows
from models.people import Person, organisation_key
from models.plan import Action, Milestone, Plan
from models.plans.text_rules import free_text
from models.vocab import ItemKind, Status, day_in_words, within_window

MAX_REASON = 2_000
OPEN, ACCEPTED, DECLINED = "open", "accepted", "declined"
T = TypeVar("T")


class DecisionRefused(BadInput):
    """A decision that cannot be made as asked; `field` is "reason" when the reason is what is wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ItemNow:
    """The requested item as it stands at the decision."""

    ref: str
    status: Status
    due: date


def decision_reason(text: str) -> str:
    """The reason as it will be stored and sent: required, at most 2,000 characters, no hidden characters
    (the rules every door applies to free text)."""
    if not text.strip():
        raise DecisionRefused("Give the reason for the decision: the owner is told it.", "reason")
    try:
        return free_text(text.strip(), "reason", MAX_REASON)
    except InvalidValue as exc:
        raise DecisionRefused(str(exc), "reason") from None


def why_not_accept(request: DueChangeRequest, item: ItemNow | None) -> str | None:
    """Why the request cannot be accepted now, in words for the secretariat; None when it can."""
    if request.status != OPEN:
        return already_decided(request)
    return _overtaken(request, item)


def _overtaken(request: DueChangeRequest, item: ItemNow | None) -> str | None:
    """Why the item no longer fits the request (gone, closed, its date moved, a date out of bounds)."""
    if item is None:
        return f"{request.item_ref} is no longer in the plan: decline the request instead."
    if item.status is Status.CANCELLED or item.status.is_done:
        return (
            f"{item.ref} is {item.status.value} since the request was made: its due date no longer moves. "
            "Decline the request instead."
        )
    if item.due != request.from_due:
        return (
            f"The due date of {item.ref} has changed since the request was made (it asked to move "
            f"{day_in_words(request.from_due)}; it is now {day_in_words(item.due)}), so the request is "
            "out of date: decline it, and the owner can ask again."
        )
    try:
        within_window(request.to_due, "date to move the due date to")
    except InvalidValue as exc:
        return str(exc)
    return None


def already_decided(request: DueChangeRequest) -> str:
    when = f" on {day_in_words(local_date(request.decided_at))}" if request.decided_at else ""
    who = f" by {request.decided_by}" if request.decided_by else ""
    return f"This request was already {request.status}{who}{when}: a request is decided once."


def accept(session: Session, request: DueChangeRequest, by: str, reason: str, at: datetime) -> None:
    """The re-baseline: the item's due date set to the date asked for, its events and the notices, in the
    caller's transaction. DecisionRefused when it cannot be made (nothing is then written)."""
    reason = decision_reason(reason)
    if request.status != OPEN:
        raise DecisionRefused(already_decided(request))
    # Claimed first, then the item read under its lock: of two decisions at once on this request the second
    # hears it was decided, and of two acceptances of requests about one item the second sees the date the
    # first set. A refusal rolls the claim back with everything else.
    _claim(session, request, ACCEPTED, by, reason, at)
    plan, item = _plan_and_item(session, request)
    refused = _overtaken(request, ItemNow(item.ref, item.status, _due(item)) if item is not None else None)
    if refused is not None or item is None:
        raise DecisionRefused(refused or "")
    data: dict[str, object] = {
        "before": {"due": request.from_due.isoformat()},
        "after": {"due": request.to_due.isoformat()},
        "reason": reason,
    }
    if isinstance(item, Action):
        item.current_due = request.to_due
        item.rebaseline_count += 1
        data |= {"original_due": item.original_due.isoformat(), "rebaseline_count": item.rebaseline_count}
    else:
        item.due = request.to_due
    session.add(item)
    said = (
        f"The board secretariat accepted the request to move the due date of {item.ref} from "
        f"{day_in_words(request.from_due)} to {day_in_words(request.to_due)}: {reason}"
    )
    told = _tell(session, plan, item, request, EventKind.DUE_CHANGE_ACCEPTED, said, at)
    record(
        session,
        Event(EventKind.DUE_DATE_REBASELINED, by, plan.name, item.ref, data | {"request_id": request.id}),
    )
    record(session, _decided(EventKind.DUE_CHANGE_ACCEPTED, request, plan, by, reason, told))


def decline(session: Session, request: DueChangeRequest, by: str, reason: str, at: datetime) -> None:
    """No: the due date stays; the owner (and whoever asked) is told why. In the caller's transaction."""
    reason = decision_reason(reason)
    if request.status != OPEN:
        raise DecisionRefused(already_decided(request))
    _claim(session, request, DECLINED, by, reason, at)  # first, as accept does: the same lock order
    plan, item = _plan_and_item(session, request)
    told: list[str] = []
    if item is not None:
        said = (
            f"The board secretariat declined the request to move the due date of {item.ref} from "
            f"{day_in_words(request.from_due)} to {day_in_words(request.to_due)}: {reason}. The due date "
            f"stays {day_in_words(_due(item))}."
        )
        told = _tell(session, plan, item, request, EventKind.DUE_CHANGE_DECLINED, said, at)
    record(session, _decided(EventKind.DUE_CHANGE_DECLINED, request, plan, by, reason, told))


def _claim(
    session: Session, request: DueChangeRequest, status: str, by: str, reason: str, at: datetime
) -> None:
    """Open -> decided in one statement that only an open request matches: the loser of two decisions at
    once matches nothing (PostgreSQL re-reads the row once the winner commits; SQLite serialises writers)."""
    table = DueChangeRequest.__table__  # type: ignore[attr-defined]
    done = session.execute(
        sa.update(table)
        .where(table.c.id == request.id, table.c.status == OPEN)
        .values(status=status, decided_by=by, decided_at=at, decision_reason=reason)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        session.refresh(request)
        raise DecisionRefused(already_decided(request))
    session.refresh(request)


def _plan_and_item(session: Session, request: DueChangeRequest) -> tuple[Plan, Action | Milestone | None]:
    plan = session.get(Plan, request.plan_id)
    if plan is None:
        raise DecisionRefused(f"No plan {request.plan_id}.")
    # Locked, so two requests about one item accepted at once are decided one after the other, the second
    # against the date the first set (and refused as out of date).
    if request.item_kind == ItemKind.ACTION.value:
        action = select(Action).where(Action.plan_id == request.plan_id, Action.ref == request.item_ref)
        return plan, session.exec(_locked(action)).first()
    milestone = select(Milestone).where(
        Milestone.plan_id == request.plan_id, Milestone.ref == request.item_ref
    )
    return plan, session.exec(_locked(milestone)).first()


def _locked(query: SelectOfScalar[T]) -> SelectOfScalar[T]:
    return query.with_for_update().execution_options(populate_existing=True)


def _due(item: Action | Milestone) -> date:
    return item.current_due if isinstance(item, Action) else item.due


def _decided(
    kind: EventKind, request: DueChangeRequest, plan: Plan, by: str, reason: str, told: list[str]
) -> Event:
    return Event(
        kind,
        by,
        plan.name,
        request.item_ref,
        {
            "request_id": request.id,
            "from": request.from_due.isoformat(),
            "to": request.to_due.isoformat(),
            "requested_by": request.requested_by,
            "reason": reason,
            "told": told,
        },
    )


def _tell(
    session: Session,
    plan: Plan,
    item: Action | Milestone,
    request: DueChangeRequest,
    kind: EventKind,
    said: str,
    at: datetime,
) -> list[str]:
    """A notice to the item's owner and to whoever asked, if someone else (a deputy): each once."""
    owner = session.get(Person, item.owner_id)
    organisation = organisation_key(plan.name, plan.organisation)
    asker = session.exec(
        select(Person).where(Person.organisation == organisation, Person.email == request.requested_by)
    ).first()
    people = {p.email: p for p in (owner, asker) if p is not None}
    rows = []
    for person in people.values():
        payload = {
            "ref": item.ref,
            "title": item.title,
            "due": _due(item).isoformat(),
            "reason": said,
            "requested_due": request.to_due.isoformat(),
            "request_id": request.id,
            "owner": owner.email if owner else None,
            "owner_name": owner.name if owner else None,
            "on_behalf_of": owner.email if owner and person is not owner else None,
            "recipient_name": person.name,
            "level": 1,
        }
        key = "|".join((plan.name, item.ref, kind.value, str(request.id), person.email))
        rows += notice_rows(
            plan.name, person.email, bool(person.teams_url), kind.value, item.ref, payload, key, at
        )
    if rows:
        session.execute(sa.insert(Notice.__table__), rows)  # type: ignore[attr-defined]
    return list(people)
