"""One check of `lineofsight doctor`: its state and what to do about it; `guard` turns an error met while
checking into a failed check, so one broken part never hides the others."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from models.errors import LineOfSightError


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


def guard(name: str, fix: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except LineOfSightError as exc:
        return Check(name, State.FAIL, str(exc), fix)
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        return Check(name, State.FAIL, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}", fix)
