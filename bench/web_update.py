"""The owner's update page under load: `lineofsight web`'s application in uvicorn against a bare FastAPI
endpoint that reads the same item row, in the same process layout (uvicorn, `--workers N`, no access log),
on the same database, in the same run; then POSTs of the update form, each one update with its ledger event.

    python -m bench.web_update [--backend postgresql|sqlite] [--workers 2] [--requests 2000]

GET: the two servers take turns `--rounds` times (5) under the same load (a client process keeping
`--concurrency` requests in flight); each side is reported by its best median and its best p99 over its rounds
(the same rule for both: a hiccup of this shared machine in one round is not the page's cost), with the
requests a second and CPU of its round with the best median. POST: the form of
one item posted `--posts` times (each with its own form id and CSRF field) with `--concurrency` in flight;
the rate is posts answered per second, and after the run the Update rows, the ledger's ActionUpdated events
with channel web and the taken forms are counted: each must equal the posts answered `303 See Other`.

The load is spread over many links, as many owners' messages would be (a fresh link every 20 requests): the
web face allows one link 30 requests a minute in each process. The client is a small HTTP/1.1 client of
its own (asyncio, keep-alive), in a process of its own. A connection carries `--per-connection` requests
(20) and is then closed and another opened, as owners' browsers come and go: with 16 connections held for a
whole round, uvicorn's workers took them by lottery at the start (15 and 1 was seen), and the medians
measured the lottery rather than the page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlmodel import Session, col, select

from bench.common import fresh_database
from models.audit import AuditEvent
from models.ledger.chain import decode_data
from models.ledger.kinds import EventKind
from models.links.tokens import LinkMaker, csrf_token
from models.people import Person
from models.plan import Action, Plan, Update
from models.web_links import WebSubmission
from tests.factories import OWNER, load_small_plan

ROOT = Path(__file__).resolve().parent.parent
USES_PER_LINK = 20  # under the web face's 30 requests a minute per link and process
REF = "ACT-1"


def bare_app() -> FastAPI:
    """The baseline (a uvicorn factory): the same engine from the same settings, one read of the item row by
    plan and ref, a few of its fields in a small escaped page. No link, no template, no guard. The same thread
    limit as the web face: the same number of database connections at work in each process."""
    from flows.bootstrap import bootstrap
    from web.app import thread_limit

    engine = bootstrap().engine
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=thread_limit)

    @api.get("/healthz")
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @api.get("/bare/{plan_id}/{ref}")
    def item(plan_id: int, ref: str) -> HTMLResponse:
        with Session(engine) as session:
            found = session.exec(select(Action).where(Action.plan_id == plan_id, Action.ref == ref)).one()
            text = (
                f"{found.ref} {found.title}: due {found.current_due}, {found.status.value}, {found.percent}%"
            )
        return HTMLResponse(f"<!doctype html><title>{escape(found.ref)}</title><p>{escape(text)}</p>")

    return api


# The load generator: run as `python -m bench.web_update client FILE`, it reads the requests from FILE (JSON
# lines: method, url, form or null) and prints what it measured as one JSON object. It speaks HTTP/1.1 itself
# over keep-alive connections, every request's bytes made before the clock starts: a client library (httpx
# took 1.6 to 2 ms of CPU a request) would take from the two cores the servers are measured on.
def _raw(request: dict[str, Any]) -> tuple[str, int, bytes]:
    url = urlsplit(request["url"])
    target = url.path + (f"?{url.query}" if url.query else "")
    body = urlencode(request["form"]).encode() if request.get("form") else b""
    head = f"{request['method']} {target} HTTP/1.1\r\nHost: {url.netloc}\r\n"
    if body:
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
    return url.hostname or "127.0.0.1", url.port or 80, head.encode() + b"\r\n" + body


async def _answer(reader: asyncio.StreamReader) -> int:
    """Reads one response whole; returns its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _load(requests: list[dict[str, Any]], concurrency: int, per_connection: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    raw = [_raw(r) for r in requests]
    queue: asyncio.Queue[tuple[str, int, bytes]] = asyncio.Queue()
    for request in raw:
        queue.put_nowait(request)
    host, port, _ = raw[0]

    async def worker() -> None:
        while not queue.empty():
            reader, writer = await asyncio.open_connection(host, port)
            try:
                for _ in range(per_connection):
                    if queue.empty():
                        break
                    _, _, data = queue.get_nowait()
                    start = time.perf_counter()
                    writer.write(data)
                    status = await _answer(reader)
                    latencies.append(time.perf_counter() - start)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
            finally:
                writer.close()
                await writer.wait_closed()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    return {"latencies": latencies, "statuses": statuses, "seconds": seconds}


def client_main(path: str, concurrency: int, per_connection: int) -> None:
    requests = [json.loads(line) for line in Path(path).read_text().splitlines()]
    print(json.dumps(asyncio.run(_load(requests, concurrency, per_connection))))


def load(
    requests: list[dict[str, Any]], concurrency: int, workdir: Path, per_connection: int = USES_PER_LINK
) -> dict[str, Any]:
    """Runs the load generator in a process of its own, so it never shares an interpreter with a server."""
    path = workdir / "requests.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in requests))
    run = [sys.executable, "-m", "bench.web_update", "client", str(path), "--concurrency", str(concurrency)]
    run += ["--per-connection", str(per_connection)]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


class Server:
    """One uvicorn, as the web face runs: a factory, N workers, no access log, no server header."""

    def __init__(self, factory: str, port: int, workers: int, env: dict[str, str]) -> None:
        self.base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers), "--no-access-log", "--no-server-header"]
        self.process = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{factory} did not answer on {self.base}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def server_url(url: sa.URL, no_wal_wait: bool) -> str:
    """The servers' database URL: the bench's own, or (diagnostic) with commits that do not wait for WAL."""
    if no_wal_wait and url.get_backend_name() == "postgresql":
        url = url.update_query_dict({"options": f"{url.query['options']} -csynchronous_commit=off"})
    return url.render_as_string(hide_password=False)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU time of each process, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def family(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(c) for c in children.read_text().split())] if children.exists() else [pid]


