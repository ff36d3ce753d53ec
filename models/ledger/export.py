"""The ledger exported for auditors, and checked offline: one JSON line per event (its readable data beside
the hashed bytes), then a manifest with the head at the moment of export."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.audit import AuditEvent
from models.errors import BadInput
from models.ledger.chain import Head, format_at, head
from models.ledger.stored import StoredEvent, select_stored
from models.ledger.verification import Break, Verdict, check_chain, check_each
from models.output.files import replacing

EXPORT_FORMAT = "lineofsight-ledger-export/1"
# A plan's export (the console's): that plan's events only, each with its own hash and the hash before it in
# the whole chain. Each event's hash is checkable offline; the links and completeness are not (the events
# between are other plans', which its reader may not see): the manifest says so, and the head it names is
# the whole chain's, for checking against a head the operator publishes.
PLAN_SCOPE = "plan"
PLAN_BATCH = 2_000


def exported(event: StoredEvent) -> dict[str, Any]:
    """An event as one export line: every stored column (the body in base64) and its readable data."""
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "kind": event.kind,
        "plan": event.plan,
        "ref": event.ref,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "body": base64.b64encode(event.body).decode("ascii"),
    }


def imported(record: dict[str, Any]) -> StoredEvent:
    """An export line back as a stored event; readable data that differs from the hashed body is a defect."""
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
    if record.get("data") != event.data:
        event = event._replace(defect="the readable data differs from the hashed record")
    return event


def export_ledger(engine: Engine, path: Path) -> Head | None:
    """Every event as one JSON line, then a manifest line with the head at the moment of export."""
    count = 0
    with Session(engine) as session, replacing(path, text=True) as out:
        anchor = head(session)
        last = anchor.seq if anchor else 0
        stmt = select_stored().where(AuditEvent.__table__.c.seq <= last)  # type: ignore[attr-defined]
        for row in session.execute(stmt.execution_options(yield_per=5000)):
            out.write(json.dumps(exported(StoredEvent(*row)), ensure_ascii=False) + "\n")
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


def plan_events(engine: Engine, plan: str, upto: int, batch: int = PLAN_BATCH) -> Iterator[StoredEvent]:
    """The plan's events up to seq `upto`, in seq order, a batch per short session (so a response streamed
    from another thread never holds one open between its chunks)."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    after = 0
    while True:
        with Session(engine) as session:
            stmt = (
                select_stored()
                .where(table.c.plan == plan, table.c.seq > after, table.c.seq <= upto)
                .limit(batch)
            )
            rows = [StoredEvent(*row) for row in session.execute(stmt)]
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def plan_export_lines(engine: Engine, plan: str, anchor: Head | None, exported_at: datetime) -> Iterator[str]:
    """A plan's export as lines of text: its events up to `anchor` (the whole chain's head when the export
    began), then a manifest naming the scope, the plan and that head."""
    count = 0
    for event in plan_events(engine, plan, anchor.seq if anchor else 0):
        yield json.dumps(exported(event), ensure_ascii=False) + "\n"
        count += 1
    manifest = {
        "manifest": {
            "format": EXPORT_FORMAT,
            "scope": PLAN_SCOPE,
            "plan": plan,
            "exported_at": format_at(exported_at),
            "events": count,
            "head_seq": anchor.seq if anchor else 0,
            "head_hash": anchor.hash if anchor else None,
            "proves": "each event's hash and columns; not the links between them, nor that none is missing",
        }
    }
    yield json.dumps(manifest, ensure_ascii=False) + "\n"


def _last_manifest(path: Path) -> dict[str, Any]:
    """The manifest on a file's last line, when there is one (read from the end: an export may be large)."""
    try:
        with path.open("rb") as raw:
            raw.seek(0, 2)
            raw.seek(max(0, raw.tell() - 4096))
            tail = raw.read().decode("utf-8", errors="replace").strip().splitlines()
        record = json.loads(tail[-1]) if tail else {}
    except (OSError, ValueError):
        return {}
    found = record.get("manifest") if isinstance(record, dict) else None
    return found if isinstance(found, dict) else {}


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
                    yield imported(record)
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"Cannot read {path}: {exc}.") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(
                f"{path}, line {number}: not a Line of Sight ledger export record "
                f"({type(exc).__name__}: {exc})."
            ) from None

    if _last_manifest(path).get("scope") == PLAN_SCOPE:
        if anchor is not None:
            raise BadInput(
                f"{path} holds one plan's events only: a published head is checked against the whole "
                "ledger (`lineofsight audit verify --head`), not against a plan's export."
            )
        return _verify_plan_export(events(), manifest)
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
        verdict = Verdict(verdict.count, verdict.head, Break(at, what))
    return ExportVerdict(verdict, manifest_head)


def _verify_plan_export(events: Iterator[StoredEvent], manifest: dict[str, Any]) -> ExportVerdict:
    verdict = check_each(events)
    head = Head(int(manifest["head_seq"]), str(manifest["head_hash"])) if manifest.get("head_hash") else None
    if verdict.ok and int(manifest.get("events", -1)) != verdict.count:
        what = f"the manifest counts {manifest.get('events')} events but the file holds {verdict.count}"
        verdict = Verdict(verdict.count, verdict.head, Break(verdict.head.seq if verdict.head else 0, what))
    elif verdict.ok and verdict.head is not None and (head is None or verdict.head.seq > head.seq):
        what = f"an event after the manifest's head {head}"
        verdict = Verdict(verdict.count, verdict.head, Break(verdict.head.seq, what))
    return ExportVerdict(verdict, head)
