"""Words shared by every face (command line, emails, cards, packs): counts with the right plural and dates
as people write them. One place, so "1 notices" and "2017-12-08" in a sentence cannot creep back."""

from __future__ import annotations

from datetime import date

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


def day_in_words(day: date) -> str:
    """ "Friday 8 December 2017": the weekday, the day without a leading zero, the month in full."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_day(day: date) -> str:
    """ "Fri 8 Dec 2017": for table cells where the full form does not fit."""
    return f"{day:%a} {day.day} {day:%b %Y}"
