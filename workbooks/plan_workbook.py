"""The workbook front door: import a plan (validated first, all or nothing) and export one."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.calendar import local_date
from models.db import unit_of_work
from models.ledger.chain import Head, format_at, head
from models.people import Person, organisation_key
from models.plans.importer import ImportReport, import_plan
from models.vocab import plural
from workbooks.export_sheets import load_plan, plan_sheets, update_rows
from workbooks.problems import ImportRejected
from workbooks.reader import read_workbook
from workbooks.validate import TemplateCell, validate

if TYPE_CHECKING:
    from config.policy import Policy

Say = Callable[[str], None]  # tells the person waiting what the import is doing (a progress line)


def _quiet(_: str) -> None:
    return None


# Stores what a check accepted, in the import's own transaction; returns a line for each template it stored.
StoreTemplates = Callable[[Session], list[str]]


class BoardTemplates(Protocol):
    """The Boards sheet's word_template cells: read and checked before anything changes (ImportRejected,
    a problem for each bad cell), then stored in the import's transaction. A workbook cannot check a Word
    template (packs can, and the two are siblings), so the flows hand in what does."""

    def check(self, cells: list[TemplateCell], folder: Path, plan: str) -> StoreTemplates: ...


@dataclass(frozen=True)
class ImportOutcome:
    report: ImportReport
    warnings: list[str]
    dry_run: bool
    templates: list[str] = field(default_factory=list)  # the Word templates stored for boards


def _no_templates(cells: list[TemplateCell]) -> StoreTemplates:
    if cells:
        raise ImportRejected(
            [
                c.problem("an empty cell: this import cannot read Word templates (use lineofsight import)")
                for c in cells
            ]
        )
    return lambda _: []


def _digest(path: Path) -> str:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_workbook(
    engine: Engine,
    path: Path,
    *,
    actor: str,
    dry_run: bool = False,
    prune: bool = False,
    say: Say = _quiet,
    effective: datetime | None = None,
    templates: BoardTemplates | None = None,
) -> ImportOutcome:
    """`templates`: how the Boards sheet's word_template cells are read and stored; without it a workbook
    naming a template is refused (never imported with the template silently left out)."""
    with Session(engine) as session:

        def known(plan: str, organisation: str | None) -> list[str]:
            """People the workbook may name without a People row: its own organisation's, no one else's."""
            scope = organisation_key(plan, organisation)
            return list(session.exec(select(Person.email).where(Person.organisation == scope)))

        # The raw cells are dropped as soon as they are validated: on a plan of 100,000 actions they are
        # half of the import's memory, and nothing after validation reads them.
        say(f"Reading {path.name}")
        raw = read_workbook(path, say)
        say(f"Checking {plural(sum(len(s.cells) for s in raw.sheets.values()), 'row')}")
        valid = validate(raw, known)
    folder = path if path.is_dir() else path.parent
    if templates is None:
        store = _no_templates(valid.templates)
    elif valid.templates:
        say(f"Checking {plural(len(valid.templates), 'Word template')}")
        store = templates.check(valid.templates, folder, valid.plan.name)
    else:
        store = _no_templates([])
    say(f"Applying {plural(len(valid.plan.actions) + len(valid.plan.milestones), 'item')}")
    source = {"file": path.name, "sha256": _digest(path)}
    # A dry run does everything a real import does, inside a transaction it then rolls back.
    with unit_of_work(engine, rollback=dry_run) as session:
        report = import_plan(
            session,
            valid.plan,
            actor=actor,
            reasons=valid.rebaseline_reasons,
            prune=prune,
            source=source,  # a mapping in the ledger, never its Python repr
            effective=effective,
        )
        stored = store(session)
    return ImportOutcome(report, valid.warnings + report.warnings, dry_run, stored)


def export_workbook(
    engine: Engine,
    path: Path,
    plan_name: str | None,
    *,
    as_of: date | None = None,
    policy: Policy | None = None,
) -> Head | None:
    """The plan in the import format plus an Updates sheet, so importing it back changes nothing; secret URLs
    are written as "(stored)". Export-only columns are as of `as_of` (default: today), by `policy`."""
    from workbooks.writer import write_export

    with Session(engine) as session:
        anchor = head(session)  # read before the rows: the rows are at least as new as the head
        stored = load_plan(session, plan_name)
    plan = stored.plan
    day = as_of or local_date(datetime.now(UTC), plan.timezone)
    if policy is None:
        from config.policy import load_policy

        policy = load_policy()
    intro = [
        f"{plan.name}: exported by Line of Sight",
        f"Exported at {format_at(datetime.now(UTC))}; audit ledger head {anchor or '(empty)'} "
        "(check it with: lineofsight audit verify --head SEQ:HASH).",
        "Import this workbook back with `lineofsight import`: unchanged rows change nothing.",
        "Teams URLs are secrets and are written as (stored): the import keeps the stored value.",
        "word_template names each board's stored Word template: re-imported with no file of that name in "
        "the workbook's folder, the stored template is kept.",
        f"derived_rag, escalation_level and working_days_overdue are as of {day:%d/%m/%Y}, for reading: "
        "the import ignores them.",
        "On re-import the workbook's progress (status, RAG, percent, last update) applies only where no "
        "owner's update is newer; each such difference is listed and the update's values are kept.",
    ]
    write_export(path, plan_sheets(stored, day, policy), update_rows(stored), intro)
    return anchor
