"""The outbox: every message the service owes someone, held until it is delivered.

A notice is written in the same transaction as the decision that caused it and its ledger event; delivery
is a separate step that claims notices, sends them and marks them. Its dedupe key is unique, so one decision
can never become two messages.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from models.columns import enum_type, utcnow
from models.errors import BadInput, UnknownItem
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind

# A pack's notice is never folded into a digest: it goes alone, with the PDF attached.
PACK_PUBLISHED = EventKind.PACK_PUBLISHED
# Notices that are no plan's business, though each is filed under a plan (a console sign-in link is the
# person's own, filed under the first plan they may use): never among a plan's dead or failed notices in its
# board pack or its sweep snapshot, so one organisation never sees another's sign-in.
NOT_A_PLANS_OWN = (EventKind.SIGN_IN_LINK_SENT.value,)
# Written as a literal: SQLite uses a partial index only for a query that names its condition's own value.
FORECAST_LATE = sa.text(f"kind = '{EventKind.FORECAST_LATE_WARNED.value}'")


class Channel(StrEnum):
    EMAIL = "email"
    TEAMS = "teams"


def channels_for(*, email: bool = True, teams: bool) -> tuple[Channel, ...]:
    """The channels a recipient is told on: email, the record of what was said, unless the recipient has no
    mailbox (a board's own Teams channel); Teams as well when they have a Workflows URL. The sweep and pack
    publishing both ask here, so a new channel is added in one place."""
    return tuple(c for c, on in ((Channel.EMAIL, email), (Channel.TEAMS, teams)) if on)


def channel_key(dedupe_key: str, channel: Channel) -> str:
    """One decision, one notice per channel: email keeps the decision's own key, the others add their name."""
    return dedupe_key if channel is Channel.EMAIL else f"{dedupe_key}|{channel.value}"


def notice_rows(
    plan: str,
    recipient: str,
    teams: bool,
    kind: str,
    ref: str,
    payload: dict[str, Any],
    key: str,
    at: datetime,
    urgency: int = 1,
) -> list[dict[str, Any]]:
    """One message about one item to one person, as outbox rows ready to insert: one a channel they are told
    on, each under its channel's key, due from `at`."""
    return [
        {
            "dedupe_key": channel_key(key, channel)[:400],
            "plan": plan,
            "recipient": recipient,
            "on_behalf_of": None,
            "channel": channel,
            "kind": kind,
            "item_refs": ref,
            "payload": json.dumps(payload, sort_keys=True),
            "created_at": at,
            "not_before": at,
            "urgency": urgency,
        }
        for channel in channels_for(teams=teams)
    ]


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # a transient failure: retried after `not_before`
    DEAD = "dead"
    CANCELLED = "cancelled"  # no longer owed (the item was reassigned or closed before delivery)


class Notice(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_notice_due", "status", "not_before"),
        # The sweep reads the keys of recent notices in one range scan of this index alone.
        sa.Index("ix_notice_recent", "not_before", "dedupe_key"),
        # When each owner was first told an item is forecast late (models.sweep.forecasts), per batch of
        # plans: the warnings only, not every notice of the weeks the rule looks back over.
        sa.Index(
            "ix_notice_forecast_late",
            "plan",
            "not_before",
            "dedupe_key",
            "due_at",
            sqlite_where=FORECAST_LATE,
            postgresql_where=FORECAST_LATE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=400, unique=True)
    plan: str = Field(max_length=200, index=True)
    recipient: str = Field(max_length=320, index=True)
    on_behalf_of: str | None = Field(default=None, max_length=320)
    channel: Channel = Field(default=Channel.EMAIL, sa_type=enum_type(Channel))
    kind: str = Field(max_length=64)
    item_refs: str = Field(default="", max_length=4000)  # space-separated refs, for finding and cancelling
    payload: str = Field(sa_type=sa.Text)  # canonical JSON: what the message must say
    urgency: int = 0  # higher first in a digest
    created_at: datetime = Field(default_factory=utcnow)
    not_before: datetime = Field(default_factory=utcnow)  # due from; after a failure, the next attempt
    due_at: datetime | None = None  # when it first fell due, kept once a failure moves `not_before` on
    attempts: int = 0  # claims, whatever became of them
    # Claims that ended in a crash: taken again after the lease ran out while still `sending`.
    crashes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    status: NoticeStatus = Field(default=NoticeStatus.PENDING, sa_type=enum_type(NoticeStatus))
    claimed_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    sent_at: datetime | None = None
    message_id: str | None = Field(default=None, max_length=400)


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found |= set(session.exec(select(Notice.dedupe_key).where(col(Notice.dedupe_key).in_(chunk))))
    return found


def recent_keys(session: Session, since: datetime, plan: str | None = None) -> set[str]:
    """The keys of notices owed from `since` on: what a sweep most likely decided already. A sweep of one
    plan (the flow's task per plan) reads that plan's only, or 200 tasks would each read every plan's."""
    N = Notice.__table__.c  # type: ignore[attr-defined]
    query = sa.select(N.dedupe_key).where(N.not_before >= since)
    if plan is not None:
        query = query.where(N.plan == plan)
    # Straight from the driver's cursor: a plain text column needs no converting, and a day's sweep of
    # 100,000 actions reads some 123,000 keys (typed rows cost half as much again as the read).
    result = session.connection().execute(query)
    try:
        return set(map(itemgetter(0), result.cursor.fetchall()))
    finally:
        result.close()


def cancel_pending(session: Session, plan: str, ref: str, recipient: str) -> int:
    """Withdraw the undelivered notices about `ref` addressed to `recipient` (say, after a reassignment)."""
    result = session.execute(
        sa.update(Notice)
        .where(
            col(Notice.plan) == plan,
            col(Notice.recipient) == recipient,
            col(Notice.status).in_([NoticeStatus.PENDING, NoticeStatus.FAILED]),
            sa.or_(
                col(Notice.item_refs) == ref,
                col(Notice.item_refs).like(f"{ref} %"),
                col(Notice.item_refs).like(f"% {ref}"),
                col(Notice.item_refs).like(f"% {ref} %"),
            ),
        )
        .values(status=NoticeStatus.CANCELLED, last_error="withdrawn: the item was reassigned")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# What went wrong with a notice: the ones the console lists for a plan, and the only ones revived.
TROUBLED = (NoticeStatus.DEAD, NoticeStatus.FAILED)


def troubled(session: Session, plan: str, limit: int) -> tuple[list[Notice], int]:
    """The plan's dead and failed notices, newest first (at most `limit` of them), and how many there are
    in all; never a sign-in link, which is no plan's business."""
    where = (
        col(Notice.plan) == plan,
        col(Notice.status).in_(TROUBLED),
        col(Notice.kind).not_in(NOT_A_PLANS_OWN),
    )
    count = session.exec(select(sa.func.count()).select_from(Notice).where(*where)).one()
    rows = session.exec(
        select(Notice)
        .where(*where)
        .order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
        .limit(limit)
    )
    return list(rows), int(count)


def revive(session: Session, notice_id: int, actor: str, now: datetime, plan: str | None = None) -> Notice:
    """Give a dead (or failed) notice another go: pending again from now, its history kept in the ledger.
    With `plan`, only a notice of that plan's own (another plan's, or a sign-in link, is "no such notice")."""
    # Locked: of two people reviving it at once, the second finds it pending and is told so.
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None or (plan is not None and (notice.plan != plan or notice.kind in NOT_A_PLANS_OWN)):
        raise UnknownItem("notice", str(notice_id))
    if notice.status not in TROUBLED:
        raise BadInput(
            f"Notice {notice_id} is {notice.status.value}: only dead or failed notices can be retried."
        )
    before = notice.status
    notice.due_at = notice.due_at or notice.not_before
    notice.status, notice.not_before, notice.attempts, notice.crashes = NoticeStatus.PENDING, now, 0, 0
    session.add(notice)
    session.flush()
    record(
        session,
        Event(
            EventKind.NOTICE_RETRIED,
            actor,
            notice.plan,
            notice.item_refs or None,
            {
                "notice_id": notice.id,
                "before": {"status": before.value},
                "after": {"status": NoticeStatus.PENDING.value},
                "last_error": notice.last_error,
            },
        ),
    )
    return notice
