"""Named errors of the domain. The CLI translates them into one-line messages and exit codes, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime


class LineOfSightError(Exception):
    """Base of every error a user may see. `exit_code` follows the shell's convention: 2 is bad input."""

    exit_code = 1
    details: tuple[str, ...] = ()  # further lines for the user (every problem of a workbook, say)


class BadInput(LineOfSightError):
    exit_code = 2


def shown(value: object) -> str:
    """A value as a message shows it: text quoted (hidden characters escaped, so they can be seen), a date as
    2017-12-11, a number as typed; never a Python repr such as datetime.date(2017, 12, 11)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


class InvalidValue(BadInput):
    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field, self.value, self.expected = field, value, expected
        super().__init__(f"Invalid {field} {shown(value)}: expected {expected}.")


class UnknownItem(BadInput):
    """`suggestions`: the close matches; `known`: every valid value, when there are few enough to list."""

    def __init__(
        self, what: str, key: str, suggestions: Sequence[str] = (), known: Sequence[str] = ()
    ) -> None:
        self.what, self.key, self.suggestions, self.known = what, key, list(suggestions), list(known)
        hint = f" Did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        listed = f" Choose from: {', '.join(self.known)}." if self.known else ""
        super().__init__(f"No {what} {key!r}.{hint}{listed}")


class AmbiguousItem(BadInput):
    def __init__(self, what: str, key: str, plans: Sequence[str]) -> None:
        super().__init__(
            f"{what.capitalize()} {key!r} exists in several plans ({', '.join(plans)}): add --plan NAME."
        )


class ConfigurationError(LineOfSightError):
    """A setting or the policy file cannot be used; the message says which and why."""


class DatabaseNotReady(LineOfSightError):
    """The database is missing, unreachable or not migrated to the latest schema."""
