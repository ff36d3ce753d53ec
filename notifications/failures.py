"""A digest that did not go: its notices retried later with backoff, or dead with the reason, each with its
`NoticeFailed` event; and the one-line, secret-free reason every failure is written with."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from models.db import unit_of_work
from models.ledger.chain import Event, record_many
from models.ledger.kinds import EventKind
from models.outbox import Channel, Notice, NoticeStatus
from models.output.secrets import redact_text
from notifications.receipts import ACTOR
from notifications.senders import Delivery

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Failure:
    """A notice this run could not deliver: tried again at `retry_at`, or dead when that is None."""

    notice_id: int
    recipient: str
    channel: str
    error: str | None
    retry_at: datetime | None


def reason(what: str, exc: BaseException) -> str:
    """One line for `last_error` and the ledger: what failed, the exception's class and first line, with
    anything that looks like a secret (a Workflows URL's signature, a URL's user information) taken out."""
    first = (str(exc).strip().splitlines() or [""])[0]
    text = redact_text(first)
    return f"{what}: {type(exc).__name__}{': ' if text else ''}{text}"[:300]


def mark_failed(
    engine: Engine,
    ids: tuple[int, ...],
    message_id: str | None,
    delivery: Delivery,
    now: datetime,
) -> list[Failure]:
    """Not delivered: retried later (free to join the person's next digest with whatever else is due then),
    or dead when the failure is permanent or the attempts are spent. A message the server may have stored
    without confirming it keeps its Message-ID: it goes again as it was, never inside a different mix."""
    failures: list[Failure] = []
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(Notice).where(col(Notice.id).in_(list(ids)), Notice.status == NoticeStatus.SENDING)
        ).all()
        events = []
        for notice in rows:
            retry = delivery.transient and notice.attempts < MAX_ATTEMPTS
            notice.status = NoticeStatus.FAILED if retry else NoticeStatus.DEAD
            notice.last_error = delivery.error
            notice.message_id = message_id if retry and delivery.unconfirmed else None
            retry_at = None
            if retry:
                notice.due_at = notice.due_at or notice.not_before
                notice.not_before = now + _backoff(notice.attempts)
                retry_at = notice.not_before
            channel = Channel(notice.channel).value
            failures.append(Failure(notice.id or 0, notice.recipient, channel, delivery.error, retry_at))
            event = failed_event(notice, delivery.error, message_id, not retry, retry_at)
            if delivery.unconfirmed:
                event.data["unconfirmed"] = True  # the server may hold a copy: it goes again, same Message-ID
            events.append(event)
            session.add(notice)
        session.flush()
        record_many(session, events)
    return failures


def failed_event(
    notice: Any, error: str | None, message_id: str | None, dead: bool, retry_at: datetime | None = None
) -> Event:
    """The ledger's `NoticeFailed` for a notice (a `Notice` or a claimed row with the same fields)."""
    data: dict[str, object] = {
        "notice_id": notice.id,
        "dedupe_key": notice.dedupe_key,
        "recipient": notice.recipient,
        "channel": Channel(notice.channel).value,
        "attempt": notice.attempts,
        "message_id": message_id,
        "error": error,
    }
    if retry_at is not None:
        data["retry_at"] = retry_at.isoformat()
    if dead:
        data["dead"] = True
    return Event(EventKind.NOTICE_FAILED, ACTOR, notice.plan, notice.item_refs, data)


def _backoff(attempts: int) -> timedelta:
    """Exponential with jitter: 5, 10, 20 ... minutes, capped at 6 hours; eight attempts span about a day."""
    minutes = min(5 * 2 ** max(attempts - 1, 0), 360)
    return timedelta(minutes=minutes * random.uniform(0.8, 1.2))
