"""Creating or upgrading the schema, recorded on the ledger like every other change (a `SchemaMigrated`
event), which is why it lives here and not in `models.db`, which the ledger itself stands on."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from models.db import alembic_config, current_revision, reachable, unit_of_work
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind


def migrate(engine: Engine, *, actor: str = "system:init") -> tuple[str | None, str | None]:
    """Create or upgrade the schema to head. Idempotent: a database already at head is left untouched.
    Returns (revision before, revision after); a change of schema is recorded in the ledger."""
    from alembic import command

    reachable(engine)
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    after = current_revision(engine)
    if before != after:
        with unit_of_work(engine) as session:
            record(session, Event(EventKind.SCHEMA_MIGRATED, actor, data={"from": before, "to": after}))
    return before, after
