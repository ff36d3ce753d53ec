"""The rules across a workbook's rows: unique keys, references that exist, dates in order, progress that
agrees with itself, no manager loops, one meeting per board, date and audience. Each adds Problems."""

from __future__ import annotations

from datetime import date
from graphlib import CycleError, TopologicalSorter
from typing import Any

from models.plans.progress_rules import contradictions, settled
from models.vocab import Audience, Status
from workbooks.cell_values import ReadRow, SheetRows
from workbooks.format import ACTIONS, MEETINGS, PEOPLE, Column
from workbooks.reader import Cell


def unique(
    sheet: SheetRows,
    found: list[ReadRow],
    column: Column,
    what: str,
    fold: bool = False,
    taken: frozenset[str] | set[str] = frozenset(),
    taken_what: str = "",
) -> set[str]:
    """The column's values (upper-cased when `fold`), each repeat or clash with `taken` a problem."""
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


def must_exist(
    sheet: SheetRows, found: list[ReadRow], column: Column, known: set[str], what: str, fold: bool = False
) -> None:
    """Each value (or each of a list's values) in the column is one of `known`, else a problem."""
    for number, cells, values in found:
        value = values.get(column.name)
        candidates = value if isinstance(value, tuple) else (value,)
        for candidate in candidates:
            if candidate is not None and (candidate.upper() if fold else candidate) not in known:
                sheet.problem(number, cells.get(column.name), column, candidate, what)


def away_dates(sheet: SheetRows, people: list[ReadRow]) -> None:
    """An absence has both ends, the return on or after the start."""
    for number, cells, v in people:
        if v["away_from"] and v["away_to"] and v["away_to"] < v["away_from"]:
            sheet.problem(
                number,
                cells.get("away_to"),
                PEOPLE["away_to"],
                v["away_to"],
                f"a date on or after away_from ({v['away_from']:%d/%m/%Y})",
            )
        if bool(v["away_from"]) != bool(v["away_to"]):
            sheet.problem(number, None, PEOPLE["away_to"], None, "both away_from and away_to, or neither")


def due_after_start(sheet: SheetRows, actions: list[ReadRow]) -> None:
    for number, cells, v in actions:
        if v["start"] and v["due"] and v["due"] < v["start"]:
            sheet.problem(
                number,
                cells.get("due"),
                ACTIONS["due"],
                v["due"],
                f"a date on or after the start ({v['start']:%d/%m/%Y})",
            )


def agreeing_progress(sheet: SheetRows, number: int, cells: dict[str, Cell], v: dict[str, Any]) -> None:
    """A row's progress by the rules every door applies (models.plans.progress_rules), so the workbook never
    accepts what `update` refuses; what follows (complete means 100%, ...) is applied to `v` as there."""
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


def nobody_their_own(sheet: SheetRows, people: list[ReadRow]) -> None:
    """Nobody is their own manager (the ladder would stop at them) or their own deputy (nobody would be
    told while they are away)."""
    for number, cells, v in people:
        for role in ("manager_email", "deputy_email"):
            if v["email"] and v[role] == v["email"]:
                expected = "someone other than the person themselves"
                sheet.problem(number, cells.get(role), PEOPLE[role], v[role], expected)


def no_manager_cycles(sheet: SheetRows, people: list[ReadRow]) -> None:
    """No loop of managers through others (the ladder would climb for ever); graphlib finds each loop, which
    is reported once, at the row where the walk up from its group's first row enters it."""
    # Being one's own manager is reported by nobody_their_own; here only loops through others.
    manager = {v["email"]: v["manager_email"] for _, _, v in people if v["email"]}
    manager = {person: boss for person, boss in manager.items() if boss != person}
    if _loop(manager) is None:
        return  # the usual case, checked in one pass
    rows = {v["email"]: (n, c) for n, c, v in people if v["email"]}
    # Everyone has at most one manager, so a group of people linked by managers holds at most one loop.
    for group in _linked(manager):
        found = _loop({person: manager[person] for person in group})
        if found is None:
            continue
        entry, members = group[0], set(found)
        while entry not in members:
            entry = manager[entry]
        at = found.index(entry)
        loop = [*found[at:], *found[:at], entry]
        number, cells = rows[entry]
        sheet.problem(
            number,
            cells.get("manager_email"),
            PEOPLE["manager_email"],
            manager[entry],
            "a manager chain without a loop (" + " -> ".join(loop) + ")",
        )


def _loop(manager: dict[str, str | None]) -> list[str] | None:
    """A loop among these people, each followed by their manager, or None (graphlib's CycleError)."""
    try:
        TopologicalSorter({p: () if boss is None else (boss,) for p, boss in manager.items()}).prepare()
    except CycleError as exc:
        return exc.args[1][:0:-1]  # graphlib lists a manager before their report, the first one twice
    return None


def _linked(manager: dict[str, str | None]) -> list[list[str]]:
    """The people linked to each other through managers, each group in row order, groups by first row."""
    parent: dict[str, str] = {}

    def top(person: str) -> str:
        while parent.get(person, person) != person:
            parent[person] = parent.get(parent[person], parent[person])  # halve the path: stays shallow
            person = parent[person]
        return person

    for person, boss in manager.items():
        if boss is not None and top(person) != top(boss):
            parent[top(person)] = top(boss)
    groups: dict[str, list[str]] = {}
    for person in manager:
        groups.setdefault(top(person), []).append(person)
    return list(groups.values())


def unique_meetings(sheet: SheetRows, meetings: list[ReadRow]) -> None:
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
