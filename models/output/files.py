"""Writing a file so that a reader never sees half of it and nobody can redirect it: every file the service
writes (packs, workbook exports and templates, the file outbox, ledger exports) goes through `replacing`.

The temporary file is made by `tempfile.mkstemp` in the target's own folder: an unpredictable name, created
with O_CREAT | O_EXCL | O_NOFOLLOW, so a symlink planted there (or at the old fixed `.partial` name) is never
followed. `os.replace` then swaps it in atomically; a symlink at the target's own name is replaced, never
written through.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

DEFAULT_UMASK = 0o022


def _umask() -> int:
    """The process's umask, read without changing it (os.umask would, for every thread, for a moment)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return DEFAULT_UMASK


@contextmanager
def replacing(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """An open file (binary, or UTF-8 text) that becomes `path` when the block ends without error."""
    if path.is_dir():  # `''` or `.` typed for a file: os.replace would fail only after all the work
        raise IsADirectoryError(errno.EISDIR, "a folder, not a file name", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the mode open() would
        handle: IO[Any] = os.fdopen(fd, "w", encoding="utf-8") if text else os.fdopen(fd, "wb")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    with replacing(path) as handle:
        handle.write(data)


def write_text(path: Path, text: str) -> None:
    with replacing(path, text=True) as handle:
        handle.write(text)
