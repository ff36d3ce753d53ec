"""`lineofsight audit ...`: what was decided, why, when and to whom, and proof nobody edited it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli.output import Format, console, err_console, table, write_csv, write_json
from cli.params import (
    all_option,
    force_option,
    input_file,
    limit_option,
    output_file,
    rows_wanted,
    shown_line,
)
from flows.bootstrap import App, bootstrap
from models.vocab import parse_day

if TYPE_CHECKING:
    from models.ledger.stored import StoredEvent
    from models.ledger.trail import LogFilter
    from models.ledger.verification import Verdict

audit = typer.Typer(
    help="The audit ledger: read it, follow one item's story, verify it, export it for auditors.",
    no_args_is_help=True,
)
LOG_FIELDS = ("seq", "at", "day", "actor", "kind", "plan", "ref", "data", "hash")
SINCE_HELP = "Written on or after this day (UK time): when the event was recorded."
UNTIL_HELP = "Written on or before this day (UK time)."
DAY_FROM_HELP = (
    "Speaking for this day or later: the day a sweep decided for, an update was reported, a pack was "
    "built for (the demo's autumn of 2017, say); other events speak for the day they were written."
)
DAY_TO_HELP = "Speaking for this day or earlier (see --day-from)."


def _filter(
    app: App,
    *,
    since: str | None,
    until: str | None,
    day_from: str | None,
    day_to: str | None,
    **rest: str | None,
) -> LogFilter:
    from models.ledger.trail import LogFilter

    def day(value: str | None, option: str) -> date | None:
        return parse_day(value, f"{option} date") if value is not None else None

    return LogFilter(
        since=day(since, "--since"),
        until=day(until, "--until"),
        day_from=day(day_from, "--day-from"),
        day_to=day(day_to, "--day-to"),
        timezone=app.settings.timezone,
        **rest,
    )


@audit.command("log")
def log(
    plan: str | None = typer.Option(None, "--plan", help="Only events of this plan."),
    ref: str | None = typer.Option(None, "--ref", help="Only events about this action or milestone."),
    kind: str | None = typer.Option(
        None, "--kind", help="Only this kind of event, e.g. EscalatedToBoard (a wrong one lists them all)."
    ),
    actor: str | None = typer.Option(None, "--actor", help="Only this actor (an email, or system:sweep...)."),
    since: str | None = typer.Option(None, "--since", help=SINCE_HELP),
    until: str | None = typer.Option(None, "--until", help=UNTIL_HELP),
    day_from: str | None = typer.Option(None, "--day-from", help=DAY_FROM_HELP),
    day_to: str | None = typer.Option(None, "--day-to", help=DAY_TO_HELP),
    output: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv."),
    limit: int | None = limit_option("events"),
    every: bool = all_option("events"),
) -> None:
    """List ledger events, oldest first, filtered by plan, item, kind, actor, when they were written
    (--since/--until) and the day they speak for (--day-from/--day-to). A table shows the last 50
    (--limit N, --all); json and csv list them all."""
    from models.db import read_session
    from models.ledger.trail import read_log, read_log_tail

    last = rows_wanted(limit, every, table=output is Format.TABLE)
    app = bootstrap()
    plan = _known_plan(app, plan)
    where = _filter(
        app,
        since=since,
        until=until,
        day_from=day_from,
        day_to=day_to,
        plan=plan,
        ref=ref,
        kind=kind,
        actor=actor,
    )
    with read_session(app.engine) as session:
        if last is None:
            events = read_log(session, where)
            total = len(events)
        else:
            events, total = read_log_tail(session, where, last)
    _print_events(events, output, title="Audit ledger", total=total)


def history(
    ref: str = typer.Argument(..., help="The action or milestone reference, e.g. TAP-07."),
    plan: str | None = typer.Option(None, "--plan", help="The plan, when the ref exists in several."),
    since: str | None = typer.Option(None, "--since", help=SINCE_HELP),
    until: str | None = typer.Option(None, "--until", help=UNTIL_HELP),
    day_from: str | None = typer.Option(None, "--day-from", help=DAY_FROM_HELP),
    day_to: str | None = typer.Option(None, "--day-to", help=DAY_TO_HELP),
    output: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv."),
) -> None:
    """One item's whole story in order: import, re-baselines, updates, reminders, escalations (with the
    rule and the reason), deliveries and failures; each with the day it speaks for and when it was written."""
    from models.db import read_session
    from models.ledger.trail import item_history

    app = bootstrap()
    plan = _known_plan(app, plan)
    where = _filter(app, since=since, until=until, day_from=day_from, day_to=day_to)
    with read_session(app.engine) as session:
        events = item_history(session, ref, plan, where)
    _print_events(events, output, title=f"History of {ref.strip().upper()}")


audit.command("history")(history)


def _known_plan(app: App, plan: str | None) -> str | None:
    """A plan named on the command line is one that exists (said with the closest names when not), so a
    typo is an error rather than an empty ledger."""
    if plan is None:
        return None
    from models.db import read_session
    from models.plans.lookup import find_plan

    with read_session(app.engine) as session:
        return find_plan(session, plan).name


def _print_events(events: list[StoredEvent], output: Format, title: str, total: int | None = None) -> None:
    if output is Format.JSON:
        write_json([e.public() for e in events])
    elif output is Format.CSV:
        write_csv(
            [{**e.public(), "data": json.dumps(e.data, ensure_ascii=False)} for e in events], LOG_FIELDS
        )
    else:
        from models.reports.event_lines import summary

        rows = [
            [e.seq, e.day, e.at[:16].replace("T", " "), e.actor, e.kind, e.ref or e.plan, summary(e)]
            for e in events
        ]
        columns = ["Seq", "Day", "Written (UTC)", "Actor", "Kind", "Subject", "What"]
        console().print(table(title, columns, rows))
        console().print(shown_line(len(events), len(events) if total is None else total, "event"))


@audit.command()
def verify(
    head: str | None = typer.Option(
        None, "--head", help="A head published earlier (SEQ:HASH), to prove nothing after it was removed."
    ),
    file: Path | None = typer.Option(
        None, "--file", help="Verify an export (FILE.jsonl) offline, without the database."
    ),
) -> None:
    """Check the whole hash chain. Exit 0 and print the head when intact; otherwise exit 1 naming the first
    bad sequence number and what is wrong."""
    from models.ledger.export import verify_export
    from models.ledger.verification import parse_head, verify_database

    anchor = parse_head(head) if head else None
    if file is not None:
        result = verify_export(input_file(file, what="a ledger export"), anchor)
        _report(result.verdict, f"export {file}")
        return
    app = bootstrap()
    _report(verify_database(app.engine, anchor), "ledger")


def _report(verdict: Verdict, what: str) -> None:
    if verdict.problem is not None:
        err_console().print(Text(f"TAMPERED: {what} fails at {verdict.problem}", style="bold red"))
        raise typer.Exit(1)
    head = verdict.head or "(empty)"
    console().print(Text(f"OK: {what} intact, {verdict.count} events, head {head}"))


@audit.command()
def export(
    path: Path = typer.Argument(..., help="The file to write, e.g. ledger.jsonl."),
    force: bool = force_option(),
) -> None:
    """Write every event to a JSON-lines file, ending with a manifest line that records the head. Check it
    anywhere with `lineofsight audit verify --file FILE`. An existing file is kept unless --force."""
    from models.ledger.export import export_ledger

    output_file(path, suffixes=(".jsonl",), force=force, what="a ledger export")
    app = bootstrap()
    anchor = export_ledger(app.engine, path)
    console().print(Text(f"Exported the ledger to {path} (head {anchor or '(empty)'})."))
