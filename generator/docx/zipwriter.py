"""The zip writer for .docx packages: members deflated or copied as stored, fixed timestamps, so equal content gives equal bytes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a .docx package with fixed timestamps and attributes so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return write_zip([deflate(info.filename, source.read(info.filename)) for info in source.infolist()])


@dataclass(frozen=True)
class Deflated:
    """One zip member, compressed, with what its headers need."""

    name: bytes
    data: bytes
    crc: int
    size: int


def deflate(name: str, data: bytes) -> Deflated:
    """One member compressed with raw deflate, as a .docx zip stores it."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return Deflated(name.encode("utf-8"), compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def copied_member(data: bytes, info: zipfile.ZipInfo) -> Deflated:
    """A member copied without recompressing it (read back from its local header)."""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return deflate(info.filename, package.read(info.filename))
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    return Deflated(info.filename.encode("utf-8"), data[start : start + info.compress_size], info.CRC, info.file_size)


# DOS date of 1980-01-01, time 00:00: fixed so equal content gives equal bytes.
_DOS_DATE, _DOS_TIME = (0 << 9) | (1 << 5) | 1, 0
_EXTERNAL_ATTR = 0o600 << 16


def write_zip(members: list[Deflated]) -> bytes:
    """A zip package of already-deflated members, with fixed timestamps (the subset of the format .docx uses)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, _DOS_TIME, _DOS_DATE, member.crc, len(member.data), member.size, len(member.name), 0))
        out.write(member.name)
        out.write(member.data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, 0, 8, _DOS_TIME, _DOS_DATE, member.crc, len(member.data), member.size,
                len(member.name), 0, 0, 0, 0, _EXTERNAL_ATTR, offset,
            )
        )
        central.write(member.name)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0))
    return out.getvalue()
