"""Issue 18: a read command imports only what it uses. Each command runs in a fresh process on a database like
the demo's (its plan, swept on the day it goes to the inspectorate), and the modules loaded by its end are
checked: none of the heavy libraries that only writes, packs, messages or the web face need, and of the
holidays library's countries only the United Kingdom (the plans' nations are its subdivisions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config.policy import load_policy
from flows.demo_plan import AS_OF, load_spec
from models.db import unit_of_work
from models.plans.importer import import_plan
from models.sweep.run import sweep_plans

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("prefect", "weasyprint", "matplotlib", "openpyxl", "jinja2", "apprise")
UK_HOLIDAYS = "holidays.countries.united_kingdom"
READ_COMMANDS = (
    ("status", "--as-of", AS_OF.isoformat()),
    ("status", "--format", "json"),
    ("show", "TAP-16"),
    ("escalations",),
    ("outbox",),
    ("audit", "log"),
    ("--help",),
)

# The command as the installed script runs it, with every module loaded by the end written to a file: the
# handler registered first runs last, after the engines are disposed.
PROBE = """\
import atexit, json, os, sys

def dump():
    with open(os.environ["MODULES_FILE"], "w") as f:
        json.dump(sorted(sys.modules), f)

atexit.register(dump)
{preload}
from cli.app import main

sys.argv = ["lineofsight", *sys.argv[1:]]
main()
"""


def over_budget(modules: list[str]) -> list[str]:
    """The modules a read command must never load."""
    return [
        m
        for m in modules
        if m.split(".")[0] in HEAVY
        or ((m == "holidays.countries" or m.startswith("holidays.countries.")) and m != UK_HOLIDAYS)
    ]


def loaded_by(args: tuple[str, ...], env: dict[str, str], tmp_path: Path, preload: str = "") -> list[str]:
    modules_file = tmp_path / "modules.json"
    modules_file.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(preload=preload), *args],
        cwd=ROOT,  # this checkout's code first on the path, as `python -c` puts the current folder there
        env=env | {"MODULES_FILE": str(modules_file), "COLUMNS": "150"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout, f"`lineofsight {' '.join(args)}` said nothing"
    modules: list[str] = json.loads(modules_file.read_text())
    return modules


@pytest.fixture
def demo_like(engine, db_url, repo_env) -> dict[str, str]:
    """The demo's plan, swept on its last day (escalations, the outbox and the ledger all hold something)."""
    with unit_of_work(engine) as session:
        import_plan(session, load_spec(), actor="test")
    sweep_plans(engine, load_policy(), AS_OF)
    return repo_env | {"LINEOFSIGHT_DATABASE_URL": db_url}


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_a_read_command_imports_only_what_it_uses(args, demo_like, tmp_path) -> None:
    modules = loaded_by(args, demo_like, tmp_path)
    assert not over_budget(modules), f"`lineofsight {' '.join(args)}` imported {over_budget(modules)}"
    if args[0] == "status":
        assert UK_HOLIDAYS in modules  # it counted working days: the check above looked at the right thing


def test_the_budget_catches_a_heavy_import(demo_like, tmp_path) -> None:
    preload = "import jinja2, holidays.countries.germany"
    modules = loaded_by(("status",), demo_like, tmp_path, preload=preload)
    caught = over_budget(modules)
    assert "jinja2" in caught and "holidays.countries.germany" in caught and "holidays.countries" in caught


def test_the_calendar_loads_the_uk_alone_for_every_nation() -> None:
    probe = (
        "import sys\n"
        "from datetime import date\n"
        "from models.calendar import WorkingCalendar\n"
        "for nation in ('ENG', 'WLS', 'SCT', 'NIR'):\n"
        "    WorkingCalendar(nation).working_days_to_due(date(2017, 12, 11), date(2018, 1, 3))\n"
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"[{UK_HOLIDAYS!r}]", out.stdout + out.stderr
