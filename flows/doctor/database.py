"""The doctor's checks of the database: reachable and migrated, the ledger intact and guarded, the outbox
moving, Teams URLs well formed, no plan's sweep failing. They read; they change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from config.settings import Settings
from flows.doctor.check import Check, State, guard
from models.db import SCHEMA_HEAD, current_revision, safe_url
from models.ledger.kinds import EventKind
from models.vocab import plural


def database(engine: Engine, settings: Settings) -> Check:
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

    return guard("database", f"check LINEOFSIGHT_DATABASE_URL ({where}) and that the server runs", check)


def ledger(engine: Engine) -> Check:
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

    return guard("ledger", "run `lineofsight audit verify`", check)


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


def ledger_role(engine: Engine) -> Check:
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

    return guard("ledger role", "check the service's PostgreSQL role", check)


def outbox(engine: Engine) -> Check:
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

    return guard("outbox", "run `lineofsight outbox --status dead`", check)


def teams_urls(engine: Engine) -> Check:
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

    return guard("teams", "check the teams_url column of the People and Boards sheets", check)


def sweeps(engine: Engine) -> Check:
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

    return guard("sweep", f"run `lineofsight audit log --kind {EventKind.SWEEP_FAILED}`", check)
