"""The pages an owner reaches from a message: one item (`/u/`), all their items (`/me/`), and a fresh link
when theirs no longer works (its refused page posts back to its own address, or to `/links/renew`). Each
request reads the clock once, here at the edge (`clock`), opens its link through models.links.access, and
calls the services every door calls; a GET never writes (mail scanners open every link)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from flows.bootstrap import App
from models.db import page_session, read_session, unit_of_work
from models.errors import BadInput, InvalidValue
from models.links.access import Access, LinkRefused, OpenItem, open_link
from models.links.item_page import item_facts
from models.links.renewal import NobodyToSendTo, request_fresh_link
from models.links.tokens import LinkClaims, TamperedLink, csrf_ok, csrf_token, fingerprint, read
from models.plan import Update
from models.plans.due_requests import request_due_change
from models.plans.spec import UpdateSpec
from models.plans.updates import FieldError, apply_update
from models.vocab import RAG, Status
from models.web_links import WebSubmission
from web.forms import FIELD_OF_ERROR, FORM_ID, FormState, Posted, described_by, read_form
from web.rendering import page, problem

router = APIRouter()


async def clock() -> datetime:
    """The one reading of the clock per request: everything below takes it as a value. (async: FastAPI
    would hand a plain function to its thread pool, a hop that costs more than reading the clock.)"""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(clock)]

# Why a link does not open, as its reader is told: nothing about the item, and what they can do.
REFUSALS = {
    "tampered": (
        "This link does not work",
        "This link is not one we sent, or it was changed on its way to you. Use the link in your latest "
        "message from Line of Sight.",
    ),
    "unknown": (
        "This link does not work",
        "This link is for a plan or a person that is no longer in Line of Sight. Ask the board secretariat "
        "if you need to send an update.",
    ),
    "expired": (
        "This link has expired",
        "Links in messages work for a limited time, so that an old message cannot be used to change the "
        "plan. We can send a new link to the email address we hold for you.",
    ),
    "revoked": (
        "This link has been withdrawn",
        "The links sent to you before now have been withdrawn. We can send a new link to the email address "
        "we hold for you.",
    ),
    "reassigned": (
        "This link no longer works for you",
        "You can no longer update this item: it may now be someone else's. We can send a new link to your "
        "own items to the email address we hold for you.",
    ),
}
UNREADABLE = (
    "This form could not be read",
    "Part of the form is missing. Open the link in your message again and send the form from there.",
)
CROSS_SITE = (
    "This form could not be sent",
    "The form was sent from another website, or from a page that is too old. Open the link in your message "
    "again and send the form from there.",
)


@router.api_route("/healthz", include_in_schema=False, methods=["GET", "HEAD"])
def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")


@router.api_route("/u/{token}", methods=["GET", "HEAD"])  # link checkers ask with HEAD
def item_page(token: str, request: Request, now: Now, sent: str | None = None) -> Response:
    return _show(request, token, now, all_items=False, sent=sent == "1")


@router.api_route("/me/{token}", methods=["GET", "HEAD"])  # link checkers ask with HEAD
def my_items_page(token: str, request: Request, now: Now, sent: str | None = None) -> Response:
    return _show(request, token, now, all_items=True, sent=sent == "1")


@router.post("/u/{token}")
async def post_item(token: str, request: Request, now: Now) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_post, request, token, form, now, False)


@router.post("/me/{token}")
async def post_my_item(token: str, request: Request, now: Now) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_post, request, token, form, now, True)


@router.post("/links/renew")
async def renew(request: Request, now: Now) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_renew, request, form, now)


# --- the pieces ---------------------------------------------------------------------------------------


async def _form(request: Request) -> dict[str, str]:
    return {name: value for name, value in (await request.form()).items() if isinstance(value, str)}


def the_app(request: Request) -> App:
    """The composition root `web.app.create_app` put on the application."""
    found: App = request.app.state.app
    return found


def _key(app: App) -> bytes | None:
    secret = app.settings.secret_key
    return secret.get_secret_value().encode("utf-8") if secret and secret.get_secret_value() else None


def _same_site(request: Request, base_url: str) -> bool:
    """A browser's own word on where a form came from: refused when another site sent it. (A page served
    with no-referrer posts `Origin: null`, so only a named, foreign origin is refused.)"""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    ours = {_origin(base_url), _origin(str(request.base_url))}
    return _origin(origin) in ours


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _claims(key: bytes, token: str, all_items: bool) -> LinkClaims:
    """The token's claims when it was written for this page: an item link opens /u/ only, an "all my
    items" link /me/ only."""
    claims = read(key, token)
    if (claims.ref is None) != all_items:
        raise TamperedLink()
    return claims