class CpuMeter:
    """CPU spent by the web servers' processes (uvicorn and its workers) while a load ran. Their PostgreSQL
    backends are not counted: the pool opens and closes connections beyond its size under load, and a
    backend that has exited takes its CPU time with it."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers

    def sample(self) -> dict[int, float]:
        return cpu_seconds([p for s in self.servers for p in family(s.process.pid)])

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def measured(
    meter: CpuMeter, requests: list[dict[str, Any]], concurrency: int, workdir: Path, per_connection: int
) -> dict[str, Any]:
    """`load`, with the CPU seconds the servers, their database sessions and the load generator spent."""
    server_before = meter.sample()
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = load(requests, concurrency, workdir, per_connection)
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_after = meter.sample()
    result["cpu"] = {
        "server": meter.spent(server_before, server_after),
        "load generator": (client_after.ru_utime + client_after.ru_stime)
        - (client_before.ru_utime + client_before.ru_stime),
    }
    return result


def cpu_line(result: dict[str, Any], count: int) -> str:
    return ", ".join(f"{what} {seconds / count * 1000:.2f} ms" for what, seconds in result["cpu"].items())


def free_port() -> int:
    from tests.smtp_server import free_port as port

    return port()


def rate_of(result: dict[str, Any], count: int) -> str:
    return f"{count / result['seconds']:.0f} requests/s"


def summary(result: dict[str, Any]) -> tuple[float, float]:
    """Median and p99 latency in milliseconds."""
    latencies = sorted(result["latencies"])
    return statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=100)[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=2000, help="GET requests per round and server")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5, help="GET rounds per server, taken in turn")
    parser.add_argument(
        "--per-connection",
        type=int,
        default=USES_PER_LINK,
        help="requests a keep-alive connection carries before the client opens a new one",
    )
    parser.add_argument(
        "--no-wal-wait",
        action="store_true",
        help="diagnostic only: the servers' PostgreSQL sessions commit without waiting for the WAL flush",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        engine = fresh_database(args.backend, workdir, "web_update")
        load_small_plan(engine)
        with Session(engine) as session:
            plan = session.exec(select(Plan)).one()
            owner = session.exec(select(Person).where(Person.email == OWNER)).one()
        url = server_url(engine.url, args.no_wal_wait)
        key = secrets.token_urlsafe(48)
        ours_port, bare_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEOFSIGHT_")}
        env |= {
            "LINEOFSIGHT_DATABASE_URL": url,
            "LINEOFSIGHT_SECRET_KEY": key,
            "LINEOFSIGHT_BASE_URL": f"http://127.0.0.1:{ours_port}",
        }
        ours = Server("web.app:create_app", ours_port, args.workers, env)
        try:
            bare = Server("bench.web_update:bare_app", bare_port, args.workers, env)
        except BaseException:
            ours.stop()
            raise
        issued = datetime.now(UTC)
        made = 0

        def links(n: int) -> list[str]:
            """n requests' worth of distinct item links (each used USES_PER_LINK times), in turn."""
            nonlocal made
            count = -(-n // USES_PER_LINK)
            tokens = [
                LinkMaker(ours.base, key.encode(), issued - timedelta(seconds=made + i)).item(
                    owner.id,  # type: ignore[arg-type]
                    plan.id,  # type: ignore[arg-type]
                    REF,
                )
                for i in range(count)
            ]
            made += count
            return [tokens[i % count] for i in range(n)]

        def get_ours(n: int) -> list[dict[str, Any]]:
            return [{"method": "GET", "url": u} for u in links(n)]

        def get_bare(n: int) -> list[dict[str, Any]]:
            return [{"method": "GET", "url": f"{bare.base}/bare/{plan.id}/{REF}"}] * n

        try:
            load(get_ours(200), args.concurrency, workdir)  # warm both: imports, pools, templates
            load(get_bare(200), args.concurrency, workdir)
            per = args.per_connection
            rounds: dict[str, list[dict[str, Any]]] = {"bare": [], "ours": []}
            for _ in range(args.rounds):
                for side, server, requests in (("bare", bare, get_bare), ("ours", ours, get_ours)):
                    load_ = requests(args.requests)
                    rounds[side].append(measured(CpuMeter([server]), load_, args.concurrency, workdir, per))
            for side, results in rounds.items():
                for result in results:
                    assert result["statuses"] == {"200": args.requests}, (side, result["statuses"])
            best = {side: min(results, key=summary) for side, results in rounds.items()}
            p99s = {side: min(summary(r)[1] for r in results) for side, results in rounds.items()}
            posts = []
            for i, link in enumerate(links(args.posts)):
                token = link.rsplit("/", 1)[1]
                form = {
                    "csrf": csrf_token(key.encode(), token),
                    "form_id": secrets.token_urlsafe(24),
                    "note": f"Bench update {i}: the audit sample grew by one case.",
                }
                posts.append({"method": "POST", "url": link, "form": form})
            posted = measured(CpuMeter([ours]), posts, args.concurrency, workdir, per)
        finally:
            ours.stop()
            bare.stop()
        answered = posted["statuses"].get("303", 0)
        with Session(engine) as session:
            updates = session.exec(select(sa.func.count()).select_from(Update)).one()
            taken = session.exec(select(sa.func.count()).select_from(WebSubmission)).one()
            events = [
                decode_data(body)
                for body in session.exec(
                    select(col(AuditEvent.body)).where(AuditEvent.kind == EventKind.ACTION_UPDATED)
                )
            ]
        engine.dispose()
    web_events = sum(1 for e in events if e.get("channel") == "web")
    bare_median, our_median = summary(best["bare"])[0], summary(best["ours"])[0]
    bare_p99, our_p99 = p99s["bare"], p99s["ours"]
    print(
        f"backend={args.backend} workers={args.workers} concurrency={args.concurrency}"
        f" per-connection={args.per_connection}{' synchronous_commit=off' if args.no_wal_wait else ''}; "
        f"GET: {args.requests:,} requests a round, {args.rounds} rounds each, best median and best p99"
    )
    print(f"bare endpoint (same row)   median {bare_median:6.2f} ms  p99 {bare_p99:7.2f} ms")
    print(f"  {rate_of(best['bare'], args.requests)}; CPU a request: {cpu_line(best['bare'], args.requests)}")
    print(
        f"update page /u/            median {our_median:6.2f} ms  p99 {our_p99:7.2f} ms  "
        f"= {our_median / bare_median:.2f}x / {our_p99 / bare_p99:.2f}x"
    )
    print(f"  {rate_of(best['ours'], args.requests)}; CPU a request: {cpu_line(best['ours'], args.requests)}")
    rate = answered / posted["seconds"]
    took = posted["seconds"]
    print(f"POST: {args.posts:,} forms in {took:.2f} s = {rate:.0f} updates/s, answers {posted['statuses']}")
    print(f"  CPU per form: {cpu_line(posted, args.posts)}")
    print(f"recorded: {updates} updates, {web_events} ledger events (channel web), {taken} forms taken")
    lost = {updates, web_events, taken} != {answered} or answered != args.posts
    print("none lost" if not lost else "LOST OR DOUBLED: the counts differ")
    if lost:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client = argparse.ArgumentParser()
        client.add_argument("command")
        client.add_argument("path")
        client.add_argument("--concurrency", type=int, default=16)
        client.add_argument("--per-connection", type=int, default=USES_PER_LINK)
        given = client.parse_args()
        client_main(given.path, given.concurrency, given.per_connection)
    else:
        main()
