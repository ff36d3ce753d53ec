"""`lineofsight demo`: builds the demo (flows/demo.py) and tells the reader where it stands and how to
explore it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from cli import clock
from cli.output import console
from cli.plan_commands import item_forecasts, plan_calendars, print_status
from config.timezone import DEFAULT_TIMEZONE
from models.vocab import day_in_words, plural

if TYPE_CHECKING:
    from flows.demo_console import ConsoleTour


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
        calendar_of = plan_calendars(result.app)
        rows = load_register(session, plans, result.as_of, calendar_of=calendar_of)
        forecasts = item_forecasts(result.app, session, plans, result.as_of, calendar_of)
        standing = open_escalations(session, plans)
    print_status(rows, result.as_of, forecasts)
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
    links = len(result.console.links) if result.console else 0
    signing_in = f" and today's {links} console sign-in links (below)" if links else ""
    out.print(
        f"Messages:      {len(messages)} emails the service sent over the autumn{signing_in}, as .eml "
        f"files in {result.directory / 'outbox'} (open any in a mail client)"
    )
    drafts = {p.pack_id for p in result.drafts}
    out.print(
        f"Board packs:   {len(result.packs)} built: {len(result.sent)} approved by their board's secretariat "
        f"and sent, {len(drafts)} left as drafts waiting for approval in the console:"
    )
    for pack in result.packs:
        state = "draft" if pack.pack_id in drafts else "sent"
        line = f"{pack.meeting_date:%d %b %Y} {pack.audience:<8} {state:<6} {pack.path('.pdf')}"
        out.print(Text(f"               {line}"))
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
    if result.console is not None:
        print_console_tour(result.console, result.directory / "outbox")


def print_console_tour(tour: ConsoleTour, outbox: Path) -> None:
    """The console's sign-in links (the secretariat's, an inspector's) and where to go once signed in."""
    from flows.demo_plan import AUDITOR
    from models.console.roles import Role
    from models.console.sign_in import SIGN_IN_LIFE

    out = console()
    ends = tour.links_until.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    minutes = int(SIGN_IN_LIFE.total_seconds() // 60)
    out.print(
        Text(
            "The console, while `lineofsight web` runs (start it first): each sign-in link below works "
            f"once, until {ends:%H:%M} UK time ({minutes} minutes from now); open it, then press the button."
        )
    )
    last_day = f"{tour.inspector_until.day} {tour.inspector_until:%B %Y}"
    for link in tour.links:
        granted = f", granted until {last_day}" if link.role is Role.INSPECTOR else ""
        out.print(Text(f"  {link.title}, {link.name} <{link.email}>{granted}:"))
        out.print(Text(f"    {link.url}"))
    out.print(Text(f"  The autumn 2017 programme: {tour.programme}"))
    for draft in tour.drafts:
        what = f"The {draft.meeting:%B} pack ({draft.audience}), a draft waiting for approval"
        out.print(Text(f"  {what}: {tour.review(draft)}"))
    out.print(
        Text(
            f"  A link used or expired? Ask for another at {tour.url('/console/sign-in')}: with no mail "
            f"server set, the message is written to {outbox} (the newest .eml). The auditor, {AUDITOR}, "
            "signs in the same way."
        )
    )
