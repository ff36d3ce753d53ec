"""`lineofsight demo`: builds the demo (flows/demo.py) and tells the reader where it stands and how to
explore it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import typer
from rich.text import Text

from cli import clock
from cli.output import console
from cli.plan_commands import print_status
from models.vocab import day_in_words, plural


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
        result = run_demo(
            directory,
            prefect_run=prefect,
            tick=lambda n, what: step(n, description=what),
            now=clock.now(),  # the demo's links are issued now, though its messages replay 2017
        )
    with read_session(result.app.engine) as session:
        plans = plans_named(session, None)
        rows = load_register(session, plans, result.as_of)
        standing = open_escalations(session, plans)
    print_status(rows, result.as_of)
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
    # The exact lines to paste: every setting, so nothing the explorer runs writes beside the demo, and the
    # demo's own key, so `lineofsight web` opens the links in its messages.
    out.print("Explore it:")
    for line in (
        f"export LINEOFSIGHT_DATABASE_URL=sqlite:///{result.database}",
        f"export LINEOFSIGHT_OUTBOX_DIR={result.directory / 'outbox'}",
        f"export LINEOFSIGHT_PACKS_DIR={result.directory / 'packs'}",
        f"export LINEOFSIGHT_SECRET_KEY=$(cat {result.key_file})",
        f"lineofsight status --as-of {result.as_of.isoformat()}",
        f"lineofsight show TAP-16 --as-of {result.as_of.isoformat()}",
        "lineofsight escalations",
        "lineofsight audit history TAP-16",
        "lineofsight web",
    ):
        out.print(Text(f"  {line}"))
    if result.link_to_try is not None and result.links_until is not None:
        out.print(Text(f"One link to try: {result.link_to_try}"))
        out.print(
            Text(
                '  (an owner\'s "Update all my items" page, as their emails link to it: open it while '
                f"`lineofsight web` runs; the demo's links work until {day_in_words(result.links_until)}. "
                "The page counts working days from today, so the autumn of 2017 shows as long overdue)"
            )
        )
