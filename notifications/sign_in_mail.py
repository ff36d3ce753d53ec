"""The console's sign-in message: an email of its own (never folded into a digest), with the sign-in link
written when it is sent, from the notice's address and nonce (the outbox never holds a token), and valid
for 15 minutes from then. Claimed, marked and retried as any other notice; a retry writes a fresh link
with the same nonce, so whichever copy is used first is the only one that works."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from email.mime.multipart import MIMEMultipart
from typing import Any
from zoneinfo import ZoneInfo

from config.timezone import DEFAULT_TIMEZONE
from models.console.sign_in import SIGN_IN_LIFE, sign_in_url
from models.ledger.kinds import EventKind
from models.links.tokens import LinkMaker
from notifications.messages import Digest, PendingNotice, message_id
from notifications.rendering import address, environment, text_part

SUBJECT = "Your link to sign in to Line of Sight"


@dataclass(frozen=True)
class SignInDigest(Digest):
    payload: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # written at send time (`filled`)
    until: str = ""  # when the link stops working, in the plan's local time, in words


def is_sign_in(notice: PendingNotice) -> bool:
    return notice.kind == EventKind.SIGN_IN_LINK_SENT


def sign_in_digests(notices: list[PendingNotice], plan_of: dict[int, str], domain: str) -> list[Digest]:
    return [
        SignInDigest(
            n.recipient,
            n.channel,
            plan_of[n.id],
            SUBJECT,
            (),
            (n.id,),
            n.previous_message_id or message_id([n.dedupe_key], domain),
            str(n.payload.get("recipient_name") or ""),
            payload=n.payload,
        )
        for n in notices
    ]


def filled(digest: SignInDigest, links: LinkMaker | None) -> SignInDigest:
    """The message with its link, written now (`links.issued`); unchanged with no secret key, when it
    cannot be sent (`render_sign_in_email` says why)."""
    if links is None:
        return digest
    email, nonce = str(digest.payload["email"]), str(digest.payload["nonce"])
    ends = (links.issued + SIGN_IN_LIFE).astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    url = sign_in_url(links.base_url, links.key, email, nonce, links.issued)
    return replace(digest, url=url, until=f"{ends:%H:%M} (UK time) on {ends.day} {ends:%B %Y}")


def render_sign_in_email(digest: SignInDigest, sender: str, now: datetime) -> MIMEMultipart:
    if not digest.url:
        raise ValueError("no secret key is set, so no sign-in link can be written (see `lineofsight doctor`)")
    env = environment()
    context = {"digest": digest, "minutes": int(SIGN_IN_LIFE.total_seconds() // 60)}
    message = MIMEMultipart("alternative")
    address(message, digest, sender, now)
    message.attach(text_part(env.get_template("sign_in.txt.j2").render(context), "plain"))
    message.attach(text_part(env.get_template("sign_in.html.j2").render(context), "html"))
    return message
