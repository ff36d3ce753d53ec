"""A console sign-in link asked for on the web: queued (when the address may use the console and is under
its hourly limit, `models.console.sign_in_requests`) and sent at once, for someone waits at a screen and the
scheduled dispatcher runs only every 15 minutes in working hours.

The web face runs this after its answer has gone, so neither what the answer says nor how long it takes
tells whether the address has access. The message goes through the outbox all the same (claimed, sent with
the link written now, marked and recorded), that one notice only, on a sender table of its own; if it cannot
go now it stays in the outbox, and the scheduled dispatcher retries it as any other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from flows.bootstrap import App
from models.console.sign_in_requests import MAX_PER_HOUR, request_sign_in
from models.db import unit_of_work


def sign_in_requested(app: App, address: str, now: datetime) -> int | None:
    """Queue and send a sign-in link for `address`; the notice's id, or None when none was owed."""
    queued = _queued(app, address, now)
    if queued is not None:
        send_sign_in_now(app, queued, now)
    return queued


def _queued(app: App, address: str, now: datetime) -> int | None:
    """The same address asked at the same moment in another process takes the same number and one of the two
    fails on the notice's unique key: asked again, it counts that one. Each try sees one more, so after
    MAX_PER_HOUR + 1 the limit answers."""
    for _ in range(MAX_PER_HOUR):
        try:
            with unit_of_work(app.engine) as session:
                return request_sign_in(session, address, now)
        except IntegrityError:
            continue
    with unit_of_work(app.engine) as session:
        return request_sign_in(session, address, now)


def send_sign_in_now(app: App, notice_id: int, now: datetime) -> None:
    from notifications.dispatch import dispatch  # the web face loads the dispatcher only when it sends

    dispatch(
        app.engine,
        app.new_senders(),
        now,
        sender=app.settings.mail_from,
        limit=1,
        only=(notice_id,),
        links=app.links(now),
    )
