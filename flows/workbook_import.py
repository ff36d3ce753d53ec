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
from packs.council_template import store_template
from packs.files import sha256_of
from packs.word_template import MAX_BYTES, TemplateBroken, problems_in
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
        for cell in cells:
            path = Path(cell.value).expanduser()
            path = path if path.is_absolute() else folder / path
            if not path.is_file():
                # An export names the stored template: with no such file beside it, the stored one is kept.
                if stored.get(cell.board.casefold(), ("", ""))[0] == path.name:
                    continue
                problems.append(cell.problem(f"a .docx file at {path} (there is none)"))
                continue
            size = path.stat().st_size
            if size > MAX_BYTES:  # refused before it is read, as the check refuses it after
                problems.append(cell.problem(f"a Word template of at most {MAX_BYTES:,} bytes ({size:,})"))
                continue
            data = path.read_bytes()
            try:
                found = problems_in(data, path.name)
            except TemplateBroken as exc:
                found = exc.problems
            if found:
                problems.append(cell.problem("a Word template that can be used: " + "; ".join(found)))
                continue
            if stored.get(cell.board.casefold()) == (path.name, sha256_of(data)):
                continue  # the template stored already: re-importing changes nothing
            accepted.append(_Checked(cell.board, path.name, data))
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

    def _store(self, session: Session, accepted: list[_Checked], plan: str) -> list[str]:
        done = []
        for template in accepted:
            result = store_template(
                session, template.board, template.name, template.data, self.actor, self.now, plan
            )
            done.append(f"{result.board}: Word template {template.name} (SHA-256 {result.sha256[:16]}...)")
        return done
