"""The web face in a real browser: Debian's Chromium driven by Playwright, against `lineofsight web` started
as a process on a free port, on a migrated database seeded with a plan whose dates run from today (the web
face reads the wall clock, so the sweep's days must be real days around it).

A missing Chromium fails these tests with a message saying how to install it: they are never skipped
(`.ci/run` installs it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.calendar import WorkingCalendar, local_date
from models.db import make_engine, unit_of_work
from models.links.tokens import LinkMaker
from models.people import Person
from models.plan import Plan
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec, AreaSpec, BoardSpec, MilestoneSpec, PersonSpec, PlanSpec
from models.vocab import RAG, Status
from tests.smtp_server import free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LINEOFSIGHT_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET_KEY = "browser-tests-" + "k" * 40  # long enough for doctor; not the demo's prefix
PLAN = "Browser Plan"
OWNER = "alex.smith@example.org"
OTHER = "sam.jones@example.org"
DEPUTY = "dee.puty@example.org"
AWAY = "robin.away@example.org"
MANAGER = "manager@example.org"
LEAD = "lead@example.org"
SECRETARIAT = "secretariat@example.org"
# The sweep's first day, and the due date four working days later: a "due soon" reminder that day, and
# the three-day one the next working day unless the owner has updated since.
DAYS_TO_DUE = 4


# --- the browser --------------------------------------------------------------------------------------


# Package scope, not session: Playwright's sync API keeps an event loop running in the main thread while it
# is open, and every later test that runs a Prefect flow or asyncio.run in that thread would meet it (a flow
# called there returns a coroutine). It stops when the last browser test has run.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: the browser tests need Debian's chromium package "
            "(`apt-get install -y --no-install-recommends chromium`; `.ci/run` installs it when missing). "
            "They are part of `make test` and are not skipped.",
            pytrace=False,
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_context(browser: Browser, width: int = 1280, height: int = 900, **options: Any) -> BrowserContext:
    """A fresh profile as a UK reader's browser: British English (dates as 11/12/2026), London time."""
    return browser.new_context(
        viewport={"width": width, "height": height}, locale="en-GB", timezone_id="Europe/London", **options
    )


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that records what the console said: a page of ours never logs an error."""
    page = context.new_page()
    watch(page)
    yield page


def watch(page: Page) -> None:
    """Records the page's console errors, and the documents it navigated to: Chromium reports a document
    answered 403, 404 or 410 as "Failed to load resource", which for a refused link is the answer the test
    asked for, not a fault of the page (the tests assert that status themselves)."""
    errors: list[tuple[str, str]] = []
    documents: set[str] = set()
    page.on(
        "console", lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None
    )
    page.on("pageerror", lambda e: errors.append((str(e), "")))
    page.on("request", lambda r: documents.add(r.url) if r.is_navigation_request() else None)
    page.console_seen = (errors, documents)  # type: ignore[attr-defined]


def console_errors(page: Page) -> list[str]:
    errors, documents = page.console_seen  # type: ignore[attr-defined]
    return [
        f"{text} ({url})"
        for text, url in errors
        if not (text.startswith("Failed to load resource") and url in documents)
    ]


# --- axe-core -----------------------------------------------------------------------------------------


def assert_accessible(page: Page, what: str) -> None:
    """axe-core on the page as shown: no violation of serious or critical impact (the others printed)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    minor = [v for v in violations if v.get("impact") not in ("serious", "critical")]
    for v in minor:
        print(f"axe ({what}): {v.get('impact')} {v['id']}: {v['help']}")
    grave = [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]
    assert not grave, f"axe-core on {what}:\n" + "\n".join(grave)


# --- the web face as a process ------------------------------------------------------------------------


@dataclass
class WebFace:
    """`lineofsight web` running against `db_url`; what it wrote to stdout/stderr lands in `log`."""

    base_url: str
    db_url: str
    log: Path
    env: dict[str, str]  # what the server runs with: for other commands on the same database
    engine: Engine
    process: subprocess.Popen[bytes]

    def links(self, issued: datetime | None = None, days: int = 21) -> LinkMaker:
        return LinkMaker(self.base_url, SECRET_KEY.encode(), issued or datetime.now(UTC), days)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def person_id(self, email: str) -> int:
        with Session(self.engine) as session:
            found = session.exec(select(Person.id).where(Person.email == email)).first()
        assert found is not None, email
        return found

    def plan_id(self, name: str = PLAN) -> int:
        with Session(self.engine) as session:
            found = session.exec(select(Plan.id).where(Plan.name == name)).first()
        assert found is not None, name
        return found

    def item_link(self, email: str, ref: str, **kwargs: Any) -> str:
        return self.links(**kwargs).item(self.person_id(email), self.plan_id(), ref)

    def all_link(self, email: str, **kwargs: Any) -> str:
        return self.links(**kwargs).everything(self.person_id(email), self.plan_id())


def lineofsight() -> list[str]:
    """`lineofsight`, run from this checkout rather than whichever copy the venv's script points at (the
    environment sets PYTHONPATH to the checkout: see `start_face`)."""
    return [sys.executable, "-c", "import sys; from cli.app import main; sys.argv[0] = 'lineofsight'; main()"]


