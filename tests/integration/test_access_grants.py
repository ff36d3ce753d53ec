"""Console roles on real databases: an operator's grants (granted, moved, revoked, ended by the plan's local
day) with their ledger events and what `standings` makes of them; and the People sheet's `roles` column
imported, changed, cleared, kept by a workbook without it, exported back, and refused when wrong."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.console.grants import grant_access, revoke_access
from models.console.roles import Role, Standing, standings
from models.console_access import AccessGrant
from models.db import unit_of_work
from models.errors import BadInput, InvalidValue, UnknownItem
from models.ledger.chain import decode_data
from models.ledger.verification import verify_database
from models.people import Person
from models.plans.importer import import_plan
from tests.factories import OWNER, load_small_plan, small_plan
from tests.workbook_helpers import column, template_rows, write_xlsx
from workbooks.plan_workbook import export_workbook, import_workbook
from workbooks.problems import ImportRejected

INSPECTOR = "ann.inspector@inspectorate.example.gov.uk"
PLAN = "Test Plan"
# 2 October 2017, midday in London (BST): a Monday.
NOW = datetime(2017, 10, 2, 11, 0, tzinfo=UTC)


def _events(engine: Engine, kind: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        return [{"actor": e.actor, "plan": e.plan, **decode_data(e.body)} for e in rows]


def _grants(engine: Engine) -> list[AccessGrant]:
    with Session(engine) as session:
        return list(session.exec(select(AccessGrant).order_by(col(AccessGrant.id))))


def _standing(engine: Engine, email: str, as_of: datetime) -> dict[str, Standing]:
    with Session(engine) as session:
        return {s.plan_name: s for s in standings(session, email, as_of)}


def _grant(engine: Engine, until: date, now: datetime = NOW, **given: Any) -> Any:
    options: dict[str, Any] = {
        "email": INSPECTOR,
        "name": None,
        "plans": [PLAN],
        "role": "inspector",
        "by": "ops@example.org",
    }
    options.update(given)
    with unit_of_work(engine) as session:
        return grant_access(session, until=until, now=now, **options)


def test_granted_then_extended_then_shortened_then_revoked_on_one_row(engine: Engine) -> None:
    load_small_plan(engine)
    assert _standing(engine, INSPECTOR, NOW) == {}
    [done] = _grant(engine, date(2017, 10, 31), email=" Ann.Inspector@Inspectorate.example.gov.uk ")
    assert (done.change, done.name, done.email) == ("granted", INSPECTOR, INSPECTOR)
    standing = _standing(engine, INSPECTOR, NOW)[PLAN]
    assert standing.roles == {Role.INSPECTOR} and standing.read_only and standing.person_id is None
    assert standing.until == {Role.INSPECTOR: date(2017, 10, 31)}

    [longer] = _grant(engine, date(2017, 11, 30), name="Ann Inspector")
    [shorter] = _grant(engine, date(2017, 11, 15), by="lead@example.org")
    [same] = _grant(engine, date(2017, 11, 15))
    assert [(g.change, g.previous_until) for g in (longer, shorter, same)] == [
        ("extended", date(2017, 10, 31)),
        ("shortened", date(2017, 11, 30)),
        ("unchanged", date(2017, 11, 15)),
    ]
    [row] = _grants(engine)  # moved, never stacked
    assert (row.until, row.name, row.role, row.granted_by) == (
        date(2017, 11, 15),
        "Ann Inspector",
        "inspector",
        "ops@example.org",
    )
    assert _standing(engine, INSPECTOR, NOW)[PLAN].until == {Role.INSPECTOR: date(2017, 11, 15)}

    events = _events(engine, "AccessGranted")
    assert [(e["change"], e["until"], e.get("previous_until")) for e in events] == [
        ("granted", "2017-10-31", None),
        ("extended", "2017-11-30", "2017-10-31"),
        ("shortened", "2017-11-15", "2017-11-30"),
        ("unchanged", "2017-11-15", "2017-11-15"),
    ]
    assert events[2]["actor"] == events[2]["by"] == "lead@example.org"
    assert {(e["plan"], e["email"], e["role"]) for e in events} == {("Test Plan", INSPECTOR, "inspector")}

    later = datetime(2017, 10, 9, 9, 0, tzinfo=UTC)
    with unit_of_work(engine) as session:
        [revoked] = revoke_access(
            session, email=INSPECTOR, plans=None, role=None, by="ops@example.org", now=later
        )
    assert (revoked.plan, revoked.change, revoked.until) == (PLAN, "revoked", date(2017, 11, 15))
    [row] = _grants(engine)  # kept, stamped
    assert (row.revoked_at, row.revoked_by) == (later, "ops@example.org")
    assert _standing(engine, INSPECTOR, later) == {}
    [event] = _events(engine, "AccessRevoked")
    assert event["email"] == INSPECTOR and event["role"] == "inspector" and event["plan"] == PLAN
    assert event["until"] == "2017-11-15" and event["by"] == event["actor"] == "ops@example.org"
    assert event["revoked_at"] == later.isoformat()

    with pytest.raises(BadInput, match="holds no live grant"), unit_of_work(engine) as session:
        revoke_access(session, email=INSPECTOR, plans=None, role=None, by="ops@example.org", now=later)
    [fresh] = _grant(engine, date(2017, 10, 20), now=later)  # after a revocation: a new row, not the old one
    assert fresh.change == "granted" and len(_grants(engine)) == 2
    assert verify_database(engine).ok


def test_a_grant_ends_with_its_last_day_in_the_plans_zone(engine: Engine) -> None:
    load_small_plan(engine)  # Europe/London
    with unit_of_work(engine) as session:
        far = dataclasses.replace(small_plan("Far Plan"), timezone="Pacific/Auckland")
        import_plan(session, far, actor="test")
    _grant(engine, date(2017, 10, 20), plans=None, all_plans=True)  # every plan
    assert sorted(e["plan"] for e in _events(engine, "AccessGranted")) == ["Far Plan", PLAN]

    # 20 October, 23:59 in London (BST, UTC+1) is 21 October, 11:59 in Auckland (NZDT, UTC+13).
    last_minute_in_london = datetime(2017, 10, 20, 22, 59, tzinfo=UTC)
    assert set(_standing(engine, INSPECTOR, last_minute_in_london)) == {PLAN}
    # Midnight in London: the 21st there, though it is still the 20th in UTC.
    midnight_in_london = datetime(2017, 10, 20, 23, 0, tzinfo=UTC)
    assert _standing(engine, INSPECTOR, midnight_in_london) == {}
    # Auckland's last minute of the 20th is 10:59 UTC; a minute later it has ended there, not in London.
    assert set(_standing(engine, INSPECTOR, datetime(2017, 10, 20, 10, 59, tzinfo=UTC))) == {PLAN, "Far Plan"}
    assert set(_standing(engine, INSPECTOR, datetime(2017, 10, 20, 11, 0, tzinfo=UTC))) == {PLAN}

    # The same rule at the door: on London's 21st, a grant to the 20th is in the past.
    with pytest.raises(InvalidValue, match="from 2017-10-21 \\(today in plan 'Test Plan'\\)"):
        _grant(engine, date(2017, 10, 20), now=midnight_in_london)
    # Expired, not revoked: granting again is a new grant from today, not a revival of the old one.
    [renewed] = _grant(engine, date(2017, 10, 27), now=midnight_in_london)
    assert renewed.change == "granted" and len(_grants(engine)) == 3


def test_refusals_name_what_is_expected_and_change_nothing(engine: Engine) -> None:
    load_small_plan(engine)
    head = verify_database(engine).head
    with pytest.raises(UnknownItem) as unknown:
        _grant(engine, date(2017, 10, 31), plans=[PLAN, "Tset Plan", "Elsewhere"])
    assert "No plan 'Tset Plan'" in str(unknown.value) and "Test Plan" in str(unknown.value)
    with pytest.raises(InvalidValue, match="inspector or auditor") as role:
        _grant(engine, date(2017, 10, 31), role="secretariat")
    assert "People and Boards sheets" in str(role.value)
    with pytest.raises(InvalidValue, match="to 2018-10-03 \\(366 days ahead\\)"):
        _grant(engine, date(2018, 10, 4))
    with pytest.raises(InvalidValue, match="email"):
        _grant(engine, date(2017, 10, 31), email="ann at inspectorate")
    with pytest.raises(InvalidValue, match="U\\+202E"):
        _grant(engine, date(2017, 10, 31), name="\u202eAnn")
    unnamed: list[str] | None
    for unnamed in (None, []):  # no plan named and every plan not asked for: nothing opened
        with pytest.raises(BadInput, match="--all-plans to open every plan in this database"):
            _grant(engine, date(2017, 10, 31), plans=unnamed)
    with pytest.raises(BadInput, match="not both"):
        _grant(engine, date(2017, 10, 31), all_plans=True)
    assert _grants(engine) == [] and verify_database(engine).head == head
    [latest] = _grant(engine, date(2018, 10, 3), role="Auditor")  # the longest allowed, role forgiven
    assert latest.role is Role.AUDITOR


def test_the_name_defaults_to_the_people_row_of_each_plan_else_the_address(engine: Engine) -> None:
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        other = dataclasses.replace(small_plan("Trust Plan"), organisation="Example Trust")
        people = tuple(
            dataclasses.replace(p, name="Owner At The Trust") if p.email == OWNER else p for p in other.people
        )
        import_plan(session, dataclasses.replace(other, people=people), actor="test")
    done = _grant(engine, date(2017, 12, 31), email=OWNER, plans=None, all_plans=True, role="auditor")
    assert {(g.plan, g.name) for g in done} == {(PLAN, "Action Owner"), ("Trust Plan", "Owner At The Trust")}
    [stranger] = _grant(engine, date(2017, 12, 31))
    assert stranger.name == INSPECTOR
    standing = _standing(engine, OWNER, NOW)
    assert standing[PLAN].roles == {Role.AUDITOR} and standing[PLAN].person_id is not None
    with unit_of_work(engine) as session:
        [revoked] = revoke_access(
            session, email=OWNER, plans=["trust plan"], role="auditor", by="ops@example.org", now=NOW
        )
    assert revoked.plan == "Trust Plan" and set(_standing(engine, OWNER, NOW)) == {PLAN}


# The People sheet's `roles` column, through the workbook door.


def _people_roles(engine: Engine) -> dict[str, str | None]:
    with Session(engine) as session:
        return {p.email: p.console_roles for p in session.exec(select(Person))}


def _people_sheet(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    return [list(r) for r in book["People"].iter_rows(values_only=True)]


def _set_roles(sheets: dict[str, list[list[Any]]], email: str, value: Any) -> None:
    people = sheets["People"]
    [row] = [r for r in people[1:] if r[column(people, "email")] == email]
    row[column(people, "roles")] = value


def test_roles_imported_changed_cleared_and_kept_by_a_workbook_without_the_column(
    engine: Engine, tmp_path: Path
) -> None:
    sheets = template_rows(tmp_path)
    assert _people_roles(engine) == {}
    _set_roles(sheets, "owner@example.org", "Auditor; member")
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    assert _people_roles(engine) == {
        "owner@example.org": "auditor member",
        "director@example.org": "chair",
        "secretariat@example.org": "secretariat",
    }
    added = {e["key"]: e for e in _events(engine, "PersonAdded")}
    assert added["owner@example.org"]["console_roles"] == "auditor member"
    plan = "Example Improvement Plan"
    standing = _standing(engine, "owner@example.org", NOW)[plan]
    assert standing.roles == {Role.AUDITOR, Role.MEMBER} and list(standing.boards.values()) == [{Role.MEMBER}]

    _set_roles(sheets, "owner@example.org", "chair")
    changed = import_workbook(engine, write_xlsx(tmp_path / "v2.xlsx", sheets), actor="x")
    assert changed.report.changed["people"] == ["owner@example.org"]
    [change] = _events(engine, "PersonChanged")
    assert (change["before"], change["after"]) == (
        {"console_roles": "auditor member"},
        {"console_roles": "chair"},
    )
    assert _standing(engine, "owner@example.org", NOW)[plan].roles == {
        Role.CHAIR,
        Role.MEMBER,
    }  # member: Boards

    _set_roles(sheets, "owner@example.org", None)
    import_workbook(engine, write_xlsx(tmp_path / "v3.xlsx", sheets), actor="x")
    assert _people_roles(engine)["owner@example.org"] is None
    assert _events(engine, "PersonChanged")[-1]["after"] == {"console_roles": None}

    head = verify_database(engine).head
    where = column(sheets["People"], "roles")
    old = {**sheets, "People": [r[:where] + r[where + 1 :] for r in sheets["People"]]}
    kept = import_workbook(engine, write_xlsx(tmp_path / "old.xlsx", old), actor="x")
    assert kept.report.changes == 0 and verify_database(engine).head == head
    assert _people_roles(engine)["director@example.org"] == "chair"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("inspector", "an inspector is given access by a grant"),
        ("chairman", "roles from: secretariat, chair, member, auditor"),
        ("member\u200b", "U+200B"),
    ],
)
def test_a_bad_roles_value_is_refused_with_its_cell_and_changes_nothing(
    engine: Engine, tmp_path: Path, value: str, expected: str
) -> None:
    sheets = template_rows(tmp_path)
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    head, before = verify_database(engine).head, _people_roles(engine)
    _set_roles(sheets, "director@example.org", value)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(engine, write_xlsx(tmp_path / "bad.xlsx", sheets), actor="x")
    [problem] = caught.value.problems
    letter = "ABCDEFGHIJ"[column(sheets["People"], "roles")]
    row = 1 + next(i for i, r in enumerate(sheets["People"]) if r[0] == "director@example.org")
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("People", row, letter, value)
    assert expected in problem.expected
    assert f"bad.xlsx, sheet People, row {row}, column {letter}" in str(problem)
    assert verify_database(engine).head == head and _people_roles(engine) == before


def test_roles_are_exported_even_for_someone_the_plan_names_nowhere_else(
    engine: Engine, tmp_path: Path
) -> None:
    sheets = template_rows(tmp_path)
    auditor: list[Any] = [None] * len(sheets["People"][0])
    auditor[column(sheets["People"], "email")] = "internal.audit@example.org"
    auditor[column(sheets["People"], "name")] = "Internal Audit"
    auditor[column(sheets["People"], "roles")] = "auditor"
    sheets["People"].append(auditor)
    import_workbook(engine, write_xlsx(tmp_path / "v1.xlsx", sheets), actor="x")
    head = verify_database(engine).head
    exported = tmp_path / "export.xlsx"
    export_workbook(engine, exported, None)
    again = _people_sheet(exported)
    roles = {r[0]: r[column(again, "roles")] for r in again[1:]}
    assert roles["internal.audit@example.org"] == "auditor" and roles["director@example.org"] == "chair"
    outcome = import_workbook(engine, exported, actor="x")
    assert outcome.report.changes == 0 and verify_database(engine).head == head
