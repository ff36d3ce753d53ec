"""Board packs as Prefect flows. Every day (06:30): build each pack whose date has come, as a DRAFT, and tell
its board's secretariat it waits for their review in the console (one email with the link); nothing is sent
to the board until the secretariat approves and sends it, or the plan's policy sends it
(`meetings.auto_send_hours_before`). That check runs hourly (`pack_auto_send_flow`, and after each pack run),
so a pack goes within the hour after its stated time. Each run leaves a markdown artifact per pack built.

The work is done by plain functions (`packs.build`, `packs.ready`, `packs.auto_send`), which the CLI and the
demo call without Prefect. The flows take `as_of` as a parameter (never freeze time around a flow run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.bootstrap import bootstrap
from flows.tasks import database_task, list_plans
from models.calendar import local_date
from packs.auto_send import auto_send
from packs.build import BuiltPack, build_due_packs
from packs.ready import tell_secretariat
from packs.review import send_deadline


def artifact_markdown(built: BuiltPack) -> str:
    c = built.context
    lines = [
        f"# {c.title} ({built.audience} pack)",
        "",
        f"Plan: {built.plan}. Pack date: {built.built_for:%d %B %Y}.",
        f"Data as at {c.data_as_of or built.built_for}.",
        f"Built from ledger {c.head_seq}:{c.head_hash}.",
        *(
            [f"Version {built.version}, superseding pack {built.supersedes} (kept as sent)."]
            if built.supersedes
            else []
        ),
        "",
        "| Red | Amber | Green | Complete | Exceptions |",
        "| --- | --- | --- | --- | --- |",
        f"| {c.total.red} | {c.total.amber} | {c.total.green} | {c.total.complete} | {len(c.exceptions)} |",
        "",
    ]
    if c.withheld:
        lines += [f"{c.withheld} exempt items withheld.", ""]
    lines += [f"- `{f['name']}`: sha256 `{f['sha256']}`, {f['bytes']} bytes" for f in built.files]
    return "\n".join(lines)


@database_task
def build_plan_packs(plan: str, as_of: datetime, actor: str) -> list[dict[str, Any]]:
    from prefect.artifacts import create_markdown_artifact

    app = bootstrap()
    day = local_date(as_of, app.settings.timezone)
    built = build_due_packs(
        app.engine, app.policy, day, app.settings.packs_dir, plan_name=plan, actor=actor, now=as_of
    )
    logger = get_run_logger()
    hours = app.policy.for_plan(plan).meetings.auto_send_hours_before
    results = []
    for pack in built:
        send_by = send_deadline(pack.meeting_date, hours, app.settings.timezone)
        told = tell_secretariat(
            app.engine, pack.pack_id, app.settings.base_url, as_of, send_by=send_by, actor=actor
        )
        create_markdown_artifact(
            key=f"board-pack-{pack.meeting_date.isoformat()}-{pack.audience}",
            markdown=artifact_markdown(pack),
            description=f"{pack.board}: {pack.audience} pack for {pack.meeting_date:%d %B %Y} (draft)",
        )
        logger.info(
            "%s: %s pack for %s built as a draft (%s); secretariat told: %s",
            plan,
            pack.audience,
            pack.meeting_date,
            pack.state,
            "yes" if told else "already",
        )
        results.append(
            {
                "plan": plan,
                "pack_id": pack.pack_id,
                "board": pack.board,
                "meeting": pack.meeting_date.isoformat(),
                "audience": pack.audience,
                "pdf": str(pack.path(".pdf")),
                "state": "draft",
                "told": told,
            }
        )
    if not built:
        logger.info("%s: no pack due on %s", plan, day)
    return results


@database_task
def send_unsent_packs(as_of: datetime) -> list[dict[str, Any]]:
    app = bootstrap()
    sent = auto_send(app.engine, app.policy, as_of)
    logger = get_run_logger()
    for s in sent:
        logger.info("%s: pack %d for %s sent (%s)", s.plan, s.pack_id, s.meeting_date, s.reason)
    return [
        {"plan": s.plan, "pack_id": s.pack_id, "meeting": s.meeting_date.isoformat(), "reason": s.reason}
        | {"notices": s.queued}
        for s in sent
    ]


@flow(name="lineofsight-board-pack")
def board_pack_flow(as_of: datetime | None = None, plan: str | None = None) -> list[dict[str, Any]]:
    moment = as_of or datetime.now(UTC)
    actor = f"system:packs flow-run:{flow_run.id}" if flow_run.id else "system:packs"
    results = [r for name in list_plans(plan) for r in build_plan_packs(name, moment, actor)]
    sent = send_unsent_packs(moment)
    if any(r["told"] for r in results) or sent:
        from flows.dispatch import dispatch_flow

        dispatch_flow(as_of=moment)  # the secretariat hears at once
    return results


@flow(name="lineofsight-pack-auto-send")
def pack_auto_send_flow(as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Hourly: the packs the plans' policies send now, unsent so close to their meeting."""
    moment = as_of or datetime.now(UTC)
    sent = send_unsent_packs(moment)
    if sent:
        from flows.dispatch import dispatch_flow

        dispatch_flow(as_of=moment)
    return sent
