"""Signing in to the console, pure: the emailed sign-in token and the session cookie's value.

A sign-in token names an address and a random nonce, with the moment it was written and the moment it stops
working (15 minutes later); it opens one session, once (the nonce goes into `SignInUse`, whose key is
unique). A session names the address, a random id, when it began and when it ends (a working day later);
signing out puts its id into `SignInUse` too, so a copy of the cookie dies with it. Both are
signed with HMAC-SHA256 under the service's secret key, each under a purpose of its own, so neither can
stand in for the other, nor for an owner's link (`models.links.tokens`). Neither carries a role: each request
asks `models.console.roles.standings`, so a grant revoked takes effect at once. Nothing here reads the clock.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.errors import BadInput
from models.links.tokens import _b64, _mac, _unb64

VERSION = 1
SIGN_IN_LIFE = timedelta(minutes=15)
SESSION_LIFE = timedelta(hours=8)  # a working day
COOKIE = "los_console"
COOKIE_PATH = "/console"
_SIGN_IN = b"lineofsight-console-sign-in|"
_SESSION = b"lineofsight-console-session|"
_CSRF = b"lineofsight-console-csrf|"
_SIGNATURE_BYTES = 20
_MAX_LENGTH = 1_000


class TamperedSignIn(BadInput):
    """Not a sign-in link (or session) written by this service under this key."""

    def __init__(self) -> None:
        super().__init__("This sign-in link is not one of ours, or it was changed after it was sent.")


@dataclass(frozen=True)
class SignInClaims:
    email: str  # lower case
    nonce: str
    issued: datetime  # UTC
    expires: datetime  # UTC

    def expired(self, now: datetime) -> bool:
        return now >= self.expires


@dataclass(frozen=True)
class SessionClaims:
    email: str
    id: str  # random: what signing out writes into SignInUse, so the session ends on the server too
    issued: datetime
    expires: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires


def new_nonce() -> str:
    """What makes each sign-in link one of a kind: 128 random bits."""
    return secrets.token_urlsafe(16)


def _signed(key: bytes, purpose: bytes, fields: list[object]) -> str:
    body = json.dumps([VERSION, *fields], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return f"{_b64(body)}.{_b64(_mac(key, purpose, body)[:_SIGNATURE_BYTES])}"


def _opened(key: bytes, purpose: bytes, token: str, size: int) -> list[object]:
    """The fields of a token signed under `purpose`; ValueError for anything else."""
    body_text, _, signature_text = token.partition(".")
    if len(token) > _MAX_LENGTH or not body_text or not signature_text:
        raise ValueError("not a token")
    body, signature = _unb64(body_text), _unb64(signature_text)
    if not hmac.compare_digest(signature, _mac(key, purpose, body)[:_SIGNATURE_BYTES]):
        raise ValueError("signature")
    fields = json.loads(body)
    if not isinstance(fields, list) or len(fields) != size + 1 or fields[0] != VERSION:
        raise ValueError("shape")
    if not all(isinstance(f, str) for f in fields[1:-2]) or not all(isinstance(f, int) for f in fields[-2:]):
        raise ValueError("shape")
    return list(fields[1:])


def _moment(seconds: object) -> datetime:
    return datetime.fromtimestamp(int(str(seconds)), UTC)


def sign_in_token(key: bytes, email: str, nonce: str, issued: datetime) -> str:
    """The token of a sign-in link written at `issued`: it works for SIGN_IN_LIFE from then."""
    start = int(issued.timestamp())
    return _signed(key, _SIGN_IN, [email.casefold(), nonce, start, start + int(SIGN_IN_LIFE.total_seconds())])


def read_sign_in(key: bytes, token: str) -> SignInClaims:
    """The claims of a sign-in token we wrote; TamperedSignIn for anything else (never says what was wrong).
    Whether it has expired is the caller's question, with its own `now` (`SignInClaims.expired`)."""
    try:
        email, nonce, issued, expires = _opened(key, _SIGN_IN, token, 4)
        return SignInClaims(str(email), str(nonce), _moment(issued), _moment(expires))
    except (ValueError, TypeError, OverflowError, OSError):
        raise TamperedSignIn() from None


def sign_in_url(base_url: str, key: bytes, email: str, nonce: str, issued: datetime) -> str:
    return f"{base_url.rstrip('/')}/console/enter/{sign_in_token(key, email, nonce, issued)}"


def session_value(key: bytes, email: str, issued: datetime, session_id: str | None = None) -> str:
    """The session cookie's value for `email`, begun at `issued`, ending SESSION_LIFE later, under
    `session_id` (a new random one unless given)."""
    start = int(issued.timestamp())
    sid = session_id if session_id is not None else new_nonce()
    return _signed(key, _SESSION, [email.casefold(), sid, start, start + int(SESSION_LIFE.total_seconds())])


def read_session_value(key: bytes, value: str, now: datetime) -> SessionClaims | None:
    """The session a cookie names, or None when it is not ours or has ended at `now`. (Whether it was
    signed out is the database's question: `models.console.entry.signed_out`.)"""
    try:
        email, session_id, issued, expires = _opened(key, _SESSION, value, 4)
        claims = SessionClaims(str(email), str(session_id), _moment(issued), _moment(expires))
    except (ValueError, TypeError, OverflowError, OSError):
        return None
    return None if claims.expired(now) or claims.issued > now + timedelta(minutes=5) else claims


def csrf_field(key: bytes, bound_to: str) -> str:
    """A console form's anti-forgery field, bound to the sign-in token or the session it was served under."""
    return _b64(_mac(key, _CSRF, bound_to.encode("utf-8", "replace"))[:_SIGNATURE_BYTES])


def csrf_matches(key: bytes, bound_to: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), csrf_field(key, bound_to).encode())
