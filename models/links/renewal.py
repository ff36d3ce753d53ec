"""A fresh link for someone whose link no longer works: sent to the address on record for the person the old
link names (never to an address typed in), at most once a day per person and link, and recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models.calendar import local_date
from models.errors import BadInput
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.links.tokens import LinkClaims
from models.outbox import Notice, existing_keys
from models.people import Person
from models.plan import Action, Milestone, Plan
from models.plans.updates import entitled_people
from models.vocab import day_in_words


class NobodyToSendTo(BadInput):
    """The link names a person or plan removed since: there is no address on record to send to."""

    def __init__(self) -> None:
        super().__init__("This link names nobody we can send a new link to.")


@dataclass(frozen=True)
class Renewal:
    sent_to: str  # masked: "a***@example.org"
    queued: bool  # False: one was already queued today, so nothing more was


def masked(email: str) -> str:
    """Enough of an address for its owner to recognise it, not enough for anyone else to learn it."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def request_fresh_link(session: Session, claims: LinkClaims, now: datetime, *, fingerprint: str) -> Renewal:
    """Queues a LINK_RESENT notice to the person's address on record, in the caller's transaction, with its
    ledger event (the old link by `fingerprint` only: a token never enters the ledger). The dispatcher
    writes the fresh links when it sends: "all my items", and the item's own when the person may still
    update it (otherwise the notice names no item, and only "all my items" goes)."""
    person, plan = session.get(Person, claims.person_id), session.get(Plan, claims.plan_id)
    if person is None or plan is None:
        raise NobodyToSendTo()
    day = local_date(now, plan.timezone)
    ref, title, due = _item(session, plan, person, claims.ref)
    key = f"{plan.name}|link|{person.id}|{claims.ref or '*'}|{day.isoformat()}"
    if existing_keys(session, [key]):
        return Renewal(masked(person.email), queued=False)
    payload = {
        "ref": ref,
        "title": title,
        "due": due,
        "reason": f"You asked for a new link on {day_in_words(day)}.",
        "recipient_name": person.name,
        "level": 1,
    }
    # Two clicks in two processes at once: the second's insert meets the unique key and its transaction
    # fails (IntegrityError), which the caller answers as "already sent today".
    session.add(
        Notice(
            dedupe_key=key,
            plan=plan.name,
            recipient=person.email,
            kind=str(EventKind.LINK_RESENT),
            item_refs=ref,
            payload=json.dumps(payload, sort_keys=True),
            created_at=now,
            not_before=now,
        )
    )
    record(
        session,
        Event(
            EventKind.LINK_RESENT,
            person.email,
            plan.name,
            ref or None,
            {"old_link": fingerprint, "item_link": bool(ref), "dedupe_key": key},
        ),
    )
    return Renewal(masked(person.email), queued=True)


def _item(session: Session, plan: Plan, person: Person, ref: str | None) -> tuple[str, str, str]:
    """The item of an item link (ref, title, due), when the person may still update it; else nothing."""
    if ref is None:
        return "", "", ""
    item: Action | Milestone | None = session.exec(
        select(Action).where(Action.plan_id == plan.id, Action.ref == ref)
    ).first()
    if item is None:
        item = session.exec(
            select(Milestone).where(Milestone.plan_id == plan.id, Milestone.ref == ref)
        ).first()
    if item is None or person.email not in entitled_people(session, plan, item):
        return "", "", ""
    due = item.current_due if isinstance(item, Action) else item.due
    return item.ref, item.title, due.isoformat()
