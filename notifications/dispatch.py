"""Delivery: claim due notices, group them into one digest per recipient and channel, render, send, mark.

A claim is a single statement (`UPDATE ... RETURNING`; on PostgreSQL its subquery takes `FOR UPDATE SKIP
LOCKED`), so concurrent dispatchers never take the same notice. A claim older than the lease (a dispatcher
that died) is taken again. The one window in which a message can go twice is between the server accepting
it and its receipt committing (see `notifications.receipts`); every email carries a Message-ID derived from
its dedupe keys, so a mail system can drop the copy.

A run keeps its claim alive while it works (`_Lease`), so a second dispatcher never takes notices the first
is still sending, however slow the server. One digest that cannot be built, rendered or sent, whatever the
reason, fails alone: its notices are marked failed or dead with the reason and the run goes on. A notice
whose claims keep ending in a crash (claimed again after the lease ran out, still `sending`) is dead after
`MAX_CRASHES` of them, never looping.

A run leaves alone the notices of the plans it is told are at rest (`notifications.delivery_days`: a plan
whose own nation is not at work today): they wait for its next working day, and no other plan's wait. The
notices a person has just asked to send (`asked`: the pack `pack build --send` sends) go whatever the day.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.board_packs import PackFileChanged
from models.db import unit_of_work
from models.ledger.chain import Event, record_many
from models.outbox import Channel, Notice, NoticeStatus
from models.output.secrets import redact_text
from models.people import teams_urls
from notifications.delivery_days import RestDay
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
MAX_CRASHES = 3
_CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class Failure:
    """A notice this run could not deliver: tried again at `retry_at`, or dead when that is None."""

    notice_id: int
    recipient: str
    channel: str
    error: str | None
    retry_at: datetime | None


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


def _crashed(crashes: int) -> str:
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
    return _claim(engine, now, limit, lease, max_crashes, held, asked)[0]


def _claim(
    engine: Engine,
    now: datetime,
    limit: int,
    lease: timedelta,
    max_crashes: int,
    held: Collection[str] = (),
    asked: Collection[int] = (),
) -> tuple[list[PendingNotice], dict[int, int]]:
    """The notices claimed, and each one's claim number (its `attempts`), which says whether it is still ours.
    A notice found still `sending` after its lease is a claim that ended in a crash: counted, and the one
    that reaches `max_crashes` is set dead (with its ledger event) instead of being claimed again."""
    N = Notice.__table__.c  # type: ignore[attr-defined]
    due = sa.or_(
        sa.and_(
            col(Notice.status).in_([NoticeStatus.PENDING, NoticeStatus.FAILED]), col(Notice.not_before) <= now
        ),
        sa.and_(col(Notice.status) == NoticeStatus.SENDING, col(Notice.claimed_at) < now - lease),
    )
    if held:
        at_work = col(Notice.plan).not_in(list(held))
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
            last_error=sa.case((gives_up, _crashed(max_crashes)), else_=N.last_error),
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
            record_many(session, [_failed_event(r, _crashed(r.crashes), None, True) for r in dead])
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
        return {_POISON: _reason("its content could not be read", exc)}
    return payload if isinstance(payload, dict) else {_POISON: "its content is not a JSON object"}


_POISON = "_cannot_build"


def dispatch(
    engine: Engine,
    transport: Transport,
    now: datetime,
    *,
    sender: str,
    limit: int = 1_000,
    lease: timedelta = LEASE,
    max_crashes: int = MAX_CRASHES,
    held: Mapping[str, RestDay] | None = None,
    asked: Collection[int] = (),
) -> DispatchResult:
    """Deliver what is due at `now`, except the notices of the `held` plans (see `resting_plans`); the
    `asked` notices (ids) go even when their plan is held."""
    held = dict(held or {})
    notices, claims = _claim(engine, now, limit, lease, max_crashes, held, asked)
    result = DispatchResult(claimed=len(notices), held=held)
    if notices:
        _deliver(engine, transport, now, sender, lease, notices, claims, result)
    _count_waiting(engine, now, result)
    return result


def _deliver(
    engine: Engine,
    transport: Transport,
    now: datetime,
    sender: str,
    lease: timedelta,
    notices: list[PendingNotice],
    claims: dict[int, int],
    result: DispatchResult,
) -> None:
    plan_of = {n.id: str(n.payload.pop("_plan")) for n in notices}
    domain = parseaddr(sender)[1].rpartition("@")[2] or "lineofsight.invalid"  # "Name <a@b>" too
    with Session(engine) as session:
        # By (plan, recipient): the same address in two organisations has two Teams URLs.
        teams = teams_urls(session) | board_channels(session)
    digests, unbuildable = _digests(notices, plan_of, domain)
    _remember(engine, digests)
    held = _Lease(engine, now, lease, claims)
    try:
        for notice, reason in unbuildable:
            failed = Delivery(ok=False, transient=False, error=reason)
            _mark_failed(engine, (notice.id,), plan_of[notice.id], None, failed, now, result)
            held.done((notice.id,))
        with Receipts.held(engine) as receipts:
            for digest in digests:
                if not held.keep(digest.notice_ids):
                    continue  # taken over by another dispatcher after this one stalled past the lease
                rendered = _render(digest, sender, now)
                result.digests += 1
                delivery = _send(transport, digest, rendered, teams.get((digest.plan, digest.recipient)))
                # The receipt is written before the next send, never later: a crash can then send at most
                # this one digest twice. (Measured and dropped: receipts written on a second thread while the
                # next digest went, which let two digests sit in that window, and rendering a few digests
                # ahead on a helper thread; with one interpreter lock neither was faster.)
                if delivery.ok:
                    result.sent += receipts.sent(digest, now, held.claims)
                    result.delivered += 1
                else:
                    _mark_failed(
                        engine, digest.notice_ids, digest.plan, digest.message_id, delivery, now, result
                    )
                held.done(digest.notice_ids)
    finally:
        close = getattr(transport, "close", None)
        if close is not None:
            close()


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


def _digests(
    notices: list[PendingNotice], plan_of: dict[int, str], domain: str
) -> tuple[list[Digest], list[tuple[PendingNotice, str]]]:
    """The digests to send, and the notices no digest can be built from (odd data), each with the reason.
    Built all at once; only when that fails is each notice tried alone, to find the ones at fault."""
    bad = [(n, str(n.payload[_POISON])) for n in notices if _POISON in n.payload]
    good = [n for n in notices if _POISON not in n.payload]
    try:
        return _build(good, plan_of, domain), bad
    except Exception:  # one notice's odd data must not stop the others: find it below
        pass
    healthy = []
    for notice in good:
        try:
            _build([notice], plan_of, domain)
        except Exception as exc:
            bad.append((notice, _reason("its message could not be built", exc)))
        else:
            healthy.append(notice)
    return _build(healthy, plan_of, domain), bad


def _build(notices: list[PendingNotice], plan_of: dict[int, str], domain: str) -> list[Digest]:
    # A board pack goes alone, with its PDF: never folded into the person's digest.
    packs = [n for n in notices if is_pack(n)]
    digests = build_digests([n for n in notices if not is_pack(n)], plan_of, domain)
    return digests + pack_digests(packs, plan_of, domain)


class _Lease:
    """Keeps this run's claim alive while it works: before a send, when a third of the lease has passed
    since the last renewal, the claim of every notice still to send is stamped afresh. Time is the run's
    `now` plus the time spent since (a monotonic clock), so a run given an earlier `now` stays consistent.
    A notice no longer `sending` under this run's claim number was taken by another dispatcher (this one
    stalled past the lease) or marked meanwhile: its digest is left to them."""

    def __init__(self, engine: Engine, now: datetime, lease: timedelta, claims: dict[int, int]) -> None:
        self._engine, self._now, self._every = engine, now, lease.total_seconds() / 3
        self._claims = dict(claims)  # notice id -> claim number, for the notices not yet done
        self._started = self._renewed = time.monotonic()

    def keep(self, ids: tuple[int, ...]) -> bool:
        if time.monotonic() - self._renewed >= self._every:
            self._renew()
        if all(i in self._claims for i in ids):
            return True
        self._release([i for i in ids if i in self._claims])
        return False

    @property
    def claims(self) -> dict[int, int]:
        return self._claims

    def done(self, ids: tuple[int, ...]) -> None:
        for i in ids:
            self._claims.pop(i, None)

    def _renew(self) -> None:
        self._renewed = time.monotonic()
        stamp = self._now + timedelta(seconds=self._renewed - self._started)
        table = Notice.__table__  # type: ignore[attr-defined]
        kept: dict[int, int] = {}
        ids = list(self._claims)
        with unit_of_work(self._engine, bookkeeping=True) as session:
            for start in range(0, len(ids), _CHUNK):
                rows = session.execute(
                    table.update()
                    .where(
                        table.c.id.in_(ids[start : start + _CHUNK]),
                        table.c.status == NoticeStatus.SENDING.value,
                    )
                    .values(claimed_at=stamp)
                    .returning(table.c.id, table.c.attempts)
                )
                kept.update({i: a for i, a in rows if self._claims.get(i) == a})
        self._claims = kept

    def _release(self, ids: list[int]) -> None:
        """Ours, but part of a digest another dispatcher now holds: pending again, for the next run."""
        self.done(tuple(ids))
        if not ids:
            return
        table = Notice.__table__  # type: ignore[attr-defined]
        with unit_of_work(self._engine, bookkeeping=True) as session:
            session.execute(
                table.update()
                .where(table.c.id.in_(ids), table.c.status == NoticeStatus.SENDING.value)
                .values(status=NoticeStatus.PENDING.value, claimed_at=None)
            )


def _remember(engine: Engine, digests: list[Digest]) -> None:
    """Note the digest each notice goes in before sending any: if this process dies after the server took a
    message, the next dispatcher sends the very same digest (same Message-ID), never a different mix."""
    table = Notice.__table__  # type: ignore[attr-defined]
    statement = table.update().where(table.c.id == sa.bindparam("nid")).values(message_id=sa.bindparam("mid"))
    rows = [{"nid": i, "mid": d.message_id} for d in digests for i in d.notice_ids]
    if not rows:
        return
    with unit_of_work(engine, bookkeeping=True) as session:
        session.connection().execute(statement, rows)


# What a digest became: an email, a card, or the reason it could not be built.
Rendered = tuple[str, Any]


# What may carry a secret in an exception's text: a Workflows URL's signature, a URL's user information.
def _reason(what: str, exc: BaseException) -> str:
    """One line for `last_error` and the ledger: what failed, the exception's class and first line, with
    anything that looks like a secret taken out."""
    first = (str(exc).strip().splitlines() or [""])[0]
    text = redact_text(first)
    return f"{what}: {type(exc).__name__}{': ' if text else ''}{text}"[:300]


# A plain ASCII dot-atom address: what nearly every recipient is, passed without the full check (a fifth of
# a millisecond each); anything else goes through the import's own rule.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def _refused_address(digest: Digest) -> str | None:
    """An email address no mail server can take as it is stored (hidden characters, lookalike letters from
    another script, controls: old data the import now refuses): why, or None. Cheap for a plain address."""
    address = digest.recipient
    if digest.channel != Channel.EMAIL.value or _PLAIN_ADDRESS.fullmatch(address):
        return None
    from models.errors import InvalidValue
    from models.plans.text_rules import email_address

    try:
        email_address(address, "recipient address")
    except InvalidValue as exc:
        return f"refused before sending: {exc}"
    return f"refused before sending: {address!r} is not stored as a plain address; correct it in the plan"


def _render(digest: Digest, sender: str, now: datetime) -> Rendered:
    refused = _refused_address(digest)
    if refused is not None:
        return "failed", Delivery(ok=False, transient=False, error=refused)
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
    except PackFileChanged as exc:  # a pack's PDF replaced since it was built: never sent, dead at once
        return "failed", Delivery(ok=False, transient=False, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # odd data the templates cannot take: the same next time, so dead
        error = _reason("could not render the message", exc)
        return "failed", Delivery(ok=False, transient=False, error=error)


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
    except Exception as exc:  # a transport's own bug or a message it cannot take: this digest only
        return Delivery(ok=False, transient=False, error=_reason("the transport failed unexpectedly", exc))


def _mark_failed(
    engine: Engine,
    ids: tuple[int, ...],
    plan: str,
    message_id: str | None,
    delivery: Delivery,
    now: datetime,
    result: DispatchResult,
) -> None:
    """Not delivered: retried later (free to join the person's next digest with whatever else is due then),
    or dead when the failure is permanent or the attempts are spent. A message the server may have stored
    without confirming it keeps its Message-ID: it goes again as it was, never inside a different mix."""
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
                result.retrying += 1
            else:
                result.dead += 1
            channel = Channel(notice.channel).value
            result.failures.append(
                Failure(notice.id or 0, notice.recipient, channel, delivery.error, retry_at)
            )
            event = _failed_event(notice, delivery.error, message_id, not retry, retry_at)
            if delivery.unconfirmed:
                event.data["unconfirmed"] = True  # the server may hold a copy: it goes again, same Message-ID
            events.append(event)
            session.add(notice)
        session.flush()
        record_many(session, events)


def _failed_event(
    notice: Any, error: str | None, message_id: str | None, dead: bool, retry_at: datetime | None = None
) -> Event:
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
    return Event("NoticeFailed", ACTOR, notice.plan, notice.item_refs, data)


def _backoff(attempts: int) -> timedelta:
    """Exponential with jitter: 5, 10, 20 ... minutes, capped at 6 hours; eight attempts span about a day."""
    minutes = min(5 * 2 ** max(attempts - 1, 0), 360)
    return timedelta(minutes=minutes * random.uniform(0.8, 1.2))
