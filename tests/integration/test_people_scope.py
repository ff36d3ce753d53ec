"""People belong to their organisation, on real SQLite and PostgreSQL: a second council's workbook naming the
same address gets a person of its own and can neither rename the first council's officer, nor give them a
manager, nor redirect their Teams messages; plans of one organisation still share their people."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from models.audit import AuditEvent
from models.db import unit_of_work
from models.errors import BadInput
from models.ledger.chain import decode_data
from models.ledger.schema import migrate
from models.ledger.verification import verify_database
from models.outbox import Notice
from models.people import Person
from models.plan import Update
from models.plans.importer import import_plan
from models.plans.spec import PersonSpec, PlanSpec, UpdateSpec
from models.plans.updates import apply_update
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.transport import Delivery
from tests.factories import LEAD, MANAGER, OWNER, SECRETARIAT, small_plan
from workbooks.plan_workbook import export_workbook

POLICY = load_policy()
ATTACKER = "attacker@evil.example"
TEAMS_A = "https://prod-01.uksouth.logic.azure.com/workflows/a?sig=council-a"
TEAMS_B = "https://evil.example/workflows/b?sig=attacker"
# ACT-1 (due 2 October) is then 5 working days overdue: its owner's manager is told.
LEVEL_2_DAY = date(2017, 10, 9)


def council_a(name: str = "Plan A", organisation: str = "Council A") -> PlanSpec:
    spec = small_plan(name)
    people = tuple(dataclasses.replace(p, teams_url=TEAMS_A) if p.email == OWNER else p for p in spec.people)
    return dataclasses.replace(spec, organisation=organisation, people=people)


def council_b() -> PlanSpec:
    """Another council's workbook that names Council A's officer, with a manager and Teams URL of its own."""
    spec = small_plan("Plan B")
    people = tuple(
        PersonSpec(OWNER, "Impostor", manager_email=ATTACKER, teams_url=TEAMS_B) if p.email == OWNER else p
        for p in spec.people
    )
    return dataclasses.replace(spec, organisation="Council B", people=(*people, PersonSpec(ATTACKER, "Evil")))


def _import(engine: Engine, spec: PlanSpec) -> Any:
    with unit_of_work(engine) as session:
        return import_plan(session, spec, actor="test")


def _rows(engine: Engine, email: str) -> dict[str, tuple[str, str | None, str | None]]:
    """Each organisation's row for an address: (name, manager's address, Teams URL)."""
    with Session(engine) as session:
        people = {p.id: p for p in session.exec(select(Person))}
    return {
        p.organisation: (p.name, people[p.manager_id].email if p.manager_id else None, p.teams_url)
        for p in people.values()
        if p.email == email
    }


def _escalations(engine: Engine, plan: str) -> set[str]:
    with Session(engine) as session:
        notices = session.exec(select(Notice).where(Notice.plan == plan, Notice.kind == "EscalatedToLead"))
        return {n.recipient for n in notices}


def test_another_councils_workbook_cannot_change_our_people(engine: Engine) -> None:
    _import(engine, council_a())
    report = _import(engine, council_b())
    assert report.added["people"]  # Council B has its own people, the same addresses included
    assert _rows(engine, OWNER) == {
        "council a": ("Action Owner", MANAGER, TEAMS_A),
        "council b": ("Impostor", ATTACKER, TEAMS_B),
    }
    sweep_plans(engine, POLICY, LEVEL_2_DAY)
    assert _escalations(engine, "Plan A") == {MANAGER}  # never the attacker
    assert _escalations(engine, "Plan B") == {ATTACKER}  # their own plan, their own choice
    # The ledger says whose person each event was about, and Council A's people have no change event.
    with Session(engine) as session:
        events = [decode_data(e.body) | {"kind": e.kind} for e in session.exec(select(AuditEvent))]
    people_events = [e for e in events if e["kind"] in ("PersonAdded", "PersonChanged")]
    assert {e["organisation"] for e in people_events if e["kind"] == "PersonAdded"} == {
        "Council A",
        "Council B",
    }
    assert not [e for e in people_events if e["kind"] == "PersonChanged"]
    # Re-importing Council A's plan still works, and changes nothing.
    again = _import(engine, council_a())
    assert again.changes == 0
    assert _rows(engine, OWNER)["council a"] == ("Action Owner", MANAGER, TEAMS_A)
    assert verify_database(engine).ok


def test_a_workbook_cannot_borrow_another_councils_person(engine: Engine) -> None:
    """A plan may only name people on its People sheet or of its own organisation."""
    _import(engine, council_a())
    spec = small_plan("Plan B")
    borrowing = dataclasses.replace(
        spec, organisation="Council B", people=tuple(p for p in spec.people if p.email != MANAGER)
    )
    with pytest.raises(BadInput, match=r"manager@example.org"):
        _import(engine, borrowing)
    with Session(engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one() == 4


def test_plans_of_one_organisation_share_their_people(engine: Engine) -> None:
    _import(engine, council_a("Plan A"))
    spec = council_a("Plan A2", organisation="  council  A ")  # spacing and case name the same organisation
    moved = tuple(
        dataclasses.replace(p, name="Action Owner (acting)") if p.email == OWNER else p for p in spec.people
    )
    report = _import(engine, dataclasses.replace(spec, people=moved))
    assert report.changed["people"] == [OWNER] and not report.added["people"]
    assert _rows(engine, OWNER) == {"council a": ("Action Owner (acting)", MANAGER, TEAMS_A)}
    sweep_plans(engine, POLICY, LEVEL_2_DAY)
    assert _escalations(engine, "Plan A") == _escalations(engine, "Plan A2") == {MANAGER}


def test_update_by_names_the_plans_own_person(engine: Engine) -> None:
    _import(engine, council_a())
    _import(engine, council_b())
    with unit_of_work(engine) as session:
        update = apply_update(
            session,
            UpdateSpec("ACT-1", OWNER, percent=60, at=datetime(2017, 10, 3, 9, tzinfo=UTC)),
            plan_name="Plan A",
        )
        author = session.get(Person, update.author_id)
        assert author is not None and author.organisation == "council a"
    # Council B's attacker is nobody in Council A: no update on Council A's items in their name.
    with unit_of_work(engine) as session, pytest.raises(BadInput, match="person of plan 'Plan A'"):
        apply_update(session, UpdateSpec("ACT-1", ATTACKER, percent=10), plan_name="Plan A")
    with Session(engine) as session:
        assert len(session.exec(select(Update)).all()) == 1


class Recording:
    """A transport that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.cards: list[tuple[str | None, str, dict[str, Any]]] = []

    def send_email(self, message: Message) -> Delivery:
        return Delivery(ok=True)

    def send_card(self, url: str | None, card: dict[str, Any], recipient: str) -> Delivery:
        self.cards.append((url, recipient, card))
        return Delivery(ok=True)


