"""Who may use the console as what, on rows built by hand: the People sheet's `roles` cell as typed
(forgiving, with its refusals), and `decide` over plans, people, boards and grants."""

from __future__ import annotations

from datetime import date

import pytest

from models.console.roles import Role, Standing, allows, decide, parse_roles, stored_roles
from models.console_access import AccessGrant
from models.errors import InvalidValue
from models.meetings import Board
from models.people import Person, organisation_key
from models.plan import Plan

COUNCIL = "Example Council"
ADDRESS = "someone@example.org"


@pytest.mark.parametrize(
    ("typed", "roles"),
    [
        ("secretariat", {Role.SECRETARIAT}),
        ("Chair", {Role.CHAIR}),
        ("  AUDITOR ", {Role.AUDITOR}),
        ("member, chair", {Role.MEMBER, Role.CHAIR}),
        ("member;auditor", {Role.MEMBER, Role.AUDITOR}),
        ("secretariat  Member,,;chair", {Role.SECRETARIAT, Role.MEMBER, Role.CHAIR}),
        ("member member", {Role.MEMBER}),
        ("", set()),
        ("   ", set()),
        (None, set()),
    ],
)
def test_parse_roles_forgives_case_spacing_and_separators(typed: str | None, roles: set[Role]) -> None:
    assert parse_roles(typed) == frozenset(roles)


