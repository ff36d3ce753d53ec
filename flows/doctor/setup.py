"""The doctor's checks of everything but the database: the policy, the folders, the SMTP server and the
Prefect API. They talk to the real things but send nothing."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable
from pathlib import Path

from config.settings import Settings
from flows.doctor.check import Check, State, guard


def folder_problems(settings: Settings) -> list[str]:
    """What stops the service writing where the settings say (`doctor` reports it; `serve` refuses to start
    rather than fail at the first pack or message): a file in the way, or no permission."""
    wanted = [("LINEOFSIGHT_PACKS_DIR", settings.packs_dir)]
    if settings.smtp_url is None:  # with an SMTP server no message is written to the outbox folder
        wanted.insert(0, ("LINEOFSIGHT_OUTBOX_DIR", settings.outbox_dir))
    return [f"{setting}={path}: {why}" for setting, path in wanted if (why := _unwritable(path))]


def folders(settings: Settings) -> Check:
    fix = "point the setting at a folder this user can write in"

    def check() -> Check:
        problems = folder_problems(settings)
        if problems:
            return Check("folders", State.FAIL, "; ".join(problems), fix)
        return Check("folders", State.OK, "the outbox and packs folders can be written")

    return guard("folders", fix, check)


def _unwritable(path: Path) -> str | None:
    """Why nothing can be written under `path` (None when it can): a file in the way, or no permission."""
    existing = path.resolve()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"this user may not write in {existing}"
    return None


def policy(settings: Settings) -> Check:
    from config.policy import PolicyError, load_policy

    where = str(settings.policy_file) if settings.policy_file else "the packaged policy"
    try:
        policy = load_policy(settings.policy_file)
    except PolicyError as exc:
        return Check("policy", State.FAIL, str(exc), f"correct {where} (LINEOFSIGHT_POLICY_FILE)")
    return Check("policy", State.OK, f"{where}, version {policy.version}")


def smtp(settings: Settings) -> Check:
    if settings.smtp_url is None:
        return Check(
            "smtp",
            State.WARN,
            f"no SMTP server configured: messages are written to {settings.outbox_dir}/ as files",
            "set LINEOFSIGHT_SMTP_URL (smtp+starttls://user:password@host:587) to send them",
        )
    from notifications.smtp import SmtpSender, parse_smtp_url

    def check() -> Check:
        config = parse_smtp_url(settings.smtp_url.get_secret_value())  # type: ignore[union-attr]
        try:
            code = SmtpSender(config, timeout=10).greet()
        except smtplib.SMTPAuthenticationError as exc:
            return Check(
                "smtp",
                State.FAIL,
                f"{config.safe} refused the credentials ({exc.smtp_code})",
                "check the user and password in LINEOFSIGHT_SMTP_URL",
            )
        except (smtplib.SMTPException, ssl.SSLError) as exc:
            return Check(
                "smtp", State.FAIL, f"{config.safe}: {type(exc).__name__}", "check the scheme and port"
            )
        signed_in = ", signed in" if config.username else ""
        return Check("smtp", State.OK, f"{config.safe} answered EHLO ({code}){signed_in}; nothing sent")

    return guard("smtp", "check LINEOFSIGHT_SMTP_URL's host and port, and that the server runs", check)


def prefect_setting() -> str | None:
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def prefect(api: Callable[[], str | None]) -> Check:
    url = api()
    if not url:
        return Check(
            "prefect",
            State.WARN,
            "PREFECT_API_URL is not set: flow runs start a temporary Prefect server each time",
            "for `lineofsight serve`, run `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api",
        )
    import httpx

    try:
        answer = httpx.get(f"{url.rstrip('/')}/health", timeout=10)
    except httpx.HTTPError as exc:
        return Check(
            "prefect", State.FAIL, f"{url} did not answer ({type(exc).__name__})", "start the server"
        )
    if answer.status_code != 200:
        return Check(
            "prefect", State.FAIL, f"{url}/health answered HTTP {answer.status_code}", "check the URL"
        )
    return Check("prefect", State.OK, f"{url} is healthy")
