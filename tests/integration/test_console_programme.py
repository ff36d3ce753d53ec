"""The console's programme, register and item pages over HTTP, on SQLite and PostgreSQL (issue 17, point 2
and the member rule of point 5): counts as the packs count them, the trend from the plan's packs, the
ladder, the milestones ahead and the silent owners; the register's filters, hostile values refused with the
field named; an item's whole story and its messages; exempt items hidden from a member whose boards meet
only in public, on every page; a view by a read-only role on the record, and nothing else written by a GET."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.board_packs import Pack
from models.console_access import AccessGrant
from models.db import unit_of_work
from models.escalations import Escalation
from models.ledger.chain import Event, decode_data, record
from models.ledger.kinds import EventKind
from models.meetings import Meeting
from models.outbox import Notice, NoticeStatus
from models.plan import Action, Plan
from models.vocab import Audience
from tests.console_helpers import (
    AUDITOR,
    CHAIR,
    GRANT_ENDS,
    INSPECTOR,
    MEMBER,
    NOW,
    Clock,
    console_client,
    console_plan,
    notice_about,
    sign_in,
)
from tests.factories import OWNER, SECRETARIAT

BOARD_COUNTS = {"red": 2, "amber": 1, "green": 0, "complete": 1}
PUBLIC_COUNTS = {"red": 1, "amber": 0, "green": 0, "complete": 1}


def _pack(
    session: Session, plan_id: int, meeting_id: int, audience: Audience, counts: dict[str, int]
) -> None:
    session.add(
        Pack(
            plan_id=plan_id,
            meeting_id=meeting_id,
            audience=audience,
            built_for=date(2017, 9, 26),
            ledger_seq=1,
            ledger_hash="0" * 64,
            summary={"counts": counts, "items": {}},
            published_at=datetime(2017, 9, 26, 9, 0, tzinfo=NOW.tzinfo),
        )
    )


@contextmanager
def _changed(engine: Engine) -> Iterator[Session]:
    """Test data put straight in, as a later import or sweep would leave it: with an event on the ledger in
    the same transaction, as every change has (the console's read models are kept until the next one)."""
    with Session(engine) as session:
        yield session
        record(session, Event(EventKind.PLAN_IMPORTED, "test:fixture"))
        session.commit()


@pytest.fixture
def plan_id(engine: Engine) -> int:
    """The small plan, with two packs of its October meeting (the board's and the public's), ACT-1 at level
    2 of the ladder, and a message sent about ACT-1 and ACT-2 together."""
    found = console_plan(engine)
    with _changed(engine) as session:
        meeting = session.exec(select(Meeting)).one()
        public = Meeting(board_id=meeting.board_id, date=meeting.date, audience=Audience.PUBLIC)
        session.add(public)
        session.flush()
        assert meeting.id is not None and public.id is not None
        _pack(session, found, meeting.id, Audience.BOARD, BOARD_COUNTS)
        _pack(session, found, public.id, Audience.PUBLIC, PUBLIC_COUNTS)
        session.add(
            Escalation(
                plan_id=found,
                item_kind="action",
                item_ref="ACT-1",
                due=date(2017, 10, 2),
                level=2,
                rule="overdue",
                reason="ACT-1 is 5 working days overdue: to the owner's manager",
                since=date(2017, 10, 6),
            )
        )
        session.add(
            Notice(
                dedupe_key="Test Plan|ACT-1|2017-10-02|overdue|0|owner@example.org",
                plan="Test Plan",
                recipient=OWNER,
                kind="OverdueNoticeQueued",
                item_refs="ACT-1 ACT-2",
                payload="{}",
                status=NoticeStatus.SENT,
                sent_at=datetime(2017, 10, 3, 7, 5, tzinfo=NOW.tzinfo),
            )
        )
    return found


def _only_in_public(engine: Engine) -> None:
    """The member's rule: the board meets only in public, and ACT-2 is exempt; the sweep's words about
    MS-1 name it."""
    reason = "milestone MS-1 is due in 3 working days and at risk from ACT-2 (5 working days overdue)"
    with unit_of_work(engine) as session:
        plan_id = session.exec(select(Plan.id)).one()
        assert plan_id is not None
        session.add(
            Escalation(
                plan_id=plan_id,
                item_kind="milestone",
                item_ref="MS-1",
                due=date(2017, 12, 11),
                level=3,
                rule="milestone_at_risk",
                reason=reason,
                since=date(2017, 10, 9),
            )
        )
        data = {"reason": reason, "as_of": "2017-10-09"}
        record(session, Event(EventKind.ESCALATED_TO_BOARD, "system:sweep", "Test Plan", "MS-1", data))
    with _changed(engine) as session:
        session.execute(sa.delete(Pack).where(col(Pack.audience) != Audience.PUBLIC))
        session.execute(sa.delete(Meeting).where(col(Meeting.audience) != Audience.PUBLIC))
        session.execute(sa.update(Action).where(col(Action.ref) == "ACT-2").values(exempt=True))


def _exempt(engine: Engine) -> None:
    with _changed(engine) as session:
        session.execute(sa.update(Action).where(col(Action.ref) == "ACT-2").values(exempt=True))


@pytest.fixture
def client(db_url: str, plan_id: int) -> TestClient:
    return console_client(db_url, Clock())


def _events(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))))


