"""`lineofsight dispatch` and `lineofsight outbox`: delivering what the sweep decided, and seeing it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from cli.output import console, table
from cli.params import actor_option, record_id
from flows.bootstrap import App, bootstrap

if TYPE_CHECKING:
    from models.outbox import Notice

outbox = typer.Typer(
    help="The outbox: every message owed, pending, sent, failed or dead.", invoke_without_command=True
)


def dispatch(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what is due for delivery; send nothing."),
) -> None:
    """Deliver what is due in the outbox: one digest per person and channel, most urgent first."""
    from models.outbox import NoticeStatus

    app = bootstrap()
    now = datetime.now(UTC)
    if dry_run:
        rows = _notices(app, NoticeStatus.PENDING.value, None)
        due = [n for n in rows if n.not_before <= now]
        console().print(
            Text(
                f"{len(due)} notices due for delivery to {len({n.recipient for n in due})} people "
                "(dry run: nothing sent)."
            )
        )
        return
    from notifications.dispatch import dispatch as deliver

    result = deliver(app.engine, app.transport, now, sender=app.settings.mail_from)
    console().print(
        Text(
            f"Delivered {result.sent} notices in {result.digests} digests; {result.retrying} will be "
            f"retried, {result.dead} dead."
        )
    )


def _notices(app: App, status: str | None, recipient: str | None) -> list[Notice]:
    from sqlmodel import Session, col, select

    from models.outbox import Notice

    query = select(Notice).order_by(col(Notice.id))
    if status:
        query = query.where(Notice.status == status)
    if recipient:
        # A search, not an entry: matched as typed, so the notices of an address stored before the door
        # checked addresses (a zero-width space in it, say) can still be found.
        query = query.where(Notice.recipient == recipient.strip().lower())
    with Session(app.engine) as session:
        return list(session.exec(query))


@outbox.callback()
def show(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None, "--status", help="pending, sending, sent, failed, dead or cancelled."
    ),
    recipient: str | None = typer.Option(None, "--recipient", help="Only notices to this email."),
) -> None:
    """List the outbox. `lineofsight outbox retry ID` revives a dead notice."""
    if ctx.invoked_subcommand is not None:
        return
    from models.errors import InvalidValue
    from models.outbox import NoticeStatus

    if status is not None and status not in {s.value for s in NoticeStatus}:
        raise InvalidValue("status", status, ", ".join(s.value for s in NoticeStatus))
    app = bootstrap()
    rows = _notices(app, status, recipient)
    body = [
        [
            n.id,
            n.status.value,
            n.recipient,
            n.channel.value,
            n.kind,
            n.item_refs,
            n.attempts,
            n.last_error or "",
        ]
        for n in rows
    ]
    console().print(
        table("Outbox", ["Id", "Status", "To", "Channel", "Kind", "Item", "Attempts", "Last error"], body)
    )
    console().print(f"{len(rows)} notices.")


@outbox.command()
def retry(
    notice_id: int = record_id("The notice's id, from `lineofsight outbox --status dead`."),
    by: str = actor_option("system:operator", "Who revives it (recorded in the audit ledger)."),
) -> None:
    """Revive a dead or failed notice: pending again from now, delivered by the next dispatch."""
    from models.db import unit_of_work
    from models.outbox import revive

    app = bootstrap()
    with unit_of_work(app.engine) as session:
        notice = revive(session, notice_id, by, datetime.now(UTC))
    console().print(Text(f"Notice {notice.id} to {notice.recipient} is pending again."))
