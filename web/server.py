"""`lineofsight web`'s server: uvicorn running `web.app:create_app` in one or more worker processes.

Checked before anything listens: a secret key to check links with, and a database migrated to this version.
uvicorn's own access log is off (ours, in `web.security`, names links by fingerprint), and every log line
goes through `web.logs.RedactLinks`.
"""

from __future__ import annotations

import logging.config
import signal
from contextlib import suppress
from types import FrameType

from config.settings import Settings
from flows.bootstrap import bootstrap
from models.errors import ConfigurationError
from models.links.tokens import MIN_KEY_LENGTH
from web.logs import ERROR_LOGGER, log_config

APP = "web.app:create_app"  # a factory named by import path: each worker process builds its own app
GRACE_SECONDS = 10  # on SIGTERM or Ctrl+C, requests under way get this long to finish


def check(settings: Settings) -> None:
    """Why the web face cannot start with these settings, raised; nothing when it can."""
    key = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    if not key:
        raise ConfigurationError(
            "LINEOFSIGHT_SECRET_KEY is not set: the web face needs the key that signed the links to check "
            'them. Make one with `python -c "import secrets; print(secrets.token_urlsafe(48))"` and give the '
            "same value to every process that sends messages or serves the web face."
        )
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigurationError(
            f"LINEOFSIGHT_SECRET_KEY is {len(key)} characters long: a link key needs at least "
            f'{MIN_KEY_LENGTH}. Make one with `python -c "import secrets; print(secrets.token_urlsafe(48))"`.'
        )
    bootstrap(settings)  # the database is reachable and migrated, or DatabaseNotReady says what to run


class _Stopped(Exception):
    """SIGTERM or SIGINT, once uvicorn has finished the requests under way: the end of the command."""


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until SIGTERM or Ctrl+C, then return. The workers read their settings from the same
    environment."""
    import uvicorn  # only this command needs it

    check(settings)
    logging.config.dictConfig(log_config())
    log = logging.getLogger(ERROR_LOGGER)
    log.info(
        "Serving the web face on http://%s:%s with %s for links to %s (Ctrl+C stops).",
        host,
        port,
        f"{workers} worker processes" if workers > 1 else "one process",
        settings.base_url,
    )
    # uvicorn shuts down gracefully on these signals, then raises the signal again to the handler it found:
    # this one, so that a stop asked for ends the command with success rather than death by signal.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    with suppress(_Stopped):  # asked to stop, and stopped: success
        uvicorn.run(
            APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=log_config(),
            proxy_headers=True,
            forwarded_allow_ips=settings.trusted_proxies,
            server_header=False,
            timeout_graceful_shutdown=GRACE_SECONDS,
        )
    log.info("Stopped.")
