"""What every response of the web face carries and every request is held to, in one pure ASGI middleware
(no BaseHTTPMiddleware: it would copy every request and response through a task and a queue).

Every response gets the security headers; a body over 64 KiB is refused (413) before any page reads it;
each link may be used 30 times a minute in each process (429; LINEOFSIGHT_LINK_RATE_LIMIT); an unexpected
error becomes a plain 500 page, logged with its traceback but never with a token; and every request writes
one access line naming its link by fingerprint. Pages decide nothing here: this module knows links only by
their place in a path or form.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import Settings
from models.links.tokens import fingerprint
from web.logs import ACCESS_LOGGER, ERROR_LOGGER, guard_loggers, redact
from web.rendering import problem

MAX_BODY = 64 * 1024  # the update form with a long note is a few KiB; anything near this is not a person
WINDOW = 60.0
KEPT_LINKS = 10_000  # links the limiter remembers at most: a flood of made-up ones cannot fill memory
RENEW_PATH = "/links/renew"
_LINK_PATH = re.compile(r"^/(?:u|me|console/enter|calendar)/([^/]+)")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

access_log = logging.getLogger(ACCESS_LOGGER)
error_log = logging.getLogger(ERROR_LOGGER)


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (
            b"content-security-policy",
            b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
            b"frame-ancestors 'none'",
        ),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),  # a link's token never travels onwards in a Referer
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if https:  # over plain http (a laptop, the demo) the header would be ignored, or pin a wrong promise
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class LinkLimiter:
    """At most `per_minute` requests per link (by fingerprint) in any `window` seconds: a sliding window,
    kept in this process only. `clock` is monotonic seconds (the edge's clock; a test passes its own)."""

    def __init__(
        self,
        per_minute: int,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        kept: int = KEPT_LINKS,
    ) -> None:
        self.per_minute, self.window, self.clock, self.kept = per_minute, window, clock, kept
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, link: str) -> bool:
        now = self.clock()
        times = self._seen.pop(link, None)
        if times is None:
            times = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        allowed = len(times) < self.per_minute
        if allowed:
            times.append(now)
        self._seen[link] = times  # most recently used last
        while len(self._seen) > self.kept:
            self._seen.popitem(last=False)
        return allowed


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _too_large(declared: bytes | None) -> bool | None:
    """True/False when the request says its length; None when it does not (a chunked body)."""
    if declared is None:
        return None
    try:
        return int(declared) > MAX_BODY
    except ValueError:
        return True  # not a length at all: refused like an oversized one, never read


def _renew_token(body: bytes) -> str | None:
    tokens = parse_qs(body.decode("utf-8", "replace"), max_num_fields=20).get("token")
    return tokens[0] if tokens else None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_COOKIE_FLAGS = re.compile(rb";\s*(?:samesite=[^;]*|httponly|secure)\s*(?=;|$)", re.IGNORECASE)
_LAX = re.compile(rb";\s*samesite=lax\s*(?=;|$)", re.IGNORECASE)
_CONSOLE_PATH = re.compile(rb";\s*path=/console\s*(?=;|$)", re.IGNORECASE)


def _strict_cookie(value: bytes, https: bool) -> bytes:
    """A cookie set anywhere leaves HttpOnly, SameSite=Strict and (over https) Secure, whatever it asked;
    but the console's session (Path=/console) may keep the SameSite=Lax it asks for, so that a link to a
    console page in an email opens it signed in."""
    lax = _LAX.search(value) and _CONSOLE_PATH.search(value)
    same_site = b"Lax" if lax else b"Strict"
    flags = b"; HttpOnly; SameSite=" + same_site + (b"; Secure" if https else b"")
    return _COOKIE_FLAGS.sub(b"", value) + flags


