"""The update form as posted: forgiving values read by the parsers every door uses, empty fields not given,
errors by field with what was typed kept; and the update's refusals in a page's words."""

from __future__ import annotations

from datetime import date

import pytest

from models.plans.updates import FieldError
from models.vocab import RAG, Status
from web.forms import Posted, new_form_id, parse_due_change, read_form


def test_forgiving_values_as_every_door_reads_them() -> None:
    posted, state = read_form(
        {
            "status": " In_Progress ",
            "rag": "R",
            "percent": "40%",
            "note": "  Line one\nline two ",
            "evidence": "",
        }
    )
    assert state.errors == {}
    assert posted == Posted(
        status=Status.IN_PROGRESS, rag=RAG.RED, percent=40, note="  Line one\nline two ", evidence=None
    )


def test_empty_fields_are_not_given() -> None:
    posted, state = read_form(
        {"status": "", "rag": "", "percent": " ", "note": "   ", "due_change_reason": ""}
    )
    assert not posted.updates_item and posted.due_change is None
    assert state.errors["status"].startswith("Nothing to send")


def test_each_error_beside_its_field_with_the_input_kept() -> None:
    _, state = read_form({"status": "finished", "rag": "purple", "percent": "140", "note": "kept"})
    assert set(state.errors) == {"status", "rag", "percent"}
    assert state.errors["rag"] == "Invalid RAG 'purple': expected one of red, amber, green."
    assert "a whole number from 0 to 100" in state.errors["percent"]
    assert state.values["percent"] == "140" and state.values["note"] == "kept"


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2027-01-05", date(2027, 1, 5)),
        ("5/1/2027", date(2027, 1, 5)),
        ("5 January 2027", date(2027, 1, 5)),
        (" 5  Jan 2027 ", date(2027, 1, 5)),
        ("Tuesday 5 January 2027", date(2027, 1, 5)),
    ],
)
def test_a_due_date_request_in_the_ways_people_write_dates(typed: str, day: date) -> None:
    assert parse_due_change(typed) == day


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("next week", "a date such as 2027-01-05, 5/1/2027 (day first) or 5 January 2027"),
        ("31/02/2027", "a date such as 2027-01-05"),
        ("1 January 2100", "a date between 2000-01-01 and 2099-12-31"),
    ],
)
def test_a_date_that_cannot_be_read_says_how_to_write_one(typed: str, expected: str) -> None:
    _, state = read_form({"due_change": typed, "due_change_reason": "why"})
    assert expected in state.errors["due_change"] and repr(typed) in state.errors["due_change"]


def test_a_reason_without_a_date_asks_for_the_date() -> None:
    _, state = read_form({"note": "x", "due_change_reason": "because"})
    assert state.errors == {
        "due_change": "Give the date the due date should move to, or leave the reason empty."
    }


def test_a_due_date_request_alone_is_enough() -> None:
    posted, state = read_form({"due_change": "2027-02-01", "due_change_reason": "because"})
    assert state.errors == {} and posted.due_change == date(2027, 2, 1) and not posted.updates_item


def test_form_ids_are_32_url_safe_characters_and_differ() -> None:
    ids = {new_form_id() for _ in range(50)}
    assert len(ids) == 50 and all(len(i) == 32 and i.replace("-", "").replace("_", "").isalnum() for i in ids)


def test_the_update_refusals_in_a_page_s_words_keep_the_command_line_s() -> None:
    message = (
        "Contradictory update of ACT-2: --status complete, but --rag red: a RAG rates the risk to an open "
        "item, and a complete one has none left (give green, or leave --rag out); if the work is not "
        "finished, say so with --status in progress."
    )
    error = FieldError(message, "rag")
    assert str(error) == message  # the command line's, word for word
    assert error.plain == (
        "Status complete, but RAG red: a RAG rates the risk to an open item, and a complete one has none "
        "left (give green, or leave RAG out); if the work is not finished, say so with status in progress."
    )
    assert "--" not in FieldError("Nothing to update: give at least one of --status, --rag.", "status").plain
