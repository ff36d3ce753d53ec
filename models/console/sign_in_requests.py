"""Asking for a sign-in link: for an address with a standing in some plan now, a SignInLinkSent notice in
the outbox (its address and a nonce; never a token: the dispatcher writes the link when it sends, valid 15
minutes from then) and its ledger events, in the caller's transaction. A stranger's address queues and
records nothing; the page answers both alike, so it never tells who has access.

At most MAX_PER_HOUR links an address an hour, counted here in the database, so every web process and
worker shares the count; the notice's unique key numbers each address's requests, so two at once in two
processes cannot both take the last place (the second fails on the key, and is asked again).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.console.roles import Standing, standings
from models.console.sign_in import new_nonce
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.outbox import Notice

MAX_PER_HOUR = 3
KIND = str(EventKind.SIGN_IN_LINK_SENT)


def request_sign_in(session: Session, email: str, now: datetime) -> int | None:
    """Queue a sign-in link for `email` when it may use the console at `now` and has not had MAX_PER_HOUR in
    the last hour: the notice's id, or None when none was queued (the page must not say which)."""
    address = email.strip().casefold()
    found = standings(session, address, now)
    if not found:
        return None
    N = Notice.__table__.c  # type: ignore[attr-defined]
    mine = sa.and_(N.kind == KIND, N.recipient == address)
    # Both counts in one statement, so from one snapshot: read apart, another process's link committed between
    # them would leave this one under the limit with the next number free, and both would go.
    in_hour = sa.case((N.created_at > now - timedelta(hours=1), 1), else_=0)
    total, recent = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(in_hour), 0)).where(mine)
    ).one()
    if recent >= MAX_PER_HOUR:
        return None
    number = total + 1
    plans = [s.plan_name for s in found]
    payload = {"email": address, "nonce": new_nonce(), "recipient_name": found[0].name, "plans": plans}
    notice = Notice(
        dedupe_key=f"console-sign-in|{address}|{number}",
        plan=plans[0],
        recipient=address,
        kind=KIND,
        payload=json.dumps(payload, sort_keys=True),
        urgency=9,
        created_at=now,
        not_before=now,
    )
    session.add(notice)
    session.flush()
    for standing in found:  # one event a plan, so each plan's history shows who asked to read it
        # Only this plan and its roles: one organisation's ledger never names another's plans.
        facts = {"address": address, "plans": [standing.plan_name], "roles": standing_roles(standing)}
        record(session, Event(EventKind.SIGN_IN_LINK_SENT, address, standing.plan_name, None, facts))
    return notice.id


def standing_roles(standing: Standing) -> list[str]:
    """A standing's roles as the ledger records them: their values, sorted."""
    return sorted(role.value for role in standing.roles)


def sign_in_notices(session: Session, email: str) -> list[Notice]:
    """The sign-in notices queued for `email`, oldest first (for the console's own checks and tests)."""
    address = email.strip().casefold()
    query = select(Notice).where(Notice.kind == KIND, Notice.recipient == address).order_by(col(Notice.id))
    return list(session.exec(query))
