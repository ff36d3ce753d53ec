"""Board packs as a Prefect flow: every working day, build each pack whose date has come (one task per
plan), queue it for its board (email with the PDF, Teams card), deliver, and leave a markdown artifact
summarising each pack built.

The work is done by plain functions (`packs.build`, `packs.publish`), which the CLI and the demo call
without Prefect. The flow takes `as_of` as a parameter (never freeze time around a flow run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.bootstrap import bootstrap
from flows.tasks import database_task, list_plans
from models.calendar import local_date
from packs.build import BuiltPack, build_due_packs
from packs.publish import publish


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
def build_plan_packs(plan: str, as_of: datetime, send: bool, actor: str) -> list[dict[str, Any]]:
    from prefect.artifacts import create_markdown_artifact

    app = bootstrap()
    day = local_date(as_of, app.settings.timezone)
    built = build_due_packs(
        app.engine, app.policy, day, app.settings.packs_dir, plan_name=plan, actor=actor, now=as_of
    )
    logger = get_run_logger()
    results = []
    for pack in built:
        queued = publish(app.engine, pack.pack_id, actor=actor, now=as_of).queued if send else 0
        create_markdown_artifact(
            key=f"board-pack-{pack.meeting_date.isoformat()}-{pack.audience}",
            markdown=artifact_markdown(pack),
            description=f"{pack.board}: {pack.audience} pack for {pack.meeting_date:%d %B %Y}",
        )
        logger.info(
            "%s: %s pack for %s built (%s), %d notices queued",
            plan,
            pack.audience,
            pack.meeting_date,
            pack.state,
            queued,
        )
        results.append(
            {
                "plan": plan,
                "pack_id": pack.pack_id,
                "board": pack.board,
                "meeting": pack.meeting_date.isoformat(),
                "audience": pack.audience,
                "pdf": str(pack.path(".pdf")),
                "notices": queued,
            }
        )
    if not built:
        logger.info("%s: no pack due on %s", plan, day)
    return results


@flow(name="lineofsight-board-pack")
def board_pack_flow(
    as_of: datetime | None = None, plan: str | None = None, send: bool = True
) -> list[dict[str, Any]]:
    moment = as_of or datetime.now(UTC)
    actor = f"system:packs flow-run:{flow_run.id}" if flow_run.id else "system:packs"
    results = [r for name in list_plans(plan) for r in build_plan_packs(name, moment, send, actor)]
    if send and any(r["notices"] for r in results):
        from flows.dispatch import dispatch_flow

        dispatch_flow(as_of=moment)  # the packs go out straight away
    return results
