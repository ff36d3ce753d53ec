"""The composition root: builds what the flows and the CLI need from settings, once, on demand.

Nothing is created at import time, and nothing here imports prefect: read-only CLI commands come
through this module and must stay fast. Importing it costs nothing either: settings (pydantic-settings),
the engine's module and the tables are imported when `bootstrap()` first runs, so `lineofsight --help` and
every command's module load without them. Engines live as long as the process: one per database URL,
shared by every command and task that asks, disposed at exit.
"""

from __future__ import annotations

import atexit
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from models.errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from config.policy import Policy
    from config.settings import Settings
    from models.links.tokens import LinkMaker
    from notifications.senders import Senders

# A service meets one database; a test process meets hundreds: the least recently used beyond these are
# disposed (a disposed engine still works: it opens new connections when next asked).
KEPT_ENGINES = 8
_engines: OrderedDict[str, Engine] = OrderedDict()
_engines_lock = threading.Lock()  # Prefect may run tasks in threads
_chosen: ContextVar[Settings | None] = ContextVar("lineofsight_settings", default=None)


@dataclass(frozen=True)
class App:
    settings: Settings
    engine: Engine

    @cached_property
    def policy(self) -> Policy:
        from config.policy import PolicyError, load_policy  # only the commands that decide need it

        try:
            return load_policy(self.settings.policy_file)
        except PolicyError as exc:
            raise ConfigurationError(str(exc)) from None

    @cached_property
    def senders(self) -> Senders:
        """The channel table dispatch sends through: one sender per `Channel`. With no SMTP server
        configured, every channel is written to the outbox folder instead."""
        return self.new_senders()

    def new_senders(self) -> Senders:
        """A channel table of its own, for one send that must not share a connection with another thread's
        (the web face's immediate sign-in message); closed by the `dispatch` that uses it."""
        from models.outbox import Channel

        if self.settings.smtp_url is None:
            from notifications.files import file_senders

            return file_senders(self.settings.outbox_dir)
        from notifications.smtp import SmtpSender, parse_smtp_url
        from notifications.teams import TeamsSender

        return {
            Channel.EMAIL: SmtpSender(parse_smtp_url(self.settings.smtp_url.get_secret_value())),
            Channel.TEAMS: TeamsSender(verify=self.settings.teams_verify_tls),
        }

    def links(self, issued: datetime) -> LinkMaker | None:
        """What writes the signed links of the messages written at `issued`; None with no secret key set
        (messages then go without links, and `doctor` says why)."""
        from models.links.tokens import LinkMaker

        key = self.settings.secret_key
        if key is None or not key.get_secret_value():
            return None
        return LinkMaker(
            base_url=self.settings.base_url,
            key=key.get_secret_value().encode("utf-8"),
            issued=issued,
            days=self.settings.link_days,
        )


def bootstrap(settings: Settings | None = None, *, check_schema: bool = True) -> App:
    """The App for `settings` (default: those chosen by `settings_in_use`, else the environment's), on the
    process's engine for their database."""
    from models.db import ensure_ready

    if settings is None:
        from config.settings import Settings

        settings = _chosen.get() or Settings()
    engine = engine_for(settings.database_url)
    if check_schema:
        ensure_ready(engine)  # every time: a schema moved under a running process is said, not met later
    return App(settings=settings, engine=engine)


def engine_for(url: str) -> Engine:
    """The process's engine for `url`: made on first use, then shared; disposed at exit."""
    from models.db import make_engine

    with _engines_lock:
        engine = _engines.pop(url, None)
        if engine is None:
            engine = make_engine(url)
            if not _engines:
                atexit.unregister(close)  # once, however often the table empties and fills
                atexit.register(close)
        _engines[url] = engine
        while len(_engines) > KEPT_ENGINES:
            _, oldest = _engines.popitem(last=False)
            oldest.dispose()
    return engine


def release(url: str) -> None:
    """Dispose of the engine on `url`, if any: before its database file is replaced (the demo does that)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def close() -> None:
    """Dispose of every engine: at exit, or when a caller is done with the database."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


@contextmanager
def settings_in_use(settings: Settings) -> Iterator[Settings]:
    """Within the block, `bootstrap()` without settings uses these: how the demo points a flow run's tasks
    at its own database without rewriting the environment."""
    token = _chosen.set(settings)
    try:
        yield settings
    finally:
        _chosen.reset(token)
