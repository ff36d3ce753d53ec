"""The database itself refuses a ledger row that does not continue the chain (migration 0007), on SQLite and
PostgreSQL, while every way the service appends (one event, a small multi-row INSERT, a large executemany)
still works."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from models.audit import GENESIS_HASH
from models.db import unit_of_work
from models.ledger.chain import HEAD_SQL, Event, chain, prepare, record_many
from models.ledger.receipts import SMALL_BATCH, inserts, placeholder
from models.ledger.verification import verify_database


def _append(engine: Engine, count: int) -> None:
    with unit_of_work(engine) as session:
        record_many(session, [Event("Appended", "system:test", "Plan", f"A-{i}") for i in range(count)])


def _next_row(engine: Engine) -> list[Any]:
    """The row that would rightly come next, as a list to spoil."""
    with engine.connect() as conn:
        found = conn.exec_driver_sql(HEAD_SQL).first()
    rows, _ = chain(prepare([Event("Forged", "mallory")]), found)
    return list(rows[0])


def _insert(engine: Engine, row: list[Any]) -> None:
    with engine.begin() as conn:
        [(statement, values)] = inserts([tuple(row)], placeholder(conn.dialect))
        conn.exec_driver_sql(statement, values)


def test_one_small_batch_and_a_large_batch_append_and_verify(engine: Engine) -> None:
    before = verify_database(engine).count
    _append(engine, 1)
    _append(engine, SMALL_BATCH)  # one multi-row INSERT: each row sees the rows before it
    _append(engine, SMALL_BATCH * 3 + 1)  # executemany
    verdict = verify_database(engine)
    assert verdict.ok and verdict.count == before + 1 + SMALL_BATCH + SMALL_BATCH * 3 + 1


def test_a_well_chained_row_written_by_hand_is_accepted(engine: Engine) -> None:
    before = verify_database(engine).count
    _insert(engine, _next_row(engine))
    _insert(engine, _next_row(engine))
    assert verify_database(engine).ok and verify_database(engine).count == before + 2


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda r: r.__setitem__(0, 0), id="junk-seq-0"),
        pytest.param(lambda r: r.__setitem__(0, r[0] + 1), id="skipped-seq"),
        pytest.param(lambda r: r.__setitem__(0, r[0] - 1), id="repeated-seq"),
        pytest.param(lambda r: r.__setitem__(6, "f" * 64), id="wrong-prev-hash"),
        pytest.param(lambda r: r.__setitem__(6, GENESIS_HASH), id="genesis-prev-hash-mid-chain"),
        pytest.param(lambda r: r.__setitem__(2, "someone else"), id="columns-differ-from-body"),
    ],
)
def test_a_row_that_does_not_continue_the_chain_is_refused(engine: Engine, spoil: Any) -> None:
    _append(engine, 3)
    before = verify_database(engine).count
    row = _next_row(engine)
    spoil(row)
    # A repeated seq meets PostgreSQL's primary key before the chain check that runs after the statement.
    with pytest.raises(DBAPIError, match=r"continue the chain|duplicate key"):
        _insert(engine, row)
    assert verify_database(engine).ok and verify_database(engine).count == before
    _append(engine, 1)  # the service carries on
    assert verify_database(engine).count == before + 1


def test_a_junk_row_is_refused_whatever_the_ledger_holds(engine: Engine) -> None:
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar_one()
    row = _next_row(engine)
    row[0], row[6] = 0, GENESIS_HASH
    with pytest.raises(DBAPIError, match="continue the chain"):
        _insert(engine, row)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar_one() == before


def test_a_hash_that_is_not_the_bodys(engine: Engine) -> None:
    """PostgreSQL refuses it; SQLite has no SHA-256 in SQL, so there `audit verify` is what finds it."""
    _append(engine, 2)
    row = _next_row(engine)
    row[7] = "e" * 64
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="SHA-256"):
            _insert(engine, row)
        assert verify_database(engine).ok
    else:
        _insert(engine, row)
        assert "hash mismatch" in str(verify_database(engine).problem)
