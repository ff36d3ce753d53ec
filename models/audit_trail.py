"""Reading the ledger for people: filtered logs, an item's whole story, and exports an auditor can verify
offline, without the database."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.errors import BadInput
from models.files import replacing
from models.ledger import Head, decode_data, format_at, head
from models.verification import Problem, StoredEvent, Verdict, check_chain


@dataclass(frozen=True)
class LogFilter:
    plan: str | None = None
    ref: str | None = None
    kind: str | None = None
    actor: str | None = None
    since: date | None = None  # local days, inclusive
    until: date | None = None
    timezone: str = "Europe/London"


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

    def public(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "kind": self.kind,
            "plan": self.plan,
            "ref": self.ref,
            "data": self.data,
            "hash": self.hash,
        }


def _day_start_utc(day: date, timezone: str) -> str:
    return format_at(datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone)).astimezone(UTC))


def read_log(session: Session, where: LogFilter, limit: int | None = None) -> list[LoggedEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.seq))
    if where.plan:
        query = query.where(sa.func.lower(col(AuditEvent.plan)) == where.plan.strip().lower())
    if where.ref:
        query = query.where(sa.func.upper(col(AuditEvent.ref)) == where.ref.strip().upper())
    if where.kind:
        query = query.where(sa.func.lower(col(AuditEvent.kind)) == where.kind.strip().lower())
    if where.actor:
        query = query.where(sa.func.lower(col(AuditEvent.actor)).like(where.actor.strip().lower() + "%"))
    if where.since:
        query = query.where(col(AuditEvent.at) >= _day_start_utc(where.since, where.timezone))
    if where.until:
        query = query.where(
            col(AuditEvent.at) < _day_start_utc(where.until + timedelta(days=1), where.timezone)
        )
    if limit:
        query = query.limit(limit)
    return [
        LoggedEvent(e.seq, e.at, e.actor, e.kind, e.plan, e.ref, decode_data(e.body), e.hash)
        for e in session.exec(query)
    ]


def item_history(session: Session, ref: str, plan: str | None = None) -> list[LoggedEvent]:
    events = read_log(session, LogFilter(plan=plan, ref=ref))
    if not events:
        raise BadInput(f"The ledger holds no event about {ref!r}" + (f" in plan {plan!r}." if plan else "."))
    return events


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
