"""Zip archives, checked from their central directory before anything is unpacked."""

from __future__ import annotations

import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterable

from sjia_explore.readers.limits import Limits, format_size
from sjia_explore.readers.reading import Reading, short

_ZIP_EOCD = b"PK\x05\x06"
#: The end-of-central-directory record: 22 bytes plus a comment of up to 65 535 bytes.
_ZIP_EOCD_SEARCH = 22 + 65535
_ZIP_EOCD_ENTRIES_OFFSET = 10
_ZIP_ENCRYPTED_FLAG = 0x1
_ZIP64_ENTRIES = 0xFFFF
#: What a damaged or hostile archive can raise while being listed or unpacked.
UNPACK_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, OSError, EOFError,
                  ValueError, NotImplementedError, RuntimeError, UnicodeDecodeError)


def archive_kind(names: Iterable[str]) -> str:
    """``xlsx``, ``ods``, ``office`` or ``zip``, from an archive's member names."""
    names = set(names)
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names and "content.xml" in names:
        return "ods"
    if "[Content_Types].xml" in names:
        return "office"
    return "zip"


# -- archives and workbooks --------------------------------------------------------------
def _declared_entry_count(raw: bytes) -> int | None:
    """Entry count from the end-of-central-directory record, read without parsing the directory."""
    at = raw.rfind(_ZIP_EOCD, max(0, len(raw) - _ZIP_EOCD_SEARCH))
    if at < 0 or at + _ZIP_EOCD_ENTRIES_OFFSET + 2 > len(raw):
        return None
    count = int.from_bytes(raw[at + _ZIP_EOCD_ENTRIES_OFFSET:at + _ZIP_EOCD_ENTRIES_OFFSET + 2], "little")
    return None if count == _ZIP64_ENTRIES else count


def _unsafe_member(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts


def open_archive(raw: bytes, label: str, limits: Limits, reading: Reading) -> zipfile.ZipFile | None:
    """Open zip bytes after checking entry count, declared unpacked size, member names and encryption.

    Nothing is decompressed here: the checks use the central directory only.
    """
    declared = _declared_entry_count(raw)
    if declared is not None and declared > limits.max_archive_entries:
        reading.problem(label, None, None, f"the archive holds {declared} entries, over the limit of "
                        f"{limits.max_archive_entries}; it was not unpacked")
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except UNPACK_ERRORS as err:
        reading.problem(label, None, None, f"the archive is damaged or incomplete ({why(err)}); "
                        "download or save it again")
        return None
    if len(infos) > limits.max_archive_entries:
        reading.problem(label, None, None, f"the archive holds {len(infos)} entries, over the limit of "
                        f"{limits.max_archive_entries}; it was not unpacked")
        return None
    unsafe = sum(_unsafe_member(i.filename) for i in infos)
    if unsafe:
        reading.problem(label, None, None, f"the archive holds {unsafe} member(s) with an unsafe path "
                        "(absolute, or containing ..); it was not unpacked")
        return None
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        reading.problem(label, None, None, f"the archive would unpack to {format_size(total)}, over the "
                        f"{format_size(limits.max_uncompressed_bytes)} limit (a guard against zip bombs); "
                        "it was not unpacked: remove what the cohort does not need")
        return None
    if any(i.flag_bits & _ZIP_ENCRYPTED_FLAG for i in infos):
        reading.problem(label, None, None, "the archive is password-protected; give it without a password")
        return None
    return archive


def why(err: BaseException) -> str:
    """The root cause of an error, short: its type and the first line of its message."""
    while err.__cause__ is not None:
        err = err.__cause__
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {short(text)}" if text else type(err).__name__


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, limits: Limits,
                 reading: Reading) -> bytes | None:
    if info.file_size > limits.max_file_bytes:
        reading.problem(label, None, None, f"the file would unpack to {format_size(info.file_size)}, over the "
                        f"{format_size(limits.max_file_bytes)} limit; it was not unpacked")
        return None
    try:
        with archive.open(info) as fh:
            data = fh.read(limits.max_file_bytes + 1)
    except UNPACK_ERRORS as err:
        reading.problem(label, None, None, f"the file could not be unpacked ({why(err)}); "
                        "the archive may be damaged: save it again")
        return None
    if len(data) > limits.max_file_bytes:  # pragma: no cover - zipfile stops at the declared size
        reading.problem(label, None, None, f"the file is over the {format_size(limits.max_file_bytes)} limit")
        return None
    return data
