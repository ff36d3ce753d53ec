"""Using a sign-in link, and signing out: the console's two writes of a session, each with its ledger events
in the caller's transaction. A link opens one session, once: its nonce goes into `SignInUse`, whose key is
unique, so the same link used twice (even in two processes at the same moment) fails the second time.
Signing out puts the session's id into the same table, so the session ends on the server: a copy of the
cookie is refused from then (`signed_out`), though its signature and its hours are still good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.console.roles import Standing, standings
from models.console.sign_in import SessionClaims, SignInClaims, TamperedSignIn, read_sign_in
from models.console.sign_in_requests import standing_roles
from models.console_access import SignInUse
from models.errors import BadInput
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind


class SignInRefused(BadInput):
    """Why a sign-in link does not open a session: tampered, expired, used, or the address has no standing
    any more. `reason` picks the words the page shows."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"This sign-in link cannot be used ({reason}).")
        self.reason = reason


@dataclass(frozen=True)
class Entered:
    email: str
    standings: tuple[Standing, ...]


def check_link(session: Session, key: bytes, token: str, now: datetime) -> SignInClaims:
    """The link's claims when it can still be used at `now`; SignInRefused otherwise. Writes nothing (the
    page a mail scanner opens asks this)."""
    try:
        claims = read_sign_in(key, token)
    except TamperedSignIn:
        raise SignInRefused("tampered") from None
    if claims.expired(now):
        raise SignInRefused("expired")
    if session.get(SignInUse, claims.nonce) is not None:
        raise SignInRefused("used")
    return claims


def enter(session: Session, key: bytes, token: str, now: datetime) -> Entered:
    """Use the link: its nonce spent and SIGNED_IN recorded for each plan the address may use now."""
    claims = check_link(session, key, token, now)
    found = standings(session, claims.email, now)
    if not found:
        raise SignInRefused("ended")
    session.add(SignInUse(nonce=claims.nonce, email=claims.email, used_at=now))
    try:
        session.flush()  # a link used at the same moment elsewhere fails here, on the unique nonce
    except IntegrityError:
        raise SignInRefused("used") from None
    for standing in found:
        record(
            session,
            Event(
                EventKind.SIGNED_IN,
                claims.email,
                standing.plan_name,
                None,
                # Only this plan and its roles: one organisation's ledger never names another's plans.
                {"address": claims.email, "plans": [standing.plan_name], "roles": standing_roles(standing)},
            ),
        )
    return Entered(claims.email, found)


def signed_out(session: Session, claims: SessionClaims) -> bool:
    """Whether the session `claims` names was signed out (one look-up by its id)."""
    return session.get(SignInUse, claims.id) is not None


def sign_out(session: Session, claims: SessionClaims, now: datetime) -> bool:
    """End the session: its id into SignInUse and SIGNED_OUT for each plan the address may use now (or
    once, with no plan, when it may use none). False, writing nothing, when it had already ended (the same
    cookie signed out twice, even at the same moment in two processes: the second fails on the key)."""
    if signed_out(session, claims):
        return False
    session.add(SignInUse(nonce=claims.id, email=claims.email, used_at=now))
    try:
        session.flush()
    except IntegrityError:
        raise SignInRefused("signed out") from None
    found = standings(session, claims.email, now)
    plans: list[str | None] = [s.plan_name for s in found] or [None]
    for plan in plans:
        record(session, Event(EventKind.SIGNED_OUT, claims.email, plan, None, {"address": claims.email}))
    return True
