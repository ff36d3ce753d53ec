"""Sweep benchmark: 200 plans, 100,000 actions and 20,000 milestones. The sweep of every plan for one day,
against a bare scan that selects the same columns and iterates them in Python, in the same process.

    python -m bench.sweep --backend sqlite [--profile first.prof]

The first sweep of the day decides and writes (notices, escalations, ledger events); the second decides the
same things, finds them already made, and writes nothing: it is the like-for-like comparison with the scan.
The first sweep's own floor is the scan plus a bare write of the rows it wrote: read back afterwards, then
inserted into empty copies of their tables (a database of their own, migrated like the real one) with
executemany, one transaction per plan, through the same driver, the ledger's bodies chained and hashed
afresh with the ledger's own header and hash.
Peak memory is the process's maximum resident set after the sweeps (the data set is built by a child
process, so it does not count).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from bench.common import drop_schemas, fresh_database, peak_rss_mb, timed
from config.policy import Policy, load_policy
from models.audit import AuditEvent
from models.columns import key_of
from models.db import make_engine, read_session, unit_of_work
from models.escalations import Escalation
from models.ledger.chain import format_at, header
from models.outbox import Notice
from models.plan import Action, Plan, Update
from models.plans.importer import import_plan
from models.plans.lookup import plans_named
from models.plans.spec import ActionSpec, AreaSpec, MilestoneSpec, PersonSpec, PlanSpec
from models.sweep import run as sweep
from models.sweep.forecasts import ForecastWindow, window_for
from models.sweep.run import calendar_for, sweep_plans
from models.vocab import RAG, Status

AS_OF = date(2017, 11, 15)


def plan_spec(index: int, actions: int, milestones: int) -> PlanSpec:
    people = [
        PersonSpec(
            f"p{index}-{i}@example.org", f"Person {i}", manager_email=f"p{index}-0@example.org" if i else None
        )
        for i in range(25)
    ]
    start = date(2017, 9, 4)
    return PlanSpec(
        name=f"Plan {index:03d}",
        people=tuple(people),
        areas=tuple(AreaSpec(f"A{i}", f"Area {i}", lead_email=people[i].email) for i in range(10)),
        actions=tuple(
            ActionSpec(
                f"ACT-{i:04d}",
                f"Action {i}",
                f"A{i % 10}",
                people[i % 25].email,
                start + timedelta(days=(i * 7) % 200),
                start=start,
                status=[Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.COMPLETE][i % 4],
                rag=[None, RAG.GREEN, RAG.AMBER, RAG.RED][i % 4],
                percent=(i * 13) % 100,
                last_update=start + timedelta(days=(i * 3) % 60),
            )
            for i in range(actions)
        ),
        milestones=tuple(
            MilestoneSpec(
                f"MS-{i:03d}",
                f"Milestone {i}",
                start + timedelta(days=30 + (i * 11) % 150),
                people[i % 25].email,
                (f"ACT-{i:04d}", f"ACT-{(i * 5) % actions:04d}"),
            )
            for i in range(milestones)
        ),
    )


def progress_updates(session: Session, plan_name: str) -> list[dict[str, Any]]:
    """Percent updates, as owners report them, for two open actions in three: 2 to 6 each, spread from a week
    after the start to the action's last update, climbing (a point or two either way) to its percent. What
    the forecast_late rule reads (issue 20); the other third have only the workbook's percent."""
    A, P = Action.__table__.c, Plan.__table__.c  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(A.id, A.plan_id, A.owner_id, A.start, A.last_update_on, A.percent)
        .where(P.name == plan_name, A.plan_id == P.id, A.status.in_(["not started", "in progress"]))
        .order_by(A.id)
    ).all()
    out = []
    for i, (action_id, plan_id, owner, start, last, percent) in enumerate(rows):
        if i % 3 == 0 or not percent or start is None or last is None or (last - start).days < 14:
            continue
        n = 2 + i % 5
        step = max(1, ((last - start).days - 7) // n)
        for k in range(n):
            day = last - timedelta(days=step * (n - 1 - k))
            share = percent * (k + 1) // n
            noise = 0 if k == n - 1 else (i + k) % 5 - 2
            out.append(
                {
                    "plan_id": plan_id,
                    "action_id": action_id,
                    "author_id": owner,
                    "at": datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=9),
                    "percent": min(percent, max(0, share + noise)),
                }
            )
    return out


