"""The `forecast_late` rule's settings in the policy: the issue's defaults, a plan's override, bad values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.policy import ForecastLatePolicy, Policy, load_policy


def test_the_policy_file_carries_the_issues_defaults() -> None:
    settings = load_policy().forecast_late
    assert settings == ForecastLatePolicy()
    assert (settings.enabled, settings.late_by_days, settings.within_days, settings.lead_after_days) == (
        True,
        5,
        30,
        10,
    )


def test_a_plan_can_turn_it_off() -> None:
    policy = Policy(plans={"Quiet plan": {"forecast_late": {"enabled": False}}})
    assert not policy.for_plan("Quiet plan").forecast_late.enabled
    assert policy.for_plan("Other plan").forecast_late.enabled
    assert policy.for_plan("Quiet plan").version != policy.version


@pytest.mark.parametrize(
    "values", [{"late_by_days": -1}, {"within_days": -1}, {"lead_after_days": 0}, {"late_days": 5}]
)
def test_bad_settings_are_refused(values: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        ForecastLatePolicy.model_validate(values)
