"""Board packs in the console: draft, approved, sent; the secretariat's covering summary and commentary;
approve, send, correct; the built files themselves, served only while they are the ones recorded.

Board roles see their own boards' packs, the read-only roles every pack of their plan (`require` checks the
board of a pack's own pages); only the board's secretariat writes, refused on the server otherwise. The
rules of each write are `packs.review`'s, the writes `packs.secretariat`'s; a refused write changes nothing
and shows its reason in an error summary (400).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from config.timezone import DEFAULT_TIMEZONE
from models.board_packs import PackFileChanged, verified_bytes
from models.console.roles import READ_ONLY, Role, Standing
from models.db import page_session
from models.errors import InvalidValue
from packs.listing import PackDetail, pack_detail, pack_rows
from packs.review import PackNotEditable, PackState, UnknownException, invalid_field
from web.console.layout import READERS, Id, console_page, plan_standing, posted, viewed
from web.console.viewer import Viewer, require
from web.pages import Now, the_app
from web.rendering import problem

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

router = APIRouter()
# The writes import packs.secretariat where they run: it brings the pack builder (matplotlib, WeasyPrint),
# which no page that only reads should pay for at start-up.

PACK = "/console/plans/{plan_id}/boards/{board_id}/packs/{pack_id}"
PACK_READERS = (Role.SECRETARIAT, Role.CHAIR, Role.MEMBER, Role.AUDITOR, Role.INSPECTOR)
Reader = Annotated[Viewer, Depends(require(*PACK_READERS))]
Secretariat = Annotated[Viewer, Depends(require(Role.SECRETARIAT))]
# A built pack's HTML as its own document: its inline style and embedded charts, nothing else, no script,
# sandboxed (no form, no navigation of the console), never framed.
PACK_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DONE = {
    "saved": "Your words are saved, and the pack's files now print them.",
    "approved": "The pack is approved. Send it when you are ready: the board gets it by email.",
    "sent": "The pack is sent: its messages go to the board with the next delivery run.",
    "corrected": "A new version of the pack is built as a draft. It replaces the one sent once it is sent.",
    "unchanged": "Nothing changed: the words are as they were.",
}


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def _boards(standing: Standing) -> list[int] | None:
    """Every board's packs for the read-only roles; a board role's own boards' otherwise."""
    return None if standing.roles & READ_ONLY else list(standing.boards)


@router.get("/console/plans/{plan_id}/packs")
def packs_page(
    plan_id: Id, request: Request, now: Now, viewer: Annotated[Viewer, Depends(require(*READERS))]
) -> Response:
    standing = plan_standing(viewer, plan_id)
    boards = _boards(standing)
    with page_session(the_app(request).engine) as session:
        rows = pack_rows(session, plan_id, boards)
    viewed(request, standing, f"/console/plans/{plan_id}/packs", now)
    context = {
        "title": "Board packs",
        "rows": rows,
        "when": when,
        "plan_id": plan_id,
        "all_boards": boards is None,
    }
    return console_page(request, viewer, standing, "console_packs.html.j2", "packs", context)


def _detail(request: Request, plan_id: Id, board_id: Id, pack_id: Id) -> PackDetail | None:
    with page_session(the_app(request).engine) as session:
        return pack_detail(session, plan_id, board_id, pack_id)


def _not_found() -> Response:
    return problem(
        404, "Pack not found", "There is no such pack on this board. Go back to the list of packs."
    )


