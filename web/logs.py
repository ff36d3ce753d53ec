"""Log records of the web face, with every link token replaced by its fingerprint.

A link's token is the key to an owner's items for three weeks: a log line holding one (uvicorn's, ours, a
traceback's) would hand it to whoever reads the logs. `redact` keeps the line and names the link by its
`fingerprint` instead (`/u/<link:3f9a...>`), so one link's requests can still be followed through the logs.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from models.links.tokens import fingerprint

# A token in a path (/u/TOKEN, /me/TOKEN, /console/enter/TOKEN, /calendar/TOKEN.ics: not the console's own
# /console/calendar page) or a form or query field (token=TOKEN),
# whole or mangled; and anything shaped like one, wherever it is (a link pasted onto a wrong path, an
# error's message): a claims part, a dot and the 27 characters of the signature. The token's characters
# stop at a separator; `<` is not one of them, so a line already redacted is left as it is.
_IN_PATH = re.compile(r"(/(?:u|me|console/enter)/|(?<!/console)/calendar/)([^/?#&\s\"'<>]+)")
_IN_FIELD = re.compile(r"(\btoken=)([^&;/?#\s\"'<>]+)")
_SHAPED = re.compile(r"()(?<![\w-])([\w-]{8,}\.[\w-]{27})(?![\w-])", re.ASCII)
ACCESS_LOGGER = "lineofsight.web.access"
ERROR_LOGGER = "lineofsight.web"
# Loggers that may see a request's path: uvicorn's own, and ours.
GUARDED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", ERROR_LOGGER, ACCESS_LOGGER)


def _named(match: re.Match[str]) -> str:
    return f"{match.group(1)}<link:{fingerprint(match.group(2))}>"


def redact(text: str) -> str:
    """`text` with every link token in it replaced by `<link:FINGERPRINT>`."""
    if "/u/" in text or "/me/" in text or "/enter/" in text or "/calendar/" in text or "token=" in text:
        text = _IN_FIELD.sub(_named, _IN_PATH.sub(_named, text))
    return _SHAPED.sub(_named, text) if "." in text else text


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactLinks(logging.Filter):
    """Rewrites a record's message, arguments and traceback text before any handler formats it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: _redacted(value) for name, value in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            # Handlers print `exc_text` when it is set: the traceback, formatted once, without the token.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def guard_loggers() -> None:
    """Put the filter on every logger that may see a path (once each): it then applies whichever handlers
    the process has (a test's capture, a service manager's journal), not only those of `log_config`."""
    for name in GUARDED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinks) for f in logger.filters):
            logger.addFilter(RedactLinks())


def log_config() -> dict[str, Any]:
    """The server's logging (uvicorn's `log_config`): our access lines on stdout, everything else on
    stderr, every handler behind the redacting filter, so a record that propagates from a logger without
    the filter is redacted all the same."""
    handler = {"class": "logging.StreamHandler", "filters": ["redact_links"], "formatter": "plain"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_links": {"()": "web.logs.RedactLinks"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"}},
        "handlers": {
            "access": handler | {"stream": "ext://sys.stdout"},
            "default": handler | {"stream": "ext://sys.stderr"},
        },
        # Every other library's warnings and errors, through the same filter (not Python's last resort).
        "root": {"handlers": ["default"], "level": "WARNING"},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},  # ours replaces it
            ERROR_LOGGER: {"handlers": ["default"], "level": "INFO", "propagate": False},
            ACCESS_LOGGER: {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
