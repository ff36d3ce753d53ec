"""A plan whose sweep fails for real: a database trigger refuses every notice its sweep writes (but not the
`SweepFailed` notice to its secretariat), as a disk error, a corrupt row or a bug would, halfway through the
plan's transaction. Nothing of our code is mocked; the trigger is dropped again when the block ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

REFUSAL = "poisoned: refused by a test trigger"

_SQLITE = """
CREATE TRIGGER poison BEFORE INSERT ON notice
WHEN NEW.plan = '{plan}' AND NEW.kind <> 'SweepFailed'
BEGIN SELECT RAISE(ABORT, '{refusal}'); END
"""
# A passing database error (an OperationalError): PostgreSQL's serialization failure; on SQLite an integer
# overflow, the one OperationalError a trigger raises only for the rows it is meant for.
_SQLITE_PASSING = """
CREATE TRIGGER poison BEFORE INSERT ON notice
WHEN NEW.plan = '{plan}' AND NEW.kind <> 'SweepFailed'
BEGIN SELECT abs(-9223372036854775808); END
"""
_POSTGRES = """
CREATE OR REPLACE FUNCTION poison() RETURNS trigger AS $$
BEGIN
  IF NEW.plan = '{plan}' AND NEW.kind <> 'SweepFailed' THEN
    RAISE EXCEPTION '{refusal}' USING ERRCODE = '{code}';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER poison BEFORE INSERT ON notice FOR EACH ROW EXECUTE FUNCTION poison();
"""


def install(engine: Engine, plan: str, passing: bool = False) -> None:
    sql = _POSTGRES if engine.dialect.name == "postgresql" else (_SQLITE_PASSING if passing else _SQLITE)
    code = "40001" if passing else "P0001"  # serialization failure, or a plain raise_exception
    with engine.begin() as conn:
        conn.exec_driver_sql(sql.format(plan=plan, refusal=REFUSAL, code=code))


def remove(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS poison" + (" ON notice" if _pg(engine) else ""))
        if _pg(engine):
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS poison()")


def _pg(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def poisoned(engine: Engine, plan: str, passing: bool = False) -> Iterator[None]:
    install(engine, plan, passing)
    try:
        yield
    finally:
        remove(engine)
