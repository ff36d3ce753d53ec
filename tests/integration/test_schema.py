"""Migrations: the same Alembic history builds the schema on SQLite and PostgreSQL, matches the models,
runs idempotently, and the product refuses to work on a database that is behind."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import models.tables  # noqa: F401
from models.db import SCHEMA_HEAD, current_revision, ensure_ready, head_revision, make_engine
from models.errors import BadInput, DatabaseNotReady
from models.ledger.kinds import READERS
from models.ledger.schema import migrate
from models.ledger.trail import item_history
from models.reports.item_story import updates_recorded
from models.reports.read_cache import ledger_mark
from models.sweep.forecasts import ForecastWindow, load_forecast_inputs


# SQLite's reflection cannot read an index on an expression (the ledger's upper(ref)): it says
# so and leaves them out; test_the_ledger_is_read_by_its_indexes checks they are there and used.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert diff == []


def test_schema_head_constant_is_alembics_head(engine: Engine) -> None:
    assert head_revision(engine) == SCHEMA_HEAD


def test_migrate_is_idempotent(engine: Engine) -> None:
    head = head_revision(engine)
    assert migrate(engine) == (head, head)
    ensure_ready(engine)


def test_a_new_database_is_created_then_left_alone(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    before, after = migrate(engine)
    assert before is None and after == head_revision(engine)
    assert migrate(engine) == (after, after)


def test_missing_sqlite_file_says_what_to_run(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'absent.db'}")
    with pytest.raises(DatabaseNotReady, match="lineofsight init"):
        ensure_ready(engine)
    assert not (tmp_path / "absent.db").exists()


def test_unmigrated_database_says_what_to_run(tmp_path) -> None:
    path = tmp_path / "empty.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE something (id INTEGER)")
    with pytest.raises(DatabaseNotReady, match="not initialised: run `lineofsight init`"):
        ensure_ready(engine)


def test_old_schema_says_upgrade(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'old0'"))
    with pytest.raises(DatabaseNotReady, match=r"at schema old0.*upgrade"):
        ensure_ready(engine)
    assert current_revision(engine) == "old0"


def test_unreachable_server_is_one_clear_line() -> None:
    engine = make_engine("postgresql+psycopg://los:secret-pw@127.0.0.1:1/nowhere")
    with pytest.raises(DatabaseNotReady) as caught:
        ensure_ready(engine)
    message = str(caught.value)
    assert "Cannot reach the database" in message and "LINEOFSIGHT_DATABASE_URL" in message
    assert "secret-pw" not in message


def test_upgrade_keeps_existing_rows(tmp_path) -> None:
    """A database made by an older version, with a plan in it, upgrades in place."""
    from alembic import command

    from models.db import alembic_config as _alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(_alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO plan (id, name, nation, timezone, created_at) VALUES (1, 'P', 'ENG', "
            "'Europe/London', '2017-09-05 00:00:00')"
        )
        conn.exec_driver_sql("INSERT INTO person (id, email, name) VALUES (1, 'o@example.org', 'Owner')")
        conn.exec_driver_sql("INSERT INTO area (id, plan_id, code, name) VALUES (1, 1, 'A', 'Area')")
        conn.exec_driver_sql(
            "INSERT INTO action (plan_id, ref, title, area_id, owner_id, original_due, current_due, "
            "rebaseline_count, status, percent, exempt) "
            "VALUES (1, 'X-1', 'T', 1, 1, '2017-10-02', '2017-10-02', 0, 'in progress', 10, 0)"
        )
    assert migrate(engine) == ("0001", SCHEMA_HEAD)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT ref, consecutive_reds FROM action").all() == [("X-1", 0)]
    ensure_ready(engine)


def test_upgrade_to_word_packs_keeps_boards_with_their_meetings(tmp_path) -> None:
    """Migration 0014 adds board columns in place: a default that is an SQL expression made Alembic rebuild
    the board table on SQLite, which its meetings' foreign keys refused ("FOREIGN KEY constraint failed")."""
    from alembic import command

    from models.db import alembic_config as _alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(_alembic_config(engine), "0013")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO plan (id, name, nation, timezone, created_at) VALUES (1, 'P', 'ENG', "
            "'Europe/London', '2017-09-05 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO person (id, email, name, organisation) VALUES (1, 's@example.org', 'Sec', '')"
        )
        conn.exec_driver_sql("INSERT INTO board (id, plan_id, name, secretariat_id) VALUES (1, 1, 'B', 1)")
        conn.exec_driver_sql(
            "INSERT INTO meeting (id, board_id, date, audience) VALUES (1, 1, '2017-10-03', 'board')"
        )
    assert migrate(engine) == ("0013", SCHEMA_HEAD)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name, wants_word FROM board").all() == [("B", 0)]
        assert conn.exec_driver_sql("SELECT board_id, agenda_item FROM meeting").all() == [(1, None)]
    ensure_ready(engine)


