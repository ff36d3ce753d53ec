"""One digest through its channel: rendered as that channel's message (an email, a Teams card), then handed
to the channel's sender from the table. Whatever goes wrong is reported as a `Delivery`, never raised."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import Message

from models.board_packs import PackFileChanged
from models.outbox import Channel
from notifications.failures import reason
from notifications.messages import Digest
from notifications.pack_mail import PackDigest, render_pack_card, render_pack_email
from notifications.rendering import render_card, render_email
from notifications.senders import Card, Delivery, Senders
from notifications.sign_in_mail import SignInDigest, render_sign_in_email

# A plain ASCII dot-atom address: what nearly every recipient is, passed without the full check (a fifth of
# a millisecond each); anything else goes through the import's own rule.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def send_digest(
    senders: Senders, digest: Digest, sender: str, now: datetime, teams_url: str | None
) -> Delivery:
    """Render `digest` for its channel and send it through that channel's sender."""
    message = _render(digest, sender, now, teams_url)
    if isinstance(message, Delivery):
        return message
    channel_sender = senders.get(Channel(digest.channel))
    if channel_sender is None:
        error = f"no sender is configured for the {digest.channel} channel"
        return Delivery(ok=False, transient=False, error=error)
    try:
        return channel_sender.send(message)
    except OSError as exc:  # a sender that raised instead of reporting: treat as passing trouble
        return Delivery(ok=False, transient=True, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a sender's own bug or a message it cannot take: this digest only
        return Delivery(ok=False, transient=False, error=reason("the transport failed unexpectedly", exc))


def _render(digest: Digest, sender: str, now: datetime, teams_url: str | None) -> Message | Card | Delivery:
    """The channel's message, or the failure that stops it (a `Delivery`)."""
    refused = _refused_address(digest)
    if refused is not None:
        return Delivery(ok=False, transient=False, error=refused)
    try:
        if isinstance(digest, SignInDigest):  # by email only: a link for one person's eyes
            if digest.channel != Channel.EMAIL.value:
                return Delivery(ok=False, transient=False, error="a sign-in link goes by email only")
            return render_sign_in_email(digest, sender, now)
        if digest.channel == Channel.TEAMS.value:
            card = render_pack_card(digest) if isinstance(digest, PackDigest) else render_card(digest)
            return Card(card, teams_url, digest.recipient)
        if isinstance(digest, PackDigest):
            return render_pack_email(digest, sender, now)
        return render_email(digest, sender, now)
    except OSError as exc:  # a pack's PDF that cannot be read: passing trouble, tried again later
        return Delivery(ok=False, transient=True, error=f"{type(exc).__name__}: {exc}")
    except PackFileChanged as exc:  # a pack's PDF replaced since it was built: never sent, dead at once
        return Delivery(ok=False, transient=False, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # odd data the templates cannot take: the same next time, so dead
        return Delivery(ok=False, transient=False, error=reason("could not render the message", exc))


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
