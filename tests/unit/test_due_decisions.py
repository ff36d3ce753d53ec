"""The rules of a decision on a request to move a due date, on plain values: when it can be accepted, what a
reason must be; and how the owner's message about it reads (subject, label, no "last update" news)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from models.console_records import DueChangeRequest
from models.ledger.kinds import EventKind
from models.plans.due_decisions import DecisionRefused, ItemNow, decision_reason, why_not_accept
from models.vocab import Status
from notifications.messages import PendingNotice, build_digests
from notifications.rendering import render_email

ASKED = DueChangeRequest(
    id=7,
    plan_id=1,
    item_ref="TAP-07",
    item_kind="action",
    requested_by="owner@example.org",
    from_due=date(2017, 10, 2),
    to_due=date(2017, 11, 30),
    reason="Two auditors left",
)
AS_ASKED = ItemNow("TAP-07", Status.IN_PROGRESS, date(2017, 10, 2))


def test_an_open_request_for_an_open_item_at_its_date_can_be_accepted() -> None:
    assert why_not_accept(ASKED, AS_ASKED) is None
    assert why_not_accept(ASKED, ItemNow("TAP-07", Status.NOT_STARTED, date(2017, 10, 2))) is None


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (None, "TAP-07 is no longer in the plan: decline the request instead."),
        (ItemNow("TAP-07", Status.CANCELLED, date(2017, 10, 2)), "TAP-07 is cancelled since the request"),
        (ItemNow("TAP-07", Status.COMPLETE, date(2017, 10, 2)), "TAP-07 is complete since the request"),
        (ItemNow("TAP-07", Status.CLOSED, date(2017, 10, 2)), "TAP-07 is closed since the request"),
        (
            ItemNow("TAP-07", Status.IN_PROGRESS, date(2017, 10, 20)),
            "The due date of TAP-07 has changed since the request was made (it asked to move Monday 2 "
            "October 2017; it is now Friday 20 October 2017), so the request is out of date",
        ),
    ],
)
def test_an_item_that_moved_on_refuses_the_acceptance(item: ItemNow | None, expected: str) -> None:
    found = why_not_accept(ASKED, item)
    assert found is not None and found.startswith(expected)


def test_a_date_outside_the_window_is_refused() -> None:
    far = ASKED.model_copy(update={"to_due": date(2100, 1, 1)})
    assert "expected a date between 2000-01-01 and 2099-12-31" in (why_not_accept(far, AS_ASKED) or "")


def test_a_decided_request_says_by_whom_and_when() -> None:
    done = ASKED.model_copy(
        update={
            "status": "declined",
            "decided_by": "secretariat@example.org",
            "decided_at": datetime(2017, 10, 9, 9, tzinfo=UTC),
        }
    )
    assert why_not_accept(done, AS_ASKED) == (
        "This request was already declined by secretariat@example.org on Monday 9 October 2017: a request is "
        "decided once."
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Give the reason for the decision"),
        (" \n\t ", "Give the reason for the decision"),
        ("x" * 2001, "at most 2000 characters"),
        ("bad \x0b char", "without control characters (found U+000B"),
        ("turned \u202e round", "without control characters (found U+202E"),
    ],
)
def test_a_reason_is_required_and_plain_text(typed: str, message: str) -> None:
    with pytest.raises(DecisionRefused) as refused:
        decision_reason(typed)
    assert refused.value.field == "reason" and message in str(refused.value)


def test_a_reason_is_kept_as_written_less_surrounding_space() -> None:
    assert (
        decision_reason("  Agreed <b>at</b> the board.\nMinuted.  ")
        == "Agreed <b>at</b> the board.\nMinuted."
    )


def _decision(kind: EventKind, reason: str, due: str) -> PendingNotice:
    payload = {
        "ref": "TAP-07",
        "title": "Audit case files",
        "due": due,
        "reason": reason,
        "owner": "owner@example.org",
        "owner_name": "Alex Smith",
        "on_behalf_of": None,
        "recipient_name": "Alex Smith",
        "level": 1,
    }
    return PendingNotice(1, "k", "owner@example.org", "email", kind, 1, json.loads(json.dumps(payload)))


@pytest.mark.parametrize(
    ("kind", "subject", "label"),
    [
        (EventKind.DUE_CHANGE_ACCEPTED, "1 due date moved", "Due date moved"),
        (EventKind.DUE_CHANGE_DECLINED, "1 request to move a due date declined", "Date change declined"),
    ],
)
def test_the_owner_is_told_the_decision_in_plain_words(kind: EventKind, subject: str, label: str) -> None:
    reason = "The board secretariat decided on the request to move the due date of TAP-07: minuted"
    [digest] = build_digests([_decision(kind, reason, "2017-11-30")], {1: "Plan"}, "example.org")
    assert digest.subject == subject
    message = render_email(digest, "los@example.org", datetime(2017, 10, 9, 9, tzinfo=UTC))
    parts = {
        p.get_content_subtype(): p.get_payload(decode=True) for p in message.walk() if not p.is_multipart()
    }
    text = parts["plain"]
    assert isinstance(text, bytes)
    body = text.decode()
    assert f"{label}. Due Thursday 30 November 2017" in body and reason in body
    assert "Last update" not in body and "none yet" not in body  # a decision: no update is news here
    assert "If nothing changes" not in body
