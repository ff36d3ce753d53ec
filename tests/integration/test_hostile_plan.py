"""The hostile plan (issue 13): every bad input we know of, through every door, beside two healthy plans of
two organisations that share an address. On SQLite and PostgreSQL, with real SMTP.

Each bad input is refused at its door with the file, sheet, row, column or option it came through, or, when
it is already inside (old data, a broken plan), quarantined: it fails alone, is recorded in the ledger and
reported by `doctor`. The healthy plans' notices all go the same morning, and the ledger verifies.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from cli.app import app
from config.policy import load_policy
from config.settings import Settings
from flows.doctor import State, diagnose
from models.audit import GENESIS_HASH
from models.db import unit_of_work
from models.ledger.chain import HEAD_SQL, Event, chain, prepare
from models.ledger.receipts import inserts, placeholder
from models.ledger.verification import verify_database
from models.outbox import Notice, NoticeStatus
from models.people import Person, organisation_key
from models.plans.importer import import_plan
from models.plans.spec import PersonSpec
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import SmtpTransport
from tests.factories import MANAGER, OWNER, SECRETARIAT, small_plan
from tests.poison import REFUSAL, poisoned
from tests.smtp_server import start
from tests.workbook_helpers import column, template_rows, write_csv_folder, write_xlsx
from tests.zip_bombs import Bomb, members_of, write_zip
from workbooks.writer import write_template

POLICY = load_policy()
EAST, WEST = "Healthy East", "Healthy West"  # two councils; the same addresses serve both
BROKEN = "Poisoned North"  # its sweep fails halfway (a trigger refuses its notices)
OLD_DATA = "Old Data South"  # an owner address stored before addresses were checked at the door
MONDAY = date(2017, 10, 16)  # ACT-1 of every plan is 10 working days overdue: every rung of the ladder
ZERO_WIDTH = "zw\u200bsp@example.org"
ATTACKER = "attacker@evil.example"
SENDER = "Line of Sight <lineofsight@example.org>"
AMBIGUOUS_SMTP = "smtp+starttls://alice:2024/Winter!@mail.example.org:587"  # an unescaped / in the password
BOMB_SHEET_START = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
)
BOMB_SHEET_END = b"</t></is></c></row></sheetData></worksheet>"


def _load(engine: Engine, name: str, organisation: str, secretariat_owns_milestone: bool = False) -> None:
    spec = dataclasses.replace(small_plan(name), organisation=organisation)
    if secretariat_owns_milestone:  # one person in two roles for one item: the sweep once crashed on it
        spec = dataclasses.replace(
            spec, milestones=tuple(dataclasses.replace(m, owner_email=SECRETARIAT) for m in spec.milestones)
        )
    with unit_of_work(engine) as session:
        import_plan(session, spec, actor="test")


@pytest.fixture
def estate(engine: Engine) -> Engine:
    _load(engine, EAST, "East Council", secretariat_owns_milestone=True)
    _load(engine, WEST, "West Council")
    _load(engine, BROKEN, "North Council")
    _load(engine, OLD_DATA, "South Council")
    with engine.begin() as conn:  # old data: what the door refuses today was stored before it checked
        conn.execute(
            sa.text("UPDATE person SET email = :bad WHERE email = :owner AND organisation = :org"),
            {"bad": ZERO_WIDTH, "owner": OWNER, "org": organisation_key(OLD_DATA, "South Council")},
        )
    return engine


def _hostile_sheets(tmp_path: Path) -> tuple[dict[str, list[list[Any]]], list[str]]:
    """The template's example workbook with a bad value in each kind of cell, and the cells named."""
    rows = template_rows(tmp_path)
    people, actions, meetings = rows["People"], rows["Actions"], rows["Meetings"]
    email, manager = column(people, "email"), column(people, "manager_email")
    people[1][email] = ZERO_WIDTH
    people[2][email] = "\u043ewner@example.org"  # a Cyrillic o
    people[3][manager] = people[3][email]  # their own manager
    actions[1][column(actions, "ref")] = "A-01\u200b"
    actions[1][column(actions, "due")] = date(9999, 12, 31)
    actions[1][column(actions, "title")] = "pasted\u202efrom a web page"
    meetings[1][column(meetings, "date")] = date(1, 1, 1)
    return rows, ["People", "Actions", "Meetings"]


