"""`lineofsight web`: serve the pages that the links in messages open."""

from __future__ import annotations

from pkgutil import resolve_name

import typer

# The command line and the web face are two faces that never import each other: this command names the web
# face's server by its import path, as uvicorn names an application, and runs it.
WEB_SERVER = "web.server:serve"


def web(
    host: str = typer.Option("127.0.0.1", help="The address to listen on (a reverse proxy forwards to it)."),
    port: int = typer.Option(8080, min=1, max=65535, help="The port to listen on, 1 to 65535."),
    workers: int = typer.Option(
        1, min=1, max=32, help="Worker processes, 1 to 32 (they share the database, so forms count once)."
    ),
) -> None:
    """Serve the update pages that the "Update" links in emails and Teams cards open, until stopped
    (Ctrl+C or SIGTERM). Needs LINEOFSIGHT_SECRET_KEY, the key the links were signed with;
    LINEOFSIGHT_BASE_URL is the address the links name (this server, or the reverse proxy in front of it)."""
    from config.settings import Settings

    resolve_name(WEB_SERVER)(Settings(), host, port, workers)
