"""Rendering a digest: a multipart email (HTML and plain text) and a Teams Adaptive Card with the same facts.

User text (titles, commentary, reasons) is escaped everywhere: autoescaping in the HTML template, and the
card is built as data, never by pasting strings into JSON or Markdown.
"""

from __future__ import annotations

import binascii
import re
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from models.words import plural
from notifications.messages import Digest, days_text

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the code: no need to look at their files on every message
    )
    env.globals["days"] = days_text
    return env


def _context(digest: Digest) -> dict[str, Any]:
    return {
        "digest": digest,
        "greeting": digest.greeting,
        "intro": f"Line of Sight has {plural(len(digest.items), 'item')} for you today, most urgent first.",
    }


def render_email(digest: Digest, sender: str, now: datetime) -> Message:
    """multipart/alternative: our own plain text first, then the HTML. Built with the compat32 MIME classes,
    three times faster than EmailMessage's header registry on a thousand digests."""
    env = _environment()
    context = _context(digest)
    message = MIMEMultipart("alternative")
    message["Subject"] = _header(digest.subject)
    message["From"] = sender
    message["To"] = digest.recipient
    message["Date"] = format_datetime(now)
    message["Message-ID"] = digest.message_id
    message.attach(_part(env.get_template("digest.txt.j2").render(context), "plain"))
    message.attach(_part(env.get_template("digest.html.j2").render(context), "html"))
    return message


def _part(text: str, subtype: str) -> MIMENonMultipart:
    """Quoted-printable rather than base64, so a person who opens the raw .eml can still read it; encoded
    by binascii in C (the email package's own encoder, in Python, cost a third of each message)."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii"))
    return part


def _header(text: str) -> str:
    return text if text.isascii() else Header(text, "utf-8").encode()


def _plain(text: str) -> str:
    """Adaptive Cards render a Markdown subset: escape it so `[link](javascript:...)` stays text."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def render_card(digest: Digest) -> dict[str, Any]:
    facts = []
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "size": "Medium",
            "weight": "Bolder",
            "text": _plain(digest.subject),
            "wrap": True,
        },
    ]
    for item in digest.items:
        facts = [
            {
                "title": "What",
                "value": _plain(item.label + (f" (for {item.on_behalf_of})" if item.on_behalf_of else "")),
            },
            {"title": "Due", "value": _plain(f"{item.due} {days_text(item)}".strip())},
            *([{"title": "You are told", "value": _plain(item.told_as)}] if item.told_as else []),
            {"title": "Why", "value": _plain(item.reason)},
            {"title": "Last update", "value": _plain(item.last_update or "none yet")},
            {"title": "If nothing changes", "value": _plain(item.next_step or "-")},
        ]
        body.append(
            {
                "type": "TextBlock",
                "weight": "Bolder",
                "text": _plain(f"{item.ref}: {item.title}"),
                "wrap": True,
            }
        )
        body.append({"type": "FactSet", "facts": facts})
    return adaptive_card(body, digest.message_id)


def adaptive_card(body: list[dict[str, Any]], message_id: str) -> dict[str, Any]:
    """The envelope a Workflows "post to a channel" flow expects around an Adaptive Card's body, with the
    digest's Message-ID under `_message_id`: it names the file a FileSink writes, and is never sent."""
    return {
        "_message_id": message_id,
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }
        ],
    }
