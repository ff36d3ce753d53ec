"""Settings refuse a time zone that does not exist when they are read, not later in a date rule."""

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
