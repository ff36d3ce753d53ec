"""The web face's composition: one FastAPI application per process, built from settings by `create_app`
(uvicorn's factory), on the composition root's engine. Pages are server-rendered; no JavaScript is served."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from config.settings import Settings
from flows.bootstrap import App, bootstrap


def create_app(settings: Settings | None = None) -> FastAPI:
    from web import pages, security

    app = bootstrap(settings)
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)  # pages for people, not an API
    api.state.app = app
    security.install(api, app.settings)
    api.include_router(pages.router)
    api.mount("/static", StaticFiles(packages=[("web", "static")]), name="static")
    return api


def the_app(api: FastAPI) -> App:
    found: App = api.state.app
    return found
