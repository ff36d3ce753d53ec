"""The console for tests: a small plan with one person in every console role, the app in-process on its
clock, and a browser session for any address (the cookie the sign-in link would have set: the sign-in loop
itself is tested in tests/integration/test_console_sign_in.py).

    engine -> console_plan(engine) -> client = console_client(db_url, clock) -> sign_in(client, AUDITOR)
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from config.settings import Settings
from models.console.roles import Role
from models.console.sign_in import COOKIE, session_value
from models.console_access import AccessGrant
from models.db import unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.outbox import Notice
from models.plan import Plan
from models.plans.importer import import_plan
from models.plans.spec import PersonSpec, PlanSpec
from tests.factories import LEAD, MANAGER, OWNER, SECRETARIAT, small_plan

KEY = "console-test-key-of-forty-characters-long"
BASE = "http://testserver"
NOW = datetime(2017, 10, 9, 9, 0, tzinfo=UTC)  # a Monday, during the small plan's life
# One person per role in the small plan: the board's secretariat, its chair (the area lead), a member (the
# line manager), an auditor (the People sheet's roles), an inspector (a grant to GRANT_ENDS), and an owner
# with no console role at all.
CHAIR = LEAD
MEMBER = MANAGER
AUDITOR = "auditor@example.org"
INSPECTOR = "ina.inspector@inspectorate.example.org"
NO_ROLE = OWNER
GRANT_ENDS = date(2017, 12, 31)
ROLE_HOLDERS = {
    Role.SECRETARIAT: SECRETARIAT,
    Role.CHAIR: CHAIR,
    Role.MEMBER: MEMBER,
    Role.AUDITOR: AUDITOR,
    Role.INSPECTOR: INSPECTOR,
}


@dataclass
class Clock:
    now: datetime = NOW


def console_spec(name: str = "Test Plan") -> PlanSpec:
    spec = small_plan(name)
    auditor = PersonSpec(AUDITOR, "Audra Auditor", console_roles=frozenset({Role.AUDITOR}))
    return dataclasses.replace(spec, people=(*spec.people, auditor))


def console_plan(engine: Engine, name: str = "Test Plan") -> int:
    """Loads the plan with its role holders and the inspector's grant; returns the plan's id."""
    with unit_of_work(engine) as session:
        import_plan(session, console_spec(name), actor="test")
        plan_id = session.exec(select(Plan.id).where(Plan.name == name)).one()
        assert plan_id is not None
        session.add(
            AccessGrant(
                email=INSPECTOR,
                name="Ina Inspector",
                plan_id=plan_id,
                role=Role.INSPECTOR.value,
                until=GRANT_ENDS,
                granted_by="operator@example.org",
            )
        )
        record(session, Event(EventKind.ACCESS_GRANTED, "operator@example.org", name, None, {}))
    return plan_id


def console_client(db_url: str, clock: Clock, mail: Path | None = None) -> TestClient:
    """The app in-process, its clock at `clock.now` (change it between requests to move time)."""
    from web.app import create_app
    from web.pages import clock as edge_clock

    settings = Settings(database_url=db_url, secret_key=KEY, base_url=BASE, outbox_dir=mail or Path("outbox"))
    api = create_app(settings)
    api.dependency_overrides[edge_clock] = lambda: clock.now
    return TestClient(api, base_url=BASE, follow_redirects=False)


def sign_in(client: TestClient, email: str, at: datetime = NOW) -> TestClient:
    """Gives `client` the session cookie a used sign-in link sets for `email` (replacing any before)."""
    client.cookies.clear()
    client.cookies.set(COOKIE, session_value(KEY.encode(), email, at), path="/console")
    return client


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None, html
    return found.group(1)


def notice_about(ref: str, recipient: str, **fields: object) -> Notice:
    """An overdue reminder about `ref` in the test plan, as the sweep queues one (`fields` override)."""
    given: dict[str, object] = {
        "dedupe_key": f"about-{ref.lower()}-to-{recipient}",
        "plan": "Test Plan",
        "recipient": recipient,
        "kind": str(EventKind.OVERDUE_NOTICE_QUEUED),
        "item_refs": ref,
        "payload": "{}",
    }
    return Notice.model_validate({**given, **fields})
