"""Each person's private, revocable calendar feed (.ics): the console page that makes, shows and revokes its
address (any signed-in viewer, for themselves), and the feed itself (`/calendar/TOKEN.ics`), opened by its
token alone, as calendar programs carry no session. The token is kept out of the logs (`web.logs`) and out
of any Referer (the service's `Referrer-Policy: no-referrer`); a token unknown, revoked or changed, or whose
owner is no one any more, gets the same bare 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.console import calendar_feed
from models.console.calendar_feed import feed_owner, live_token, revoke_feed
from models.db import page_session, unit_of_work
from models.plan import Plan
from models.reports.calendar_events import ics, load_feed
from models.sweep.run import calendar_for
from packs.schedule import pack_date
from web.console.layout import console_page, posted, viewed
from web.console.viewer import NotAllowed, SignedIn, Viewer
from web.pages import Now, _key, the_app
from web.rendering import problem

router = APIRouter()
PAGE = "/console/calendar"
GONE = ("Page not found", "There is no page at this address.")


@router.get(PAGE)
def calendar_page(request: Request, now: Now, viewer: SignedIn, made: str | None = None) -> Response:
    key = _feed_key(request)
    with page_session(the_app(request).engine) as session:
        token = live_token(session, key, viewer.email)
    for standing in viewer.standings:  # an auditor's or inspector's view, on each of their plans' record
        viewed(request, standing, PAGE, now)
    base = the_app(request).settings.base_url.rstrip("/")
    context: dict[str, Any] = {
        "title": "Your calendar feed",
        "feed_url": f"{base}/calendar/{token}.ics" if token else None,
        "made": made == "1" and token is not None,
        "revoked": made == "0",
    }
    return console_page(request, viewer, None, "console_calendar.html.j2", "calendar", context)


@router.post(f"{PAGE}/new")
async def new_feed(request: Request, now: Now, viewer: SignedIn) -> Response:
    await posted(request, viewer)
    await run_in_threadpool(_issue, request, viewer, now)
    return RedirectResponse(f"{PAGE}?made=1", status_code=303)


@router.post(f"{PAGE}/revoke")
async def revoke(request: Request, now: Now, viewer: SignedIn) -> Response:
    await posted(request, viewer)
    await run_in_threadpool(_revoke, request, viewer, now)
    return RedirectResponse(f"{PAGE}?made=0", status_code=303)


@router.api_route("/calendar/{token}.ics", methods=["GET", "HEAD"])
def feed(token: str, request: Request, now: Now) -> Response:
    app = the_app(request)
    key = _key(app)
    if key is None:
        return problem(404, *GONE)
    with page_session(app.engine) as session:
        email = feed_owner(session, key, token)
        loaded = load_feed(session, email, now, _pack_day(request)) if email is not None else None
    if loaded is None:
        return problem(404, *GONE)
    name, found = loaded
    return Response(ics(found, name), media_type="text/calendar; charset=utf-8")


def _feed_key(request: Request) -> bytes:
    key = _key(the_app(request))
    if key is None:  # no key, no session: never so on a signed-in page, but never a feed without one
        raise NotAllowed()
    return key


def _issue(request: Request, viewer: Viewer, now: datetime) -> None:
    calendar_feed.new_feed(the_app(request).engine, _feed_key(request), viewer.email, now)


def _revoke(request: Request, viewer: Viewer, now: datetime) -> None:
    with unit_of_work(the_app(request).engine) as session:
        revoke_feed(session, viewer.email, now)


def _pack_day(request: Request) -> Any:
    policy = the_app(request).policy

    def day(plan: Plan, meeting: date) -> date:
        plan_policy = policy.for_plan(plan.name)
        return pack_date(meeting, calendar_for(plan, plan_policy), plan_policy.meetings.pack_days)

    return day
