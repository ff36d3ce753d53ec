"""Delivery benchmark: 1,000 digests to a local SMTP server (aiosmtpd), through the whole dispatch (claim,
group, render, send over one connection, mark sent with ledger events), against plain smtplib sending the
same 1,000 rendered messages over one connection, in the same process.

    python -m bench.dispatch [--backend postgresql]
"""

from __future__ import annotations

import argparse
import smtplib
import tempfile
from datetime import UTC, datetime
from email.message import Message
from functools import partial
from pathlib import Path

from bench.common import fresh_database, timed
from models.outbox import Channel
from notifications.dispatch import claim, dispatch
from notifications.messages import build_digests
from notifications.rendering import render_email
from notifications.smtp import SmtpSender, parse_smtp_url
from tests.factories import queue_notices
from tests.smtp_server import start

NOW = datetime(2017, 10, 16, 8, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--per-digest", type=int, default=3)
    args = parser.parse_args()
    controller, server = start()
    bare_runs, our_runs = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Five rounds, each side keeping its best: the machine's noise then falls on both alike.
            for _ in range(5):
                # The bare baseline: the same messages, rendered beforehand, through smtplib, one connection.
                engine = fresh_database(args.backend, Path(tmp), "dispatch_bare")
                queue_notices(engine, args.digests * args.per_digest, recipients=args.digests, at=NOW)
                notices = claim(engine, NOW, limit=args.digests)
                plan_of = {n.id: str(n.payload.pop("_plan")) for n in notices}
                messages = [
                    render_email(d, "los@example.org", NOW)
                    for d in build_digests(notices, plan_of, "example.org")
                ]
                engine.dispose()

                def bare(messages: list[Message] = messages) -> None:
                    with smtplib.SMTP("127.0.0.1", controller.port) as connection:
                        for message in messages:
                            connection.send_message(message)

                bare_runs.append(timed(bare)[0])
                engine = fresh_database(args.backend, Path(tmp), "dispatch")
                queue_notices(engine, args.digests * args.per_digest, recipients=args.digests, at=NOW)
                transport = {Channel.EMAIL: SmtpSender(parse_smtp_url(f"smtp://127.0.0.1:{controller.port}"))}
                seconds, result = timed(partial(dispatch, engine, transport, NOW, sender="los@example.org"))
                our_runs.append(seconds)
                engine.dispose()
    finally:
        controller.stop()
    bare_seconds, ours_seconds = min(bare_runs), min(our_runs)
    assert result.digests == len(messages) == args.digests and result.sent == args.digests * args.per_digest
    print(
        f"backend={args.backend} digests={args.digests:,} ({args.per_digest} items each); "
        f"{len(server.received):,} messages received in all; best of 5 rounds each"
    )
    print(f"plain smtplib, one connection   {bare_seconds:7.2f} s")
    print(f"lineofsight dispatch            {ours_seconds:7.2f} s  = {ours_seconds / bare_seconds:.2f}x")


if __name__ == "__main__":
    main()
