"""Size limits of one load, each defined once, and the one way a size is printed (MiB).

Examples
--------
>>> format_size(MAX_FILE_BYTES), format_size(1_234_567)
('20 MiB', '1.2 MiB')
"""

from __future__ import annotations

from dataclasses import dataclass

from sjia_explore import format as fmt

#: Bytes in one MiB, the unit every size is printed in.
MIB = fmt.MIB

#: Largest file read (a CSV, a workbook, an archive, an archive member), in bytes. A 20 MiB
#: CSV holds about 200 000 visit rows, far more than any sJIA cohort; files past it are
#: refused from their size on disk (or ``len`` of an upload) before being read.
MAX_FILE_BYTES = 20 * MIB
#: Largest total an archive or workbook may declare it unpacks to. A plain sheet XML packs
#: about 240:1 and DEFLATE allows about 1000:1, so a small file can hide gigabytes; 134 MB of
#: sheet XML took 64 s to parse with openpyxl here, so the budget keeps a parse under ~30 s.
MAX_UNCOMPRESSED_BYTES = 50 * MIB
#: Most members an archive or workbook may hold (a workbook has ~10 parts plus ~2 per sheet).
MAX_ARCHIVE_ENTRIES = 1000
#: Most data rows and columns read from one file or sheet, counted while streaming.
MAX_ROWS = 100_000
MAX_COLUMNS = 200


@dataclass(frozen=True)
class Limits:
    """Size limits for one load (defaults: the module constants)."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_archive_entries: int = MAX_ARCHIVE_ENTRIES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS



def format_size(n_bytes: float) -> str:
    """A size as every message of the package prints it: :func:`sjia_explore.format.size` (binary units).

    Examples
    --------
    >>> format_size(20 * 1024 * 1024), format_size(1_234_567)
    ('20 MiB', '1.2 MiB')
    """
    return fmt.size(int(n_bytes))


def too_large(size: int, limit: int) -> str:
    """The message for a file of ``size`` bytes over a ``limit`` in bytes.

    Examples
    --------
    >>> too_large(25 * MIB, MAX_FILE_BYTES)
    'the file is 25 MiB, over the 20 MiB limit; split it or remove unused columns'
    """
    return f"the file is {format_size(size)}, over the {format_size(limit)} limit; split it or remove unused columns"
