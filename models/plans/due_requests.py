"""An owner's request to move a due date: recorded (a `DueChangeRequest` awaiting a decision, and its ledger
event) and sent to whoever decides, never applied. Moving a due date is re-baselining, which stays a
secretariat act (in the console, `models.plans.due_decisions`, or in the plan workbook); an owner can only
ask."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.columns import key_of
from models.console_records import DueChangeRequest
from models.errors import InvalidValue
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board
from models.outbox import Notice, notice_rows
from models.people import Person
from models.plan import Action, Area, Milestone, Plan
from models.plans.text_rules import free_text
from models.plans.updates import FieldError
from models.vocab import DAY_WINDOW, ItemKind, day_in_words, within_window

MAX_REASON = 2_000
NEXT_STEP = (
    "The board secretariat accepts or declines it in the console (Due-date requests), or re-baselines it in "
    "the plan workbook."
)


def request_due_change(
    session: Session,
    plan: Plan,
    item: Action | Milestone,
    person: Person,
    wanted: date,
    reason: str,
    at: datetime,
    on_behalf_of: str | None = None,
) -> list[str]:
    """Records the request (a row the console lists until it is decided, and its ledger event) and queues one
    notice per decider, in the caller's transaction; returns their addresses. Refusals name the form's field
    (FieldError)."""
    due = item.current_due if isinstance(item, Action) else item.due
    try:
        within_window(wanted, "date to move the due date to", wanted.isoformat())
    except InvalidValue as exc:
        raise FieldError(str(exc), "due_change") from None
    if wanted == due:
        raise FieldError(
            f"{day_in_words(due)} is already the due date of {item.ref}: give the date it should move to "
            f"({DAY_WINDOW}).",
            "due_change",
        )
    if not reason.strip():
        raise FieldError(
            "Say why the due date should move: the secretariat decides on it.", "due_change_reason"
        )
    try:
        reason = free_text(reason.strip(), "reason", MAX_REASON)
    except InvalidValue as exc:
        raise FieldError(str(exc), "due_change_reason") from None

    deciders = _deciders(session, plan, item)
    owner = session.get(Person, item.owner_id)
    who = person.name if not on_behalf_of or owner is None else f"{person.name}, for {owner.name},"
    said = (
        f"{who} asks to move the due date of {item.ref} from {day_in_words(due)} to {day_in_words(wanted)}: "
        f"{reason}"
    )
    rows = []
    for decider in deciders:
        payload = {
            "ref": item.ref,
            "title": item.title,
            "due": due.isoformat(),
            "reason": said,
            "next_step": NEXT_STEP,
            "requested_due": wanted.isoformat(),
            "requested_by": person.email,
            "owner": owner.email if owner else None,
            "owner_name": owner.name if owner else None,
            "on_behalf_of": on_behalf_of,
            "recipient_name": decider.name,
            "level": 1,
        }
        key = "|".join(
            (plan.name, item.ref, "due-change", person.email, str(wanted), at.isoformat(), decider.email)
        )
        rows += notice_rows(
            plan.name,
            decider.email,
            bool(decider.teams_url),
            str(EventKind.DUE_CHANGE_REQUESTED),
            item.ref,
            payload,
            key,
            at,
        )
    if rows:
        session.execute(sa.insert(Notice.__table__), rows)  # type: ignore[attr-defined]
    asked = DueChangeRequest(
        plan_id=key_of(plan),
        item_ref=item.ref,
        item_kind=(ItemKind.ACTION if isinstance(item, Action) else ItemKind.MILESTONE).value,
        requested_by=person.email,
        on_behalf_of=on_behalf_of,
        from_due=due,
        to_due=wanted,
        reason=reason,
        requested_at=at,
    )
    session.add(asked)
    session.flush()
    record(
        session,
        Event(
            EventKind.DUE_CHANGE_REQUESTED,
            person.email,
            plan.name,
            item.ref,
            {
                "from": due.isoformat(),
                "to": wanted.isoformat(),
                "reason": reason,
                "channel": "web",
                "sent_to": [d.email for d in deciders],
                "request_id": asked.id,
                **({"on_behalf_of": on_behalf_of} if on_behalf_of else {}),
            },
        ),
    )
    return [d.email for d in deciders]


def _deciders(session: Session, plan: Plan, item: Action | Milestone) -> list[Person]:
    """The plan's board secretariats, who decide on re-baselining. A plan with no board yet has nobody in
    that seat: the request then goes to whoever answers for the item above its owner, the nearest first:
    its accountable lead, else its area's lead, else the owner's manager (never nobody silently: with none of
    them the request is still recorded in the ledger, where `sent_to` says nobody was told)."""
    ids = list(
        dict.fromkeys(
            session.exec(select(Board.secretariat_id).where(Board.plan_id == plan.id).order_by(col(Board.id)))
        )
    )
    if not ids and isinstance(item, Action):
        area = session.get(Area, item.area_id)
        ids = [i for i in (item.lead_id, area.lead_id if area else None) if i is not None][:1]
    if not ids:
        owner = session.get(Person, item.owner_id)
        ids = [owner.manager_id] if owner and owner.manager_id else []
    people = [session.get(Person, i) for i in ids]
    return [p for p in people if p is not None]
