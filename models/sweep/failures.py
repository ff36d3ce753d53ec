"""When one plan's sweep fails: it is rolled back, recorded and reported, and the other plans are swept.

The failure is written in a transaction of its own, after the rollback: a `SweepFailed` ledger event (plan,
error class, a one-line reason with no secrets) and, once a day at most, a notice to the secretariat of the
plan's board. The next sweep of that plan that succeeds records `SweepRecovered`, so "failing since" can be
read from the ledger alone (by `doctor`) without an event for every healthy sweep of every plan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from config.timezone import DEFAULT_TIMEZONE
from models.audit import AuditEvent
from models.db import unit_of_work
from models.errors import LineOfSightError
from models.ledger.chain import Event, decode_data, record
from models.ledger.kinds import EventKind
from models.outbox import Channel, Notice, existing_keys
from models.output.secrets import redact_text
from models.sweep.rules import sweep_failed_notice
from models.sweep.snapshot import board_secretariat


def one_line(exc: BaseException) -> str:
    """`ValueError: year 10000 is out of range`: the error's class and the first line of its message,
    without any URL. A database error gives its driver's message only: SQLAlchemy's own text adds the
    statement and its parameters, which may hold anybody's data."""
    cause = getattr(exc, "orig", None)
    text = str(cause if cause is not None else exc).strip()
    line = redact_text(text.splitlines()[0] if text else "").strip()
    return f"{type(exc).__name__}: {line}"[:300] if line else type(exc).__name__


class PlansNotSwept(LineOfSightError):
    """Some plans could not be swept; every other plan was. Exit 1, naming them."""

    def __init__(self, failures: Sequence[tuple[str, str]]) -> None:
        names = ", ".join(f"{plan!r} ({reason})" for plan, reason in failures)
        super().__init__(
            f"The sweep failed for {len(failures)} plan{'s' * (len(failures) != 1)}: {names}. Each was "
            "rolled back and recorded (SweepFailed), its board secretariat is told, and every other plan was "
            "swept. Run `lineofsight sweep --plan NAME --dry-run` to see the error again."
        )
        self.failures = list(failures)


def record_failure(
    engine: Engine,
    plan: str,
    plan_id: int,
    exc: BaseException,
    as_of: date,
    actor: str,
    *,
    timezone: str = DEFAULT_TIMEZONE,
) -> None:
    """The `SweepFailed` event, and the secretariat's notice unless they were told today already (owed
    from 07:00 on the day swept, in the plan's `timezone`, as the sweep's own notices are)."""
    reason = one_line(exc)
    with unit_of_work(engine) as session:
        secretariat = board_secretariat(session, plan_id)
        notice = sweep_failed_notice(plan, secretariat, reason, as_of) if secretariat else None
        queued = False
        if notice is not None and not existing_keys(session, [notice.dedupe_key]):
            due_from = datetime.combine(as_of, time(7, 0), tzinfo=_zone(timezone)).astimezone(UTC)
            payload = {"reason": notice.reason, "rule": notice.rule, "level": 1, "ref": notice.ref}
            payload |= {"told_as": notice.told_as, "roles": list(notice.roles), **notice.facts}
            session.add(
                Notice(
                    dedupe_key=notice.dedupe_key,
                    plan=plan,
                    recipient=notice.recipient,
                    channel=Channel.EMAIL,
                    kind=notice.kind,
                    item_refs=notice.ref,
                    payload=json.dumps(payload, sort_keys=True, default=str),
                    not_before=due_from,
                    urgency=notice.urgency,
                )
            )
            queued = True
        data = {
            "error": type(exc).__name__,
            "reason": reason,
            "as_of": as_of.isoformat(),
            "secretariat": secretariat,
            "notice_queued": queued,  # False: told earlier today, or no board secretariat to tell
        }
        record(session, Event(EventKind.SWEEP_FAILED, actor, plan, None, data))


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ValueError, OSError, LookupError):  # the failure being recorded may be the plan's zone itself
        return ZoneInfo(DEFAULT_TIMEZONE)


def record_recovery(engine: Engine, plan: str, as_of: date, actor: str) -> None:
    with unit_of_work(engine) as session:
        record(session, Event(EventKind.SWEEP_RECOVERED, actor, plan, None, {"as_of": as_of.isoformat()}))


@dataclass(frozen=True)
class Failing:
    plan: str
    since: str  # the UTC date of the first failure since the plan's last good sweep
    runs: int  # failed sweeps since then
    last: str  # the latest failure's one-line reason


def failing_plans(connection: Connection | Session) -> dict[str, Failing]:
    """Plans whose latest sweep failed: read from the ledger's rare `SweepFailed` and `SweepRecovered`
    events (an index on `kind`), never from the healthy sweeps' decisions."""
    A = AuditEvent.__table__.c  # type: ignore[attr-defined]
    rows = connection.execute(
        sa.select(A.seq, A.at, A.kind, A.plan)
        .where(A.kind.in_([EventKind.SWEEP_FAILED, EventKind.SWEEP_RECOVERED]))
        .order_by(A.seq)
    ).all()
    streaks: dict[str, list[tuple[int, str]]] = {}
    for seq, at, kind, plan in rows:
        if kind == EventKind.SWEEP_RECOVERED:
            streaks.pop(plan, None)
        else:
            streaks.setdefault(plan, []).append((seq, at))
    failing = {}
    for plan, streak in sorted(streaks.items()):
        body = connection.execute(sa.select(A.body).where(A.seq == streak[-1][0])).scalar_one()
        last = str(decode_data(bytes(body)).get("reason", ""))
        failing[plan] = Failing(plan, streak[0][1][:10], len(streak), last)
    return failing
