"""The `lineofsight` command: a thin layer over plain functions in models/ and flows/.

Read-only commands import neither prefect nor weasyprint, so they answer in well under a second.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.text import Text

from cli import (
    audit_commands,
    doctor_command,
    outbox_commands,
    pack_commands,
    plan_commands,
    serve_command,
    sweep_commands,
    workbook_commands,
)
from cli.edge import CLOSED_PIPE, EdgeGroup, silence_stdout
from cli.output import console
from flows.bootstrap import bootstrap
from models.calendar import local_date
from models.vocab import day_in_words, plural

app = typer.Typer(
    cls=EdgeGroup,
    help="Line of Sight: keeps an improvement plan on track. Reminds owners, escalates slippage, "
    "builds board packs and keeps a tamper-evident audit trail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        console().print(f"lineofsight {version('lineofsight')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when something fails."),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print the installed version and exit."
    ),
) -> None:
    ctx.meta["debug"] = debug or ctx.meta.get("debug", False)  # the edge takes --debug after the command too


def today(timezone: str) -> date:
    """The shell reads the clock; everything below takes the date as a value."""
    return local_date(datetime.now(UTC), timezone)


def flow_run_line(run: Mapping[str, object]) -> str:
    """The sweep flow's summary of one plan, in words (never the dict the flow returns)."""
    decisions, notices = int(str(run.get("decisions") or 0)), int(str(run.get("notices") or 0))
    line = f"{run.get('plan')}: {plural(decisions, 'decision')}, {run.get('new') or 0} new, "
    line += f"{plural(notices, 'notice')} queued"
    if run.get("holiday"):
        line += f"; a holiday ({run['holiday']}), nothing decided"
    if run.get("failed"):
        line += f"; not swept: {run['failed']}"
    return line


@app.command()
def init() -> None:
    """Create the database, or upgrade it to the latest schema. Safe to run again."""
    from models.db import migrate, safe_url

    application = bootstrap(check_schema=False)
    before, after = migrate(application.engine)
    where = safe_url(application.settings.database_url)
    if before is None:
        console().print(f"Created the database at {where} (schema {after}).")
    elif before != after:
        console().print(f"Upgraded the database at {where} from schema {before} to {after}.")
    else:
        console().print(f"The database at {where} is already at the latest schema ({after}).")


@app.command()
def demo(
    directory: Path = typer.Option(
        Path("demo"),
        "--dir",
        help="Where to build the demo: a new or empty folder, or an earlier demo's (replaced).",
    ),
    prefect: bool = typer.Option(
        True,
        "--prefect/--no-prefect",
        help="Run the last day's sweep as a real Prefect flow run (about 15 s).",
    ),
) -> None:
    """Build a fresh demo: the autumn-2017 children's services improvement plan, replayed day by day from
    5 September to 11 December 2017 (sweeps, reminders, escalations), and where it stands. About a minute;
    a progress bar shows the days on a terminal."""
    from cli.progress import progress
    from cli.sweep_commands import print_escalations
    from flows.demo import STEPS, run_demo
    from models.db import read_session
    from models.plans.lookup import plans_named
    from models.reports.ladder import open_escalations
    from models.reports.register import load_register

    with progress("Loading the demo plan", total=STEPS) as step:
        result = run_demo(directory, prefect_run=prefect, tick=lambda n, what: step(n, description=what))
    with read_session(result.app.engine) as session:
        plans = plans_named(session, None)
        rows = load_register(session, plans, result.as_of)
        standing = open_escalations(session, plans)
    plan_commands.print_status(rows, result.as_of)
    print_escalations(standing, f"Escalations on {result.as_of:%d %B %Y}")
    out = console()
    out.print()
    added = {k: len(v) for k, v in result.loaded.added.items()}
    out.print(
        f"Loaded {added['actions']} actions, {added['milestones']} milestones, "
        f"{added['areas']} improvement areas and {added['meetings']} meetings from {result.workbook.name}; "
        f"replayed {result.working_days_swept} working days of sweeps and {result.updates} owners' updates "
        f"up to {result.as_of:%d %B %Y}."
    )
    if result.flow_run is not None:
        out.print(Text(f"The sweep of {day_in_words(result.as_of)} ran as a Prefect flow run:"))
        for run in result.flow_run:
            out.print(Text(f"  {flow_run_line(run)}"))
    verdict = result.ledger
    state = "verified intact" if verdict.ok else f"FAILED verification at {verdict.problem}"
    out.print(f"Audit ledger: {verdict.count} events, {state}, head {verdict.head}")
    messages = sorted(result.directory.joinpath("outbox").glob("*.eml"))
    out.print(
        f"Messages:      {len(messages)} emails the service sent over the autumn, as .eml files in "
        f"{result.directory / 'outbox'} (open any in a mail client)"
    )
    out.print(f"Board packs:   {len(result.packs)} built and sent to their boards:")
    for pack in result.packs:
        out.print(Text(f"               {pack.meeting_date:%d %b %Y} {pack.audience:<8} {pack.path('.pdf')}"))
    out.print(f"Demo database: {result.database}")
    # The exact lines to paste: all three settings, so nothing the explorer runs writes beside the demo.
    out.print("Explore it:")
    for line in (
        f"export LINEOFSIGHT_DATABASE_URL=sqlite:///{result.database}",
        f"export LINEOFSIGHT_OUTBOX_DIR={result.directory / 'outbox'}",
        f"export LINEOFSIGHT_PACKS_DIR={result.directory / 'packs'}",
        f"lineofsight status --as-of {result.as_of.isoformat()}",
        f"lineofsight show TAP-16 --as-of {result.as_of.isoformat()}",
        "lineofsight escalations",
        "lineofsight audit history TAP-16",
    ):
        out.print(Text(f"  {line}"))


app.command()(plan_commands.status)
app.command()(plan_commands.show)
app.command()(plan_commands.update)
app.command()(sweep_commands.sweep)
app.command()(sweep_commands.escalations)
app.command()(outbox_commands.dispatch)
app.add_typer(outbox_commands.outbox, name="outbox")
app.command()(workbook_commands.template)
app.command("import")(workbook_commands.import_)
app.command()(workbook_commands.export)
app.add_typer(audit_commands.audit, name="audit")
app.add_typer(pack_commands.pack, name="pack")
app.add_typer(pack_commands.meeting, name="meeting")
app.command()(doctor_command.doctor)
app.command()(serve_command.serve)


def main() -> None:
    # The edge ends a command whose reader went early; this catches what is written outside any command
    # (help, usage errors) and the last flush, so a closed pipe never prints "Exception ignored ...".
    if sys.stdout is None:  # started with stdout closed (`>&-`): what it says goes nowhere, without a crash
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open for the life of the process
    try:
        try:
            app()
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        sys.exit(CLOSED_PIPE)
