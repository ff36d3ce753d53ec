from datetime import date

import pytest

from models.errors import InvalidValue
from models.vocab import RAG, Status, parse_day, parse_percent, parse_rag, parse_status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not started", Status.NOT_STARTED),
        ("Not_Started", Status.NOT_STARTED),
        ("In Progress", Status.IN_PROGRESS),
        ("in-progress", Status.IN_PROGRESS),
        ("COMPLETE", Status.COMPLETE),
        ("verified closed", Status.CLOSED),
        ("closed (verified)", Status.CLOSED),
        (" deferred ", Status.DEFERRED),
        ("canceled", Status.CANCELLED),
    ],
)
def test_status_spellings(text: str, expected: Status) -> None:
    assert parse_status(text) is expected


def test_bad_status_names_the_valid_values() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_status("finished-ish")
    message = str(caught.value)
    assert "finished-ish" in message
    for status in Status:
        assert status.value in message


@pytest.mark.parametrize(("text", "expected"), [("red", RAG.RED), ("Amber", RAG.AMBER), ("G", RAG.GREEN)])
def test_rag_spellings(text: str, expected: RAG) -> None:
    assert parse_rag(text) is expected


def test_bad_rag() -> None:
    with pytest.raises(InvalidValue, match="red, amber, green"):
        parse_rag("purple")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("40", 40),
        ("40%", 40),
        (" 40 % ", 40),
        (0.4, 40),
        ("0.4", 40),
        (40, 40),
        (100, 100),
        ("0", 0),
        (1.0, 1),
    ],
)
def test_percent_forms(value: str | float, expected: int) -> None:
    assert parse_percent(value) == expected


@pytest.mark.parametrize("value", ["140", "-1", "abc", "40.5", "", True, float("nan")])
def test_bad_percent(value: object) -> None:
    with pytest.raises(InvalidValue, match="0 to 100"):
        parse_percent(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2017-12-11", date(2017, 12, 11)), ("11/12/2017", date(2017, 12, 11)), ("1/2/2018", date(2018, 2, 1))],
)
def test_dates_are_iso_or_uk_order(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["12/31/2017", "2017-13-01", "yesterday", "11/12/17", ""])
def test_bad_dates(text: str) -> None:
    with pytest.raises(InvalidValue, match="day first"):
        parse_day(text)
