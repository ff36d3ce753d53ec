"""The schedules: which flow runs when, in UK time. `lineofsight serve` starts them against the Prefect API
configured in the environment; the flows themselves return early on bank holidays."""

from __future__ import annotations

from typing import Any

from config.timezone import DEFAULT_TIMEZONE

TIMEZONE = DEFAULT_TIMEZONE
SWEEP_CRON = "0 7 * * 1-5"  # 07:00 Monday to Friday
DISPATCH_CRON = "*/15 7-18 * * 1-5"  # every 15 minutes from 07:00 to 18:45, Monday to Friday
PACK_CRON = "30 6 * * *"  # 06:30 every day; the flow does nothing on weekends and bank holidays
PACK_AUTO_SEND_CRON = "5 * * * *"  # hourly: packs a plan's policy sends unapproved near their meeting


def deployments() -> list[Any]:
    from prefect.schedules import Cron

    from flows.board_pack import board_pack_flow, pack_auto_send_flow
    from flows.dispatch import dispatch_flow
    from flows.sweep import sweep_flow

    return [
        sweep_flow.to_deployment(
            name="daily-sweep",
            schedule=Cron(SWEEP_CRON, timezone=TIMEZONE),
            # One sweep run at a time (a late run and a manual one queue rather than overlap); the sweep
            # also takes a per-plan lock in the database, which holds for runs started outside Prefect.
            concurrency_limit=1,
            description="Every working day at 07:00: reminders, escalations and update requests.",
            tags=["lineofsight"],
        ),
        dispatch_flow.to_deployment(
            name="dispatch",
            schedule=Cron(DISPATCH_CRON, timezone=TIMEZONE),
            description="Every 15 minutes in working hours: deliver what is due in the outbox.",
            tags=["lineofsight"],
        ),
        board_pack_flow.to_deployment(
            name="board-packs",
            schedule=Cron(PACK_CRON, timezone=TIMEZONE),
            description="Every day at 06:30 (nothing on weekends and bank holidays): build each board pack "
            "whose date has come as a draft, and tell the board's secretariat.",
            tags=["lineofsight"],
        ),
        pack_auto_send_flow.to_deployment(
            name="pack-auto-send",
            schedule=Cron(PACK_AUTO_SEND_CRON, timezone=TIMEZONE),
            description="Hourly: send each pack still unsent at the hour its plan's policy sets before the "
            "meeting (auto_send_hours_before; 0, the default, never).",
            tags=["lineofsight"],
        ),
    ]


def serve(limit: int = 4) -> None:
    """Run the deployments until interrupted. A bounded `limit` keeps a burst of late runs from starting
    unbounded processes; a stopped server leaves the schedules active for the next start."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(), limit=limit, pause_on_shutdown=False)
