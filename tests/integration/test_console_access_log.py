"""Every access is on the record (issue 17, point 4): each console page an auditor or an inspector opens is a
`ConsolePageViewed` event naming who, which page and which plan (the export, a `LedgerExported`); the
secretariat's and the board's page views are not recorded, and a request refused (403) records nothing. Walked
over every page of the role matrix, so a new page that forgets to record fails here."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.console.roles import Role
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.meetings import Board
from tests.console_helpers import (
    AUDITOR,
    INSPECTOR,
    ROLE_HOLDERS,
    Clock,
    console_client,
    console_plan,
    sign_in,
)
from tests.integration.test_console_role_matrix import MATRIX, Place, concrete

READ_PAGES = sorted(
    path
    for (method, path), roles in MATRIX.items()
    if method == "GET" and Role.AUDITOR in roles and "{pack_id}" not in path  # a pack page needs a pack
)
RECORDED = {EventKind.CONSOLE_PAGE_VIEWED.value, EventKind.LEDGER_EXPORTED.value}


@pytest.fixture
def place(engine: Engine) -> Place:
    plan_id = console_plan(engine)
    with Session(engine) as session:
        board = session.exec(select(Board.id).where(Board.plan_id == plan_id)).one()
    assert board is not None
    return Place(plan_id, board, board)


def events_since(engine: Engine, seq: int) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(select(AuditEvent).where(col(AuditEvent.seq) > seq).order_by(col(AuditEvent.seq)))
        )


def head(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(sa.func.coalesce(sa.func.max(AuditEvent.seq), 0))).one())


@pytest.mark.parametrize("reader", [AUDITOR, INSPECTOR])
def test_each_page_a_read_only_viewer_opens_is_recorded(
    engine: Engine, db_url: str, place: Place, reader: str
) -> None:
    client = sign_in(console_client(db_url, Clock()), reader)
    for template in READ_PAGES:
        path = concrete(template, place, place.board_id)
        before = head(engine)
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        found = [e for e in events_since(engine, before) if e.kind in RECORDED]
        assert len(found) == 1, f"{path}: {[e.kind for e in events_since(engine, before)]}"
        [event] = found
        assert event.actor == reader
        assert event.plan == "Test Plan"
        data = decode_data(event.body)
        if event.kind == EventKind.CONSOLE_PAGE_VIEWED.value:
            assert data["page"] == path.split("?")[0], data
        assert "csrf" not in json.dumps(data) and "los_console" not in json.dumps(data)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.CHAIR, Role.MEMBER])
def test_the_boards_own_page_views_are_not_recorded(
    engine: Engine, db_url: str, place: Place, role: Role
) -> None:
    client = sign_in(console_client(db_url, Clock()), ROLE_HOLDERS[role])
    for template in READ_PAGES:
        if template.endswith("export.jsonl"):
            continue  # an export is recorded whoever takes it
        before = head(engine)
        client.get(concrete(template, place, place.board_id))
        assert not [
            e.kind for e in events_since(engine, before) if e.kind == EventKind.CONSOLE_PAGE_VIEWED.value
        ]


def test_an_export_is_recorded_whoever_takes_it(engine: Engine, db_url: str, place: Place) -> None:
    client = sign_in(console_client(db_url, Clock()), ROLE_HOLDERS[Role.SECRETARIAT])
    before = head(engine)
    answer = client.get(f"/console/plans/{place.plan_id}/record/export.jsonl")
    assert answer.status_code == 200
    [event] = [e for e in events_since(engine, before) if e.kind == EventKind.LEDGER_EXPORTED.value]
    assert event.actor == ROLE_HOLDERS[Role.SECRETARIAT]


@pytest.mark.parametrize("reader", [AUDITOR, INSPECTOR])
def test_an_item_looked_for_and_not_found_is_recorded_with_what_was_asked(
    engine: Engine, db_url: str, place: Place, reader: str
) -> None:
    """An inspector trying references is as much on the record as one reading pages: the ref asked for,
    cut to a ref's length, and that there was no such item."""
    client = sign_in(console_client(db_url, Clock()), reader)
    before = head(engine)
    asked = "ACT-404" + "X" * 200
    assert client.get(f"/console/plans/{place.plan_id}/items/{asked}").status_code == 404
    [event] = [e for e in events_since(engine, before) if e.kind in RECORDED]
    data = decode_data(event.body)
    assert event.actor == reader and data["page"] == f"/console/plans/{place.plan_id}/items"
    assert data["filters"] == {"refused": "no item of that ref this role may see", "ref": asked[:64]}
