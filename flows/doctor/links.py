"""The doctor's check of the links in owners' messages: a secret key of our own to sign them, long enough, and
an address that does not send them in clear. The key itself is never printed, nor its length."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from config.settings import Settings
from flows.doctor.check import Check, State
from models.links.tokens import DEMO_KEY_PREFIX, MIN_KEY_LENGTH

MAKE_KEY = (
    "set LINEOFSIGHT_SECRET_KEY to a random value of your own: "
    'python -c "import secrets; print(secrets.token_urlsafe(48))"'
)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def is_demo_database(database_url: str) -> bool:
    """A SQLite file in a folder `lineofsight demo` made (it holds the demo's marker file)."""
    from flows.demo import MARKER  # only asked when the key is the demo's: the demo's module is heavy

    try:
        url = make_url(database_url)
    except ArgumentError:
        return False
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return (Path(str(url.database)).resolve().parent / MARKER).is_file()


def links(settings: Settings) -> Check:
    key = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    if not key:
        return Check(
            "links",
            State.FAIL,
            "LINEOFSIGHT_SECRET_KEY is not set: owners' messages go without update links",
            MAKE_KEY,
        )
    if len(key) < MIN_KEY_LENGTH:
        return Check(
            "links",
            State.FAIL,
            f"LINEOFSIGHT_SECRET_KEY is shorter than {MIN_KEY_LENGTH} characters: links could be forged",
            MAKE_KEY,
        )
    if key.startswith(DEMO_KEY_PREFIX) and not is_demo_database(settings.database_url):
        return Check(
            "links",
            State.FAIL,
            "LINEOFSIGHT_SECRET_KEY is the demo's key (it starts with "
            f"{DEMO_KEY_PREFIX!r}), but this database is not the demo's: whoever has the demo folder could "
            "sign links",
            MAKE_KEY,
        )
    address = urlsplit(settings.base_url)
    if address.scheme == "http" and address.hostname not in LOCAL_HOSTS:
        return Check(
            "links",
            State.WARN,
            f"LINEOFSIGHT_BASE_URL is {settings.base_url}: links travel in clear, and anyone on the way "
            "could update an owner's items with them",
            "serve `lineofsight web` behind a reverse proxy with TLS and set LINEOFSIGHT_BASE_URL to its "
            "https:// address (docs/operations.md)",
        )
    return Check(
        "links",
        State.OK,
        f"links are signed, open {settings.base_url} and work for {settings.link_days} days",
    )
