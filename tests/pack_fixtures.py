"""A small plan for pack tests: one exempt action, markup in a title and in commentary, a board with
members, a board meeting and a public meeting the same day, and updates either side of the pack date."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from models.db import unit_of_work
from models.plans.importer import import_plan
from models.plans.spec import ActionSpec, BoardSpec, MeetingSpec, MilestoneSpec, PersonSpec, UpdateSpec
from models.plans.updates import apply_update
from models.vocab import RAG, Audience, Status
from tests.factories import LEAD, MANAGER, OWNER, SECRETARIAT, small_plan

MEETING = date(2017, 10, 3)
PACK_DAY = date(2017, 9, 25)  # 5 clear working days before
MEMBER = "member@example.org"
EXEMPT_REF = "EX-7"
EXEMPT_TITLE = "Settlement with a named family"
EXEMPT_NOTE = "Counsel advises settling before the hearing"
MARKUP_TITLE = "<script>alert('x')</script> Audit & <b>review</b>"
MARKUP_NOTE = "[click](javascript:alert(1)) <i>not italic</i> & done"


def pack_plan(milestones: tuple[MilestoneSpec, ...] = ()):
    spec = small_plan()
    return dataclasses.replace(
        spec,
        people=(*spec.people, PersonSpec(MEMBER, "Board Member")),
        actions=(
            *spec.actions,
            ActionSpec(
                EXEMPT_REF,
                EXEMPT_TITLE,
                "A1",
                OWNER,
                date(2017, 9, 8),
                status=Status.IN_PROGRESS,
                rag=RAG.RED,
                exempt=True,
            ),
            ActionSpec("MK-1", MARKUP_TITLE, "A1", MANAGER, date(2017, 11, 30), status=Status.IN_PROGRESS),
        ),
        milestones=(*spec.milestones, *milestones),
        boards=(BoardSpec("Improvement Board", SECRETARIAT, LEAD, (MANAGER, MEMBER)),),
        meetings=(
            MeetingSpec("Improvement Board", MEETING, "A1"),
            MeetingSpec("Improvement Board", MEETING, "A1", Audience.PUBLIC),
        ),
    )


def load_pack_plan(engine: Engine, milestones: tuple[MilestoneSpec, ...] = ()) -> None:
    with unit_of_work(engine) as session:
        import_plan(session, pack_plan(milestones), actor="test")
    for spec in (
        UpdateSpec("EX-7", OWNER, rag=RAG.RED, note=EXEMPT_NOTE, at=datetime(2017, 9, 20, 10, tzinfo=UTC)),
        UpdateSpec("MK-1", MANAGER, percent=30, note=MARKUP_NOTE, at=datetime(2017, 9, 21, 10, tzinfo=UTC)),
        # After the pack date: counts towards the next pack, not this one.
        UpdateSpec(
            "ACT-1", OWNER, percent=50, note="Too late for this pack", at=datetime(2017, 9, 26, 9, tzinfo=UTC)
        ),
    ):
        with unit_of_work(engine) as session:
            apply_update(session, spec)