def refused(exc: LinkRefused, key: bytes, token: str) -> Response:
    title, text = REFUSALS.get(exc.reason, REFUSALS["tampered"])
    if exc.claims is None:
        return problem(exc.status, title, text)
    return problem(exc.status, title, text, renew_csrf=csrf_token(key, token))


def _open(session: Session, key: bytes, token: str, now: datetime, all_items: bool) -> Access:
    try:
        _claims(key, token, all_items)
    except TamperedLink:
        raise LinkRefused("tampered", 403) from None
    return open_link(session, key, token, now)


def _show(
    request: Request,
    token: str,
    now: datetime,
    *,
    all_items: bool,
    sent: bool = False,
    states: dict[str, FormState] | None = None,
    status: int = 200,
) -> Response:
    app = the_app(request)
    key = _key(app)
    if key is None:  # no secret key: no link can be ours (`doctor` says so)
        return problem(403, *REFUSALS["tampered"])
    with page_session(app.engine) as session:
        try:
            access = _open(session, key, token, now, all_items)
        except LinkRefused as exc:
            return refused(exc, key, token)
        rules = app.policy.calendar
        facts = item_facts(session, access, rules.dates, rules.every_year)
    states = states or {}
    csrf = csrf_token(key, token)
    forms = []
    for fact, entry in zip(facts, access.items, strict=True):
        state = states.get(fact.ref.upper()) or FormState()
        prefix = f"{re.sub(r'[^a-z0-9]+', '-', fact.ref.lower())}-" if all_items else ""
        forms.append(
            {
                "item": fact,
                "state": state,
                "prefix": prefix,
                "away_until": _away_until(entry),
                "described": described_by(prefix, state.errors),
            }
        )
    errors = [
        (f"#{f['prefix']}{name or 'status'}", text) for f in forms for name, text in f["state"].errors.items()
    ]
    context: dict[str, Any] = {
        "title": _title(access, all_items, bool(errors)),
        "all_items": all_items,
        "person": access.person,
        "plan": access.plan,
        "forms": forms,
        "csrf": csrf,
        "sent": sent,
        "errors": errors,
        "expires": access.claims.expires,
        "statuses": list(Status),
        "rags": list(RAG),
    }
    return page("update.html.j2", context, status)


def _title(access: Access, all_items: bool, has_errors: bool) -> str:
    if all_items:
        title = "Your open items"
    else:
        item = access.items[0].item
        title = f"Update {item.ref}: {item.title}"
    return f"Error: {title}" if has_errors else title


def _away_until(entry: OpenItem) -> Any:
    return entry.for_owner.away_to if entry.for_owner else None


def _post(request: Request, token: str, form: dict[str, str], now: datetime, all_items: bool) -> Response:
    if form.get("renew") == "1":  # "Send me a new link" on the refused page, posted back to its own URL
        return _renew(request, {"token": token, "csrf": form.get("csrf", "")}, now)
    app = the_app(request)
    key = _key(app)
    if key is None:
        return problem(403, *REFUSALS["tampered"])
    try:
        claims = _claims(key, token, all_items)
    except TamperedLink:
        return problem(403, *REFUSALS["tampered"])
    if not _same_site(request, app.settings.base_url) or not csrf_ok(key, token, form.get("csrf")):
        return problem(403, *CROSS_SITE)
    form_id = form.get("form_id", "")
    if not FORM_ID.fullmatch(form_id):
        return problem(400, *UNREADABLE)
    ref = (form.get("ref", "") if all_items else claims.ref or "").strip().upper()
    posted, state = read_form(form)
    state.form_id = form_id
    sent = f"{request.url.path}?sent=1"
    if state.errors:
        return _show(request, token, now, all_items=all_items, states={ref: state}, status=400)
    try:
        with unit_of_work(app.engine) as session:
            access = open_link(session, key, token, now)
            target = access.find(ref)
            if target is None:  # an item this link does not open (or no longer does)
                raise LinkRefused("reassigned", 403, access.person.id, access.claims)
            # The form's row goes in with what it did: a form already taken fails there, on the unique
            # form id, and the whole transaction (update, ledger event) rolls back with it.
            _apply(session, access, target, posted, now, form_id)
    except LinkRefused as exc:
        return refused(exc, key, token)
    except IntegrityError:
        if _taken(app, form_id):
            return RedirectResponse(sent, status_code=303)  # the same form again: as the first one went
        raise
    except _Refusals as exc:
        state.errors.update(exc.errors)
        return _show(request, token, now, all_items=all_items, states={ref: state}, status=400)
    return RedirectResponse(sent, status_code=303)


