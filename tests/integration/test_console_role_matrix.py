"""Every console route with every role, at the HTTP layer (issue 17, point 5): the allowed/refused matrix of
the README's role table, asserted for each (route, viewer) pair. A route the app serves under /console that
this table does not list fails the test, so a new page cannot arrive unguarded.

"Allowed" means the guard let the request through: the page answers (200), or the handler itself answers for
an id that does not exist (404) or a form it refuses on its merits (400) — never 403 and never the sign-in
redirect. "Refused" means 403 from the guard, with nothing written. Writes are posted with the session's own
anti-forgery field, so a refusal is the role's, not the form's."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.console.roles import Role
from models.console_access import AccessGrant
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board
from models.plans.importer import import_plan
from models.plans.spec import BoardSpec, PersonSpec
from tests.console_helpers import (
    GRANT_ENDS,
    INSPECTOR,
    NO_ROLE,
    ROLE_HOLDERS,
    Clock,
    console_client,
    console_plan,
    console_spec,
    csrf,
    sign_in,
)

EVERYONE = frozenset(Role)
RECORD = frozenset({Role.SECRETARIAT, Role.AUDITOR, Role.INSPECTOR})
WRITE = frozenset({Role.SECRETARIAT})
READ_ONLY = {Role.AUDITOR, Role.INSPECTOR}
OTHER_SECRETARIAT = "scrutiny.secretariat@example.org"

# (method, path template) -> the roles let through on the viewers' own board. A board route on a board
# that is not theirs lets through only the read-only roles (and refuses its writes to everyone else).
MATRIX: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/console/plans/{plan_id}"): EVERYONE,
    ("GET", "/console/plans/{plan_id}/register"): EVERYONE,
    ("GET", "/console/plans/{plan_id}/items/{ref}"): EVERYONE,
    ("GET", "/console/plans/{plan_id}/packs"): EVERYONE,
    ("GET", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}"): EVERYONE,
    ("GET", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}/pack.html"): EVERYONE,
    ("GET", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}/pack.pdf"): EVERYONE,
    ("GET", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}/pack.docx"): EVERYONE,
    ("POST", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}/summary"): WRITE,
    ("POST", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}/approve"): WRITE,
    ("POST", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}/send"): WRITE,
    ("POST", "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}/correct"): WRITE,
    ("GET", "/console/plans/{plan_id}/outbox"): RECORD,
    ("POST", "/console/plans/{plan_id}/outbox/{notice_id}/revive"): WRITE,
    ("GET", "/console/plans/{plan_id}/requests"): RECORD,
    ("POST", "/console/plans/{plan_id}/requests/{request_id}/accept"): WRITE,
    ("POST", "/console/plans/{plan_id}/requests/{request_id}/decline"): WRITE,
    ("GET", "/console/plans/{plan_id}/record"): RECORD,
    ("POST", "/console/plans/{plan_id}/record/verify"): RECORD,
    ("GET", "/console/plans/{plan_id}/record/export.jsonl"): RECORD,
    ("GET", "/console/plans/{plan_id}/record/history"): RECORD,
    ("GET", "/console/calendar"): EVERYONE,
    ("POST", "/console/calendar/new"): EVERYONE,
    ("POST", "/console/calendar/revoke"): EVERYONE,
}
# Console routes outside the matrix: signing in and out need no role (tested in test_console_sign_in.py).
UNGUARDED = {
    ("GET", "/console/sign-in"),
    ("POST", "/console/sign-in"),
    ("GET", "/console/enter/{token}"),
    ("HEAD", "/console/enter/{token}"),
    ("POST", "/console/enter/{token}"),
    ("POST", "/console/sign-out"),
    ("GET", "/console"),
}
MISSING_ID = "999999"
LET_THROUGH = {200, 303, 400, 404, 409}  # 303: a write's redirect after success (post/redirect/get)


@dataclasses.dataclass(frozen=True)
class Place:
    plan_id: int
    board_id: int  # the role holders' board
    other_board_id: int  # a second board of the plan, none of theirs


@pytest.fixture
def place(engine: Engine) -> Place:
    plan_id = console_plan(engine)
    spec = console_spec()
    second = dataclasses.replace(
        spec,
        people=(*spec.people, PersonSpec(OTHER_SECRETARIAT, "Scrutiny Secretariat")),
        boards=(*spec.boards, BoardSpec("Scrutiny Committee", OTHER_SECRETARIAT, None, ())),
    )
    with unit_of_work(engine) as session:
        import_plan(session, second, actor="test")
    with Session(engine) as session:
        boards = {b.name: b.id or 0 for b in session.exec(select(Board).where(Board.plan_id == plan_id))}
    return Place(plan_id, boards["Improvement Board"], boards["Scrutiny Committee"])


def console_routes(db_url: str) -> set[tuple[str, str]]:
    """Every (method, path) the app serves under /console, through the routers it includes (FastAPI keeps an
    included router as one entry of its own, holding the router's routes; none is given a prefix here)."""
    found = set()
    pending = list(console_client(db_url, Clock()).app.routes)  # type: ignore[attr-defined]
    while pending:
        route = pending.pop()
        if isinstance(route, APIRoute) and route.path.startswith("/console"):
            found |= {(method, route.path) for method in route.methods or ()}
        included = getattr(route, "original_router", None)
        if included is not None:
            pending += included.routes
    return found


def concrete(path: str, place: Place, board: int) -> str:
    values = {
        "plan_id": str(place.plan_id),
        "board_id": str(board),
        "ref": "ACT-1",
        "pack_id": MISSING_ID,
        "notice_id": MISSING_ID,
        "request_id": MISSING_ID,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def ask(client: TestClient, method: str, path: str) -> int:
    if method == "GET":
        return client.get(path).status_code
    token = csrf(client.get("/console").text)
    return client.post(path, data={"csrf": token, "reason": "", "summary": ""}).status_code


def ledger_size(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(sa.func.count()).select_from(AuditEvent)).one()


def test_every_console_route_is_in_the_matrix(db_url: str) -> None:
    served = console_routes(db_url)
    assert served - UNGUARDED == set(MATRIX), (
        f"unlisted: {sorted(served - UNGUARDED - set(MATRIX))}, "
        f"listed but not served: {sorted(set(MATRIX) - served)}"
    )


@pytest.mark.parametrize("role", list(ROLE_HOLDERS), ids=str)
def test_each_role_is_let_through_exactly_where_the_table_says(
    engine: Engine, db_url: str, place: Place, role: Role
) -> None:
    client = sign_in(console_client(db_url, Clock()), ROLE_HOLDERS[role])
    wrong: list[str] = []
    for (method, template), allowed in MATRIX.items():
        boards = [place.board_id, place.other_board_id] if "{board_id}" in template else [place.board_id]
        for board in boards:
            path = concrete(template, place, board)
            expected = role in allowed
            if board == place.other_board_id and role not in READ_ONLY:
                expected = False  # a board role counts on its own board only
            if board == place.other_board_id and method == "POST":
                expected = False  # and nobody writes to another board's pack
            before = ledger_size(engine)
            status = ask(client, method, path)
            if expected and status not in LET_THROUGH:
                wrong.append(f"{method} {path}: {role} expected through, got {status}")
            if not expected:
                if status != 403:
                    wrong.append(f"{method} {path}: {role} expected 403, got {status}")
                elif ledger_size(engine) != before:
                    wrong.append(f"{method} {path}: {role} refused, yet the ledger grew")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("who", ["nobody", "no role", "expired inspector", "other plan's inspector"])
def test_everyone_else_is_refused_everywhere(engine: Engine, db_url: str, place: Place, who: str) -> None:
    clock = Clock()
    client = console_client(db_url, clock)
    expected = 403
    if who == "nobody":
        expected = 303  # to the sign-in page
    elif who == "no role":
        sign_in(client, NO_ROLE)
    elif who == "expired inspector":
        clock.now = datetime.combine(GRANT_ENDS + timedelta(days=1), datetime.min.time(), UTC) + timedelta(
            hours=9
        )
        sign_in(client, INSPECTOR, clock.now)
    else:
        other = console_plan(engine, "Other Plan")
        with unit_of_work(engine) as session:  # the inspector's grant on the first plan ends: only Other Plan
            for grant in session.exec(select(AccessGrant).where(AccessGrant.plan_id == place.plan_id)):
                session.delete(grant)
            record(session, Event(EventKind.ACCESS_REVOKED, "test", "Test Plan", None, {}))
        assert other != place.plan_id
        sign_in(client, INSPECTOR)
    wrong = []
    for (method, template), _ in MATRIX.items():
        if template.startswith("/console/calendar") and who == "other plan's inspector":
            continue  # still an inspector somewhere: their own calendar is theirs
        path = concrete(template, place, place.board_id)
        status = client.get(path).status_code if method == "GET" else client.post(path, data={}).status_code
        if status != expected:
            wrong.append(f"{method} {path}: {who} expected {expected}, got {status}")
    assert not wrong, "\n".join(wrong)


HOSTILE_PARTS = ["%C2%B2", "1.0", "99999999999999999999", "-1", "abc", "%00", "%EF%BC%91"]  # ², fullwidth 1


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.AUDITOR], ids=str)
def test_an_address_with_a_hostile_part_is_refused_plainly(
    engine: Engine, db_url: str, place: Place, role: Role
) -> None:
    """Every id or ref in every console address, given a value no page of ours links to: a plain refusal
    (400, 403 or 404), never a failure of the service (500) and never a write."""
    client = sign_in(console_client(db_url, Clock()), ROLE_HOLDERS[role])
    wrong: list[str] = []
    for method, template in MATRIX:
        names = [n for n in re.findall(r"\{(\w+)\}", template) if n != "plan_id"]
        for name in names:
            for part in HOSTILE_PARTS:
                path = _with(template, place, name, part)
                before = ledger_size(engine)
                status = ask(client, method, path)
                if status not in (400, 403, 404):
                    wrong.append(f"{method} {path}: {status}")
                elif method == "POST" and ledger_size(engine) != before:
                    wrong.append(f"{method} {path}: refused, yet the ledger grew")
    assert not wrong, "\n".join(wrong)


def _with(template: str, place: Place, name: str, part: str) -> str:
    """The address with `name` given `part` and every other part a good value."""
    return concrete(template.replace("{" + name + "}", "\x00"), place, place.board_id).replace("\x00", part)
