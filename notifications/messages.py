"""What a person is told, pure: their pending notices as one digest per recipient and channel, each item
once with every reason, most urgent first; labels and their order are the rules' (`models.sweep.words`)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.ledger.kinds import EventKind
from models.sweep.words import LABEL_ORDER, LABELS, told_as
from models.vocab import day_in_words

# Reports about the service itself, to the secretariat: nothing in them is an item to update.
SERVICE_KINDS = frozenset({EventKind.SWEEP_FAILED, EventKind.DEAD_NOTICES_REPORTED})
# Made by the web face: a request for the secretariat, a link a person asked for, and the secretariat's
# answer to a request (from the console).
WEB_KINDS = frozenset(
    {
        EventKind.DUE_CHANGE_REQUESTED,
        EventKind.LINK_RESENT,
        EventKind.DUE_CHANGE_ACCEPTED,
        EventKind.DUE_CHANGE_DECLINED,
    }
)
NO_LINKS_HELP = "To update these items, reply to your board secretariat with what has changed."


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
    """One item of a digest as its reader sees it: once, with every reason it is there (most urgent first).
    `label` and `reason` join them for one-line faces (the Teams card); `due` and `last_update` are dates in
    words."""

    ref: str
    title: str
    kind: str  # the most urgent notice's kind
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
    labels: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    owner: str = ""  # the owner's name, shown when the reader is someone else (a manager, the board)
    covering: str | None = None  # the deputy covering while the owner is away
    at_risk_from: tuple[str, ...] = ()  # a milestone's slipping dependencies only
    due_on: str = ""  # ISO, for sorting

    @property
    def updatable(self) -> bool:
        """An item a person can update: not a report about the service itself ("(outbox)", "(sweep)")."""
        return bool(self.ref) and not self.ref.startswith("(") and self.kind not in SERVICE_KINDS

    @property
    def shows_last_update(self) -> bool:
        """ "none yet" is news about an item the sweep watches; a report about the service, a request or a
        link asked for on the web carries no last update, and must not seem to say there was none."""
        return bool(self.last_update) or self.kind not in SERVICE_KINDS | WEB_KINDS

    @property
    def update_text(self) -> str:
        """The link's words: "Update TAP-07", or "Update TAP-07 for Chris Green" when a deputy acts for the
        away owner (the link then acts on the owner's behalf)."""
        return f"Update {self.ref}" + (f" for {self.on_behalf_of}" if self.on_behalf_of else "")


@dataclass(frozen=True)
class Digest:
    recipient: str
    channel: str
    plan: str
    subject: str
    items: tuple[DigestItem, ...]
    notice_ids: tuple[int, ...]
    message_id: str  # stable: derived from the dedupe keys, so a resent copy can be recognised and dropped
    recipient_name: str = ""  # as the plan's People sheet names them, when known
    # Filled at dispatch (notifications.links): the signed "Update all my items" link and the day the
    # digest's links stop working, or, with no links, whom to tell instead.
    all_items_url: str = ""
    update_urls: Mapping[str, str] = field(default_factory=dict)  # ref -> the item's "Update REF" link
    links_until: str = ""
    no_links_help: str = ""

    def update_url(self, item: DigestItem) -> str:
        """The item's signed link for this reader, or "" (no links, or nothing to update)."""
        return self.update_urls.get(item.ref, "") if item.updatable else ""

    @property
    def has_updatable(self) -> bool:
        """Something the reader can update: an item, or the "all my items" link they asked for anew."""
        return any(item.updatable or item.kind == EventKind.LINK_RESENT for item in self.items)

    @property
    def how_to_update(self) -> str:
        """With no links (no secret key, or no record of the reader): a plain request, never a command."""
        return self.no_links_help or NO_LINKS_HELP

    @property
    def greeting(self) -> str:
        """ "Dear Alex Smith," in an email."""
        return f"Dear {self.recipient_name}," if self.recipient_name else "Hello,"

    @property
    def short_greeting(self) -> str:
        """ "Hello Alex Smith" where a message is brief (a Teams card). The whole name: the People sheet may
        hold a role ("Director of Children's Social Care"), whose first word is no name."""
        return f"Hello {self.recipient_name.strip()}" if self.recipient_name.strip() else "Hello"


def in_words(value: Any) -> str:
    """An ISO date as people write it; anything else (an older notice's text) as it is."""
    text = str(value or "")
    try:
        return day_in_words(date.fromisoformat(text))
    except ValueError:
        return text


def _item(notices: list[PendingNotice]) -> DigestItem:
    """One item from every notice one recipient has about it, most urgent first."""
    first = notices[0]
    p = first.payload
    # Labels and their reasons in the same order, the most pressing first.
    ordered = sorted(notices, key=lambda n: _rank(LABELS.get(n.kind, n.kind)))
    labels = tuple(dict.fromkeys(LABELS.get(n.kind, n.kind) for n in ordered))
    reasons = tuple(dict.fromkeys(str(n.payload["reason"]) for n in ordered if n.payload.get("reason")))
    roles = list(dict.fromkeys(r for n in notices for r in n.payload.get("roles") or ()))
    owner_email = p.get("owner")
    told_to_owner = owner_email == first.recipient
    return DigestItem(
        ref=str(p.get("ref", "")),
        title=str(p.get("title", "")),
        kind=first.kind,
        label=", ".join(labels),
        reason="; ".join(reasons),
        due=in_words(p.get("due")),
        working_days_to_due=p.get("working_days_to_due"),
        working_days_overdue=p.get("working_days_overdue"),
        last_update=in_words(p["last_update"]) if p.get("last_update") else None,
        on_behalf_of=_on_behalf_of(notices),
        level=max(int(n.payload.get("level", 1)) for n in notices),
        next_step=str(
            max(notices, key=lambda n: int(n.payload.get("level", 1))).payload.get("next_step") or ""
        ),
        next_meeting=p.get("next_meeting"),
        told_as=told_as(roles) if roles else str(p.get("told_as") or ""),
        labels=labels,
        reasons=reasons,
        owner="" if told_to_owner or not owner_email else str(p.get("owner_name") or owner_email),
        covering=None if told_to_owner else p.get("covering"),
        at_risk_from=tuple(p.get("at_risk_from") or ()),
        due_on=str(p.get("due", "")),
    )


def _on_behalf_of(notices: list[PendingNotice]) -> str | None:
    """The away owner a deputy is told for, by name when the notice knows it."""
    for n in notices:
        email = n.payload.get("on_behalf_of")
        if email:
            named = n.payload.get("owner_name") if email == n.payload.get("owner") else None
            return str(named or email)
    return None


def _rank(label: str) -> int:
    return LABEL_ORDER.index(label) if label in LABEL_ORDER else len(LABEL_ORDER)


def _one_per_item(members: list[PendingNotice]) -> list[DigestItem]:
    """Everything one person is owed about one item, as one entry (members come most urgent first)."""
    by_ref: dict[str, list[PendingNotice]] = {}
    for notice in members:
        by_ref.setdefault(str(notice.payload.get("ref", "")) or f"#{notice.id}", []).append(notice)
    return [_item(notices) for notices in by_ref.values()]


def message_id(keys: Iterable[str], domain: str) -> str:
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def subject(items: Iterable[DigestItem], plan: str) -> str:
    """What and how urgent, e.g. "2 items overdue, 1 item due soon: update before the Improvement Board on
    3 October 2017"."""
    items = list(items)
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.labels[0] if item.labels else item.label] += 1  # each item once, by its most pressing
    parts = [_counted(counts[label], label) for label in LABEL_ORDER if counts[label]]
    meeting = next((i.next_meeting for i in items if i.next_meeting), None)
    before = f": update before {meeting}" if meeting else ""
    return (", ".join(parts) + before) if parts else f"{plan}: nothing new"


# Labels that read badly after "1 item": said as a count of their own.
_COUNTED = {
    LABELS[EventKind.DUE_CHANGE_REQUESTED]: ("request to move a due date", "requests to move a due date"),
    LABELS[EventKind.LINK_RESENT]: ("new link", "new links"),
    LABELS[EventKind.DUE_CHANGE_ACCEPTED]: ("due date moved", "due dates moved"),
    LABELS[EventKind.DUE_CHANGE_DECLINED]: (
        "request to move a due date declined",
        "requests to move a due date declined",
    ),
}


def _counted(n: int, label: str) -> str:
    """ "2 items overdue", "1 request to move a due date", "1 new link"."""
    if label in _COUNTED:
        return f"{n} {_COUNTED[label][n != 1]}"
    return f"{n} {'item' if n == 1 else 'items'} {label}"


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
        items = tuple(_one_per_item(members))
        if not items:
            continue  # no empty messages, ever
        name = next(
            (str(n.payload["recipient_name"]) for n in members if n.payload.get("recipient_name")), ""
        )
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
                name,
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