def setup(url: str, plans: int, actions: int, milestones: int) -> None:
    engine = make_engine(url)
    for index in range(plans):
        with unit_of_work(engine) as session:
            spec = plan_spec(index, actions // plans, milestones // plans)
            import_plan(session, spec, actor="bench")
            session.flush()
            updates = progress_updates(session, spec.name)
            if updates:  # an insert of no rows is an error, and a small plan may have none to report
                session.execute(sa.insert(Update.__table__), updates)  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        # Fresh statistics after the bulk load, as autovacuum would gather them within minutes: measured
        # straight after it, the planner took 50 plans' 18,750 actions for 34 rows and scanned whole tables.
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()


class Windows(NamedTuple):
    """What the sweep reads by date, worked out as it works them out, so the scan reads the same rows."""

    decided_since: datetime  # the keys of the notices owed since then (what it already decided)
    forecast: ForecastWindow | None  # forecast_late: the actions due up to a day and its warnings since one


def windows(engine: sa.Engine, policy: Policy, as_of: date) -> Windows:
    with read_session(engine) as session:
        plans = plans_named(session, None)
    rules, forecasting = [], []
    for plan in plans:
        plan_policy = policy.for_plan(plan.name)
        calendar = calendar_for(plan, plan_policy)
        rules.append((plan_policy, calendar))
        forecasting.append((key_of(plan), plan.name, plan.timezone, plan_policy, calendar))
    return Windows(sweep.decided_since(rules, as_of), window_for(as_of, forecasting))


def bare_scan(engine: sa.Engine, within: Windows) -> int:
    """The same columns the sweep reads, iterated in Python: the floor for reading them at all. That is
    the open items, their dependencies and people, and also the ladder's open escalations and the keys of
    the recent notices, which the sweep reads to know what it already decided, and (since issue 20) the
    percent updates of the open actions due within the forecast_late window and that rule's own notices."""
    n = 0
    with engine.connect() as conn:
        for row in conn.execute(
            sa.text("SELECT dedupe_key FROM notice WHERE not_before >= :since"),
            {"since": within.decided_since},
        ):
            n += len(row)
        if within.forecast is not None:
            as_of, plans = within.forecast
            first = min(told_from for *_, told_from, _ in plans.values())
            last = max(due_by for *_, due_by in plans.values())
            for row in conn.execute(
                sa.text(
                    'SELECT a.plan_id, a.ref, a.current_due, u.at, u.percent FROM "update" u '
                    "JOIN action a ON a.id = u.action_id WHERE a.status IN ('not started', 'in progress') "
                    "AND a.current_due >= :as_of AND a.current_due <= :last AND u.percent IS NOT NULL "
                    "ORDER BY u.at, u.id"
                ),
                {"as_of": as_of, "last": last},
            ):
                n += len(row)
            for row in conn.execute(
                sa.text(
                    "SELECT plan, dedupe_key, coalesce(due_at, not_before) FROM notice "
                    "WHERE kind = 'ForecastLateWarned' AND not_before >= :since"
                ),
                {"since": datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=UTC)},
            ):
                n += len(row)
        for query in (
            "SELECT ref, title, owner_id, current_due, status, area_id, original_due, rebaseline_count, rag, "
            "percent, last_update_on, start, consecutive_reds, exempt FROM action "
            "WHERE status IN ('not started', 'in progress')",
            "SELECT id, ref, title, owner_id, due, status, last_update_on FROM milestone "
            "WHERE status IN ('not started', 'in progress')",
            "SELECT milestone_id, action_id FROM milestonedependency",
            "SELECT id, email, name, manager_id, deputy_id, away_from, away_to, teams_url FROM person",
            "SELECT plan_id, item_ref, level, due, since FROM escalation WHERE closed_on IS NULL",
        ):
            for row in conn.exec_driver_sql(query):
                n += len(row)
    return n


# --- the first sweep's floor: the same rows, written bare ---------------------------------------------

