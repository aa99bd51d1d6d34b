"""Size limits of one load, each defined once, and the one way a size is printed (MiB).

Examples
--------
>>> format_size(MAX_FILE_BYTES), format_size(1_234_567)
('20 MiB', '1.2 MiB')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Bytes in one MiB, the unit every size is printed in.
MIB = 1024 * 1024

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
    """A size in MiB, the one unit sizes are printed in (whole MiB without decimals).

    Examples
    --------
    >>> format_size(20 * 1024 * 1024), format_size(1_234_567), format_size(50), format_size(0)
    ('20 MiB', '1.2 MiB', '0.000048 MiB', '0 MiB')
    """
    mib = n_bytes / MIB
    if mib == 0 or float(mib).is_integer():
        return f"{int(mib)} MiB"
    decimals = 1 if mib >= 0.1 else min(6, 1 - math.floor(math.log10(mib)))
    return f"{mib:.{decimals}f} MiB"


def too_large(size: int, limit: int) -> str:
    """The message for a file of ``size`` bytes over a ``limit`` in bytes.

    Examples
    --------
    >>> too_large(25 * MIB, MAX_FILE_BYTES)
    'the file is 25 MiB, over the 20 MiB limit; split it or remove unused columns'
    """
    return f"the file is {format_size(size)}, over the {format_size(limit)} limit; split it or remove unused columns"
