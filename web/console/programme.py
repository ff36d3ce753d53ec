"""The secretariat's view of a plan: the programme at a glance, the register with its filters, and each
item's whole story. Every reader of the plan may open them; exempt items only for those who may see them
(models.console.visibility). A GET writes nothing but an auditor's or inspector's view on the record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlmodel import Session

from config.policy import Policy
from models.calendar import WorkingCalendar, local_date, shared_calendar
from models.columns import key_of
from models.console.roles import Standing
from models.console.visibility import exempt_visible
from models.db import page_session
from models.errors import UnknownItem
from models.plan import Plan
from models.reports.item_record import ItemRecord, load_item_record, messages_about
from models.reports.item_state import ItemState, load_states
from models.reports.programme import MILESTONE_WINDOW, Programme, load_programme
from models.reports.read_cache import Mark, ReadCache, ledger_mark
from models.reports.register_filters import FIELDS, LEVELS, apply, page_of, read_filter, read_page
from models.vocab import RAG_COUNTS
from web.console.layout import READERS, console_page, plan_standing, viewed
from web.console.viewer import NotAllowed, Viewer, require
from web.pages import Now, the_app
from web.rendering import environment, problem

router = APIRouter()
Reader = Annotated[Viewer, Depends(require(*READERS))]


@dataclass(frozen=True)
class Place:
    """What every page of a plan reads first: the plan, its policy and calendar, the day, who is looking."""

    session: Session
    plan: Plan
    policy: Policy
    calendar: WorkingCalendar
    as_of: date
    standing: Standing
    exempt: bool


def _read_models(request: Request) -> ReadCache:
    """The application's cache of computed programmes and registers (models.reports.read_cache)."""
    state = request.app.state
    found: ReadCache | None = getattr(state, "console_read_models", None)
    if found is None:  # two first requests may each make one: the one kept last wins, both are correct
        found = state.console_read_models = ReadCache()
    return found


def _mark(request: Request, at: Place) -> Mark:
    """The ledger's mark the guard read for this request (web.console.viewer), else read now."""
    found: Mark | None = getattr(request.state, "ledger_mark", None)
    return ledger_mark(at.session) if found is None else found


@dataclass(frozen=True)
class ProgrammeView:
    """A computed programme and its page's body, rendered once: it holds nothing of the viewer but what is
    in its key (the plan, the day, whether exempt items are seen)."""

    programme: Programme
    body: Markup


@dataclass(frozen=True)
class RegisterView:
    """A computed register: every item the viewer may see, and each one's table row, rendered the first time
    a page shows it (the same row for every viewer with the same key)."""

    plan_id: int
    states: tuple[ItemState, ...]
    rows: dict[int, Markup] = field(default_factory=dict)  # id(state) -> its <tr>; filled, never changed
    areas: tuple[str, ...] = ()  # the filters' choices, from the same items
    owners: tuple[tuple[str, str], ...] = ()  # (name, address)
    addresses: frozenset[str] = frozenset()

    @classmethod
    def of(cls, plan_id: int, states: list[ItemState]) -> RegisterView:
        owners = tuple(sorted({(s.row.owner_name, s.row.owner) for s in states}))
        return cls(
            plan_id,
            tuple(states),
            areas=tuple(sorted({s.row.area for s in states if s.row.area})),
            owners=owners,
            addresses=frozenset(email for _, email in owners),
        )

    def row_of(self, state: ItemState) -> Markup:
        found = self.rows.get(id(state))
        if found is None:  # two threads may render the same row: equal strings, either kept
            found = self.rows[id(state)] = Markup(_ROW(state, self.plan_id))
        return found


_ROW: Callable[[ItemState, int], str] = (
    environment().get_template("console_register_row.html.j2").module.row  # type: ignore[attr-defined]
)


def _programme(request: Request, at: Place) -> ProgrammeView:
    key = ("programme", at.plan.id, _mark(request, at), at.as_of, at.exempt)
    return _read_models(request).get(key, lambda: _programme_view(at))


def _programme_view(at: Place) -> ProgrammeView:
    found = load_programme(at.session, at.plan, at.policy, at.calendar, at.as_of, exempt_visible=at.exempt)
    chart = None
    if found.trend:
        from web.console.trend_chart import inline_trend  # matplotlib: only when there is a trend to draw

        chart = Markup(inline_trend(found.trend, "trend-title"))  # our own SVG: numbers, dates, audiences
    context = {
        "plan_id": at.plan.id,
        "programme": found,
        "rags": RAG_COUNTS,
        "chart": chart,
        "window": MILESTONE_WINDOW,
        "exempt_hidden": not at.exempt,
    }
    return ProgrammeView(found, Markup(_BODY.render(context)))


_BODY = environment().get_template("console_programme_body.html.j2")


def _states(request: Request, at: Place) -> RegisterView:
    key = ("register", at.plan.id, _mark(request, at), at.as_of, at.exempt)
    return _read_models(request).get(key, lambda: RegisterView.of(key_of(at.plan), _loaded_states(at)))


def _loaded_states(at: Place) -> list[ItemState]:
    return load_states(at.session, at.plan, at.policy, at.calendar, at.as_of, exempt_visible=at.exempt)