NOTICE_COLUMNS = (
    "dedupe_key", "plan", "recipient", "on_behalf_of", "channel", "kind", "item_refs", "payload",
    "not_before", "urgency",
)  # fmt: skip
ESCALATION_COLUMNS = ("plan_id", "item_kind", "item_ref", "due", "level", "rule", "reason", "since")
# Written by the sweep's first run, read back: a plan's notices, escalations and ledger events (kind, actor,
# plan, ref and the data line of the body, which the floor chains and hashes afresh).
PlanRows = tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, str, str, str | None, str]]]
Marks = tuple[int, int, int]
_NOTICE = Notice.__table__  # type: ignore[attr-defined]
_ESCALATION = Escalation.__table__  # type: ignore[attr-defined]
_LEDGER = AuditEvent.__table__  # type: ignore[attr-defined]
_PLAN = Plan.__table__  # type: ignore[attr-defined]


def marks(engine: sa.Engine) -> Marks:
    """The last notice, escalation and ledger event before the first sweep: what it writes comes after."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.max(_NOTICE.c.id), 0),
                sa.select(sa.func.coalesce(sa.func.max(_ESCALATION.c.id), 0)).scalar_subquery(),
                sa.select(sa.func.coalesce(sa.func.max(_LEDGER.c.seq), 0)).scalar_subquery(),
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def written_after(engine: sa.Engine, before: Marks) -> dict[str, PlanRows]:
    """What the first sweep wrote, by plan, in the order it was written."""
    out: dict[str, PlanRows] = {}
    with engine.connect() as conn:
        names: dict[int, str] = {i: n for i, n in conn.execute(sa.select(_PLAN.c.id, _PLAN.c.name))}
        for name in names.values():
            out[name] = ([], [], [])
        notices = sa.select(*(_NOTICE.c[c] for c in NOTICE_COLUMNS)).where(_NOTICE.c.id > before[0])
        for row in conn.execute(notices.order_by(_NOTICE.c.id)).mappings():
            out[row["plan"]][0].append(dict(row))
        escalations = sa.select(*(_ESCALATION.c[c] for c in ESCALATION_COLUMNS))
        query = escalations.where(_ESCALATION.c.id > before[1]).order_by(_ESCALATION.c.id)
        for row in conn.execute(query).mappings():
            out[names[row["plan_id"]]][1].append(dict(row))
        ledger = sa.select(_LEDGER.c.kind, _LEDGER.c.actor, _LEDGER.c.plan, _LEDGER.c.ref, _LEDGER.c.body)
        for kind, actor, plan, ref, body in conn.execute(
            ledger.where(_LEDGER.c.seq > before[2]).order_by(_LEDGER.c.seq)
        ):
            data = bytes(body).partition(b"\n")[2].decode("utf-8")
            out[plan][2].append((kind, actor, plan, ref, "\n" + data))
    return {name: rows for name, rows in out.items() if any(rows)}


def floor_database(backend: str, workdir: Path, source: sa.Engine) -> sa.Engine:
    """Empty copies of the tables the sweep writes, in a database of their own with the same schema, indexes
    and triggers (the ledger is append-only, so each write gets a new one); the plans are copied in
    (untimed) for the escalations' foreign key."""
    engine = fresh_database(backend, workdir, "sweep_floor")
    with source.connect() as conn:
        plans = [dict(row) for row in conn.execute(sa.select(_PLAN)).mappings()]
    with engine.begin() as conn:
        conn.execute(_PLAN.insert(), plans)
    return engine


