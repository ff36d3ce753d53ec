"""Who is asking, for every console page: the signed-in viewer (their address and their standing in each plan,
read afresh whenever the ledger has recorded a change since, so a revoked grant or an emptied `roles` cell in
a workbook ends access at once), or a redirect to the sign-in page (no cookie, a cookie not ours, a session
that has ended or was signed out); and `require(*roles)`, which refuses on the server (403) a viewer without
one of the roles, in the page's plan (its `plan_id` path parameter) or, on a page of no one plan, in any.

    @router.get("/console/plans/{plan_id}/packs")
    def packs(viewer: Annotated[Viewer, Depends(require(Role.SECRETARIAT, Role.AUDITOR))]) -> Response: ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from models.console.entry import signed_out
from models.console.roles import Role, Standing, allows, standings
from models.console.sign_in import COOKIE, SessionClaims, read_session_value
from models.db import page_session
from models.reports.read_cache import ReadCache, ledger_mark
from web.pages import CROSS_SITE, Now, _key, the_app
from web.rendering import problem

SIGN_IN_PATH = "/console/sign-in"


class SignInFirst(Exception):
    """No valid session: the person is sent to the sign-in page."""


class AccessEnded(Exception):
    """A valid session, but the address may use the console in no plan any more."""


class NotAllowed(Exception):
    """A viewer without the role a page or a write needs."""


class CrossSiteForm(Exception):
    """A console form posted from another site, or without the field signed for this session: refused."""


@dataclass(frozen=True)
class Viewer:
    email: str
    standings: tuple[Standing, ...]
    session: SessionClaims
    cookie: str  # the session's value: what the console's forms bind their anti-forgery field to

    @property
    def name(self) -> str:
        return self.standings[0].name

    def standing(self, plan_id: int) -> Standing | None:
        return next((s for s in self.standings if s.plan_id == plan_id), None)


def signed_in(request: Request, now: Now) -> Viewer:
    """The FastAPI dependency every console page takes (through `SignedIn` or `require`)."""
    app = the_app(request)
    key, cookie = _key(app), request.cookies.get(COOKIE)
    if key is None or not cookie:
        raise SignInFirst()
    claims = read_session_value(key, cookie, now)
    if claims is None:
        raise SignInFirst()
    with page_session(app.engine) as session:
        ended, found = _standings(request, session, claims, now)
    if ended:  # ended on the server: a copy of the cookie is worth nothing
        raise SignInFirst()
    if not found:
        raise AccessEnded()
    return Viewer(claims.email, found, claims, cookie)


def _standings(
    request: Request, session: Session, claims: SessionClaims, now: datetime
) -> tuple[bool, tuple[Standing, ...]]:
    """Whether the session was signed out, and the address's `standings`, kept per session while the
    ledger's mark and the minute stay the same: sign-outs, People, Boards and grants each change only with
    their ledger event (models.reports.read_cache), and a grant ends at a local midnight, always on a
    minute. The mark is left on the request: a page keys its read model by it (read before the page's
    rows, it can only make a kept model look older, never newer)."""
    mark = request.state.ledger_mark = ledger_mark(session)
    key = (claims.id, claims.email, mark, now.replace(second=0, microsecond=0))
    return kept_standings(request.app).get(
        key, lambda: (signed_out(session, claims), standings(session, claims.email, now))
    )


def kept_standings(app: FastAPI) -> ReadCache:
    found: ReadCache | None = getattr(app.state, "console_standings", None)
    if found is None:  # two first requests may each make one: the one kept last wins, both are correct
        found = app.state.console_standings = ReadCache(size=1024)
    return found


SignedIn = Annotated[Viewer, Depends(signed_in)]


def require(*roles: Role) -> Callable[[Request, Viewer], Awaitable[Viewer]]:
    """A dependency: the viewer, when they hold one of `roles` where the page is (models.console.roles.allows:
    its `plan_id`, its `board_id` within that plan, or any plan for a page of no one plan); NotAllowed (a 403
    page) otherwise."""
    wanted = frozenset(roles)

    async def holding(request: Request, viewer: SignedIn) -> Viewer:  # no I/O: no hop to the thread pool
        params = request.path_params
        if any(_scope(name) and name not in SCOPES for name in params):
            raise NotAllowed()  # a plan or board this check cannot read: refused, never let in
        if not allows(viewer.standings, wanted, params.get("plan_id"), params.get("board_id")):
            raise NotAllowed()
        return viewer

    return holding


# The path parameters `require` reads a page's place from; a page naming a plan or board any other way is
# refused rather than checked against every plan.
SCOPES = ("plan_id", "board_id")


def _scope(name: str) -> bool:
    return "plan" in name.casefold() or "board" in name.casefold()


def _to_sign_in(request: Request, exc: Exception) -> Response:
    return RedirectResponse(SIGN_IN_PATH, status_code=303)


def _ended(request: Request, exc: Exception) -> Response:
    return problem(
        403,
        "Your access to the console has ended",
        "This address may no longer use the console in any plan: a grant may have ended or been withdrawn, "
        "or your role may have been taken out of the plan. Ask the board secretariat if you think this is "
        "wrong.",
    )


def _not_allowed(request: Request, exc: Exception) -> Response:
    return problem(
        403,
        "You cannot use this page",
        "Your role in this plan does not include this page. Ask the board secretariat if you need it.",
    )


def _cross_site(request: Request, exc: Exception) -> Response:
    return problem(403, *CROSS_SITE)


def install(api: FastAPI) -> None:
    api.add_exception_handler(CrossSiteForm, _cross_site)
    api.add_exception_handler(SignInFirst, _to_sign_in)
    api.add_exception_handler(AccessEnded, _ended)
    api.add_exception_handler(NotAllowed, _not_allowed)
