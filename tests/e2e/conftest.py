from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner, Result

from cli.app import app


class Cli:
    """Runs `lineofsight` in-process against the database the test chose."""

    def __init__(self, db_url: str, outbox: str) -> None:
        self.db_url, self.outbox = db_url, outbox
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int | None = 0) -> Result:
        env = {"LINEOFSIGHT_DATABASE_URL": self.db_url, "LINEOFSIGHT_OUTBOX_DIR": self.outbox}
        result = self.runner.invoke(app, list(args), env=env)
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.output, result.exception)
        return result


@pytest.fixture
def cli(db_url: str, tmp_path) -> Cli:
    return Cli(db_url, str(tmp_path / "outbox"))


@pytest.fixture
def repo_env(tmp_path) -> dict[str, str]:
    """An environment for subprocess runs: no inherited LINEOFSIGHT_ settings, a scratch directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINEOFSIGHT_")}
    env["COLUMNS"] = "200"
    return env
