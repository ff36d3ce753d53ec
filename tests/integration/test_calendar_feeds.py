"""Calendar feeds (issue 17, point 6): a person makes their feed's address on the console, a calendar
program reads it with no cookie (all-day events, stable UIDs, the same bytes twice, parsed back by
icalendar); a new address ends the old one, revoking ends it, a changed or made-up token is a bare 404; the
feed follows live roles; issuing and revoking are ledger events without the token; the token never reaches
the logs."""

from __future__ import annotations

import logging
import threading
from datetime import date

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.console.calendar_feed import feed_owner, issue_feed, new_feed
from models.console_access import AccessGrant
from models.console_records import CalendarFeed
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board
from tests.console_helpers import INSPECTOR, KEY, NOW, Clock, console_client, console_plan, csrf, sign_in
from tests.factories import LEAD, OWNER, SECRETARIAT
from web.logs import GUARDED_LOGGERS, redact


def _make_feed(client: TestClient) -> str:
    """Makes the signed-in viewer's feed on the console page; its address's path."""
    page = client.get("/console/calendar")
    assert page.status_code == 200
    answer = client.post("/console/calendar/new", data={"csrf": csrf(page.text)})
    assert answer.status_code == 303
    shown = client.get(answer.headers["location"])
    assert "Your feed's address is ready" in shown.text
    url = shown.text.split('id="feed-url" value="')[1].split('"')[0]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


def _read(client: TestClient, path: str) -> dict[str, tuple[date, str]]:
    client.cookies.clear()  # a calendar program has no session
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in answer.headers
    calendar = Calendar.from_ical(answer.content)
    assert calendar["X-WR-TIMEZONE"] == "Europe/London" and "Line of Sight" in str(calendar["PRODID"])
    events = {}
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        assert type(start) is date and event["DTSTART"].params.get("VALUE") == "DATE"
        events[str(event["UID"])] = (start, str(event["SUMMARY"]))
    return events


def test_a_board_secretariat_sees_meetings_packs_and_milestones_stable_across_fetches(
    engine: Engine, db_url: str
) -> None:
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    path = _make_feed(client)
    first = client.get(path).content
    events = _read(client, path)
    assert client.get(path).content == first  # the same data, the same bytes
    meeting_uids = [u for u in events if u.startswith(f"meeting-{plan_id}-")]
    assert len(meeting_uids) == 1
    assert events[meeting_uids[0]][0] == date(2017, 10, 3)
    [pack] = [v for u, v in events.items() if u.startswith(f"pack-{plan_id}-")]
    assert pack[0] == date(2017, 9, 25)  # five clear working days before the Tuesday meeting
    assert events[f"milestone-{plan_id}-MS-1-due@lineofsight"][0] == date(2017, 12, 11)
    assert not any(u.startswith("action-") for u in events)  # the secretariat owns no item


def test_an_owner_sees_their_open_items_due_dates(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    with unit_of_work(engine) as session:  # made while they held a role: the console needs one
        token = issue_feed(session, KEY.encode(), OWNER, NOW)
    client = console_client(db_url, Clock())
    events = _read(client, f"/calendar/{token}.ics")
    assert events == {
        f"action-{plan_id}-ACT-1-due@lineofsight": (date(2017, 10, 2), "ACT-1 due: Audit cases"),
        f"action-{plan_id}-ACT-2-due@lineofsight": (date(2017, 10, 20), "ACT-2 due: Recruit staff"),
    }


def test_the_feed_follows_live_roles(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), LEAD)
    path = _make_feed(client)
    before = _read(client, path)
    assert any(u.startswith("meeting-") for u in before)
    assert before[f"milestone-{plan_id}-MS-1-due@lineofsight"][1] == "MS-1 due: Plan to inspectorate"
    with unit_of_work(engine) as session:  # the chair steps down
        board = session.exec(select(Board)).one()
        board.chair_id = None
        session.add(board)
        record(session, Event(EventKind.BOARD_CHANGED, "test", "Test Plan", None, {"chair": None}))
    after = _read(client, path)
    assert list(after) == [f"milestone-{plan_id}-MS-1-due@lineofsight"]  # their own milestone only


def test_a_stranger_s_feed_is_not_found(engine: Engine, db_url: str) -> None:
    console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), INSPECTOR)
    path = _make_feed(client)
    assert _read(client, path) == {}  # an inspector sits on no board and owns nothing
    with unit_of_work(engine) as session:
        session.delete(session.exec(select(AccessGrant)).one())
        record(session, Event(EventKind.ACCESS_REVOKED, "operator@example.org", "Test Plan", None, {}))
    assert client.get(path).status_code == 404


