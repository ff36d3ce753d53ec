"""Signing in to the console and out of it: the form that asks for a link (`/console/sign-in`), the page an
emailed link opens (`/console/enter/TOKEN`: a GET shows one button and writes nothing, for mail scanners
open every link; the POST uses the link), the signed-in person's home (`/console`) and signing out.

The form never tells who has access: every address it accepts gets the same answer. Forgery: the sign-in
form has no cookie to bind to, so a post from another site is refused by the browser's own word on where it
came from (`_same_site`, as the owners' forms); the enter and sign-out forms also carry a field signed for
the link or the session they were served under.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from config.timezone import DEFAULT_TIMEZONE
from flows.bootstrap import App
from flows.sign_in import sign_in_requested
from models.console.entry import SignInRefused, check_link, enter, sign_out
from models.console.roles import Role, Standing
from models.console.sign_in import (
    COOKIE,
    COOKIE_PATH,
    SESSION_LIFE,
    SIGN_IN_LIFE,
    csrf_field,
    csrf_matches,
    read_session_value,
    session_value,
)
from models.console.sign_in_requests import MAX_PER_HOUR
from models.db import page_session, unit_of_work
from models.errors import InvalidValue
from models.plans.text_rules import email_address
from web.console.viewer import SignedIn, SignInFirst
from web.pages import CROSS_SITE, Now, _form, _key, _same_site, the_app
from web.rendering import page, problem
from web.security import LinkLimiter

router = APIRouter()
ASK_AGAIN = "Ask for a new link on the sign-in page: it works for 15 minutes, once."
REFUSALS = {
    "tampered": (
        "This sign-in link does not work",
        f"This link is not one we sent, or it was changed on its way to you. {ASK_AGAIN}",
    ),
    "expired": ("This sign-in link has expired", f"Sign-in links work for 15 minutes only. {ASK_AGAIN}"),
    "used": ("This sign-in link has already been used", f"Each sign-in link works once. {ASK_AGAIN}"),
    "ended": (
        "Your access to the console has ended",
        "This address may no longer use the console in any plan. Ask the board secretariat if you think "
        "this is wrong.",
    ),
}
ROLE_TITLES = {
    Role.SECRETARIAT: "Board secretariat",
    Role.CHAIR: "Chair",
    Role.MEMBER: "Board member",
    Role.AUDITOR: "Auditor",
    Role.INSPECTOR: "Inspector",
}


@router.get("/console/sign-in")
def sign_in_form(request: Request, signed_out: str | None = None) -> Response:
    return _sign_in_page(signed_out=signed_out == "1")


@router.post("/console/sign-in")
async def ask_for_link(request: Request, now: Now) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_ask, request, form, now)


@router.api_route("/console/enter/{token}", methods=["GET", "HEAD"])  # link checkers ask with HEAD
def enter_page(token: str, request: Request, now: Now) -> Response:
    app = the_app(request)
    key = _key(app)
    if key is None:
        return problem(403, *REFUSALS["tampered"])
    with page_session(app.engine) as session:
        try:
            claims = check_link(session, key, token, now)
        except SignInRefused as exc:
            return _refused(exc)
    context = {"title": "Sign in to Line of Sight", "email": claims.email, "csrf": csrf_field(key, token)}
    return page("console_enter.html.j2", context)


@router.post("/console/enter/{token}")
async def use_link(token: str, request: Request, now: Now) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_enter, request, token, form, now)


@router.get("/console")
def home(request: Request, viewer: SignedIn) -> Response:
    key = _key(the_app(request))
    if key is None:  # a viewer exists only under a key: never so, but never a page without it
        raise SignInFirst()
    ends = viewer.session.expires.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    context: dict[str, Any] = {
        "title": "Your console",
        "viewer": viewer,
        "name": viewer.name,
        "roles_of": roles_of,
        "csrf": csrf_field(key, viewer.cookie),
        "ends": f"{ends:%H:%M} (UK time) on {ends.day} {ends:%B %Y}",
    }
    return page("console_home.html.j2", context)


@router.post("/console/sign-out")
async def leave(request: Request, now: Now) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_sign_out, request, form, now)


# --- the pieces ---------------------------------------------------------------------------------------


def roles_of(standing: Standing) -> list[dict[str, Any]]:
    """A standing's roles as the home page lists them, in the table's order, an inspector's with its end."""
    return [
        {"title": title, "until": standing.until.get(role)}
        for role, title in ROLE_TITLES.items()
        if role in standing.roles
    ]


