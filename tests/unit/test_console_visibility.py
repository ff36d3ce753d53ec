"""Who sees exempt items, on plain values: the roles that see all of them, and a chair or member only on a
board that meets in private."""

from __future__ import annotations

import pytest

from models.console.roles import Role
from models.console.visibility import sees_exempt

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
