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
_POSTGRES = """
CREATE OR REPLACE FUNCTION poison() RETURNS trigger AS $$
BEGIN
  IF NEW.plan = '{plan}' AND NEW.kind <> 'SweepFailed' THEN RAISE EXCEPTION '{refusal}'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER poison BEFORE INSERT ON notice FOR EACH ROW EXECUTE FUNCTION poison();
"""


def install(engine: Engine, plan: str) -> None:
    sql = _POSTGRES if engine.dialect.name == "postgresql" else _SQLITE
    with engine.begin() as conn:
        conn.exec_driver_sql(sql.format(plan=plan, refusal=REFUSAL))


def remove(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS poison" + (" ON notice" if _pg(engine) else ""))
        if _pg(engine):
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS poison()")


def _pg(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def poisoned(engine: Engine, plan: str) -> Iterator[None]:
    install(engine, plan)
    try:
        yield
    finally:
        remove(engine)