def test_a_new_address_ends_the_old_and_revoking_ends_it(engine: Engine, db_url: str) -> None:
    console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    old = _make_feed(client)
    sign_in(client, SECRETARIAT)
    new = _make_feed(client)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    sign_in(client, SECRETARIAT)
    page = client.get("/console/calendar")
    answer = client.post("/console/calendar/revoke", data={"csrf": csrf(page.text)})
    assert answer.status_code == 303
    assert "no longer works" in client.get(answer.headers["location"]).text
    client.cookies.clear()
    assert client.get(new).status_code == 404
    with Session(engine) as session:
        events = list(
            session.exec(
                select(AuditEvent)
                .where(
                    col(AuditEvent.kind).in_(
                        [EventKind.CALENDAR_FEED_ISSUED, EventKind.CALENDAR_FEED_REVOKED]
                    )
                )
                .order_by(col(AuditEvent.seq))
            )
        )
    assert [e.kind for e in events] == ["CalendarFeedIssued", "CalendarFeedIssued", "CalendarFeedRevoked"]
    assert all(e.actor == SECRETARIAT for e in events)
    for path in (old, new):
        token = path.removeprefix("/calendar/").removesuffix(".ics")
        assert not any(token.encode() in e.body or token.split(".")[0].encode() in e.body for e in events)


def test_the_console_forms_refuse_a_post_without_the_field(engine: Engine, db_url: str) -> None:
    console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    assert client.post("/console/calendar/new", data={"csrf": "forged"}).status_code == 403
    assert client.get("/console/calendar").text.count("feed-url") == 0


@pytest.mark.parametrize("mangle", ["flip", "unknown", "garbage", "no signature"])
def test_a_changed_or_made_up_token_is_a_bare_404(engine: Engine, db_url: str, mangle: str) -> None:
    console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    token = _make_feed(client).removeprefix("/calendar/").removesuffix(".ics")
    nonce, signature = token.split(".")
    middle = signature[10]
    changed = {
        "flip": f"{nonce}.{signature[:10]}{'A' if middle != 'A' else 'B'}{signature[11:]}",
        "unknown": f"{'x' * 22}.{signature}",
        "garbage": "<script>",
        "no signature": nonce,
    }[mangle]
    client.cookies.clear()
    answer = client.get(f"/calendar/{changed}.ics")
    assert answer.status_code == 404
    assert "Page not found" in answer.text and nonce not in answer.text


def test_the_token_never_reaches_the_logs(
    engine: Engine, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    path = _make_feed(client)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    with caplog.at_level(logging.INFO):
        client.get(path)
        client.get(path.replace(".ics", "x.ics"))
    # The server's own lines (the test's HTTP client logs its own requests, as a browser's history would).
    served = "\n".join(r.getMessage() for r in caplog.records if r.name in GUARDED_LOGGERS)
    assert "/calendar/<link:" in served
    assert token not in served and token.split(".")[0] not in served
    assert redact("POST /console/calendar/new 303") == "POST /console/calendar/new 303"


def test_an_inspector_s_view_of_the_calendar_page_is_recorded(engine: Engine, db_url: str) -> None:
    console_plan(engine)
    for who in (INSPECTOR, SECRETARIAT):
        sign_in(console_client(db_url, Clock()), who).get("/console/calendar")
    with Session(engine) as session:
        views = list(session.exec(select(AuditEvent).where(AuditEvent.kind == EventKind.CONSOLE_PAGE_VIEWED)))
    assert [(e.actor, e.plan) for e in views] == [(INSPECTOR, "Test Plan")]


@pytest.mark.parametrize("presses", [1, 3])
def test_new_feeds_at_once_leave_one_working(engine: Engine, db_url: str, presses: int) -> None:
    """A feed being made (its transaction open) while more presses make others for the same address: they
    wait, then each replaces the one before, so one feed works, the last made, and every one is recorded."""
    console_plan(engine)
    opened, release = threading.Event(), threading.Event()
    first: list[str] = []

    def slow_press() -> None:
        with unit_of_work(engine) as session:
            first.append(issue_feed(session, KEY.encode(), SECRETARIAT, NOW))
            opened.set()
            release.wait(10)

    thread = threading.Thread(target=slow_press)
    thread.start()
    assert opened.wait(10)
    made: list[str] = []
    later = [
        threading.Thread(target=lambda: made.append(new_feed(engine, KEY.encode(), SECRETARIAT, NOW)))
        for _ in range(presses)
    ]
    for press in later:
        press.start()
    threading.Timer(0.5, release.set).start()  # the later presses are waiting on the first by then
    for press in [thread, *later]:
        press.join(20)
    assert len(first) == 1 and len(made) == presses and len({*first, *made}) == presses + 1
    with Session(engine) as session:
        live = session.exec(select(CalendarFeed).where(col(CalendarFeed.revoked_at).is_(None))).all()
        issued = session.exec(
            select(AuditEvent).where(col(AuditEvent.kind) == EventKind.CALENDAR_FEED_ISSUED)
        ).all()
        working = [t for t in (*first, *made) if feed_owner(session, KEY.encode(), t) == SECRETARIAT]
    assert len(live) == 1 and len(working) == 1 and working[0] in made
    assert len(issued) == presses + 1
