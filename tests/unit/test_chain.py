"""The chain check, on plain values: any appends verify; any single-byte change to anything stored fails."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.audit import GENESIS_HASH
from models.errors import InvalidValue
from models.ledger.chain import Event, Head, encode
from models.ledger.stored import StoredEvent
from models.ledger.verification import check_chain, parse_head

AT = "2017-10-02T06:00:00.000000Z"

events = st.builds(
    Event,
    kind=st.sampled_from(["ActionUpdated", "ReminderQueued", "EscalatedToBoard"]),
    actor=st.sampled_from(["system:sweep", "owner@example.org"]),
    plan=st.one_of(st.none(), st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=20)),
    ref=st.one_of(st.none(), st.from_regex(r"[A-Z]{2,4}-[0-9]{1,3}", fullmatch=True)),
    data=st.dictionaries(
        st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=30), st.none()), max_size=4
    ),
)


def chain(appended: list[Event]) -> list[StoredEvent]:
    stored, prev = [], GENESIS_HASH
    for seq, event in enumerate(appended, start=1):
        body = encode(seq, AT, event, prev)
        digest = hashlib.sha256(body).hexdigest()
        stored.append(
            StoredEvent(seq, AT, event.actor, event.kind, event.plan, event.ref, prev, digest, body)
        )
        prev = digest
    return stored


@given(st.lists(events, max_size=30))
def test_any_sequence_of_appends_verifies(appended: list[Event]) -> None:
    verdict = check_chain(chain(appended))
    assert verdict.ok and verdict.count == len(appended)
    if appended:
        assert verdict.head is not None and verdict.head.seq == len(appended)


FIELDS = ["at", "actor", "kind", "plan", "ref", "prev_hash", "hash", "body"]


@settings(max_examples=300)
@given(st.lists(events, min_size=1, max_size=12), st.data())
def test_any_single_byte_change_fails(appended: list[Event], data: st.DataObject) -> None:
    stored = chain(appended)
    index = data.draw(st.integers(0, len(stored) - 1))
    field = data.draw(st.sampled_from(FIELDS))
    original = stored[index]
    value = getattr(original, field)
    raw = value if isinstance(value, bytes) else (value or "").encode("utf-8")
    if not raw:
        raw = b"\x00"  # an empty field (no plan, no ref) changed by adding one byte
        position, flipped = 0, raw
    else:
        position = data.draw(st.integers(0, len(raw) - 1))
        delta = data.draw(st.integers(1, 255))
        flipped = raw[:position] + bytes([(raw[position] + delta) % 256]) + raw[position + 1 :]
    changed = flipped if isinstance(value, bytes) else flipped.decode("utf-8", errors="replace")
    if changed == value:
        return
    changes: dict[str, Any] = {field: changed}
    stored[index] = original._replace(**changes)
    verdict = check_chain(stored)
    assert not verdict.ok
    assert verdict.problem is not None and verdict.problem.seq in (index + 1, index + 2)


def test_anchor_detects_a_truncated_tail() -> None:
    stored = chain([Event("X", "a") for _ in range(5)])
    published = Head(5, stored[-1].hash)
    assert check_chain(stored, published).ok
    verdict = check_chain(stored[:3], published)
    assert verdict.problem is not None and verdict.problem.seq == 4
    assert "missing anchored head" in verdict.problem.what
    wrong = check_chain(stored, Head(5, "f" * 64))
    assert (
        wrong.problem is not None
        and wrong.problem.seq == 5
        and "anchored head mismatch" in wrong.problem.what
    )


@pytest.mark.parametrize("text", ["5", "5:xyz", "x:" + "a" * 64, "5:" + "A" * 64])
def test_bad_heads_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="SEQ:HASH"):
        parse_head(text)
