"""A console sign-in link, sent the moment it is asked for: someone waits at a screen, and the scheduled
dispatcher runs only every 15 minutes in working hours. Through the outbox all the same (claimed, sent with
the link written now, marked and recorded), that one notice only, on a sender table of its own; if it
cannot go now it stays in the outbox, and the scheduled dispatcher retries it as any other."""

from __future__ import annotations

from datetime import datetime

from flows.bootstrap import App


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