def _refs(html: str) -> set[str]:
    return {ref for ref in ("ACT-1", "ACT-2", "ACT-3", "MS-1") if f'/items/{ref}"' in html}


def test_the_programme_shows_counts_trend_ladder_milestones_and_silent_owners(
    client: TestClient, plan_id: int
) -> None:
    answer = sign_in(client, SECRETARIAT).get(f"/console/plans/{plan_id}")
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert html.count("<h1") == 1 and "The programme at a glance" in html
    # ACT-1 overdue: red whatever its owner said; ACT-2 due soon and barely begun: amber; ACT-3 complete.
    assert 'aria-label="1 red in A1"' in html and 'aria-label="1 amber in A2"' in html
    assert 'aria-label="1 complete in A1"' in html
    # The trend: both packs, one point each, the chart with the table of the same numbers.
    assert '<svg role="img" aria-labelledby="trend-title"' in html and ' style="' not in html
    assert html.count("<td>Improvement Board</td>") == 2
    assert "<td>board</td>" in html and "<td>public</td>" in html
    assert "5 working days overdue: to the owner" in html and "Friday 6 October 2017" in html
    assert "/items/MS-1" in html and "Monday 11 December 2017" in html
    assert "Action Owner" in html and "never updated" in html
    assert "<script" not in html.lower()


def test_the_register_filters_by_area_owner_rag_level_overdue_and_exempt(
    client: TestClient, plan_id: int, engine: Engine
) -> None:
    _exempt(engine)
    sign_in(client, SECRETARIAT)
    base = f"/console/plans/{plan_id}/register"
    cases = {
        "": {"ACT-1", "ACT-2", "ACT-3", "MS-1"},
        "?area=A1": {"ACT-1", "ACT-3"},
        "?area=a2": {"ACT-2"},
        f"?owner={OWNER.upper()}": {"ACT-1", "ACT-2"},
        "?rag=red": {"ACT-1"},
        "?rag=complete": {"ACT-3"},
        "?level=2": {"ACT-1"},
        "?level=1": {"ACT-2", "ACT-3", "MS-1"},
        "?overdue=1": {"ACT-1"},
        "?exempt=1": {"ACT-2"},
        "?exempt=0": {"ACT-1", "ACT-3", "MS-1"},
        "?area=A1&rag=red&overdue=1&level=2&exempt=0": {"ACT-1"},
        "?area=&owner=&rag=&level=&overdue=&exempt=": {"ACT-1", "ACT-2", "ACT-3", "MS-1"},
    }
    for query, refs in cases.items():
        answer = client.get(base + query)
        assert answer.status_code == 200, (query, answer.text)
        assert _refs(answer.text) == refs, query
        assert f"<strong>{len(refs)}</strong>" in answer.text, query


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("rag=<script>alert(1)</script>", "rag"),
        ("rag=purple", "rag"),
        ("area=ZZ", "area"),
        ("area=A1'--", "area"),
        ("owner=\u043ewner@example.org", "owner"),  # a Cyrillic o
        ("owner=owner@example.org\u200b", "owner"),  # a zero-width space
        ("owner=stranger@example.org", "owner"),
        ("level=4", "level"),
        ("level=0", "level"),
        ("level=1.0", "level"),
        ("overdue=yes", "overdue"),
        ("exempt=maybe", "exempt"),
    ],
)
def test_an_unknown_or_hostile_filter_is_named_and_refused(
    client: TestClient, plan_id: int, query: str, field: str
) -> None:
    answer = sign_in(client, SECRETARIAT).get(f"/console/plans/{plan_id}/register?{query}")
    assert answer.status_code == 400, answer.text
    html = answer.text
    assert "There is a problem" in html and f'<a href="#{field}">' in html
    assert "<script>alert" not in html and "/items/ACT-1" not in html
    assert html.count("<h1") == 1


