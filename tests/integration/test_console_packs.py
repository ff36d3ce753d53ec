"""Board packs in the console over HTTP, on both databases: the secretariat writes the covering summary and
commentary on an exception (recorded, printed, files rendered again with their hashes recorded), approves,
sends; a sent pack refuses every write and is corrected by a new version; every other role is refused every
write on the server (403), as is a forged form; and the plan's policy sends an unapproved pack in time."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from config.policy import Policy, load_policy
from models.audit import AuditEvent
from models.board_packs import Pack
from models.console.roles import Role
from models.db import unit_of_work
from models.ledger.chain import decode_data
from models.meetings import Board, Meeting
from models.outbox import Notice
from models.plans.meetings import add_meeting
from models.sweep.run import sweep_plans
from models.vocab import Audience
from packs.auto_send import auto_send
from packs.build import build_pack
from tests.console_helpers import ROLE_HOLDERS, Clock, console_client, console_plan, csrf, sign_in
from tests.factories import SECRETARIAT

MEETING = date(2017, 11, 7)  # a Tuesday: pack date Monday 30 October
PACK_DAY = date(2017, 10, 30)
NOW = datetime(2017, 10, 31, 10, 0, tzinfo=UTC)
POLICY = load_policy()


def _build(engine: Engine, out: Path) -> tuple[int, int, int]:
    """The console plan with a meeting whose pack has ACT-1 (long overdue) among its exceptions."""
    plan_id = console_plan(engine)
    with unit_of_work(engine) as session:
        add_meeting(
            session,
            board_name="Improvement Board",
            day=MEETING,
            theme=None,
            audience=Audience.BOARD,
            actor="test",
        )
    sweep_plans(engine, POLICY, PACK_DAY)
    with Session(engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.date == MEETING)).one()
        board_id = meeting.board_id
    built = build_pack(
        engine,
        meeting.id or 0,
        Audience.BOARD,
        POLICY,
        PACK_DAY,
        out,
        now=datetime(2017, 10, 30, 6, 30, tzinfo=UTC),
    )
    assert "ACT-1" in [e.ref for e in built.context.exceptions]
    return plan_id, board_id, built.pack_id


@pytest.fixture
def reviewed(engine: Engine, db_url: str, tmp_path: Path) -> dict[str, Any]:
    plan_id, board_id, pack_id = _build(engine, tmp_path / "packs")
    client = console_client(db_url, Clock(NOW), mail=tmp_path / "outbox")
    base = f"/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}"
    return {"plan_id": plan_id, "board_id": board_id, "pack_id": pack_id, "client": client, "base": base}


def _pack(engine: Engine, pack_id: int) -> Pack:
    with Session(engine) as session:
        pack = session.get(Pack, pack_id)
        assert pack is not None
        return pack


def _events(engine: Engine, kind: str) -> list[tuple[str, dict[str, Any]]]:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.kind == kind).order_by(col(AuditEvent.seq))
        ).all()
        return [(e.actor, decode_data(e.body)) for e in rows]


def _head(engine: Engine) -> int:
    with Session(engine) as session:
        return max(session.exec(select(AuditEvent.seq)).all())


def _post(client: TestClient, page: str, action: str, fields: dict[str, str] | None = None) -> Any:
    token = csrf(client.get(page).text)
    return client.post(f"{page}/{action}", data={"csrf": token, **(fields or {})})


def _files_match_record(pack: Pack) -> bool:
    return all(hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest() == f["sha256"] for f in pack.files)


def test_the_whole_lifecycle_over_http(engine: Engine, reviewed: dict[str, Any]) -> None:
    client, base, pack_id = (
        sign_in(reviewed["client"], SECRETARIAT, NOW),
        reviewed["base"],
        reviewed["pack_id"],
    )
    listing = client.get(f"/console/plans/{reviewed['plan_id']}/packs")
    assert listing.status_code == 200 and "Draft" in listing.text and base in listing.text
    page = client.get(base)
    assert page.status_code == 200 and 'name="commentary-ACT-1"' in page.text
    before = _pack(engine, pack_id)

    saved = _post(
        client,
        base,
        "summary",
        {"summary": "The board should note ACT-1.", "commentary-ACT-1": "A recovery plan is agreed."},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{base}?done=saved"
    pack = _pack(engine, pack_id)
    assert pack.covering_summary == "The board should note ACT-1."
    assert pack.commentary == {"ACT-1": "A recovery plan is agreed."}
    assert pack.data_as_of == before.data_as_of  # the data still speaks for the moment it was built
    assert {f["sha256"] for f in pack.files}.isdisjoint({f["sha256"] for f in before.files})
    assert _files_match_record(pack)
    [(actor, written)] = _events(engine, "PackCommentaryWritten")
    assert actor == SECRETARIAT and written["refs"] == ["ACT-1"] and written["lengths"] == {"ACT-1": 26}
    assert written["covering_summary"] == "The board should note ACT-1."
    html = client.get(f"{base}/pack.html")
    assert html.status_code == 200 and "A recovery plan is agreed." in html.text
    assert "The board should note ACT-1." in html.text
    assert "sandbox" in html.headers["content-security-policy"]
    assert "'unsafe-inline'" in html.headers["content-security-policy"]

    # A form without a field keeps what is stored for it: only the summary changes here.
    assert (
        _post(client, base, "summary", {"summary": "The board should note ACT-1 first."}).status_code == 303
    )
    pack = _pack(engine, pack_id)
    assert pack.commentary == {"ACT-1": "A recovery plan is agreed."}
    assert _events(engine, "PackCommentaryWritten")[-1][1]["refs"] == []

    assert _post(client, base, "approve").status_code == 303
    pack = _pack(engine, pack_id)
    assert pack.approved_by == SECRETARIAT and pack.published_at is None
    [(_, approved)] = _events(engine, "PackApproved")
    assert approved["files"] == [{"name": f["name"], "sha256": f["sha256"]} for f in pack.files]

    # New words on an approved pack: a draft again, recorded; approved once more.
    assert (
        _post(
            client, base, "summary", {"summary": "Changed.", "commentary-ACT-1": "A recovery plan is agreed."}
        ).status_code
        == 303
    )
    assert _pack(engine, pack_id).approved_at is None
    assert "returned_to_draft" in _events(engine, "PackCommentaryWritten")[-1][1]
    assert _post(client, base, "send").status_code == 400  # a draft is not sent
    assert _post(client, base, "approve").status_code == 303

    assert _post(client, base, "send").status_code == 303
    pack = _pack(engine, pack_id)
    assert pack.published_at is not None
    [(sender, published)] = _events(engine, "PackPublished")
    assert sender == SECRETARIAT and published["approved_by"] == SECRETARIAT
    with Session(engine) as session:
        assert session.exec(select(Notice).where(Notice.kind == "PackPublished")).all()
    pdf = client.get(f"{base}/pack.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == next(
        f["sha256"] for f in pack.files if f["name"].endswith(".pdf")
    )
    page = client.get(base).text
    assert f'href="{base}/pack.docx"' in page  # offered beside the PDF
    docx = client.get(f"{base}/pack.docx")
    assert docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert docx.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(docx.content).hexdigest() == next(
        f["sha256"] for f in pack.files if f["name"].endswith(".docx")
    )

    # Sent: every write refused with its reason, nothing changed.
    head = _head(engine)
    refused = _post(client, base, "summary", {"summary": "Too late.", "commentary-ACT-1": ""})
    assert (
        refused.status_code == 400 and "cannot be changed" in refused.text and "error-summary" in refused.text
    )
    assert _post(client, base, "approve").status_code == 400
    assert _post(client, base, "send").status_code == 400
    assert _head(engine) == head and _pack(engine, pack_id).covering_summary == "Changed."

    corrected = _post(client, base, "correct")
    assert corrected.status_code == 303
    with Session(engine) as session:
        newer = session.exec(select(Pack).where(Pack.supersedes_id == pack_id)).one()
    assert newer.version == 2 and newer.published_at is None and newer.approved_at is None
    assert newer.covering_summary == "Changed." and newer.commentary == {
        "ACT-1": "A recovery plan is agreed."
    }
    assert corrected.headers["location"].startswith(base.rsplit("/", 1)[0] + f"/{newer.id}")
    assert _pack(engine, pack_id).files == pack.files and _files_match_record(pack)  # the sent one as sent
    assert _post(client, base, "correct").status_code == 400  # a newer version exists
    assert not _events(engine, "PackSuperseded")  # a draft correction replaces nothing yet
    corrected_page = corrected.headers["location"].split("?")[0]
    assert _post(client, corrected_page, "approve").status_code == 303
    assert _post(client, corrected_page, "send").status_code == 303
    [(_, superseded)] = _events(engine, "PackSuperseded")
    assert superseded["pack_id"] == pack_id and superseded["by_pack_id"] == newer.id


@pytest.mark.parametrize("role", [Role.CHAIR, Role.MEMBER, Role.AUDITOR, Role.INSPECTOR])
def test_every_other_role_is_refused_every_write(
    engine: Engine, reviewed: dict[str, Any], role: Role
) -> None:
    owner = sign_in(TestClient(reviewed["client"].app, base_url="http://testserver"), SECRETARIAT, NOW)
    token = csrf(owner.get(reviewed["base"]).text)
    client, base = sign_in(reviewed["client"], ROLE_HOLDERS[role], NOW), reviewed["base"]
    page = client.get(base)
    assert page.status_code == 200 and "Approve the pack" not in page.text and "<textarea" not in page.text
    head = _head(engine)
    for action in ("summary", "approve", "send", "correct"):
        mine = csrf(page.text)
        for field in (mine, token):
            response = client.post(f"{base}/{action}", data={"csrf": field, "summary": "Mine."})
            assert response.status_code == 403, (role, action)
    pack = _pack(engine, reviewed["pack_id"])
    assert pack.covering_summary is None and pack.approved_at is None
    assert set(_kinds_since(engine, head)) <= {"ConsolePageViewed"}  # an auditor's or inspector's views only


def _kinds_since(engine: Engine, seq: int) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent.kind).where(AuditEvent.seq > seq)))


def test_a_forged_form_is_refused(engine: Engine, reviewed: dict[str, Any]) -> None:
    client, base = sign_in(reviewed["client"], SECRETARIAT, NOW), reviewed["base"]
    client.get(base)
    assert client.post(f"{base}/approve", data={"csrf": "forged"}).status_code == 403
    other_site = client.post(
        f"{base}/approve",
        data={"csrf": csrf(client.get(base).text)},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert _pack(engine, reviewed["pack_id"]).approved_at is None


def test_bad_words_are_refused_with_an_error_summary_and_nothing_changes(
    engine: Engine, reviewed: dict[str, Any]
) -> None:
    client, base = sign_in(reviewed["client"], SECRETARIAT, NOW), reviewed["base"]
    head = _head(engine)
    unknown = _post(client, base, "summary", {"summary": "Fine.", "commentary-ACT-3": "Not an exception."})
    assert unknown.status_code == 400 and "ACT-3 is not one of this pack" in unknown.text
    long = _post(client, base, "summary", {"summary": "x" * 4001})
    assert long.status_code == 400 and 'href="#summary"' in long.text and 'id="summary-error"' in long.text
    assert "x" * 4001 in long.text  # what was typed is kept
    control = _post(client, base, "summary", {"commentary-ACT-1": "bell \x07"})
    assert control.status_code == 400 and 'href="#commentary-ACT-1"' in control.text
    assert _head(engine) == head and _pack(engine, reviewed["pack_id"]).covering_summary is None


def test_readers_see_the_pack_and_its_file_is_served_only_as_recorded(
    engine: Engine, reviewed: dict[str, Any]
) -> None:
    listing = f"/console/plans/{reviewed['plan_id']}/packs"
    member = sign_in(reviewed["client"], ROLE_HOLDERS[Role.MEMBER], NOW).get(listing)
    assert member.status_code == 200 and reviewed["base"] in member.text  # a member of the pack's board
    client, base = sign_in(reviewed["client"], ROLE_HOLDERS[Role.AUDITOR], NOW), reviewed["base"]
    assert reviewed["base"] in client.get(listing).text
    assert _events(engine, "ConsolePageViewed")  # an auditor's views are on the record
    assert client.get(base.replace(f"/packs/{reviewed['pack_id']}", "/packs/999999")).status_code == 404
    pack = _pack(engine, reviewed["pack_id"])
    html = Path(next(f["path"] for f in pack.files if f["name"].endswith(".html")))
    html.write_text("<p>replaced</p>", encoding="utf-8")
    changed = client.get(f"{base}/pack.html")
    assert changed.status_code == 409 and "replaced" not in changed.text
    html.unlink()
    assert client.get(f"{base}/pack.html").status_code == 404


def _policy(hours: int) -> Policy:
    return Policy.model_validate({"plans": {"Test Plan": {"meetings": {"auto_send_hours_before": hours}}}})


def test_the_policy_sends_an_unapproved_pack_in_time_with_the_reason(
    engine: Engine, reviewed: dict[str, Any]
) -> None:
    assert auto_send(engine, POLICY, datetime(2017, 11, 7, 8, 0, tzinfo=UTC)) == []  # 0: never
    policy = _policy(48)  # Sunday 5 November, 09:00
    assert auto_send(engine, policy, datetime(2017, 11, 5, 8, 59, tzinfo=UTC)) == []
    [sent] = auto_send(engine, policy, datetime(2017, 11, 5, 9, 10, tzinfo=UTC))
    reason = "policy: sent automatically 48 hours before the meeting, not approved by then"
    assert sent.pack_id == reviewed["pack_id"] and sent.reason == reason and sent.queued > 0
    [(_, approved)] = _events(engine, "PackApproved")
    [(_, published)] = _events(engine, "PackPublished")
    assert approved["reason"] == reason and published["reason"] == reason
    assert auto_send(engine, policy, datetime(2017, 11, 5, 10, 10, tzinfo=UTC)) == []  # sent once


def test_the_policy_never_sends_once_the_meeting_has_begun(engine: Engine, reviewed: dict[str, Any]) -> None:
    assert auto_send(engine, _policy(48), datetime(2017, 11, 7, 9, 30, tzinfo=UTC)) == []
    assert _pack(engine, reviewed["pack_id"]).published_at is None


def test_board_id_must_be_the_packs_own(engine: Engine, reviewed: dict[str, Any]) -> None:
    with Session(engine) as session:
        boards = session.exec(select(Board.id)).all()
    assert reviewed["board_id"] in boards
    client = sign_in(reviewed["client"], ROLE_HOLDERS[Role.AUDITOR], NOW)
    wrong = reviewed["base"].replace(
        f"/boards/{reviewed['board_id']}/", f"/boards/{reviewed['board_id'] + 1000}/"
    )
    assert client.get(wrong).status_code == 404
