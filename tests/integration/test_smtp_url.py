"""An SMTP URL whose password holds `/ @ # ?` is refused with a fix, and no part of its user information
(user name or password) appears in the error, in `doctor`, in the safe form or in what a failed delivery
stores (`last_error`, `NoticeFailed`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config.policy import load_policy
from config.settings import Settings
from flows.doctor import State, diagnose
from models.audit import AuditEvent
from models.errors import ConfigurationError
from models.outbox import Notice
from models.output.secrets import redact_url
from models.sweep.run import sweep_plans
from notifications.dispatch import dispatch
from notifications.smtp import parse_smtp_url
from notifications.transport import SmtpTransport
from tests.factories import load_small_plan
from tests.smtp_server import self_signed, start

USER = "alice.mailbox"
# The reported URL and its variants: each password would split the URL somewhere else than its author meant.
PASSWORDS = ["2024/Winter!", "Winter@2024", "Win#ter2024", "Win?ter2024", "a/b@c#d?e", "100%sure"]
NO_PREFECT = lambda: None  # noqa: E731


def _secrets(password: str) -> list[str]:
    """Every fragment that must never be shown: the user, the password and its pieces around delimiters."""
    words = password.replace("/", " ").replace("@", " ").replace("#", " ").replace("?", " ").split()
    # Pieces with a letter: "2024" alone turns up by chance in a hash's hex digits.
    pieces = [p for p in words if len(p) > 2 and any(c.isalpha() for c in p)]
    return [USER, password, quote(password, safe=""), *pieces]


def _shown_nowhere(password: str, *texts: str | None) -> None:
    for text in texts:
        for secret in _secrets(password):
            assert secret not in (text or ""), (secret, text)


@pytest.mark.parametrize("password", PASSWORDS)
def test_an_unescaped_password_is_refused_and_never_shown(password: str, db_url: str) -> None:
    url = f"smtp+starttls://{USER}:{password}@mail.example.org:587"
    with pytest.raises(ConfigurationError, match="Percent-encode") as refused:
        parse_smtp_url(url)
    [smtp] = [
        c
        for c in diagnose(Settings(database_url=db_url, smtp_url=SecretStr(url)), prefect_api=NO_PREFECT)
        if c.name == "smtp"
    ]
    assert smtp.state is State.FAIL and "%2F" in smtp.detail
    _shown_nowhere(password, str(refused.value), smtp.detail, smtp.fix, redact_url(url))


def test_the_reported_url_no_longer_reads_as_host_alice() -> None:
    url = "smtp+starttls://alice:2024/Winter!@mail.example.org:587"
    assert redact_url(url) == "(redacted)"
    with pytest.raises(ConfigurationError, match="%2F"):
        parse_smtp_url(url)


def test_a_colon_in_the_password_is_read_as_written_and_never_shown() -> None:
    config = parse_smtp_url(f"smtps://{USER}:pa:ss:word@mail.example.org")
    assert (config.host, config.port, config.username, config.password) == (
        "mail.example.org",
        465,
        USER,
        "pa:ss:word",
    )
    assert config.safe == "smtps://mail.example.org:465"
    _shown_nowhere("pa:ss:word", config.safe, redact_url(f"smtps://{USER}:pa:ss:word@mail.example.org"))


def test_a_percent_encoded_password_signs_in_and_failures_keep_the_user_information_out(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    password = "2024/Winter!@#?"
    controller, _ = start(tls=self_signed(tmp_path), auth=(USER, password))
    try:
        good = f"smtp+starttls://{USER}:{quote(password, safe='')}@127.0.0.1:{controller.port}?verify=no"
        config = parse_smtp_url(good)
        assert config.password == password
        checks = diagnose(Settings(database_url=db_url, smtp_url=SecretStr(good)), prefect_api=NO_PREFECT)
        [smtp] = [c for c in checks if c.name == "smtp"]
        assert smtp.state is State.OK and "signed in" in smtp.detail
        _shown_nowhere(password, smtp.detail, config.safe)
        # The wrong password: the failure lands in last_error and in the ledger, with neither credential.
        spoilt = quote("Spring/2025@", safe="")
        wrong = f"smtp+starttls://{USER}:{spoilt}@127.0.0.1:{controller.port}?verify=no"
        load_small_plan(engine)
        sweep_plans(engine, load_policy(), date(2017, 10, 16))
        result = dispatch(
            engine,
            SmtpTransport(parse_smtp_url(wrong)),
            datetime(2017, 10, 16, 8, tzinfo=UTC),
            sender="lineofsight@example.org",
        )
    finally:
        controller.stop()
    assert result.sent == 0 and result.retrying > 0
    with Session(engine) as session:
        errors = [n.last_error for n in session.exec(select(Notice))]
        bodies = [e.body.decode() for e in session.exec(select(AuditEvent))]
    assert any(errors) and any("NoticeFailed" in b or "authentication" in b for b in bodies)
    _shown_nowhere("Spring/2025@", *errors, *bodies)
    _shown_nowhere(password, *errors, *bodies)


def test_no_message_the_service_writes_repeats_a_password_in_an_error() -> None:
    """An exception quoting the ambiguous URL (a transport's, a driver's): `last_error`, the ledger and the
    sweep-failure reason all pass it through one redactor, which keeps nothing of the URL but its scheme."""
    from models.output.secrets import redact_text
    from models.sweep.failures import one_line
    from notifications.failures import reason as _reason

    url = "smtp+starttls://alice:2024/Winter!@mail.example.org:587"
    error = RuntimeError(f"cannot reach {url} (https://x.example/flow?api-version=1&sig=SECRETSIG)")
    for line in (redact_text(str(error)), _reason("could not send", error), one_line(error)):
        assert "Winter" not in line and "alice" not in line and "SECRETSIG" not in line, line
        assert "smtp+starttls://(redacted)" in line
