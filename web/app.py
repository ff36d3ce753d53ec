"""The web face's composition: one FastAPI application per process, built from settings by `create_app`
(uvicorn's factory), on the composition root's engine. Pages are server-rendered; no JavaScript is served."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from config.settings import Settings
from flows.bootstrap import App, bootstrap
from models.db import POOL_SIZE

# Pages run in the thread pool, each with one database connection at a time: no more threads than the
# engine keeps connections, so a request beyond them waits for a thread, not for a new PostgreSQL session
# (each costs PostgreSQL more to start than a page costs to serve).
THREADS = POOL_SIZE


@asynccontextmanager
async def thread_limit(api: FastAPI) -> AsyncIterator[None]:
    """The application's lifespan: the limit applies to the event loop that runs it."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    from web import pages, security
    from web.console import calendar, outbox, packs, programme, record, requests, sign_in, viewer

    app = bootstrap(settings)
    # Pages for people, not an API: no schema, no docs.
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=thread_limit)
    api.state.app = app
    security.install(api, app.settings)
    api.include_router(pages.router)
    viewer.install(api)
    api.include_router(sign_in.router)
    for console in (programme, packs, outbox, requests, record, calendar):
        api.include_router(console.router)
    api.mount("/static", StaticFiles(packages=[("web", "static")]), name="static")
    return api


def the_app(api: FastAPI) -> App:
    found: App = api.state.app
    return found
