"""Helpers that edit a ledger behind its triggers' back, as an attacker with DBA rights would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SQLITE_TRIGGERS = {
    "update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: the ledger cannot be updated or deleted'); END",
    "delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: the ledger cannot be updated or deleted'); END",
}


@contextmanager
def behind_the_triggers(engine: Engine) -> Iterator[Connection]:
    """Drop (or disable) the ledger's triggers, hand over a connection, then put them back."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
            yield conn
            conn.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")
        else:
            for name in SQLITE_TRIGGERS:
                conn.exec_driver_sql(f"DROP TRIGGER audit_event_no_{name}")
            yield conn
            for ddl in SQLITE_TRIGGERS.values():
                conn.exec_driver_sql(ddl)


def row(conn: Connection, seq: int) -> dict:
    return dict(
        conn.execute(sa.text("SELECT * FROM audit_event WHERE seq = :s"), {"s": seq}).mappings().one()
    )


def put(conn: Connection, seq: int, values: dict) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(
        sa.text(f"UPDATE audit_event SET {sets} WHERE seq = :where_seq"), {**values, "where_seq": seq}
    )
