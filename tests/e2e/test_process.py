"""The installed command in a real process: fast read-only paths, no traceback unless --debug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import models
from tests.factories import load_small_plan

# The console script installed beside this interpreter (the venv need not be on PATH).
LINEOFSIGHT = str(Path(sys.executable).parent / "lineofsight")


def test_top_level_packages_are_ours() -> None:
    import cli
    import config
    import flows
    import migrations
    import notifications
    import packs

    root = models.__file__.rsplit("/models/", 1)[0]
    for package in (cli, config, flows, migrations, notifications, packs):
        assert package.__file__ and package.__file__.startswith(root), package


def test_read_only_commands_import_neither_prefect_nor_weasyprint(engine, db_url, repo_env) -> None:
    load_small_plan(engine)
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli.app import app\n"
        f"for args in (['status'], ['status', '--format', 'json'], ['show', 'ACT-1']):\n"
        f"    r = CliRunner().invoke(app, args, env={{'LINEOFSIGHT_DATABASE_URL': {db_url!r}}})\n"
        "    assert r.exit_code == 0, r.output\n"
        "heavy = {'prefect', 'weasyprint', 'matplotlib'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=repo_env, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_errors_in_a_real_process(tmp_path, repo_env) -> None:
    env = repo_env | {"LINEOFSIGHT_DATABASE_URL": "postgresql+psycopg://los:hunter2@127.0.0.1:1/x"}
    plain = subprocess.run([LINEOFSIGHT, "status"], capture_output=True, text=True, env=env)
    assert plain.returncode == 1
    assert "Cannot reach the database" in plain.stderr and "Traceback" not in plain.stderr + plain.stdout
    assert "hunter2" not in plain.stderr
    debug = subprocess.run([LINEOFSIGHT, "--debug", "status"], capture_output=True, text=True, env=env)
    assert debug.returncode != 0 and "Traceback" in debug.stderr