@pytest.mark.parametrize("typed", ["chairman", "secretary", "member/chair", "auditor, admin", "1"])
def test_parse_roles_refuses_an_unknown_role_naming_the_value_and_what_is_expected(typed: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_roles(typed, "roles")
    assert refused.value.field == "roles" and refused.value.value == typed
    assert "secretariat, chair, member, auditor" in refused.value.expected
    assert "inspector" not in refused.value.expected  # not offered: the sheet cannot give it


@pytest.mark.parametrize("typed", ["inspector", "Inspector", "auditor; INSPECTOR"])
def test_parse_roles_refuses_an_inspector_who_comes_in_only_by_a_grant(typed: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_roles(typed)
    assert "an inspector is given access by a grant" in str(refused.value)


def test_stored_roles_are_sorted_words_and_none_for_none() -> None:
    assert stored_roles({Role.MEMBER, Role.AUDITOR, Role.CHAIR}) == "auditor chair member"
    assert stored_roles(set()) is None
    assert parse_roles(stored_roles({Role.SECRETARIAT, Role.AUDITOR})) == {Role.SECRETARIAT, Role.AUDITOR}


def plan(id: int, name: str, organisation: str | None = COUNCIL) -> Plan:
    return Plan(id=id, name=name, organisation=organisation)


def person(id: int, email: str = ADDRESS, roles: str | None = None, organisation: str = COUNCIL) -> Person:
    key = organisation_key(organisation, organisation)
    return Person(id=id, organisation=key, email=email, name=f"Person {id}", console_roles=roles)


def board(id: int, plan_id: int, secretariat: int, chair: int | None = None) -> Board:
    return Board(id=id, plan_id=plan_id, name=f"Board {id}", secretariat_id=secretariat, chair_id=chair)


def grant(
    plan_id: int, role: Role, until: date, email: str = ADDRESS, name: str = "Ann Inspector"
) -> AccessGrant:
    return AccessGrant(
        email=email, name=name, plan_id=plan_id, role=role.value, until=until, granted_by="system:operator"
    )


def test_a_stranger_has_no_standing_anywhere() -> None:
    assert decide(ADDRESS, [plan(1, "Plan A")], [], [board(1, 1, secretariat=9)], set(), []) == ()


def test_people_roles_apply_to_every_board_of_every_plan_of_the_organisation() -> None:
    plans = [plan(1, "Plan A"), plan(2, "Plan B")]
    boards = [board(10, 1, secretariat=9), board(11, 1, secretariat=9), board(20, 2, secretariat=9)]
    found = decide(ADDRESS, plans, [person(5, roles="member auditor")], boards, set(), [])
    assert [s.plan_name for s in found] == ["Plan A", "Plan B"]
    a, b = found
    assert a.roles == b.roles == {Role.MEMBER, Role.AUDITOR}
    assert a.boards == {10: {Role.MEMBER}, 11: {Role.MEMBER}} and b.boards == {20: {Role.MEMBER}}
    assert a.person_id == 5 and a.name == "Person 5" and not a.read_only and a.until == {}


def test_board_roles_from_the_boards_sheet_are_per_board() -> None:
    plans = [plan(1, "Plan A")]
    boards = [board(10, 1, secretariat=5), board(11, 1, secretariat=9, chair=5), board(12, 1, secretariat=9)]
    [standing] = decide(ADDRESS, plans, [person(5)], boards, {(12, 5)}, [])
    assert standing.boards == {10: {Role.SECRETARIAT}, 11: {Role.CHAIR}, 12: {Role.MEMBER}}
    assert standing.roles == {Role.SECRETARIAT, Role.CHAIR, Role.MEMBER}
    assert standing.has(Role.CHAIR) and not standing.has(Role.AUDITOR, Role.INSPECTOR)


def test_a_board_in_another_plan_gives_nothing_in_this_one() -> None:
    plans = [plan(1, "Plan A"), plan(2, "Plan B")]
    [standing] = decide(ADDRESS, plans, [person(5)], [board(20, 2, secretariat=5)], set(), [])
    assert (standing.plan_name, standing.boards) == ("Plan B", {20: {Role.SECRETARIAT}})


def test_an_auditor_alone_is_read_only_and_on_no_board() -> None:
    [standing] = decide(ADDRESS, [plan(1, "Plan A")], [person(5, roles="auditor")], [], set(), [])
    assert standing.roles == {Role.AUDITOR} and standing.read_only and standing.boards == {}


def test_a_grant_lets_in_someone_on_no_people_sheet_until_its_last_day() -> None:
    plans = [plan(1, "Plan A"), plan(2, "Plan B")]
    [standing] = decide(ADDRESS, plans, [], [], set(), [grant(2, Role.INSPECTOR, date(2018, 1, 31))])
    assert (standing.plan_name, standing.roles) == ("Plan B", {Role.INSPECTOR})
    assert standing.until == {Role.INSPECTOR: date(2018, 1, 31)}
    assert standing.person_id is None and standing.name == "Ann Inspector" and standing.read_only


def test_two_live_grants_of_one_role_end_on_the_later_day() -> None:
    grants = [grant(1, Role.INSPECTOR, date(2018, 3, 1)), grant(1, Role.INSPECTOR, date(2018, 1, 31))]
    [standing] = decide(ADDRESS, [plan(1, "Plan A")], [], [], set(), grants)
    assert standing.until == {Role.INSPECTOR: date(2018, 3, 1)}


def test_a_grant_of_a_role_the_workbook_gives_does_not_make_it_end() -> None:
    grants = [grant(1, Role.AUDITOR, date(2018, 1, 31)), grant(1, Role.INSPECTOR, date(2018, 2, 28))]
    [standing] = decide(ADDRESS, [plan(1, "Plan A")], [person(5, roles="auditor")], [], set(), grants)
    assert standing.roles == {Role.AUDITOR, Role.INSPECTOR}
    assert standing.until == {Role.INSPECTOR: date(2018, 2, 28)}  # the auditor's role is the sheet's, open
    assert standing.name == "Person 5"  # the People row names them, not the grant


def test_a_person_with_several_roles_holds_them_all_and_is_not_read_only() -> None:
    people = [person(5, roles="auditor, chair")]
    boards = [board(10, 1, secretariat=5)]
    grants = [grant(1, Role.INSPECTOR, date(2018, 1, 31))]
    [standing] = decide(ADDRESS, [plan(1, "Plan A")], people, boards, set(), grants)
    assert standing.roles == {Role.AUDITOR, Role.CHAIR, Role.SECRETARIAT, Role.INSPECTOR}
    assert standing.boards == {10: {Role.CHAIR, Role.SECRETARIAT}}
    assert not standing.read_only


def test_the_same_address_in_two_organisations_has_each_organisations_roles_in_its_plans() -> None:
    plans = [plan(1, "Council Plan", "Example Council"), plan(2, "Trust Plan", "Example Trust")]
    people = [
        person(5, roles="secretariat", organisation="Example Council"),
        person(6, roles="auditor", organisation="Example Trust"),
    ]
    boards = [board(10, 1, secretariat=9), board(20, 2, secretariat=6)]
    council, trust = decide(ADDRESS, plans, people, boards, set(), [])
    assert (council.plan_name, council.person_id, council.roles) == ("Council Plan", 5, {Role.SECRETARIAT})
    assert council.boards == {10: {Role.SECRETARIAT}}
    assert (trust.plan_name, trust.person_id) == ("Trust Plan", 6)
    assert trust.roles == {Role.AUDITOR, Role.SECRETARIAT} and trust.boards == {20: {Role.SECRETARIAT}}


def test_a_plan_without_an_organisation_is_its_own() -> None:
    plans = [plan(1, "Plan A", None), plan(2, "Plan B", None)]
    people = [person(5, roles="member", organisation="Plan A")]
    [standing] = decide(ADDRESS, plans, people, [board(10, 1, secretariat=9)], set(), [])
    assert (standing.plan_name, standing.boards) == ("Plan A", {10: {Role.MEMBER}})


# --- where a page is: models.console.roles.allows --------------------------------------------------------


def _standing(plan_id: int, roles: set[Role], boards: dict[int, set[Role]] | None = None) -> Standing:
    return Standing(
        plan_id=plan_id,
        plan_name=f"Plan {plan_id}",
        email="someone@example.org",
        name="Someone",
        person_id=7,
        roles=frozenset(roles),
        boards={board: frozenset(r) for board, r in (boards or {}).items()},
    )


SECRETARY_OF_BOARD_1 = _standing(
    1, {Role.SECRETARIAT, Role.MEMBER}, {1: {Role.SECRETARIAT}, 2: {Role.MEMBER}}
)
AUDITOR_OF_PLAN_2 = _standing(2, {Role.AUDITOR})


@pytest.mark.parametrize(
    ("wanted", "plan_id", "board_id", "allowed"),
    [
        ({Role.SECRETARIAT}, None, None, True),  # a page of no one plan: in any plan
        ({Role.SECRETARIAT}, "1", None, True),
        ({Role.SECRETARIAT}, "2", None, False),  # not in plan 2
        ({Role.SECRETARIAT}, "1", "1", True),
        ({Role.SECRETARIAT}, "1", "2", False),  # secretariat of board 1 is only a member of board 2
        ({Role.MEMBER}, "1", "2", True),
        ({Role.SECRETARIAT}, None, "1", False),  # a board without its plan: refused, whatever the roles
        ({Role.SECRETARIAT}, "1", "x", False),  # a board id that is no number names no board
        ({Role.AUDITOR}, "2", "5", True),  # read-only roles hold across their plan's boards
        ({Role.AUDITOR}, "1", "1", False),
        ({Role.AUDITOR, Role.SECRETARIAT}, "3", None, False),  # a plan they have no standing in
    ],
)
def test_a_role_counts_where_the_page_is(
    wanted: set[Role], plan_id: str | None, board_id: str | None, allowed: bool
) -> None:
    assert allows((SECRETARY_OF_BOARD_1, AUDITOR_OF_PLAN_2), wanted, plan_id, board_id) is allowed
