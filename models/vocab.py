"""The controlled vocabularies of a plan (status, RAG, audience) and their forgiving parsers.

Users type these in workbooks and on the command line in many spellings ("In Progress", "in_progress",
"R"); each parser accepts the reasonable ones and names the valid values when it cannot.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import lru_cache

from models.errors import InvalidValue


class Status(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    COMPLETE = "complete"
    CLOSED = "closed"  # completion verified by the lead: the evidence was checked
    DEFERRED = "deferred"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (Status.NOT_STARTED, Status.IN_PROGRESS)

    @property
    def is_done(self) -> bool:
        return self in (Status.COMPLETE, Status.CLOSED)


class RAG(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


# The four ways an item stands in a pack (derived RAG, done items apart), in the order they are counted.
RAG_COUNTS = ("red", "amber", "green", "complete")


class Audience(StrEnum):
    BOARD = "board"
    SCRUTINY = "scrutiny"
    PUBLIC = "public"


class ItemKind(StrEnum):
    ACTION = "action"
    MILESTONE = "milestone"


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


_STATUS_ALIASES = {s.value: s for s in Status} | {
    "notstarted": Status.NOT_STARTED,
    "inprogress": Status.IN_PROGRESS,
    "ongoing": Status.IN_PROGRESS,
    "completed": Status.COMPLETE,
    "done": Status.COMPLETE,
    "verified closed": Status.CLOSED,
    "closed (verified)": Status.CLOSED,
    "verified": Status.CLOSED,
    "canceled": Status.CANCELLED,
}
_RAG_ALIASES = {r.value: r for r in RAG} | {"r": RAG.RED, "a": RAG.AMBER, "g": RAG.GREEN}


def parse_status(value: str, field: str = "status") -> Status:
    found = _STATUS_ALIASES.get(_key(value))
    if found is None:
        raise InvalidValue(field, value, "one of " + ", ".join(s.value for s in Status))
    return found


def parse_rag(value: str, field: str = "RAG") -> RAG:
    found = _RAG_ALIASES.get(_key(value))
    if found is None:
        raise InvalidValue(field, value, "one of red, amber, green")
    return found


def parse_audience(value: str, field: str = "audience") -> Audience:
    try:
        return Audience(_key(value))
    except ValueError:
        raise InvalidValue(field, value, "one of board, scrutiny, public") from None


def parse_percent(value: str | float | int, field: str = "percent") -> int:
    """`40`, `40%` and `0.4` (a percentage-formatted spreadsheet cell) all mean 40."""
    expected = "a whole number from 0 to 100, such as 40 or 40%"
    if isinstance(value, bool):
        raise InvalidValue(field, value, expected)
    if isinstance(value, int | float):
        number = float(value) * 100 if isinstance(value, float) and 0 < value < 1 else float(value)
    else:
        text = value.strip()
        is_fraction = not text.endswith("%") and "." in text
        try:
            number = float(text.removesuffix("%").strip())
        except ValueError:
            raise InvalidValue(field, value, expected) from None
        if is_fraction and 0 < number < 1:
            number *= 100
    if number != number or not 0 <= number <= 100 or abs(number - round(number)) > 1e-6:
        raise InvalidValue(field, value, expected)
    return round(number)


# Every date that enters, through any door, lies in this window: a plan's dates, an update's, a meeting's,
# `--as-of`, `--since` and `--until`. Far dates (9999-12-31, 0001-01-01) are typing slips, and date
# arithmetic near the edges of `datetime.date` overflows ("year 10000 is out of range").
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
DAY_WINDOW = f"between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def within_window(day: date, field: str = "date", value: object = None) -> date:
    """`day` itself when it lies in the window; otherwise InvalidValue naming the window."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        shown = day.isoformat() if value is None else value
        raise InvalidValue(field, shown, f"a date {DAY_WINDOW}")
    return day


def parse_day(value: str, field: str = "date") -> date:
    """`2017-12-11` or `11/12/2017` (UK order: day first), within the window."""
    text = value.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            if year < 100:
                raise ValueError("two-digit year")
            parsed = date(year, month, day)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, value, "a date such as 2017-12-11 or 11/12/2017 (day first)") from None
    return within_window(parsed, field, value)


# Words shared by every face (command line, emails, cards, packs): counts with the right plural and dates
# as people write them. One place, so "1 notices" and "2017-12-08" in a sentence cannot creep back.
_IRREGULAR = {"person": "people", "day": "days", "working day": "working days", "entry": "entries"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """`plural(1, "notice")` -> "1 notice"; `plural(2, "notice")` -> "2 notices"; `many` for odd plurals."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        many = _IRREGULAR.get(word) or (
            word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
        )
    return f"{n} {many}"


@lru_cache(maxsize=4096)  # a first sweep writes a few hundred distinct dates 300,000 times over
def day_in_words(day: date) -> str:
    """ "Friday 8 December 2017": the weekday, the day without a leading zero, the month in full."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_day(day: date) -> str:
    """ "Fri 8 Dec 2017": for table cells where the full form does not fit."""
    return f"{day:%a} {day.day} {day:%b %Y}"