def test_each_plans_teams_messages_use_its_own_organisations_url(engine: Engine) -> None:
    _import(engine, council_a())
    _import(engine, council_b())
    sweep_plans(engine, POLICY, LEVEL_2_DAY)
    transport = Recording()
    dispatch(engine, transport, datetime(2017, 10, 9, 8, tzinfo=UTC), sender="los@example.org")
    with Session(engine) as session:
        plan_of = {n.message_id: n.plan for n in session.exec(select(Notice))}
    sent = {
        (plan_of[card["_message_id"]], url) for url, recipient, card in transport.cards if recipient == OWNER
    }
    assert sent == {("Plan A", TEAMS_A), ("Plan B", TEAMS_B)}


def test_an_export_lists_the_plans_own_people(engine: Engine, tmp_path: Path) -> None:
    import openpyxl

    _import(engine, council_a())
    _import(engine, council_b())
    path = tmp_path / "a.xlsx"
    export_workbook(engine, path, "Plan A")
    people = [r for r in openpyxl.load_workbook(path)["People"].iter_rows(min_row=2, values_only=True)]
    assert {r[0] for r in people} == {OWNER, MANAGER, LEAD, SECRETARIAT}
    assert next(r for r in people if r[0] == OWNER)[1:4] == ("Action Owner", None, MANAGER)


