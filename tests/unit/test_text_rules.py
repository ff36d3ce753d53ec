"""The text rules every door applies: codes, names, free text, email addresses."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import InvalidValue
from models.plans.text_rules import code, email_address, free_text, name


@pytest.mark.parametrize("value", ["A-01\u200b", "A-\u202e10", "\u0410-01", "A-01\ufeff", "A\t01", ""])
def test_lookalike_and_hidden_codes_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue):
        code(value, "ref")


def test_full_width_code_is_the_same_code() -> None:
    assert code(" A-\uff10\uff11 ", "ref") == "A-01"


@pytest.mark.parametrize(
    "value",
    ["zw\u200bsp@example.org", "\u043ewner@example.org", "x@ex\u0430mple.org", "a@b", "a b@example.org"],
)
def test_addresses_no_mail_server_takes_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        email_address(value, "owner_email")
    assert "owner@example.org" in str(refused.value)


def test_addresses_are_normalised() -> None:
    assert email_address(" Owner@Example.ORG ", "email") == "owner@example.org"


def test_names_keep_their_script_but_not_a_mixture() -> None:
    assert name("Si\u00e2n  Ni Bhriain", "name") == "Si\u00e2n Ni Bhriain"
    with pytest.raises(InvalidValue, match="mixes Cyrillic and Latin"):
        name("P\u0430ul", "name")


def test_free_text_keeps_lines_and_refuses_controls() -> None:
    assert free_text("line one\nline two\ttabbed", "note") == "line one\nline two\ttabbed"
    for bad in ("\x0b", "\x00", "\u202e"):
        with pytest.raises(InvalidValue):
            free_text(f"pasted{bad}text", "note")


@given(st.text(max_size=40))
def test_an_accepted_address_is_always_plain_ascii(value: str) -> None:
    try:
        accepted = email_address(value, "email")
    except InvalidValue:
        return
    assert accepted.isascii() and "@" in accepted and accepted == accepted.strip().lower()


@given(st.text(max_size=30))
def test_an_accepted_code_has_nothing_hidden(value: str) -> None:
    try:
        accepted = code(value, "ref")
    except InvalidValue:
        return
    assert accepted.isascii() and all(unicodedata.category(c)[0] != "C" for c in accepted)
