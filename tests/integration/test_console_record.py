"""The console's record (issue 17, points 3 and 4): the ledger's head, verify on demand (intact, and after
tampering), the plan's export (the CLI export's lines of that plan, checkable offline event by event, and
recorded), the filtered history (hostile values refused with the field named), page views of auditors and
inspectors on the record, and who may not see it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.db import unit_of_work
from models.ledger.chain import Event, decode_data, head, record
from models.ledger.export import export_ledger, verify_export
from models.ledger.kinds import EventKind
from tests.console_helpers import (
    AUDITOR,
    INSPECTOR,
    NO_ROLE,
    ROLE_HOLDERS,
    Clock,
    console_client,
    console_plan,
    csrf,
    sign_in,
)
from tests.factories import OWNER, SECRETARIAT
from tests.integration.ledger_tamper import behind_the_triggers, put, row


def _events(engine: Engine, kind: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq)))
        )


def _verify(client: TestClient, plan_id: int) -> Response:
    page = client.get(f"/console/plans/{plan_id}/record")
    answer = client.post(f"/console/plans/{plan_id}/record/verify", data={"csrf": csrf(page.text)})
    assert answer.status_code == 303
    return client.get(answer.headers["location"])


def test_the_record_shows_the_head_and_verifies_the_ledger_intact(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    with Session(engine) as session:
        top = head(session)
    assert top is not None
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    page = client.get(f"/console/plans/{plan_id}/record")
    assert page.status_code == 200
    assert top.hash in page.text and "Verify the ledger now" in page.text
    shown = _verify(client, plan_id)
    assert "The ledger is intact" in shown.text
    [verified] = _events(engine, EventKind.LEDGER_VERIFIED)
    assert verified.actor == SECRETARIAT and verified.plan == "Test Plan"
    data = decode_data(verified.body)
    assert data["verdict"] == "intact" and data["head"] == str(top)
    history = client.get(f"/console/plans/{plan_id}/record/history").text
    assert f"verified the ledger: intact, {top.seq} events, head {top.seq}:{top.hash[:12]}..." in history


def test_verify_names_the_break_after_tampering(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    with behind_the_triggers(engine) as conn:
        put(conn, 3, {"actor": "mallory@example.org"})
        assert row(conn, 3)["actor"] == "mallory@example.org"
    client = sign_in(console_client(db_url, Clock()), AUDITOR)
    shown = _verify(client, plan_id)
    assert "The ledger is broken at event 3" in shown.text
    assert "the actor column says" in shown.text
    [verified] = _events(engine, EventKind.LEDGER_VERIFIED)
    assert decode_data(verified.body) | {} == {
        **decode_data(verified.body),
        "verdict": "broken",
        "break_seq": 3,
        "events": 2,
    }


def test_a_break_in_another_plans_event_is_located_not_quoted(engine: Engine, db_url: str) -> None:
    """An inspector of one plan verifying the whole chain learns where it breaks, not what another plan's
    tampered event says."""
    plan_id = console_plan(engine)
    console_plan(engine, "Other Plan")
    with Session(engine) as session:
        theirs = session.exec(select(AuditEvent.seq).where(AuditEvent.plan == "Other Plan")).first()
    assert theirs is not None
    with behind_the_triggers(engine) as conn:
        put(conn, theirs, {"actor": "mallory@example.org"})
    client = sign_in(console_client(db_url, Clock()), INSPECTOR)
    shown = _verify(client, plan_id)
    assert f"The ledger is broken at event {theirs}" in shown.text
    assert "mallory" not in shown.text and "not this plan" in shown.text
    [verified] = _events(engine, EventKind.LEDGER_VERIFIED)
    assert "mallory" not in verified.body.decode()


def test_verify_refuses_a_form_without_its_field(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    assert client.post(f"/console/plans/{plan_id}/record/verify", data={"csrf": "x"}).status_code == 403
    assert _events(engine, EventKind.LEDGER_VERIFIED) == []


def test_the_export_is_the_cli_export_of_the_plan_and_is_recorded(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    plan_id = console_plan(engine)
    console_plan(engine, "Other Plan")
    whole = tmp_path / "whole.jsonl"
    anchor = export_ledger(engine, whole)
    expected = [
        line for line in whole.read_text().splitlines() if json.loads(line).get("plan") == "Test Plan"
    ]
    client = sign_in(console_client(db_url, Clock()), INSPECTOR)
    answer = client.get(f"/console/plans/{plan_id}/record/export.jsonl")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    lines = answer.text.splitlines()
    assert lines[:-1] == expected and expected
    manifest = json.loads(lines[-1])["manifest"]
    assert manifest["scope"] == "plan" and manifest["events"] == len(expected)
    assert (manifest["head_seq"], manifest["head_hash"]) == (anchor.seq, anchor.hash)  # type: ignore[union-attr]
    assert "Other Plan" not in answer.text
    [exported] = _events(engine, EventKind.LEDGER_EXPORTED)
    assert exported.actor == INSPECTOR and exported.plan == "Test Plan"
    assert decode_data(exported.body) == {"scope": "plan", "events": len(expected), "head": str(anchor)}
    # Offline: each event's own hash checks; an edited line does not.
    saved = tmp_path / "plan.jsonl"
    saved.write_text(answer.text)
    result = verify_export(saved)
    assert result.verdict.ok and result.verdict.count == len(expected)
    first = json.loads(lines[0])
    first["actor"] = "mallory@example.org"
    saved.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    broken = verify_export(saved)
    assert broken.verdict.problem is not None and broken.verdict.problem.seq == first["seq"]


def test_history_filters_by_item_person_rule_and_days(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    with unit_of_work(engine) as session:
        record(
            session,
            Event(
                EventKind.REMINDER_QUEUED,
                "system:sweep",
                "Test Plan",
                "ACT-2",
                {"rule": "overdue_reminder", "recipient": OWNER, "reason": "ACT-2 is overdue"},
            ),
        )
        record(
            session,
            Event(EventKind.ESCALATED_TO_LEAD, "system:sweep", "Test Plan", "ACT-3", {"rule": "red_twice"}),
        )
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    base = f"/console/plans/{plan_id}/record/history"
    everything = client.get(base)
    assert everything.status_code == 200 and "ACT-2 is overdue" in everything.text
    by_item = client.get(base, params={"item": "act-2"})
    assert "ACT-2 is overdue" in by_item.text and "ACT-3" not in by_item.text.split("<tbody>")[1]
    by_person = client.get(base, params={"person": OWNER.upper()})
    assert "ACT-2 is overdue" in by_person.text
    by_rule = client.get(base, params={"rule": "red twice"})
    body = by_rule.text.split("<tbody>")[1]
    assert "EscalatedToLead" in body and "ReminderQueued" not in body
    # The events were written today (the ledger's own clock): none before 2000, all of them since.
    assert "No event matches." in client.get(base, params={"to": "1999-12-31"}).text
    assert "ACT-2 is overdue" in client.get(base, params={"from": "2000-01-01"}).text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("item", "<script>alert(1)</script>"),
        ("person", "not an address"),
        ("rule", "'; DROP TABLE audit_event; --"),
        ("from", "2017-13-45"),
        ("to", "yesterday"),
        ("before", "-1"),
        ("before", "\u00b2"),  # a digit to str.isdigit(), not to int()
        ("to", "9999-12-31"),  # the day after it is past the calendar's end
        ("from", "0001-01-01"),  # before any day a history is asked about
    ],
)
def test_history_refuses_hostile_filters_naming_the_field(
    engine: Engine, db_url: str, field: str, value: str
) -> None:
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), AUDITOR)
    answer = client.get(f"/console/plans/{plan_id}/record/history", params={field: value})
    assert answer.status_code == 400
    assert "There is a problem" in answer.text and "<script>alert" not in answer.text
    anchor = "item" if field == "before" else field
    assert f'href="#filter-{anchor}"' in answer.text


def test_history_refuses_from_after_to(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    answer = client.get(
        f"/console/plans/{plan_id}/record/history", params={"from": "2017-10-09", "to": "2017-10-01"}
    )
    assert answer.status_code == 400 and 'href="#filter-to"' in answer.text


def test_history_pages_with_an_older_link(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    with unit_of_work(engine) as session:
        for n in range(205):
            record(session, Event(EventKind.ACTION_UPDATED, OWNER, "Test Plan", "ACT-1", {"reason": f"n{n}"}))
    client = sign_in(console_client(db_url, Clock()), SECRETARIAT)
    first = client.get(f"/console/plans/{plan_id}/record/history", params={"item": "ACT-1"})
    assert first.text.count('<tr><td class="num">') == 200
    older = first.text.split('<a href="')[-2].split('"')[0].replace("&amp;", "&")
    assert "before=" in older and "item=ACT-1" in older
    second = client.get(older)
    assert second.status_code == 200 and "n4<" in second.text and "n204<" not in second.text


def test_auditor_and_inspector_views_are_recorded_with_filters(engine: Engine, db_url: str) -> None:
    plan_id = console_plan(engine)
    for who in (AUDITOR, INSPECTOR):
        client = sign_in(console_client(db_url, Clock()), who)
        assert client.get(f"/console/plans/{plan_id}/record").status_code == 200
        assert (
            client.get(f"/console/plans/{plan_id}/record/history", params={"item": "ACT-1"}).status_code
            == 200
        )
    sign_in(console_client(db_url, Clock()), SECRETARIAT).get(f"/console/plans/{plan_id}/record")
    views = [(e.actor, decode_data(e.body)) for e in _events(engine, EventKind.CONSOLE_PAGE_VIEWED)]
    assert [actor for actor, _ in views] == [AUDITOR, AUDITOR, INSPECTOR, INSPECTOR]
    assert views[1][1]["page"] == f"/console/plans/{plan_id}/record/history"
    assert views[1][1]["filters"] == {"item": "ACT-1"}


@pytest.mark.parametrize(
    "who", [ROLE_HOLDERS[r] for r in ROLE_HOLDERS if r.value in ("chair", "member")] + [NO_ROLE]
)
def test_who_may_not_read_the_record(engine: Engine, db_url: str, who: str) -> None:
    plan_id = console_plan(engine)
    client = sign_in(console_client(db_url, Clock()), who)
    for path in ("record", "record/history", "record/export.jsonl"):
        assert client.get(f"/console/plans/{plan_id}/{path}").status_code == 403
    assert _events(engine, EventKind.LEDGER_EXPORTED) == []


def test_an_inspector_after_the_grant_ends_and_on_another_plan_is_refused(
    engine: Engine, db_url: str
) -> None:
    plan_id = console_plan(engine)
    other = console_plan(engine, "Other Plan")  # the same inspector, with a grant there too
    clock = Clock()
    client = sign_in(console_client(db_url, clock), INSPECTOR)
    with unit_of_work(engine) as session:
        from models.console_access import AccessGrant

        grant = session.exec(select(AccessGrant).where(AccessGrant.plan_id == other)).one()
        session.delete(grant)
        record(session, Event(EventKind.ACCESS_REVOKED, "operator@example.org", "Other Plan", None, {}))
    assert client.get(f"/console/plans/{plan_id}/record").status_code == 200
    assert client.get(f"/console/plans/{other}/record").status_code == 403
    assert client.get(f"/console/plans/{other}/record/export.jsonl").status_code == 403
    clock.now = clock.now.replace(year=2018, month=1, day=2)
    client = sign_in(client, INSPECTOR, clock.now)
    assert client.get(f"/console/plans/{plan_id}/record").status_code == 403
