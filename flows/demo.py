"""`lineofsight demo`: a fresh database holding the autumn-2017 plan, replayed up to 11 December 2017.

A fast path: plain function calls, no Prefect run, so the whole demo takes seconds.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from config.settings import Settings
from config.timezone import DEFAULT_TIMEZONE
from flows import demo_plan
from flows.bootstrap import App, bootstrap, release, settings_in_use
from flows.demo_console import ConsoleTour, open_console, secretariat_of
from models.db import read_session, unit_of_work
from models.errors import BadInput
from models.ledger.schema import migrate
from models.ledger.verification import Verdict, verify_database
from models.links.tokens import DEMO_KEY_PREFIX, LinkMaker
from models.output.files import write_text
from models.plans.importer import ImportReport
from models.plans.lookup import find_item
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
KEY_FILE = "secret_key"  # the demo's own key for its links (`export LINEOFSIGHT_SECRET_KEY=$(cat ...)`)
LINK_TO_TRY = "TAP-16"  # whose "Update all my items" link the demo offers: this item's owner (slipping, red)


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
    key_file: Path | None = None
    link_to_try: str | None = None  # one owner's "Update all my items" link, for `lineofsight web`
    links_until: date | None = None  # the last day the demo's links work, where its people are
    console: ConsoleTour | None = None  # sign-in links for the secretariat and an inspector, the draft pack

    @property
    def sent(self) -> tuple[BuiltPack, ...]:
        return tuple(p for p in self.packs if p.meeting_date != demo_plan.REVIEW_MEETING)

    @property
    def drafts(self) -> tuple[BuiltPack, ...]:
        """The packs left for the secretariat to approve in the console."""
        return tuple(p for p in self.packs if p.meeting_date == demo_plan.REVIEW_MEETING)


def run_demo(
    directory: Path, *, prefect_run: bool = True, tick: Tick = _silent, now: datetime | None = None
) -> DemoResult:
    """The demo in `directory`. Its messages replay 2017, but their links are issued `now` (the wall clock,
    read by the caller, or here when none is given: the demo's one reading of it), so they work for
    LINEOFSIGHT_LINK_DAYS from today against `lineofsight web` on the demo's database."""
    links_issued = now if now is not None else datetime.now(UTC)
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

    key = DEMO_KEY_PREFIX + secrets.token_urlsafe(32)  # `doctor` refuses this prefix outside the demo
    _write_key(directory / KEY_FILE, key)
    settings = Settings(
        database_url=url,
        outbox_dir=directory / "outbox",
        packs_dir=directory / "packs",
        secret_key=SecretStr(key),
    )
    app = bootstrap(settings, check_schema=False)
    links = app.links(links_issued)
    migrate(app.engine)
    # The plan is loaded on the morning the replay starts, not today: packs of the autumn count it by that.
    loaded_at = datetime.combine(demo_plan.START, time(6, 0), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    loaded = import_workbook(app.engine, demo_plan.WORKBOOK, actor=DEMO_ACTOR, effective=loaded_at).report
    tick(1, f"Replaying {short_day(demo_plan.START)}")
    packs: list[BuiltPack] = []
    replayed = _replay(app, packs, links, until=demo_plan.AS_OF - timedelta(days=1), tick=tick)
    flow_run = None
    if prefect_run:
        tick(0, f"Sweeping {short_day(demo_plan.AS_OF)} as a Prefect flow run")
        flow_run = _last_day_through_prefect(app, links)
        tick(1, "Done")
    else:
        replayed += _replay(app, packs, links, since=demo_plan.AS_OF, until=demo_plan.AS_OF, tick=tick)
    # The inspector's grant ends with the demo's links, on the last day they work where its people are.
    links_until = links.expires.astimezone(ZoneInfo(settings.timezone)).date() if links else None
    drafts = [p.pack_id for p in packs if p.meeting_date == demo_plan.REVIEW_MEETING]
    console = open_console(app, links_issued, links_until, drafts) if links_until else None
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
        key_file=directory / KEY_FILE,
        link_to_try=_link_to_try(app, links),
        links_until=links_until,
        console=console,
    )


def _write_key(path: Path, key: str) -> None:
    """The demo's key, readable by its user only: mkstemp makes the file with mode 0600 from the first byte
    (never wider, even for a moment), and it replaces an earlier demo's key whole."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _link_to_try(app: App, links: LinkMaker | None) -> str | None:
    """The "Update all my items" link of LINK_TO_TRY's owner, as the latest digest to them carries it."""
    if links is None:
        return None
    with read_session(app.engine) as session:
        plan, item = find_item(session, LINK_TO_TRY, demo_plan.PLAN_NAME)
        return links.everything(item.owner_id, plan.id)  # type: ignore[arg-type]


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
    app: App,
    packs: list[BuiltPack],
    links: LinkMaker | None,
    *,
    until: date,
    since: date = demo_plan.START,
    tick: Tick = _silent,
) -> int:
    """Every day from `since` to `until`: the 07:00 sweep, the board packs due that day (built; each sent
    by its board's secretariat, but those of REVIEW_MEETING left as drafts for the console), then the
    updates owners posted that day."""
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
            # The December packs stay drafts: built (and, once the pack flow tells the secretariat of a
            # draft, told as it would be), never approved nor sent by the demo.
            if pack.meeting_date != demo_plan.REVIEW_MEETING:
                _approve_and_send(app, pack, issued)
        packs += built
        morning = datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
        dispatch(app.engine, app.senders, morning, sender=app.settings.mail_from, links=links)
        for update in by_day.get(day, []):
            with unit_of_work(app.engine) as session:
                apply_update(session, update, plan_name=demo_plan.PLAN_NAME)
        day += timedelta(days=1)
        tick(1, f"Replaying {short_day(day)}")
    return swept


def _approve_and_send(app: App, pack: BuiltPack, at: datetime) -> None:
    """The board's secretariat approves the pack and sends it, at the moment it was built. (Until packs
    have a review, sending is publishing; once `publish` sends only an approved pack, the approval is given
    here, in the same call or just before it.)"""
    with read_session(app.engine) as session:
        by = secretariat_of(session, pack.plan, pack.board)
    publish(app.engine, pack.pack_id, actor=by, now=at)


def _last_day_through_prefect(app: App, links: LinkMaker | None) -> list[dict[str, object]]:
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
        # Delivered below, not by the flow: the flow would write links issued on the replayed day (2017),
        # long expired; the demo's links are issued today.
        ran = sweep_flow(as_of=moment, deliver=False)
    dispatch(app.engine, app.senders, moment.replace(hour=9), sender=app.settings.mail_from, links=links)
    return ran


def _quiet_prefect(level: str) -> None:
    """Prefect sets its loggers' level once, when first imported: the demo's level is applied here. It is
    kept, not put back: Prefect stops its temporary server at exit and would say so at the louder level."""
    for name in ("prefect", "prefect.client"):
        logging.getLogger(name).setLevel(level)
