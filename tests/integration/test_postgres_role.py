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
from models.ledger import Event, record
from models.verification import verify_database
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
