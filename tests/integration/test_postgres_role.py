"""The documented deployment on PostgreSQL: the application's role may append to the ledger and read it,
and nothing else, even with the triggers out of the way."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from models.db import make_engine, unit_of_work
from models.ledger.chain import Event, record
from models.ledger.verification import verify_database
from tests.conftest import POSTGRES_URL

SCRIPT = Path(__file__).parents[2] / "docs" / "postgres-app-role.sql"
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only: SQLite has no roles")


@pytest.fixture
def app_engine(postgres_url: str) -> Iterator[Engine]:
    from tests.conftest import _empty_postgres

    _empty_postgres(postgres_url)
    role = f"lineofsight_app_{os.getpid()}"  # roles are cluster-wide: one per test process
    owner = sa.create_engine(postgres_url)
    with owner.begin() as conn:
        # Run the documented script as psql would: verbatim, with no parameter parsing.
        cursor = conn.connection.cursor()
        cursor.execute(SCRIPT.read_text().replace("lineofsight_app", role))
        cursor.close()
    engine = make_engine(postgres_url)

    @sa.event.listens_for(engine, "connect")
    def _as_app(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{role}"')

    yield engine
    engine.dispose()
    with owner.begin() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')
    owner.dispose()


def test_app_role_appends_and_reads(app_engine: Engine) -> None:
    with unit_of_work(app_engine) as session:
        record(session, Event("Appended", "system:test"))
    assert verify_database(app_engine).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER USER",
        "DROP TRIGGER audit_event_no_change ON audit_event",
        "UPDATE alembic_version SET version_num = 'x'",
    ],
)
def test_app_role_cannot_change_the_ledger(app_engine: Engine, statement: str) -> None:
    with unit_of_work(app_engine) as session:
        record(session, Event("Appended", "system:test"))
    with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), app_engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert verify_database(app_engine).ok


def test_app_role_cannot_insert_a_row_that_breaks_the_chain(app_engine: Engine) -> None:
    """A junk row (seq 0), or a next row with a made-up prev_hash, would break verification for ever."""
    from models.ledger.chain import HEAD_SQL, chain, prepare
    from models.ledger.receipts import inserts, placeholder

    with unit_of_work(app_engine) as session:
        record(session, Event("Appended", "system:test"))
    with app_engine.connect() as conn:
        found = conn.exec_driver_sql(HEAD_SQL).first()
    [good], _ = chain(prepare([Event("Forged", "mallory")]), found)
    for spoilt in ((0, *good[1:]), (*good[:6], "f" * 64, *good[7:])):
        with pytest.raises(DBAPIError, match="continue the chain"), app_engine.begin() as conn:
            [(statement, values)] = inserts([spoilt], placeholder(conn.dialect))
            conn.exec_driver_sql(statement, values)
    assert verify_database(app_engine).ok


def test_doctor_warns_when_the_service_can_bypass_the_triggers(app_engine: Engine, postgres_url: str) -> None:
    from config.settings import Settings
    from flows.doctor import State, diagnose

    role = f"lineofsight_app_{os.getpid()}"
    as_app = sa.make_url(postgres_url).set(username=role).render_as_string(hide_password=False)

    def ledger_role(url: str) -> tuple[State, str]:
        checks = diagnose(Settings(database_url=url), prefect_api=lambda: None)
        [check] = [c for c in checks if c.name == "ledger role"]
        return check.state, check.detail

    state, detail = ledger_role(postgres_url)  # the tests' own login: a superuser that owns the tables
    assert state is State.WARN and "is a superuser" in detail and "owns audit_event" in detail
    state, detail = ledger_role(as_app)
    assert state is State.OK and role in detail