def test_an_items_page_tells_its_whole_story_and_every_message(client: TestClient, plan_id: int) -> None:
    answer = sign_in(client, AUDITOR).get(f"/console/plans/{plan_id}/items/act-1")
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "Audit cases" in html and "Action Owner" in html
    assert "ActionAdded" in html and "added: due 2017-10-02, owner owner@example.org" in html
    assert "OverdueNoticeQueued" in html and "2017-10-03 07:05" in html and OWNER in html
    for ref in ("NOPE-1", "<script>alert(1)</script>", "ACT-1%20OR%201=1"):
        missing = client.get(f"/console/plans/{plan_id}/items/{ref}")
        assert missing.status_code == 404 and "<script>alert" not in missing.text


def test_a_milestones_page_names_what_it_depends_on(client: TestClient, plan_id: int) -> None:
    html = sign_in(client, CHAIR).get(f"/console/plans/{plan_id}/items/MS-1").text
    assert 'href="/console/plans/' in html and "/items/ACT-1" in html and "/items/ACT-2" in html


def test_a_member_whose_board_meets_only_in_public_sees_no_exempt_item_anywhere(
    client: TestClient, plan_id: int, engine: Engine
) -> None:
    _only_in_public(engine)
    sign_in(client, MEMBER)
    base = f"/console/plans/{plan_id}"
    programme = client.get(base).text
    assert 'aria-label="1 amber in A2"' not in programme and "ACT-2" not in programme
    assert "/items/MS-1" in programme and "at risk from an exempt item" in programme  # on the ladder
    assert "<td>board</td>" not in programme and "<td>public</td>" in programme  # public packs only
    assert "Exempt items are not shown to your role" in programme
    register = client.get(base + "/register")
    assert _refs(register.text) == {"ACT-1", "ACT-3", "MS-1"} and "Exempt" not in register.text
    assert client.get(base + "/register?exempt=1").status_code == 400
    assert client.get(base + "/register?exempt=0").status_code == 400
    assert _refs(client.get(base + f"/register?owner={OWNER}").text) == {"ACT-1"}
    assert client.get(base + "/items/ACT-2").status_code == 404
    milestone = client.get(base + "/items/MS-1").text
    assert "/items/ACT-1" in milestone and "ACT-2" not in milestone
    assert "at risk from an exempt item (5 working days overdue)" in milestone
    # The others still see it, and its name.
    for someone in (SECRETARIAT, AUDITOR, INSPECTOR):
        sign_in(client, someone)
        assert "ACT-2" in client.get(base + "/register").text
        assert "at risk from ACT-2" in client.get(base).text
        assert "at risk from ACT-2" in client.get(base + "/items/MS-1").text
        assert client.get(base + "/items/ACT-2").status_code == 200


def test_a_member_of_a_board_meeting_in_private_sees_exempt_items(
    client: TestClient, plan_id: int, engine: Engine
) -> None:
    _exempt(engine)
    sign_in(client, MEMBER)
    assert "ACT-2" in client.get(f"/console/plans/{plan_id}/register?exempt=1").text
    assert client.get(f"/console/plans/{plan_id}/items/ACT-2").status_code == 200


@pytest.mark.parametrize("path", ["", "/register?rag=red&area=A1", "/items/ACT-1"])
def test_a_read_only_view_is_on_the_record_and_nothing_else_is_written(
    client: TestClient, plan_id: int, engine: Engine, path: str
) -> None:
    before = len(_events(engine))
    for someone in (SECRETARIAT, CHAIR, MEMBER):
        assert sign_in(client, someone).get(f"/console/plans/{plan_id}{path}").status_code == 200
    assert len(_events(engine)) == before  # the secretariat's and the board's views are not recorded
    assert sign_in(client, AUDITOR).get(f"/console/plans/{plan_id}{path}").status_code == 200
    new = _events(engine)[before:]
    assert [e.kind for e in new] == [EventKind.CONSOLE_PAGE_VIEWED]
    data = decode_data(new[0].body)
    assert new[0].actor == AUDITOR and new[0].plan == "Test Plan"
    assert data["page"] == f"/console/plans/{plan_id}{path.split('?')[0]}"
    if "rag" in path:
        assert data["filters"] == {"rag": "red", "area": "A1"}


