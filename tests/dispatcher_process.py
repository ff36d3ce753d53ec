"""A dispatcher in a process of its own, for the crash test to kill: `python -m tests.dispatcher_process
DB_URL SMTP_PORT NOW`."""

from __future__ import annotations

import sys
from datetime import datetime

from models.db import make_engine
from notifications.dispatch import dispatch
from notifications.smtp import SmtpTransport, parse_smtp_url
from notifications.teams import Channels, TeamsTransport


def main() -> None:
    url, port, now = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])
    engine = make_engine(url)
    # Teams as well, unverified: the tests' endpoint has a self-signed certificate.
    transport = Channels(
        SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}")), TeamsTransport(verify=False)
    )
    print("ready", flush=True)
    while dispatch(engine, transport, now, sender="los@example.org", limit=20).claimed:
        pass


if __name__ == "__main__":
    main()
