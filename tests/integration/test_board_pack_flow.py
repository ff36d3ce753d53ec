"""The board-pack flow as a real Prefect flow run: it builds the packs due on `as_of` (a parameter, never
frozen time) as drafts, tells the board's secretariat (nothing goes to the board until it is approved and
sent), leaves a markdown artifact per pack, and does nothing on a bank holiday."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.board_packs import Pack
from models.db import unit_of_work
from models.outbox import Notice
from models.plans.meetings import add_meeting
from models.vocab import Audience
from tests.pack_fixtures import load_pack_plan

LONDON = ZoneInfo("Europe/London")


def _artifacts(flow_run_id) -> list[str]:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read() -> list[str]:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
            )
            return [str(a.data) for a in found if a.type == "markdown"]

    return asyncio.run(read())


def test_board_pack_flow_run(prefect_harness, engine: Engine, db_url: str, monkeypatch, tmp_path) -> None:
    from flows.board_pack import board_pack_flow

    monkeypatch.setenv("LINEOFSIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("LINEOFSIGHT_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("LINEOFSIGHT_PACKS_DIR", str(tmp_path / "packs"))
    load_pack_plan(engine)
    # Friday 22 September: the packs for 3 October are not due until Monday.
    assert board_pack_flow(as_of=datetime(2017, 9, 22, 7, 30, tzinfo=LONDON)) == []
    state = board_pack_flow(as_of=datetime(2017, 9, 25, 7, 30, tzinfo=LONDON), return_state=True)
    assert state.is_completed()
    results = state.result()
    assert {r["audience"] for r in results} == {"board", "public"}
    assert all(r["state"] == "draft" and r["told"] == 1 for r in results)
    with Session(engine) as session:
        packs = session.exec(select(Pack)).all()
        assert len(packs) == 2 and all(p.published_at is None and p.approved_at is None for p in packs)
        assert not session.exec(select(Notice).where(Notice.kind == "PackPublished")).all()
        notices = session.exec(select(Notice).where(Notice.kind == "PackReadyForReview")).all()
    assert {n.status.value for n in notices} == {"sent"}  # delivered by the dispatch subflow
    assert {n.recipient for n in notices} == {"secretariat@example.org"}
    mails = [p.read_bytes() for p in (tmp_path / "outbox").glob("*.eml")]
    assert not [m for m in mails if b"application/pdf" in m]  # the board hears nothing of a draft
    reviews = [m for m in mails if b"For your review" in m]
    assert len(reviews) == 2 and all(b"/console/plans/" in m for m in reviews)
    markdown = _artifacts(state.state_details.flow_run_id)
    assert len(markdown) == 2 and all(
        "| Red | Amber | Green | Complete | Exceptions |" in m for m in markdown
    )
    # The next day builds nothing new.
    assert board_pack_flow(as_of=datetime(2017, 9, 26, 7, 30, tzinfo=LONDON)) == []
    # The pack for 2 January 2018 is due from 20 December, but nothing is built on Christmas Day.
    with unit_of_work(engine) as session:
        add_meeting(
            session,
            board_name="Improvement Board",
            day=date(2018, 1, 2),
            theme=None,
            audience=Audience.BOARD,
            actor="test",
        )
    assert board_pack_flow(as_of=datetime(2017, 12, 25, 7, 30, tzinfo=LONDON)) == []
    [late] = board_pack_flow(as_of=datetime(2017, 12, 27, 7, 30, tzinfo=LONDON))
    assert late["meeting"] == "2018-01-02" and late["told"] == 1
