"""`lineofsight doctor`: is this installation ready to run? Each check says ok, or what is wrong and the fix.

Checks talk to the real things (the database, the SMTP server, the Prefect API) but change nothing and send
nothing. Secrets never appear in what they print: the SMTP URL is shown without its password and Teams URLs
not at all.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from config.settings import Settings
from models.db import SCHEMA_HEAD, current_revision, make_engine, safe_url
from models.errors import ConfigurationError, LineOfSightError


class State(StrEnum):
    OK = "ok"
    WARN = "warn"  # works, but worth knowing (no SMTP server configured, say)
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    name: str
    state: State
    detail: str
    fix: str = ""


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
            database = _database(engine, settings)
            checks.append(database)
            if database.state is State.OK:
                checks += [_ledger(engine), _outbox(engine), _teams_urls(engine)]
        finally:
            engine.dispose()
    checks += [_policy(settings), _smtp(settings), _prefect(prefect_api or _prefect_setting)]
    return checks


def _guard(name: str, fix: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except LineOfSightError as exc:
        return Check(name, State.FAIL, str(exc), fix)
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        return Check(name, State.FAIL, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}", fix)


def _database(engine: Engine, settings: Settings) -> Check:
    where = safe_url(settings.database_url)

    def check() -> Check:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        current = current_revision(engine)
        if current != SCHEMA_HEAD:
            return Check(
                "database",
                State.FAIL,
                f"{where} is at schema {current or 'none'}, this version needs {SCHEMA_HEAD}",
                "run `lineofsight init` (it migrates, keeping the data)",
            )
        return Check("database", State.OK, f"{where}, schema {current}")

    return _guard("database", f"check LINEOFSIGHT_DATABASE_URL ({where}) and that the server runs", check)


def _ledger(engine: Engine) -> Check:
    from models.verification import verify_database

    def check() -> Check:
        verdict = verify_database(engine)
        if verdict.problem is not None:
            return Check(
                "ledger",
                State.FAIL,
                f"the chain breaks at {verdict.problem}",
                "run `lineofsight audit verify`, find who changed the database, restore from a backup",
            )
        return Check("ledger", State.OK, f"verified, {verdict.count:,} events, head {verdict.head}")

    return _guard("ledger", "run `lineofsight audit verify`", check)


def _outbox(engine: Engine) -> Check:
    from models.outbox import Notice, NoticeStatus
    from notifications.dispatch import LEASE

    def check() -> Check:
        table = Notice.__table__  # type: ignore[attr-defined]
        with engine.connect() as connection:
            dead = connection.execute(
                sa.select(sa.func.count()).where(table.c.status == NoticeStatus.DEAD.value)
            ).scalar_one()
            # Still `sending` past the lease: a dispatcher stopped mid-run and nobody has taken them since.
            stuck = connection.execute(
                sa.select(sa.func.count()).where(
                    table.c.status == NoticeStatus.SENDING.value,
                    table.c.claimed_at < datetime.now(UTC) - LEASE,
                )
            ).scalar_one()
        if stuck:
            return Check(
                "outbox",
                State.FAIL,
                f"{stuck} message(s) stuck in sending for more than {LEASE.seconds // 60} minutes"
                + (f", {dead} could not be delivered" if dead else ""),
                "run `lineofsight dispatch` (or check the dispatch flow's runs); a message that keeps "
                "stopping its dispatcher is set aside as dead after three tries",
            )
        if dead:
            return Check(
                "outbox",
                State.FAIL,
                f"{dead} message(s) could not be delivered",
                "see `lineofsight outbox --status dead`, correct the address or transport, then "
                "`lineofsight outbox retry ID`",
            )
        return Check("outbox", State.OK, "no undeliverable messages")

    return _guard("outbox", "run `lineofsight outbox --status dead`", check)


def _teams_urls(engine: Engine) -> Check:
    from models.meetings import Board
    from models.people import Person

    def check() -> Check:
        people, boards = Person.__table__, Board.__table__  # type: ignore[attr-defined]
        with engine.connect() as connection:
            found = [
                *connection.execute(sa.select(people.c.email, people.c.teams_url)),
                *connection.execute(sa.select(boards.c.name, boards.c.teams_url)),
            ]
        urls = [(who, url) for who, url in found if url]
        if not urls:
            return Check("teams", State.OK, "no Teams Workflows URLs stored (email only)")
        from notifications.teams import well_formed

        bad = sorted(who for who, url in urls if not well_formed(url))
        if bad:
            return Check(
                "teams",
                State.FAIL,
                f"{len(bad)} Teams URL(s) are not Power Automate Workflows URLs: {', '.join(bad[:5])}",
                "copy the URL again from the Workflows app in Teams ('Post to a channel when a webhook "
                "request is received') into the People or Boards sheet, and re-import",
            )
        return Check("teams", State.OK, f"{len(urls)} Workflows URL(s), all well formed")

    return _guard("teams", "check the teams_url column of the People and Boards sheets", check)


def _policy(settings: Settings) -> Check:
    from config.policy import PolicyError, load_policy

    where = str(settings.policy_file) if settings.policy_file else "the packaged policy"
    try:
        policy = load_policy(settings.policy_file)
    except PolicyError as exc:
        return Check("policy", State.FAIL, str(exc), f"correct {where} (LINEOFSIGHT_POLICY_FILE)")
    return Check("policy", State.OK, f"{where}, version {policy.version}")


def _smtp(settings: Settings) -> Check:
    if settings.smtp_url is None:
        return Check(
            "smtp",
            State.WARN,
            f"no SMTP server configured: messages are written to {settings.outbox_dir}/ as files",
            "set LINEOFSIGHT_SMTP_URL (smtp+starttls://user:password@host:587) to send them",
        )
    from notifications.smtp import SmtpTransport, parse_smtp_url

    def check() -> Check:
        config = parse_smtp_url(settings.smtp_url.get_secret_value())  # type: ignore[union-attr]
        try:
            code = SmtpTransport(config, timeout=10).greet()
        except smtplib.SMTPAuthenticationError as exc:
            return Check(
                "smtp",
                State.FAIL,
                f"{config.safe} refused the credentials ({exc.smtp_code})",
                "check the user and password in LINEOFSIGHT_SMTP_URL",
            )
        except (smtplib.SMTPException, ssl.SSLError) as exc:
            return Check(
                "smtp", State.FAIL, f"{config.safe}: {type(exc).__name__}", "check the scheme and port"
            )
        signed_in = ", signed in" if config.username else ""
        return Check("smtp", State.OK, f"{config.safe} answered EHLO ({code}){signed_in}; nothing sent")

    return _guard("smtp", "check LINEOFSIGHT_SMTP_URL's host and port, and that the server runs", check)


def _prefect_setting() -> str | None:
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def _prefect(api: Callable[[], str | None]) -> Check:
    url = api()
    if not url:
        return Check(
            "prefect",
            State.WARN,
            "PREFECT_API_URL is not set: flow runs start a temporary Prefect server each time",
            "for `lineofsight serve`, run `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api",
        )
    import httpx

    try:
        answer = httpx.get(f"{url.rstrip('/')}/health", timeout=10)
    except httpx.HTTPError as exc:
        return Check(
            "prefect", State.FAIL, f"{url} did not answer ({type(exc).__name__})", "start the server"
        )
    if answer.status_code != 200:
        return Check(
            "prefect", State.FAIL, f"{url}/health answered HTTP {answer.status_code}", "check the URL"
        )
    return Check("prefect", State.OK, f"{url} is healthy")
