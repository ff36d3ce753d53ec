"""The email channel's sender over SMTP, with the standard library's smtplib: one connection a run, and
our own Message-ID and plain-text part kept as written (apprise's email plugin replaces both).

`LINEOFSIGHT_SMTP_URL`: `smtp://host:port` (plain, for local relays), `smtp+starttls://user:pass@host:587`,
`smtps://user:pass@host:465`; add `?verify=no` only for a test server with a self-signed certificate.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from models.errors import ConfigurationError
from models.output.secrets import ambiguous_userinfo, redact_text
from notifications.senders import Delivery

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    verify: bool

    @property
    def safe(self) -> str:
        """For messages, logs, `last_error` and the ledger: scheme, host and port, never the user name or
        password (a user name is often the mailbox an attacker would try next)."""
        return f"{self.scheme}://{self.host}:{self.port}"


PERCENT_ENCODE = (
    "LINEOFSIGHT_SMTP_URL cannot be read unambiguously: its user name or password contains / ? # @ [ ] "
    "or a % that does not start an escape (its value is not shown). Percent-encode them in the user name "
    "and password: / as %2F, ? as %3F, # as %23, @ as %40, [ as %5B, ] as %5D, % as %25 "
    "(in Python: urllib.parse.quote(password, safe=''))."
)


def parse_smtp_url(url: str) -> SmtpConfig:
    # Checked before parsing: urlsplit would take a password holding `/` for the host, and the "safe"
    # form of the URL would then start with the password.
    if ambiguous_userinfo(url):
        raise ConfigurationError(PERCENT_ENCODE)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigurationError(
            "LINEOFSIGHT_SMTP_URL is not a valid URL (its value is not shown)."
        ) from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigurationError(
            "LINEOFSIGHT_SMTP_URL must look like smtp://host:port, smtp+starttls://user:pass@host:587 or "
            "smtps://user:pass@host:465 (its value is not shown)."
        )
    query = parse_qs(parts.query)
    return SmtpConfig(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        verify=query.get("verify", ["yes"])[0].lower() not in ("no", "false", "0"),
    )


def _code_text(code: int, message: Any) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


class _Marking(smtplib.SMTP):
    """Notes when a message's content begins to go (the DATA command): from then on, a connection that
    drops before the reply leaves a message the server may have stored."""

    content_sent = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.content_sent = True
        return super().data(msg)


class _MarkingSSL(_Marking, smtplib.SMTP_SSL):
    pass


class SmtpSender:
    """The email channel's sender over SMTP: one connection kept for a whole dispatch run, closed after."""

    def __init__(self, config: SmtpConfig, timeout: float = 30.0) -> None:
        self.config, self.timeout = config, timeout
        self._connection: _Marking | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.config.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> _Marking:
        if self._connection is not None:
            return self._connection
        c = self.config
        connection: _Marking
        if c.scheme == "smtps":
            connection = _MarkingSSL(c.host, c.port, timeout=self.timeout, context=self._context())
        else:
            connection = _Marking(c.host, c.port, timeout=self.timeout)
            if c.scheme == "smtp+starttls":
                connection.starttls(context=self._context())
        if c.username:
            connection.login(c.username, c.password or "")
        self._connection = connection
        return connection

    def greet(self) -> int:
        """Connect as configured (TLS, sign-in), say EHLO and leave, sending nothing: the reply code."""
        try:
            code, _ = self._connect().ehlo()
            return int(code)
        finally:
            self.close()

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            self._connection = None

    def _drop(self) -> None:
        """Forget a connection the server may have closed; the next message opens a new one."""
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
        self._connection = None

    def send(self, message: Message) -> Delivery:
        connection: _Marking | None = None
        try:
            connection = self._connect()
            connection.content_sent = False
            refused = connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return Delivery(ok=False, transient=400 <= code < 500, error=_code_text(code, text))
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            return Delivery(
                ok=False, transient=True, error=f"{exc.smtp_code} authentication failed at {self.config.safe}"
            )
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the connection
                self._drop()
            return Delivery(
                ok=False, transient=exc.smtp_code < 500, error=_code_text(exc.smtp_code, exc.smtp_error)
            )
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()
            unconfirmed = connection is not None and connection.content_sent
            return Delivery(
                ok=False,
                transient=True,
                error=f"{type(exc).__name__} talking to {self.config.safe}: {exc}"
                + (" (sent, never confirmed)" if unconfirmed else ""),
                unconfirmed=unconfirmed,
            )
        except Exception as exc:  # smtplib's TypeError for an address it cannot encode, say: this one only
            self._drop()
            first = redact_text((str(exc).splitlines() or [""])[0])[:200]
            error = f"the message cannot be sent: {type(exc).__name__}: {first}"
            return Delivery(ok=False, transient=False, error=error)
        if refused:
            code, text = next(iter(refused.values()))
            return Delivery(ok=False, transient=400 <= code < 500, error=_code_text(code, text))
        return Delivery(ok=True)