def test_the_ledger_is_read_by_its_indexes(engine: Engine) -> None:
    """The console's two reads of the ledger on every page use its indexes, not a walk of the whole ledger:
    the last change's seq (past any number of recorded page views) and an item's story by ref and plan as
    people type them. The statements are the ones the code sends, captured and explained."""
    sent: list[tuple[str, object]] = []

    def keep(conn: object, cursor: object, statement: str, parameters: object, *rest: object) -> None:
        if "audit_event" in statement:
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as session:
            ledger_mark(session)
            with pytest.raises(BadInput):  # an empty ledger: the first of its two reads is enough
                item_history(session, "act-1", "test plan")
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    assert len(sent) == 2
    wanted = ("ix_audit_event_change", "ix_audit_event_ref_upper")
    with engine.connect() as conn:
        for (statement, parameters), index in zip(sent, wanted, strict=True):
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: say what it could use
                plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()  # type: ignore[arg-type]
            else:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()  # type: ignore[arg-type]
            assert index in " ".join(str(row) for row in plan), (statement, plan)


def test_the_ledger_s_index_of_changes_leaves_out_exactly_the_readers_kinds(engine: Engine) -> None:
    """The partial index the migrations built, read back from the database: it must leave out exactly the
    kinds a reader writes. On SQLite the mark's query would otherwise not use it, and on both a reader's
    new kind missing from it would count as a change."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes "
                "WHERE indexname = 'ix_audit_event_change' AND schemaname = current_schema()"
            ).scalar_one()
        else:
            found = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_audit_event_change'"
            ).scalar_one()
    assert set(re.findall(r"'([A-Za-z]+)'", found)) == {kind.value for kind in READERS}, found


def _plan_of(engine: Engine, statement: str, parameters: object) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: say what it could use
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()  # type: ignore[arg-type]
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()  # type: ignore[arg-type]
    return " ".join(str(row) for row in rows)


def test_an_items_recorded_updates_are_read_by_the_ledgers_index_on_ref(engine: Engine) -> None:
    """With the plain index on ref gone (migration 0016), the story as it stood on a day reads an item's
    updates through upper(ref), not by walking every event of its plan (SQLite's choice without a hint)."""
    [(statement, parameters)] = _sent(
        engine, "FROM audit_event", lambda s: s.exec(updates_recorded("P", "T-1"))
    )
    found = _plan_of(engine, statement, parameters)
    assert "ix_audit_event_ref_upper" in found, found
    with engine.connect() as conn:  # and the plain one is gone (read from the catalogue: SQLAlchemy's
        # inspector will not reflect the expression index beside it)
        if engine.dialect.name == "postgresql":
            query = (
                "SELECT indexname FROM pg_indexes "
                "WHERE tablename = 'audit_event' AND schemaname = current_schema()"
            )
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_event'"
        names = set(conn.exec_driver_sql(query).scalars())
    assert "ix_audit_event_ref_upper" in names and "ix_audit_event_ref" not in names, names


def _sent(engine: Engine, marker: str, read: Callable[[Session], object]) -> list[tuple[str, object]]:
    """The statements `read` sends that hold `marker`, with their parameters, as the driver got them."""
    sent: list[tuple[str, object]] = []

    def keep(conn: object, cursor: object, statement: str, parameters: object, *rest: object) -> None:
        if marker in statement:
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as session:
            read(session)
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    return sent


def test_the_forecast_warnings_are_read_by_their_own_index(engine: Engine) -> None:
    """The sweep's read of when each owner was told an item is forecast late, as the code sends it: through
    the partial index of the warnings (migration 0015), not every notice of the last six weeks."""
    day = date(2017, 11, 15)
    window = ForecastWindow(day, {1: ("Test Plan", "Europe/London", day - timedelta(days=45), day)})
    [(statement, parameters)] = _sent(engine, "FROM notice", lambda s: load_forecast_inputs(s, window))
    found = _plan_of(engine, statement, parameters)
    assert "ix_notice_forecast_late" in found, found
