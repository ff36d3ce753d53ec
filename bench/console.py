"""The console under load: the programme page and the register of a 1,000-action plan (bench.pack's plan: 13
areas, 20 milestones, a real sweep's escalations, owners' updates, one pack built for the trend), each against
the bare queries that fetch the same rows, run in the same process; then 50 concurrent readers signed in as
the secretariat, an auditor and a board member against `lineofsight web`'s application in uvicorn with 2
workers.

    python -m bench.console [--backend postgresql|sqlite] [--actions 1000] [--runs 30] [--readers 50]

Part 1 (in process): each page is fetched `--runs` times through the application (FastAPI's test client: the
guard, the read model, the template), and the bare queries (plain SELECTs of the same rows: the plan's actions
with their areas and owners, each action's last update, the open escalations, the milestones, the plan's
packs) `--runs` times on their own; the medians and their ratio are printed (the issue's goal: at most 3x).

The pages keep their computed model until the ledger records a change (models.reports.read_cache), so a
repeated fetch measures the guard, one small query and the template: each page is also timed with that cache
emptied before every fetch ("cold"), the cost a reader pays just after a change.

Part 2 (servers): `--readers` connections each keep one request in flight (programme, register and item pages
in turn, for the three viewers), `--requests` in all; p50/p95/p99 and requests a second (goal: p95 < 300 ms).
With no think time, 50 requests always in flight on 2 cores measure saturation: latency is then 50 / the
throughput (Little's law) whatever a page costs alone. `--think-ms N` makes each reader read its page for N ms
before the next, as people do; both figures are worth reporting.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from bench.common import drop_schemas, fresh_database
from bench.pack import MEETING, PACK_DAY, plan_spec, setup
from bench.web_update import ROOT, Server, _answer, free_port, server_url
from config.policy import load_policy
from models.console.sign_in import COOKIE, session_value
from models.meetings import Board
from models.plan import Plan

SECRETARIAT = "secretariat@example.org"
MEMBER = "owner0@example.org"  # a member of the bench plan's board
AUDITOR = "auditor@example.org"
NOW = datetime(2017, 11, 1, 10, tzinfo=UTC)  # after the pack date, before the meeting


ACTIONS = sa.text(
    "SELECT a.ref, a.title, a.rag, a.status, a.current_due, a.percent, a.exempt, r.code, r.name, p.email, "
    "p.name FROM action a JOIN area r ON r.id = a.area_id JOIN person p ON p.id = a.owner_id "
    "WHERE a.plan_id = :plan"
)
LAST_UPDATES = sa.text('SELECT action_id, max(at) FROM "update" WHERE plan_id = :plan GROUP BY action_id')
LADDER = sa.text(
    "SELECT item_kind, item_ref, level, rule, since FROM escalation "
    "WHERE plan_id = :plan AND closed_on IS NULL"
)
MILESTONES = sa.text("SELECT ref, title, due, status, owner_id FROM milestone WHERE plan_id = :plan")
PACKS = sa.text("SELECT built_for, summary FROM pack WHERE plan_id = :plan")


def bare_programme(session: Session, plan_id: int) -> int:
    """The rows the programme shows, fetched with nothing else: every action with its area and owner, the
    last update of each, the open escalations, the milestones, the packs' counts."""
    return sum(
        len(session.execute(query, {"plan": plan_id}).all())
        for query in (ACTIONS, LAST_UPDATES, LADDER, MILESTONES, PACKS)
    )


def bare_register(session: Session, plan_id: int) -> int:
    """The register's rows: every action with its area and owner, its last update and its ladder level, and
    the milestones (the register lists them after the actions)."""
    return sum(
        len(session.execute(query, {"plan": plan_id}).all())
        for query in (ACTIONS, LAST_UPDATES, LADDER, MILESTONES)
    )


def medians_ms(runs: int, *fns: Any) -> list[float]:
    """Each function's median time, the functions taken in turn within every run, so that whatever else the
    machine does meets all of them alike (the ratios are the figures; the milliseconds move with the load)."""
    for fn in fns:
        fn()  # warm: caches, the first connection, compiled templates
    seconds: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, kept in zip(fns, seconds, strict=True):
            start = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - start)
    return [statistics.median(kept) * 1000 for kept in seconds]


def prepare(engine: sa.Engine, actions: int, packs_dir: Path) -> int:
    """The plan, a sweep, updates, the auditor's role, and one pack built (the trend's point)."""
    from models.console.roles import Role
    from models.db import unit_of_work
    from models.plans.importer import import_plan
    from models.plans.spec import PersonSpec
    from packs.build import build_due_packs

    setup(engine, actions)
    spec = plan_spec(actions)
    auditor = PersonSpec(AUDITOR, "Audra Auditor", console_roles=frozenset({Role.AUDITOR}))
    with unit_of_work(engine) as session:  # the same plan again, with an auditor on its People sheet
        import_plan(session, dataclasses.replace(spec, people=(*spec.people, auditor)), actor="bench")
    build_due_packs(engine, load_policy(), PACK_DAY, packs_dir, actor="bench", now=NOW)
    with Session(engine) as session:
        plan_id = session.exec(select(Plan.id)).one()
        assert plan_id is not None
        assert session.exec(select(Board)).first() is not None and MEETING > PACK_DAY
        return plan_id


