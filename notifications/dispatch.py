"""Delivery: claim due notices, group them into one digest per recipient and channel, render, send, mark.

A claim is a single statement (`UPDATE ... RETURNING`; on PostgreSQL its subquery takes `FOR UPDATE SKIP
LOCKED`), so concurrent dispatchers never take the same notice. A claim older than the lease (a dispatcher
that died) is taken again. The one window in which a message can go twice is between the server accepting
it and its receipt committing (see `notifications.receipts`); every email carries a Message-ID derived from
its dedupe keys, so a mail system can drop the copy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.db import unit_of_work
from models.ledger import Event, record_many
from models.outbox import Channel, Notice, NoticeStatus
from models.people import teams_urls
from notifications.messages import Digest, PendingNotice, build_digests, decode_payload
from notifications.pack_mail import (
    PackDigest,
    board_channels,
    is_pack,
    pack_digests,
    render_pack_card,
    render_pack_email,
)
from notifications.receipts import ACTOR, Receipts
from notifications.rendering import render_card, render_email
from notifications.transport import Delivery, Transport

LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 8


@dataclass
class DispatchResult:
    claimed: int = 0
    digests: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0


NOTICE_COLUMNS = tuple(
    col(c)
    for c in (
        Notice.message_id,
        Notice.id,
        Notice.dedupe_key,
        Notice.recipient,
        Notice.channel,
        Notice.kind,
        Notice.urgency,
        Notice.payload,
        Notice.plan,
    )
)


def claim(engine: Engine, now: datetime, limit: int = 1_000) -> list[PendingNotice]:
    """Take the due notices of up to `limit` recipients."""
    due = sa.or_(
        sa.and_(
            col(Notice.status).in_([NoticeStatus.PENDING, NoticeStatus.FAILED]), col(Notice.not_before) <= now
        ),
        sa.and_(col(Notice.status) == NoticeStatus.SENDING, col(Notice.claimed_at) < now - LEASE),
    )
    # Whole recipients at a time, so that everything one person is owed goes in one digest.
    recipients = (
        select(Notice.recipient)
        .where(due)
        .group_by(col(Notice.recipient))
        .order_by(col(Notice.recipient))
        .limit(limit)
    )
    ids = (
        select(Notice.id)
        .where(due, col(Notice.recipient).in_(recipients.scalar_subquery()))
        .with_for_update(skip_locked=True)
    )
    statement = (
        sa.update(Notice)
        .where(col(Notice.id).in_(ids.scalar_subquery()))
        .values(status=NoticeStatus.SENDING, claimed_at=now, attempts=col(Notice.attempts) + 1)
        .returning(*NOTICE_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    with unit_of_work(engine, bookkeeping=True) as session:
        rows = session.execute(statement).all()
    return [
        PendingNotice(
            r.id,
            r.dedupe_key,
            r.recipient,
            Channel(r.channel).value,
            r.kind,
            r.urgency,
            {**decode_payload(r.payload), "_plan": r.plan},
            r.message_id,
        )
        for r in rows
    ]


def dispatch(
    engine: Engine, transport: Transport, now: datetime, *, sender: str, limit: int = 1_000
) -> DispatchResult:
    notices = claim(engine, now, limit)
    result = DispatchResult(claimed=len(notices))
    if not notices:
        return result
    plan_of = {n.id: str(n.payload.pop("_plan")) for n in notices}
    domain = parseaddr(sender)[1].rpartition("@")[2] or "lineofsight.invalid"  # "Name <a@b>" too
    with Session(engine) as session:
        # By (plan, recipient): the same address in two organisations has two Teams URLs.
        teams = teams_urls(session) | board_channels(session)
    # A board pack goes alone, with its PDF: never folded into the person's digest.
    packs = [n for n in notices if is_pack(n)]
    digests = build_digests([n for n in notices if not is_pack(n)], plan_of, domain)
    digests += pack_digests(packs, plan_of, domain)
    _remember(engine, digests)
    try:
        with Receipts.held(engine) as receipts:
            for digest in digests:
                rendered = _render(digest, sender, now)
                result.digests += 1
                delivery = _send(transport, digest, rendered, teams.get((digest.plan, digest.recipient)))
                # The receipt is written before the next send, never later: a crash can then send at most
                # this one digest twice. (Measured and dropped: receipts written on a second thread while the
                # next digest went, which let two digests sit in that window, and rendering a few digests
                # ahead on a helper thread; with one interpreter lock neither was faster.)
                if delivery.ok:
                    result.sent += receipts.sent(digest, now)
                else:
                    _mark_failed(engine, digest, delivery, now, result)
    finally:
        close = getattr(transport, "close", None)
        if close is not None:
            close()
    return result


def _remember(engine: Engine, digests: list[Digest]) -> None:
    """Note the digest each notice goes in before sending any: if this process dies after the server took a
    message, the next dispatcher sends the very same digest (same Message-ID), never a different mix."""
    table = Notice.__table__  # type: ignore[attr-defined]
    statement = table.update().where(table.c.id == sa.bindparam("nid")).values(message_id=sa.bindparam("mid"))
    rows = [{"nid": i, "mid": d.message_id} for d in digests for i in d.notice_ids]
    with unit_of_work(engine, bookkeeping=True) as session:
        session.connection().execute(statement, rows)


# What a digest became: an email, a card, or the reason it could not be built.
Rendered = tuple[str, Any]


def _render(digest: Digest, sender: str, now: datetime) -> Rendered:
    try:
        if isinstance(digest, PackDigest):
            if digest.channel == Channel.TEAMS.value:
                return "card", render_pack_card(digest)
            return "email", render_pack_email(digest, sender, now)
        if digest.channel == Channel.TEAMS.value:
            return "card", render_card(digest)
        return "email", render_email(digest, sender, now)
    except OSError as exc:  # a pack's PDF that cannot be read: passing trouble, tried again later
        return "failed", Delivery(ok=False, transient=True, error=f"{type(exc).__name__}: {exc}")


def _send(transport: Transport, digest: Digest, rendered: Rendered, teams_url: str | None) -> Delivery:
    kind, content = rendered
    if kind == "failed":
        return cast(Delivery, content)
    try:
        if kind == "card":
            return transport.send_card(teams_url, content, digest.recipient)
        return transport.send_email(content)
    except OSError as exc:  # a transport that raised instead of reporting: treat as passing trouble
        return Delivery(ok=False, transient=True, error=f"{type(exc).__name__}: {exc}")


def _mark_failed(
    engine: Engine, digest: Digest, delivery: Delivery, now: datetime, result: DispatchResult
) -> None:
    """Not delivered: retried later (free to join the person's next digest with whatever else is due then),
    or dead when the failure is permanent or the attempts are spent."""
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(Notice).where(
                col(Notice.id).in_(list(digest.notice_ids)), Notice.status == NoticeStatus.SENDING
            )
        ).all()
        events = []
        for notice in rows:
            retry = delivery.transient and notice.attempts < MAX_ATTEMPTS
            notice.status = NoticeStatus.FAILED if retry else NoticeStatus.DEAD
            notice.last_error, notice.message_id = delivery.error, None
            data: dict[str, object] = {
                "notice_id": notice.id,
                "dedupe_key": notice.dedupe_key,
                "recipient": notice.recipient,
                "channel": notice.channel.value,
                "attempt": notice.attempts,
                "message_id": digest.message_id,
                "error": delivery.error,
            }
            if retry:
                notice.not_before = now + _backoff(notice.attempts)
                data["retry_at"] = notice.not_before.isoformat()
                result.retrying += 1
            else:
                data["dead"] = True
                result.dead += 1
            events.append(Event("NoticeFailed", ACTOR, digest.plan, notice.item_refs, data))
            session.add(notice)
        session.flush()
        record_many(session, events)


def _backoff(attempts: int) -> timedelta:
    """Exponential with jitter: 5, 10, 20 ... minutes, capped at 6 hours; eight attempts span about a day."""
    minutes = min(5 * 2 ** max(attempts - 1, 0), 360)
    return timedelta(minutes=minutes * random.uniform(0.8, 1.2))
