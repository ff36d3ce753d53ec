"""The schedules, as Prefect will read them (no server needed to check them)."""

from __future__ import annotations

from flows.deployments import deployments


def test_sweep_runs_at_seven_on_weekdays_in_london() -> None:
    [sweep] = [d for d in deployments() if d.name == "daily-sweep"]
    [schedule] = sweep.schedules
    assert schedule.schedule.cron == "0 7 * * 1-5"
    assert schedule.schedule.timezone == "Europe/London"
    assert sweep.flow_name == "lineofsight-sweep"


def test_dispatch_every_quarter_hour_in_working_hours() -> None:
    [dispatch] = [d for d in deployments() if d.name == "dispatch"]
    [schedule] = dispatch.schedules
    assert schedule.schedule.cron == "*/15 7-18 * * 1-5"
    assert schedule.schedule.timezone == "Europe/London"


def test_board_packs_at_half_past_seven_on_weekdays() -> None:
    [packs] = [d for d in deployments() if d.name == "board-packs"]
    [schedule] = packs.schedules
    assert schedule.schedule.cron == "30 7 * * 1-5"
    assert schedule.schedule.timezone == "Europe/London"
    assert packs.flow_name == "lineofsight-board-pack"
