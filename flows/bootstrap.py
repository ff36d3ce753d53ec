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
    from notifications.senders import Senders


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

    @property
    def transport(self) -> Senders:
        """The older name of `senders`, for the callers written to it."""
        return self.senders


def bootstrap(settings: Settings | None = None, *, check_schema: bool = True) -> App:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    if check_schema:
        ensure_ready(engine)
    return App(settings=settings, engine=engine)
