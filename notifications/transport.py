"""The two-method transport of earlier versions (`send_email`, `send_card`), kept for the callers written to
it (the tests' hand-written transports): `dispatch` turns one into the channel table with `as_senders`."""

from __future__ import annotations

from email.message import Message
from pathlib import Path
from typing import Any

from notifications.files import CardFiles, EmailFiles
from notifications.senders import Card, Delivery
from notifications.smtp import SmtpConfig, SmtpSender

__all__ = ["Channels", "Delivery", "FileSink", "SmtpTransport", "TeamsTransport"]


class FileSink:
    """Both channels written to one folder, as `notifications.files.file_senders` does."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._email, self._cards = EmailFiles(folder), CardFiles(folder)

    def send_email(self, message: Message) -> Delivery:
        return self._email.send(message)

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        return self._cards.send(Card(card, url, recipient))


class SmtpTransport:
    """Email only, over SMTP (`notifications.smtp.SmtpSender`)."""

    def __init__(self, config: SmtpConfig, timeout: float = 30.0) -> None:
        self.sender = SmtpSender(config, timeout)

    def send_email(self, message: Message) -> Delivery:
        return self.sender.send(message)

    def close(self) -> None:
        self.sender.close()


class TeamsTransport:
    """Teams cards only (`notifications.teams.TeamsSender`, imported on first use: apprise loads slowly)."""

    def __init__(self, verify: bool = True, timeout: float = 30.0) -> None:
        from notifications.teams import TeamsSender

        self.sender = TeamsSender(verify=verify, timeout=timeout)

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        return self.sender.send(Card(card, url, recipient))


class Channels:
    """Email through one transport, Teams cards through another."""

    def __init__(self, email: Any, teams: Any) -> None:
        self.email, self.teams = email, teams

    def send_email(self, message: Message) -> Delivery:
        delivery: Delivery = self.email.send_email(message)
        return delivery

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        delivery: Delivery = self.teams.send_card(url, card, recipient)
        return delivery

    def close(self) -> None:
        for transport in (self.email, self.teams):
            close = getattr(transport, "close", None)
            if close is not None:
                close()
