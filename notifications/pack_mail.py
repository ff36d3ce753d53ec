"""A board pack's messages: an email of its own with the PDF attached (never folded into a digest), and an
Adaptive Card with the counts for the board's Teams channel; and the email telling the board's secretariat a
draft waits for their review (a link to the console, nothing attached). Claimed, marked and retried as any
other notice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from config.timezone import DEFAULT_TIMEZONE
from models.board_packs import verified_bytes
from models.ledger.kinds import EventKind
from models.meetings import Board
from models.plan import Plan
from models.vocab import RAG_COUNTS
from notifications.messages import Digest, PendingNotice, message_id
from notifications.rendering import adaptive_card, address, card_text, environment, text_part


@dataclass(frozen=True)
class PackDigest(Digest):
    payload: dict[str, Any] = field(default_factory=dict)
    kind: str = EventKind.PACK_PUBLISHED.value


def is_pack(notice: PendingNotice) -> bool:
    return notice.kind in (EventKind.PACK_PUBLISHED, EventKind.PACK_READY_FOR_REVIEW)


def is_review(digest: PackDigest) -> bool:
    return digest.kind == EventKind.PACK_READY_FOR_REVIEW


def board_channels(session: Session) -> dict[tuple[str, str], str]:
    """Boards' Teams Workflows URLs by (plan, board name): a pack's Teams notice is addressed to the board,
    and two plans may each have an "Improvement Board"."""
    rows = session.execute(
        sa.select(col(Plan.name), col(Board.name), col(Board.teams_url)).where(
            col(Board.plan_id) == col(Plan.id), col(Board.teams_url).is_not(None)
        )
    )
    return {(plan, name): url for plan, name, url in rows}


def pack_digests(notices: list[PendingNotice], plan_of: dict[int, str], domain: str) -> list[Digest]:
    out: list[Digest] = []
    for n in notices:
        p = n.payload
        meeting = _day(p.get("meeting"))
        subject = f"{p.get('audience', 'board').capitalize()} pack: {p.get('board')}, meeting of {meeting}"
        if n.kind == EventKind.PACK_READY_FOR_REVIEW:
            subject = f"For your review: {subject[0].lower()}{subject[1:]} (draft)"
        out.append(
            PackDigest(
                n.recipient,
                n.channel,
                plan_of[n.id],
                subject,
                (),
                (n.id,),
                n.previous_message_id or message_id([n.dedupe_key], domain),
                str(p.get("recipient_name") or ""),
                payload=p,
                kind=n.kind,
            )
        )
    return out


def _day(iso: Any) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(str(iso))
    return f"{day:%A} {day.day} {day:%B %Y}"


def _context(digest: PackDigest) -> dict[str, Any]:
    p = digest.payload
    counts = {r: p.get("counts", {}).get(r, 0) for r in RAG_COUNTS}
    return {
        "p": p,
        "subject": digest.subject,
        "counts": counts,
        "meeting": _day(p.get("meeting")),
        "built_for": _day(p.get("built_for")),
    }


def render_pack_email(digest: PackDigest, sender: str, now: datetime) -> MIMEMultipart:
    """multipart/mixed: the text and HTML alternatives, then the PDF. A missing PDF raises OSError, which
    the dispatcher treats as passing trouble (retried, then dead and listed in the next pack); a PDF that
    differs from the one built raises PackFileChanged, which kills the notice at once with the reason."""
    env = environment()
    context = _context(digest)
    if is_review(digest):
        return _review_email(digest, context, sender, now)
    body = MIMEMultipart("alternative")
    body.attach(text_part(env.get_template("pack.txt.j2").render(context), "plain"))
    body.attach(text_part(env.get_template("pack.html.j2").render(context), "html"))
    message = MIMEMultipart("mixed")
    address(message, digest, sender, now)
    message.attach(body)
    path = Path(str(digest.payload["pdf"]))
    # The very file built and recorded, or nothing: a PDF replaced on disk since never reaches the board.
    attachment = MIMEApplication(verified_bytes(path, str(digest.payload["pdf_sha256"])), "pdf")
    attachment.add_header("Content-Disposition", "attachment", filename=path.name)
    message.attach(attachment)
    if digest.payload.get("docx"):  # the board asks for Word: the .docx goes beside the PDF, checked alike
        word = Path(str(digest.payload["docx"]))
        data = verified_bytes(word, str(digest.payload["docx_sha256"]))
        document = MIMEApplication(data, "vnd.openxmlformats-officedocument.wordprocessingml.document")
        document.add_header("Content-Disposition", "attachment", filename=word.name)
        message.attach(document)
    return message


def _review_email(digest: PackDigest, context: dict[str, Any], sender: str, now: datetime) -> MIMEMultipart:
    env = environment()
    send_by = digest.payload.get("send_by")
    if send_by:
        moment = datetime.fromisoformat(str(send_by)).astimezone(ZoneInfo(DEFAULT_TIMEZONE))
        context["send_by"] = f"{moment:%H:%M} (UK time) on {_day(moment.date().isoformat())}"
    context["greeting"] = digest.greeting
    message = MIMEMultipart("alternative")
    address(message, digest, sender, now)
    message.attach(text_part(env.get_template("pack_review.txt.j2").render(context), "plain"))
    message.attach(text_part(env.get_template("pack_review.html.j2").render(context), "html"))
    return message


def render_pack_card(digest: PackDigest) -> dict[str, Any]:
    """The card announces the emailed PDF: it goes only while that PDF is still the one built."""
    if is_review(digest):
        raise ValueError("a draft pack's review goes to the secretariat by email only")
    verified_bytes(Path(str(digest.payload["pdf"])), str(digest.payload["pdf_sha256"]))
    context = _context(digest)
    p, counts = context["p"], context["counts"]
    facts = [{"title": r.capitalize(), "value": str(counts[r])} for r in RAG_COUNTS]
    facts.append({"title": "Exceptions", "value": str(p.get("exceptions", 0))})
    if p.get("withheld"):
        facts.append({"title": "Exempt items withheld", "value": str(p["withheld"])})
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "size": "Medium",
            "weight": "Bolder",
            "text": card_text(digest.subject),
            "wrap": True,
        },
        {
            "type": "TextBlock",
            "text": card_text(
                f"The pack ({p.get('pdf_name', 'PDF')}) has been emailed to the board's members "
                "and secretariat."
            ),
            "wrap": True,
        },
        {"type": "FactSet", "facts": facts},
    ]
    return adaptive_card(body, digest.message_id)
