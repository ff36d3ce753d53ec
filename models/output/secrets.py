"""Keeping secrets out of logs, errors, exports and the ledger.

A Power Automate Workflows URL is a bearer credential (its `sig` parameter lets anyone post), and an SMTP URL
carries a password: neither is ever shown or recorded whole, and no part of a URL's user information (user
name or password) is ever shown at all.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

STORED = "(stored)"  # what an export writes in place of a secret URL; the import keeps the stored value
REDACTED = "(redacted)"
# Characters that end or split the user information of a URL unless percent-encoded (RFC 3986).
_DELIMITERS = frozenset("/?#@[]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_IN_TEXT = re.compile(r"\b([a-z][a-z0-9+.-]*)://\S+", re.IGNORECASE)
_SIGNATURE = re.compile(r"\b(sig=)[^&\s\"']+")


def redact_text(text: str) -> str:
    """Free text, such as an exception's message, with every URL in it cut to its scheme and any stray
    Workflows signature removed: a message may quote a URL with a password in it, ambiguous or not."""
    return _SIGNATURE.sub(rf"\1{REDACTED}", _URL_IN_TEXT.sub(rf"\1://{REDACTED}", text))


def ambiguous_userinfo(url: str) -> bool:
    """True when a person reading the URL and a URL parser would split it differently: the text before the
    last `@` (what its author meant as `user:password`) holds `/ ? # @ [ ]` or a stray `%`. urlsplit then
    reads `smtp://alice:2024/Winter!@host` as host `alice`, port 2024: the password becomes "the host"."""
    _, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return False
    userinfo = rest.rpartition("@")[0]
    return any(c in _DELIMITERS for c in userinfo) or bool(_BAD_ESCAPE.search(userinfo))


def redact_url(url: str | None) -> str | None:
    """Scheme and host only: enough to tell which endpoint, not enough to use it. A URL whose host cannot
    be told from its user information shows nothing of either."""
    if not url:
        return url
    if ambiguous_userinfo(url):
        return REDACTED
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
    except ValueError:
        return REDACTED
    return f"{parts.scheme}://{host}/...{REDACTED}"
