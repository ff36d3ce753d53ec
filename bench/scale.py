"""Scale-out benchmark: 200 plans and 100,000 actions on PostgreSQL, swept by 1, 2 and 4 worker processes,
each taking a share of the plans (as Prefect workers running one sweep task per plan would).

    python -m bench.scale [--workers 1 2 4] [--plans 200] [--actions 100000] [--milestones 20000]

Each worker count gets a freshly built data set and sweeps 15 November 2017 (the first sweep of the day: every
decision written, with its notices and ledger events). Reports items swept per second, the speed-up over one
worker, and checks that every worker count queued exactly the same notices, each once, with an intact ledger.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from bench.common import drop_schemas, fresh_database
from bench.sweep import AS_OF
from config.policy import load_policy
from models.db import make_engine
from models.ledger.verification import verify_database
from models.sweep.run import sweep_plans


def sweep_share(url: str, names: list[str], forecast_late: bool = True) -> tuple[int, int]:
    """One worker: its plans, one after another, each in its own sweep (one task per plan in a flow)."""
    engine = make_engine(url)
    policy = load_policy()
    if not forecast_late:
        policy = policy.model_copy(
            update={"forecast_late": policy.forecast_late.model_copy(update={"enabled": False})}
        )
    items = notices = 0
    for name in names:
        [outcome] = sweep_plans(engine, policy, AS_OF, plan_name=name)
        items, notices = items + outcome.items, notices + outcome.notices
    engine.dispose()
    return items, notices


def run(workers: int, args: argparse.Namespace, tmp: Path) -> dict[str, float | int | bool]:
    engine = fresh_database("postgresql", tmp, f"scale{workers}")
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    subprocess.run(
        [
            *(sys.executable, "-m", "bench.sweep", "--setup-only", url),
            *("--plans", str(args.plans), "--actions", str(args.actions)),
            *("--milestones", str(args.milestones)),
        ],
        check=True,
    )
    engine = make_engine(url)
    with engine.connect() as connection:
        names = list(connection.execute(sa.text("SELECT name FROM plan ORDER BY name")).scalars())
    shares = [names[i::workers] for i in range(workers)]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(sweep_share, [url] * workers, shares, [not args.no_forecast_late] * workers))
    seconds = time.perf_counter() - started
    with engine.connect() as connection:
        total, distinct = connection.execute(
            sa.text("SELECT count(*), count(DISTINCT dedupe_key) FROM notice")
        ).one()
        events = connection.execute(sa.text("SELECT count(*) FROM audit_event")).scalar_one()
    intact = verify_database(engine).ok
    engine.dispose()
    drop_schemas(f"scale{workers}")  # a data set of its own for each count, not kept after its count
    items = sum(i for i, _ in results)
    return {
        "workers": workers,
        "seconds": seconds,
        "items": items,
        "per_second": items / seconds,
        "notices": total,
        "duplicates": total - distinct,
        "events": events,
        "intact": intact,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--milestones", type=int, default=20_000)
    parser.add_argument("--no-forecast-late", action="store_true", help="sweep with forecast_late off")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            rows.append(run(workers, args, Path(tmp)))
            row = rows[-1]
            print(
                f"workers={row['workers']}  {row['seconds']:7.1f} s  {row['per_second']:8,.0f} items/s  "
                f"x{row['per_second'] / rows[0]['per_second']:.2f}  notices={row['notices']:,}  "
                f"duplicates={row['duplicates']}  ledger events={row['events']:,}  intact={row['intact']}",
                flush=True,
            )
    same = len({(r["notices"], r["events"]) for r in rows}) == 1
    print(f"every worker count queued the same notices and events: {same}")


if __name__ == "__main__":
    main()
