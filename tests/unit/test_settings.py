"""Settings refuse, when they are read, what would fail later and further from its cause: a time zone that
does not exist, a sender that is not an email address."""

from __future__ import annotations

import pydantic
import pytest

from config.settings import Settings


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "europe/london "])
def test_an_unknown_time_zone_is_refused(zone: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="is not a time zone name"):
        Settings(timezone=zone)


@pytest.mark.parametrize("zone", ["Europe/London", "UTC", "America/New_York"])
def test_a_known_time_zone_is_kept(zone: str) -> None:
    assert Settings(timezone=zone).timezone == zone


@pytest.mark.parametrize("sender", ["not an address", "los@", "@example.org", "los", ""])
def test_a_sender_that_is_not_an_address_is_refused(sender: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="is not an email address"):
        Settings(mail_from=sender)


@pytest.mark.parametrize(
    "sender", ["los@council.example.org", "Line of Sight <los@council.example.org>", "los@localhost"]
)
def test_a_sender_address_is_kept(sender: str) -> None:
    assert Settings(mail_from=sender).mail_from == sender
