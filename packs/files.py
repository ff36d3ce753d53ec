"""A pack's files: written whole, never over a file that is not the pack's own (unless forced), and
restored from the same rendering when the disk no longer holds what the pack's record says was built."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from models.board_packs import Pack, on_disk
from models.errors import BadInput
from models.ledger.chain import Event, record
from models.ledger.kinds import EventKind
from models.meetings import Board, Meeting
from models.output.files import write_bytes
from models.vocab import Audience
from packs.context import PackContext


@dataclass(frozen=True)
class Rendered:
    context: PackContext
    html: str
    pdf: bytes
    docx: bytes | None = None  # None when the board's Word template could not be filled (`word_problem`)
    word_problem: str | None = None

    def data(self) -> dict[str, bytes]:
        """Each file's bytes by its suffix."""
        data = {".pdf": self.pdf, ".html": self.html.encode("utf-8")}
        return data if self.docx is None else data | {".docx": self.docx}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "pack"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PackFileExists(BadInput):
    """Writing the pack would replace a file that is not this pack's own."""

    def __init__(self, paths: list[Path]) -> None:
        shown = ", ".join(str(p) for p in paths)
        super().__init__(
            f"{shown} already exists and is not this pack's file, so nothing was built. Choose another "
            "--out folder, or use --force to overwrite it."
        )


FORMATS = frozenset({".pdf", ".html", ".docx"})


def write_files(
    folder: Path, stem: str, rendered: Rendered | dict[str, bytes], *, own: set[str], force: bool
) -> list[dict[str, Any]]:
    """Write the pack's files (the rendering's, or just these bytes by suffix), refusing (before writing
    any) to replace a file that is neither one of this pack's own (`own`: their paths) nor already the very
    same bytes, unless `force`."""
    folder.mkdir(parents=True, exist_ok=True)
    data = rendered if isinstance(rendered, dict) else rendered.data()
    paths = {suffix: folder / f"{stem}{suffix}" for suffix in data}
    taken = [
        path
        for suffix, path in paths.items()
        # A symlink is replaced, never written through (models.output.files): no stranger's file is lost.
        if path.exists()
        and not path.is_symlink()
        and str(path.resolve()) not in own
        and not (path.is_file() and sha256_of(path.read_bytes()) == sha256_of(data[suffix]))
    ]
    if taken and not force:
        raise PackFileExists(taken)
    for suffix in FORMATS.difference(data):
        # A file this pack had and has no longer (its Word file, when the template could not be filled this
        # time): an old one left beside the new PDF would be uploaded with it.
        stale = folder / f"{stem}{suffix}"
        if str(stale.resolve()) in own and stale.is_file() and not stale.is_symlink():
            stale.unlink()
    files = []
    for suffix, path in paths.items():
        write_bytes(path, data[suffix])  # a reader never sees half a pack
        files.append(
            {
                "name": path.name,
                "path": str(path.resolve()),
                "sha256": sha256_of(data[suffix]),
                "bytes": len(data[suffix]),
            }
        )
    return files


def stem_of(meeting: Meeting, board: Board, audience: Audience, version: int) -> str:
    stem = f"{meeting.date.isoformat()}-{slug(board.name)}-{audience.value}"
    return stem if version == 1 else f"{stem}-v{version}"


def restorable(files: list[dict[str, Any]], rendered: Rendered) -> dict[str, bytes]:
    """The rendered bytes of each recorded file this rendering gives again, by suffix. A sent pack kept
    unchanged may record a .docx this build no longer gives (a new template for a board not sent Word, or
    one that could not be filled): those bytes are not the file recorded, so they never go under its name."""
    data = rendered.data()
    recorded = hashes_of(files)
    return {
        suffix: data[suffix]
        for suffix, sha in recorded.items()
        if suffix in data and sha256_of(data[suffix]) == sha
    }


@dataclass(frozen=True)
class Restored:
    rewritten: tuple[str, ...] = ()  # files rewritten with the bytes recorded
    unrestorable: tuple[str, ...] = ()  # missing or changed files this build cannot give again


def restore_files(session: Session, plan: str, pack: Pack, rendered: Rendered, actor: str) -> Restored:
    """Rewrite, where the pack's record says, each file that is missing or no longer the one built (the
    same data renders the same bytes), with a `PackFilesRestored` event naming what the disk held. A file
    this build renders differently is left as it is and named as not restorable, in the event and to the
    caller: writing other bytes under the recorded SHA-256 would only hide the damage."""
    data = restorable(pack.files, rendered)
    found = [(f, on_disk(f)) for f in pack.files]
    damaged = [(f, state) for f, state in found if state != "intact"]
    rewritten = [(f, state) for f, state in damaged if Path(f["name"]).suffix in data]
    lost = [(f, state) for f, state in damaged if Path(f["name"]).suffix not in data]
    for f, _ in rewritten:
        write_bytes(Path(f["path"]), data[Path(f["name"]).suffix])
    if rewritten:
        files = [{"name": f["name"], "sha256": f["sha256"], "was": state} for f, state in rewritten]
        kept = [{"name": f["name"], "sha256": f["sha256"], "was": state} for f, state in lost]
        payload = {"pack_id": pack.id, "files": files} | ({"not_restorable": kept} if kept else {})
        record(session, Event(EventKind.PACK_FILES_RESTORED, actor, plan, None, payload))
    return Restored(tuple(f["name"] for f, _ in rewritten), tuple(f["name"] for f, _ in lost))


def hashes_of(files: list[dict[str, Any]]) -> dict[str, str]:
    return {Path(f["name"]).suffix: f["sha256"] for f in files}


def same_files(
    recorded: list[dict[str, Any]], wanted: dict[str, str], sent: bool, wants_word: bool = True
) -> bool:
    """The build gives the files recorded. For a sent pack only what the board receives counts: a .docx
    alone is no reason for a new version when the board is not sent Word (`wants_word` false: a new
    template or cover changes the .docx alone), nor when the pack was built before packs had a Word file."""
    had = hashes_of(recorded)
    if sent and (".docx" not in had or not wants_word):
        received = {suffix: sha for suffix, sha in had.items() if suffix != ".docx"}
        return all(wanted.get(suffix) == sha for suffix, sha in received.items())
    return had == wanted
