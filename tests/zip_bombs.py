"""Zip archives built by hand, so that a test can make a workbook that inflates to gigabytes in a few
milliseconds: a deflate stream is a run of blocks, so one block compressed once (sync-flushed, referring to
nothing before it) can be repeated any number of times, then closed with an empty final block.

`write_zip` writes real members as they are and a bomb member as (prefix, block, times, suffix). A member may
declare a size other than the truth (`declared`), the lie a hostile file would tell.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path


def _deflated(data: bytes) -> bytes:
    """`data` as raw deflate blocks, byte-aligned and self-contained, not final."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


FINAL_BLOCK = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block


@dataclass(frozen=True)
class Bomb:
    prefix: bytes
    block: bytes
    times: int
    suffix: bytes
    declared: int | None = None  # the size the archive's directory states; the true size when None
    true_crc: bool = False  # computing the CRC of gigabytes takes seconds: a parser refused first never looks

    @property
    def size(self) -> int:
        return len(self.prefix) + len(self.block) * self.times + len(self.suffix)

    def stream(self) -> bytes:
        block = _deflated(self.block)
        return _deflated(self.prefix) + block * self.times + _deflated(self.suffix) + FINAL_BLOCK

    def crc(self) -> int:
        if not self.true_crc:
            return 0
        crc = zlib.crc32(self.prefix)
        for _ in range(self.times):
            crc = zlib.crc32(self.block, crc)
        return zlib.crc32(self.suffix, crc)


def write_zip(path: Path, members: dict[str, bytes | Bomb]) -> Path:
    """A zip of deflated members (no zip64: every size stays under 4 GiB)."""
    local, central = bytearray(), bytearray()
    for name, content in members.items():
        if isinstance(content, Bomb):
            data, size, crc = content.stream(), content.declared or content.size, content.crc()
        else:
            data, size, crc = _deflated(content) + FINAL_BLOCK, len(content), zlib.crc32(content)
        encoded = name.encode()
        offset = len(local)
        fields = (20, 0, zipfile.ZIP_DEFLATED, 0, 0x21, crc, len(data), size, len(encoded), 0)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + encoded + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + encoded
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}
