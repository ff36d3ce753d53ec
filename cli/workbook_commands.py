"""`lineofsight template`, `import` and `export`: the plan workbook as the front door."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli.output import console, table
from cli.params import actor_option, force_option, input_file, output_file
from cli.progress import progress
from flows.bootstrap import bootstrap
from models.vocab import plural

if TYPE_CHECKING:
    from models.plans.importer import ImportReport

XLSX = (".xlsx",)
KINDS = ["people", "areas", "actions", "milestones", "boards", "meetings"]


def template(
    path: Path = typer.Argument(..., help="Where to write the blank workbook, e.g. plan.xlsx."),
    force: bool = force_option(),
) -> None:
    """Write a blank plan workbook: every sheet with its headers, drop-downs for status, RAG, Y/N, audience,
    owners, leads, areas and boards, one example row per sheet (a plan of its own, Example Improvement Plan),
    and a Read me sheet describing each column. An existing file is kept unless --force."""
    from workbooks.writer import write_template

    output_file(path, suffixes=XLSX, force=force, what="the workbook")
    write_template(path)
    console().print(Text(f"Wrote {path}. Fill it in, then: lineofsight import {path} --dry-run"))


def _checked_source(path: Path) -> Path:
    """An .xlsx file, or a folder of CSV files."""
    if path.is_dir():
        return path
    if not path.exists():
        raise typer.BadParameter(
            f"{path} does not exist (expected an .xlsx workbook or a folder of CSV files)"
        )
    if path.suffix.lower() == ".csv":
        raise typer.BadParameter(
            f"{path}: give the folder holding the CSV files (actions.csv, people.csv, ...), not one of them"
        )
    return input_file(path, suffixes=XLSX, what="the workbook")


def _cell(value: object) -> str:
    return "(empty)" if value is None else str(value)


def _title(report: ImportReport, dry_run: bool) -> str:
    verb = "Would import" if dry_run else "Imported"
    if report.created:
        return f"{verb} {report.plan} (a new plan)"
    if not report.changes:
        return f"{report.plan}: no changes" + (" would be made" if dry_run else "")
    return f"{verb} {plural(report.changes, 'change')} to {report.plan}"


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
    problem is listed. Re-importing records each change; a new due date is a re-baseline. The workbook owns
    each item's structure (title, area, owner, dates); owners' updates own its progress (status, RAG,
    percent, last update): where an update is newer than the workbook, the update's values are kept and the
    difference is listed."""
    from cli import clock
    from flows.workbook_import import import_plan_workbook

    _checked_source(path)
    app = bootstrap()
    with progress(f"Importing {path.name}") as step:
        outcome = import_plan_workbook(
            app.engine,
            path,
            actor=by,
            now=clock.now(),
            dry_run=dry_run,
            prune=prune,
            say=lambda doing: step(0, description=doing),
        )
    report = outcome.report
    out = console()
    rows = [
        [
            k,
            len(report.added.get(k, [])),
            len(report.changed.get(k, [])),
            report.unchanged.get(k, 0),
            len(report.missing.get(k, [])),
        ]
        for k in KINDS
    ]
    out.print(table(_title(report, outcome.dry_run), ["", "Added", "Changed", "Unchanged", "Missing"], rows))
    for label, refs in (("Re-baselined", report.rebaselined), ("Cancelled (--prune)", report.cancelled)):
        if refs:
            out.print(Text(f"{label}: {', '.join(refs)}"))
    missing = [r for k in ("actions", "milestones") for r in report.missing.get(k, [])]
    if missing and not prune:
        out.print(Text(f"Missing from the workbook (kept; --prune cancels them): {', '.join(missing)}"))
    if report.conflicts:
        out.print(
            table(
                f"Kept owners' updates: {plural(len(report.conflicts), 'item')} with an update newer than "
                "the workbook's progress (the workbook's values were not applied)",
                ["Ref", "Field", "Kept", "Workbook", "Latest update"],
                [
                    [c.ref, name, _cell(c.kept[name]), _cell(c.workbook[name]), c.latest_update.isoformat()]
                    for c in report.conflicts
                    for name in c.kept
                ],
            )
        )
    for line in outcome.templates:
        out.print(Text(("Would store " if outcome.dry_run else "Stored ") + line))
    for warning in outcome.warnings:
        out.print(Text(f"Warning: {warning}", style="yellow"))
    if outcome.dry_run:
        out.print("Dry run: nothing was changed.")


def export(
    path: Path = typer.Argument(..., help="Where to write the workbook, e.g. plan-export.xlsx."),
    plan: str | None = typer.Option(
        None, "--plan", help="The plan's name (needed only when several are loaded)."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The day the export-only columns (derived RAG, escalation level, working days overdue) are "
        "measured on (default: today).",
    ),
    force: bool = force_option(),
) -> None:
    """Export a plan as it stands, in the import format, with an Updates sheet, RAG colouring and export-only
    columns (derived RAG, escalation level, working days overdue) that the import ignores. Importing the
    export back changes nothing. An existing file is kept unless --force."""
    from models.vocab import parse_day
    from workbooks.plan_workbook import export_workbook

    output_file(path, suffixes=XLSX, force=force, what="the export")
    day = parse_day(as_of, "--as-of date") if as_of is not None else None
    app = bootstrap()
    anchor = export_workbook(app.engine, path, plan, as_of=day, policy=app.policy)
    console().print(Text(f"Exported to {path} (audit ledger head {anchor or '(empty)'})."))
