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
from models.ledger.verification import Break, Verdict, check_chain
from models.output.files import replacing

EXPORT_FORMAT = "lineofsight-ledger-export/1"


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
