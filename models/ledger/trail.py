"""Reading the ledger for people: filtered logs, an item's whole story, and exports an auditor can verify
offline, without the database.

Every event has two times. `at` is when it was written (UTC, the clock of the machine that wrote it). Its
day is the day it speaks for: the day a sweep decided for (`as_of` in its data), the day an owner's update
was reported, the day a pack was built for; an event with no day of its own (an import, a delivery) speaks
for the day it was written. They differ whenever the past is replayed (the demo writes the autumn of 2017
today) or a sweep runs late or ahead, so the log shows both and filters on either.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.errors import BadInput
from models.ledger.chain import Head, decode_data, format_at, head
from models.ledger.kinds import EventKind
from models.ledger.verification import Problem, StoredEvent, Verdict, check_chain
from models.output.files import replacing
from models.plans.lookup import close_matches

# Every kind of event the product writes, so a filter on a kind that has not happened yet (a monitor
# asking for SweepFailed) is an empty list, while a typing slip is refused with the list. A kind written
# later by a newer version is accepted as soon as the ledger holds one. tests/unit/test_event_kinds.py
# reads every kind the code writes and fails when one is missing here.
KINDS = frozenset(kind.value for kind in EventKind)


@dataclass(frozen=True)
class LogFilter:
    plan: str | None = None
    ref: str | None = None
    kind: str | None = None
    actor: str | None = None
    since: date | None = None  # when written: local days, inclusive
    until: date | None = None
    day_from: date | None = None  # the day an event speaks for (see the module's note), inclusive
    day_to: date | None = None
    timezone: str = "Europe/London"

    def __post_init__(self) -> None:
        for first, last, names in (
            (self.since, self.until, ("--since", "--until")),
            (self.day_from, self.day_to, ("--day-from", "--day-to")),
        ):
            if first and last and first > last:
                raise BadInput(
                    f"{names[0]} {first.isoformat()} is after {names[1]} {last.isoformat()}: nothing can "
                    "match; swap them."
                )


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    at: str
    actor: str
    kind: str
    plan: str | None
    ref: str | None
    data: dict[str, Any]
    hash: str
    day: str = ""  # the day the event speaks for, ISO (see the module's note)

    def public(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "day": self.day,
            "actor": self.actor,
            "kind": self.kind,
            "plan": self.plan,
            "ref": self.ref,
            "data": self.data,
            "hash": self.hash,
        }


def _day_start_utc(day: date, timezone: str) -> str:
    return format_at(datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC))


def _local_day(value: object, timezone: str) -> str | None:
    """The local day of an ISO date or time in an event's data, or None when it is neither."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone))
    return moment.date().isoformat()


def event_day(at: str, data: dict[str, Any], timezone: str) -> str:
    """The day an event speaks for: its decision's day, its update's, its pack's; else when it was written."""
    for key in ("as_of", "reported_at", "built_on"):
        day = _local_day(data.get(key), timezone)
        if day is not None:
            return day
    return _local_day(at.replace("Z", "+00:00"), timezone) or at[:10]


def known_kind(session: Session, kind: str) -> str:
    """The kind as the ledger spells it; a kind that is neither written by the product nor in the ledger
    is refused with the list of kinds."""
    held = set(session.exec(select(AuditEvent.kind).distinct()))
    kinds = {k.casefold(): k for k in sorted(KINDS | held)}
    found = kinds.get(kind.strip().casefold())
    if found is None:
        close = close_matches(kind.strip(), list(kinds.values()))
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise BadInput(f"No kind of event {kind!r}.{hint} The kinds: {', '.join(kinds.values())}.")
    return found


def read_log(session: Session, where: LogFilter, limit: int | None = None) -> list[LoggedEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.seq))
    if where.plan:
        query = query.where(sa.func.lower(col(AuditEvent.plan)) == where.plan.strip().lower())
    if where.ref:
        query = query.where(sa.func.upper(col(AuditEvent.ref)) == where.ref.strip().upper())
    if where.kind:
        query = query.where(col(AuditEvent.kind) == known_kind(session, where.kind))
    if where.actor:
        query = query.where(sa.func.lower(col(AuditEvent.actor)).like(where.actor.strip().lower() + "%"))
    if where.since:
        query = query.where(col(AuditEvent.at) >= _day_start_utc(where.since, where.timezone))
    if where.until:
        query = query.where(
            col(AuditEvent.at) < _day_start_utc(where.until + timedelta(days=1), where.timezone)
        )
    # The day lives in the hashed body: read, then filter (the other filters have narrowed the rows).
    by_day = where.day_from is not None or where.day_to is not None
    if limit and not by_day:
        query = query.limit(limit)
    first = where.day_from.isoformat() if where.day_from else ""
    last = where.day_to.isoformat() if where.day_to else "9999"
    events = []
    for e in session.exec(query):
        data = decode_data(e.body)
        day = event_day(e.at, data, where.timezone)
        if by_day and not first <= day <= last:
            continue
        events.append(LoggedEvent(e.seq, e.at, e.actor, e.kind, e.plan, e.ref, data, e.hash, day))
        if limit and len(events) >= limit:
            break
    return events


