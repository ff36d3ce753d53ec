"""Signed links: what a message's "Update REF" and "Update all my items" links carry, pure.

A token names a person (by row: people are per organisation), a plan, and an item (or none: "all my items"),
with the moment it was issued and the moment it stops working, signed with HMAC-SHA256 under the service's
secret key. It proves only that we wrote it: whether it still works (revoked, reassigned) is for
`models.links.access` to decide against the database. Nothing here reads the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.errors import BadInput

VERSION = 1
DEFAULT_DAYS = 21
DEMO_KEY_PREFIX = "demo-"  # the demo's own key: `doctor` refuses it outside the demo
MIN_KEY_LENGTH = 32
_PURPOSE = b"lineofsight-link|"
_CSRF = b"lineofsight-csrf|"
_SIGNATURE_BYTES = 20  # 160 bits: beyond guessing, and a link short enough to survive a mail client


class TamperedLink(BadInput):
    """The token was not written by this service (or not under this key), or is not a token at all."""

    def __init__(self) -> None:
        super().__init__("This link is not one of ours, or it was changed after it was sent.")


@dataclass(frozen=True)
class LinkClaims:
    person_id: int
    plan_id: int
    ref: str | None  # None: every open item of the person in the plan
    issued: datetime  # UTC
    expires: datetime  # UTC

    def expired(self, now: datetime) -> bool:
        return now >= self.expires


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: bytes, payload: bytes) -> bytes:
    return hmac.new(key, purpose + payload, hashlib.sha256).digest()


def sign(key: bytes, claims: LinkClaims) -> str:
    body = json.dumps(
        [
            VERSION,
            claims.person_id,
            claims.plan_id,
            claims.ref,
            int(claims.issued.timestamp()),
            int(claims.expires.timestamp()),
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    return f"{_b64(body)}.{_b64(_mac(key, _PURPOSE, body)[:_SIGNATURE_BYTES])}"


def read(key: bytes, token: str) -> LinkClaims:
    """The claims of a token we signed; TamperedLink for anything else (never says which part was wrong)."""
    try:
        body_text, _, signature_text = token.partition(".")
        if len(token) > 1_000 or not body_text or not signature_text:
            raise ValueError("not a token")
        body, signature = _unb64(body_text), _unb64(signature_text)
        if not hmac.compare_digest(signature, _mac(key, _PURPOSE, body)[:_SIGNATURE_BYTES]):
            raise ValueError("signature")
        version, person_id, plan_id, ref, issued, expires = json.loads(body)
        if version != VERSION or not isinstance(person_id, int) or not isinstance(plan_id, int):
            raise ValueError("shape")
        if ref is not None and not isinstance(ref, str):
            raise ValueError("shape")
        return LinkClaims(
            person_id,
            plan_id,
            ref,
            datetime.fromtimestamp(int(issued), UTC),
            datetime.fromtimestamp(int(expires), UTC),
        )
    except (ValueError, TypeError, json.JSONDecodeError, OverflowError, OSError):
        raise TamperedLink() from None


def fingerprint(token: str) -> str:
    """A short, one-way name for a token: what logs, rate limits and the ledger may hold instead of it."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:16]


def csrf_token(key: bytes, token: str) -> str:
    """The form's anti-forgery field: bound to the link the form was served under."""
    return _b64(_mac(key, _CSRF, token.encode("utf-8", "replace"))[:_SIGNATURE_BYTES])


def csrf_ok(key: bytes, token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), csrf_token(key, token).encode())


@dataclass(frozen=True)
class LinkMaker:
    """Writes the links of the messages sent at one moment: `issued` is when they are written (the
    composition root's clock), and they work for `days` from then."""

    base_url: str
    key: bytes
    issued: datetime
    days: int = DEFAULT_DAYS

    @property
    def expires(self) -> datetime:
        return self.issued.astimezone(UTC) + timedelta(days=self.days)

    def _claims(self, person_id: int, plan_id: int, ref: str | None) -> LinkClaims:
        return LinkClaims(person_id, plan_id, ref, self.issued.astimezone(UTC), self.expires)

    def item(self, person_id: int, plan_id: int, ref: str) -> str:
        """The "Update REF" link: this person, this item."""
        return f"{self.base_url.rstrip('/')}/u/{sign(self.key, self._claims(person_id, plan_id, ref))}"

    def everything(self, person_id: int, plan_id: int) -> str:
        """The "Update all my items" link: every open item of this person in this plan."""
        return f"{self.base_url.rstrip('/')}/me/{sign(self.key, self._claims(person_id, plan_id, None))}"
