"""Where rendered messages go. With no transport configured (the embedded default and the demo) every
message is written to the outbox folder, so a new user can open exactly what would have been sent."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any, Protocol

from models.output.files import write_bytes, write_text


@dataclass(frozen=True)
class Delivery:
    ok: bool
    transient: bool = False  # worth retrying later (a server down, a 4xx SMTP reply, HTTP 429/5xx)
    error: str | None = None  # already free of secrets
    # The content went but no reply came (the connection dropped before `250`): the server may have stored
    # it, so it is retried as the very same message, never regrouped.
    unconfirmed: bool = False


class Transport(Protocol):
    def send_email(self, message: Message) -> Delivery: ...

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery: ...


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "_", text)[:80]


class FileSink:
    """Writes `.eml` files (open them in any mail client) and Teams cards as `.json`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, stem: str, suffix: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{stem}{suffix}"

    def send_email(self, message: Message) -> Delivery:
        key = _safe(str(message["Message-ID"]).strip("<>").split("@")[0][:16])
        path = self._path(f"{_safe(str(message['To']))}-{key}", ".eml")
        write_bytes(path, bytes(message))
        return Delivery(ok=True)

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        key = _safe(str(card.get("_message_id", ""))[:16])
        path = self._path(f"{_safe(recipient)}-{key}", ".teams.json")
        write_text(path, json.dumps({k: v for k, v in card.items() if not k.startswith("_")}, indent=2))
        return Delivery(ok=True)
