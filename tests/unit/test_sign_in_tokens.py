"""Sign-in tokens and session values (models.console.sign_in): they round-trip, refuse any change, end at
15 minutes and 8 hours to the second, and never pass for each other nor for an owner's link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.console.sign_in import (
    SESSION_LIFE,
    SIGN_IN_LIFE,
    TamperedSignIn,
    csrf_field,
    csrf_matches,
    new_nonce,
    read_session_value,
    read_sign_in,
    session_value,
    sign_in_token,
    sign_in_url,
)
from models.links.tokens import LinkClaims, TamperedLink, read, sign

KEY = b"unit-test-key-" + b"k" * 32
OTHER_KEY = b"unit-test-key-" + b"o" * 32
ISSUED = datetime(2027, 1, 4, 9, 30, 0, tzinfo=UTC)
EMAIL = "Sec.Retariat@Example.org"


def test_a_sign_in_token_round_trips_with_its_address_nonce_and_times() -> None:
    nonce = new_nonce()
    claims = read_sign_in(KEY, sign_in_token(KEY, EMAIL, nonce, ISSUED))
    assert claims.email == "sec.retariat@example.org"
    assert claims.nonce == nonce
    assert claims.issued == ISSUED
    assert claims.expires == ISSUED + timedelta(minutes=15)


def test_nonces_differ() -> None:
    assert len({new_nonce() for _ in range(100)}) == 100


def test_a_sign_in_token_ends_at_15_minutes_to_the_second() -> None:
    claims = read_sign_in(KEY, sign_in_token(KEY, EMAIL, "n", ISSUED))
    assert timedelta(minutes=15) == SIGN_IN_LIFE
    assert not claims.expired(ISSUED + timedelta(minutes=14, seconds=59))
    assert claims.expired(ISSUED + timedelta(minutes=15))


@pytest.mark.parametrize("position", [0, 5, 20, -1, -10])
def test_any_changed_character_is_refused(position: int) -> None:
    token = sign_in_token(KEY, EMAIL, "nonce", ISSUED)
    changed = token[position]
    swapped = "A" if changed != "A" else "B"
    tampered = token[:position] + swapped + (token[position + 1 :] if position != -1 else "")
    with pytest.raises(TamperedSignIn):
        read_sign_in(KEY, tampered)


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.def", "x" * 2_000, "a.b.c", "é.é"])
def test_anything_not_a_token_is_refused(token: str) -> None:
    with pytest.raises(TamperedSignIn):
        read_sign_in(KEY, token)


def test_another_key_is_refused() -> None:
    with pytest.raises(TamperedSignIn):
        read_sign_in(OTHER_KEY, sign_in_token(KEY, EMAIL, "n", ISSUED))


def test_a_link_token_is_not_a_sign_in_token() -> None:
    link = sign(KEY, LinkClaims(1, 1, None, ISSUED, ISSUED + timedelta(days=21)))
    with pytest.raises(TamperedSignIn):
        read_sign_in(KEY, link)
    assert read_session_value(KEY, link, ISSUED) is None


def test_a_sign_in_token_is_not_a_link_token_nor_a_session() -> None:
    token = sign_in_token(KEY, EMAIL, "n", ISSUED)
    with pytest.raises(TamperedLink):
        read(KEY, token)
    assert read_session_value(KEY, token, ISSUED) is None


def test_a_session_is_not_a_sign_in_token_nor_a_link() -> None:
    value = session_value(KEY, EMAIL, ISSUED)
    with pytest.raises(TamperedSignIn):
        read_sign_in(KEY, value)
    with pytest.raises(TamperedLink):
        read(KEY, value)


def test_a_session_lasts_a_working_day_to_the_second() -> None:
    value = session_value(KEY, EMAIL, ISSUED)
    assert timedelta(hours=8) == SESSION_LIFE
    claims = read_session_value(KEY, value, ISSUED + timedelta(hours=7, minutes=59, seconds=59))
    assert claims is not None
    assert claims.email == "sec.retariat@example.org"
    assert claims.expires == ISSUED + timedelta(hours=8)
    assert read_session_value(KEY, value, ISSUED + timedelta(hours=8)) is None


def test_a_tampered_or_foreign_session_is_none() -> None:
    value = session_value(KEY, EMAIL, ISSUED)
    assert read_session_value(OTHER_KEY, value, ISSUED) is None
    # The signature's first character, which carries six whole bits (its last may carry padding only).
    body, signature = value.split(".")
    changed = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert read_session_value(KEY, f"{body}.{changed}", ISSUED) is None
    assert read_session_value(KEY, "", ISSUED) is None


def test_the_url_carries_the_token_under_console_enter() -> None:
    url = sign_in_url("https://los.example.org/", KEY, EMAIL, "n", ISSUED)
    prefix = "https://los.example.org/console/enter/"
    assert url.startswith(prefix)
    assert read_sign_in(KEY, url.removeprefix(prefix)).nonce == "n"


def test_the_csrf_field_is_bound_to_what_it_was_served_under() -> None:
    field = csrf_field(KEY, "token-a")
    assert csrf_matches(KEY, "token-a", field)
    assert not csrf_matches(KEY, "token-b", field)
    assert not csrf_matches(KEY, "token-a", None)
    assert not csrf_matches(OTHER_KEY, "token-a", field)


def test_each_session_has_an_id_of_its_own() -> None:
    """The id signing out writes into SignInUse: random unless given, and kept through the round trip."""
    first, second = (read_session_value(KEY, session_value(KEY, EMAIL, ISSUED), ISSUED) for _ in range(2))
    assert first is not None and second is not None
    assert first.id != second.id and len(first.id) >= 20
    given = read_session_value(KEY, session_value(KEY, EMAIL, ISSUED, "fixed-id"), ISSUED)
    assert given is not None and given.id == "fixed-id"
