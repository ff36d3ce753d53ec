"""`lineofsight web`: serve the pages that the links in messages open."""

from __future__ import annotations

import ipaddress

import typer

from models.errors import InvalidValue


def listening_address(value: str) -> str:
    """An address of this machine's interfaces to listen on: an IP address, or `localhost`. A name would
    be looked up at start-up, and a wrong one would fail there, after the checks, with uvicorn's words."""
    text = value.strip()
    if text.casefold() == "localhost":
        return "localhost"
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidValue(
            "--host",
            value,
            "an IP address to listen on: 127.0.0.1 (this machine only, behind a reverse proxy), 0.0.0.0 "
            "(every interface) or :: (every interface, IPv6 too)",
        ) from None


def web(
    host: str = typer.Option(
        "127.0.0.1", help="The IP address to listen on (127.0.0.1: a reverse proxy on this machine forwards)."
    ),
    port: int = typer.Option(8080, min=1, max=65535, help="The port to listen on, 1 to 65535."),
    workers: int = typer.Option(
        1, min=1, max=32, help="Worker processes, 1 to 32 (they share the database, so forms count once)."
    ),
) -> None:
    """Serve the update pages that the "Update" links in emails and Teams cards open, until stopped
    (Ctrl+C or SIGTERM). Needs LINEOFSIGHT_SECRET_KEY, the key the links were signed with;
    LINEOFSIGHT_BASE_URL is the address the links name (this server, or the reverse proxy in front of it)."""
    from config.settings import Settings
    from web.server import serve  # the one import from cli into web (tests/unit/test_import_graph.py)

    serve(Settings(), listening_address(host), port, workers)
