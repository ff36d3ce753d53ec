"""The record for auditors and inspectors: the ledger's head, verify on demand, the plan's JSONL export,
history filtered by item, person, rule and date.

The export is the plan's own events, each with its hash and the hash before it in the whole chain, and a
manifest naming the whole chain's head when it was made (`models.ledger.export.PLAN_SCOPE`): an inspector
sees only their plans' events, so the file cannot be checked as a chain, but each event's hash can be, and
`lineofsight audit verify --file` does so; the chain itself is proved by "Verify the ledger now".
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from config.timezone import DEFAULT_TIMEZONE
from models.audit import AuditEvent
from models.console.roles import Standing
from models.db import page_session, unit_of_work
from models.ledger.chain import Event, Head, head, record
from models.ledger.export import plan_export_lines
from models.ledger.kinds import EventKind
from models.ledger.stored import COLUMNS, StoredEvent
from models.ledger.verification import Break, verify_database
from models.plan import Plan
from models.reports.event_lines import summary
from models.reports.plan_history import FIELDS, BadFilters, HistoryFilter, plan_history
from models.reports.plan_history import parse_filters as parse_history_filters
from models.reports.read_cache import SharedRun
from web.console.layout import RECORD_READERS, Id, console_page, plan_standing, posted, viewed
from web.console.viewer import Viewer, require
from web.pages import Now, the_app

router = APIRouter()
Reader = Annotated[Viewer, Depends(require(*RECORD_READERS))]
_TABLE = AuditEvent.__table__  # type: ignore[attr-defined]


@router.get("/console/plans/{plan_id}/record")
def record_page(
    plan_id: Id, request: Request, now: Now, viewer: Reader, verified: str | None = None
) -> Response:
    standing = plan_standing(viewer, plan_id)
    engine = the_app(request).engine
    with page_session(engine) as session:
        top = _row(session, None)
        check = _verification(session, standing.plan_name, verified)
    viewed(request, standing, f"/console/plans/{plan_id}/record", now)
    context = {"title": "The plan's record", "head": top, "check": check}
    return console_page(request, viewer, standing, "console_record.html.j2", "record", context)


@router.post("/console/plans/{plan_id}/record/verify")
async def verify(plan_id: Id, request: Request, now: Now, viewer: Reader) -> Response:
    await posted(request, viewer)
    seq = await run_in_threadpool(_verify, request, viewer, plan_id, now)
    return RedirectResponse(f"/console/plans/{plan_id}/record?verified={seq}", status_code=303)


@router.get("/console/plans/{plan_id}/record/export.jsonl")
def export(plan_id: Id, request: Request, now: Now, viewer: Reader) -> Response:
    standing = plan_standing(viewer, plan_id)
    engine = the_app(request).engine
    with unit_of_work(engine) as session:
        anchor = head(session)
        count = session.execute(
            sa.select(sa.func.count())
            .select_from(_TABLE)
            .where(_TABLE.c.plan == standing.plan_name, _TABLE.c.seq <= (anchor.seq if anchor else 0))
        ).scalar_one()
        data = {"scope": "plan", "events": count, "head": str(anchor) if anchor else None}
        record(
            session, Event(EventKind.LEDGER_EXPORTED, viewer.email, standing.plan_name, None, data), at=now
        )
    name = f"ledger-plan-{plan_id}-to-{anchor.seq if anchor else 0}.jsonl"
    return StreamingResponse(
        plan_export_lines(engine, standing.plan_name, anchor, now),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/console/plans/{plan_id}/record/history")
def history(plan_id: Id, request: Request, now: Now, viewer: Reader) -> Response:
    standing = plan_standing(viewer, plan_id)
    typed = {f: request.query_params.get(f, "")[:400] for f in FIELDS}
    try:
        where = parse_history_filters(typed)
    except BadFilters as exc:
        viewed(request, standing, f"/console/plans/{plan_id}/record/history", now, {"refused": "filters"})
        refused = {"title": "Error: The plan's history", "typed": typed, "errors": exc.fields, "rows": []}
        return console_page(request, viewer, standing, "console_history.html.j2", "record", refused, 400)
    with page_session(the_app(request).engine) as session:
        plan = session.get(Plan, plan_id)
        zone = plan.timezone if plan is not None else DEFAULT_TIMEZONE
        found = plan_history(session, standing.plan_name, zone, where)
    viewed(request, standing, f"/console/plans/{plan_id}/record/history", now, where.shown())
    context: dict[str, Any] = {
        "title": "The plan's history",
        "typed": {**typed, "before": ""},
        "errors": {},
        "rows": [_line(e) for e in found.events],
        "older": _older_link(plan_id, where, found.older),
        "searched_to": found.searched_to,
        "filtered": any(v is not None for k, v in where.shown().items() if k != "before"),
    }
    return console_page(request, viewer, standing, "console_history.html.j2", "record", context)


# --- the pieces ---------------------------------------------------------------------------------------


def _row(session: Session, seq: int | None) -> StoredEvent | None:
    query = sa.select(*(_TABLE.c[name] for name in COLUMNS))
    query = query.where(_TABLE.c.seq == seq) if seq is not None else query.order_by(_TABLE.c.seq.desc())
    found = session.execute(query.limit(1)).first()
    return StoredEvent(*found) if found else None


def _verification(session: Session, plan: str, verified: str | None) -> dict[str, Any] | None:
    """The verdict a verify just recorded (the page it redirected to names its event), when it is this
    plan's LedgerVerified event; nothing otherwise."""
    if verified is None or not (verified.isascii() and verified.isdigit()) or len(verified) > 15:
        return None
    event = _row(session, int(verified))
    if event is None or event.kind != EventKind.LEDGER_VERIFIED or event.plan != plan:
        return None
    return {**event.data, "by": event.actor, "at": event.at}