@contextmanager
def _place(request: Request, viewer: Viewer, plan_id: int, now: datetime) -> Iterator[Place]:
    standing = plan_standing(viewer, plan_id)
    app = the_app(request)
    with page_session(app.engine) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:  # `require` found a standing in it a moment ago: gone since, refused as elsewhere
            raise NotAllowed()
        policy = app.policy.for_plan(plan.name)
        calendar = shared_calendar(plan.nation, policy.calendar.dates, policy.calendar.every_year)
        as_of = local_date(now, plan.timezone)
        yield Place(session, plan, policy, calendar, as_of, standing, exempt_visible(session, standing))


@router.get("/console/plans/{plan_id}")
def programme(plan_id: int, request: Request, now: Now, viewer: Reader) -> Response:
    with _place(request, viewer, plan_id, now) as at:
        found = _programme(request, at)
    viewed(request, at.standing, f"/console/plans/{plan_id}", now)
    context = {"title": f"Programme: {at.plan.name}", "body": found.body}
    return console_page(request, viewer, at.standing, "console_programme.html.j2", "programme", context)


@router.get("/console/plans/{plan_id}/register")
def register(plan_id: int, request: Request, now: Now, viewer: Reader) -> Response:
    given = dict(request.query_params)
    with _place(request, viewer, plan_id, now) as at:
        view = _states(request, at)
    states = view.states
    areas, owners = view.areas, view.owners
    where, errors = read_filter(given, areas, view.addresses, at.exempt)
    number, wrong_page = read_page(given)
    rows, place = page_of(apply(states, where), number)
    if place is None or wrong_page:
        errors["page"] = wrong_page or "There is no such page: choose one from the links under the table"
    kept = {name: given[name] for name in FIELDS if given.get(name)}  # for the pages' links
    details = {**where.details(), "page": number if number > 1 else None}
    viewed(request, at.standing, f"/console/plans/{plan_id}/register", now, details)
    context = {
        "title": ("Error: " if errors else "") + f"Register: {at.plan.name}",
        "rows": [] if errors else [view.row_of(s) for s in rows],
        "place": place,
        "errors": errors,
        "where": where,
        "given": kept,
        "previous": _page_link(plan_id, kept, place.number - 1) if place and place.number > 1 else None,
        "next": _page_link(plan_id, kept, place.number + 1) if place and place.number < place.pages else None,
        "areas": areas,
        "owners": owners,
        "rags": RAG_COUNTS,
        "levels": LEVELS,
        "exempt_shown": at.exempt,
        "as_of": at.as_of,
    }
    status = 400 if errors else 200
    return console_page(request, viewer, at.standing, "console_register.html.j2", "register", context, status)


def _page_link(plan_id: int, kept: dict[str, str], number: int) -> str:
    return f"/console/plans/{plan_id}/register?" + urlencode({**kept, "page": str(number)})


@router.get("/console/plans/{plan_id}/items/{ref}")
def item(plan_id: int, ref: str, request: Request, now: Now, viewer: Reader) -> Response:
    with _place(request, viewer, plan_id, now) as at:
        try:
            found = _item(request, at, ref)
        except UnknownItem:
            found = None
        if found is not None:
            found = replace(found, messages=messages_about(at.session, at.plan.name, found.story.ref))
    if found is None:  # looked for all the same: an auditor's or inspector's search is on the record too
        asked = {"refused": "no item of that ref this role may see", "ref": ref[:64]}
        viewed(request, at.standing, f"/console/plans/{plan_id}/items", now, asked)
        return problem(
            404,
            "No such item",
            "This plan has no action or milestone with that reference that you can see. Find it in the "
            "register.",
        )
    viewed(request, at.standing, f"/console/plans/{plan_id}/items/{found.story.ref}", now)
    context = {"title": f"{found.story.ref}: {found.story.title}", "record": found, "plan": at.plan}
    return console_page(request, viewer, at.standing, "console_item.html.j2", "register", context)


def _item(request: Request, at: Place, ref: str) -> ItemRecord:
    """An item's facts and story, kept as the programme is (its messages are read afresh by the caller).
    Kept apart from the programmes and registers: a reader going through items must not push those out."""
    key = (at.plan.id, ref.strip().upper(), _mark(request, at), at.as_of, at.exempt)
    state = request.app.state
    kept: ReadCache | None = getattr(state, "console_items", None)
    if kept is None:  # two first requests may each make one: the one kept last wins, both are correct
        kept = state.console_items = ReadCache(size=ITEMS_KEPT)
    return kept.get(key, lambda: _loaded_item(at, ref))


def _loaded_item(at: Place, ref: str) -> ItemRecord:
    plan, as_of, calendar = at.plan, at.as_of, at.calendar
    stale_after = at.policy.stale.request_after_days
    return load_item_record(
        at.session,
        plan,
        ref,
        as_of,
        calendar,
        exempt_visible=at.exempt,
        messages=False,
        stale_after=stale_after,
    )


ITEMS_KEPT = 512  # items' stories per application: a reader's afternoon of item pages
