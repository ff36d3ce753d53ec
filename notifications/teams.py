"""The Teams channel's sender: our own Adaptive Card posted to a Power Automate Workflows URL by apprise
(`workflows://`), with the HTTP status read from its log to tell a retry (429, 5xx) from a dead notice.

The Workflows URL is a secret: it never appears in an error, a log line or the ledger.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

import apprise

from notifications.senders import Card, Delivery

STATUS = re.compile(r"error=(\d{3})")
SIGNATURE = re.compile(r"sig=[^&\s\"']+")


class _RedactSignatures(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string and all: in a Workflows URL that includes
    `sig=`, the secret that lets anyone post to the channel. The line is kept, the signature is not."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "sig=" in text:
            record.msg, record.args = SIGNATURE.sub("sig=(redacted)", text), None
        return True


def _redact_request_logs() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactSignatures) for f in logger.filters):
        logger.addFilter(_RedactSignatures())


def well_formed(url: str) -> bool:
    """Whether apprise reads `url` as a Power Automate Workflows URL (no request is made)."""
    return bool(apprise.Apprise().add(url))


class TeamsSender:
    """Posts a `Card` to the Workflows URL stored for its recipient; apprise reports failure by return value
    and logs the status, so the log is read."""

    def __init__(self, verify: bool = True, timeout: float = 30.0) -> None:
        self.verify, self.timeout = verify, timeout
        _redact_request_logs()

    def send(self, message: Card) -> Delivery:
        url, recipient = message.url, message.recipient
        if not url:
            return Delivery(
                ok=False, transient=False, error=f"no Teams Workflows URL is stored for {recipient}"
            )
        payload = {k: v for k, v in message.content.items() if not k.startswith("_")}
        # apprise fills {{tokens}} in a template: keep any braces in user text from being read as one.
        text = json.dumps(payload, ensure_ascii=False).replace("{{", "{\\u007b")
        with tempfile.TemporaryDirectory() as folder:
            template = Path(folder) / "card.json"
            template.write_text(text, encoding="utf-8")
            options = f"template={quote(str(template))}&verify={'yes' if self.verify else 'no'}"
            sender = apprise.Apprise()
            if not sender.add(f"{url}{'&' if '?' in url else '?'}{options}"):
                return Delivery(
                    ok=False,
                    transient=False,
                    error=f"the Teams URL stored for {recipient} is not a Power Automate Workflows URL",
                )
            for plugin in sender:
                plugin.request_rate_per_sec = 0  # a fresh sender per card: no throttle between cards
                plugin.socket_read_timeout = self.timeout
            with apprise.LogCapture(level=logging.WARNING) as log:
                ok = bool(sender.notify(body=".", title=""))
                logged = log.getvalue()
        if ok:
            return Delivery(ok=True)
        found = STATUS.search(logged)
        if found is None:
            return Delivery(ok=False, transient=True, error="could not reach the Teams Workflows endpoint")
        code = int(found.group(1))
        transient = code == 429 or code >= 500
        return Delivery(ok=False, transient=transient, error=f"Teams Workflows endpoint answered HTTP {code}")
