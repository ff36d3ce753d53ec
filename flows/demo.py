"""`lineofsight demo`: a fresh database holding the autumn-2017 plan, replayed up to 11 December 2017.

A fast path: plain function calls, no Prefect run, so the whole demo takes seconds.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from config.settings import Settings
from config.timezone import DEFAULT_TIMEZONE
from flows import demo_plan
from flows.bootstrap import App, bootstrap, release, settings_in_use
from models.db import unit_of_work
from models.errors import BadInput
from models.ledger.schema import migrate
from models.ledger.verification import Verdict, verify_database
from models.output.files import write_text
from models.plans.importer import ImportReport
from models.plans.spec import UpdateSpec
from models.plans.updates import apply_update
from models.sweep.failures import PlansNotSwept
from models.sweep.run import sweep_plans
from models.vocab import short_day
from notifications.dispatch import dispatch
from packs.build import BuiltPack, build_due_packs
from packs.publish import publish
from workbooks.plan_workbook import import_workbook

DEMO_ACTOR = "system:demo"
# What `run_demo` tells a progress bar: `tick(steps done, what comes next)` after the import and after each
# day of the autumn (the last one through Prefect when asked).
STEPS = 1 + (demo_plan.AS_OF - demo_plan.START).days + 1
Tick = Callable[[int, str], None]


def _silent(advance: int, description: str) -> None:
    return None


MARKER = ".lineofsight-demo"  # the demo replaces only a folder holding this file (or an empty one)


@dataclass(frozen=True)
class DemoResult:
    app: App
    directory: Path
    database: Path
    loaded: ImportReport
    updates: int
    as_of: date
    ledger: Verdict
    working_days_swept: int
    workbook: Path
    flow_run: list[dict[str, object]] | None
    packs: tuple[BuiltPack, ...] = ()


def run_demo(directory: Path, *, prefect_run: bool = True, tick: Tick = _silent) -> DemoResult:
    directory = directory.resolve()
    database = directory / "lineofsight.db"
    _claim(directory)
    url = f"sqlite:///{database}"
    release(url)  # an earlier demo's engine in this process must not keep the file about to be replaced
    # A demo is always fresh: remove what an earlier demo left, but only files the demo itself writes.
    for stale in (database, database.with_suffix(".db-wal"), database.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(directory / "outbox", ignore_errors=True)
    shutil.rmtree(directory / "packs", ignore_errors=True)

    settings = Settings(database_url=url, outbox_dir=directory / "outbox", packs_dir=directory / "packs")
    app = bootstrap(settings, check_schema=False)
    migrate(app.engine)
    # The plan is loaded on the morning the replay starts, not today: packs of the autumn count it by that.
    loaded_at = datetime.combine(demo_plan.START, time(6, 0), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    loaded = import_workbook(app.engine, demo_plan.WORKBOOK, actor=DEMO_ACTOR, effective=loaded_at).report
    tick(1, f"Replaying {short_day(demo_plan.START)}")
    packs: list[BuiltPack] = []
    replayed = _replay(app, packs, until=demo_plan.AS_OF - timedelta(days=1), tick=tick)
    flow_run = None
    if prefect_run:
        tick(0, f"Sweeping {short_day(demo_plan.AS_OF)} as a Prefect flow run")
        flow_run = _last_day_through_prefect(app)
        tick(1, "Done")
    else:
        replayed += _replay(app, packs, since=demo_plan.AS_OF, until=demo_plan.AS_OF, tick=tick)
    return DemoResult(
        app=app,
        directory=directory,
        database=database,
        loaded=loaded,
        updates=len(demo_plan.UPDATES),
        as_of=demo_plan.AS_OF,
        ledger=verify_database(app.engine),
        working_days_swept=replayed,
        workbook=demo_plan.WORKBOOK,
        flow_run=flow_run,
        packs=tuple(packs),
    )


def _claim(directory: Path) -> None:
    """Make `directory` the demo's: only a folder that is missing, empty or marked by an earlier demo, so the
    demo never deletes a real database or outbox that happens to be there."""
    marker = directory / MARKER
    if directory.is_dir() and not directory.is_symlink():
        found = sorted(p.name for p in directory.iterdir())
        if found and not (marker.is_file() and not marker.is_symlink()):
            shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
            raise BadInput(
                f"The demo needs an empty folder or one an earlier demo made (it holds a {MARKER} file); "
                f"{directory} holds {shown}, which the demo would replace. Choose another --dir (or, if "
                "that folder is an old demo, delete it yourself)."
            )
    elif directory.exists() or directory.is_symlink():
        raise BadInput(f"The demo needs a folder; {directory} exists and is not one. Choose another --dir.")
    directory.mkdir(parents=True, exist_ok=True)
    write_text(marker, "Made by `lineofsight demo`: running the demo again replaces this folder's files.\n")


def _replay(
    app: App, packs: list[BuiltPack], *, until: date, since: date = demo_plan.START, tick: Tick = _silent
) -> int:
    """Every day from `since` to `until`: the 07:00 sweep, the board packs due that day (built and sent),
    then the updates owners posted that day."""
    by_day: dict[date, list[UpdateSpec]] = {}
    for update in demo_plan.UPDATES:
        if update.at is not None:
            by_day.setdefault(update.at.date(), []).append(update)
    swept, day = 0, since
    while day <= until:
        outcomes = sweep_plans(app.engine, app.policy, day, actor="system:sweep (demo replay)")
        if failed := [(o.plan, o.failure) for o in outcomes if o.failure is not None]:
            raise PlansNotSwept(failed)  # the demo plan must sweep cleanly: say so, never carry on
        swept += sum(1 for o in outcomes if o.working_day)
        issued = datetime.combine(day, time(7, 30), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
        # Built at 07:30, as the pack flow would: the pack speaks as of then, not of the day's later updates.
        built = build_due_packs(
            app.engine, app.policy, day, app.settings.packs_dir, actor="system:packs (demo)", now=issued
        )
        for pack in built:
            publish(app.engine, pack.pack_id, actor="system:packs (demo)", now=issued)
        packs += built
        morning = datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
        dispatch(app.engine, app.senders, morning, sender=app.settings.mail_from)
        for update in by_day.get(day, []):
            with unit_of_work(app.engine) as session:
                apply_update(session, update, plan_name=demo_plan.PLAN_NAME)
        day += timedelta(days=1)
        tick(1, f"Replaying {short_day(day)}")
    return swept


def _last_day_through_prefect(app: App) -> list[dict[str, object]]:
    """The last day's sweep as one real Prefect flow run (a temporary local Prefect server), its settings
    passed for the run's length: Prefect's through its own settings context, ours to the flow's tasks."""
    from prefect.settings import (
        PREFECT_HOME,
        PREFECT_LOGGING_LEVEL,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    from flows.sweep import sweep_flow

    # Defaults only (what the user set wins): Prefect keeps its own SQLite database beside the demo's,
    # never inside it, and its telemetry stays off. The temporary server migrates a new database first:
    # on a busy 2-core machine that took longer than Prefect's default 20 s wait, and `make demo` ended in
    # "Timed out ... ephemeral Prefect API server".
    defaults = {
        PREFECT_HOME: str(Path(app.settings.outbox_dir).parent / ".prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED: False,
        PREFECT_LOGGING_LEVEL: "WARNING",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 120,
    }
    moment = datetime.combine(demo_plan.AS_OF, time(7, 0), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    with temporary_settings(set_defaults=defaults) as prefect_settings, settings_in_use(app.settings):
        _quiet_prefect(prefect_settings.logging.level)
        ran = sweep_flow(as_of=moment)
    dispatch(app.engine, app.senders, moment.replace(hour=9), sender=app.settings.mail_from)
    return ran


def _quiet_prefect(level: str) -> None:
    """Prefect sets its loggers' level once, when first imported: the demo's level is applied here. It is
    kept, not put back: Prefect stops its temporary server at exit and would say so at the louder level."""
    for name in ("prefect", "prefect.client"):
        logging.getLogger(name).setLevel(level)
