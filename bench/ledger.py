"""Ledger benchmark: batched appends, and `audit verify` against a bare SHA-256 loop over the same bytes.

    python -m bench.ledger --events 1000000 --backend sqlite

Two baselines, both run in the same process on the same stored bytes:
- `hash only`: SHA-256 of every body already in memory (the floor: no database at all);
- `fetch + hash`: the bodies read from the database in seq order, then hashed.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

import sqlalchemy as sa

from bench.common import best_of, fresh_database, timed
from models.db import unit_of_work
from models.ledger.chain import Event, record_many
from models.ledger.verification import verify_database


def _events(start: int, n: int) -> list[Event]:
    return [
        Event(
            "ReminderQueued",
            "system:sweep",
            "Bench Plan",
            f"TAP-{(start + i) % 5000:04d}",
            {
                "rule": "due_soon",
                "step": 3,
                "reason": "TAP is due in 3 working days",
                "to": "owner@example.org",
                "policy": "9f2c1e",
                "facts": {"due": "2017-10-02", "working_days_to_due": 3},
            },
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        engine = fresh_database(args.backend, Path(tmp), "ledger")
        appended = 0

        def append_all() -> None:
            nonlocal appended
            while appended < args.events:
                n = min(args.batch, args.events - appended)
                with unit_of_work(engine) as session:
                    record_many(session, _events(appended, n))
                appended += n

        append_seconds, _ = timed(append_all)
        with engine.connect() as conn:
            bodies = [bytes(b) for (b,) in conn.execute(sa.text("SELECT body FROM audit_event ORDER BY seq"))]

        def hash_only() -> None:
            sha256 = hashlib.sha256
            for body in bodies:
                sha256(body).hexdigest()

        def fetch_and_hash() -> None:
            sha256 = hashlib.sha256
            with engine.connect() as conn:
                for (body,) in conn.execute(sa.text("SELECT body FROM audit_event ORDER BY seq")):
                    sha256(body).hexdigest()

        hash_seconds, _ = best_of(3, hash_only)
        fetch_seconds, _ = best_of(3, fetch_and_hash)
        verify_seconds, verdict = best_of(3, lambda: verify_database(engine))
        assert verdict.ok and verdict.count == args.events + 1, verdict  # +1: the SchemaMigrated event
        mean_body = sum(map(len, bodies)) / len(bodies)
        engine.dispose()

    print(f"backend={args.backend} events={args.events:,} mean body={mean_body:.0f} bytes")
    rate = args.events / append_seconds
    print(f"append        {append_seconds:8.2f} s  {rate:10,.0f} events/s (batches of {args.batch:,})")
    print(f"hash only     {hash_seconds:8.2f} s")
    print(f"fetch + hash  {fetch_seconds:8.2f} s")
    print(
        f"audit verify  {verify_seconds:8.2f} s  = {verify_seconds / hash_seconds:.2f}x hash only, "
        f"{verify_seconds / fetch_seconds:.2f}x fetch + hash"
    )


if __name__ == "__main__":
    main()
