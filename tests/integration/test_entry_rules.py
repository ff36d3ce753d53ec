"""The doors other than the workbook apply the same rules (plans.text_rules, the date window): an update,
a meeting. And the export never crashes on text stored before those rules existed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.db import unit_of_work
from models.errors import InvalidValue
from models.meetings import Meeting
from models.people import Person
from models.plan import Action, Update
from models.plans.meetings import add_meeting
from models.plans.spec import UpdateSpec
from models.plans.updates import apply_update
from models.vocab import Audience
from tests.factories import OWNER, load_small_plan
from workbooks.plan_workbook import export_workbook


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(
            session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (Update, AuditEvent, Meeting)
        )


@pytest.mark.parametrize(
    "spec, field",
    [
        (UpdateSpec("ACT-1", OWNER, note="pasted from Word\x0bnext line"), "note"),
        (UpdateSpec("ACT-1", OWNER, note="\u202eevil"), "note"),
        (UpdateSpec("ACT-1", OWNER, evidence_url="https://example.org/e\x0b"), "evidence link"),
        (UpdateSpec("ACT-1", OWNER, evidence_url="https://example.org/\u200be"), "evidence link"),
        (UpdateSpec("ACT-1\u200b", OWNER, note="x"), "ref"),
        (UpdateSpec("ACT-1", "owner@example.org\u200b", note="x"), "email of the person reporting"),
        (UpdateSpec("ACT-1", "\u043ewner@example.org", note="x"), "email of the person reporting"),
        (UpdateSpec("ACT-1", OWNER, note="x", at=datetime(9999, 12, 31, tzinfo=UTC)), "time of the update"),
    ],
)
def test_an_update_follows_the_import_rules(engine: Engine, spec: UpdateSpec, field: str) -> None:
    load_small_plan(engine)
    before = _counts(engine)
    with pytest.raises(InvalidValue) as refused, unit_of_work(engine) as session:
        apply_update(session, spec)
    assert refused.value.field == field
    assert _counts(engine) == before


def test_an_update_normalises_what_it_accepts(engine: Engine) -> None:
    load_small_plan(engine)
    with unit_of_work(engine) as session:
        apply_update(session, UpdateSpec("\uff21CT-1", " Owner@Example.ORG ", note="line one\nline two"))
    with Session(engine) as session:
        update = session.exec(select(Update)).one()
        author = session.get(Person, update.author_id)
    assert author is not None and author.email == OWNER
    assert update.commentary == "line one\nline two"


@pytest.mark.parametrize(
    "day, board, theme, field",
    [
        (date(9999, 12, 31), "Improvement Board", None, "meeting date"),
        (date(1, 1, 1), "Improvement Board", None, "meeting date"),
        (date(2017, 11, 7), "Improvement\u200b Board", None, "board"),
        (date(2017, 11, 7), "Improvement Board", "A\u200b1", "theme area"),
    ],
)
def test_a_meeting_follows_the_import_rules(
    engine: Engine, day: date, board: str, theme: str | None, field: str
) -> None:
    load_small_plan(engine)
    before = _counts(engine)
    with pytest.raises(InvalidValue) as refused, unit_of_work(engine) as session:
        add_meeting(session, board_name=board, day=day, theme=theme, audience=Audience.BOARD, actor="test")
    assert refused.value.field == field
    assert _counts(engine) == before


def test_export_writes_text_stored_before_the_rules(engine: Engine, tmp_path: Path) -> None:
    """Old data, as a database from before the free-text rule holds it: a vertical tab from a Word paste
    in an update and in a title. The export writes it (the character replaced) instead of failing."""
    load_small_plan(engine)
    with Session(engine) as session:  # straight into the tables, as the old data is; no door on the way
        action = session.exec(select(Action).where(Action.ref == "ACT-1")).one()
        author = session.exec(select(Person).where(Person.email == OWNER)).one()
        action.title = "Audit\x0bcases"
        session.add(action)
        session.add(
            Update(
                plan_id=action.plan_id,
                action_id=action.id,
                author_id=author.id,  # type: ignore[arg-type]
                at=datetime(2017, 9, 20, 10, tzinfo=UTC),
                commentary="pasted\x0bfrom Word\x1f",
            )
        )
        session.commit()
    path = tmp_path / "export.xlsx"
    export_workbook(engine, path, None)
    book = openpyxl.load_workbook(path)
    commentary = [r[6] for r in book["Updates"].iter_rows(min_row=2, values_only=True)]
    titles = [r[1] for r in book["Actions"].iter_rows(min_row=2, values_only=True)]
    assert commentary == ["pasted\ufffdfrom Word\ufffd"]
    assert "Audit\ufffdcases" in titles
