"""The console register's filters as a reader types them in the address bar: each one checked against what
the plan holds (an area code, an owner's address, a RAG, a ladder level, overdue, exempt), so an unknown or
hostile value is named back to the reader and refused, never searched for or echoed as markup. Pure."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from models.reports.item_state import ItemState
from models.vocab import RAG_COUNTS

LEVELS = ("1", "2", "3")
PAGE_SIZE = 200  # rows on one page of the register: a plan of thousands stays quick to send and to read
FIELDS = ("area", "owner", "rag", "level", "overdue", "exempt")


@dataclass(frozen=True)
class RegisterFilter:
    area: str | None = None
    owner: str | None = None
    rag: str | None = None
    level: int | None = None
    overdue: bool = False
    exempt: bool | None = None  # True: only exempt items; False: none of them

    def details(self) -> dict[str, str | int | None]:
        """As the access log records a view's filters."""
        return {
            "area": self.area,
            "owner": self.owner,
            "rag": self.rag,
            "level": self.level,
            "overdue": 1 if self.overdue else None,
            "exempt": None if self.exempt is None else int(self.exempt),
        }

    def keeps(self, state: ItemState) -> bool:
        return (
            (self.area is None or (state.row.area or "").upper() == self.area)
            and (self.owner is None or state.row.owner == self.owner)
            and (self.rag is None or state.counted == self.rag)
            and (self.level is None or state.level == self.level)
            and (not self.overdue or state.overdue)
            and (self.exempt is None or state.exempt == self.exempt)
        )


def read_filter(
    given: Mapping[str, str], areas: Collection[str], owners: Collection[str], exempt_visible: bool
) -> tuple[RegisterFilter, dict[str, str]]:
    """The filter, and a message per field whose value the plan does not know (an empty value is no filter).
    `areas`: the plan's area codes; `owners`: the addresses of the owners of the items the viewer may see
    (lower case), so the list never names someone whose only items are hidden from them."""
    errors: dict[str, str] = {}
    value = {name: (given.get(name) or "").strip() for name in FIELDS}
    area = value["area"].upper() or None
    if area is not None and area not in {a.upper() for a in areas}:
        errors["area"] = "Choose an area of this plan from the list"
    owner = value["owner"].casefold() or None
    if owner is not None and owner not in owners:
        errors["owner"] = "Choose an owner from the list: no item of this plan has that owner"
    rag = value["rag"].casefold() or None
    if rag is not None and rag not in RAG_COUNTS:
        errors["rag"] = "Choose red, amber, green or complete"
    level = value["level"] or None
    if level is not None and level not in LEVELS:
        errors["level"] = "Choose a level of the ladder: 1, 2 or 3"
    if value["overdue"] not in ("", "1"):
        errors["overdue"] = "Overdue is either ticked (1) or left out"
    exempt = {"": None, "1": True, "0": False}.get(value["exempt"])
    if value["exempt"] not in ("", "1", "0"):
        errors["exempt"] = "Choose whether to show only exempt items, or only items that are not exempt"
    elif exempt is not None and not exempt_visible:
        errors["exempt"] = "Exempt items are not shown to your role: leave this filter out"
    found = RegisterFilter(
        area=None if "area" in errors else area,
        owner=None if "owner" in errors else owner,
        rag=None if "rag" in errors else rag,
        level=int(level) if level and "level" not in errors else None,
        overdue=value["overdue"] == "1",
        exempt=None if "exempt" in errors else exempt,
    )
    return found, errors


def apply(states: Iterable[ItemState], where: RegisterFilter) -> list[ItemState]:
    return [s for s in states if where.keeps(s)]


@dataclass(frozen=True)
class Page:
    number: int
    pages: int
    first: int  # the first row's position, from 1 (0 when there is none)
    last: int
    total: int


def read_page(given: Mapping[str, str]) -> tuple[int, str | None]:
    """The page asked for (1 when none), or a message when it is not a page number."""
    text = (given.get("page") or "").strip()
    if not text:
        return 1, None
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        return 1, "Choose a page from the links under the table"
    return int(text), None


def page_of(rows: list[ItemState], number: int, size: int = PAGE_SIZE) -> tuple[list[ItemState], Page | None]:
    """The rows of page `number`, and where it stands; None when the plan has no such page."""
    pages = max(1, -(-len(rows) // size))
    if number > pages:
        return [], None
    start = (number - 1) * size
    shown = rows[start : start + size]
    first = start + 1 if shown else 0
    return shown, Page(number, pages, first, start + len(shown), len(rows))
