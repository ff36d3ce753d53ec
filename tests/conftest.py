"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL whenever
LINEOFSIGHT_TEST_POSTGRES_URL is set; `.ci/run` sets it and LINEOFSIGHT_REQUIRE_POSTGRES, which turns a
missing or skipped PostgreSQL leg into a failed run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings
from sqlalchemy.engine import Engine, make_url

from models.db import SCHEMA_HEAD, make_engine
from models.ledger.schema import migrate

POSTGRES_URL = os.environ.get("LINEOFSIGHT_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("LINEOFSIGHT_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])

# Hypothesis's 200 ms deadline per example is a timed test in disguise: on a busy 2-core machine it fails
# properties whose logic holds. Speed is measured by the benchmarks in bench/, not here.
settings.register_profile("lineofsight", deadline=None)
settings.load_profile("lineofsight")


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError(
            "LINEOFSIGHT_REQUIRE_POSTGRES=1 but LINEOFSIGHT_TEST_POSTGRES_URL is not set: the PostgreSQL leg "
            "is mandatory here."
        )


_postgres_passed = 0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _postgres_passed
    if report.when == "call" and report.passed and "postgres" in report.nodeid:
        _postgres_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REQUIRE_POSTGRES and exitstatus == 0 and _postgres_passed == 0:
        session.exitstatus = 1
        print("\nERROR: no PostgreSQL test passed, but the PostgreSQL leg is mandatory here.")
    elif POSTGRES_URL:
        tests = "test" if _postgres_passed == 1 else "tests"
        print(f"\nPostgreSQL leg: {_postgres_passed} {tests} passed against PostgreSQL.")


def _postgres_schema_url(base: str) -> str:
    """One schema per test process, so two runs on one server never see each other's rows."""
    schema = f"los_test_{os.getpid()}"
    url = make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once and copied for each test (migrating costs more than copying)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        raise RuntimeError("postgres_url used without LINEOFSIGHT_TEST_POSTGRES_URL")
    url = _postgres_schema_url(POSTGRES_URL)
    schema = f"los_test_{os.getpid()}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            name
            for (name,) in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
            )
        ]
        # Replica mode lets the test harness clear the append-only ledger between tests.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # A test may have moved the schema version (to test the "run init" message): put it back.
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{SCHEMA_HEAD}'")
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated, empty database: a SQLite file, or a cleared PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "lineofsight.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