def item_history(
    session: Session, ref: str, plan: str | None = None, where: LogFilter | None = None
) -> list[LoggedEvent]:
    """`where` narrows the story further (dates written, days spoken for)."""
    where = replace(where or LogFilter(), ref=ref, plan=plan)
    if not read_log(session, LogFilter(ref=ref, plan=plan), limit=1):
        raise BadInput(f"The ledger holds no event about {ref!r}" + (f" in plan {plan!r}." if plan else "."))
    return read_log(session, where)


# --- export and offline verification -----------------------------------------------------------------

EXPORT_FORMAT = "lineofsight-ledger-export/1"


def export_ledger(engine: Engine, path: Path) -> Head | None:
    """Every event as one JSON line, then a manifest line with the head at the moment of export."""
    count = 0
    with Session(engine) as session, replacing(path, text=True) as out:
        anchor = head(session)
        last = anchor.seq if anchor else 0
        stmt = select(AuditEvent).where(col(AuditEvent.seq) <= last).order_by(col(AuditEvent.seq))
        for e in session.exec(stmt.execution_options(yield_per=5000)):
            out.write(json.dumps(_exported(e), ensure_ascii=False) + "\n")
            count += 1
        manifest = {
            "manifest": {
                "format": EXPORT_FORMAT,
                "exported_at": format_at(datetime.now(UTC)),
                "events": count,
                "head_seq": anchor.seq if anchor else 0,
                "head_hash": anchor.hash if anchor else None,
            }
        }
        out.write(json.dumps(manifest) + "\n")
    return anchor


def _exported(e: AuditEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "kind": e.kind,
        "plan": e.plan,
        "ref": e.ref,
        "data": decode_data(e.body),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "body": base64.b64encode(e.body).decode("ascii"),
    }


@dataclass(frozen=True)
class ExportVerdict:
    verdict: Verdict
    manifest_head: Head | None


def verify_export(path: Path, anchor: Head | None = None) -> ExportVerdict:
    """Checks an export with no database: the chain, the readable `data` against the hashed body, and
    the manifest's head (the export's own anchor; a given --head must also be present)."""
    manifest: dict[str, Any] = {}

    def events() -> Iterator[StoredEvent]:
        number = 0
        try:
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):  # noqa: B007 - read in the except clause
                    record = json.loads(line)
                    if "manifest" in record:
                        manifest.update(record["manifest"])
                        continue
                    event = StoredEvent(
                        int(record["seq"]),
                        record["at"],
                        record["actor"],
                        record["kind"],
                        record["plan"],
                        record["ref"],
                        record["prev_hash"],
                        record["hash"],
                        base64.b64decode(record["body"]),
                    )
                    if record.get("data") != decode_data(event.body):
                        event = event._replace(defect="the readable data differs from the hashed record")
                    yield event
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"Cannot read {path}: {exc}.") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(
                f"{path}, line {number}: not a Line of Sight ledger export record "
                f"({type(exc).__name__}: {exc})."
            ) from None

    verdict = check_chain(events(), anchor)
    manifest_head = None
    if manifest.get("head_hash"):
        manifest_head = Head(int(manifest["head_seq"]), str(manifest["head_hash"]))
    elif verdict.ok and not manifest:  # a failed check stops reading before the manifest line
        raise BadInput(f"{path}: the manifest line is missing: the export is incomplete or was cut short.")
    if verdict.ok and manifest_head is not None and verdict.head != manifest_head:
        last = verdict.head.seq if verdict.head else 0
        at = last + 1 if last < manifest_head.seq else manifest_head.seq
        what = (
            f"the manifest's head {manifest_head} does not match the events' head {verdict.head} (cut short?)"
        )
        verdict = Verdict(verdict.count, verdict.head, Problem(at, what))
    return ExportVerdict(verdict, manifest_head)
