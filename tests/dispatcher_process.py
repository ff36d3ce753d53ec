"""A dispatcher in a process of its own, for the crash and lease tests: `python -m tests.dispatcher_process
DB_URL SMTP_PORT NOW [LEASE_SECONDS MAX_CRASHES]`; NOW `clock` reads the clock before each run."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from models.db import make_engine
from notifications.dispatch import LEASE, MAX_CRASHES, dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import Channels, SmtpTransport, TeamsTransport


def main() -> None:
    url, port, when = sys.argv[1], sys.argv[2], sys.argv[3]
    lease = timedelta(seconds=float(sys.argv[4])) if len(sys.argv) > 4 else LEASE
    max_crashes = int(sys.argv[5]) if len(sys.argv) > 5 else MAX_CRASHES
    engine = make_engine(url)
    # Teams as well, unverified: the tests' endpoint has a self-signed certificate.
    transport = Channels(
        SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}")), TeamsTransport(verify=False)
    )
    print("ready", flush=True)
    while True:
        now = datetime.now(UTC) if when == "clock" else datetime.fromisoformat(when)
        result = dispatch(
            engine, transport, now, sender="los@example.org", limit=20, lease=lease, max_crashes=max_crashes
        )
        if not result.claimed:
            break


if __name__ == "__main__":
    main()
