"""The outbox as the secretariat sees it: the plan's dead and failed notices with their reasons (secrets
taken out), newest first, and revive (secretariat only: `models.outbox.revive`, recorded as NoticeRetried).
Auditors and inspectors read the same page, without its buttons, and their view is recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from config.timezone import DEFAULT_TIMEZONE
from models.db import page_session, unit_of_work
from models.errors import BadInput, UnknownItem
from models.outbox import Notice, NoticeStatus, revive, troubled
from models.output.secrets import redact_text
from models.plan import Plan
from models.sweep.words import LABELS
from models.vocab import short_day
from web.console.layout import RECORD_READERS, WRITERS, Id, console_page, plan_standing, posted, viewed
from web.console.viewer import Viewer, require
from web.pages import Now, the_app
from web.rendering import problem

router = APIRouter()
SHOWN = 200  # the newest this many; the rest are counted (`lineofsight outbox --status dead` lists them all)
NO_SUCH_NOTICE = (
    "No such notice",
    "This plan's outbox has no dead or failed notice with that number. Go back to the outbox.",
)


@router.get("/console/plans/{plan_id}/outbox")
def outbox_page(
    plan_id: Id,
    request: Request,
    now: Now,
    viewer: Annotated[Viewer, Depends(require(*RECORD_READERS))],
    revived: int | None = None,
) -> Response:
    viewed(request, plan_standing(viewer, plan_id), f"/console/plans/{plan_id}/outbox", now)
    return _page(request, viewer, plan_id, revived=revived)


@router.post("/console/plans/{plan_id}/outbox/{notice_id}/revive")
async def revive_notice(
    plan_id: Id,
    notice_id: Id,
    request: Request,
    now: Now,
    viewer: Annotated[Viewer, Depends(require(*WRITERS))],
) -> Response:
    await posted(request, viewer)
    return await run_in_threadpool(_revive, request, viewer, plan_id, notice_id, now)


def _revive(request: Request, viewer: Viewer, plan_id: Id, notice_id: Id, now: datetime) -> Response:
    standing = plan_standing(viewer, plan_id)
    try:
        with unit_of_work(the_app(request).engine) as session:
            revive(session, notice_id, viewer.email, now, plan=standing.plan_name)
    except UnknownItem:
        return problem(404, *NO_SUCH_NOTICE)
    except BadInput as exc:
        return _page(request, viewer, plan_id, error=(f"#notice-{notice_id}", str(exc)), status=400)
    return RedirectResponse(f"/console/plans/{plan_id}/outbox?revived={notice_id}", status_code=303)


def _page(
    request: Request,
    viewer: Viewer,
    plan_id: Id,
    *,
    revived: int | None = None,
    error: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    standing = plan_standing(viewer, plan_id)
    with page_session(the_app(request).engine) as session:
        notices, total = troubled(session, standing.plan_name, SHOWN)
        zone = plan_zone(session, plan_id)
    title = "Dead and failed notices"
    context = {
        "title": f"Error: {title}" if error else title,
        "heading": title,
        "notices": [_row(n, zone) for n in notices],
        "total": total,
        "shown": SHOWN,
        "revived": revived,
        "errors": [error] if error else [],
    }
    return console_page(request, viewer, standing, "console_outbox.html.j2", "outbox", context, status)


def _row(notice: Notice, zone: str) -> dict[str, Any]:
    """One notice as the page shows it: its reason with anything like a secret taken out, whatever wrote it
    (a Workflows URL's signature, an SMTP URL's password)."""
    return {
        "id": notice.id,
        "dead": notice.status is NoticeStatus.DEAD,
        "status": notice.status.value,
        "recipient": notice.recipient,
        "channel": notice.channel.value,
        "kind": LABELS.get(notice.kind, notice.kind),
        "refs": notice.item_refs,
        "due": when(notice.due_at or notice.not_before, zone),
        "next_attempt": when(notice.not_before, zone) if notice.status is NoticeStatus.FAILED else "",
        "attempts": notice.attempts,
        "error": redact_text(notice.last_error) if notice.last_error else "",
    }


def plan_zone(session: Session, plan_id: Id) -> str:
    plan = session.get(Plan, plan_id)
    return plan.timezone if plan is not None else DEFAULT_TIMEZONE


def when(moment: datetime, zone: str) -> str:
    """ "Mon 9 Oct 2017 09:00", in the plan's zone: short enough for a table cell."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{short_day(local.date())} {local:%H:%M}"
