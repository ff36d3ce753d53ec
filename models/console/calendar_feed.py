"""A person's private calendar feed: its address (`/calendar/TOKEN.ics`) is the key, as a calendar program
cannot sign in. The token is the feed row's random nonce and an HMAC of it under a purpose of its own, so it
can stand in for no other link, and a made-up one is refused without a read; the row decides whether it
still works. Making a new feed revokes the old one; revoking sets `revoked_at`, and the address then answers
nothing. Each is a ledger event naming the feed by its row, never by its token. Nothing here reads the clock.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.console.sign_in import new_nonce
from models.console_records import CalendarFeed
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.links.tokens import _b64, _mac

_FEED = b"lineofsight-calendar-feed|"
_SIGNATURE_BYTES = 20
_TOKEN = re.compile(r"([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{27})")


def feed_token(key: bytes, nonce: str) -> str:
    return f"{nonce}.{_b64(_mac(key, _FEED, nonce.encode('ascii'))[:_SIGNATURE_BYTES])}"


def feed_nonce(key: bytes, token: str) -> str | None:
    """The nonce a token we wrote names; None for anything else (never says what was wrong)."""
    found = _TOKEN.fullmatch(token)
    if found is None or not hmac.compare_digest(feed_token(key, found.group(1)), token):
        return None
    return found.group(1)


def _live(session: Session, email: str) -> list[CalendarFeed]:
    return list(
        session.exec(
            select(CalendarFeed).where(CalendarFeed.email == email, col(CalendarFeed.revoked_at).is_(None))
        )
    )


def live_token(session: Session, key: bytes, email: str) -> str | None:
    """The token of the address's working feed, if it has one (the newest, should there be two)."""
    feeds = sorted(_live(session, email.casefold()), key=lambda f: f.id or 0)
    return feed_token(key, feeds[-1].nonce) if feeds else None


def issue_feed(session: Session, key: bytes, email: str, now: datetime) -> str:
    """A new feed for `email` (any feed it had stops working), in the caller's transaction: its token."""
    address = email.casefold()
    replaced = _revoke(session, address, now)
    feed = CalendarFeed(email=address, nonce=new_nonce(), created_at=now)
    session.add(feed)
    session.flush()
    data = {"feed": feed.id, "replaced": replaced}
    record(session, Event(EventKind.CALENDAR_FEED_ISSUED, address, None, None, data), at=now)
    return feed_token(key, feed.nonce)


def new_feed(engine: Engine, key: bytes, email: str, now: datetime) -> str:
    """`issue_feed` in a transaction of its own. Presses at once for one address (a double click, several
    servers) each make a feed: on PostgreSQL all but one meet the winner's feed on the index of working
    feeds and are made again, now replacing it, as if they had come a moment later; each round lets one
    more through. On SQLite the writers queue, and each replaces the one before at its first try."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with unit_of_work(engine) as session:
                return issue_feed(session, key, email, now)
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


ATTEMPTS = 8  # presses at once for one address that all succeed; more than that is not a person


def revoke_feed(session: Session, email: str, now: datetime) -> list[int]:
    """Ends the address's feeds (recorded when there was one): the ids of those ended."""
    ended = _revoke(session, email.casefold(), now)
    if ended:
        event = Event(EventKind.CALENDAR_FEED_REVOKED, email.casefold(), None, None, {"feeds": ended})
        record(session, event, at=now)
    return ended


def _revoke(session: Session, email: str, now: datetime) -> list[int]:
    ended = []
    for feed in _live(session, email):
        feed.revoked_at = now
        session.add(feed)
        ended.append(feed.id or 0)
    return sorted(ended)


def feed_owner(session: Session, key: bytes, token: str) -> str | None:
    """The address whose working feed `token` opens; None for a token not ours, revoked or replaced."""
    nonce = feed_nonce(key, token)
    if nonce is None:
        return None
    feed = session.exec(
        select(CalendarFeed).where(CalendarFeed.nonce == nonce, col(CalendarFeed.revoked_at).is_(None))
    ).first()
    return feed.email if feed is not None else None
