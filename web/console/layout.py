"""What every console page shares: its plan's navigation (only the sections the viewer's roles open), the
anti-forgery field its forms carry, the check of a posted form, and the record of the view when the viewer
is an auditor or an inspector (`models.console.access_log`).

A page handler:

    @router.get("/console/plans/{plan_id}/register")
    def register(plan_id: int, request: Request, now: Now,
                 viewer: Annotated[Viewer, Depends(require(*READERS))]) -> Response:
        standing = plan_standing(viewer, plan_id)
        ...
        viewed(request, standing, f"/console/plans/{plan_id}/register", now, {"area": area})
        return console_page(request, viewer, standing, "console_register.html.j2", "register", {...})

A write handler: `form = await posted(request, viewer)` (403 for a form from another site or without the
field signed for this session), then the change and its ledger event in one `unit_of_work`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import Response

from models.console.access_log import page_viewed
from models.console.roles import BOARD_ROLES, READ_ONLY, Role, Standing
from models.console.sign_in import csrf_field, csrf_matches
from models.db import unit_of_work
from web.console.viewer import CrossSiteForm, NotAllowed, Viewer
from web.pages import _form, _key, _same_site, the_app
from web.rendering import page

# Who may read the plan-wide pages (programme, register, item, packs, outbox, requests, record): every console
# role. A board member sees no exempt item unless a board of theirs may (models.console.visibility).
READERS = (Role.SECRETARIAT, Role.CHAIR, Role.MEMBER, Role.AUDITOR, Role.INSPECTOR)
# Who may change anything: the secretariat, on the server's word (`require`), never by a hidden button.
WRITERS = (Role.SECRETARIAT,)
# The record (ledger head, verify, export, history): the secretariat and the read-only roles.
RECORD_READERS = (Role.SECRETARIAT, Role.AUDITOR, Role.INSPECTOR)


# A row id in a console address: the database's own integer range, so a number past it is an unknown page
# (404: an address the app cannot read), never an overflow inside a query.
MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    path: str  # under /console/plans/{plan_id}
    roles: frozenset[Role]


SECTIONS = (
    Section("programme", "Programme", "", frozenset(READERS)),
    Section("register", "Register", "/register", frozenset(READERS)),
    Section("packs", "Packs", "/packs", frozenset(READERS)),
    Section("outbox", "Outbox", "/outbox", frozenset(RECORD_READERS)),
    Section("requests", "Due-date requests", "/requests", frozenset(RECORD_READERS)),
    Section("record", "Record", "/record", frozenset(RECORD_READERS)),
)


def plan_standing(viewer: Viewer, plan_id: int) -> Standing:
    """The viewer's standing in the page's plan (`require` has already checked there is one)."""
    found = viewer.standing(plan_id)
    if found is None:
        raise NotAllowed()
    return found


def can_write(standing: Standing) -> bool:
    return standing.has(*WRITERS)


def nav(standing: Standing) -> list[dict[str, str]]:
    base = f"/console/plans/{standing.plan_id}"
    return [
        {"key": s.key, "title": s.title, "href": base + s.path} for s in SECTIONS if standing.roles & s.roles
    ]


def csrf(request: Request, viewer: Viewer) -> str:
    key = _key(the_app(request))
    if key is None:
        raise NotAllowed()
    return csrf_field(key, viewer.cookie)


def console_page(
    request: Request,
    viewer: Viewer,
    standing: Standing | None,
    template: str,
    section: str,
    context: Mapping[str, Any],
    status: int = 200,
) -> Response:
    """A console page: `template` extends console_base.html.j2; `section` marks the navigation's current
    entry. The context always has viewer, standing, nav, section, csrf and can_write."""
    full = {
        "viewer": viewer,
        "standing": standing,
        "nav": nav(standing) if standing is not None else [],
        "section": section,
        "csrf": csrf(request, viewer),
        "can_write": standing is not None and can_write(standing),
        "read_only": standing is not None and not can_write(standing),
        **context,
    }
    return page(template, full, status)


async def posted(request: Request, viewer: Viewer) -> dict[str, str]:
    """A console form's fields, once it has been checked as coming from this site and this session."""
    form = await _form(request)
    app = the_app(request)
    key = _key(app)
    if key is None or not _same_site(request, app.settings.base_url):
        raise CrossSiteForm()
    if not csrf_matches(key, viewer.cookie, form.get("csrf")):
        raise CrossSiteForm()
    return form


def viewed(
    request: Request,
    standing: Standing,
    page: str,
    now: datetime,
    details: Mapping[str, str | int | None] | None = None,
) -> None:
    """Records a page view when the viewer is an auditor or an inspector (its own short transaction)."""
    if not standing.roles & READ_ONLY:
        return
    with unit_of_work(the_app(request).engine) as session:
        page_viewed(session, standing, page, now, details)


def board_roles(standing: Standing) -> frozenset[Role]:
    return standing.roles & BOARD_ROLES
