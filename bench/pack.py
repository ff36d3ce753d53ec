"""Board pack benchmark: a 1,000-action plan (13 areas, 20 milestones, an owner's update with commentary on
most actions, escalations from a real sweep), its board pack built end to end (load, pure context, two SVG
charts, HTML, tagged PDF/UA-1, files, pack row and ledger event), against WeasyPrint alone rendering the
prepared HTML of the same pack to the same PDF variant, in the same process. Then its Word part
(bench/word.py) against python-docx writing the same tables bare.

    python -m bench.pack [--backend postgresql] [--actions 1000] [--word-only]
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.common import fresh_database, peak_rss_mb, timed
from bench.word import compare
from config.policy import load_policy
from models.db import unit_of_work
from models.meetings import Meeting
from models.plans.importer import import_plan
from models.plans.spec import (
    ActionSpec,
    AreaSpec,
    BoardSpec,
    MeetingSpec,
    MilestoneSpec,
    PersonSpec,
    PlanSpec,
    UpdateSpec,
)
from models.plans.updates import apply_update
from models.sweep.run import sweep_plans
from models.vocab import RAG, Audience, Status

MEETING = date(2017, 11, 7)
PACK_DAY = date(2017, 10, 30)


def plan_spec(actions: int) -> PlanSpec:
    people = [PersonSpec(f"owner{i}@example.org", f"Head of Service {i}") for i in range(40)]
    start = date(2017, 9, 4)
    return PlanSpec(
        name="Bench Plan",
        organisation="Example Council",
        people=(*people, PersonSpec("secretariat@example.org", "Board Secretariat")),
        areas=tuple(AreaSpec(f"AREA{i:02d}", f"Improvement area number {i}") for i in range(13)),
        actions=tuple(
            ActionSpec(
                f"ACT-{i:04d}",
                f"Action {i}: deliver the improvement agreed with the inspectorate for this service",
                f"AREA{i % 13:02d}",
                people[i % 40].email,
                start + timedelta(days=(i * 7) % 150),
                start=start,
                status=[Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.COMPLETE][i % 4],
                rag=[None, RAG.GREEN, RAG.AMBER, RAG.RED][i % 4],
                percent=(i * 13) % 100,
                exempt=i % 50 == 0,
            )
            for i in range(actions)
        ),
        milestones=tuple(
            MilestoneSpec(
                f"MS-{i:02d}",
                f"Milestone {i}",
                start + timedelta(days=20 + i * 7),
                people[i].email,
                (f"ACT-{i:04d}",),
            )
            for i in range(20)
        ),
        boards=(BoardSpec("Improvement Board", "secretariat@example.org", members=(people[0].email,)),),
        meetings=(MeetingSpec("Improvement Board", MEETING, "AREA03"),),
    )


def setup(engine: sa.Engine, actions: int) -> int:
    with unit_of_work(engine) as session:
        import_plan(session, plan_spec(actions), actor="bench")
    policy = load_policy()
    sweep_plans(engine, policy, date(2017, 10, 27))  # escalations, so the exceptions list is real
    with unit_of_work(engine) as session:
        for i in range(0, actions, 2):  # half the actions have commentary
            if i % 4 != 3:  # not the completed ones
                apply_update(
                    session,
                    UpdateSpec(
                        f"ACT-{i:04d}",
                        f"owner{i % 40}@example.org",
                        note=f"Update {i}: progress against the milestones agreed; see the evidence log.",
                        at=datetime(2017, 10, 20, 12, tzinfo=UTC),
                    ),
                    plan_name="Bench Plan",
                )
    with engine.connect() as conn:
        return int(conn.execute(sa.select(Meeting.id)).scalar_one())  # type: ignore[call-overload]


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--word-only", action="store_true", help="Build the pack once, then time only its Word part."
    )
    args = parser.parse_args()
    from weasyprint import HTML

    from packs.build import build_pack

    policy = load_policy()
    with tempfile.TemporaryDirectory() as tmp:
        engine = fresh_database(args.backend, Path(tmp), "pack")
        setup_seconds, meeting_id = timed(lambda: setup(engine, args.actions))
        out = Path(tmp) / "packs"
        builds, bares = [], []
        built = None
        for _ in range(
            1 if args.word_only else args.runs
        ):  # interleaved, so both sides see the same machine load
            seconds, result = timed(
                lambda: build_pack(engine, meeting_id, Audience.BOARD, policy, PACK_DAY, out)
            )
            builds.append(seconds)
            built = result
            html = result.path(".html").read_text()
            bare_seconds, _ = timed(lambda: HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))  # noqa: B023
            bares.append(bare_seconds)
        assert built is not None
        from pypdf import PdfReader

        pages = len(PdfReader(built.path(".pdf")).pages)
        build_s, bare_s = min(builds), min(bares)
        print(f"backend={args.backend} actions={args.actions} setup={setup_seconds:.1f}s pages={pages}")
        print(f"exceptions={len(built.context.exceptions)} pdf={built.files[0]['bytes'] / 1e6:.2f} MB")
        print(f"bare WeasyPrint render of the prepared HTML: {bare_s:.2f} s (runs: {_runs(bares)})")
        print(f"pack build end to end:                      {build_s:.2f} s (runs: {_runs(builds)})")
        print(f"ratio: {build_s / bare_s:.2f}x   peak memory: {peak_rss_mb():.0f} MB")
        mine, baseline, xml, size, rows = compare(built.context, args.runs)
        word_s, docx_s = min(mine), min(baseline)
        print(f"Word: {rows} table rows, .docx {size / 1e6:.2f} MB")
        print(f"bare python-docx writing the same tables: {docx_s:.2f} s (runs: {_runs(baseline)})")
        print(f"Word pack (charts as PNG, cover, body):   {word_s:.2f} s (runs: {_runs(mine)})")
        print(f"the same tables written as the pack writes rows: {min(xml):.2f} s (runs: {_runs(xml)})")
        print(f"ratio: {word_s / docx_s:.2f}x (to python-docx bare), {word_s / min(xml):.2f}x (to rows bare)")
        engine.dispose()


if __name__ == "__main__":
    main()
