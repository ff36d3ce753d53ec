"""How many requests a web process works on at once: no more than its engine keeps database connections, so a
burst waits for a thread instead of opening PostgreSQL sessions that are closed again on their return (each
costs PostgreSQL more to start than a page costs to serve; bench/README.md, the owner's update page)."""

from __future__ import annotations

import threading
import time

import anyio.to_thread
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.db import POOL_SIZE, make_engine
from tests.conftest import POSTGRES_URL
from tests.factories import OWNER, load_small_plan
from tests.web_helpers import client, item_path


@pytest.fixture
def plan_engine(engine: Engine) -> Engine:
    load_small_plan(engine)
    return engine


def test_a_web_process_works_on_no_more_requests_than_its_pool_has(plan_engine: Engine, db_url: str) -> None:
    with client(db_url) as web:  # as uvicorn runs it: with the application's lifespan
        assert web.portal is not None
        limit = web.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
        assert limit == POOL_SIZE
        path = item_path(plan_engine, OWNER, "ACT-1")
        answers: list[int] = []

        def get() -> None:
            answers.append(web.get(path).status_code)

        threads = [threading.Thread(target=get) for _ in range(POOL_SIZE * 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answers == [200] * POOL_SIZE * 2  # the ones beyond the limit waited, and were answered


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only: SQLite connections are files, cheap to open")
def test_postgresql_connections_are_kept_not_reopened_under_a_burst(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        assert engine.pool.size() == POOL_SIZE  # type: ignore[attr-defined]
        opened: list[object] = []
        sa.event.listen(engine, "connect", lambda conn, record: opened.append(conn))
        barrier = threading.Barrier(POOL_SIZE)

        def work() -> None:
            with engine.connect() as conn:
                barrier.wait(timeout=30)  # all POOL_SIZE at once
                conn.exec_driver_sql("SELECT 1")
                time.sleep(0.01)

        for _ in range(3):
            threads = [threading.Thread(target=work) for _ in range(POOL_SIZE)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert len(opened) == POOL_SIZE  # opened once, for the first burst, and kept for the next two
    finally:
        engine.dispose()