async def _readers(
    url: str, requests: list[tuple[str, bytes]], readers: int, think: float = 0.0
) -> dict[str, Any]:
    latencies: list[float] = []
    by_label: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    where = urlsplit(url)

    async def reader() -> None:
        stream, writer = await asyncio.open_connection(where.hostname, where.port)
        try:
            while not queue.empty():
                label, data = queue.get_nowait()
                start = time.perf_counter()
                writer.write(data)
                status = await _answer(stream)
                latencies.append(time.perf_counter() - start)
                by_label.setdefault(label, []).append(latencies[-1])
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if think:
                    await asyncio.sleep(think)
        finally:
            writer.close()
            await writer.wait_closed()

    start = time.perf_counter()
    await asyncio.gather(*(reader() for _ in range(readers)))
    seconds = time.perf_counter() - start
    return {"latencies": latencies, "by_label": by_label, "statuses": statuses, "seconds": seconds}


def client_main(path: str, readers: int, think_ms: float = 0.0) -> None:
    lines = [json.loads(line) for line in Path(path).read_text().splitlines()]
    requests = [(line["label"], line["raw"].encode("latin-1")) for line in lines]
    print(json.dumps(asyncio.run(_readers(lines[0]["url"], requests, readers, think_ms / 1000))))


def raw_get(base: str, path: str, cookie: str, label: str) -> dict[str, str]:
    host = urlsplit(base).netloc
    raw = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {COOKIE}={cookie}\r\n\r\n"
    return {"url": base + path, "raw": raw, "label": label}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think-ms", type=float, default=0.0, help="each reader's pause between requests")
    parser.add_argument("--pages-only", action="store_true", help="part 1 only: no servers, no readers")
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from config.settings import Settings
    from web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        engine = fresh_database(args.backend, workdir, "console")
        plan_id = prepare(engine, args.actions, workdir / "packs")
        key = "bench-console-" + "k" * 40
        url = server_url(engine.url, False)
        settings = Settings(database_url=url, secret_key=key, base_url="http://testserver", packs_dir=workdir)
        app = create_app(settings)
        client = TestClient(app, base_url="http://testserver")
        client.cookies.set(
            COOKIE, session_value(key.encode(), SECRETARIAT, datetime.now(UTC)), path="/console"
        )
        print(f"Console pages, {args.backend}, a plan of {args.actions} actions, median of {args.runs} runs:")
        for name, path, bare in (
            ("programme", f"/console/plans/{plan_id}", bare_programme),
            ("register", f"/console/plans/{plan_id}/register", bare_register),
        ):
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])

            def cold(path: str = path) -> None:
                for kept_as in (
                    "console_read_models",
                    "console_standings",
                    "console_items",
                ):  # as after a change
                    kept = getattr(app.state, kept_as, None)
                    if kept is not None:
                        kept.clear()
                client.get(path)

            def queries(bare: Any = bare) -> None:
                with Session(engine) as session:
                    bare(session, plan_id)

            page, first, floor = medians_ms(args.runs, lambda path=path: client.get(path), cold, queries)
            ratio = page / floor
            print(
                f"  {name:<10} page {page:7.1f} ms   bare queries {floor:6.1f} ms   ratio {ratio:4.2f}x   "
                f"cold {first:7.1f} ms   ratio {first / floor:4.2f}x"
            )
        client.close()
        if args.pages_only:
            engine.dispose()
            if args.backend == "postgresql":
                drop_schemas("console")
            return

        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEOFSIGHT_")}
        env |= {
            "LINEOFSIGHT_DATABASE_URL": url,
            "LINEOFSIGHT_SECRET_KEY": key,
            "LINEOFSIGHT_BASE_URL": f"http://127.0.0.1:{port}",
            "LINEOFSIGHT_PACKS_DIR": str(workdir),
        }
        server = Server("web.app:create_app", port, args.workers, env)
        try:
            issued = datetime.now(UTC)
            cookies = [session_value(key.encode(), who, issued) for who in (SECRETARIAT, AUDITOR, MEMBER)]
            paths = [
                f"/console/plans/{plan_id}",
                f"/console/plans/{plan_id}/register",
                f"/console/plans/{plan_id}/items/ACT-0001",
            ]
            pages, viewers = ("programme", "register", "item"), ("secretariat", "auditor", "member")
            lines = [
                raw_get(
                    server.base,
                    paths[i % 3],
                    cookies[(i // 3) % 3],
                    f"{pages[i % 3]}, {viewers[(i // 3) % 3]}",
                )
                for i in range(args.requests)
            ]
            jobs = workdir / "requests.jsonl"
            jobs.write_text("".join(json.dumps(line) + "\n" for line in lines))
            command = [
                sys.executable,
                "-m",
                "bench.console",
                "client",
                str(jobs),
                "--readers",
                str(args.readers),
                "--think-ms",
                str(args.think_ms),
            ]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout)
        finally:
            server.stop()
        latencies = sorted(result["latencies"])
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"{args.readers} concurrent readers (think {args.think_ms:.0f} ms), {args.workers} workers, "
            f"{len(latencies)} requests: "
            f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, "
            f"p99 {cuts[98] * 1000:.0f} ms, {len(latencies) / result['seconds']:.0f} requests/s, "
            f"statuses {result['statuses']}"
        )
        for label, seconds in sorted(result["by_label"].items()):
            seconds.sort()
            print(
                f"  {label:<24} p50 {statistics.median(seconds) * 1000:5.0f} ms   "
                f"p95 {statistics.quantiles(seconds, n=100)[94] * 1000:5.0f} ms"
            )
        engine.dispose()
        if args.backend == "postgresql":
            drop_schemas("console")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client_parser = argparse.ArgumentParser()
        client_parser.add_argument("command")
        client_parser.add_argument("path")
        client_parser.add_argument("--readers", type=int, default=50)
        client_parser.add_argument("--think-ms", type=float, default=0.0)
        parsed = client_parser.parse_args()
        client_main(parsed.path, parsed.readers, parsed.think_ms)
    else:
        main()
