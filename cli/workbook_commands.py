"""`lineofsight template`, `import` and `export`: the plan workbook as the front door."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from cli.output import console, table
from cli.params import actor_option
from flows.bootstrap import bootstrap


def template(
    path: Path = typer.Argument(..., help="Where to write the blank workbook, e.g. plan.xlsx."),
) -> None:
    """Write a blank plan workbook: every sheet with its headers, drop-downs for status, RAG, Y/N and
    audience, one example row per sheet, and a Read me sheet describing each column."""
    from workbooks.writer import write_template

    write_template(path)
    console().print(Text(f"Wrote {path}. Fill it in, then: lineofsight import {path} --dry-run"))


def import_(
    path: Path = typer.Argument(..., help="An .xlsx workbook, or a folder of CSV files (actions.csv, ...)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check everything and show what would change; change nothing."
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Cancel items missing from the workbook (never deletes)."
    ),
    by: str = actor_option("system:import", "Who is importing (recorded in the audit ledger)."),
) -> None:
    """Import a plan workbook. Everything is validated first: any problem means nothing changes, and every
    problem is listed. Re-importing records each change; a new due date is a re-baseline."""
    from workbooks.plan_workbook import import_workbook

    app = bootstrap()
    outcome = import_workbook(app.engine, path, actor=by, dry_run=dry_run, prune=prune)
    report = outcome.report
    out = console()
    kinds = ["people", "areas", "actions", "milestones", "boards", "meetings"]
    rows = [
        [
            k,
            len(report.added.get(k, [])),
            len(report.changed.get(k, [])),
            report.unchanged.get(k, 0),
            len(report.missing.get(k, [])),
        ]
        for k in kinds
    ]
    verb = "Would import" if outcome.dry_run else "Imported"
    state = "a new plan" if report.created else "changes to an existing plan"
    out.print(
        table(f"{verb} {report.plan} ({state})", ["", "Added", "Changed", "Unchanged", "Missing"], rows)
    )
    for label, refs in (("Re-baselined", report.rebaselined), ("Cancelled (--prune)", report.cancelled)):
        if refs:
            out.print(Text(f"{label}: {', '.join(refs)}"))
    missing = [r for k in ("actions", "milestones") for r in report.missing.get(k, [])]
    if missing and not prune:
        out.print(Text(f"Missing from the workbook (kept; --prune cancels them): {', '.join(missing)}"))
    for warning in outcome.warnings:
        out.print(Text(f"Warning: {warning}", style="yellow"))
    if outcome.dry_run:
        out.print("Dry run: nothing was changed.")


def export(
    path: Path = typer.Argument(..., help="Where to write the workbook, e.g. plan-export.xlsx."),
    plan: str | None = typer.Option(
        None, "--plan", help="The plan's name (needed only when several are loaded)."
    ),
) -> None:
    """Export a plan as it stands, in the import format, with an Updates sheet and RAG colouring. Importing
    the export back changes nothing."""
    from workbooks.plan_workbook import export_workbook

    app = bootstrap()
    anchor = export_workbook(app.engine, path, plan)
    console().print(Text(f"Exported to {path} (audit ledger head {anchor or '(empty)'})."))
