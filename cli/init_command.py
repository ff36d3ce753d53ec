"""`lineofsight init`: create the database or bring it to the latest schema."""

from __future__ import annotations

from cli.output import console
from flows.bootstrap import bootstrap


def init() -> None:
    """Create the database, or upgrade it to the latest schema. Safe to run again."""
    from models.db import safe_url
    from models.ledger.schema import migrate

    application = bootstrap(check_schema=False)
    before, after = migrate(application.engine)
    where = safe_url(application.settings.database_url)
    if before is None:
        console().print(f"Created the database at {where} (schema {after}).")
    elif before != after:
        console().print(f"Upgraded the database at {where} from schema {before} to {after}.")
    else:
        console().print(f"The database at {where} is already at the latest schema ({after}).")