def web_command(port: int, workers: int = 1) -> list[str]:
    return [*lineofsight(), "web", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def _wait_healthy(face: WebFace, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if face.process.poll() is not None:
            raise AssertionError(
                f"`lineofsight web` exited with {face.process.returncode}:\n{face.log_text()}"
            )
        try:
            answer = httpx.get(f"{face.base_url}/healthz", timeout=2)
            if answer.status_code == 200 and answer.text.strip() == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"`lineofsight web` did not answer /healthz in {seconds} s:\n{face.log_text()}")


def start_face(db_url: str, folder: Path, workers: int = 1) -> WebFace:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINEOFSIGHT_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "LINEOFSIGHT_DATABASE_URL": db_url,
        "LINEOFSIGHT_SECRET_KEY": SECRET_KEY,
        "LINEOFSIGHT_BASE_URL": base_url,
        "LINEOFSIGHT_OUTBOX_DIR": str(folder / "server-outbox"),
    }
    log = folder / "web.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            web_command(port, workers), env=env, cwd=folder, stdout=sink, stderr=subprocess.STDOUT
        )
    face = WebFace(base_url, db_url, log, env, make_engine(db_url), process)
    try:
        _wait_healthy(face)
    except BaseException:
        stop_face(face)
        raise
    return face


def stop_face(face: WebFace) -> None:
    if face.process.poll() is None:
        face.process.send_signal(signal.SIGINT)
        try:
            face.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            face.process.kill()
            face.process.wait(timeout=10)
    face.engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite file of this test's own (the browser's security cases need one backend)."""
    path = tmp_path / "lineofsight.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@contextmanager
def _loaded_face(db_url: str, folder: Path) -> Iterator[WebFace]:
    running = start_face(db_url, folder)
    try:
        load_browser_plan(running.engine)
        yield running
    finally:
        stop_face(running)


@pytest.fixture
def face(sqlite_url: str, tmp_path: Path) -> Iterator[WebFace]:
    """The web face on SQLite, with the browser plan loaded."""
    with _loaded_face(sqlite_url, tmp_path) as running:
        yield running


@pytest.fixture
def face_on_every_backend(db_url: str, tmp_path: Path) -> Iterator[WebFace]:
    """The web face on SQLite, and on PostgreSQL when the leg runs, with the browser plan loaded."""
    with _loaded_face(db_url, tmp_path) as running:
        yield running


@pytest.fixture
def face_two_workers(db_url: str, tmp_path: Path) -> Iterator[WebFace]:
    """`lineofsight web --workers 2` on SQLite, and on PostgreSQL when the leg runs: two processes that
    must behave as one."""
    running = start_face(db_url, tmp_path, workers=2)
    try:
        load_browser_plan(running.engine)
        yield running
    finally:
        stop_face(running)


# --- the plan, dated from today -----------------------------------------------------------------------


def today() -> date:
    return local_date(datetime.now(UTC))


def first_sweep_day() -> date:
    """Today, or the next working day when today is not one (the sweep decides nothing on a rest day)."""
    calendar = WorkingCalendar("ENG")
    day = today()
    return day if calendar.is_working_day(day) else calendar.add_working_days(day, 1)


def due_day() -> date:
    return WorkingCalendar("ENG").add_working_days(first_sweep_day(), DAYS_TO_DUE)


def browser_plan() -> PlanSpec:
    """Two open actions of one owner due in four working days (one to update, one left alone to show the
    next sweep still speaks), one of another owner, one of an owner away with a deputy, a milestone."""
    due = due_day()
    day = today()
    return PlanSpec(
        name=PLAN,
        organisation="Browser Council",
        people=(
            PersonSpec(OWNER, "Alex Smith", manager_email=MANAGER),
            PersonSpec(OTHER, "Sam Jones", manager_email=MANAGER),
            PersonSpec(DEPUTY, "Dee Puty", manager_email=MANAGER),
            PersonSpec(
                AWAY,
                "Robin Away",
                manager_email=MANAGER,
                deputy_email=DEPUTY,
                away_from=WorkingCalendar("ENG").add_working_days(day, -2),
                away_to=WorkingCalendar("ENG").add_working_days(day, 15),
            ),
            PersonSpec(MANAGER, "Line Manager"),
            PersonSpec(LEAD, "Area Lead"),
            PersonSpec(SECRETARIAT, "Board Secretariat"),
        ),
        areas=(
            AreaSpec("A1", "Management oversight", "Practice", LEAD),
            AreaSpec("A2", "Workforce", "People"),
        ),
        actions=(
            ActionSpec(
                "TAP-07",
                "Audit <b>case</b> files & supervision",  # markup in data: rendered as text
                "A1",
                OWNER,
                due,
                status=Status.IN_PROGRESS,
                rag=RAG.AMBER,
                percent=40,
            ),
            ActionSpec("TAP-08", "Recruit permanent social workers", "A2", OWNER, due),
            ActionSpec("TAP-09", "Publish the practice framework", "A1", OTHER, due),
            ActionSpec("TAP-10", "Review the front door", "A1", AWAY, due),
        ),
        milestones=(MilestoneSpec("MS-1", "Plan to the inspectorate", due, LEAD, ("TAP-07",)),),
        boards=(BoardSpec("Improvement Board", SECRETARIAT, LEAD, (MANAGER,)),),
    )


def load_browser_plan(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        import_plan(session, browser_plan(), actor="test")
