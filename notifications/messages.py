"""What a person is told: their pending notices grouped into one digest per recipient and channel, most
urgent first, with a subject that says what and how urgent. Pure: no database, no clock, no network."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KIND_LABELS = {
    "OverdueNoticeQueued": "overdue",
    "ReminderQueued": "due soon",
    "UpdateRequested": "update requested",
    "EscalatedToLead": "escalated to you",
    "EscalatedToBoard": "escalated to the board",
    "DeadNoticesReported": "not delivered",
    "SweepFailed": "not swept",
}


@dataclass(frozen=True)
class PendingNotice:
    id: int
    dedupe_key: str
    recipient: str
    channel: str
    kind: str
    urgency: int
    payload: dict[str, Any]
    # Set when an earlier attempt already sent (or began sending) this notice in a digest: it goes again in
    # exactly that digest, with the same Message-ID, so a copy is recognisable as one.
    previous_message_id: str | None = None


@dataclass(frozen=True)
class DigestItem:
    ref: str
    title: str
    kind: str
    label: str
    reason: str
    due: str
    working_days_to_due: int | None
    working_days_overdue: int | None
    last_update: str | None
    on_behalf_of: str | None
    level: int
    next_step: str = ""
    next_meeting: str | None = None
    told_as: str = ""  # every role the recipient holds for this item: "as the milestone's owner and as ..."


@dataclass(frozen=True)
class Digest:
    recipient: str
    channel: str
    plan: str
    subject: str
    items: tuple[DigestItem, ...]
    notice_ids: tuple[int, ...]
    message_id: str  # stable: derived from the dedupe keys, so a resent copy can be recognised and dropped


def _item(notice: PendingNotice) -> DigestItem:
    p = notice.payload
    return DigestItem(
        ref=str(p.get("ref", "")),
        title=str(p.get("title", "")),
        kind=notice.kind,
        label=KIND_LABELS.get(notice.kind, notice.kind),
        reason=str(p.get("reason", "")),
        due=str(p.get("due", "")),
        working_days_to_due=p.get("working_days_to_due"),
        working_days_overdue=p.get("working_days_overdue"),
        last_update=p.get("last_update"),
        on_behalf_of=p.get("on_behalf_of"),
        level=int(p.get("level", 1)),
        next_step=str(p.get("next_step") or ""),
        next_meeting=p.get("next_meeting"),
        told_as=str(p.get("told_as") or ""),
    )


def message_id(keys: Iterable[str], domain: str) -> str:
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def subject(items: Iterable[DigestItem], plan: str) -> str:
    """What and how urgent, e.g. "2 items overdue, 1 item due soon: update before the Improvement Board on
    3 October 2017"."""
    items = list(items)
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.label] += 1
    order = [
        "not swept",
        "escalated to the board",
        "escalated to you",
        "overdue",
        "due soon",
        "update requested",
        "not delivered",
    ]
    parts = [
        f"{counts[label]} {'item' if counts[label] == 1 else 'items'} {label}"
        for label in order
        if counts[label]
    ]
    meeting = next((i.next_meeting for i in items if i.next_meeting), None)
    before = f": update before {meeting}" if meeting else ""
    return (", ".join(parts) + before) if parts else f"{plan}: nothing new"


def build_digests(
    notices: Iterable[PendingNotice], plan_of: dict[int, str], mail_domain: str
) -> list[Digest]:
    groups: dict[tuple[str, str, str, str], list[PendingNotice]] = defaultdict(list)
    for notice in notices:
        groups[
            (notice.recipient, notice.channel, plan_of[notice.id], notice.previous_message_id or "")
        ].append(notice)
    digests = []
    for (recipient, channel, plan, previous), members in sorted(groups.items()):
        members.sort(key=lambda n: (-n.urgency, n.payload.get("due", ""), n.payload.get("ref", "")))
        items = tuple(_item(n) for n in members)
        if not items:
            continue  # no empty messages, ever
        digests.append(
            Digest(
                recipient,
                channel,
                plan,
                subject(items, plan),
                items,
                tuple(n.id for n in members),
                # A digest that went before (perhaps stored, never confirmed) goes again as it was.
                previous or message_id((n.dedupe_key for n in members), mail_domain),
            )
        )
    return digests


def decode_payload(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def days_text(item: DigestItem) -> str:
    if item.working_days_overdue:
        n = item.working_days_overdue
        return f"{n} working day{'s' * (n != 1)} overdue"
    if item.working_days_to_due is not None and item.working_days_to_due >= 0:
        n = item.working_days_to_due
        return "due today" if n == 0 else f"due in {n} working day{'s' * (n != 1)}"
    return ""
