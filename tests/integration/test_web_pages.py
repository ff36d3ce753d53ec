"""The owner's update pages, in-process over a real database: what a GET shows (and that it writes nothing),
and what a POST does: exactly what `lineofsight update` does, with the channel `web`, once per form."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.db import unit_of_work
from models.ledger.chain import Event, decode_data, record
from models.ledger.kinds import EventKind
from models.outbox import Notice
from models.plan import Action, Milestone, Update
from models.plans.spec import UpdateSpec
from models.plans.updates import apply_update
from models.vocab import RAG, Status
from models.web_links import WebSubmission
from tests.web_helpers import (
    AWAY_OWNER,
    DEPUTY,
    LEAD,
    NOW,
    OWNER,
    SECRETARIAT,
    all_path,
    client,
    form_of,
    h1,
    item_path,
    load_plan,
)


@pytest.fixture
def plan_engine(engine: Engine) -> Engine:
    load_plan(engine)
    return engine


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (AuditEvent, Update, Notice, WebSubmission)
        )


def _events(engine: Engine, kind: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        )


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _remind(engine: Engine, recipient: str, ref: str, reason: str, next_step: str) -> None:
    payload = {"ref": ref, "reason": reason, "next_step": next_step, "title": "x", "due": "2017-10-02"}
    with unit_of_work(engine) as session:
        session.add(
            Notice(
                dedupe_key=f"Test Plan|{ref}|{reason}|{recipient}",
                plan="Test Plan",
                recipient=recipient,
                kind=EventKind.OVERDUE_NOTICE_QUEUED,
                item_refs=ref,
                payload=json.dumps(payload),
                not_before=NOW - timedelta(hours=3),
            )
        )
        record(session, Event("TestNoticesQueued", "test"))


def test_the_item_page_shows_what_its_owner_needs(plan_engine: Engine, db_url: str) -> None:
    for day, note in enumerate(["first note", "second note", "third note", "fourth note"], start=1):
        with unit_of_work(plan_engine) as session:
            at = datetime(2026, 12, day, 9, 0, tzinfo=UTC)
            apply_update(session, UpdateSpec("ACT-1", OWNER, note=note, at=at))
    _remind(plan_engine, OWNER, "ACT-1", "2,330 working days overdue", "escalates to Area Lead on Monday")
    _remind(plan_engine, LEAD, "ACT-1", "someone else's reminder", "not for the owner")
    before = _counts(plan_engine)
    response = client(db_url).get(item_path(plan_engine, OWNER, "ACT-1"))
    assert response.status_code == 200
    assert h1(response.text) == "Update ACT-1 Audit cases"
    text = _text(response.text)
    for shown in (
        "Management oversight",
        "Monday 2 October 2017 (overdue by",
        "In progress",
        "Amber",
        "40%",
        "fourth note",
        "third note",
        "second note",
        "2,330 working days overdue",
        "If nothing changes: escalates to Area Lead on Monday",
    ):
        assert shown in text, shown
    assert "first note" not in text and "someone else's reminder" not in text
    for label in (
        "Status",
        "RAG rating",
        "Percent complete",
        "What has changed (note)",
        "Link to evidence",
        "Ask to move the due date to",
        "Why the date should move",
    ):
        assert f">{label}</" in response.text, label
    assert ">Send update</button>" in response.text and 'type="date"' in response.text
    assert len(re.findall(r'name="form_id" value="[A-Za-z0-9_-]{32}"', response.text)) == 1
    assert response.text.count("<h1") == 1
    assert _counts(plan_engine) == before  # a GET writes nothing


def test_working_days_to_a_due_date_in_the_future(plan_engine: Engine, db_url: str) -> None:
    response = client(db_url, datetime(2017, 9, 25, 9, 0, tzinfo=UTC)).get(
        item_path(plan_engine, OWNER, "ACT-1", datetime(2017, 9, 24, tzinfo=UTC))
    )
    assert "Monday 2 October 2017 (in 5 working days)" in _text(response.text)


def test_a_posted_update_is_the_cli_update_with_channel_web(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    form = form_of(web.get(path).text, status="In Progress", rag="r", percent="55%", note="Auditors off sick")
    form |= {"evidence": "https://example.org/evidence"}
    response = web.post(path, data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{path}?sent=1"
    with Session(plan_engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        update = session.exec(select(Update)).one()
        taken = session.exec(select(WebSubmission)).one()
    assert (action.rag, action.percent, action.last_update_on) == (RAG.RED, 55, NOW.date())
    assert (taken.update_id, taken.at) == (update.id, NOW)  # the form's row names the update it made
    assert (update.commentary, update.evidence_url, update.at) == (
        "Auditors off sick",
        "https://example.org/evidence",
        NOW,
    )
    [event] = _events(plan_engine, EventKind.ACTION_UPDATED)
    data = decode_data(event.body)
    assert (event.actor, event.ref, data["channel"], data["update_id"]) == (OWNER, "ACT-1", "web", update.id)
    assert "on_behalf_of" not in data and data["after"] == {"rag": "red", "percent": 55}
    done = web.get(f"{path}?sent=1")
    assert done.status_code == 200 and "Update received" in done.text and 'role="status"' in done.text


def test_the_same_form_twice_records_one_update(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    form = form_of(web.get(path).text, note="Double click")
    first = web.post(path, data=form, follow_redirects=False)
    second = web.post(path, data=form, follow_redirects=False)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["location"] == second.headers["location"]
    assert len(_events(plan_engine, EventKind.ACTION_UPDATED)) == 1
    fresh = form_of(web.get(path).text, note="A second update, from a fresh page")
    assert web.post(path, data=fresh, follow_redirects=False).status_code == 303
    assert len(_events(plan_engine, EventKind.ACTION_UPDATED)) == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"percent": "lots"},
            "percent",
            "Invalid percent &#39;lots&#39;: expected a whole number from 0 to 100",
        ),
        ({"status": "finished-ish"}, "status", "Invalid status &#39;finished-ish&#39;: expected one of"),
        ({"status": "complete", "rag": "red"}, "rag", "Status complete, but RAG red"),
        ({"status": "complete", "percent": "10"}, "percent", "Status complete, but percent 10"),
        ({"evidence": "ftp://example.org/x"}, "evidence", "expected an http:// or https:// address"),
        ({}, "status", "Nothing to send"),
        ({"due_change": "2027-03-01"}, "due_change_reason", "Say why the due date should move"),
        ({"due_change": "31/02/2027", "due_change_reason": "x"}, "due_change", "Invalid date to move"),
        ({"due_change_reason": "Because"}, "due_change", "Give the date the due date should move to"),
    ],
)
def test_a_wrong_value_shows_the_form_again_with_the_error_beside_its_field(
    plan_engine: Engine, db_url: str, fields: dict[str, str], field: str, message: str
) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    before = _counts(plan_engine)
    page = web.get(path).text
    response = web.post(path, data=form_of(page, **fields), follow_redirects=False)
    assert response.status_code == 400
    html = response.text
    assert '<div class="error-summary" role="alert"' in html and f'<a href="#{field}">' in html
    error = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', html, re.S)
    assert error is not None and message in error.group(1)
    described = re.search(rf'id="{field}"[^>]*aria-describedby="([^"]*)"', html) or re.search(
        rf'<fieldset aria-describedby="([^"]*{field}-error[^"]*)"', html
    )
    assert described is not None and f"{field}-error" in described.group(1)
    for name, value in fields.items():  # what was typed is kept
        if name in ("note", "due_change_reason"):
            assert f">{value}</textarea>" in html
        elif name in ("percent", "evidence", "due_change"):
            assert f'value="{value}"' in html
    assert _counts(plan_engine) == before
    assert "Traceback" not in html and "<title>Error: " in html


def test_escaped_text_and_no_inline_script(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert (
        web.post(path, data=form_of(web.get(path).text, note=hostile), follow_redirects=False).status_code
        == 303
    )
    html = web.get(path).text
    assert "&lt;script&gt;" in html and "<script" not in html and "<img" not in html
    assert "style=" not in html


@pytest.mark.parametrize(
    ("headers", "csrf", "status"),
    [
        ({}, "forged", 403),
        ({"Origin": "https://evil.example"}, None, 403),
        ({"Sec-Fetch-Site": "cross-site"}, None, 403),
        (
            {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
            None,
            303,
        ),  # what no-referrer makes browsers send
        ({"Origin": "http://testserver"}, None, 303),
    ],
)
def test_forged_and_cross_site_posts_change_nothing(
    plan_engine: Engine, db_url: str, headers: dict[str, str], csrf: str | None, status: int
) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    form = form_of(web.get(path).text, note="Hello")
    if csrf is not None:
        form["csrf"] = csrf
    before = _counts(plan_engine)
    response = web.post(path, data=form, headers=headers, follow_redirects=False)
    assert response.status_code == status
    if status == 403:
        assert _counts(plan_engine) == before and "Hello" not in response.text


def test_a_deputy_updates_for_the_away_owner_and_the_page_says_so(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, DEPUTY, "ACT-2")
    page = web.get(path)
    assert "You are updating this for Alex Away, who is away until Friday 15 January 2027." in _text(
        page.text
    )
    assert web.post(path, data=form_of(page.text, percent="10"), follow_redirects=False).status_code == 303
    [event] = _events(plan_engine, EventKind.ACTION_UPDATED)
    data = decode_data(event.body)
    assert (event.actor, data["on_behalf_of"], data["channel"]) == (DEPUTY, AWAY_OWNER, "web")


def test_a_milestone_takes_a_status_and_a_note(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, LEAD, "MS-1")
    page = web.get(path).text
    assert 'name="rag"' not in page and 'name="percent"' not in page and 'name="status"' in page
    response = web.post(path, data=form_of(page, status="complete", note="Sent"), follow_redirects=False)
    assert response.status_code == 303
    with Session(plan_engine) as session:
        assert session.exec(select(Milestone)).one().status is Status.COMPLETE


def test_all_my_items_posts_one_item_per_form(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = all_path(plan_engine, DEPUTY)
    page = web.get(path)
    assert page.status_code == 200 and h1(page.text) == "Your open items"
    assert "ACT-2: Recruit staff" in page.text and "ACT-1" not in page.text
    assert 'id="act-2-percent"' in page.text and 'name="ref" value="ACT-2"' in page.text
    bad = web.post(path, data=form_of(page.text, ref="ACT-2", percent="200"), follow_redirects=False)
    assert (
        bad.status_code == 400
        and 'id="act-2-percent-error"' in bad.text
        and '<a href="#act-2-percent">' in bad.text
    )
    good = web.post(path, data=form_of(page.text, ref="ACT-2", percent="20"), follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"] == f"{path}?sent=1"
    assert "Update received" in web.get(good.headers["location"]).text
    # Not the deputy's to update through this link: another's item, or one the away owner does not own.
    for ref in ("ACT-1", "MS-1"):
        refused = web.post(path, data=form_of(page.text, ref=ref, note="x"), follow_redirects=False)
        assert refused.status_code == 403 and "This link no longer works for you" in refused.text
    assert len(_events(plan_engine, EventKind.ACTION_UPDATED)) == 1


def test_a_due_date_request_alone_is_recorded_and_sent_not_applied(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    form = form_of(web.get(path).text, due_change="5 January 2028", due_change_reason="Recruitment is late")
    assert web.post(path, data=form, follow_redirects=False).status_code == 303
    with Session(plan_engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        notices = session.exec(select(Notice).where(Notice.kind == EventKind.DUE_CHANGE_REQUESTED)).all()
        assert session.execute(sa.select(sa.func.count()).select_from(Update)).scalar_one() == 0
        submission = session.exec(select(WebSubmission)).one()
    assert action.current_due == date(2017, 10, 2) and submission.update_id is None
    assert [n.recipient for n in notices] == [SECRETARIAT]
    [event] = _events(plan_engine, EventKind.DUE_CHANGE_REQUESTED)
    assert decode_data(event.body)["to"] == "2028-01-05" and event.actor == OWNER


def test_updates_are_dated_in_the_plan_s_zone(plan_engine: Engine, db_url: str) -> None:
    with unit_of_work(plan_engine) as session:
        late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London
        apply_update(session, UpdateSpec("ACT-1", OWNER, note="late", at=late))
    text = _text(client(db_url).get(item_path(plan_engine, OWNER, "ACT-1")).text)
    assert "Thursday 2 July 2026, by Action Owner" in text


def test_the_same_form_from_two_processes_at_once_records_one_update(
    plan_engine: Engine, db_url: str
) -> None:
    path = item_path(plan_engine, OWNER, "ACT-1")
    form = form_of(client(db_url).get(path).text, note="Twice at once")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def post() -> None:
        web = client(db_url)  # its own application, as another `web` process would be
        barrier.wait()
        statuses.append(web.post(path, data=form, follow_redirects=False).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303, 303]
    assert len(_events(plan_engine, EventKind.ACTION_UPDATED)) == 1


def test_a_form_without_its_form_id_is_refused(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    path = item_path(plan_engine, OWNER, "ACT-1")
    before = _counts(plan_engine)
    for form_id in ("", "short", "x" * 65, "../../etc/passwd-and-more-chars"):
        form = form_of(web.get(path).text, note="Hello") | {"form_id": form_id}
        response = web.post(path, data=form, follow_redirects=False)
        assert response.status_code == 400 and h1(response.text) == "This form could not be read"
    assert _counts(plan_engine) == before


def test_head_answers_as_get_and_writes_nothing(plan_engine: Engine, db_url: str) -> None:
    web = client(db_url)
    before = _counts(plan_engine)
    assert web.head(item_path(plan_engine, OWNER, "ACT-1")).status_code == 200
    assert web.head(all_path(plan_engine, OWNER)).status_code == 200
    assert web.head("/healthz").status_code == 200
    assert web.get(all_path(plan_engine, OWNER, NOW - timedelta(days=40))).status_code == 410
    assert _counts(plan_engine) == before
