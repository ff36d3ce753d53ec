"""`lineofsight import` composed: the workbook's import (workbooks) with the Boards sheet's Word templates
read and checked by the rule `pack template set` uses (packs), then stored in the import's own transaction.
Workbooks and packs are siblings, so this is where the two meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.board_packs import PackTemplate
from models.meetings import Board
from models.plan import Plan
from packs.council_template import name_problem, refuse_broken, store_template
from packs.files import sha256_of
from packs.word_template import MAX_BYTES, TemplateBroken
from workbooks.plan_workbook import ImportOutcome, Say, StoreTemplates, import_workbook
from workbooks.problems import ImportRejected, Problem
from workbooks.validate import TemplateCell


def import_plan_workbook(
    engine: Engine,
    path: Path,
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
    prune: bool = False,
    say: Say = lambda _: None,
) -> ImportOutcome:
    templates = WordTemplates(engine, actor, now)
    return import_workbook(
        engine, path, actor=actor, dry_run=dry_run, prune=prune, say=say, templates=templates
    )


@dataclass(frozen=True)
class _Checked:
    board: str
    name: str
    data: bytes


@dataclass(frozen=True)
class WordTemplates:
    """The workbooks' BoardTemplates port: a cell names a file in the workbook's folder (or a full path)."""

    engine: Engine
    actor: str
    now: datetime

    def check(self, cells: list[TemplateCell], folder: Path, plan: str) -> StoreTemplates:
        stored = self._stored(plan)
        problems: list[Problem] = []
        accepted: list[_Checked] = []
        for cell in cells:  # every cell is checked, so one workbook run lists every cell's problem
            try:
                checked = _read(cell, folder, stored.get(cell.board.casefold()))
            except _Refused as exc:
                problems.append(cell.problem(exc.expected))
                continue
            if checked is not None:
                accepted.append(checked)
        if problems:
            raise ImportRejected(problems)
        return lambda session: self._store(session, accepted, plan)

    def _stored(self, plan: str) -> dict[str, tuple[str, str]]:
        """The plan's boards' stored templates' file names and SHA-256s, by the board's name folded."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(Board.name, PackTemplate.name, PackTemplate.sha256)
                .join(PackTemplate, col(PackTemplate.board_id) == col(Board.id))
                .join(Plan, col(Plan.id) == col(Board.plan_id))
                .where(Plan.name == plan)
            ).all()
        return {board.casefold(): (name, sha) for board, name, sha in rows}

    def _store(self, session: Session, accepted: list[_Checked], plan_name: str) -> list[str]:
        if not accepted:
            return []
        # The rows the import just wrote, found as the import finds them (the plan by its exact name, its
        # boards by name upper-cased): a lookup by name across plans could land on another plan's board.
        plan = session.exec(select(Plan).where(Plan.name == plan_name)).one()
        boards = {b.name.upper(): b for b in session.exec(select(Board).where(Board.plan_id == plan.id))}
        done = []
        for template in accepted:
            board = boards[template.board.upper()]
            result = store_template(session, board, plan, template.name, template.data, self.actor, self.now)
            done.append(f"{result.board}: Word template {template.name} (SHA-256 {result.sha256[:16]}...)")
        return done


class _Refused(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _read(cell: TemplateCell, folder: Path, held: tuple[str, str] | None) -> _Checked | None:
    """The cell's template read and checked; None when the stored one stays (an export's bare name with no
    such file beside it, or the very bytes stored); `_Refused` saying what the cell needs otherwise."""
    wrong = name_problem(cell.value)  # before the disk is asked: a NUL or a 5,000-character name is no path
    if wrong:
        raise _Refused(wrong)
    # No expanduser: a workbook's path is relative to its folder or absolute ("~draft.docx" is a file name).
    path = Path(cell.value)
    path = path if path.is_absolute() else folder / path
    try:
        if path.is_symlink() and not path.exists():
            raise _Refused(f"a .docx file at {path} (it is a broken link)")
        if path.is_dir():
            raise _Refused(f"a .docx file at {path} (it is a folder)")
        if not path.exists():
            # An export names the stored template by its bare name: with no such file beside it, the stored
            # one is kept. A name with a folder part names a file, so it must be there.
            if held is not None and cell.value == held[0] and Path(cell.value).name == cell.value:
                return None
            raise _Refused(f"a .docx file at {path} (there is none)")
        if not path.is_file():  # a FIFO or a device: reading it could wait for ever
            raise _Refused(f"a .docx file at {path} (it is not a regular file)")
        size = path.stat().st_size
        if size > MAX_BYTES:  # refused before it is read, as the check refuses it after
            raise _Refused(f"a Word template of at most {MAX_BYTES:,} bytes ({size:,})")
        data = path.read_bytes()
    except OSError as exc:  # permission, a name the system refuses, a disk error: this cell's problem
        raise _Refused(f"a .docx file at {path} that can be read ({exc.strerror or exc})") from exc
    try:
        refuse_broken(data, path.name)
    except TemplateBroken as exc:
        raise _Refused("a Word template that can be used: " + "; ".join(exc.problems)) from exc
    if held == (path.name, sha256_of(data)):
        return None  # the template stored already: re-importing changes nothing
    return _Checked(cell.board, path.name, data)