def _review(
    request: Request,
    viewer: Viewer,
    plan_id: Id,
    detail: PackDetail,
    *,
    done: str | None = None,
    errors: list[tuple[str, str]] | None = None,
    field_errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    standing = plan_standing(viewer, plan_id)
    pack = detail.pack
    typed = values or {}
    context: dict[str, Any] = {
        "title": f"{detail.row.board.name}: {detail.row.meeting.date.day} {detail.row.meeting.date:%B %Y}",
        "d": detail,
        "row": detail.row,
        "pack": pack,
        "base": PACK.format(plan_id=plan_id, board_id=detail.row.board.id, pack_id=pack.id),
        "when": when,
        "done": DONE.get(done or ""),
        "errors": errors or [],
        "field_errors": field_errors or {},
        "summary": typed.get("summary", pack.covering_summary or ""),
        "commentary": {
            e["ref"]: typed.get(f"commentary-{e['ref']}", (pack.commentary or {}).get(e["ref"], ""))
            for e in detail.exceptions
        },
        "editable": detail.row.state is not PackState.SENT,
        "latest": detail.row.superseded_by is None,
        "states": PackState,
    }
    return console_page(request, viewer, standing, "console_pack.html.j2", "packs", context, status)


@router.get(PACK)
def pack_page(
    plan_id: Id,
    board_id: Id,
    pack_id: Id,
    request: Request,
    now: Now,
    viewer: Reader,
    done: str | None = None,
) -> Response:
    detail = _detail(request, plan_id, board_id, pack_id)
    if detail is None:
        return _not_found()
    viewed(request, plan_standing(viewer, plan_id), PACK.format(**request.path_params), now)
    return _review(request, viewer, plan_id, detail, done=done)


@router.get(PACK + "/pack.html")
def pack_html(plan_id: Id, board_id: Id, pack_id: Id, request: Request, now: Now, viewer: Reader) -> Response:
    place = (plan_id, board_id, pack_id)
    policy = {"Content-Security-Policy": PACK_POLICY}
    return _file(request, viewer, now, place, ".html", "text/html; charset=utf-8", policy)


@router.get(PACK + "/pack.pdf")
def pack_pdf(plan_id: Id, board_id: Id, pack_id: Id, request: Request, now: Now, viewer: Reader) -> Response:
    return _file(request, viewer, now, (plan_id, board_id, pack_id), ".pdf", "application/pdf", {})


@router.get(PACK + "/pack.docx")
def pack_docx(plan_id: Id, board_id: Id, pack_id: Id, request: Request, now: Now, viewer: Reader) -> Response:
    # Downloaded, never shown inline: a browser has no Word viewer, and the secretariat files it as it is.
    place = (plan_id, board_id, pack_id)
    return _file(request, viewer, now, place, ".docx", DOCX_MEDIA, {}, disposition="attachment")


def _file(
    request: Request,
    viewer: Viewer,
    now: datetime,
    place: tuple[int, int, int],
    suffix: str,
    media: str,
    extra: dict[str, str],
    disposition: str = "inline",
) -> Response:
    """The file as built and recorded, or a page saying why not: never a file that is not the one built.
    `place`: (plan, board, pack) as the address gave them, already read as numbers by the route."""
    detail = _detail(request, *place)
    found = next((f for f in detail.pack.files if f["name"].endswith(suffix)), None) if detail else None
    if detail is None or found is None:
        return _not_found()
    try:
        data = verified_bytes(Path(found["path"]), found["sha256"])
    except PackFileChanged:
        return problem(
            409,
            "This file is not the one built",
            "The file on the server is no longer the one built and recorded, so it is not shown. Ask the "
            "service's operator to rebuild the pack (`lineofsight pack build`), which restores it.",
        )
    except OSError:
        return problem(
            404,
            "This file is missing",
            "The pack's file is not on the server. Ask the service's operator to rebuild the pack "
            "(`lineofsight pack build`), which restores it.",
        )
    viewed(request, plan_standing(viewer, place[0]), request.url.path, now)
    headers = {"Content-Disposition": f'{disposition}; filename="{Path(found["name"]).name}"', **extra}
    return Response(data, media_type=media, headers=headers)


@router.post(PACK + "/summary")
async def save_words(
    plan_id: Id, board_id: Id, pack_id: Id, request: Request, now: Now, viewer: Secretariat
) -> Response:
    form = await posted(request, viewer)
    detail = _detail(request, plan_id, board_id, pack_id)
    if detail is None:
        return _not_found()
    commentary = {k.removeprefix("commentary-"): v for k, v in form.items() if k.startswith("commentary-")}
    app = the_app(request)
    from packs.secretariat import write_words

    try:
        changed = await run_in_threadpool(
            write_words,
            app.engine,
            pack_id,
            viewer.email,
            form.get("summary"),
            commentary,
            app.policy,
            now,
        )
    except (InvalidValue, UnknownException) as exc:
        name = invalid_field(exc)
        text = _said(exc)
        return _review(
            request,
            viewer,
            plan_id,
            detail,
            errors=[(f"#{name}", text)],
            field_errors={name: text},
            values=form,
            status=400,
        )
    except PackNotEditable as exc:
        return _refused(request, viewer, plan_id, detail, exc, form)
    return _back(plan_id, board_id, pack_id, "saved" if changed else "unchanged")


@router.post(PACK + "/approve")
async def approve_pack(
    plan_id: Id, board_id: Id, pack_id: Id, request: Request, now: Now, viewer: Secretariat
) -> Response:
    from packs.secretariat import approve

    return await _act(request, viewer, now, plan_id, board_id, pack_id, approve, "approved")


@router.post(PACK + "/send")
async def send_pack(
    plan_id: Id, board_id: Id, pack_id: Id, request: Request, now: Now, viewer: Secretariat
) -> Response:
    from packs.secretariat import send

    def sending(engine: Any, pack: int, by: str, _policy: Any, moment: datetime) -> Any:
        return send(engine, pack, by, moment)

    return await _act(request, viewer, now, plan_id, board_id, pack_id, sending, "sent")


@router.post(PACK + "/correct")
async def correct_pack(
    plan_id: Id, board_id: Id, pack_id: Id, request: Request, now: Now, viewer: Secretariat
) -> Response:
    from packs.secretariat import correct

    def correcting(engine: Any, pack: int, by: str, policy: Any, moment: datetime) -> int:
        return correct(engine, pack, by, policy, moment).pack_id  # the new draft is the page to show

    return await _act(request, viewer, now, plan_id, board_id, pack_id, correcting, "corrected")


async def _act(
    request: Request,
    viewer: Viewer,
    now: datetime,
    plan_id: Id,
    board_id: Id,
    pack_id: Id,
    step: Any,
    done: str,
) -> Response:
    form = await posted(request, viewer)
    detail = _detail(request, plan_id, board_id, pack_id)
    if detail is None:
        return _not_found()
    app = the_app(request)
    try:
        shown = await run_in_threadpool(step, app.engine, pack_id, viewer.email, app.policy, now)
    except PackNotEditable as exc:
        return _refused(request, viewer, plan_id, detail, exc, form)
    # A step that makes another pack (a correction) names it; the others stay on this one.
    return _back(plan_id, board_id, shown if isinstance(shown, int) else pack_id, done)


def _refused(
    request: Request,
    viewer: Viewer,
    plan_id: Id,
    detail: PackDetail,
    exc: PackNotEditable,
    form: dict[str, str],
) -> Response:
    fresh = _detail(request, plan_id, detail.row.board.id or 0, detail.pack.id or 0) or detail
    return _review(request, viewer, plan_id, fresh, errors=[("#actions", str(exc))], values=form, status=400)


def _said(exc: InvalidValue | UnknownException) -> str:
    if isinstance(exc, InvalidValue):
        return f"The {exc.field} must be {exc.expected}."
    return str(exc)


def _back(plan_id: Id, board_id: Id, pack_id: Id, done: str) -> Response:
    path = PACK.format(plan_id=plan_id, board_id=board_id, pack_id=pack_id)
    return RedirectResponse(f"{path}?done={done}", status_code=303)
