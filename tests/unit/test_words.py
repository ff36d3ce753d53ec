from __future__ import annotations

from datetime import date

import pytest

from models.vocab import day_in_words, plural, short_day


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [
        (0, "notice", "0 notices"),
        (1, "notice", "1 notice"),
        (2, "notice", "2 notices"),
        (1, "time", "1 time"),
        (2, "entry", "2 entries"),
        (2, "day", "2 days"),
        (3, "person", "3 people"),
        (1, "person", "1 person"),
    ],
)
def test_plural_says_one_once(n: int, word: str, expected: str) -> None:
    assert plural(n, word) == expected


def test_dates_in_words_have_no_leading_zero() -> None:
    assert day_in_words(date(2017, 12, 8)) == "Friday 8 December 2017"
    assert short_day(date(2017, 12, 8)) == "Fri 8 Dec 2017"
