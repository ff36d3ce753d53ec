"""The composition root: builds what the flows and the CLI need from settings, once, on demand.

Nothing is created at import time, and nothing here imports prefect: read-only CLI commands come
through this module and must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from config.settings import Settings
from models.db import ensure_ready, make_engine
from models.errors import ConfigurationError

if TYPE_CHECKING:
    from config.policy import Policy
    from notifications.transport import Transport


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
    def transport(self) -> Transport:
        from notifications.transport import FileSink

        if self.settings.smtp_url is None:
            return FileSink(self.settings.outbox_dir)  # no transport configured: messages become files
        from notifications.smtp import SmtpTransport, parse_smtp_url
        from notifications.teams import Channels, TeamsTransport

        email = SmtpTransport(parse_smtp_url(self.settings.smtp_url.get_secret_value()))
        return Channels(email, TeamsTransport(verify=self.settings.teams_verify_tls))


def bootstrap(settings: Settings | None = None, *, check_schema: bool = True) -> App:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    if check_schema:
        ensure_ready(engine)
    return App(settings=settings, engine=engine)
