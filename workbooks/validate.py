"""Raw workbook rows -> a PlanSpec, or every problem with them (sheet, row, column, value, expected). Pure;
it never stops at the first problem, so a secretariat can fix a whole workbook in one pass."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from models.plans.spec import PlanSpec
from workbooks import row_rules as rules
from workbooks.cell_values import ReadRow, SheetRows
from workbooks.format import ACTIONS, AREAS, BOARDS, MEETINGS, MILESTONES, PEOPLE, PLAN
from workbooks.plan_spec import plan_spec
from workbooks.problems import ImportRejected, Problem
from workbooks.reader import Cell, RawWorkbook


@dataclass(frozen=True)
class TemplateCell:
    """A Boards row's word_template: the board, the file it names, and where a problem with it points."""

    board: str
    value: str
    file: str
    sheet: str | None
    row: int
    column: str

    def problem(self, expected: str) -> Problem:
        return Problem(self.file, self.sheet, self.row, self.column, self.value, expected)


@dataclass
class Validated:
    plan: PlanSpec
    warnings: list[str] = field(default_factory=list)
    rebaseline_reasons: dict[str, str] = field(default_factory=dict)
    templates: list[TemplateCell] = field(default_factory=list)  # read and stored by the flows' door


def validate(
    book: RawWorkbook, known_emails: Iterable[str] | Callable[[str, str | None], Iterable[str]] = ()
) -> Validated:
    """Everything the import checks before it changes anything. `known_emails`: people it may name without a
    People row (a function of the plan's name and organisation gives only that organisation's)."""
    problems = list(book.problems)
    rows = {
        name: SheetRows(book.file, book.sheets.get(name), problems)
        for name in (
            PLAN.name,
            PEOPLE.name,
            AREAS.name,
            ACTIONS.name,
            MILESTONES.name,
            BOARDS.name,
            MEETINGS.name,
        )
    }
    plan_rows = rows[PLAN.name].read(PLAN.columns)
    if len(plan_rows) != 1 and PLAN.name in book.sheets:
        rows[PLAN.name].problem(
            None, None, None, f"{len(plan_rows)} rows", "exactly one row describing the plan"
        )
    plan_values = plan_rows[0][2] if plan_rows else {}

    people_rows = rows[PEOPLE.name].read(PEOPLE.columns)
    area_rows = rows[AREAS.name].read(AREAS.columns)
    action_rows = rows[ACTIONS.name].read(ACTIONS.columns)
    milestone_rows = rows[MILESTONES.name].read(MILESTONES.columns)
    board_rows = rows[BOARDS.name].read(BOARDS.columns)
    meeting_rows = rows[MEETINGS.name].read(MEETINGS.columns)

    emails = rules.unique(rows[PEOPLE.name], people_rows, PEOPLE.columns[0], "email")
    if callable(known_emails):
        known_emails = known_emails(str(plan_values.get("name") or ""), plan_values.get("organisation"))
    everyone = emails | {e.lower() for e in known_emails}
    codes = rules.unique(rows[AREAS.name], area_rows, AREAS.columns[0], "code", fold=True)
    refs = rules.unique(rows[ACTIONS.name], action_rows, ACTIONS.columns[0], "ref", fold=True)
    rules.unique(
        rows[MILESTONES.name],
        milestone_rows,
        MILESTONES.columns[0],
        "ref",
        fold=True,
        taken=refs,
        taken_what="an action's ref",
    )
    boards = rules.unique(rows[BOARDS.name], board_rows, BOARDS.columns[0], "name", fold=True)

    must_exist = rules.must_exist
    person_ref = "the email of someone on the People sheet"
    area_code = "an area code from the Areas sheet"
    for column in (PEOPLE["manager_email"], PEOPLE["deputy_email"]):
        must_exist(rows[PEOPLE.name], people_rows, column, everyone, person_ref)
    must_exist(rows[AREAS.name], area_rows, AREAS["lead_email"], everyone, person_ref)
    must_exist(rows[ACTIONS.name], action_rows, ACTIONS["area"], codes, area_code, True)
    must_exist(rows[ACTIONS.name], action_rows, ACTIONS["owner_email"], everyone, person_ref)
    must_exist(rows[MILESTONES.name], milestone_rows, MILESTONES["owner_email"], everyone, person_ref)
    depends = "action refs from the Actions sheet"
    must_exist(rows[MILESTONES.name], milestone_rows, MILESTONES["depends_on"], refs, depends, True)
    for name in ("secretariat_email", "chair_email", "members"):
        must_exist(rows[BOARDS.name], board_rows, BOARDS[name], everyone, person_ref)
    board_name = "a board from the Boards sheet"
    must_exist(rows[MEETINGS.name], meeting_rows, MEETINGS["board"], boards, board_name, True)
    must_exist(rows[MEETINGS.name], meeting_rows, MEETINGS["theme_area"], codes, area_code, True)

    rules.away_dates(rows[PEOPLE.name], people_rows)
    rules.nobody_their_own(rows[PEOPLE.name], people_rows)
    rules.due_after_start(rows[ACTIONS.name], action_rows)
    for number, cells, v in action_rows:
        rules.agreeing_progress(rows[ACTIONS.name], number, cells, v)
    rules.no_manager_cycles(rows[PEOPLE.name], people_rows)
    rules.unique_meetings(rows[MEETINGS.name], meeting_rows)

    if problems:
        raise ImportRejected(problems)
    spec = plan_spec(
        plan_values,
        people=people_rows,
        areas=area_rows,
        actions=action_rows,
        milestones=milestone_rows,
        boards=board_rows,
        meetings=meeting_rows,
        roles_column=PEOPLE.name in book.sheets and "roles" in book.sheets[PEOPLE.name].present,
    )
    reasons = {v["ref"]: v["rebaseline_reason"] for _, _, v in action_rows if v.get("rebaseline_reason")}
    return Validated(spec, list(book.warnings), reasons, _templates(book.file, rows[BOARDS.name], board_rows))


def _templates(file: str, sheet: SheetRows, board_rows: list[ReadRow]) -> list[TemplateCell]:
    label = sheet.raw.label if sheet.raw else BOARDS.name
    column = BOARDS["word_template"]
    return [
        TemplateCell(v["name"], v[column.name], file, label, number, _at(cells, column.name, column.header))
        for number, cells, v in board_rows
        if v.get(column.name)
    ]


def _at(cells: dict[str, Cell], name: str, header: str) -> str:
    cell = cells.get(name)
    return cell.column if cell else header
