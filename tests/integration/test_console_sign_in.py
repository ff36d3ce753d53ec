"""Signing in to the console (issue 17, point 1), on real databases through the app in-process: ask for a
link, the notice queued with no token in it, the link the dispatcher writes when it sends, the enter page
that writes nothing on a GET, the POST that signs in with the cookie's flags right, the home page with the
plans and roles, a second use and an expired link refused, signing out; a stranger's address gets the same
answer and nothing queued; the events written, with no token in any event, notice or log line; and a
revoked grant ends access on the next request."""

from __future__ import annotations

import email
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import pytest
import sqlalchemy as sa
from fastapi import Depends
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.settings import Settings
from models.audit import AuditEvent
from models.console.roles import Role
from models.console.sign_in import COOKIE, read_sign_in
from models.console.sign_in_requests import MAX_PER_HOUR, request_sign_in
from models.console_access import AccessGrant, SignInUse
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.links.tokens import LinkMaker
from models.outbox import Notice, NoticeStatus
from models.plan import Plan
from notifications.dispatch import dispatch
from notifications.transport import FileSink
from tests.factories import SECRETARIAT, load_small_plan
from web.console.viewer import Viewer, require
from web.logs import ACCESS_LOGGER

KEY = "console-test-key-of-forty-characters-long"
BASE = "http://testserver"
ASKED = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
SENT = ASKED + timedelta(minutes=3)
INSPECTOR = "ina.inspector@inspectorate.example.org"
STRANGER = "nobody@example.org"
SAME_ANSWER = "If that address may use the console, a link is on its way; it works for 15 minutes, once"
LINK = re.compile(r"http://testserver/console/enter/[A-Za-z0-9_.-]+")


@dataclass
class Clock:
    now: datetime


def console(db_url: str, clock: Clock, mail: Path, base_url: str = BASE) -> TestClient:
    """The app in-process, its clock at `clock.now`, its messages written to `mail` (no SMTP server set)."""
    from web.app import create_app
    from web.pages import clock as edge_clock

    settings = Settings(database_url=db_url, secret_key=KEY, base_url=base_url, outbox_dir=mail)
    api = create_app(settings)
    api.dependency_overrides[edge_clock] = lambda: clock.now
    return TestClient(api, base_url=base_url, follow_redirects=False)


@pytest.fixture
def clock() -> Clock:
    return Clock(ASKED)


