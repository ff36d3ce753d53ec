"""The schedules, as Prefect will read them (no server needed to check them)."""

from __future__ import annotations

from pathlib import Path

import yaml

from flows.deployments import deployments

ROOT = Path(__file__).parents[2]


def test_sweep_runs_at_seven_on_weekdays_in_london() -> None:
    [sweep] = [d for d in deployments() if d.name == "daily-sweep"]
    [schedule] = sweep.schedules
    assert schedule.schedule.cron == "0 7 * * 1-5"
    assert schedule.schedule.timezone == "Europe/London"
    assert sweep.flow_name == "lineofsight-sweep"
    assert sweep.concurrency_limit == 1  # two sweep runs never overlap


def test_dispatch_every_quarter_hour_in_working_hours() -> None:
    [dispatch] = [d for d in deployments() if d.name == "dispatch"]
    [schedule] = dispatch.schedules
    assert schedule.schedule.cron == "*/15 7-18 * * 1-5"
    assert schedule.schedule.timezone == "Europe/London"


def test_board_packs_at_half_past_six_every_day() -> None:
    [packs] = [d for d in deployments() if d.name == "board-packs"]
    [schedule] = packs.schedules
    assert schedule.schedule.cron == "30 6 * * *"
    assert schedule.schedule.timezone == "Europe/London"
    assert packs.flow_name == "lineofsight-board-pack"


def test_prefect_yaml_says_what_serve_says() -> None:
    # The work-pool deployments and `lineofsight serve` must never drift apart.
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    from_yaml = {
        d["name"]: (
            d["entrypoint"],
            d["schedules"][0]["cron"],
            d["schedules"][0]["timezone"],
            d.get("concurrency_limit"),
        )
        for d in config["deployments"]
    }
    served = {
        d.name: (
            d.entrypoint,
            d.schedules[0].schedule.cron,
            d.schedules[0].schedule.timezone,
            d.concurrency_limit,
        )
        for d in deployments()
    }
    assert from_yaml == served
    for name, (entrypoint, *_rest) in from_yaml.items():
        path, _, function = entrypoint.partition(":")
        assert (ROOT / path).exists() and f"def {function}(" in (ROOT / path).read_text(), name
