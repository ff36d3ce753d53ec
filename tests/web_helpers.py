"""What the web face's tests share: a plan with an away owner and a deputy, signed links to it, and the app
in-process (FastAPI's TestClient over a real database), its clock fixed at the edge where it is read."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.settings import Settings
from models.db import unit_of_work
from models.links.tokens import LinkClaims, LinkMaker, sign
from models.people import Person
from models.plan import Plan
from models.plans.importer import import_plan
from models.plans.spec import PersonSpec
from tests.factories import LEAD, MANAGER, OWNER, SECRETARIAT, small_plan

KEY = "test-secret-key-of-forty-characters-long"
BASE = "http://testserver"
NOW = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)  # a Monday
ISSUED = NOW - timedelta(days=1)
DEPUTY = "deputy@example.org"
AWAY_OWNER = "away@example.org"


def load_plan(engine: Engine) -> None:
    """The small plan, plus an owner away over NOW whose deputy covers ACT-2 (given to the away owner)."""
    spec = small_plan()
    people = (
        *spec.people,
        PersonSpec(DEPUTY, "Dana Deputy"),
        PersonSpec(
            AWAY_OWNER,
            "Alex Away",
            manager_email=MANAGER,
            deputy_email=DEPUTY,
            away_from=date(2027, 1, 1),
            away_to=date(2027, 1, 15),
        ),
    )
    actions = tuple(replace(a, owner_email=AWAY_OWNER) if a.ref == "ACT-2" else a for a in spec.actions)
    with unit_of_work(engine) as session:
        import_plan(session, replace(spec, people=people, actions=actions), actor="test")


def ids(engine: Engine, email: str) -> tuple[int, int]:
    """(person id, plan id) of a person of the test plan."""
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        plan = session.exec(select(Plan)).one()
    assert person.id is not None and plan.id is not None
    return person.id, plan.id


def maker(issued: datetime = ISSUED, days: int = 21) -> LinkMaker:
    return LinkMaker(BASE, KEY.encode(), issued, days)


def item_path(engine: Engine, email: str, ref: str, issued: datetime = ISSUED) -> str:
    person, plan = ids(engine, email)
    return maker(issued).item(person, plan, ref).removeprefix(BASE)


def all_path(engine: Engine, email: str, issued: datetime = ISSUED) -> str:
    person, plan = ids(engine, email)
    return maker(issued).everything(person, plan).removeprefix(BASE)


def token_for(person_id: int, plan_id: int, ref: str | None, issued: datetime = ISSUED) -> str:
    return sign(KEY.encode(), LinkClaims(person_id, plan_id, ref, issued, issued + timedelta(days=21)))


def client(db_url: str, now: datetime = NOW) -> TestClient:
    from web.app import create_app
    from web.pages import clock

    api = create_app(Settings(database_url=db_url, secret_key=KEY, base_url=BASE))
    api.dependency_overrides[clock] = lambda: now  # the clock is read at the edge: the test sets it there
    return TestClient(api, raise_server_exceptions=True)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no hidden field {name}"
    return found.group(1)


def form_of(html: str, **fields: str) -> dict[str, str]:
    """The first form's hidden fields, as the page served them, with `fields` filled in."""
    return {"csrf": hidden(html, "csrf"), "form_id": hidden(html, "form_id"), **fields}


def h1(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


__all__ = ["LEAD", "MANAGER", "OWNER", "SECRETARIAT"]