def test_someone_with_no_role_in_the_plan_is_refused(client: TestClient, plan_id: int) -> None:
    for path in ("", "/register", "/items/ACT-1"):
        assert sign_in(client, OWNER).get(f"/console/plans/{plan_id}{path}").status_code == 403


def test_the_trend_chart_draws_the_packs_the_viewer_may_read(
    client: TestClient, plan_id: int, engine: Engine
) -> None:
    html = sign_in(client, SECRETARIAT).get(f"/console/plans/{plan_id}").text
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "R 2" in chart and "R 1" in chart  # the board's pack, then the public one
    assert "<style" not in chart and "style=" not in chart  # the pages' CSP refuses inline styles
    _only_in_public(engine)
    html = sign_in(client, MEMBER).get(f"/console/plans/{plan_id}").text
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "R 1" in chart and "R 2" not in chart


def _more_actions(engine: Engine, plan_id: int, count: int) -> None:
    """`count` more actions of ACT-1's area and owner, due in November, every other one exempt."""
    with _changed(engine) as session:
        first = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        for n in range(count):
            session.add(
                Action(
                    plan_id=plan_id,
                    ref=f"MORE-{n:03d}",
                    title=f"More work {n}",
                    area_id=first.area_id,
                    owner_id=first.owner_id,
                    original_due=date(2017, 11, 1),
                    current_due=date(2017, 11, 1),
                    exempt=n % 2 == 0,
                )
            )


def test_a_long_register_comes_in_pages_that_keep_the_filters(
    client: TestClient, plan_id: int, engine: Engine
) -> None:
    _more_actions(engine, plan_id, 450)
    sign_in(client, SECRETARIAT)
    base = f"/console/plans/{plan_id}/register"
    first = client.get(base + "?area=A1&exempt=0")  # ACT-1, ACT-3 and 225 more
    assert first.status_code == 200
    assert "<strong>227</strong> items match these filters: 1 to 200 on this page, 1 of 2." in first.text
    assert first.text.count("/items/MORE-") == 198 and 'rel="prev"' not in first.text
    assert f'href="{base}?area=A1&amp;exempt=0&amp;page=2" rel="next"' in first.text
    second = client.get(base + "?area=A1&exempt=0&page=2")
    assert "201 to 227 on this page, 2 of 2" in second.text and second.text.count("/items/MORE-") == 27
    assert f'href="{base}?area=A1&amp;exempt=0&amp;page=1" rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    for page in ("3", "0", "-1", "two", "\u0662", "1e3", "9" * 12):
        refused = client.get(base + f"?area=A1&exempt=0&page={page}")
        assert refused.status_code == 400, page
        assert "from the links under the table" in refused.text, page


def _statements(client: TestClient, path: str) -> int:
    """The SQL statements one GET of `path` runs, on whichever engine the app uses."""
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("path", ["", "/register", "/register?rag=red"])
def test_a_page_reads_in_bulk_whatever_the_number_of_items(
    client: TestClient, plan_id: int, engine: Engine, path: str
) -> None:
    sign_in(client, MEMBER)  # the member: the visibility rule's query runs too
    few = _statements(client, f"/console/plans/{plan_id}{path}")
    _more_actions(engine, plan_id, 40)
    assert _statements(client, f"/console/plans/{plan_id}{path}") == few


def test_an_inspector_is_refused_once_the_grant_has_ended(db_url: str, plan_id: int) -> None:
    clock = Clock()
    client = sign_in(console_client(db_url, clock), INSPECTOR)
    assert client.get(f"/console/plans/{plan_id}/register").status_code == 200
    clock.now = datetime.combine(GRANT_ENDS + timedelta(days=1), time(9), tzinfo=UTC)
    sign_in(client, INSPECTOR, at=clock.now)  # a fresh session: only the grant has ended
    for path in ("", "/register", "/items/ACT-1"):
        assert client.get(f"/console/plans/{plan_id}{path}").status_code == 403, path