def test_the_migration_splits_a_person_shared_by_two_organisations(db_url: str, engine: Engine) -> None:
    """A database from before 0005, where one row served two councils: each council gets its own row, with
    its own manager, and every row of its plans points at it."""
    from alembic import command

    from models.db import alembic_config as _alembic_config

    command.downgrade(_alembic_config(engine), "0004")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO plan (id, name, organisation, nation, timezone, created_at) VALUES "
            "(1, 'Plan A', 'Council A', 'ENG', 'Europe/London', '2017-09-05 00:00:00'), "
            "(2, 'Plan B', 'Council B', 'ENG', 'Europe/London', '2017-09-05 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO person (id, email, name) VALUES "
            "(1, 'boss@example.org', 'Boss'), (3, 'x@example.org', 'X')"
        )
        conn.exec_driver_sql(
            "INSERT INTO person (id, email, name, manager_id) VALUES (2, 'o@example.org', 'Owner', 1), "
            "(4, 'sheet.only@example.org', 'On the People sheet only', 2)"  # named by no plan's row
        )
        conn.exec_driver_sql(
            "INSERT INTO area (id, plan_id, code, name, lead_id) VALUES (1, 1, 'A', 'Area', NULL), "
            "(2, 2, 'A', 'Area', 2)"
        )
        conn.exec_driver_sql(
            "INSERT INTO action (plan_id, ref, title, area_id, owner_id, original_due, current_due, "
            "rebaseline_count, status, percent, exempt, consecutive_reds) VALUES "
            "(1, 'X-1', 'T', 1, 2, '2017-10-02', '2017-10-02', 0, 'in progress', 10, false, 0), "
            "(2, 'X-1', 'T', 2, 2, '2017-10-02', '2017-10-02', 0, 'in progress', 10, false, 0)"
        )
        if conn.dialect.name == "postgresql":  # rows written with their ids: move the sequences past them
            for table in ("plan", "person", "area"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    migrate(engine)
    with Session(engine) as session:
        people = {(p.organisation, p.email): p for p in session.exec(select(Person))}
        assert set(people) == {
            ("council a", "o@example.org"),
            ("council a", "boss@example.org"),
            ("council b", "o@example.org"),
            ("council b", "boss@example.org"),
            ("", "x@example.org"),  # nobody refers to them: kept, in no one's organisation
            ("council a", "sheet.only@example.org"),  # goes with the manager it names
        }
        owners = dict(session.execute(sa.text("SELECT plan_id, owner_id FROM action")).all())
        leads = dict(session.execute(sa.text("SELECT plan_id, lead_id FROM area")).all())
    a_owner, b_owner = people[("council a", "o@example.org")], people[("council b", "o@example.org")]
    assert owners == {1: a_owner.id, 2: b_owner.id} and leads == {1: None, 2: b_owner.id}
    assert a_owner.manager_id == people[("council a", "boss@example.org")].id
    assert b_owner.manager_id == people[("council b", "boss@example.org")].id
    assert people[("council a", "sheet.only@example.org")].manager_id == a_owner.id
    # Going back would merge them again: refused while an address has two rows.
    with pytest.raises(RuntimeError, match=r"o@example\.org"):
        command.downgrade(_alembic_config(engine), "0004")


def test_a_workbook_naming_another_councils_person_is_refused_with_the_cell(
    engine: Engine, tmp_path: Path
) -> None:
    from tests.workbook_helpers import column, template_rows, write_xlsx
    from workbooks.plan_workbook import import_workbook
    from workbooks.problems import ImportRejected

    sheets = template_rows(tmp_path)
    import_workbook(engine, write_xlsx(tmp_path / "a.xlsx", sheets), actor="x")
    # Council B's workbook names the director as a manager without a People row of its own.
    sheets["Plan"][1][column(sheets["Plan"], "name")] = "Plan B"
    sheets["Plan"][1][column(sheets["Plan"], "organisation")] = "Council B"
    sheets["People"] = [r for r in sheets["People"] if r[0] != "director@example.org"]
    sheets["Milestones"][1][column(sheets["Milestones"], "owner_email")] = "owner@example.org"
    sheets["Boards"][1][column(sheets["Boards"], "chair_email")] = None
    sheets["Boards"][1][column(sheets["Boards"], "members")] = "owner@example.org"
    with pytest.raises(ImportRejected) as caught:
        import_workbook(engine, write_xlsx(tmp_path / "b.xlsx", sheets), actor="x")
    problems = "\n".join(caught.value.details)
    assert "sheet People, row 2, column D: found 'director@example.org', expected the email" in problems
    with Session(engine) as session:
        assert {p.organisation for p in session.exec(select(Person))} == {
            "example council children's services"
        }


def test_a_plan_that_names_another_organisation_moves_to_its_people(engine: Engine) -> None:
    """Fixing the organisation's name in the workbook: the plan's items point at the new organisation's
    people, the old rows stay for the plans that still use them, and nothing queued is withdrawn."""
    _import(engine, council_a())
    sweep_plans(engine, POLICY, LEVEL_2_DAY)
    with Session(engine) as session:
        queued = {n.id: n.status for n in session.exec(select(Notice))}
    _import(engine, council_a(organisation="Council A Children's Services"))
    with Session(engine) as session:
        assert {n.id: n.status for n in session.exec(select(Notice))} == queued
    assert set(_rows(engine, OWNER)) == {"council a", "council a children's services"}
    assert _import(engine, council_a(organisation="Council A Children's Services")).changes == 0
    sweep_plans(engine, POLICY, date(2017, 10, 10))
    assert _escalations(engine, "Plan A") == {MANAGER}
    assert verify_database(engine).ok
