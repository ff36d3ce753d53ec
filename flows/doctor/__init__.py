"""`lineofsight doctor`: is this installation ready to run? Each check says ok, or what is wrong and the fix.

Checks talk to the real things (the database, the SMTP server, the Prefect API) but change nothing and send
nothing. Secrets never appear in what they print: the SMTP URL is shown without its password and Teams URLs
not at all.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from config.settings import Settings
from models.db import SCHEMA_HEAD, current_revision, make_engine, safe_url
from models.errors import ConfigurationError, LineOfSightError
from models.vocab import plural


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
                checks += [
                    _ledger(engine),
                    _ledger_role(engine),
                    _outbox(engine),
                    _teams_urls(engine),
                    _sweeps(engine),
                ]
        finally:
            engine.dispose()
    checks += [
        _policy(settings),
        _folders(settings),
        _smtp(settings),
        _prefect(prefect_api or _prefect_setting),
    ]
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
    from models.ledger.verification import verify_database

    def check() -> Check:
        verdict = verify_database(engine)
        if verdict.problem is not None:
            return Check(
                "ledger",
                State.FAIL,
                f"the chain breaks at {verdict.problem}",
                "run `lineofsight audit verify`, find who changed the database, restore from a backup",
            )
        return Check("ledger", State.OK, f"verified, {plural(verdict.count, 'event')}, head {verdict.head}")

    return _guard("ledger", "run `lineofsight audit verify`", check)


# Who the service connects as (the login and the role it is set to), and what of that role could get round
# the ledger's triggers: a superuser can `SET session_replication_role = replica` (triggers off), a member of
# the table's owner can disable or drop them; replication roles are kept for bulk copies, never for the app.
ROLE_POWERS_SQL = """
SELECT r.rolname, r.rolsuper, r.rolreplication,
       pg_has_role(r.oid, c.relowner, 'MEMBER'),
       current_setting('server_version_num')::int >= 150000
           AND has_parameter_privilege(r.oid, 'session_replication_role', 'SET')
FROM pg_roles r, pg_class c
WHERE r.rolname IN (current_user, session_user) AND c.oid = to_regclass('audit_event')
ORDER BY r.rolname
"""
POWERS = ("is a superuser", "has REPLICATION", "owns audit_event", "may set session_replication_role")


def _ledger_role(engine: Engine) -> Check:
    """Warns when the service's database role could edit the ledger past its triggers (`audit verify`
    would still find the edit, but the database would not have refused it)."""

    def check() -> Check:
        if engine.dialect.name != "postgresql":
            return Check(
                "ledger role",
                State.OK,
                "SQLite: the triggers refuse edits and broken links from the service; whoever can write "
                "the file can drop them, and `audit verify` finds what they change",
            )
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(ROLE_POWERS_SQL).all()
        found = [
            f"{role} {power}" for role, *flags in rows for power, on in zip(POWERS, flags, strict=True) if on
        ]
        if found:
            return Check(
                "ledger role",
                State.WARN,
                f"the service connects as a role that can bypass the ledger's triggers ({'; '.join(found)}): "
                "it could edit the ledger, and only `audit verify` would tell",
                "run docs/postgres-app-role.sql as the schema's owner and set LINEOFSIGHT_DATABASE_URL to "
                "the lineofsight_app role it creates",
            )
        names = ", ".join(sorted({row[0] for row in rows}))
        return Check("ledger role", State.OK, f"{names} cannot bypass the ledger's triggers")

    return _guard("ledger role", "check the service's PostgreSQL role", check)


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
                f"{plural(stuck, 'message')} stuck in sending for more than {LEASE.seconds // 60} minutes"
                + (f", {dead} could not be delivered" if dead else ""),
                "run `lineofsight dispatch` (or check the dispatch flow's runs); a message that keeps "
                "stopping its dispatcher is set aside as dead after three tries",
            )
        if dead:
            return Check(
                "outbox",
                State.FAIL,
                f"{plural(dead, 'message')} could not be delivered",
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
                f"{plural(len(bad), 'Teams URL')} {'is' if len(bad) == 1 else 'are'} not Power Automate "
                f"Workflows URLs: {', '.join(bad[:5])}",
                "copy the URL again from the Workflows app in Teams ('Post to a channel when a webhook "
                "request is received') into the People or Boards sheet, and re-import",
            )
        return Check("teams", State.OK, f"{plural(len(urls), 'Workflows URL')}, all well formed")

    return _guard("teams", "check the teams_url column of the People and Boards sheets", check)


def _sweeps(engine: Engine) -> Check:
    from models.sweep.failures import failing_plans

    def check() -> Check:
        with engine.connect() as connection:
            failing = list(failing_plans(connection).values())
        if not failing:
            return Check("sweep", State.OK, "no plan's latest sweep failed")
        lines = [
            f"sweep failing for plan {f.plan} since {f.since} "
            f"({f.runs} failed run{'s' * (f.runs != 1)}, the latest: {f.last})"
            for f in failing
        ]
        return Check(
            "sweep",
            State.FAIL,
            "; ".join(lines),
            "run `lineofsight sweep --plan NAME --dry-run` to see the error, correct the plan's data (or "
            "report it); the first sweep of the plan that succeeds clears this",
        )

    return _guard("sweep", "run `lineofsight audit log --kind SweepFailed`", check)


def folder_problems(settings: Settings) -> list[str]:
    """What stops the service writing where the settings say (`doctor` reports it; `serve` refuses to start
    rather than fail at the first pack or message): a file in the way, or no permission."""
    wanted = [("LINEOFSIGHT_PACKS_DIR", settings.packs_dir)]
    if settings.smtp_url is None:  # with an SMTP server no message is written to the outbox folder
        wanted.insert(0, ("LINEOFSIGHT_OUTBOX_DIR", settings.outbox_dir))
    return [f"{setting}={path}: {why}" for setting, path in wanted if (why := _unwritable(path))]


def _folders(settings: Settings) -> Check:
    fix = "point the setting at a folder this user can write in"

    def check() -> Check:
        problems = folder_problems(settings)
        if problems:
            return Check("folders", State.FAIL, "; ".join(problems), fix)
        return Check("folders", State.OK, "the outbox and packs folders can be written")

    return _guard("folders", fix, check)


def _unwritable(path: Path) -> str | None:
    """Why nothing can be written under `path` (None when it can): a file in the way, or no permission."""
    existing = path.resolve()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"this user may not write in {existing}"
    return None


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
