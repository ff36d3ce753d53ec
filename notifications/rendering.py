"""Rendering a digest: a multipart email (HTML and plain text) and a Teams Adaptive Card with the same facts.
User text is escaped everywhere: autoescaped in the HTML; the card is built as data, never pasted as JSON."""

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

from models.vocab import plural
from notifications.messages import Digest, DigestItem, days_text

# Adaptive Cards' TextBlock and FactSet read a small Markdown subset: **bold**, _italic_, [text](url) and
# lists ("- ", "1. ") at the start of a line. Nothing else is markup there, so nothing else is escaped.
_LIST_MARKER = re.compile(r"^([ \t]*)([-+*]|\d{1,9}(?=[.)]))(?=[.)]?(?:[ \t]|$))", re.MULTILINE)
# A backslash a Markdown parser would read as an escape (or, before a line end, as a line break).
_ESCAPING_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~\r\n])")

# RFC 3834: a message sent by a program, so auto-responders (out-of-office) must not answer it; Microsoft's
# Exchange reads its own header for the same request.
AUTOMATIC_HEADERS = (("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"))


@lru_cache(maxsize=1)
def environment() -> Environment:
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
        "links_note": links_note(digest),
    }


def links_note(digest: Digest, keep: str = "Do not forward this email") -> str:
    """How long the links work, that they are the reader's alone and, for a deputy, whom they act for."""
    if not digest.all_items_url:
        return ""
    note = (
        f"These links work until {digest.links_until} and are for you only. {keep}: its links let anyone "
        "who has them update your items."
    )
    owners = list(
        dict.fromkeys(i.on_behalf_of for i in digest.items if i.on_behalf_of and digest.update_url(i))
    )
    for owner in owners:  # a deputy's: the update is theirs, made for the away owner, and recorded so
        note += f' A link "for {owner}" records your update on behalf of {owner} while they are away.'
    return note


def render_email(digest: Digest, sender: str, now: datetime) -> Message:
    """multipart/alternative: our own plain text first, then the HTML. Built with the compat32 MIME classes,
    for speed (bench/README.md)."""
    env = environment()
    context = _context(digest)
    message = MIMEMultipart("alternative")
    address(message, digest, sender, now)
    message.attach(text_part(env.get_template("digest.txt.j2").render(context), "plain"))
    message.attach(text_part(env.get_template("digest.html.j2").render(context), "html"))
    return message


def address(message: Message, digest: Digest, sender: str, now: datetime) -> None:
    """The headers every email we send carries, in this order: subject, sender, recipient, date, the
    digest's Message-ID (derived from its dedupe keys) and the automatic-message headers."""
    message["Subject"] = encoded_header(digest.subject)
    message["From"] = sender
    message["To"] = digest.recipient
    message["Date"] = format_datetime(now)
    message["Message-ID"] = digest.message_id
    mark_automatic(message)


def mark_automatic(message: Message) -> None:
    """Every email we send says it was written by a program, so no out-of-office reply comes back."""
    for name, value in AUTOMATIC_HEADERS:
        message[name] = value


def text_part(text: str, subtype: str) -> MIMENonMultipart:
    """Quoted-printable rather than base64, so a person who opens the raw .eml can still read it; encoded
    by binascii in C, for speed (bench/README.md)."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii"))
    return part


def encoded_header(text: str) -> str:
    return text if text.isascii() else Header(text, "utf-8").encode()


def card_text(text: str) -> str:
    """User text made inert in a card's Markdown with as few backslashes as it takes (a needless one shows
    on Teams' mobile clients): `*` and `_` only when the text holds a pair (emphasis needs two), brackets
    only when it holds both (a link needs both), a list marker only at the start of a line ("1. " becomes
    "1\\. "), and a backslash only where it would escape what follows. "NS-01", dates and full stops stay
    as they are."""
    out = _ESCAPING_BACKSLASH.sub(r"\\\\", text)
    for mark in "*_":
        if out.count(mark) >= 2:
            out = out.replace(mark, "\\" + mark)
    if "[" in out and "]" in out:
        out = out.replace("[", "\\[").replace("]", "\\]")
    return _LIST_MARKER.sub(_inert_marker, out)


def _inert_marker(found: re.Match[str]) -> str:
    indent, marker = found.group(1), found.group(2)
    if marker.isdigit():  # the full stop or bracket after the number is what makes a numbered list
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def render_card(digest: Digest) -> dict[str, Any]:
    facts = []
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "size": "Medium",
            "weight": "Bolder",
            "text": card_text(digest.subject),
            "wrap": True,
        },
        {"type": "TextBlock", "text": card_text(digest.short_greeting), "wrap": True},
    ]
    for item in digest.items:
        facts = [
            {
                "title": "What",
                "value": card_text(item.label + (f" (for {item.on_behalf_of})" if item.on_behalf_of else "")),
            },
            {"title": "Due", "value": card_text(", ".join(t for t in (item.due, days_text(item)) if t))},
            *([{"title": "You are told", "value": card_text(item.told_as)}] if item.told_as else []),
            *([{"title": "Owner", "value": card_text(_owner(item))}] if item.owner else []),
            *(
                [{"title": "At risk from", "value": card_text(", ".join(item.at_risk_from))}]
                if item.at_risk_from
                else []
            ),
            {"title": "Why", "value": card_text(item.reason)},
            *(
                [{"title": "Last update", "value": card_text(item.last_update or "none yet")}]
                if item.shows_last_update
                else []
            ),
            {"title": "If nothing changes", "value": card_text(item.next_step or "-")},
        ]
        body.append(
            {
                "type": "TextBlock",
                "weight": "Bolder",
                "text": card_text(f"{item.ref}: {item.title}"),
                "wrap": True,
            }
        )
        body.append({"type": "FactSet", "facts": facts})
        url = digest.update_url(item)
        if url:  # a URL is data, not Markdown: never escaped, never pasted into text
            body.append(_open_url_set(item.update_text, url))
    if not digest.all_items_url:
        if digest.has_updatable:
            body.append({"type": "TextBlock", "text": card_text(digest.how_to_update), "wrap": True})
        return adaptive_card(body, digest.message_id)
    note = links_note(digest, "Do not share this card")
    body.append({"type": "TextBlock", "text": card_text(note), "wrap": True, "isSubtle": True})
    return adaptive_card(body, digest.message_id, [_open_url("Update all my items", digest.all_items_url)])


def _open_url(title: str, url: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def _open_url_set(title: str, url: str) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": [_open_url(title, url)]}


def _owner(item: DigestItem) -> str:
    """The owner as a manager or the board reads them, with the deputy covering while they are away."""
    if item.covering:
        return f"{item.owner} (away; {item.covering} is covering as deputy)"
    return item.owner


def adaptive_card(
    body: list[dict[str, Any]], message_id: str, actions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The envelope a Workflows "post to a channel" flow expects around an Adaptive Card's body (and its
    `actions`, the buttons at its foot), with the digest's Message-ID under `_message_id`: it names the file
    a FileSink writes, and is never sent."""
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if actions:
        content["actions"] = actions
    return {
        "_message_id": message_id,
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": content,
            }
        ],
    }
