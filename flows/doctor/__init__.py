"""`lineofsight doctor`: is this installation ready to run? Each check says ok, or what is wrong and the fix.

Checks talk to the real things (the database, the SMTP server, the Prefect API) but change nothing and send
nothing. Secrets never appear in what they print: the SMTP URL without its password, Teams URLs and the links'
secret key not at all.
"""

from __future__ import annotations

from collections.abc import Callable

from config.settings import Settings
from flows.doctor import database as db_checks
from flows.doctor import links as link_checks
from flows.doctor import setup as setup_checks
from flows.doctor.check import Check, State
from flows.doctor.setup import folder_problems
from models.db import make_engine
from models.errors import ConfigurationError

__all__ = ["Check", "State", "diagnose", "folder_problems"]


def diagnose(settings: Settings, *, prefect_api: Callable[[], str | None] | None = None) -> list[Check]:
    """Every check, in the order an operator would fix them. `prefect_api` says where the Prefect API is
    (default: Prefect's own setting, read only here because importing prefect is slow)."""
    checks: list[Check] = []
    try:
        engine = make_engine(settings.database_url)
    except ConfigurationError as exc:  # a URL no engine can be built from: the other checks still run
        checks.append(Check("database", State.FAIL, str(exc), "correct LINEOFSIGHT_DATABASE_URL"))
    else:
        try:
            database = db_checks.database(engine, settings)
            checks.append(database)
            if database.state is State.OK:
                checks += [
                    db_checks.ledger(engine),
                    db_checks.ledger_role(engine),
                    db_checks.outbox(engine),
                    db_checks.teams_urls(engine),
                    db_checks.sweeps(engine),
                ]
        finally:
            engine.dispose()
    checks += [
        setup_checks.policy(settings),
        setup_checks.folders(settings),
        setup_checks.smtp(settings),
        link_checks.links(settings),
        setup_checks.prefect(prefect_api or setup_checks.prefect_setting),
    ]
    return checks
