"""`lineofsight demo`: a fresh database holding the autumn-2017 plan, replayed up to 11 December 2017.

A fast path: plain function calls, no Prefect run, so the whole demo takes seconds.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from config.settings import Settings
from flows import demo_plan
from flows.bootstrap import App, bootstrap
from models.db import migrate, unit_of_work
from models.plan_import import ImportReport
from models.updates import apply_update
from models.verification import Verdict, verify_database
from workbooks.plan_workbook import import_workbook

DEMO_ACTOR = "system:demo"


@dataclass(frozen=True)
class DemoResult:
    app: App
    directory: Path
    database: Path
    loaded: ImportReport
    updates: int
    as_of: date
    ledger: Verdict


def run_demo(directory: Path) -> DemoResult:
    directory = directory.resolve()
    database = directory / "lineofsight.db"
    # A demo is always fresh: remove what an earlier run left, but only files the demo itself writes.
    for stale in (database, database.with_suffix(".db-wal"), database.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(directory / "outbox", ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)

    settings = Settings(database_url=f"sqlite:///{database}", outbox_dir=directory / "outbox")
    app = bootstrap(settings, check_schema=False)
    migrate(app.engine)
    loaded = import_workbook(app.engine, demo_plan.WORKBOOK, actor=DEMO_ACTOR).report
    for update in demo_plan.UPDATES:
        with unit_of_work(app.engine) as session:
            apply_update(session, update, plan_name=demo_plan.PLAN_NAME)
    return DemoResult(
        app, directory, database, loaded, len(demo_plan.UPDATES), demo_plan.AS_OF, verify_database(app.engine)
    )
