"""A dispatcher killed with SIGKILL at random points, 30 times, then run to the end: nothing is lost, and
any message that went twice went inside the documented window and carries the same Message-ID."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.outbox import Notice
from tests.factories import queue_notices
from tests.smtp_server import start

START = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).parents[2]
# The usual lease, and no limit on crashes: this test kills its dispatchers on purpose, 30 times, and a
# notice in flight at three of the kills would otherwise be set aside as dead (that rule has its own test).
NO_CRASH_LIMIT = ("900", "1000")


def test_sigkill_at_random_points(db_url: str, engine: Engine) -> None:
    count = 600
    queue_notices(engine, count, recipients=60, at=START)
    controller, server = start()
    rng = random.Random(20171211)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    now = START
    try:
        for _ in range(30):
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.dispatcher_process",
                    db_url,
                    str(controller.port),
                    now.isoformat(),
                    *NO_CRASH_LIMIT,
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0.0, 0.25))
            process.send_signal(signal.SIGKILL)
            process.wait()
            now += timedelta(minutes=20)  # past the lease: the dead dispatcher's claims are free again
        finished = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.dispatcher_process",
                db_url,
                str(controller.port),
                now.isoformat(),
                *NO_CRASH_LIMIT,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=300,
        )
        assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    finally:
        controller.stop()
    with Session(engine) as session:
        notices = session.exec(select(Notice)).all()
    assert {n.status.value for n in notices} == {"sent"}, "a notice was lost"
    copies: dict[str, set[str]] = defaultdict(set)
    deliveries: dict[str, int] = defaultdict(int)
    for received in server.received:
        text = next(p for p in received.message.walk() if p.get_content_type() == "text/plain")
        body = text.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for line in body.splitlines():
            if line.startswith("REF-"):
                ref = line.split(":")[0]
                deliveries[ref] += 1
                copies[ref].add(received.message["Message-ID"])
    assert set(deliveries) == {f"REF-{i}" for i in range(count)}, "an item never reached the server"
    duplicated = [ref for ref, n in deliveries.items() if n > 1]
    print(f"{len(server.received)} messages received, {len(duplicated)} items delivered twice")
    # Inside the window a digest may go twice; when it does, it is the same message, with the same id.
    assert all(len(copies[ref]) == 1 for ref in duplicated)
    assert len(duplicated) <= count // 4
