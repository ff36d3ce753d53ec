"""Shared helpers for the benchmarks: timing, fresh databases, and a printed result row."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.db import make_engine
from models.ledger.schema import migrate

T = TypeVar("T")
POSTGRES_URL = os.environ.get(
    "LINEOFSIGHT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(n: int, fn: Callable[[], T]) -> tuple[float, T]:
    runs = [timed(fn) for _ in range(n)]
    return min(runs, key=lambda r: r[0])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_database(backend: str, workdir: Path, name: str) -> Engine:
    """A migrated, empty database: a SQLite file in workdir, or a PostgreSQL schema named for the bench."""
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
    else:
        schema = f"bench_{name}"
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        admin.dispose()
        url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(url.render_as_string(hide_password=False))
    migrate(engine)
    return engine


def drop_schemas(*names: str) -> None:
    """Drop the PostgreSQL schemas `fresh_database` made for these benches."""
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        for name in names:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS bench_{name} CASCADE")
    admin.dispose()
