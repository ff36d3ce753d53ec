"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), recording what it accepts and able to misbehave
on request: refuse a recipient, answer 451 for a while, require STARTTLS and a password."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import socket
import ssl
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Behaviour:
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    busy_for: int = 0  # answer 451 to this many messages first
    seconds_per_message: float = 0.0  # a slow server: each message is accepted after this long
    drop_after_data: int = 0  # store this many messages, then drop the connection before replying


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message


class Recorder:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.received: list[Received] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.behaviour.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.behaviour.busy_for > 0:
            self.behaviour.busy_for -= 1
            return "451 4.3.0 Try again later"
        if self.behaviour.seconds_per_message:
            await asyncio.sleep(self.behaviour.seconds_per_message)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
        )
        if self.behaviour.drop_after_data > 0:
            self.behaviour.drop_after_data -= 1
            server.transport.abort()  # stored, never confirmed: the reply below goes nowhere
        return "250 Message accepted"


def self_signed(folder: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


class Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == self.user and data.password == self.password
        return AuthResult(success=ok, handled=False)


def start(
    behaviour: Behaviour | None = None,
    port: int | None = None,
    tls: ssl.SSLContext | None = None,
    auth: tuple[str, str] | None = None,
    smtputf8: bool = False,
) -> tuple[Controller, Recorder]:
    """`smtputf8=True` offers SMTPUTF8, as Exchange Online and Gmail do."""
    recorder = Recorder(behaviour or Behaviour())
    kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
    if tls is not None:
        kwargs |= {"tls_context": tls, "require_starttls": True}
    if auth is not None:
        kwargs |= {"authenticator": Authenticator(*auth), "auth_require_tls": tls is not None}
    controller = Controller(recorder, hostname="127.0.0.1", port=port or free_port(), **kwargs)
    controller.start()
    return controller, recorder