def _sign_in_page(status: int = 200, **context: Any) -> Response:
    title = "Check your email" if context.get("asked") else "Sign in to the console"
    context = {
        "title": f"Error: {title}" if context.get("error") else title,
        "minutes": int(SIGN_IN_LIFE.total_seconds() // 60),
        "per_hour": MAX_PER_HOUR,
        "email": "",
        **context,
    }
    return page("console_sign_in.html.j2", context, status)


def _ask(request: Request, form: dict[str, str], now: datetime) -> Response:
    app = the_app(request)
    if not _same_site(request, app.settings.base_url):
        return problem(403, *CROSS_SITE)
    if not _askers(request).allow(request.client.host if request.client else "-"):
        refusal = problem(
            429,
            "Too many requests",
            "Links were asked for from here too often in the last minute. Wait a minute, then ask again.",
        )
        refusal.headers["Retry-After"] = "60"
        return refusal
    typed = form.get("email", "")
    if not typed.strip():
        return _sign_in_page(400, error="Enter your email address", email=typed)
    try:
        address = email_address(typed[:400], "email address")
    except InvalidValue:
        return _sign_in_page(
            400, error="Enter an email address in the correct form, like name@example.org", email=typed
        )
    response = _sign_in_page(asked=True)
    if _key(app) is not None:  # with no key no link can be written (`doctor` says so): nothing is queued
        # After the answer has gone, so how long it takes says nothing about the address either.
        response.background = BackgroundTask(_send_apart, app, address, now)
    return response


# Sign-in emails are sent on threads of their own, at most SENDERS at once in a process: a slow or
# unreachable mail server then holds these, never the threads (and connections) the pages are served on.
# A plain executor, not an anyio limiter: it belongs to no event loop, so it outlives any one of them.
SENDERS = 2
_senders = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="sign-in-mail")


async def _send_apart(app: App, address: str, now: datetime) -> None:
    await asyncio.wrap_future(_senders.submit(sign_in_requested, app, address, now))


# Per address, the database holds asking to MAX_PER_HOUR links an hour; per client address, this process holds
# the form to ASKS_PER_MINUTE a minute, so one machine cannot walk a list of addresses through it.
ASKS_PER_MINUTE = 10


def _askers(request: Request) -> LinkLimiter:
    found: LinkLimiter | None = getattr(request.app.state, "sign_in_askers", None)
    if found is None:
        found = request.app.state.sign_in_askers = LinkLimiter(per_minute=ASKS_PER_MINUTE)
    return found


def _enter(request: Request, token: str, form: dict[str, str], now: datetime) -> Response:
    app = the_app(request)
    key = _key(app)
    if key is None:
        return problem(403, *REFUSALS["tampered"])
    if not _same_site(request, app.settings.base_url) or not csrf_matches(key, token, form.get("csrf")):
        return problem(403, *CROSS_SITE)
    try:
        with unit_of_work(app.engine) as session:
            entered = enter(session, key, token, now)
    except SignInRefused as exc:
        return _refused(exc)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(
        COOKIE,
        session_value(key, entered.email, now),
        max_age=int(SESSION_LIFE.total_seconds()),
        path=COOKIE_PATH,
        secure=urlsplit(app.settings.base_url).scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


def _sign_out(request: Request, form: dict[str, str], now: datetime) -> Response:
    app = the_app(request)
    key, cookie = _key(app), request.cookies.get(COOKIE, "")
    claims = read_session_value(key, cookie, now) if key is not None and cookie else None
    if claims is not None and key is not None:
        if not _same_site(request, app.settings.base_url) or not csrf_matches(key, cookie, form.get("csrf")):
            return problem(403, *CROSS_SITE)
        try:
            with unit_of_work(app.engine) as session:
                sign_out(session, claims, now)
        except SignInRefused:  # signed out at the same moment elsewhere: it has ended all the same
            pass
    response = RedirectResponse("/console/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
    return response


def _refused(exc: SignInRefused) -> Response:
    status = {"tampered": 403, "ended": 403}.get(exc.reason, 410)
    return problem(status, *REFUSALS.get(exc.reason, REFUSALS["tampered"]))
