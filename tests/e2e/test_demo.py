"""`lineofsight demo`, as `make demo` runs it."""

from __future__ import annotations

import html
import json
import re
import stat
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from pydantic import SecretStr
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.app import app
from config.settings import Settings
from flows.demo_plan import INSPECTOR, PLAN_NAME, SECRETARIAT
from flows.doctor.check import State
from flows.doctor.links import links as links_check
from models.audit import AuditEvent
from models.console.sign_in import read_sign_in
from models.console_access import AccessGrant
from models.db import make_engine
from models.ledger.kinds import EventKind
from models.links.access import open_link
from models.links.tokens import DEMO_KEY_PREFIX, read
from models.people import Person, organisation_key
from models.plan import Plan


def test_demo_builds_and_shows_the_plan(tmp_path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo"), "--no-prefect"])
    assert result.exit_code == 0, result.output
    assert "TAP-16" in result.output and "events, verified intact, head " in result.output
    database = tmp_path / "demo" / "lineofsight.db"
    assert database.exists()
    # Each autumn meeting's pack, built on its pack date, with its path printed; December's left as drafts.
    pdfs = sorted((tmp_path / "demo" / "packs").rglob("*.pdf"))
    assert (
        len(pdfs) == 7 and "Board packs:   7 built: 5 approved by their board's secretariat" in result.output
    )
    assert all(p.name in result.output for p in pdfs)
    drafts = re.findall(r"^ +05 Dec 2017 (board|public) +draft +(\S+)$", result.output, re.MULTILINE)
    assert sorted(a for a, _ in drafts) == ["board", "public"], result.output
    assert len(re.findall(r"^ +\d\d \w{3} 2017 \w+ +sent +\S+$", result.output, re.MULTILINE)) == 5
    # The lines to paste point every setting into the demo's folder, so exploring writes nothing beside it.
    assert f"export LINEOFSIGHT_OUTBOX_DIR={database.parent / 'outbox'}" in result.output
    assert f"export LINEOFSIGHT_PACKS_DIR={database.parent / 'packs'}" in result.output
    env = {"LINEOFSIGHT_DATABASE_URL": f"sqlite:///{database}"}
    rows = json.loads(
        runner.invoke(app, ["status", "--as-of", "2017-12-11", "--format", "json"], env=env).stdout
    )
    assert len(rows) == 47
    _the_links_work_against_the_demo_database(result.output, database.parent)
    _the_console_links_sign_in_once(result.output, database.parent)
    overdue_open = [r for r in rows if r["working_days_to_due"] < 0 and r["status"] == "in progress"]
    complete = [r for r in rows if r["status"] == "complete"]
    on_track = [r for r in rows if r["working_days_to_due"] >= 0 and r["status"] != "complete"]
    # A believable mix of slipping, finished and on-track work.
    assert len(overdue_open) >= 5 and len(complete) >= 15 and len(on_track) >= 5
    # Running it again starts afresh rather than doubling the plan.
    again = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo"), "--no-prefect"])
    assert again.exit_code == 0, again.output
    rows = json.loads(runner.invoke(app, ["status", "--format", "json"], env=env).stdout)
    assert len(rows) == 47


def test_the_demo_never_replaces_a_folder_it_did_not_make(tmp_path) -> None:
    real = tmp_path / "real"
    (real / "outbox").mkdir(parents=True)
    (real / "lineofsight.db").write_bytes(b"the council's real database")
    (real / "outbox" / "owner@example.org-1.eml").write_bytes(b"a real message")
    result = CliRunner().invoke(app, ["demo", "--dir", str(real), "--no-prefect"])
    assert result.exit_code == 2, result.output
    assert "lineofsight.db" in result.output and "outbox" in result.output
    assert "Choose another --dir" in result.output and "Unexpected" not in result.output
    assert (real / "lineofsight.db").read_bytes() == b"the council's real database"
    assert (real / "outbox" / "owner@example.org-1.eml").read_bytes() == b"a real message"
    assert not (real / ".lineofsight-demo").exists() and not (real / "packs").exists()
    # A file where the folder should be is refused too, and left alone.
    (tmp_path / "afile").write_text("mine")
    refused = CliRunner().invoke(app, ["demo", "--dir", str(tmp_path / "afile"), "--no-prefect"])
    assert refused.exit_code == 2 and (tmp_path / "afile").read_text() == "mine"


def test_the_flow_runs_summary_is_said_in_words() -> None:
    from cli.demo_command import flow_run_line

    run = {"plan": "P", "as_of": "2017-12-11", "holiday": None, "decisions": 1, "new": 1, "notices": 2}
    assert flow_run_line(run) == "P: 1 decision, 1 new, 2 notices queued"
    held = flow_run_line({**run, "holiday": "Boxing Day", "decisions": 0, "new": 0, "notices": 0})
    assert held == "P: 0 decisions, 0 new, 0 notices queued; a holiday (Boxing Day), nothing decided"


BASE = "http://127.0.0.1:8080"  # LINEOFSIGHT_BASE_URL's default, where `lineofsight web` listens by default


def _the_links_work_against_the_demo_database(output: str, folder: Path) -> None:
    """The demo made its own key (a file only its user reads), printed how to use it and one link to try:
    that link, and those in the demo's emails, were issued today and open on the demo's database."""
    key_file = folder / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert key.startswith(DEMO_KEY_PREFIX) and len(key) >= 40 and key not in output
    assert f"export LINEOFSIGHT_SECRET_KEY=$(cat {key_file})" in output
    assert "  lineofsight web\n" in output
    [link] = re.findall(rf"^One link to try: ({re.escape(BASE)}/me/\S+)$", output, re.MULTILINE)
    now = datetime.now(UTC)
    claims = read(key.encode(), link.rsplit("/", 1)[1])
    assert claims.ref is None and abs(claims.issued - now) < timedelta(minutes=10)
    assert claims.expires - claims.issued == timedelta(days=21)
    engine = make_engine(f"sqlite:///{folder / 'lineofsight.db'}")
    try:
        with Session(engine) as session:
            plan = session.get(Plan, claims.plan_id)
            person = session.get(Person, claims.person_id)
            assert plan is not None and person is not None
            assert plan.name == "Children's Services Improvement Plan"
            assert person.organisation == organisation_key(plan.name, plan.organisation)
            opened = open_link(session, key.encode(), link.rsplit("/", 1)[1], now)
            assert "TAP-16" in {o.item.ref for o in opened.items}
            owners = {p.id for p in session.exec(select(Person))}
        # The emails' own links too: the newest digest's verify with the key, to someone of the demo (the
        # console's sign-in messages, sent last, are checked below).
        newest = max(
            (p for p in folder.joinpath("outbox").glob("*.eml") if b"/console/enter/" not in _plain(p)),
            key=lambda p: p.stat().st_mtime_ns,
        )
        text = message_from_bytes(newest.read_bytes(), policy=policy.default).get_body(("plain",))
        urls = re.findall(rf"{re.escape(BASE)}/(?:u|me)/[A-Za-z0-9_.-]+", text.get_content())  # type: ignore[union-attr]
        assert urls, newest
        for url in urls:
            found = read(key.encode(), url.rsplit("/", 1)[1])
            assert found.person_id in owners and found.expires > now
    finally:
        engine.dispose()
    # `doctor` accepts the demo's key on the demo's database (and only there: see tests/integration).
    url = f"sqlite:///{folder / 'lineofsight.db'}"
    assert links_check(Settings(database_url=url, secret_key=SecretStr(key))).state is State.OK


def _plain(path: Path) -> bytes:
    body = message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain",))
    assert body is not None, path
    return str(body.get_content()).encode()


def _the_console_links_sign_in_once(output: str, folder: Path) -> None:
    """Issue 17: the demo prints a sign-in link for its board secretariat and one for an inspector it granted
    access; each is the one emailed (in the demo's outbox), was written now, works for 15 minutes, signs
    in once (the enter page's button, as a browser posts it) and is refused the second time."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    key = folder.joinpath("secret_key").read_text().strip()
    printed = re.findall(rf"^    ({re.escape(BASE)}/console/enter/(\S+))$", output, re.MULTILINE)
    assert [read_sign_in(key.encode(), token).email for _, token in printed] == [SECRETARIAT, INSPECTOR]
    now = datetime.now(UTC)
    for _, token in printed:
        claims = read_sign_in(key.encode(), token)
        assert abs(claims.issued - now) < timedelta(minutes=10)
        assert claims.expires - claims.issued == timedelta(minutes=15)
    assert f"{INSPECTOR}>, granted until " in output and f"{BASE}/console/sign-in" in output
    # The printed link is the emailed one: the demo asked for it as the sign-in page does.
    emailed = {}
    for eml in folder.joinpath("outbox").glob("*.eml"):
        text = _plain(eml).decode()
        emailed.update({m: eml.name for m in re.findall(rf"{re.escape(BASE)}/console/enter/\S+", text)})
    assert {url for url, _ in printed} <= set(emailed), (printed, emailed)

    database = f"sqlite:///{folder / 'lineofsight.db'}"
    settings = Settings(database_url=database, secret_key=SecretStr(key), outbox_dir=folder / "outbox")
    api = create_app(settings)
    homes = []
    for url, _ in printed:
        path = url.removeprefix(BASE)
        with TestClient(api, base_url=BASE, follow_redirects=False) as client:
            shown = client.get(path)
            assert shown.status_code == 200, shown.text
            form = {"csrf": _csrf(shown.text)}
            entered = client.post(path, data=form, headers={"origin": BASE})
            assert entered.status_code == 303 and entered.headers["location"] == "/console", entered.text
            home = client.get("/console")
            assert home.status_code == 200
            homes.append(html.unescape(home.text))
            again = client.post(path, data=form, headers={"origin": BASE})
            assert again.status_code == 410 and "already been used" in again.text
    secretariat, inspector = homes
    assert PLAN_NAME in secretariat and "Board secretariat" in secretariat and "Inspector" not in secretariat
    assert PLAN_NAME in inspector and "Inspector until " in inspector and "Board secretariat" not in inspector
    engine = make_engine(database)
    try:
        with Session(engine) as session:
            kinds = [str(e.kind) for e in session.exec(select(AuditEvent))]
            [grant] = session.exec(select(AccessGrant)).all()
        assert grant.email == INSPECTOR and grant.role == "inspector" and grant.until > now.date()
        assert kinds.count(EventKind.ACCESS_GRANTED) == 1 and kinds.count(EventKind.SIGN_IN_LINK_SENT) == 2
        assert kinds.count(EventKind.SIGNED_IN) == 2  # one plan each
    finally:
        engine.dispose()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)
