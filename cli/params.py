"""Parameter types shared by the commands: database ids and actors, checked while the command line is read,
so a value the database could not hold is a usage error (exit 2) before anything is opened.
"""

from __future__ import annotations

from typing import Any

import typer

from models.errors import InvalidValue
from models.text_rules import email_address, name, token

# Ids are INTEGER columns: 32 bits on PostgreSQL. A larger number is no id at all ("integer out of range"
# from the database, an OverflowError from SQLite's driver past 64 bits).
MAX_ID = 2**31 - 1
ACTOR_LENGTH = 320  # audit_event.actor


def record_id(help: str) -> Any:
    """A required positional id (a pack's, a notice's): a whole number from 1 to MAX_ID."""
    return typer.Argument(..., min=1, max=MAX_ID, help=help)


def checked_actor(value: str) -> str:
    """`--by`: who did it, as the ledger records it: an email address, or a name such as `system:operator`.
    Never blank, never a hidden character or a new line (the ledger's header is one line)."""
    try:
        token(value, "--by", "a name or email address")
        if "@" in value:
            return email_address(value, "--by")
        actor = name(value, "--by")
    except InvalidValue as exc:
        raise typer.BadParameter(str(exc)) from None
    if len(actor) > ACTOR_LENGTH:
        raise typer.BadParameter(f"at most {ACTOR_LENGTH} characters (found {len(actor)})")
    return actor


def actor_option(default: str, help: str) -> Any:
    return typer.Option(default, "--by", help=help, callback=checked_actor)