class _Refusals(Exception):
    """What the services refused in a posted form, by field: the transaction rolls back on it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("refused")
        self.errors = errors


def _apply(
    session: Session, access: Access, target: OpenItem, posted: Posted, now: datetime, form_id: str
) -> None:
    """The update and the due-date request of one form, in the caller's transaction, with the form's row
    (a form already taken fails on its unique id, and the whole transaction rolls back with it); every
    refusal of either is gathered, so the page shows them all at once."""
    item, person, plan = target.item, access.person, access.plan
    on_behalf_of = target.for_owner.email if target.for_owner else None
    errors: dict[str, str] = {}

    def taken(update: Update | None = None) -> WebSubmission:
        return WebSubmission(form_id=form_id, update_id=update.id if update else None, at=now)

    kept = False
    if posted.updates_item:
        spec = UpdateSpec(
            ref=item.ref,
            by=person.email,
            status=posted.status,
            rag=posted.rag,
            percent=posted.percent,
            note=posted.note,
            evidence_url=posted.evidence,
            at=now,
        )
        try:
            apply_update(
                session, spec, channel="web", on_behalf_of=on_behalf_of, found=(plan, item), kept_with=taken
            )
            kept = True
        except BadInput as exc:
            errors |= _errors_of(exc)
    if not kept:
        session.add(taken())  # a request to move the date alone: written with its own ledger event
    if posted.due_change is not None:
        try:
            request_due_change(
                session, plan, item, person, posted.due_change, posted.due_change_reason, now, on_behalf_of
            )
        except BadInput as exc:
            errors |= _errors_of(exc)
    if errors:
        raise _Refusals(errors)


def _errors_of(exc: BadInput) -> dict[str, str]:
    if isinstance(exc, FieldError):
        return {exc.field: exc.plain}
    if isinstance(exc, InvalidValue):
        return {FIELD_OF_ERROR.get(exc.field, ""): str(exc)}
    return {"": str(exc)}


def _taken(app: App, form_id: str) -> bool:
    with read_session(app.engine) as session:
        return session.get(WebSubmission, form_id) is not None


def _renew(request: Request, form: dict[str, str], now: datetime) -> Response:
    app = the_app(request)
    key, token = _key(app), form.get("token", "")
    if key is None:
        return problem(403, *REFUSALS["tampered"])
    try:
        claims = read(key, token)
    except TamperedLink:
        return problem(403, *REFUSALS["tampered"])
    if not _same_site(request, app.settings.base_url) or not csrf_ok(key, token, form.get("csrf")):
        return problem(403, *CROSS_SITE)
    try:
        try:
            with unit_of_work(app.engine) as session:
                renewal = request_fresh_link(session, claims, now, fingerprint=fingerprint(token))
        except IntegrityError:  # the same request at the same moment in another process: asked again,
            with unit_of_work(app.engine) as session:  # it finds that one and queues nothing
                renewal = request_fresh_link(session, claims, now, fingerprint=fingerprint(token))
    except NobodyToSendTo:
        return problem(403, *REFUSALS["unknown"])
    if renewal.queued:
        text = (
            f"We are sending a new link to {renewal.sent_to}, the address we hold for you. It should arrive "
            "within a few minutes: look in your junk folder too."
        )
    else:
        text = (
            f"We already sent a new link to {renewal.sent_to} today, so we have not sent another. It should "
            "arrive within a few minutes: look in your junk folder too. You can ask again tomorrow."
        )
    return problem(200, "A new link is on its way", text)