@pytest.fixture
def mail(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def plan(engine: Engine) -> Iterator[int]:
    """The small plan (its board's secretariat: SECRETARIAT), and an inspector's grant to 31 January."""
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        plan_id = session.exec(select(Plan.id)).one()
        assert plan_id is not None
        session.add(
            AccessGrant(
                email=INSPECTOR,
                name="Ina Inspector",
                plan_id=plan_id,
                role="inspector",
                until=date(2027, 1, 31),
                granted_by="operator@example.org",
            )
        )
        record(session, Event(EventKind.ACCESS_GRANTED, "operator@example.org", "Test Plan", None, {}))
    yield plan_id


def ask(client: TestClient, address: str) -> str:
    answer = client.post("/console/sign-in", data={"email": address})
    assert answer.status_code == 200, answer.text
    return answer.text


def send(engine: Engine, folder: Path, at: datetime) -> list[str]:
    """Run the dispatcher at `at`: the sign-in links in the emails it wrote."""
    result = dispatch(
        engine, FileSink(folder), at, sender="los@example.org", links=LinkMaker(BASE, KEY.encode(), at)
    )
    assert not result.failures, result.failures
    return links_in(folder)


def links_in(folder: Path) -> list[str]:
    """The sign-in links in the plain text of the emails in `folder`, oldest email first."""
    links = []
    for path in sorted(folder.rglob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes())
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                links += LINK.findall(payload.decode())
    return links


def path_of(link: str) -> str:
    return link.removeprefix(BASE)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None, html
    return found.group(1)


def events(engine: Engine, kind: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        )


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        ledger = session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
        used = session.execute(sa.select(sa.func.count()).select_from(SignInUse)).scalar_one()
    return ledger, used


def sign_in_notices(engine: Engine) -> list[Notice]:
    with Session(engine) as session:
        return list(session.exec(select(Notice).where(Notice.kind == EventKind.SIGN_IN_LINK_SENT.value)))


def test_the_whole_loop(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    client = console(db_url, clock, mail)
    form = client.get("/console/sign-in")
    assert form.status_code == 200 and 'type="email"' in form.text

    # Ask: the same answer for a person with a standing and for a stranger; only the first is queued,
    # and sent through the outbox at once (the link written as it goes, valid 15 minutes from then).
    mine, strangers = ask(client, SECRETARIAT.upper()), ask(client, STRANGER)
    assert SAME_ANSWER in mine and mine == strangers
    [notice] = sign_in_notices(engine)
    assert notice.recipient == SECRETARIAT and notice.status == NoticeStatus.SENT
    payload = json.loads(notice.payload)
    assert set(payload) == {"email", "nonce", "plans", "recipient_name"}
    assert payload["plans"] == ["Test Plan"] and payload["email"] == SECRETARIAT
    [asked] = events(engine, EventKind.SIGN_IN_LINK_SENT)
    assert asked.actor == SECRETARIAT and asked.plan == "Test Plan"
    [link] = links_in(mail)
    token = path_of(link).removeprefix("/console/enter/")
    claims = read_sign_in(KEY.encode(), token)
    assert claims.email == SECRETARIAT and claims.nonce == payload["nonce"]
    assert claims.issued == ASKED and claims.expires == ASKED + timedelta(minutes=15)

    # A GET (a mail scanner's) shows one button and writes nothing.
    clock.now = ASKED + timedelta(minutes=14, seconds=59)
    before = counts(engine)
    shown = client.get(path_of(link))
    assert shown.status_code == 200 and ">Sign in</button>" in shown.text and token not in shown.text
    assert client.head(path_of(link)).status_code == 200
    assert counts(engine) == before

    # The POST signs in: the session cookie, HttpOnly, SameSite=Lax, Path=/console, for 8 hours.
    entered = client.post(path_of(link), data={"csrf": csrf(shown.text)})
    assert entered.status_code == 303 and entered.headers["location"] == "/console"
    cookie = entered.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("HttpOnly", "SameSite=Lax", "Path=/console", "Max-Age=28800"):
        assert flag in cookie, cookie
    assert "Secure" not in cookie  # plain http here: see the https test below
    [signed_in] = events(engine, EventKind.SIGNED_IN)
    assert signed_in.actor == SECRETARIAT and signed_in.plan == "Test Plan"
    assert b'"roles":["secretariat"]' in signed_in.body

    home = client.get("/console")
    assert home.status_code == 200
    assert "Board Secretariat" in home.text and "Test Plan" in home.text and "Board secretariat" in home.text

    # The same link again: refused, from this browser or any other.
    again = console(db_url, clock, mail)
    assert again.get(path_of(link)).status_code == 410
    refused = again.post(path_of(link), data={"csrf": csrf(shown.text)})
    assert refused.status_code == 410 and "already been used" in refused.text and "new link" in refused.text
    assert again.get("/console").status_code == 303

    # Signing out clears the cookie and is recorded; the console then sends the browser to sign in.
    out = client.post("/console/sign-out", data={"csrf": csrf(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/console/sign-in?signed_out=1"
    assert f'{COOKIE}=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert client.get("/console").headers["location"] == "/console/sign-in"
    [signed_out] = events(engine, EventKind.SIGNED_OUT)
    assert signed_out.actor == SECRETARIAT

    # No token in any event, notice or access log line.
    with Session(engine) as session:
        bodies = b"".join(e.body for e in session.exec(select(AuditEvent)))
        notices = "".join(
            n.payload + n.dedupe_key + (n.last_error or "") for n in session.exec(select(Notice))
        )
    assert token.encode() not in bodies and token not in notices
    assert token not in caplog.text and "/console/enter/<link:" in caplog.text


def test_an_expired_link_is_refused(engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path) -> None:
    client = console(db_url, clock, mail)
    ask(client, SECRETARIAT)
    [link] = links_in(mail)
    clock.now = ASKED + timedelta(minutes=15)
    shown = client.get(path_of(link))
    assert shown.status_code == 410 and "expired" in shown.text and "new link" in shown.text
    token = path_of(link).removeprefix("/console/enter/")
    from models.console.sign_in import csrf_field

    posted = client.post(path_of(link), data={"csrf": csrf_field(KEY.encode(), token)})
    assert posted.status_code == 410 and counts(engine)[1] == 0


def test_a_tampered_link_and_a_forged_form_are_refused(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    client = console(db_url, clock, mail)
    ask(client, SECRETARIAT)
    [link] = links_in(mail)
    path = path_of(link)
    # A character well inside the signature (its last may be padding bits only), always changed.
    tampered = path[:-5] + ("A" if path[-5] != "A" else "B") + path[-4:]
    assert client.get(tampered).status_code == 403
    assert client.post(path_of(link), data={"csrf": "forged"}).status_code == 403
    shown = client.get(path_of(link))
    foreign = client.post(
        path_of(link), data={"csrf": csrf(shown.text)}, headers={"Origin": "https://elsewhere.example"}
    )
    assert foreign.status_code == 403 and counts(engine)[1] == 0


def test_at_most_a_few_links_an_hour(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    client = console(db_url, clock, mail)
    for minute in range(MAX_PER_HOUR + 2):
        clock.now = ASKED + timedelta(minutes=minute)
        assert SAME_ANSWER in ask(client, SECRETARIAT)
    assert len(sign_in_notices(engine)) == MAX_PER_HOUR
    clock.now = ASKED + timedelta(hours=1, seconds=1)
    ask(client, SECRETARIAT)
    assert len(sign_in_notices(engine)) == MAX_PER_HOUR + 1


def test_a_malformed_address_is_asked_again(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    client = console(db_url, clock, mail)
    for typed in ("", "not an address", "x" * 500):
        answer = client.post("/console/sign-in", data={"email": typed})
        assert answer.status_code == 400 and "There is a problem" in answer.text
    assert not sign_in_notices(engine)


def test_a_revoked_grant_ends_access_on_the_next_request(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    client = console(db_url, clock, mail)
    ask(client, INSPECTOR)
    [link] = links_in(mail)
    shown = client.get(path_of(link))
    assert client.post(path_of(link), data={"csrf": csrf(shown.text)}).status_code == 303
    home = client.get("/console")
    assert home.status_code == 200 and "Inspector until" in home.text and "31 January 2027" in home.text
    with unit_of_work(engine) as session:
        grant = session.exec(select(AccessGrant)).one()
        grant.revoked_at, grant.revoked_by = ASKED, "operator@example.org"
        session.add(grant)
        record(session, Event(EventKind.ACCESS_REVOKED, "operator@example.org", "Test Plan", None, {}))
    ended = client.get("/console")
    assert ended.status_code == 403 and "access to the console has ended" in ended.text


def test_a_copied_cookie_is_refused_after_sign_out(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    """Signing out ends the session on the server: a copy of the cookie taken before it no longer works,
    though its signature and its eight hours are still good; signing out with the copy changes nothing."""
    client = console(db_url, clock, mail)
    ask(client, SECRETARIAT)
    [link] = links_in(mail)
    shown = client.get(path_of(link))
    assert client.post(path_of(link), data={"csrf": csrf(shown.text)}).status_code == 303
    copied = client.cookies[COOKIE]
    home = client.get("/console")
    assert home.status_code == 200
    clock.now = ASKED + timedelta(minutes=30)
    assert client.post("/console/sign-out", data={"csrf": csrf(home.text)}).status_code == 303
    thief = console(db_url, clock, mail)
    thief.cookies.set(COOKIE, copied, path="/console")
    assert thief.get("/console").headers.get("location") == "/console/sign-in"
    assert len(events(engine, EventKind.SIGNED_OUT)) == 1
    before = counts(engine)
    again = thief.post("/console/sign-out", data={"csrf": csrf(home.text)})
    assert again.status_code == 303 and counts(engine) == before


def test_the_cookie_is_secure_behind_https(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    client = console(db_url, clock, mail, base_url="https://testserver")
    ask(client, SECRETARIAT)
    with Session(engine) as session:
        [notice] = session.exec(select(Notice)).all()
    from models.console.sign_in import csrf_field, sign_in_token

    token = sign_in_token(KEY.encode(), SECRETARIAT, json.loads(notice.payload)["nonce"], ASKED)
    entered = client.post(f"/console/enter/{token}", data={"csrf": csrf_field(KEY.encode(), token)})
    assert entered.status_code == 303
    assert "Secure" in entered.headers["set-cookie"] and "SameSite=Lax" in entered.headers["set-cookie"]


def test_one_link_used_twice_at_once_opens_one_session(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    import threading

    ask(console(db_url, clock, mail), SECRETARIAT)
    [link] = links_in(mail)
    browsers = [console(db_url, clock, mail) for _ in range(2)]
    forms = [b.get(path_of(link)).text for b in browsers]
    start = threading.Barrier(2)
    answers: list[int] = []

    def use(browser: TestClient, form: str) -> None:
        start.wait()
        answers.append(browser.post(path_of(link), data={"csrf": csrf(form)}).status_code)

    threads = [threading.Thread(target=use, args=pair) for pair in zip(browsers, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [303, 410]
    assert counts(engine)[1] == 1 and len(events(engine, EventKind.SIGNED_IN)) == 1


def test_the_link_goes_alone_and_on_a_rest_day(
    engine: Engine, db_url: str, plan: int, clock: Clock, tmp_path: Path
) -> None:
    from notifications.delivery_days import RestDay

    saturday = datetime(2027, 1, 9, 10, 0, tzinfo=UTC)
    with unit_of_work(
        engine
    ) as session:  # asked for by a page whose own sending failed: left to the dispatcher
        assert request_sign_in(session, SECRETARIAT, saturday) is not None
    with unit_of_work(engine) as session:  # an ordinary notice for the same person, due at the same time
        session.add(
            Notice(
                dedupe_key="Test Plan|ACT-1|overdue|secretariat",
                plan="Test Plan",
                recipient=SECRETARIAT,
                kind=EventKind.OVERDUE_NOTICE_QUEUED.value,
                item_refs="ACT-1",
                payload=json.dumps(
                    {"ref": "ACT-1", "title": "Audit cases", "reason": "overdue", "due": "2017-10-02"}
                ),
                created_at=saturday,
                not_before=saturday,
            )
        )
        record(session, Event(EventKind.OVERDUE_NOTICE_QUEUED, "system:sweep", "Test Plan", "ACT-1", {}))
    rest = {"Test Plan": RestDay("Test Plan", "ENG", saturday.date(), "Saturday")}
    folder = tmp_path / "mail"
    result = dispatch(
        engine,
        FileSink(folder),
        saturday,
        sender="los@example.org",
        held=rest,
        links=LinkMaker(BASE, KEY.encode(), saturday),
    )
    assert result.sent == 1 and result.held_notices == {"Test Plan": 1}
    [message] = [email.message_from_bytes(p.read_bytes()) for p in folder.glob("*.eml")]
    assert message["Subject"] == "Your link to sign in to Line of Sight"
    parts = [p.get_payload(decode=True) for p in message.walk() if p.get_content_maintype() == "text"]
    text = "".join(part.decode() for part in parts if isinstance(part, bytes))
    assert "ACT-1" not in text and len(LINK.findall(text)) == 2  # the text and the HTML part


def test_the_dispatcher_writes_the_link_when_it_sends(engine: Engine, plan: int, tmp_path: Path) -> None:
    """A link the page could not send at once waits in the outbox, with no token, for the dispatcher: it
    writes the link when it sends, valid 15 minutes from then, not from when it was asked for."""
    with unit_of_work(engine) as session:
        notice_id = request_sign_in(session, SECRETARIAT, ASKED)
    with Session(engine) as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None and notice.status == NoticeStatus.PENDING
    [link] = send(engine, tmp_path / "mail", SENT)
    claims = read_sign_in(KEY.encode(), path_of(link).removeprefix("/console/enter/"))
    assert claims.nonce == json.loads(notice.payload)["nonce"]
    assert claims.issued == SENT and claims.expires == SENT + timedelta(minutes=15)
    assert send(engine, tmp_path / "mail", SENT + timedelta(minutes=1)) == [link]  # sent once, not again


def write_page(viewer: Annotated[Viewer, Depends(require(Role.SECRETARIAT))]) -> PlainTextResponse:
    return PlainTextResponse(f"may write: {viewer.email}")


def read_page(viewer: Annotated[Viewer, Depends(require(Role.INSPECTOR, Role.AUDITOR))]) -> PlainTextResponse:
    return PlainTextResponse("may read")


def test_require_refuses_a_role_not_held_on_the_server(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    """`require(*roles)`, as the console's later pages will use it: in the page's plan (`plan_id`), or in
    any plan for a page of none; refused with 403 on the server whatever the page shows."""

    def signed_in_as(address: str) -> TestClient:
        client = console(db_url, clock, mail)
        client.app.add_api_route("/console/plans/{plan_id}/write", write_page)  # type: ignore[attr-defined]
        client.app.add_api_route("/console/read", read_page)  # type: ignore[attr-defined]
        before = len(links_in(mail))
        ask(client, address)
        link = links_in(mail)[before]
        shown = client.get(path_of(link))
        assert client.post(path_of(link), data={"csrf": csrf(shown.text)}).status_code == 303
        return client

    secretariat, inspector = signed_in_as(SECRETARIAT), signed_in_as(INSPECTOR)
    written = secretariat.get(f"/console/plans/{plan}/write")
    assert written.text == f"may write: {SECRETARIAT}", (written.status_code, written.text[-600:])
    assert secretariat.get(f"/console/plans/{plan + 1}/write").status_code == 403  # not in that plan
    assert secretariat.get("/console/read").status_code == 403
    # A page naming its plan or board in a way `require` does not read is refused, never checked against all.
    secretariat.app.add_api_route("/console/boards/{board}/write", write_page)  # type: ignore[attr-defined]
    assert secretariat.get("/console/boards/1/write").status_code == 403
    refused = inspector.get(f"/console/plans/{plan}/write")
    assert refused.status_code == 403 and "You cannot use this page" in refused.text
    assert inspector.get("/console/read").text == "may read"
    stranger = console(db_url, clock, mail)
    stranger.app.add_api_route("/console/plans/{plan_id}/write", write_page)  # type: ignore[attr-defined]
    assert stranger.get(f"/console/plans/{plan}/write").headers["location"] == "/console/sign-in"


def test_hostile_addresses_are_answered_plainly(
    engine: Engine, db_url: str, plan: int, clock: Clock, mail: Path
) -> None:
    client = console(db_url, clock, mail)
    for typed in ("a\x00@example.org", "a@b\r\nBcc: x@example.org", "ä@example.org", "<script>@x.org", "@"):
        answer = client.post("/console/sign-in", data={"email": typed})
        assert answer.status_code == 400 and "<script>@" not in answer.text, typed
    answer = client.post("/console/sign-in", data={"email": ["a@example.org", "b@example.org"]})
    assert answer.status_code == 200
    assert client.post(
        "/console/sign-in", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
    ).status_code in (200, 400)
    assert client.get("/console/enter/" + "x" * 3_000).status_code == 403
    assert not sign_in_notices(engine)


def test_many_asking_at_once_for_one_address_queue_at_most_the_limit(
    engine: Engine, db_url: str, plan: int, tmp_path: Path
) -> None:
    import threading

    from flows.bootstrap import bootstrap
    from flows.sign_in import sign_in_requested

    app = bootstrap(Settings(database_url=db_url, secret_key=KEY, base_url=BASE, outbox_dir=tmp_path / "out"))
    start = threading.Barrier(MAX_PER_HOUR + 2)
    errors: list[BaseException] = []

    def asking() -> None:
        start.wait()
        try:
            sign_in_requested(app, SECRETARIAT, ASKED)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=asking) for _ in range(MAX_PER_HOUR + 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    notices = sign_in_notices(engine)
    assert len(notices) == MAX_PER_HOUR and all(n.status == NoticeStatus.SENT for n in notices)
    assert len(events(engine, EventKind.SIGN_IN_LINK_SENT)) == MAX_PER_HOUR


def test_one_machine_cannot_walk_a_list_of_addresses(
    engine: Engine, db_url: str, plan: int, mail: Path
) -> None:
    """Each address may ask a few times an hour; one client may ask for at most ASKS_PER_MINUTE links a minute
    whatever the addresses, then gets 429 (and nothing is queued for the rest)."""
    from web.console.sign_in import ASKS_PER_MINUTE

    client = console(db_url, Clock(ASKED), mail)
    answers = [
        client.post("/console/sign-in", data={"email": f"walker{i}@example.org"}).status_code
        for i in range(ASKS_PER_MINUTE + 3)
    ]
    assert answers == [200] * ASKS_PER_MINUTE + [429] * 3
    answer = client.post("/console/sign-in", data={"email": SECRETARIAT})
    assert answer.status_code == 429 and answer.headers["retry-after"] == "60"
    assert "Wait a minute" in answer.text
    assert not sign_in_notices(engine)  # strangers got nothing, and the refused one was not queued
