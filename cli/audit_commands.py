"""`lineofsight audit ...`: what was decided, why, when and to whom, and proof nobody edited it."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.text import Text

from cli.output import Format, console, err_console, table, write_csv, write_json
from flows.bootstrap import bootstrap
from models.audit_trail import LogFilter, LoggedEvent, export_ledger, item_history, read_log, verify_export
from models.db import read_session
from models.verification import Verdict, parse_head, verify_database
from models.vocab import parse_day

audit = typer.Typer(
    help="The audit ledger: read it, follow one item's story, verify it, export it for auditors.",
    no_args_is_help=True,
)
LOG_FIELDS = ("seq", "at", "actor", "kind", "plan", "ref", "data", "hash")


@audit.command("log")
def log(
    plan: str | None = typer.Option(None, "--plan", help="Only events of this plan."),
    ref: str | None = typer.Option(None, "--ref", help="Only events about this action or milestone."),
    kind: str | None = typer.Option(None, "--kind", help="Only this kind of event, e.g. EscalatedToBoard."),
    actor: str | None = typer.Option(None, "--actor", help="Only this actor (an email, or system:sweep...)."),
    since: str | None = typer.Option(None, "--since", help="From this day (inclusive, UK time)."),
    until: str | None = typer.Option(None, "--until", help="Up to this day (inclusive, UK time)."),
    output: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv."),
) -> None:
    """List ledger events, oldest first, filtered by plan, item, kind, actor and dates."""
    app = bootstrap()
    where = LogFilter(
        plan=plan,
        ref=ref,
        kind=kind,
        actor=actor,
        since=parse_day(since, "--since date") if since else None,
        until=parse_day(until, "--until date") if until else None,
        timezone=app.settings.timezone,
    )
    with read_session(app.engine) as session:
        events = read_log(session, where)
    _print_events(events, output, title="Audit ledger")


def history(
    ref: str = typer.Argument(..., help="The action or milestone reference, e.g. TAP-07."),
    plan: str | None = typer.Option(None, "--plan", help="The plan, when the ref exists in several."),
    output: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv."),
) -> None:
    """One item's whole story in order: import, re-baselines, updates, reminders, escalations (with the
    rule and the reason), deliveries and failures."""
    app = bootstrap()
    with read_session(app.engine) as session:
        events = item_history(session, ref, plan)
    _print_events(events, output, title=f"History of {ref.strip().upper()}")


audit.command("history")(history)


def _summary(event: LoggedEvent) -> str:
    data = event.data
    if event.kind.endswith("Added") and "due" in data:
        return f"added: due {data['due']}, owner {data.get('owner_email')}, status {data.get('status')}"
    if "reason" in data:
        return str(data["reason"])
    if "before" in data or "after" in data:
        changes = [f"{k}: {data.get('before', {}).get(k)} -> {v}" for k, v in data.get("after", {}).items()]
        text = "; ".join(changes)
        if data.get("commentary"):
            text += (" | " if text else "") + str(data["commentary"])
        return text
    return json.dumps(data, ensure_ascii=False, sort_keys=True)[:200]


def _print_events(events: list[LoggedEvent], output: Format, title: str) -> None:
    if output is Format.JSON:
        write_json([e.public() for e in events])
    elif output is Format.CSV:
        write_csv(
            [{**e.public(), "data": json.dumps(e.data, ensure_ascii=False)} for e in events], LOG_FIELDS
        )
    else:
        rows = [
            [e.seq, e.at[:19].replace("T", " "), e.actor, e.kind, e.ref or e.plan, _summary(e)]
            for e in events
        ]
        console().print(table(title, ["Seq", "At (UTC)", "Actor", "Kind", "Subject", "What"], rows))
        console().print(f"{len(events)} events.")


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
    anchor = parse_head(head) if head else None
    if file is not None:
        result = verify_export(file, anchor)
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
) -> None:
    """Write every event to a JSON-lines file, ending with a manifest line that records the head. Check it
    anywhere with `lineofsight audit verify --file FILE`."""
    app = bootstrap()
    anchor = export_ledger(app.engine, path)
    console().print(Text(f"Exported the ledger to {path} (head {anchor or '(empty)'})."))
