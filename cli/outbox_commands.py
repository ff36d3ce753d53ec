"""`lineofsight dispatch` and `lineofsight outbox`: delivering what the sweep decided, and seeing it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from cli import clock
from cli.output import Format, console, err_console, table, write_csv, write_json
from cli.params import actor_option, all_option, limit_option, record_id, rows_wanted, shown_line
from flows.bootstrap import App, bootstrap
from models.vocab import day_in_words, plural

if TYPE_CHECKING:
    from models.outbox import Notice
    from notifications.delivery_days import RestDay
    from notifications.dispatch import DispatchResult, Failure

outbox = typer.Typer(
    help="The outbox: every message owed, pending, sent, failed or dead.", invoke_without_command=True
)


def dispatch(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what is due for delivery; send nothing."),
    any_day: bool = typer.Option(
        False,
        "--any-day",
        help="Deliver today even to plans whose nation is not at work (a weekend, a bank holiday).",
    ),
) -> None:
    """Deliver what is due in the outbox: one digest per person and channel, most urgent first, each
    plan's notices on its own nation's working days. Exit 1 when a delivery failed (retried, or dead)."""
    from models.outbox import NoticeStatus
    from notifications.delivery_days import resting_plans

    app = bootstrap()
    now = clock.now()
    held = {} if any_day else resting_plans(app.engine, app.policy, now)
    if dry_run:
        waiting = [
            n
            for status in (NoticeStatus.PENDING, NoticeStatus.FAILED)
            for n in _notices(app, status.value, None, None)[0]
        ]
        due = [n for n in waiting if n.not_before <= now and n.plan not in held]
        people = plural(len({n.recipient for n in due}), "person")
        console().print(
            Text(f"{plural(len(due), 'notice')} due for delivery to {people} (dry run: nothing sent).")
        )
        for plan, rest in held.items():
            count = sum(1 for n in waiting if n.plan == plan and n.not_before <= now)
            if count:
                console().print(Text(_held_line(plan, rest, count)))
        return
    from notifications.dispatch import dispatch as deliver

    result = deliver(
        app.engine, app.senders, now, sender=app.settings.mail_from, held=held, links=app.links(now)
    )
    if report_delivery(result, app.settings.timezone):
        raise typer.Exit(1)


def report_delivery(result: DispatchResult, timezone: str) -> bool:
    """What a run did and, when it sent nothing, why; then each delivery that failed. True if one did."""
    out = console()
    out.print(Text(f"Delivered {plural(result.sent, 'notice')} in {plural(result.delivered, 'digest')}."))
    for plan, rest in result.held.items():
        if result.held_notices.get(plan):
            out.print(Text(_held_line(plan, rest, result.held_notices[plan])))
    if result.still_due:
        out.print(
            Text(f"{plural(result.still_due, 'notice')} still due (more than one run takes): dispatch again.")
        )
    if result.later and result.next_due is not None:
        if result.later == 1:
            first = "it falls"
        elif result.next_due_count == result.later:
            first = "all fall"
        else:
            first = (
                f"the earliest {'falls' if result.next_due_count == 1 else f'{result.next_due_count} fall'}"
            )
        out.print(
            Text(
                f"{plural(result.later, 'notice')} not due yet: {first} due on "
                f"{_in_words(result.next_due, timezone)}."
            )
        )
    if not (result.claimed or result.later or result.held_notices or result.still_due):
        out.print(Text("Nothing is waiting in the outbox."))
    if not result.failures:
        return False
    errors = err_console()
    # One line per digest that failed (its notices share the recipient, channel and error).
    groups: dict[tuple[str, str, str | None, bool], list[Failure]] = {}
    for failure in result.failures:
        key = (failure.recipient, failure.channel, failure.error, failure.retry_at is None)
        groups.setdefault(key, []).append(failure)
    for (recipient, channel, error, dead), failures in groups.items():
        ids = ", ".join(str(f.notice_id) for f in failures)
        if dead:
            then = f"dead: see `lineofsight outbox retry {failures[0].notice_id}`"
        else:
            soonest = min(f.retry_at for f in failures if f.retry_at is not None)
            then = f"next attempt {_in_words(soonest, timezone)}"
        errors.print(
            Text(
                f"Not delivered: {'notice' if len(failures) == 1 else 'notices'} {ids} to {recipient} "
                f"({channel}): {error or 'no reason given'}; {then}."
            )
        )
    errors.print(
        Text(
            f"Error: {plural(len(result.failures), 'notice')} not delivered: "
            f"{result.retrying} will be retried, {result.dead} dead.",
            style="bold red",
        )
    )
    return True


def _held_line(plan: str, rest: RestDay, count: int) -> str:
    return (
        f"{plural(count, 'notice')} of plan {plan} {'waits' if count == 1 else 'wait'}: "
        f"{day_in_words(rest.day)} is not a working day there ({rest})."
    )


def _in_words(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{day_in_words(local.date())} at {local:%H:%M}"


def _notices(
    app: App, status: str | None, recipient: str | None, last: int | None
) -> tuple[list[Notice], int]:
    """The last `last` notices picked (all when None), oldest first, and how many are picked in all."""
    import sqlalchemy as sa
    from sqlmodel import Session, col, select

    from models.outbox import Notice

    query = select(Notice)
    if status:
        query = query.where(Notice.status == status)
    if recipient:
        # A search, not an entry: matched as typed, so the notices of an address stored before the door
        # checked addresses (a zero-width space in it, say) can still be found.
        query = query.where(Notice.recipient == recipient.strip().lower())
    with Session(app.engine) as session:
        if last is None:
            notices = list(session.exec(query.order_by(col(Notice.id))))
            return notices, len(notices)
        total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        newest = list(session.exec(query.order_by(col(Notice.id).desc()).limit(last)))
        return newest[::-1], total


FIELDS = (
    "id",
    "plan",
    "status",
    "recipient",
    "channel",
    "kind",
    "items",
    "due",
    "next_attempt",
    "attempts",
    "sent_at",
    "last_error",
)


COLUMNS = ("Id", "Status", "To", "Channel", "Kind", "Item", "Due", "Next attempt", "Attempts", "Last error")


def _record(notice: Notice) -> dict[str, Any]:
    """One notice for a program: times as ISO 8601 in UTC; `next_attempt` only while one is still to come."""
    from models.outbox import NoticeStatus

    waiting = notice.status in (NoticeStatus.PENDING, NoticeStatus.FAILED)
    return {
        "id": notice.id,
        "plan": notice.plan,
        "status": notice.status.value,
        "recipient": notice.recipient,
        "channel": notice.channel.value,
        "kind": notice.kind,
        "items": notice.item_refs,
        "due": (notice.due_at or notice.not_before).isoformat(),
        "next_attempt": notice.not_before.isoformat() if waiting else None,
        "attempts": notice.attempts,
        "sent_at": notice.sent_at.isoformat() if notice.sent_at else None,
        "last_error": notice.last_error,
    }


@outbox.callback()
def show(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None, "--status", help="pending, sending, sent, failed, dead or cancelled."
    ),
    recipient: str | None = typer.Option(None, "--recipient", help="Only notices to this email."),
    output: Format = typer.Option(Format.TABLE, "--format", help="table, json or csv."),
    limit: int | None = limit_option("notices"),
    every: bool = all_option("notices"),
) -> None:
    """List the outbox: each notice's due time and, while it waits, its next attempt. A table shows the
    last 50 (--limit N, --all); json and csv list them all. `lineofsight outbox retry ID` revives a dead
    notice."""
    if ctx.invoked_subcommand is not None:
        return
    from models.errors import InvalidValue
    from models.outbox import NoticeStatus

    if status is not None and status not in {s.value for s in NoticeStatus}:
        raise InvalidValue("status", status, ", ".join(s.value for s in NoticeStatus))
    last = rows_wanted(limit, every, table=output is Format.TABLE)
    app = bootstrap()
    rows, total = _notices(app, status, recipient, last)
    if output is Format.JSON:
        write_json([_record(n) for n in rows])
        return
    if output is Format.CSV:
        write_csv([_record(n) for n in rows], FIELDS)
        return
    zone = app.settings.timezone
    body = []
    for n in rows:
        record = _record(n)
        body.append(
            [
                n.id,
                n.status.value,
                n.recipient,
                n.channel.value,
                n.kind,
                n.item_refs,
                _short(n.due_at or n.not_before, zone),
                _short(n.not_before, zone) if record["next_attempt"] else "",
                n.attempts,
                n.last_error or "",
            ]
        )
    listing = table("Outbox", COLUMNS, body)
    for column in listing.columns:
        # Addresses, kinds and times whole, so they can be read and copied; the error wraps instead.
        column.no_wrap = column.header in ("To", "Kind", "Due", "Next attempt")
    console().print(listing)
    console().print(shown_line(len(rows), total, "notice"))


def _short(moment: datetime, timezone: str) -> str:
    """ "Fri 8 Dec 2017 07:00", in the configured zone: short enough for a table cell."""
    from models.vocab import short_day

    local = moment.astimezone(ZoneInfo(timezone))
    return f"{short_day(local.date())} {local:%H:%M}"


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
        notice = revive(session, notice_id, by, clock.now())
    console().print(Text(f"Notice {notice.id} to {notice.recipient} is pending again."))
