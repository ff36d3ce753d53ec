"""The one port every channel's sender fills, `send(message) -> Delivery`, for email and Teams alike.
Dispatch picks the sender from a table keyed by `Channel` (built in `flows.bootstrap`): one row a channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any, Protocol, TypeVar

from models.outbox import Channel

M_contra = TypeVar("M_contra", contravariant=True)


@dataclass(frozen=True)
class Delivery:
    ok: bool
    transient: bool = False  # worth retrying later (a server down, a 4xx SMTP reply, HTTP 429/5xx)
    error: str | None = None  # already free of secrets
    # The content went but no reply came (the connection dropped before `250`): the server may have stored
    # it, so it is retried as the very same message, never regrouped.
    unconfirmed: bool = False


@dataclass(frozen=True)
class Card:
    """A Teams message: the Adaptive Card, the Workflows URL stored for the recipient (None when none is)
    and the recipient, named in errors instead of the URL, which is a secret."""

    content: dict[str, Any]
    url: str | None
    recipient: str


class Sender(Protocol[M_contra]):
    """Sends one rendered message (an email `Message`, a Teams `Card`) and reports, never raises."""

    def send(self, message: M_contra) -> Delivery: ...


Senders = Mapping[Channel, Sender[Any]]


def as_senders(transport: object) -> Senders:
    """The channel table for what the caller passed: a table as it is, or an object written to the older
    two-method shape (`send_email(message)`, `send_card(url, card, recipient)`), each method its channel's."""
    if isinstance(transport, Mapping):
        return transport
    table: dict[Channel, Sender[Any]] = {}
    if hasattr(transport, "send_email"):
        table[Channel.EMAIL] = _EmailMethod(transport)
    if hasattr(transport, "send_card"):
        table[Channel.TEAMS] = _CardMethod(transport)
    return table


def close(transport: object) -> None:
    """Let go of what a run held open (the SMTP connection): each sender in a table, or the object itself."""
    for item in set(transport.values()) if isinstance(transport, Mapping) else {transport}:
        close = getattr(item, "close", None)
        if close is not None:
            close()


class _EmailMethod:
    def __init__(self, transport: Any) -> None:
        self.transport = transport

    def send(self, message: Message) -> Delivery:
        delivery: Delivery = self.transport.send_email(message)
        return delivery


class _CardMethod:
    def __init__(self, transport: Any) -> None:
        self.transport = transport

    def send(self, message: Card) -> Delivery:
        delivery: Delivery = self.transport.send_card(message.url, message.content, message.recipient)
        return delivery
