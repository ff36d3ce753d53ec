"""`lineofsight web` as an operator runs it: a real process on a free port, answering real HTTP, its logs
read back from its own stdout and stderr. A link's token must never reach them; the access line names the
link by fingerprint. Stopped by SIGTERM (a service manager) or SIGINT (Ctrl+C), it exits cleanly."""

from __future__ import annotations

import re
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.app import app
from models.db import make_engine
from models.links.tokens import LinkMaker, csrf_token, fingerprint
from models.people import Person
from models.plan import Plan, Update
from tests.factories import OWNER, load_small_plan
from tests.smtp_server import free_port
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
LINEOFSIGHT = str(Path(sys.executable).parent / "lineofsight")
KEY = "an-e2e-secret-key-of-more-than-thirty-two-characters"
pytestmark = pytest.mark.slow


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    out: Path
    err: Path

    def logs(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def stop(self, sig: signal.Signals) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def _links(url: str) -> tuple[str, str]:
    """The owner's "Update ACT-1" and "Update all my items" links, as dispatch writes them."""
    engine = make_engine(url)
    with Session(engine) as session:
        person_id = session.exec(select(Person.id).where(Person.email == OWNER)).one()
        plan_id = session.exec(select(Plan.id)).one()
    engine.dispose()
    assert person_id is not None and plan_id is not None
    maker = LinkMaker("http://web.example", KEY.encode(), datetime.now(UTC), days=21)
    return maker.item(person_id, plan_id, "ACT-1"), maker.everything(person_id, plan_id)


@pytest.fixture
def start(repo_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def _start(url: str, *args: str) -> Server:
        port = free_port()
        env = repo_env | {
            "PYTHONPATH": str(ROOT),  # this checkout's code, whichever copy the command was installed from
            "LINEOFSIGHT_DATABASE_URL": url,
            "LINEOFSIGHT_SECRET_KEY": KEY,
            "LINEOFSIGHT_BASE_URL": f"http://127.0.0.1:{port}",
        }
        out, err = tmp_path / f"{port}.out", tmp_path / f"{port}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [LINEOFSIGHT, "web", "--port", str(port), *args],
                env=env,
                cwd=tmp_path,
                stdout=stdout,
                stderr=stderr,
            )
        server = Server(process, f"http://127.0.0.1:{port}", out, err)
        started.append(server)
        wait_for(
            "the web face", lambda: httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200, 60
        )
        return server

    yield _start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    import shutil

    path = tmp_path / "lineofsight.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    load_small_plan(engine)
    engine.dispose()
    return url


def _path(link: str) -> str:
    return link.removeprefix("http://web.example")


def test_web_answers_links_and_never_logs_a_token(start: Callable[..., Server], sqlite_url: str) -> None:
    item, everything = _links(sqlite_url)
    token, all_token = item.rsplit("/", 1)[1], everything.rsplit("/", 1)[1]
    server = start(sqlite_url)
    with httpx.Client(base_url=server.base, timeout=10) as client:
        page = client.get(_path(item))
        assert page.status_code == 200 and "Audit cases" in page.text  # the item's own page, served
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
        assert "server" not in page.headers  # uvicorn's banner is off
        client.get(_path(everything) + "?sent=1")
        big = client.post(_path(item), content=iter([b"x" * 8192] * 10))  # 80 KiB, chunked
        assert big.status_code == 413
        client.post("/links/renew", data={"token": token, "csrf": "not-the-right-one"})
        assert token not in client.get(f"/nowhere/{token}").text
    assert server.stop(signal.SIGTERM) == 0
    logs = server.logs()
    assert token not in logs and all_token not in logs
    assert token.split(".")[1] not in logs and token.split(".")[0] not in logs  # nor either half of it
    access = server.out.read_text()
    assert re.search(rf"GET /u/<link:{fingerprint(token)}> \d{{3}} [\d.]+ms", access), access
    assert re.search(rf"GET /me/<link:{fingerprint(all_token)}>\?sent=1 \d{{3}} [\d.]+ms", access), access
    assert f"POST /u/<link:{fingerprint(token)}> 413 " in access
    assert "POST /links/renew " in access
    assert "uvicorn.access" not in logs and 'HTTP/1.1" ' not in logs  # uvicorn's own access log is off
    assert "Finished server process" in server.err.read_text()  # shut down, not killed


def test_two_workers_answer_as_one(start: Callable[..., Server], db_url: str) -> None:
    """On SQLite, and on PostgreSQL wherever its leg runs (`.ci/run` requires it)."""
    engine = make_engine(db_url)
    load_small_plan(engine)
    item, _ = _links(db_url)
    token = item.rsplit("/", 1)[1]
    server = start(db_url, "--workers", "2")

    def workers() -> set[str]:
        return set(re.findall(r"Started server process \[(\d+)\]", server.err.read_text()))

    def answered(request: str) -> set[str]:
        return set(re.findall(rf"\[(\d+)\]: {re.escape(request)} ", server.out.read_text()))

    form = {
        "status": "in progress",
        "rag": "green",
        "percent": "70",
        "note": "Sent twice, through both workers.",
        "form_id": secrets.token_urlsafe(24),
        "csrf": csrf_token(KEY.encode(), token),
    }
    answers: list[httpx.Response] = []

    def both_took_the_form() -> bool:
        # Each post on a fresh connection: the kernel hands it to whichever worker accepts first.
        answers.append(httpx.post(f"{server.base}{_path(item)}", data=form, headers={"Connection": "close"}))
        posted = f"POST /u/<link:{fingerprint(token)}>"
        return len(workers()) == 2 and answered(posted) == workers()

    wait_for("both workers to take the same form", both_took_the_form, 60)
    assert {(a.status_code, a.headers["location"]) for a in answers} == {(303, f"{_path(item)}?sent=1")}
    with Session(engine) as session:  # the same form, through two processes, recorded once
        notes = session.exec(select(Update.commentary).where(Update.commentary == form["note"])).all()
    engine.dispose()
    assert len(notes) == 1, len(answers)
    assert server.stop(signal.SIGINT) == 0
    assert token not in server.logs()


def test_web_refuses_to_start_without_a_usable_key_or_database(sqlite_url: str, tmp_path: Path) -> None:
    def web(url: str, key: str) -> str:
        env = {"LINEOFSIGHT_DATABASE_URL": url, "LINEOFSIGHT_SECRET_KEY": key}
        result = CliRunner().invoke(app, ["web", "--port", str(free_port())], env=env)
        assert result.exit_code == 1, result.output
        return " ".join(result.output.split())

    assert "LINEOFSIGHT_SECRET_KEY is not set" in web(sqlite_url, "")
    assert "secrets.token_urlsafe(48)" in web(sqlite_url, "")  # and how to make one
    assert "LINEOFSIGHT_SECRET_KEY is 9 characters long: a link key needs at least 32" in web(
        sqlite_url, "too-short"
    )
    missing = tmp_path / "missing.db"
    assert "run `lineofsight init`" in web(f"sqlite:///{missing}", KEY)
    assert not missing.exists()  # checked, not created
