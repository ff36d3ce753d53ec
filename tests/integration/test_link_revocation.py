"""Withdrawing a person's links, on real SQLite and PostgreSQL: one revocation and one ledger event per person
row with the address (every organisation's, or only the named plan's), close addresses when nobody has it,
and nothing written when it is refused."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.db import unit_of_work
from models.errors import UnknownItem
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.ledger.verification import verify_database
from models.links.access import LinkRefused, open_link
from models.links.revocation import revoke_links
from models.links.tokens import LinkMaker
from models.people import Person
from models.plan import Plan
from models.plans.importer import import_plan
from models.web_links import LinkRevocation
from tests.factories import OWNER, small_plan

AT = datetime(2026, 12, 7, 9, 41, tzinfo=UTC)


@pytest.fixture
def two_councils(engine: Engine) -> Engine:
    """OWNER is a person of Council A (plans A1 and A2) and of Council B (plan B)."""
    with unit_of_work(engine) as session:
        for name, organisation in (
            ("Plan A1", "Council A"),
            ("Plan A2", "Council A"),
            ("Plan B", "Council B"),
        ):
            import_plan(
                session, dataclasses.replace(small_plan(name), organisation=organisation), actor="test"
            )
    return engine


def _revocations(engine: Engine) -> dict[str, datetime]:
    with Session(engine) as session:
        people = {p.id: p for p in session.exec(select(Person))}
        return {people[r.person_id].organisation: r.revoked_at for r in session.exec(select(LinkRevocation))}


def _events(engine: Engine) -> list[tuple[str, str | None, dict]]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.kind == EventKind.LINKS_REVOKED))
        return [(e.actor, e.plan, decode_data(e.body)) for e in rows]


def test_every_organisations_row_is_revoked_with_its_event(two_councils: Engine) -> None:
    with unit_of_work(two_councils) as session:
        done = revoke_links(session, "  Owner@Example.org ", actor="system:operator", at=AT)
    assert (done.email, done.at, done.people) == (OWNER, AT, 2)
    assert done.plans == ("Plan A1", "Plan A2", "Plan B")
    assert _revocations(two_councils) == {"council a": AT, "council b": AT}
    events = sorted(_events(two_councils), key=lambda e: e[2]["organisation"])
    assert [(actor, plan) for actor, plan, _ in events] == [("system:operator", None)] * 2
    assert [data for _, _, data in events] == [
        {
            "email": OWNER,
            "organisation": "council a",
            "plans": ["Plan A1", "Plan A2"],
            "revoked_at": "2026-12-07T09:41:00+00:00",
        },
        {
            "email": OWNER,
            "organisation": "council b",
            "plans": ["Plan B"],
            "revoked_at": "2026-12-07T09:41:00+00:00",
        },
    ]
    assert verify_database(two_councils).ok


def test_a_named_plan_revokes_only_its_organisations_row(two_councils: Engine) -> None:
    with unit_of_work(two_councils) as session:
        done = revoke_links(session, OWNER, plan_name="plan b", actor="ops@example.org", at=AT)
    assert (done.people, done.plans) == (1, ("Plan B",))
    assert _revocations(two_councils) == {"council b": AT}
    [(actor, plan, data)] = _events(two_councils)
    assert (actor, plan, data["organisation"]) == ("ops@example.org", "Plan B", "council b")


def test_revoking_twice_keeps_both_moments(two_councils: Engine) -> None:
    later = AT.replace(hour=15)
    for at in (AT, later):
        with unit_of_work(two_councils) as session:
            revoke_links(session, OWNER, plan_name="Plan A1", actor="system:operator", at=at)
    with Session(two_councils) as session:
        assert sorted(r.revoked_at for r in session.exec(select(LinkRevocation))) == [AT, later]
    assert len(_events(two_councils)) == 2


@pytest.mark.parametrize(
    ("email", "plan", "said"),
    [
        (
            "owner@example.com",
            None,
            "No person with email 'owner@example.com'. Did you mean owner@example.org",
        ),
        ("nobody@example.org", "Plan B", "No person of plan 'Plan B' with email 'nobody@example.org'."),
    ],
)
def test_an_unknown_address_is_refused_with_close_ones_and_nothing_written(
    two_councils: Engine, email: str, plan: str | None, said: str
) -> None:
    with pytest.raises(UnknownItem) as refused, unit_of_work(two_councils) as session:
        revoke_links(session, email, plan_name=plan, actor="system:operator", at=AT)
    assert str(refused.value).startswith(said)
    assert _revocations(two_councils) == {} and _events(two_councils) == []


def test_an_unknown_plan_is_named(two_councils: Engine) -> None:
    with pytest.raises(UnknownItem, match="No plan 'Plan C'"), unit_of_work(two_councils) as session:
        revoke_links(session, OWNER, plan_name="Plan C", actor="system:operator", at=AT)
    assert _revocations(two_councils) == {}


def test_links_issued_before_the_revocation_stop_and_later_ones_work(two_councils: Engine) -> None:
    """Through the web's own access check: Council B's links of the address are refused once revoked there,
    Council A's (revoked only by plan) still open, and a link written after the revocation opens."""
    key = b"k" * 40
    with Session(two_councils) as session:
        people = {p.organisation: p for p in session.exec(select(Person).where(Person.email == OWNER))}
        plans = {p.name: p for p in session.exec(select(Plan))}

    def link(organisation: str, plan: str, issued: datetime) -> str:
        maker = LinkMaker("https://los.example.org", key, issued)
        return maker.everything(people[organisation].id, plans[plan].id).rsplit("/", 1)[1]  # type: ignore[arg-type]

    before = AT - timedelta(days=1)
    old_b, old_a = link("council b", "Plan B", before), link("council a", "Plan A1", before)
    with unit_of_work(two_councils) as session:
        revoke_links(session, OWNER, plan_name="Plan B", actor="system:operator", at=AT)
    new_b = link("council b", "Plan B", AT + timedelta(minutes=1))
    now = AT + timedelta(hours=1)
    with Session(two_councils) as session:
        with pytest.raises(LinkRefused) as refused:
            open_link(session, key, old_b, now)
        assert (refused.value.reason, refused.value.status) == ("revoked", 410)
        assert open_link(session, key, old_a, now).person.organisation == "council a"
        assert open_link(session, key, new_b, now).person.organisation == "council b"
