"""Helpers that edit a ledger behind its triggers' back, as an attacker with DBA rights would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


@contextmanager
def behind_the_triggers(engine: Engine) -> Iterator[Connection]:
    """Drop (or disable) every trigger of the ledger, hand over a connection, then put them back."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
            yield conn
            conn.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")
        else:
            triggers = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            ).all()
            for name, _ in triggers:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            yield conn
            for _, ddl in triggers:
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