class Guard:
    def __init__(self, app: ASGIApp, *, https: bool, limiter: LinkLimiter) -> None:
        self.app, self.https, self.limiter = app, https, limiter
        self.headers = security_headers(https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        dynamic = not path.startswith("/static/")
        status = [0]

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = [
                    (key, _strict_cookie(value, self.https) if key == b"set-cookie" else value)
                    for key, value in message.get("headers", [])
                ]
                # A page that states its own policy (a built pack's HTML, sandboxed) keeps it: two policies
                # would both apply, the stricter one blocking what that page needs.
                own_policy = any(key == b"content-security-policy" for key, _ in headers)
                headers += [
                    h for h in self.headers if not (own_policy and h[0] == b"content-security-policy")
                ]
                if dynamic:  # a page behind a link is never kept by a browser or a proxy
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            refusal, receive = await self._screen(scope, receive)
            if refusal is not None:
                await refusal(scope, receive, guarded_send)
            else:
                await self.app(scope, receive, guarded_send)
        except ClientDisconnect:
            pass  # the person closed the page while sending: nobody is left to answer, nothing went wrong
        except Exception:
            error_log.exception("Unexpected error on %s %s", scope["method"], redact(path))
            if status[0] == 0:  # nothing sent yet: the person gets a plain page, never the traceback
                status[0] = 500
                await _failed()(scope, receive, guarded_send)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            shown = redact(path + (f"?{query}" if query else ""))
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %s %.1fms", scope["method"], shown, status[0] or "-", elapsed)

    async def _screen(self, scope: Scope, receive: Receive) -> tuple[Response | None, Receive]:
        """The refusal this request earns before any page sees it (too large, too often), if any, and the
        `receive` the page should read its body from."""
        too_large = _too_large(_header(scope, b"content-length"))
        if too_large:
            return _refused_size(), receive
        if _CONTROL.search(scope["path"]):  # no address of ours holds one; a database refuses a NUL outright
            return problem(404, *_REFUSED[404]), receive
        link: str | None = None
        matched = _LINK_PATH.match(scope["path"])
        if matched:
            link = matched.group(1)
        body: bytes | None = None
        chunked = too_large is None and (
            scope["method"] in _BODY_METHODS or _header(scope, b"transfer-encoding") is not None
        )
        if chunked or (scope["path"] == RENEW_PATH and scope["method"] == "POST"):
            body = await _read_body(receive)
            if body is None:
                return _refused_size(), receive
            if scope["path"] == RENEW_PATH:
                link = _renew_token(body)
        if link is not None and not self.limiter.allow(fingerprint(link)):
            return _refused_rate(), receive
        return None, receive if body is None else _replay(body, receive)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, counted as it arrives; None as soon as it passes MAX_BODY."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: what arrived is all there is
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then whatever comes next (a disconnect)

    return replayed


def _refused_size() -> Response:
    return problem(
        413,
        "What you sent is too large",
        f"This service accepts at most {MAX_BODY // 1024} KB in one form. Shorten the note, then send it "
        "again.",
    )


def _refused_rate() -> Response:
    response = problem(
        429,
        "Too many requests",
        "This link has been used too many times in the last minute. Wait a minute, then try again.",
    )
    response.headers["Retry-After"] = str(int(WINDOW))
    return response


def _failed() -> Response:
    return problem(
        500,
        "Something went wrong",
        "The service could not finish this request. Open the page again from your message; if this keeps "
        "happening, tell the team that runs Line of Sight.",
    )


_REFUSED = {
    404: ("Page not found", "There is no page at this address. Open the link from your message again."),
    405: ("This page cannot do that", "Open the link from your message again and use the form on it."),
}


async def _http_problem(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (an unknown path, a wrong method) as plain pages, not JSON."""
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = exc.headers if isinstance(exc, HTTPException) else None
    title, text = _REFUSED.get(code, (HTTPStatus(code).phrase, "Open the link from your message again."))
    response = problem(code, title, text)
    response.headers.update(headers or {})  # what the refusal needs said (a 405's Allow)
    return response


async def _unreadable_form(request: Request, exc: Exception) -> Response:
    """A form that does not even have the fields a page reads (never one sent from our pages): a plain page,
    not FastAPI's JSON, which would echo what was sent. An address whose own parts cannot be read (a row id
    that is not a number, or past the database's range) names no page: 404, as an unknown address."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    if any(error.get("loc", ("",))[0] == "path" for error in errors):
        return problem(404, *_REFUSED[404])
    return problem(400, "This form could not be read", "Open the page again from your message and send it.")


def install(api: FastAPI, settings: Settings) -> None:
    guard_loggers()
    https = urlsplit(settings.base_url).scheme == "https"
    api.add_middleware(Guard, https=https, limiter=LinkLimiter(per_minute=settings.link_rate_limit))
    api.add_exception_handler(HTTPException, _http_problem)
    api.add_exception_handler(RequestValidationError, _unreadable_form)