def _delivered(engine: Engine, plan: str) -> set[str]:
    with Session(engine) as session:
        return {n.status for n in session.exec(select(Notice).where(Notice.plan == plan))}


def test_every_bad_input_is_refused_or_quarantined_and_the_healthy_plans_are_delivered(
    estate: Engine, db_url: str, tmp_path: Path
) -> None:
    engine = estate
    loaded = verify_database(engine).count
    env = {"LINEOFSIGHT_DATABASE_URL": db_url, "LINEOFSIGHT_OUTBOX_DIR": str(tmp_path / "outbox")}
    runner = CliRunner()

    # The workbook doors (.xlsx and a CSV folder): refused whole, every problem with its place, nothing kept.
    sheets, named = _hostile_sheets(tmp_path)
    for door in (write_xlsx(tmp_path / "hostile.xlsx", sheets), write_csv_folder(tmp_path / "csv", sheets)):
        result = runner.invoke(app, ["import", str(door)], env=env)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "Unexpected" not in result.output
        for sheet in named:
            assert sheet.lower() in result.output.lower()
        for shown in (
            "U+200B",
            "CYRILLIC",
            "9999",
            "2000-01-01",
            "U+202E",
            "other than the person themselves",
        ):
            assert shown in result.output, (door, shown, result.output)
    # A zip bomb (a 4 MB workbook inflating to 4 GB): refused before anything is parsed.
    write_template(tmp_path / "template.xlsx")
    members = members_of(tmp_path / "template.xlsx")
    bomb = Bomb(BOMB_SHEET_START, b"A" * 1024 * 1024, 3_900, BOMB_SHEET_END)
    bombed = write_zip(tmp_path / "bomb.xlsx", {**members, "xl/worksheets/sheet5.xml": bomb})
    result = runner.invoke(app, ["import", str(bombed)], env=env)
    assert result.exit_code == 2 and "bomb.xlsx" in result.output and "at most 100 times" in result.output
    assert verify_database(engine).count == loaded

    # A second organisation's workbook naming the first's officer cannot rename them or pick their manager.
    rival = small_plan("Rival Plan")
    people = [
        dataclasses.replace(p, name="Renamed", manager_email=ATTACKER) if p.email == OWNER else p
        for p in rival.people
    ]
    rival = dataclasses.replace(
        rival, organisation="Rival Council", people=(*people, PersonSpec(ATTACKER, "Attacker"))
    )
    with unit_of_work(engine) as session:
        import_plan(session, rival, actor="test")
    with Session(engine) as session:
        east_owner = session.exec(
            select(Person).where(
                Person.email == OWNER, Person.organisation == organisation_key(EAST, "East Council")
            )
        ).one()
        managers = {p.id: p.email for p in session.exec(select(Person))}
    assert east_owner.name == "Action Owner" and managers[east_owner.manager_id] == MANAGER

    # The command-line doors: clear exit-2 errors, nothing written.
    for args in (
        ["update", "ACT-1", "--plan", EAST, "--by", OWNER, "--note", "pasted\x0bnote"],
        ["update", "ACT-1", "--plan", EAST, "--by", "\u043ewner@example.org", "--note", "lookalike"],
        ["meeting", "add", "--board", "Improvement Board", "--plan", EAST, "--date", "9999-12-31"],
        ["sweep", "--as-of", "0001-01-01"],
        ["sweep", "--as-of", ""],
        ["outbox", "retry", "99999999999999999999"],
        ["import", str(tmp_path / "hostile.xlsx"), "--by", "a\nb"],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 2, (args, result.output)
        assert "Unexpected" not in result.output and "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    after_doors = verify_database(engine).count
    assert after_doors > loaded  # only the rival council's own import

    # The morning: one plan's sweep fails halfway, the others are swept.
    with poisoned(engine, BROKEN):
        outcomes = {o.plan: o for o in sweep_plans(engine, POLICY, MONDAY)}
    assert [p for p, o in outcomes.items() if o.failed] == [BROKEN]
    assert REFUSAL in (outcomes[BROKEN].failure or "")
    assert all(outcomes[p].queued > 0 for p in (EAST, WEST, OLD_DATA))

    controller, server = start()
    try:
        transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))
        dispatch(engine, transport, datetime.now(UTC), sender=SENDER)
    finally:
        controller.stop()

    # Every healthy notice went; the secretariat of the broken plan was told; the bad address failed alone.
    assert _delivered(engine, EAST) == _delivered(engine, WEST) == {NoticeStatus.SENT}
    assert _delivered(engine, BROKEN) == {NoticeStatus.SENT}
    with Session(engine) as session:
        old = list(session.exec(select(Notice).where(Notice.plan == OLD_DATA).order_by(col(Notice.id))))
    bad = [n for n in old if n.recipient == ZERO_WIDTH]
    assert bad and all(n.status == NoticeStatus.DEAD and n.last_error for n in bad)
    assert {n.status for n in old if n.recipient != ZERO_WIDTH} == {NoticeStatus.SENT}
    recipients = {address for r in server.received for address in r.recipients}
    assert ATTACKER not in recipients and {OWNER, SECRETARIAT} <= recipients

    # A junk ledger row is refused by the database itself.
    with engine.connect() as conn:
        [junk], _ = chain(prepare([Event("Forged", "mallory")]), conn.exec_driver_sql(HEAD_SQL).first())
    junk = (0, *junk[1:6], GENESIS_HASH, *junk[7:])  # seq 0 and a genesis link: a second ledger begun
    with pytest.raises(DBAPIError, match="continue the chain"), engine.begin() as conn:
        [(statement, values)] = inserts([junk], placeholder(conn.dialect))
        conn.exec_driver_sql(statement, values)

    # Doctor reports each quarantined thing (and an SMTP URL it cannot read, without its password), and the
    # ledger verifies.
    settings = Settings(database_url=db_url, smtp_url=AMBIGUOUS_SMTP)
    checks = {c.name: c for c in diagnose(settings, prefect_api=lambda: None)}
    assert checks["smtp"].state is State.FAIL and "percent-encode" in checks["smtp"].detail.lower()
    assert "Winter" not in str(checks) and "2024" not in str(checks)
    assert checks["sweep"].state is State.FAIL and BROKEN in checks["sweep"].detail
    assert (
        checks["outbox"].state is State.FAIL and f"{len(bad)} messages could not" in checks["outbox"].detail
    )
    assert checks["ledger"].state is State.OK
    assert verify_database(engine).ok


def test_an_export_keeps_formula_like_and_old_control_text_as_text(estate: Engine, tmp_path: Path) -> None:
    engine = estate
    with engine.begin() as conn:  # a title typed as a formula, and a note stored before the text rule
        conn.execute(
            sa.text("UPDATE action SET title = '=HYPERLINK(\"http://x\",\"y\")' WHERE ref = 'ACT-2'")
        )
        conn.execute(sa.text("UPDATE action SET title = 'old\x0btext' WHERE ref = 'ACT-3'"))
    from workbooks.plan_workbook import export_workbook

    path = tmp_path / "east.xlsx"
    export_workbook(engine, path, EAST)
    sheet = openpyxl.load_workbook(path)["Actions"]
    titles = {row[0].value: row[column([[c.value for c in sheet[1]]], "title")] for row in sheet.iter_rows(2)}
    assert titles["ACT-2"].value == '=HYPERLINK("http://x","y")' and titles["ACT-2"].data_type == "s"
    assert titles["ACT-3"].value == "old\ufffdtext"
