"""`lineofsight doctor` as a user runs it: a table of checks, exit 0 when none fails, 1 with the fix."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Cli
from tests.factories import load_small_plan

KEY = "a-secret-key-of-our-own-" + "x" * 24


def test_doctor_on_a_ready_database_passes(cli: Cli, engine, monkeypatch) -> None:
    load_small_plan(engine)
    monkeypatch.setenv("LINEOFSIGHT_SECRET_KEY", KEY)
    result = cli("doctor")
    assert "All checks passed" in result.output
    for name in ("database", "ledger", "outbox", "teams", "policy", "smtp", "links", "prefect"):
        assert name in result.output
    assert KEY not in result.output


def test_doctor_fails_without_a_secret_key_for_the_links(cli: Cli, engine, monkeypatch) -> None:
    load_small_plan(engine)
    monkeypatch.delenv("LINEOFSIGHT_SECRET_KEY", raising=False)
    result = cli("doctor", expect=1)
    assert "1 check failed: links." in result.output and "Traceback" not in result.output


def test_doctor_on_a_database_never_initialised_says_how_to_fix_it(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'new.db'}", str(tmp_path / "outbox"))
    result = cli("doctor", expect=1)
    assert "lineofsight init" in result.output and "failed: database" in result.output