def _verify(request: Request, viewer: Viewer, plan_id: Id, now: datetime) -> int:
    standing = plan_standing(viewer, plan_id)
    engine = the_app(request).engine
    verdict = _verifications(request).run(lambda: verify_database(engine))  # each press still recorded
    data: dict[str, Any] = {
        "verdict": "intact" if verdict.ok else "broken",
        "events": verdict.count,
        "head": str(verdict.head) if verdict.head else None,
    }
    with unit_of_work(engine) as session:
        if verdict.problem is not None:
            data |= {"break_seq": verdict.problem.seq, "break": _told(session, verdict.problem, standing)}
        written: Head = record(
            session, Event(EventKind.LEDGER_VERIFIED, viewer.email, standing.plan_name, None, data), at=now
        )
    return written.seq


def _verifications(request: Request) -> SharedRun:
    """The application's one verification at a time: presses that arrive while the chain is being read
    share that reading (a ledger of a million events takes a while; fifty presses must not take fifty)."""
    state = request.app.state
    found: SharedRun | None = getattr(state, "console_verifications", None)
    if found is None:  # two first presses may each make one: two readings at most, both correct
        found = state.console_verifications = SharedRun()
    return found


OTHER_PLANS_BREAK = (
    "an event outside this plan does not match the chain; what it says is not shown here (it is not this "
    "plan's): the operator sees it with `lineofsight audit verify`"
)


def _told(session: Session, problem: Break, standing: Standing) -> str:
    """Where the chain breaks, in words this viewer may read: a break in another plan's event (or in one of no
    plan) is located by its seq only, for its columns are that plan's data."""
    row = session.get(AuditEvent, problem.seq)
    return problem.what if row is not None and row.plan == standing.plan_name else OTHER_PLANS_BREAK


def _line(event: StoredEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "day": event.day,
        "written": event.at[:16].replace("T", " "),
        "actor": event.actor,
        "kind": event.kind,
        "subject": event.ref or "",
        "what": summary(event),
    }


def _older_link(plan_id: Id, where: HistoryFilter, older: int | None) -> str | None:
    if older is None:
        return None
    query = {k: v for k, v in where.shown().items() if v is not None}
    query["before"] = older
    return f"/console/plans/{plan_id}/record/history?{urlencode(query)}"
