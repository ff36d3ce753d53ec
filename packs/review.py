"""A pack's review, pure: its state (draft, approved, sent), what the secretariat may do in each, the words
they may write, and when the plan's policy sends a pack that was not approved in time.

    draft --approve--> approved --send--> sent --correct--> a new draft version (supersedes it once sent)
      ^                   |
      +--- words written -+   (an approved pack whose words change is a draft again)

A sent pack is the board's record: every write to it is refused; a correction is a new version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from models.errors import BadInput, InvalidValue
from models.plans.text_rules import free_text

SUMMARY_MAX = 4000  # a page of the pack at most
COMMENTARY_MAX = 2000
# The hour a meeting is taken to start when the plan says no time (meetings are recorded by day only).
MEETING_HOUR = time(9, 0)


class PackState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"


def state_of(approved_at: datetime | None, published_at: datetime | None) -> PackState:
    if published_at is not None:
        return PackState.SENT
    return PackState.APPROVED if approved_at is not None else PackState.DRAFT


class PackNotEditable(BadInput):
    """A write the pack's state does not allow (the message says what is allowed instead)."""


SENT_IS_FINAL = (
    "This pack has been sent, so it is the board's record and cannot be changed. To correct it, use "
    "Correct: a new version is built as a draft, and replaces this one when it is sent."
)


def may_write_words(state: PackState) -> None:
    if state is PackState.SENT:
        raise PackNotEditable(SENT_IS_FINAL)


def may_approve(state: PackState) -> None:
    if state is PackState.SENT:
        raise PackNotEditable(SENT_IS_FINAL)
    if state is PackState.APPROVED:
        raise PackNotEditable("This pack is already approved: it can be sent now.")


def may_send(state: PackState) -> None:
    if state is PackState.SENT:
        raise PackNotEditable("This pack has already been sent.")
    if state is PackState.DRAFT:
        raise PackNotEditable("This pack is a draft: approve it before sending it.")


def may_correct(state: PackState, latest: bool) -> None:
    if state is not PackState.SENT:
        raise PackNotEditable("Only a sent pack is corrected: change this draft's words and approve it.")
    if not latest:
        raise PackNotEditable("A newer version of this pack exists already: correct that one instead.")


@dataclass(frozen=True)
class Words:
    summary: str | None
    commentary: dict[str, str]  # exception ref -> words; no empty entries


class UnknownException(BadInput):
    """Commentary on a ref that is not one of the pack's exceptions."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"{ref} is not one of this pack's exceptions: commentary is written on those only.")
        self.ref = ref


def checked_words(summary: str, commentary: Mapping[str, str], exceptions: list[str]) -> Words:
    """The words as they will be stored, or InvalidValue (naming the field) / UnknownException. Line ends
    are made plain (a browser posts CRLF) and outer white space dropped; empty means none."""
    text = free_text(_plain(summary), "covering summary", SUMMARY_MAX)
    kept: dict[str, str] = {}
    for ref, words in commentary.items():
        if ref not in exceptions:
            raise UnknownException(ref)
        value = free_text(_plain(words), f"commentary on {ref}", COMMENTARY_MAX)
        if value:
            kept[ref] = value
    return Words(text or None, kept)


def _plain(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def changed_refs(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    return sorted(r for r in set(before) | set(after) if before.get(r) != after.get(r))


def words_digest(summary: str | None, commentary: Mapping[str, Any]) -> str:
    """What the pack's files say of the words, recorded with the build: approval checks the files carry the
    words the row holds."""
    canonical = json.dumps({"summary": summary or None, "commentary": dict(commentary)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def send_deadline(meeting: date, hours: int, timezone: str) -> datetime | None:
    """When the policy sends a pack not yet sent: `hours` before the meeting (its day at 09:00 local, the
    hour meetings are taken to start); None when the policy never does (0)."""
    if hours <= 0:
        return None
    start = datetime.combine(meeting, MEETING_HOUR, tzinfo=ZoneInfo(timezone))
    return start - timedelta(hours=hours)


def auto_send_reason(hours: int, state: PackState) -> str:
    approved = "approved" if state is PackState.APPROVED else "not approved by then"
    return f"policy: sent automatically {hours} hours before the meeting, {approved}"


def invalid_field(exc: InvalidValue | UnknownException) -> str:
    """The form field an error belongs to: `summary`, or `commentary-REF`."""
    if isinstance(exc, UnknownException):
        return f"commentary-{exc.ref}"
    name = str(getattr(exc, "field", ""))
    ref = name.removeprefix("commentary on ")
    return f"commentary-{ref}" if name.startswith("commentary on") else "summary"
