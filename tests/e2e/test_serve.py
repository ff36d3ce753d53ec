"""`lineofsight serve` against a real `prefect server start`: the four schedules arrive with their crons in
Europe/London, and a run of the sweep deployment, started through the API, does the day's work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from models.db import make_engine
from models.ledger.schema import migrate
from models.outbox import Notice
from tests.factories import load_small_plan
from tests.smtp_server import free_port
from tests.waiting import wait_for

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LINEOFSIGHT_"))}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(
            "the Prefect server",
            lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200,
            120,
            every=0.5,
        )
        yield api, env | {"PREFECT_API_URL": api}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_registers_the_schedules_and_runs_the_sweep(
    prefect_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, env = prefect_server
    url = f"sqlite:///{tmp_path / 'lineofsight.db'}"
    engine = make_engine(url)
    migrate(engine)
    load_small_plan(engine)
    env |= {"LINEOFSIGHT_DATABASE_URL": url, "LINEOFSIGHT_OUTBOX_DIR": str(tmp_path / "outbox")}
    serving = subprocess.Popen(
        [str(BIN / "lineofsight"), "serve", "--limit", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def served() -> list[dict[str, Any]] | None:
            found = httpx.post(f"{api}/deployments/filter", json={}, timeout=5).json()
            return found if len(found) == 4 else None

        deployments = {d["name"]: d for d in wait_for("the four deployments", served, 90, every=0.5)}
        schedules = {name: d["schedules"][0]["schedule"] for name, d in deployments.items()}
        assert schedules == {
            "daily-sweep": {"cron": "0 7 * * 1-5", "timezone": "Europe/London", "day_or": True},
            "dispatch": {"cron": "*/15 7-18 * * 1-5", "timezone": "Europe/London", "day_or": True},
            "board-packs": {"cron": "30 6 * * *", "timezone": "Europe/London", "day_or": True},
            "pack-auto-send": {"cron": "5 * * * *", "timezone": "Europe/London", "day_or": True},
        }

        def created() -> dict[str, Any] | None:
            # A busy server (its SQLite shared with the runner registering the schedules) may answer 5xx
            # for a moment: ask again rather than fail on it.
            answer = httpx.post(
                f"{api}/deployments/{deployments['daily-sweep']['id']}/create_flow_run",
                json={"parameters": {"as_of": "2017-10-16T07:00:00+01:00"}},
                timeout=10,
            )
            return answer.json() if answer.status_code in (200, 201) else None

        run = wait_for("the flow run to be created", created, 60, every=0.5)

        def finished() -> str | None:
            answer = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5)
            state = answer.json()["state"]["type"] if answer.status_code == 200 else None
            return state if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        assert wait_for("the sweep run", finished, 120, every=0.5) == "COMPLETED"
    finally:
        serving.send_signal(signal.SIGINT)
        try:
            serving.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serving.kill()
    with Session(engine) as session:
        notices = session.exec(select(Notice)).all()
    assert notices and all(n.status.value == "sent" for n in notices)  # decided, then delivered as files
    assert list((tmp_path / "outbox").glob("*.eml"))
    engine.dispose()
