"""Engine, units of work and schema migrations.

Nothing here runs at import time: the composition root builds the engine from settings.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session

from models.audit import AuditEvent
from models.errors import ConfigurationError, DatabaseNotReady


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


SUPPORTED_URLS = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/database"


def database_url(url: str) -> URL:
    """The URL as the engine is built from it: SQLite, or PostgreSQL through psycopg 3 (the driver the
    dispatcher's receipts are written for). `postgresql://` and `postgres://`, as hosting providers hand them
    out, mean psycopg 3; any other database or driver is refused here, by name, with the expected form,
    rather than failing later on a missing module. The password never appears in the message."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            "LINEOFSIGHT_DATABASE_URL is not a database URL (its value is not shown): expected "
            f"{SUPPORTED_URLS}."
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        return parsed
    raise ConfigurationError(
        f"LINEOFSIGHT_DATABASE_URL names {parsed.drivername!r}, which Line of Sight does not use: expected "
        f"{SUPPORTED_URLS}."
    )


# A process keeps this many PostgreSQL connections open. Beyond them the pool opens connections that it closes
# on their return, and a PostgreSQL session costs more to start than a page costs to serve: the web face gives
# each process no more threads than the pool holds (`web.app`), so under load requests queue for a thread
# rather than start sessions (bench/README.md, the owner's update page).
POOL_SIZE = 8
POOL_OVERFLOW = 8  # Prefect's task threads and a burst elsewhere: opened when needed, closed after


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        _sqlite_transactions(engine)
        return engine
    kwargs = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, **kwargs}
    return sa.create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, begin transactions, so writers can take the lock up front
    (`BEGIN IMMEDIATE`) instead of failing later when a read lock cannot be upgraded."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


# --- the guard: no change without its ledger event ------------------------------------------------------


class UnrecordedChange(RuntimeError):
    """A transaction changed the plan without writing its ledger event: a bug, refused at commit."""


class GuardedSession(Session):
    """The session every unit of work uses: it refuses to commit a transaction that changed rows but
    recorded no ledger event, so a change without its event cannot reach the database, whoever forgets.
    (The listeners are registered once, on this class, not on every session.)"""


def guard(session: Session) -> None:
    session.info["guarded"] = True
    session.info["ledger_events"] = 0
    session.info["change_events"] = 0
    session.info["changed"] = False


def events_recorded(session: Session, count: int, changes: int | None = None) -> None:
    """Told by the ledger's `record` that `count` events went in on this session's transaction, `changes`
    of them (all, when not said) of a kind that records a change rather than a read."""
    session.info["ledger_events"] = session.info.get("ledger_events", 0) + count
    session.info["change_events"] = session.info.get("change_events", 0) + (
        count if changes is None else changes
    )


@sa.event.listens_for(GuardedSession, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if not session.info.get("guarded") or session.info["changed"]:
        return
    touched = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    if any(not isinstance(o, AuditEvent) for o in touched):
        session.info["changed"] = True


@sa.event.listens_for(GuardedSession, "do_orm_execute")
def _note_statement(state: Any) -> None:
    session = state.session
    if not session.info.get("guarded") or session.info["changed"]:
        return
    table = getattr(state.statement, "table", None)
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and table is not None and table.name != AuditEvent.__tablename__:
        session.info["changed"] = True


@sa.event.listens_for(GuardedSession, "before_commit")
def _require_event(session: Session) -> None:
    if not session.info.get("guarded"):
        return
    session.flush()
    if session.info["changed"] and not session.info["ledger_events"]:
        raise UnrecordedChange("a change reached commit without its ledger event; nothing was saved")
    # The console keeps what it has read until the ledger records a change (models.reports.read_cache): a
    # change recorded only as a read (a page view, an export) would leave every kept page showing the past.
    if session.info["changed"] and not session.info["change_events"]:
        raise UnrecordedChange("a change reached commit recorded only as a read; nothing was saved")


@contextmanager
def unit_of_work(engine: Engine, *, bookkeeping: bool = False, rollback: bool = False) -> Iterator[Session]:
    """A write transaction: commits when the block ends cleanly, rolls back on any exception.

    Every change must write its ledger event (the guard refuses the commit otherwise). `bookkeeping=True`
    is for the outbox's own lease (claiming notices to send, noting their digest), which changes no plan and
    decides nothing; what the dispatcher then does (sent, failed) is recorded. It must touch the notice
    table only: the console keeps what it reads of everything else until the ledger records a change, and
    reads notices afresh. `rollback=True` runs the work and undoes it
    (a dry run that exercises every check a real run makes)."""
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    with GuardedSession(writer, expire_on_commit=False) as session:
        if not bookkeeping:
            guard(session)
        try:
            yield session
            if rollback:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@contextmanager
def page_session(engine: Engine) -> Iterator[Session]:
    """Reads for one web page, each statement on its own (no BEGIN and ROLLBACK round trips on PostgreSQL):
    a page shows what each read found, and nothing it shows is written back without a transaction of its
    own that checks again."""
    if engine.dialect.name != "postgresql":
        with Session(engine) as session:
            yield session
        return
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with connection, Session(bind=connection) as session:
        yield session


# --- migrations --------------------------------------------------------------------------------------


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    spec = importlib.util.find_spec("migrations")
    if spec is None or spec.origin is None:
        raise DatabaseNotReady("The migrations package is missing from this installation: reinstall it.")
    config = Config()
    config.set_main_option("script_location", str(Path(spec.origin).parent))
    config.attributes["engine"] = engine
    return config


# The newest migration. Commands check it on every start without importing Alembic (a third of a second);
# a test keeps it equal to Alembic's own head.
SCHEMA_HEAD = "0016"


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def reachable(engine: Engine) -> None:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = Path(str(url.database)).parent
        if not folder.is_dir():  # SQLite says only "unable to open database file"
            raise DatabaseNotReady(
                f"Cannot open the database {url.database}: the folder {folder} does not exist (or is a "
                "file). Create the folder, or correct LINEOFSIGHT_DATABASE_URL."
            )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise DatabaseNotReady(
            f"Cannot reach the database at {safe_url(str(engine.url))} ({reason}). "
            "Check LINEOFSIGHT_DATABASE_URL and that the server is running."
        ) from None


def ensure_ready(engine: Engine) -> None:
    """Fail fast, with what to run, when the database is missing, unreachable or behind the code."""
    url = engine.url
    is_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    # Connecting would create an empty SQLite file: say what to run instead.
    if is_file and not Path(str(url.database)).exists():
        raise DatabaseNotReady(
            f"No database at {url.database}: run `lineofsight init` (or `lineofsight demo`)."
        )
    reachable(engine)
    current, head = current_revision(engine), SCHEMA_HEAD
    if current is None:
        raise DatabaseNotReady(
            f"The database at {safe_url(str(url))} is not initialised: run `lineofsight init`."
        )
    if current != head:
        raise DatabaseNotReady(
            f"The database at {safe_url(str(url))} is at schema {current}, this version needs {head}: "
            "run `lineofsight init` to upgrade it."
        )
