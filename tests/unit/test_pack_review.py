"""A pack's review rules, pure: its state, what each state allows, the words the secretariat may write, and
when the plan's policy sends a pack that is still unsent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.errors import InvalidValue
from packs.review import (
    COMMENTARY_MAX,
    PackNotEditable,
    PackState,
    UnknownException,
    auto_send_reason,
    changed_refs,
    checked_words,
    invalid_field,
    may_approve,
    may_correct,
    may_send,
    may_write_words,
    send_deadline,
    state_of,
    words_digest,
)

AT = datetime(2017, 10, 30, 9, 0, tzinfo=UTC)


def test_the_state_follows_the_two_moments() -> None:
    assert state_of(None, None) is PackState.DRAFT
    assert state_of(AT, None) is PackState.APPROVED
    assert state_of(AT, AT) is PackState.SENT
    assert state_of(None, AT) is PackState.SENT  # sent by an operator's approve-and-send of old


def test_each_state_allows_only_its_own_step() -> None:
    may_write_words(PackState.DRAFT)
    may_write_words(PackState.APPROVED)  # and it becomes a draft again (packs.secretariat)
    may_approve(PackState.DRAFT)
    may_send(PackState.APPROVED)
    may_correct(PackState.SENT, latest=True)
    refused = [
        (may_write_words, PackState.SENT, "cannot be changed"),
        (may_approve, PackState.APPROVED, "already approved"),
        (may_approve, PackState.SENT, "cannot be changed"),
        (may_send, PackState.DRAFT, "approve it before sending"),
        (may_send, PackState.SENT, "already been sent"),
    ]
    for rule, state, words in refused:
        with pytest.raises(PackNotEditable, match=words):
            rule(state)
    with pytest.raises(PackNotEditable, match="Only a sent pack"):
        may_correct(PackState.DRAFT, latest=True)
    with pytest.raises(PackNotEditable, match="newer version"):
        may_correct(PackState.SENT, latest=False)


def test_words_are_kept_as_written_less_outer_space_and_empty_means_none() -> None:
    words = checked_words(" Summary\r\nline two ", {"A-1": "  Agreed.\r\n", "A-2": "   "}, ["A-1", "A-2"])
    assert words.summary == "Summary\nline two"
    assert words.commentary == {"A-1": "Agreed."}
    assert checked_words("", {}, []).summary is None


def test_commentary_on_a_ref_that_is_no_exception_is_refused() -> None:
    with pytest.raises(UnknownException) as caught:
        checked_words("", {"A-9": "words"}, ["A-1"])
    assert invalid_field(caught.value) == "commentary-A-9"


def test_words_too_long_or_with_control_characters_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as long:
        checked_words("", {"A-1": "x" * (COMMENTARY_MAX + 1)}, ["A-1"])
    assert invalid_field(long.value) == "commentary-A-1"
    with pytest.raises(InvalidValue) as control:
        checked_words("bell \x07", {}, [])
    assert invalid_field(control.value) == "summary"


def test_what_changed_and_the_digest_of_the_words() -> None:
    assert changed_refs({"A-1": "x", "A-2": "y"}, {"A-2": "z", "A-3": "w"}) == ["A-1", "A-2", "A-3"]
    assert words_digest(None, {}) == words_digest("", {})
    assert words_digest("a", {}) != words_digest("b", {})


def test_the_policy_sends_hours_before_nine_on_the_meeting_day_or_never() -> None:
    assert send_deadline(date(2017, 11, 7), 0, "Europe/London") is None
    deadline = send_deadline(date(2017, 11, 7), 48, "Europe/London")
    assert deadline is not None and deadline.isoformat() == "2017-11-05T09:00:00+00:00"
    summer = send_deadline(date(2017, 7, 4), 2, "Europe/London")
    assert summer is not None and summer.astimezone(UTC).hour == 6  # 07:00 BST
    assert auto_send_reason(48, PackState.DRAFT) == (
        "policy: sent automatically 48 hours before the meeting, not approved by then"
    )
