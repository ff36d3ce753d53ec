"""Who sees exempt items, on plain values: the roles that see all of them, and a chair or member only on a
board that meets in private."""

from __future__ import annotations

import pytest

from models.console.roles import Role
from models.console.visibility import redact, sees_exempt

PRIVATE, PUBLIC = 1, 2


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.AUDITOR, Role.INSPECTOR])
def test_the_secretariat_and_the_read_only_roles_see_exempt_items_with_no_board_at_all(role: Role) -> None:
    assert sees_exempt({role}, {}, set())


@pytest.mark.parametrize("role", [Role.CHAIR, Role.MEMBER])
def test_a_chair_or_member_of_a_board_meeting_in_private_sees_them(role: Role) -> None:
    assert sees_exempt({role}, {PRIVATE: {role}}, {PRIVATE})


@pytest.mark.parametrize("role", [Role.CHAIR, Role.MEMBER])
def test_a_chair_or_member_whose_boards_meet_only_in_public_sees_none(role: Role) -> None:
    assert not sees_exempt({role}, {PUBLIC: {role}}, {PRIVATE})
    assert not sees_exempt({role}, {PUBLIC: {role}}, set())


def test_a_private_board_counts_only_for_its_own_chair_and_members() -> None:
    # Member of the public board; the private board is someone else's.
    assert not sees_exempt({Role.MEMBER}, {PUBLIC: {Role.MEMBER}}, {PRIVATE})
    # Member of both: the private one opens them.
    assert sees_exempt({Role.MEMBER}, {PUBLIC: {Role.MEMBER}, PRIVATE: {Role.MEMBER}}, {PRIVATE})


def test_no_role_sees_nothing() -> None:
    assert not sees_exempt(set(), {}, {PRIVATE})
    assert not sees_exempt(set(), {PRIVATE: set()}, {PRIVATE})


def test_redact_takes_hidden_refs_out_of_words_and_leaves_the_rest() -> None:
    text = (
        "milestone MS-1 is due in 3 working days and at risk from ACT-2 (4 working days overdue), act-2 again"
    )
    assert redact(text, {"ACT-2"}) == (
        "milestone MS-1 is due in 3 working days and at risk from an exempt item (4 working days overdue), "
        "an exempt item again"
    )
    # Whole refs only: ACT-20 and XACT-2 are other items; a ref with regex characters is taken as written.
    assert redact("ACT-20 and XACT-2 and ACT-2.", {"ACT-2"}) == "ACT-20 and XACT-2 and an exempt item."
    assert redact("A.1 and AB1", {"A.1"}) == "an exempt item and AB1"
    assert redact("nothing hidden", set()) == "nothing hidden"
