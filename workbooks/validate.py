"""Raw workbook rows -> a PlanSpec, or every problem with them. Pure: no database, no files.

Each problem names the sheet, row, column, the value found and what was expected; validation never stops
at the first one, so a secretariat can fix a whole workbook in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.calendar import parse_nation
from models.errors import InvalidValue
from models.output.secrets import STORED
from models.plans import text_rules
from models.plans.progress_rules import contradictions, settled
from models.plans.spec import (
    ActionSpec,
    AreaSpec,
    BoardSpec,
    MeetingSpec,
    MilestoneSpec,
    PersonSpec,
    PlanSpec,
)
from models.vocab import (
    Audience,
    Status,
    parse_audience,
    parse_day,
    parse_percent,
    parse_rag,
    parse_status,
    within_window,
)
from workbooks.format import ACTIONS, AREAS, BOARDS, MEETINGS, MILESTONES, PEOPLE, PLAN, Column, Kind
from workbooks.problems import ImportRejected, Problem
from workbooks.reader import Cell, RawSheet, RawWorkbook

SPLIT = re.compile(r"[;,]")
YES, NO = {"y", "yes", "true", "1"}, {"n", "no", "false", "0"}


@dataclass
class Validated:
    plan: PlanSpec
    warnings: list[str] = field(default_factory=list)
    rebaseline_reasons: dict[str, str] = field(default_factory=dict)


class _Rows:
    """Reads one sheet's cells by column kind, collecting problems instead of raising."""

    def __init__(self, file: str, raw: RawSheet | None, problems: list[Problem]) -> None:
        self.file, self.raw, self.problems = file, raw, problems

    def __iter__(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        return iter(self.raw.cells if self.raw else [])

    def problem(
        self, row: int | None, cell: Cell | None, column: Column | None, value: Any, expected: str
    ) -> None:
        label = self.raw.label if self.raw else None
        where = cell.column if cell else (column.header if column else None)
        self.problems.append(Problem(self.file, label, row, where, value, expected))

    def get(self, row: int, cells: dict[str, Cell], column: Column) -> Any:
        cell = cells.get(column.name)
        value = cell.value if cell else None
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if column.required:
                self.problem(row, cell, column, value, f"a value in {column.name} (required)")
            return None
        try:
            return _convert(column, value, cell.number_format if cell else None)
        except InvalidValue as exc:
            self.problem(row, cell, column, value, exc.expected)
        except (ValueError, TypeError) as exc:
            self.problem(row, cell, column, value, str(exc))
        return None


def _cell_text(value: Any, column: Column) -> str:
    """A cell as text, within its column's length. What the text may hold is for the column's rule."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"text in {column.name}")
    text = str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))
    if len(text) > column.max_length:
        raise ValueError(f"at most {column.max_length} characters in {column.name} (found {len(text)})")
    return text


def _fits(text: str, column: Column) -> str:
    # NFKC can lengthen a value (one ligature, several letters): the stored form must fit too.
    if len(text) > column.max_length:
        raise ValueError(f"at most {column.max_length} characters in {column.name} (found {len(text)})")
    return text


def _text(value: Any, column: Column) -> str:
    """Text for a vocabulary, a time zone or a link: no control or hidden characters at all."""
    return text_rules.token(_cell_text(value, column), column.name, f"a value in {column.name}")


def _day(value: Any, column: Column) -> date:
    # Excel hands over datetimes (and openpyxl dates); both are held to the window like typed dates.
    if isinstance(value, datetime):
        return within_window(value.date(), column.name)
    if isinstance(value, date):
        return within_window(value, column.name)
    if isinstance(value, str):
        return parse_day(value, column.name)
    raise ValueError("a date such as 2017-12-11 or 11/12/2017 (day first)")


def _parts(value: Any, column: Column) -> list[str]:
    return [p for p in SPLIT.split(_cell_text(value, column)) if p.strip()]


def _convert(column: Column, value: Any, number_format: str | None) -> Any:
    kind = column.kind
    converters: dict[Kind, Callable[[], Any]] = {
        Kind.TEXT: lambda: text_rules.free_text(_cell_text(value, column), column.name),
        Kind.CODE: lambda: _fits(text_rules.code(_cell_text(value, column), column.name), column),
        Kind.NAME: lambda: _fits(text_rules.name(_cell_text(value, column), column.name), column),
        Kind.EMAIL: lambda: _fits(text_rules.email_address(_cell_text(value, column), column.name), column),
        Kind.EMAILS: lambda: tuple(text_rules.email_address(p, column.name) for p in _parts(value, column)),
        Kind.REFS: lambda: tuple(text_rules.code(p, column.name) for p in _parts(value, column)),
        Kind.DATE: lambda: _day(value, column),
        Kind.STATUS: lambda: parse_status(_text(value, column), column.name),
        Kind.RAG: lambda: parse_rag(_text(value, column), column.name),
        Kind.PERCENT: lambda: _percent(value, number_format, column),
        Kind.YN: lambda: _yn(value, column),
        Kind.AUDIENCE: lambda: parse_audience(_text(value, column), column.name),
        Kind.NATION: lambda: parse_nation(_text(value, column)),
        Kind.TIMEZONE: lambda: _timezone(_text(value, column)),
        Kind.URL: lambda: _url(_text(value, column)),
        Kind.INT: lambda: int(value),
    }
    return converters[kind]()


def _percent(value: Any, number_format: str | None, column: Column) -> int:
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and number_format
        and "%" in number_format
    ):
        return parse_percent(str(round(float(value) * 100, 6)), column.name)
    if isinstance(value, str | int | float):
        return parse_percent(value, column.name)
    raise ValueError("a whole number from 0 to 100, such as 40 or 40%")


def _yn(value: Any, column: Column) -> bool:
    text = _text(value, column).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError("Y or N")


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("a time zone such as Europe/London") from None
    return text.strip()


def _url(text: str) -> str:
    if text.strip().lower() == STORED:
        return STORED  # an export's placeholder for a secret: the import keeps the stored value
    if not re.match(r"^https://[^\s]+$", text.strip()):
        raise ValueError(f"an https:// address, or {STORED} to keep the stored one")
    return text.strip()


def validate(
    book: RawWorkbook, known_emails: Iterable[str] | Callable[[str, str | None], Iterable[str]] = ()
) -> Validated:
    """Everything the import checks before it changes anything. `known_emails` are people a workbook may
    name without a People row; given as a function of the plan's name and organisation, only those of the
    organisation the workbook names."""
    problems = list(book.problems)
    rows = {
        name: _Rows(book.file, book.sheets.get(name), problems)
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

    def read(
        sheet_name: str, columns: tuple[Column, ...]
    ) -> list[tuple[int, dict[str, Cell], dict[str, Any]]]:
        sheet_rows = rows[sheet_name]
        out = []
        for number, cells in sheet_rows:
            values = {c.name: sheet_rows.get(number, cells, c) for c in columns if not c.export_only}
            out.append((number, cells, values))
        return out

    plan_rows = read(PLAN.name, PLAN.columns)
    if len(plan_rows) != 1 and PLAN.name in book.sheets:
        rows[PLAN.name].problem(
            None, None, None, f"{len(plan_rows)} rows", "exactly one row describing the plan"
        )
    plan_values = plan_rows[0][2] if plan_rows else {}

    people_rows = read(PEOPLE.name, PEOPLE.columns)
    area_rows = read(AREAS.name, AREAS.columns)
    action_rows = read(ACTIONS.name, ACTIONS.columns)
    milestone_rows = read(MILESTONES.name, MILESTONES.columns)
    board_rows = read(BOARDS.name, BOARDS.columns)
    meeting_rows = read(MEETINGS.name, MEETINGS.columns)

    emails = _unique(rows[PEOPLE.name], people_rows, PEOPLE.columns[0], "email")
    if callable(known_emails):
        known_emails = known_emails(str(plan_values.get("name") or ""), plan_values.get("organisation"))
    everyone = emails | {e.lower() for e in known_emails}
    codes = _unique(rows[AREAS.name], area_rows, AREAS.columns[0], "code", fold=True)
    refs = _unique(rows[ACTIONS.name], action_rows, ACTIONS.columns[0], "ref", fold=True)
    _unique(
        rows[MILESTONES.name],
        milestone_rows,
        MILESTONES.columns[0],
        "ref",
        fold=True,
        taken=refs,
        taken_what="an action's ref",
    )
    boards = _unique(rows[BOARDS.name], board_rows, BOARDS.columns[0], "name", fold=True)

    def must_exist(
        sheet: str,
        found: list[tuple[int, dict[str, Cell], dict[str, Any]]],
        column: Column,
        known: set[str],
        what: str,
        fold: bool = False,
    ) -> None:
        for number, cells, values in found:
            value = values.get(column.name)
            candidates = value if isinstance(value, tuple) else (value,)
            for candidate in candidates:
                if candidate is not None and (candidate.upper() if fold else candidate) not in known:
                    rows[sheet].problem(number, cells.get(column.name), column, candidate, what)

    person_ref = "the email of someone on the People sheet"
    for column in (PEOPLE["manager_email"], PEOPLE["deputy_email"]):
        must_exist(PEOPLE.name, people_rows, column, everyone, person_ref)
    must_exist(AREAS.name, area_rows, AREAS["lead_email"], everyone, person_ref)
    must_exist(ACTIONS.name, action_rows, ACTIONS["area"], codes, "an area code from the Areas sheet", True)
    must_exist(ACTIONS.name, action_rows, ACTIONS["owner_email"], everyone, person_ref)
    must_exist(MILESTONES.name, milestone_rows, MILESTONES["owner_email"], everyone, person_ref)
    must_exist(
        MILESTONES.name,
        milestone_rows,
        MILESTONES["depends_on"],
        refs,
        "action refs from the Actions sheet",
        True,
    )
    for name in ("secretariat_email", "chair_email", "members"):
        must_exist(BOARDS.name, board_rows, BOARDS[name], everyone, person_ref)
    must_exist(MEETINGS.name, meeting_rows, MEETINGS["board"], boards, "a board from the Boards sheet", True)
    must_exist(
        MEETINGS.name,
        meeting_rows,
        MEETINGS["theme_area"],
        codes,
        "an area code from the Areas sheet",
        True,
    )

    for number, cells, v in people_rows:
        if v["away_from"] and v["away_to"] and v["away_to"] < v["away_from"]:
            rows[PEOPLE.name].problem(
                number,
                cells.get("away_to"),
                PEOPLE["away_to"],
                v["away_to"],
                f"a date on or after away_from ({v['away_from']:%d/%m/%Y})",
            )
        if bool(v["away_from"]) != bool(v["away_to"]):
            rows[PEOPLE.name].problem(
                number, None, PEOPLE["away_to"], None, "both away_from and away_to, or neither"
            )
    _nobody_their_own(rows[PEOPLE.name], people_rows)
    for number, cells, v in action_rows:
        if v["start"] and v["due"] and v["due"] < v["start"]:
            rows[ACTIONS.name].problem(
                number,
                cells.get("due"),
                ACTIONS["due"],
                v["due"],
                f"a date on or after the start ({v['start']:%d/%m/%Y})",
            )
    for number, cells, v in action_rows:
        _agreeing_progress(rows[ACTIONS.name], number, cells, v)
    _no_manager_cycles(rows[PEOPLE.name], people_rows)
    _unique_meetings(rows[MEETINGS.name], meeting_rows)

    if problems:
        raise ImportRejected(problems)
    spec = _spec(
        plan_values,
        people_rows,
        area_rows,
        action_rows,
        milestone_rows,
        board_rows,
        meeting_rows,
        codes_by_upper={c.upper(): c for _, _, v in area_rows for c in [v["code"]] if c},
        refs_by_upper={r.upper(): r for _, _, v in action_rows for r in [v["ref"]] if r},
        boards_by_upper={b.upper(): b for _, _, v in board_rows for b in [v["name"]] if b},
    )
    reasons = {v["ref"]: v["rebaseline_reason"] for _, _, v in action_rows if v.get("rebaseline_reason")}
    return Validated(spec, list(book.warnings), reasons)


def _unique(
    sheet: _Rows,
    found: list[tuple[int, dict[str, Cell], dict[str, Any]]],
    column: Column,
    what: str,
    fold: bool = False,
    taken: frozenset[str] | set[str] = frozenset(),
    taken_what: str = "",
) -> set[str]:
    seen: dict[str, int] = {}
    for number, cells, values in found:
        value = values.get(column.name)
        if value is None:
            continue
        key = value.upper() if fold else value
        if key in seen:
            sheet.problem(
                number,
                cells.get(column.name),
                column,
                value,
                f"a unique {what} (row {seen[key]} has it already)",
            )
        elif key in taken:
            sheet.problem(
                number, cells.get(column.name), column, value, f"a {what} that is not already {taken_what}"
            )
        else:
            seen[key] = number
    return set(seen)


def _agreeing_progress(sheet: _Rows, number: int, cells: dict[str, Cell], v: dict[str, Any]) -> None:
    """A row's progress by the rules every door applies (models.plans.progress_rules), so the workbook never
    accepts what `update` refuses; what follows from it (complete means 100%, a percent means started) is
    applied to `v` as the update applies it."""
    names = ("status", "rag", "percent")
    if any(v[n] is None and cells.get(n) and cells[n].value not in (None, "") for n in names):
        return  # a value that could not be read is reported already
    status, percent = settled(v["status"], v["percent"], was=Status.NOT_STARTED, was_percent=0)
    found = contradictions(status, v["rag"], percent)
    said = status.value if v["status"] is not None else "empty, so not started"
    for wrong in found:
        cell = cells.get(wrong.field)
        typed = cell.value if cell is not None and cell.value not in (None, "") else wrong.value
        expected = f"{wrong.expected} (the status is {said}: {wrong.why})"
        sheet.problem(number, cell, ACTIONS[wrong.field], typed, expected)
    if not found:
        v["status"], v["percent"] = status, percent


def _nobody_their_own(sheet: _Rows, people: list[tuple[int, dict[str, Cell], dict[str, Any]]]) -> None:
    """Nobody is their own manager (the ladder would stop at them) or their own deputy (nobody would be
    told while they are away)."""
    for number, cells, v in people:
        for role in ("manager_email", "deputy_email"):
            if v["email"] and v[role] == v["email"]:
                expected = "someone other than the person themselves"
                sheet.problem(number, cells.get(role), PEOPLE[role], v[role], expected)


def _no_manager_cycles(sheet: _Rows, people: list[tuple[int, dict[str, Cell], dict[str, Any]]]) -> None:
    # Being one's own manager is reported by _nobody_their_own; here only loops through others.
    manager = {v["email"]: v["manager_email"] for _, _, v in people if v["email"]}
    manager = {person: boss for person, boss in manager.items() if boss != person}
    rows = {v["email"]: (n, c) for n, c, v in people if v["email"]}
    reported: set[str] = set()
    for start in manager:
        chain, person = [start], manager.get(start)
        while person is not None and person not in chain and person in manager:
            chain.append(person)
            person = manager.get(person)
        if person is not None and person in chain and not reported & set(chain):
            loop = [*chain[chain.index(person) :], person]
            number, cells = rows[person]
            sheet.problem(
                number,
                cells.get("manager_email"),
                PEOPLE["manager_email"],
                manager[person],
                "a manager chain without a loop (" + " -> ".join(loop) + ")",
            )
            reported |= set(loop)


def _unique_meetings(sheet: _Rows, meetings: list[tuple[int, dict[str, Cell], dict[str, Any]]]) -> None:
    seen: dict[tuple[str, date, str], int] = {}
    for number, cells, v in meetings:
        if not v["board"] or not v["date"]:
            continue
        key = (v["board"].upper(), v["date"], (v["audience"] or Audience.BOARD).value)
        if key in seen:
            sheet.problem(
                number,
                cells.get("date"),
                MEETINGS["date"],
                v["date"],
                f"one meeting per board, date and audience (row {seen[key]} has it already)",
            )
        else:
            seen[key] = number


def _spec(
    plan: dict[str, Any],
    people: list,
    areas: list,
    actions: list,
    milestones: list,
    boards: list,
    meetings: list,
    codes_by_upper: dict[str, str],
    refs_by_upper: dict[str, str],
    boards_by_upper: dict[str, str],
) -> PlanSpec:
    from models.vocab import Status

    return PlanSpec(
        name=plan["name"],
        organisation=plan.get("organisation"),
        nation=plan.get("nation") or "ENG",
        timezone=plan.get("timezone") or "Europe/London",
        people=tuple(
            PersonSpec(
                v["email"],
                v["name"],
                v["role"],
                v["manager_email"],
                v["deputy_email"],
                v["away_from"],
                v["away_to"],
                v["teams_url"],
            )
            for _, _, v in people
        ),
        areas=tuple(AreaSpec(v["code"], v["name"], v["theme"], v["lead_email"]) for _, _, v in areas),
        actions=tuple(
            ActionSpec(
                ref=v["ref"],
                title=v["title"],
                area=codes_by_upper[v["area"].upper()],
                owner_email=v["owner_email"],
                due=v["due"],
                start=v["start"],
                status=v["status"] or Status.NOT_STARTED,
                rag=v["rag"],
                percent=v["percent"] if v["percent"] is not None else 0,
                exempt=bool(v["exempt"]),
                last_update=v["last_update"],
                rebaseline_reason=v["rebaseline_reason"],
                notes=v["notes"],
            )
            for _, _, v in actions
        ),
        milestones=tuple(
            MilestoneSpec(
                v["ref"],
                v["title"],
                v["due"],
                v["owner_email"],
                tuple(dict.fromkeys(refs_by_upper[r.upper()] for r in v["depends_on"] or ())),
                v["status"] or Status.NOT_STARTED,
            )
            for _, _, v in milestones
        ),
        boards=tuple(
            BoardSpec(
                v["name"],
                v["secretariat_email"],
                v["chair_email"],
                tuple(dict.fromkeys(v["members"] or ())),
                v["teams_url"],
            )
            for _, _, v in boards
        ),
        meetings=tuple(
            MeetingSpec(
                boards_by_upper[v["board"].upper()],
                v["date"],
                codes_by_upper[v["theme_area"].upper()] if v["theme_area"] else None,
                v["audience"] or Audience.BOARD,
            )
            for _, _, v in meetings
        ),
    )
