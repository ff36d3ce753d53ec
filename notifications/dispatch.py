"""Delivery: claim due notices, group them into one digest per recipient and channel, send each through its
channel's sender, and mark it sent (`receipts`) or failed (`failures`); one digest that fails, fails alone.

The notices of a plan at rest today (`delivery_days`: its nation is not at work) wait for its next working
day, and no other plan's wait; those a person has just asked to send (`asked`) go whatever the day.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.links.tokens import LinkMaker
from models.outbox import Notice, NoticeStatus
from models.people import teams_urls
from notifications.claims import LEASE, MAX_CRASHES, claim, claim_numbered
from notifications.delivery_days import RestDay
from notifications.failures import MAX_ATTEMPTS, Failure, mark_failed
from notifications.failures import reason as failure_reason
from notifications.grouping import group, remember
from notifications.lease import Lease
from notifications.links import LinkBook
from notifications.messages import PendingNotice
from notifications.pack_mail import board_channels
from notifications.receipts import Receipts
from notifications.senders import Delivery, Senders, as_senders, close
from notifications.sending import send_digest
from notifications.sign_in_mail import SignInDigest, filled

__all__ = ["LEASE", "MAX_ATTEMPTS", "MAX_CRASHES", "DispatchResult", "Failure", "claim", "dispatch"]


@dataclass
class DispatchResult:
    claimed: int = 0
    digests: int = 0  # tried
    delivered: int = 0  # of those, the digests that went
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    failures: list[Failure] = field(default_factory=list)
    # What still waits after the run, and why: the plans at rest today with their due notices held...
    held: dict[str, RestDay] = field(default_factory=dict)
    held_notices: dict[str, int] = field(default_factory=dict)
    # ...the pending notices not due yet, with the earliest due time and how many fall due then...
    later: int = 0
    next_due: datetime | None = None
    next_due_count: int = 0
    # ...and those due but beyond this run's limit of recipients.
    still_due: int = 0

    def failed(self, failures: list[Failure]) -> None:
        self.failures += failures
        retrying = sum(1 for f in failures if f.retry_at is not None)
        self.retrying += retrying
        self.dead += len(failures) - retrying


def dispatch(
    engine: Engine,
    senders: Senders | object,
    now: datetime,
    *,
    sender: str,
    limit: int = 1_000,
    lease: timedelta = LEASE,
    max_crashes: int = MAX_CRASHES,
    held: Mapping[str, RestDay] | None = None,
    asked: Collection[int] = (),
    links: LinkMaker | None = None,
    only: Collection[int] = (),
) -> DispatchResult:
    """Deliver what is due at `now` through `senders` (the channel table, or a two-method transport), except
    the notices of the `held` plans; the `asked` notices (ids) go even when their plan is held. With `links`
    (`App.links(now)`), each digest carries its reader's signed update links. With `only` (notice ids),
    those of them that are due and nothing else."""
    held = dict(held or {})
    notices, claims = claim_numbered(engine, now, limit, lease, max_crashes, held, asked, only)
    result = DispatchResult(claimed=len(notices), held=held)
    if notices:
        try:
            _deliver(engine, as_senders(senders), now, sender, lease, notices, claims, result, links)
        finally:
            close(senders)
    _count_waiting(engine, now, result)
    return result


def _deliver(
    engine: Engine,
    senders: Senders,
    now: datetime,
    sender: str,
    lease: timedelta,
    notices: list[PendingNotice],
    claims: dict[int, int],
    result: DispatchResult,
    links: LinkMaker | None,
) -> None:
    plan_of = {n.id: str(n.payload.pop("_plan")) for n in notices}
    domain = parseaddr(sender)[1].rpartition("@")[2] or "lineofsight.invalid"  # "Name <a@b>" too
    digests, unbuildable = group(notices, plan_of, domain)
    with Session(engine) as session:
        # By (plan, recipient): the same address in two organisations has two Teams URLs.
        teams = teams_urls(session) | board_channels(session)
        book = LinkBook.read(session, digests, links)
    remember(engine, digests)
    kept = Lease(engine, now, lease, claims)
    for notice, reason in unbuildable:
        failed = Delivery(ok=False, transient=False, error=reason)
        result.failed(mark_failed(engine, (notice.id,), None, failed, now))
        kept.done((notice.id,))
    with Receipts.held(engine) as receipts:
        for digest in digests:
            if not kept.keep(digest.notice_ids):
                continue  # taken over by another dispatcher after this one stalled past the lease
            result.digests += 1
            url = teams.get((digest.plan, digest.recipient))
            try:
                # A sign-in link is written now, from its notice's nonce, and works for 15 minutes from now.
                ready = filled(digest, links) if isinstance(digest, SignInDigest) else book.fill(digest)
            except Exception as exc:  # a malformed notice (a payload without its nonce): it fails alone
                error = failure_reason("could not write the message", exc)
                delivery = Delivery(ok=False, transient=False, error=error)
            else:
                delivery = send_digest(senders, ready, sender, now, url)
            # The receipt is written before the next send, never later: a crash can then send at most this
            # one digest twice (why not on another thread: bench/README.md).
            if delivery.ok:
                result.sent += receipts.sent(digest, now, kept.claims)
                result.delivered += 1
            else:
                result.failed(mark_failed(engine, digest.notice_ids, digest.message_id, delivery, now))
            kept.done(digest.notice_ids)


def _count_waiting(engine: Engine, now: datetime, result: DispatchResult) -> None:
    """What the run left in the outbox, and why: "Delivered 0 notices" never stands without a reason."""
    N = Notice.__table__.c  # type: ignore[attr-defined]
    waiting = N.status.in_([NoticeStatus.PENDING.value, NoticeStatus.FAILED.value])
    with Session(engine) as session:
        due = session.execute(
            sa.select(N.plan, sa.func.count()).where(waiting, N.not_before <= now).group_by(N.plan)
        ).all()
        pending_later = sa.and_(N.status == NoticeStatus.PENDING.value, N.not_before > now)
        result.later = int(session.execute(sa.select(sa.func.count()).where(pending_later)).scalar_one())
        if result.later:
            first = session.execute(
                sa.select(N.not_before, sa.func.count())
                .where(pending_later)
                .group_by(N.not_before)
                .order_by(N.not_before)
                .limit(1)
            ).one()
            result.next_due, result.next_due_count = first[0], int(first[1])
    for plan, count in due:
        if plan in result.held:
            result.held_notices[plan] = int(count)
        else:
            result.still_due += int(count)
