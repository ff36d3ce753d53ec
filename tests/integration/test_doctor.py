"""`doctor` against real parts: a migrated database (SQLite and PostgreSQL), a real SMTP server with STARTTLS
and a password, a closed port, a database that needs migrating, a dead notice and a malformed Teams URL."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from config.settings import Settings
from flows.demo import MARKER
from flows.doctor import Check, State, diagnose
from flows.doctor.links import links
from models.db import make_engine, unit_of_work
from models.ledger.chain import Event, record
from models.links.tokens import DEMO_KEY_PREFIX, MIN_KEY_LENGTH
from models.outbox import Notice, NoticeStatus
from models.plans.importer import import_plan
from tests.factories import load_small_plan, queue_notices, small_plan
from tests.smtp_server import free_port, self_signed, start

KEY = "k3y-" + "x" * 44  # a key of the right length, which no check may print
NO_PREFECT = lambda: None  # noqa: E731 - no Prefect API configured: a warning, not a failure


def _states(checks: list) -> dict[str, State]:
    return {c.name: c.state for c in checks}


def test_a_ready_installation_is_green(db_url: str, engine: Engine, tmp_path: Path) -> None:
    load_small_plan(engine)
    controller, _ = start(tls=self_signed(tmp_path), auth=("lineofsight", "s3cret-pass"))
    try:
        url = f"smtp+starttls://lineofsight:s3cret-pass@127.0.0.1:{controller.port}?verify=no"
        settings = Settings(database_url=db_url, smtp_url=SecretStr(url), secret_key=SecretStr(KEY))
        checks = diagnose(settings, prefect_api=NO_PREFECT)
    finally:
        controller.stop()
    states = _states(checks)
    assert [c.name for c in checks] == [
        "database",
        "ledger",
        "ledger role",
        "outbox",
        "teams",
        "sweep",
        "policy",
        "folders",
        "smtp",
        "links",
        "prefect",
    ]
    assert all(
        states[name] is State.OK
        for name in ("database", "ledger", "outbox", "teams", "sweep", "policy", "folders", "smtp", "links")
    )
    assert states["prefect"] is State.WARN
    smtp = next(c for c in checks if c.name == "smtp")
    assert "signed in" in smtp.detail and "s3cret-pass" not in smtp.detail
    assert KEY not in str(checks)


def test_wrong_smtp_password_and_closed_port_fail_with_a_fix(db_url: str, tmp_path: Path) -> None:
    controller, server = start(tls=self_signed(tmp_path), auth=("lineofsight", "s3cret-pass"))
    try:
        wrong = f"smtp+starttls://lineofsight:wrong-pass@127.0.0.1:{controller.port}?verify=no"
        [smtp] = [
            c for c in diagnose(Settings(database_url=db_url, smtp_url=SecretStr(wrong))) if c.name == "smtp"
        ]
    finally:
        controller.stop()
    assert smtp.state is State.FAIL and "credentials" in smtp.detail and "wrong-pass" not in smtp.detail
    assert not server.received  # nothing sent
    closed = f"smtp://127.0.0.1:{free_port()}"
    checks = diagnose(Settings(database_url=db_url, smtp_url=SecretStr(closed)), prefect_api=NO_PREFECT)
    [smtp] = [c for c in checks if c.name == "smtp"]
    assert smtp.state is State.FAIL and smtp.fix


def test_dead_notices_and_malformed_teams_urls_fail(db_url: str, engine: Engine) -> None:
    spec = small_plan()
    people = list(spec.people)
    people[0] = replace(people[0], teams_url="https://example.org/not-a-workflow")
    with unit_of_work(engine) as session:
        import_plan(session, replace(spec, people=tuple(people)), actor="test")
    queue_notices(engine, 1, recipients=1, at=datetime(2017, 10, 2, tzinfo=UTC))
    with unit_of_work(engine) as session:
        session.execute(sa.update(Notice).values(status=NoticeStatus.DEAD, last_error="550 no such user"))
        record(session, Event("NoticeFailed", "test", None, None, {"why": "test"}))
    states = _states(diagnose(Settings(database_url=db_url), prefect_api=NO_PREFECT))
    assert states["outbox"] is State.FAIL and states["teams"] is State.FAIL
    assert states["database"] is State.OK and states["ledger"] is State.OK


def test_an_unmigrated_database_says_to_run_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    make_engine(url).dispose()
    checks = diagnose(Settings(database_url=url), prefect_api=NO_PREFECT)
    [database] = [c for c in checks if c.name == "database"]
    assert database.state is State.FAIL and "lineofsight init" in database.fix
    assert "ledger" not in _states(checks)  # nothing further is checked against a database not ready


def test_a_database_url_no_engine_can_use_fails_and_the_rest_is_still_checked() -> None:
    checks = diagnose(Settings(database_url="mysql://los:s3cret@db/los"), prefect_api=NO_PREFECT)
    [database] = [c for c in checks if c.name == "database"]
    assert database.state is State.FAIL and "postgresql+psycopg://" in database.detail
    assert "s3cret" not in database.detail
    assert _states(checks)["policy"] is State.OK


def test_an_unreachable_prefect_api_fails() -> None:
    checks = diagnose(
        Settings(database_url="sqlite://"), prefect_api=lambda: f"http://127.0.0.1:{free_port()}/api"
    )
    assert _states(checks)["prefect"] is State.FAIL


def _links(
    tmp_path: Path, key: str | None, base_url: str = "https://los.example.org", link_days: int = 21
) -> Check:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'lineofsight.db'}",
        secret_key=SecretStr(key) if key is not None else None,
        base_url=base_url,
        link_days=link_days,
    )
    check = links(settings)
    assert not key or key[:12] not in f"{check.detail} {check.fix}"  # never the key, nor a part of it
    return check


def test_links_fail_without_a_secret_key_and_say_how_to_make_one(tmp_path: Path) -> None:
    for key in (None, ""):
        check = _links(tmp_path, key)
        assert check.state is State.FAIL
        assert check.detail == "LINEOFSIGHT_SECRET_KEY is not set: owners' messages go without update links"
        assert "secrets.token_urlsafe" in check.fix


def test_links_fail_with_a_short_key(tmp_path: Path) -> None:
    short = _links(tmp_path, "s" * (MIN_KEY_LENGTH - 1))
    assert short.state is State.FAIL and f"shorter than {MIN_KEY_LENGTH} characters" in short.detail
    assert _links(tmp_path, "s" * MIN_KEY_LENGTH).state is State.OK


def test_the_demos_key_fails_outside_the_demos_folder(tmp_path: Path) -> None:
    demo_key = DEMO_KEY_PREFIX + secrets.token_urlsafe(32)
    outside = _links(tmp_path, demo_key)
    assert outside.state is State.FAIL and "the demo's key" in outside.detail
    on_postgres = links(
        Settings(database_url="postgresql+psycopg://los@db/los", secret_key=SecretStr(demo_key))
    )
    assert on_postgres.state is State.FAIL
    (tmp_path / MARKER).write_text("made by the demo")
    assert _links(tmp_path, demo_key).state is State.OK


def test_links_in_clear_to_another_host_warn(tmp_path: Path) -> None:
    warned = _links(tmp_path, KEY, "http://los.example.org:8080")
    assert (
        warned.state is State.WARN and "links travel in clear" in warned.detail and "https://" in warned.fix
    )
    for local in ("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"):
        assert _links(tmp_path, KEY, local).state is State.OK, local
    ok = _links(tmp_path, KEY, link_days=7)
    assert ok.detail == "links are signed, open https://los.example.org and work for 7 days"


def test_a_failing_links_check_fails_doctor_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lineofsight.db'}"
    checks = diagnose(Settings(database_url=url, secret_key=SecretStr("Zq7-key")), prefect_api=NO_PREFECT)
    states = _states(checks)
    assert states["links"] is State.FAIL and states["policy"] is State.OK and "prefect" in states
    assert "Zq7" not in " ".join(f"{c.detail} {c.fix}" for c in checks if c.name == "links")