def bare_write(engine: sa.Engine, written: dict[str, PlanRows]) -> int:
    """The rows the first sweep wrote, inserted with executemany in one transaction per plan, the ledger's
    events chained and hashed as they go in (the same header and SHA-256 as `models.ledger.chain`)."""
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    with engine.connect() as conn:  # the migration's own event: the copy's ledger chains on from it
        seq, prev = conn.execute(
            sa.select(_LEDGER.c.seq, _LEDGER.c.hash).order_by(_LEDGER.c.seq.desc())
        ).one()
    stamp = format_at(datetime.now(UTC))
    n = 0
    for notices, escalations, events in written.values():
        with writer.begin() as conn:
            if notices:
                conn.execute(_NOTICE.insert(), notices)
            if escalations:
                conn.execute(_ESCALATION.insert(), escalations)
            rows = []
            for kind, actor, plan, ref, data in events:
                seq += 1
                body = (header(seq, stamp, actor, kind, plan, ref, prev) + data).encode("utf-8")
                digest = hashlib.sha256(body).hexdigest()
                rows.append(
                    {"seq": seq, "at": stamp, "actor": actor, "kind": kind, "plan": plan, "ref": ref,
                     "prev_hash": prev, "hash": digest, "body": body}
                )  # fmt: skip
                prev = digest
            if rows:
                conn.execute(_LEDGER.insert(), rows)
        n += len(notices) + len(escalations) + len(rows)
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--milestones", type=int, default=20_000)
    parser.add_argument("--setup-only", metavar="URL")
    parser.add_argument("--profile", metavar="FILE", help="profile the first sweep (cProfile) into FILE")
    parser.add_argument(
        "--no-forecast-late",
        action="store_true",
        help="sweep with the forecast_late rule off (the scan reads nothing for it): what the rule costs",
    )
    args = parser.parse_args()
    if args.setup_only:
        setup(args.setup_only, args.plans, args.actions, args.milestones)
        return
    with tempfile.TemporaryDirectory() as tmp:
        engine = fresh_database(args.backend, Path(tmp), "sweep")
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        setup_seconds, _ = timed(
            lambda: subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.sweep",
                    "--setup-only",
                    url,
                    "--plans",
                    str(args.plans),
                    "--actions",
                    str(args.actions),
                    "--milestones",
                    str(args.milestones),
                ],
                check=True,
            )
        )
        engine = make_engine(url)
        policy = load_policy()
        if args.no_forecast_late:
            off = policy.forecast_late.model_copy(update={"enabled": False})
            policy = policy.model_copy(update={"forecast_late": off})
        before = marks(engine)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        first_seconds, first = timed(lambda: sweep_plans(engine, policy, AS_OF))
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        within = windows(engine, policy, AS_OF)
        # Scan, second sweep and dry run take turns, three times each, and each keeps its best: the machine's
        # noise then falls on all three alike (the dry run was timed once, after the others, until
        # 2026-12-07: on a busy machine it then read up to 1.6 times the second sweep it matches).
        scans, seconds, dry_runs = [], [], []
        for _ in range(3):
            scans.append(timed(lambda: bare_scan(engine, within)))
            seconds.append(timed(lambda: sweep_plans(engine, policy, AS_OF)))
            dry_runs.append(timed(lambda: sweep_plans(engine, policy, AS_OF, dry_run=True)))
        scan_seconds, cells = min(scans, key=lambda r: r[0])
        second_seconds, second = min(seconds, key=lambda r: r[0])
        third_seconds, _ = min(dry_runs, key=lambda r: r[0])
        assert sum(o.queued for o in second) == 0
        queued = sum(o.queued for o in first)
        notices = sum(o.notices for o in first)
        items = sum(o.items for o in first)
        rss = peak_rss_mb()  # the sweeps' peak: the floor's read-back below holds every row at once
        written = written_after(engine, before)
        writes = []
        for _ in range(3):  # best of three, as the scan
            floor = floor_database(args.backend, Path(tmp), engine)
            writes.append(timed(lambda: bare_write(floor, written)))  # noqa: B023 (called at once)
            floor.dispose()
        write_seconds, rows = min(writes, key=lambda r: r[0])
        engine.dispose()
        if args.backend == "postgresql":
            drop_schemas("sweep", "sweep_floor")
    print(
        f"backend={args.backend} plans={args.plans} actions={args.actions:,} milestones={args.milestones:,} "
        f"(set up in {setup_seconds:.0f} s; {items:,} open items on {AS_OF})"
    )
    print(f"bare scan             {scan_seconds:7.2f} s  ({cells:,} values)")
    floor_seconds = scan_seconds + write_seconds
    print(
        f"floor (scan + write)  {floor_seconds:7.2f} s  (bare write {write_seconds:.2f} s: {rows:,} rows, "
        f"one transaction per plan)"
    )
    print(
        f"first sweep           {first_seconds:7.2f} s  = {first_seconds / scan_seconds:.2f}x scan  "
        f"= {first_seconds / floor_seconds:.2f}x floor  ({queued:,} decisions, {notices:,} notices written)"
    )
    ratio = second_seconds / scan_seconds
    print(f"second sweep          {second_seconds:7.2f} s  = {ratio:.2f}x  (nothing new)")
    print(f"dry run               {third_seconds:7.2f} s  = {third_seconds / scan_seconds:.2f}x")
    print(f"peak memory           {rss:7.0f} MB")
    if args.profile:
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
