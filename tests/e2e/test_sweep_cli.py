"""`lineofsight sweep`, `escalations`, `dispatch` and `outbox` as an operator uses them."""

from __future__ import annotations

from pathlib import Path

from tests.factories import OWNER, SECRETARIAT, load_small_plan


def test_sweep_dry_run_then_for_real_then_again(cli, engine) -> None:
    load_small_plan(engine)
    dry = cli("sweep", "--as-of", "2017-10-16T07:00", "--dry-run").stdout
    assert "dry run: nothing changed" in dry and "ACT-1" in dry and "overdue" in dry
    assert "0 notices" in cli("outbox").stdout
    real = cli("sweep", "--as-of", "2017-10-16").stdout
    assert "new decisions" in real and "Delivered" in real
    assert list(Path(cli.outbox).glob("*.eml"))
    again = cli("sweep", "--as-of", "2017-10-16", "--no-send").stdout
    assert "0 new decisions" in again
    sent = cli("outbox", "--status", "sent", "--recipient", OWNER).stdout
    assert "ACT-1" in sent and OWNER in sent


def test_weekend_sweep_says_so(cli, engine) -> None:
    load_small_plan(engine)
    out = cli("sweep", "--as-of", "2017-10-14").stdout
    assert "is not a working day (Saturday): nothing decided, nothing sent." in out


def test_escalations_and_no_send(cli, engine) -> None:
    load_small_plan(engine)
    out = cli("sweep", "--as-of", "2017-10-16", "--no-send").stdout
    assert "wait in the outbox (--no-send)" in out
    board = cli("escalations", "--level", "3").stdout
    assert "ACT-1" in board and "Improvement Board" in board
    pending = cli("outbox", "--status", "pending").stdout
    assert SECRETARIAT in pending
    assert "due for delivery" in cli("dispatch", "--dry-run").stdout
    assert "Delivered" in cli("dispatch").stdout
    assert "Invalid --as-of" in cli("sweep", "--as-of", "yesterday", expect=2).output