@pytest.mark.parametrize(
    "ends, last_evening",
    [
        (GRANT_ENDS, datetime.combine(GRANT_ENDS, time(23, 58, 30), tzinfo=UTC)),  # December: London is UTC
        (date(2018, 6, 29), datetime(2018, 6, 29, 22, 58, 30, tzinfo=UTC)),  # June: midnight is 23:00 UTC
    ],
)
def test_a_kept_standing_ends_with_the_grant_at_midnight(
    engine: Engine, db_url: str, plan_id: int, ends: date, last_evening: datetime
) -> None:
    """The guard keeps each viewer's roles while the ledger records no change (web.console.viewer): an
    inspector reading on through the grant's last evening is refused from the first minute after its last
    day ends in the plan's time (London's, summer time included), in the same session, with nothing
    written in between but the record of their own page views."""
    with unit_of_work(engine) as session:
        grant = session.exec(select(AccessGrant).where(AccessGrant.email == INSPECTOR)).one()
        grant.until = ends
        session.add(grant)
        record(session, Event(EventKind.ACCESS_GRANTED, "operator@example.org", "Test Plan", None, {}))
    evening = last_evening
    clock = Clock(evening)
    client = sign_in(console_client(db_url, clock), INSPECTOR, at=evening)
    for seconds in (0, 30, 80):
        clock.now = evening + timedelta(seconds=seconds)
        assert client.get(f"/console/plans/{plan_id}/register").status_code == 200, seconds
    clock.now = evening + timedelta(seconds=91)  # 00:00:01 on the day after the grant's last
    assert client.get(f"/console/plans/{plan_id}/register").status_code == 403


def test_a_plan_that_is_not_one_is_refused_with_a_page(client: TestClient, plan_id: int) -> None:
    sign_in(client, SECRETARIAT)
    for path in (
        "/console/plans/999999/register",
        "/console/plans/abc/register",
        "/console/plans/-1/items/ACT-1",
    ):
        answer = client.get(path)
        assert answer.status_code in (400, 403), path
        assert answer.headers["content-type"].startswith("text/html") and "Traceback" not in answer.text


def test_the_item_page_shows_a_delivery_error_without_its_secret(engine: Engine, db_url: str) -> None:
    """A dead notice about an item, its error quoting a Teams Workflows URL with its signature: the item's
    page says why it failed, never the URL a chair or member could post to the board's channel with."""
    plan_id = console_plan(engine)
    secret = (
        "https://prod-12.uksouth.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=S3CRETSIG"
    )
    with unit_of_work(engine) as session:
        session.add(
            notice_about("ACT-1", OWNER, status=NoticeStatus.DEAD, last_error=f"HTTP 404 from {secret}")
        )
        record(session, Event(EventKind.NOTICE_FAILED, "system:dispatch", "Test Plan", "ACT-1", {}))
    client = sign_in(console_client(db_url, Clock()), MEMBER)
    page = client.get(f"/console/plans/{plan_id}/items/ACT-1")
    assert page.status_code == 200
    assert "HTTP 404 from https://" in page.text
    assert "S3CRETSIG" not in page.text and "logic.azure.com" not in page.text


def _reported(engine: Engine, ref: str, reports: list[tuple[date, int]]) -> None:
    from models.people import Person
    from models.plan import Update

    with _changed(engine) as session:
        action = session.exec(select(Action).where(col(Action.ref) == ref)).one()
        author = session.exec(select(Person).where(col(Person.email) == OWNER)).one()
        assert author.id is not None
        for day, percent in reports:
            at = datetime.combine(day, time(10), UTC)
            session.add(
                Update(
                    plan_id=action.plan_id, action_id=action.id, author_id=author.id, at=at, percent=percent
                )
            )


def test_an_items_page_shows_its_forecast_finish_and_names_no_exempt_item(
    client: TestClient, plan_id: int, engine: Engine
) -> None:
    """ACT-1 at 1% a working day (10, 20, 30% a fortnight apart) finishes around 11 January 2018; MS-1 waits
    for the slower ACT-2, which a member of a board meeting only in public may not see named."""
    _reported(engine, "ACT-1", [(date(2017, 9, 4), 10), (date(2017, 9, 18), 20), (date(2017, 10, 2), 30)])
    _reported(engine, "ACT-2", [(date(2017, 9, 25), 5), (date(2017, 10, 6), 10)])
    base = f"/console/plans/{plan_id}/items"
    action = sign_in(client, AUDITOR).get(base + "/ACT-1").text
    assert "Forecast finish" in action and "you would finish around Thursday 11 January 2018" in action
    assert "waiting for ACT-2" in client.get(base + "/MS-1").text
    _only_in_public(engine)
    sign_in(client, MEMBER)
    milestone = client.get(base + "/MS-1").text
    assert "Forecast finish" in milestone and "waiting for an exempt item" in milestone
    assert "ACT-2" not in milestone
