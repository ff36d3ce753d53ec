"""Claiming due notices in one statement (`UPDATE ... RETURNING`; on PostgreSQL its subquery takes `FOR
UPDATE SKIP LOCKED`), so concurrent dispatchers never take the same one; a claim older than the lease is
taken again, and a notice whose claims keep ending in a crash is dead after `MAX_CRASHES`, never looping."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from models.db import unit_of_work
from models.ledger.chain import record_many
from models.ledger.kinds import EventKind
from models.outbox import Channel, Notice, NoticeStatus
from notifications.failures import failed_event, reason
from notifications.messages import PendingNotice, decode_payload

LEASE = timedelta(minutes=15)
MAX_CRASHES = 3
# Set in a notice's payload when no message can be built from it: the reason, for `last_error`.
POISON = "_cannot_build"


def crashed(crashes: int) -> str:
    return (
        f"dead after {crashes} claims that ended in a crash (the dispatcher stopped while sending it): "
        "see the dispatcher's log, then `lineofsight outbox retry ID`"
    )


def claim(
    engine: Engine,
    now: datetime,
    limit: int = 1_000,
    *,
    lease: timedelta = LEASE,
    max_crashes: int = MAX_CRASHES,
    held: Collection[str] = (),
    asked: Collection[int] = (),
) -> list[PendingNotice]:
    """Take the due notices of up to `limit` recipients, leaving those of the `held` plans (but for the
    `asked` notice ids)."""
    return claim_numbered(engine, now, limit, lease, max_crashes, held, asked)[0]


def claim_numbered(
    engine: Engine,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_crashes: int,
    held: Collection[str] = (),
    asked: Collection[int] = (),
    only: Collection[int] = (),
) -> tuple[list[PendingNotice], dict[int, int]]:
    """The notices claimed, and each one's claim number (its `attempts`), which says whether it is still ours.
    A notice found still `sending` after its lease is a claim that ended in a crash: counted, and the one
    that reaches `max_crashes` is set dead (with its ledger event) instead of being claimed again. With
    `only` (notice ids), those of them that are due, and nothing else."""
    N = Notice.__table__.c  # type: ignore[attr-defined]
    due = sa.or_(
        sa.and_(
            col(Notice.status).in_([NoticeStatus.PENDING, NoticeStatus.FAILED]), col(Notice.not_before) <= now
        ),
        sa.and_(col(Notice.status) == NoticeStatus.SENDING, col(Notice.claimed_at) < now - lease),
    )
    if only:  # these notices and no others (a sign-in link sent the moment it is asked for)
        due = sa.and_(due, col(Notice.id).in_(list(only)))
    if held:
        # A sign-in link is asked for by someone waiting at a screen: it goes whatever the day.
        at_work = sa.or_(
            col(Notice.plan).not_in(list(held)), col(Notice.kind) == EventKind.SIGN_IN_LINK_SENT.value
        )
        due = sa.and_(due, sa.or_(at_work, col(Notice.id).in_(list(asked))) if asked else at_work)
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
    # Every SET expression reads the row as it was before this statement.
    was_sending = N.status == NoticeStatus.SENDING.value
    gives_up = sa.and_(was_sending, N.crashes + 1 >= max_crashes)
    statement = (
        sa.update(Notice)
        .where(col(Notice.id).in_(ids.scalar_subquery()))
        .values(
            status=sa.case((gives_up, NoticeStatus.DEAD.value), else_=NoticeStatus.SENDING.value),
            crashes=N.crashes + sa.case((was_sending, 1), else_=0),
            last_error=sa.case((gives_up, crashed(max_crashes)), else_=N.last_error),
            claimed_at=now,
            attempts=N.attempts + sa.case((gives_up, 0), else_=1),  # set aside is not a claim
        )
        .returning(
            N.message_id,
            N.id,
            N.dedupe_key,
            N.recipient,
            N.channel,
            N.kind,
            N.urgency,
            N.payload,
            N.plan,
            N.status,
            N.attempts,
            N.crashes,
            N.item_refs,
        )
        .execution_options(synchronize_session=False)
    )
    with unit_of_work(engine, bookkeeping=True) as session:
        rows = session.execute(statement).all()
        dead = [r for r in rows if r.status == NoticeStatus.DEAD.value]
        if dead:
            record_many(session, [failed_event(r, crashed(r.crashes), None, True) for r in dead])
    notices = [
        PendingNotice(
            r.id,
            r.dedupe_key,
            r.recipient,
            Channel(r.channel).value,
            r.kind,
            r.urgency,
            {**_payload(r.payload), "_plan": r.plan},
            r.message_id,
        )
        for r in rows
        if r.status != NoticeStatus.DEAD.value
    ]
    return notices, {r.id: r.attempts for r in rows if r.status != NoticeStatus.DEAD.value}


def _payload(text: str) -> dict[str, Any]:
    try:
        payload = decode_payload(text)
    except ValueError as exc:
        return {POISON: reason("its content could not be read", exc)}
    return payload if isinstance(payload, dict) else {POISON: "its content is not a JSON object"}
