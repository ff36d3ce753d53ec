"""Owners' updates: appended, applied and recorded in the ledger in one transaction, or not at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.db import unit_of_work
from models.errors import BadInput, InvalidValue, UnknownItem
from models.ledger.chain import decode_data
from models.plan import Action, Milestone, Update
from models.plans.importer import import_plan
from models.plans.spec import PersonSpec, UpdateSpec
from models.plans.updates import apply_update
from models.vocab import RAG, Status
from tests.factories import LEAD, MANAGER, OWNER, SECRETARIAT, load_small_plan, small_plan


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        updates = session.execute(sa.select(sa.func.count()).select_from(Update)).scalar_one()
        events = session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    return updates, events


def test_update_applies_and_is_recorded(engine: Engine) -> None:
    load_small_plan(engine)
    _, events_before = _counts(engine)
    at = datetime(2017, 10, 2, 15, 30, tzinfo=UTC)
    with unit_of_work(engine) as session:
        apply_update(
            session,
            UpdateSpec(
                "act-1",
                OWNER,
                Status.IN_PROGRESS,
                RAG.RED,
                55,
                "Auditors off sick",
                "https://example.org/e",
                at,
            ),
        )
    with Session(engine) as session:
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        assert (action.rag, action.percent, action.last_update_on) == (RAG.RED, 55, date(2017, 10, 2))
        update = session.exec(select(Update)).one()
        assert update.commentary == "Auditors off sick" and update.at == at
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert event is not None
    assert _counts(engine) == (1, events_before + 1)
    assert (event.kind, event.actor, event.ref) == ("ActionUpdated", OWNER, "ACT-1")
    data = decode_data(event.body)
    # The last-update date it replaced too (a pack rebuilt as of before it puts it back).
    assert data["before"] == {"rag": "amber", "percent": 40, "last_update_on": None}
    assert data["after"] == {"rag": "red", "percent": 55}
    assert data["commentary"] == "Auditors off sick"


def test_milestone_takes_a_status(engine: Engine) -> None:
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec("MS-1", LEAD, status=Status.COMPLETE))
    with Session(engine) as session:
        assert session.exec(select(Milestone)).one().status is Status.COMPLETE


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        (UpdateSpec("ACT-9", OWNER, note="x"), UnknownItem, "ACT-1"),
        (UpdateSpec("ACT-1", "nobody@example.org", note="x"), BadInput, "nobody@example.org may not"),
        (UpdateSpec("ACT-1", OWNER), BadInput, "Nothing to update"),
        (UpdateSpec("MS-1", OWNER, rag=RAG.RED), BadInput, "milestone"),
        (UpdateSpec("ACT-1", OWNER, evidence_url="javascript:alert(1)"), InvalidValue, "https://"),
    ],
)
def test_bad_update_changes_nothing(engine: Engine, spec: UpdateSpec, error: type, match: str) -> None:
    load_small_plan(engine)
    before = _counts(engine)
    with pytest.raises(error, match=match), unit_of_work(engine) as session:
        apply_update(session, spec)
    assert _counts(engine) == before


def _action(engine: Engine, ref: str) -> Action:
    with Session(engine) as session:
        return session.exec(select(Action).where(Action.ref == ref)).one()


def test_completing_without_a_percent_makes_it_100(engine: Engine) -> None:
    load_small_plan(engine)  # ACT-1 in progress at 40%
    with unit_of_work(engine) as session:
        update = apply_update(session, UpdateSpec("ACT-1", OWNER, status=Status.COMPLETE))
        assert update.percent == 100
    action = _action(engine, "ACT-1")
    assert (action.status, action.percent) == (Status.COMPLETE, 100)
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert event is not None
    # ACT-1 was amber: a complete item has no risk left to rate
    assert decode_data(event.body)["after"] == {"status": "complete", "percent": 100, "rag": "green"}


def test_a_percent_on_an_item_not_started_starts_it(engine: Engine) -> None:
    load_small_plan(engine)  # ACT-2 not started
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec("ACT-2", OWNER, percent=20, note="Under way"))
    action = _action(engine, "ACT-2")
    assert (action.status, action.percent) == (Status.IN_PROGRESS, 20)


# ACT-1 is in progress at 40% and amber; ACT-3 is complete at 100% and green; ACT-2 is not started.
@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (UpdateSpec("ACT-1", OWNER, Status.COMPLETE, RAG.RED), "--status complete, but --rag red"),
        (UpdateSpec("ACT-1", OWNER, Status.COMPLETE, percent=10), "--status complete, but --percent 10"),
        (UpdateSpec("ACT-1", OWNER, Status.CLOSED, RAG.AMBER, 100), "--status closed, but --rag amber"),
        (UpdateSpec("ACT-3", MANAGER, rag=RAG.RED), "ACT-3 is complete, but --rag red"),
        (UpdateSpec("ACT-3", MANAGER, percent=60), "ACT-3 is complete, but --percent 60"),
        (UpdateSpec("ACT-2", OWNER, percent=100), "ACT-2 is not started, but --percent 100: .* complete"),
        (UpdateSpec("ACT-1", OWNER, Status.NOT_STARTED), "--status not started, but it is 40% complete"),
        (UpdateSpec("ACT-1", OWNER, Status.NOT_STARTED, percent=100), "has not started is 0% complete"),
    ],
)
def test_contradictory_update_is_refused_with_why(engine: Engine, spec: UpdateSpec, match: str) -> None:
    load_small_plan(engine)
    before = _counts(engine), _action(engine, spec.ref).model_dump()
    with pytest.raises(BadInput, match=match), unit_of_work(engine) as session:
        apply_update(session, spec)
    assert (_counts(engine), _action(engine, spec.ref).model_dump()) == before


def test_consistent_updates_pass(engine: Engine) -> None:
    load_small_plan(engine)
    for spec in (
        UpdateSpec("ACT-3", MANAGER, rag=RAG.GREEN, note="Verified"),
        UpdateSpec("ACT-3", MANAGER, Status.IN_PROGRESS, RAG.RED, 60, "Reopened: evidence missing"),
        UpdateSpec("ACT-2", OWNER, Status.IN_PROGRESS, percent=100),
        UpdateSpec("ACT-1", OWNER, Status.COMPLETE, RAG.GREEN, 100),
    ):
        with unit_of_work(engine) as session:
            apply_update(session, spec)
    assert _counts(engine)[0] == 4


DEPUTY = "deputy@example.org"


def _plan_with_a_deputy(engine: Engine) -> None:
    spec = small_plan()
    owner = [replace(p, deputy_email=DEPUTY) if p.email == OWNER else p for p in spec.people]
    people = (*owner, PersonSpec(DEPUTY, "Deputy Owner"))
    with unit_of_work(engine) as session:
        import_plan(session, replace(spec, people=people), actor="test")


@pytest.mark.parametrize(
    ("by", "role"),
    [
        (OWNER, "owner"),
        (" Owner@Example.ORG ", "owner, written another way"),
        (DEPUTY, "the owner's deputy"),
        (MANAGER, "the owner's manager"),
        (LEAD, "the lead of area A1"),
        (SECRETARIAT, "the board secretariat"),
    ],
)
def test_the_people_who_answer_for_an_item_may_update_it(engine: Engine, by: str, role: str) -> None:
    _plan_with_a_deputy(engine)
    with unit_of_work(engine) as session:
        update = apply_update(session, UpdateSpec("ACT-1", by, note=f"posted by {role}"))
    assert update.id is not None


@pytest.mark.parametrize(
    ("ref", "by", "match"),
    [
        ("ACT-2", LEAD, "lead@example.org may not update ACT-2"),  # A2 has no lead; LEAD chairs the board
        ("ACT-1", "stranger@example.org", "stranger@example.org may not update ACT-1 \\(no person of plan"),
        ("ACT-1", "system:operator", "An update is a person's report"),
        ("MS-1", OWNER, "owner@example.org may not update MS-1"),
    ],
)
def test_anyone_else_is_refused_and_told_who_may(engine: Engine, ref: str, by: str, match: str) -> None:
    _plan_with_a_deputy(engine)
    before = _counts(engine)
    with pytest.raises(BadInput, match=match) as refused, unit_of_work(engine) as session:
        apply_update(session, UpdateSpec(ref, by, note="x"))
    assert f"Who may update {ref}:" in str(refused.value) and SECRETARIAT in str(refused.value)
    if ref == "ACT-1":
        assert f"{OWNER} (its owner)" in str(refused.value)
        assert f"{DEPUTY} (the owner's deputy)" in str(refused.value)
    assert _counts(engine) == before


def test_the_command_line_refuses_with_exit_2(db_url: str, engine: Engine) -> None:
    from typer.testing import CliRunner

    from cli.app import app

    load_small_plan(engine)
    before = _counts(engine)
    env = {"LINEOFSIGHT_DATABASE_URL": db_url}
    for args, expected in [
        (["--by", LEAD, "--note", "x"], "lead@example.org may not update ACT-2"),
        (["--by", OWNER, "--status", "complete", "--rag", "red"], "Contradictory update of ACT-2"),
        (["--by", OWNER, "--percent", "100"], "ACT-2 is not started, but --percent 100"),
    ]:
        result = CliRunner().invoke(app, ["update", "ACT-2", *args], env=env)
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output
    assert _counts(engine) == before
