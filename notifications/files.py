"""Senders that write files instead: with no SMTP server configured (the embedded default and the demo) every
message lands in the outbox folder, so a new user can open exactly what would have been sent."""

from __future__ import annotations

import json
import re
from email.message import Message
from pathlib import Path
from typing import Any

from models.outbox import Channel
from models.output.files import write_bytes, write_text
from notifications.senders import Card, Delivery, Sender


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "_", text)[:80]


def _path(folder: Path, stem: str, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}{suffix}"


class EmailFiles:
    """Writes each email as an `.eml` file, which any mail client opens."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: Message) -> Delivery:
        key = _safe(str(message["Message-ID"]).strip("<>").split("@")[0][:16])
        write_bytes(_path(self.folder, f"{_safe(str(message['To']))}-{key}", ".eml"), bytes(message))
        return Delivery(ok=True)


class CardFiles:
    """Writes each Teams card as a `.teams.json` file, without the fields that are never sent."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: Card) -> Delivery:
        card = message.content
        key = _safe(str(card.get("_message_id", ""))[:16])
        path = _path(self.folder, f"{_safe(message.recipient)}-{key}", ".teams.json")
        write_text(path, json.dumps({k: v for k, v in card.items() if not k.startswith("_")}, indent=2))
        return Delivery(ok=True)


def file_senders(folder: Path) -> dict[Channel, Sender[Any]]:
    """Every channel written to `folder`."""
    return {Channel.EMAIL: EmailFiles(folder), Channel.TEAMS: CardFiles(folder)}
