"""Keeping secrets out of logs, errors, exports and the ledger.

A Power Automate Workflows URL is a bearer credential (its `sig` parameter lets anyone post), and an SMTP URL
carries a password: neither is ever shown or recorded whole.
"""

from __future__ import annotations

from urllib.parse import urlsplit

STORED = "(stored)"  # what an export writes in place of a secret URL; the import keeps the stored value


def redact_url(url: str | None) -> str | None:
    """Scheme and host only: enough to tell which endpoint, not enough to use it."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(redacted)"
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}/...(redacted)"
