"""Owners' requests to move a due date: accept (a re-baseline with its reason) or decline (the owner is told
why), by the secretariat only (`require` refuses anyone else on the server); auditors and inspectors read
the same page without its forms, and their view is recorded. The rules are `models.plans.due_decisions`'."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from models.console_records import DueChangeRequest
from models.db import page_session, unit_of_work
from models.plan import Plan
from models.plans.due_decisions import DecisionRefused, accept, decline
from models.reports.due_change_requests import DECIDED_SHOWN, RequestLine, requests_of
from web.console.layout import RECORD_READERS, WRITERS, Id, console_page, plan_standing, posted, viewed
from web.console.outbox import when
from web.console.viewer import NotAllowed, Viewer, require
from web.pages import Now, the_app
from web.rendering import problem

router = APIRouter()
Decision = Callable[[Session, DueChangeRequest, str, str, datetime], None]
NO_SUCH_REQUEST = (
    "No such request",
    "This plan has no request to move a due date with that number. Go back to the due-date requests.",
)


class _NoSuchRequest(Exception):
    pass


@router.get("/console/plans/{plan_id}/requests")
def requests_page(
    plan_id: Id,
    request: Request,
    now: Now,
    viewer: Annotated[Viewer, Depends(require(*RECORD_READERS))],
    decided: int | None = None,
) -> Response:
    viewed(request, plan_standing(viewer, plan_id), f"/console/plans/{plan_id}/requests", now)
    return _page(request, viewer, plan_id, decided=decided)


@router.post("/console/plans/{plan_id}/requests/{request_id}/accept")
async def accept_request(
    plan_id: Id,
    request_id: Id,
    request: Request,
    now: Now,
    viewer: Annotated[Viewer, Depends(require(*WRITERS))],
) -> Response:
    form = await posted(request, viewer)
    return await run_in_threadpool(_decide, request, viewer, plan_id, request_id, form, now, accept)


@router.post("/console/plans/{plan_id}/requests/{request_id}/decline")
async def decline_request(
    plan_id: Id,
    request_id: Id,
    request: Request,
    now: Now,
    viewer: Annotated[Viewer, Depends(require(*WRITERS))],
) -> Response:
    form = await posted(request, viewer)
    return await run_in_threadpool(_decide, request, viewer, plan_id, request_id, form, now, decline)


def _decide(
    request: Request,
    viewer: Viewer,
    plan_id: Id,
    request_id: Id,
    form: dict[str, str],
    now: datetime,
    decision: Decision,
) -> Response:
    """The decision and its events and notices in one transaction; refused, nothing changes and the page
    says why beside the request (400)."""
    reason = form.get("reason", "")
    try:
        with unit_of_work(the_app(request).engine) as session:
            asked = session.get(DueChangeRequest, request_id)
            if asked is None or asked.plan_id != plan_id:
                raise _NoSuchRequest()
            decision(session, asked, viewer.email, reason, now)
    except _NoSuchRequest:
        return problem(404, *NO_SUCH_REQUEST)
    except DecisionRefused as exc:
        error = {"request": request_id, "field": exc.field, "text": str(exc), "typed": reason}
        return _page(request, viewer, plan_id, error=error, status=400)
    return RedirectResponse(f"/console/plans/{plan_id}/requests?decided={request_id}", status_code=303)


def _page(
    request: Request,
    viewer: Viewer,
    plan_id: Id,
    *,
    decided: int | None = None,
    error: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    standing = plan_standing(viewer, plan_id)
    with page_session(the_app(request).engine) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise NotAllowed()
        opened, closed = requests_of(session, plan)
    zone = plan.timezone
    title = "Requests to move a due date"
    errors = []
    if error is not None:
        beside = error["field"] and any(r.id == error["request"] for r in opened)
        anchor = f"reason-{error['request']}" if beside else f"request-{error['request']}"
        error = {**error, "field": error["field"] if beside else None}
        errors = [(f"#{anchor}", error["text"])]
    context = {
        "title": f"Error: {title}" if error else title,
        "heading": title,
        "opened": [_shown(r, zone) for r in opened],
        "closed": [_shown(r, zone) for r in closed],
        "closed_limit": DECIDED_SHOWN,
        "just_decided": next((_shown(r, zone) for r in closed if r.id == decided), None),
        "errors": errors,
        "error": error,
    }
    return console_page(request, viewer, standing, "console_requests.html.j2", "requests", context, status)


def _shown(line: RequestLine, zone: str) -> dict[str, Any]:
    return {
        "line": line,
        "asked_at": when(line.asked_at, zone),
        "decided_at": when(line.decided_at, zone) if line.decided_at else "",
    }
