"""Excel workbooks (.xlsx): refused when their XML declares entities, streamed read-only otherwise."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile

from sjia_explore.readers.archive import UNPACK_ERRORS, why
from sjia_explore.readers.layout import table_for_name
from sjia_explore.readers.limits import Limits
from sjia_explore.readers.reading import Reading, Sheet
from sjia_explore.readers.sniff import grid_to_sheet

#: Read size when scanning workbook parts, and the overlap kept between reads so that a
#: marker split across two reads is still seen.
_SCAN_CHUNK_BYTES = 1024 * 1024
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_DTD_OVERLAP = max(len(m) for m in _DTD_MARKERS)


def _declares_entities(archive: zipfile.ZipFile) -> bool:
    """True when an XML part of a workbook has a DTD (Office never writes one; billion-laughs files do).

    Streamed in chunks: the parts' total size was checked against the unpacked budget already.
    """
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        tail = b""
        with archive.open(info) as fh:
            while chunk := fh.read(_SCAN_CHUNK_BYTES):
                window = tail + chunk
                if any(m in window for m in _DTD_MARKERS):
                    return True
                tail = window[-_DTD_OVERLAP:]
    return False


def _cell_text(value) -> str:
    """Text of one workbook cell as a CSV export would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def read_workbook(raw: bytes, archive: zipfile.ZipFile, label: str, limits: Limits,
                   reading: Reading) -> list[Sheet] | None:
    """Every non-empty worksheet, streamed read-only (formulas as their cached values).

    ``archive`` is the workbook opened by :func:`open_archive` (sizes checked). Parts that
    declare XML entities are refused before openpyxl sees them, whether or not defusedxml
    is installed.
    """
    try:
        hostile = _declares_entities(archive)
    except UNPACK_ERRORS as err:
        reading.problem(label, None, None, f"the workbook could not be unpacked ({why(err)}); "
                        "open it in Excel, save it again as .xlsx and retry")
        return None
    if hostile:
        reading.problem(label, None, None, "the workbook's XML declares entities (a DTD), which Excel never "
                        "writes and XML-bomb attacks use; it was not read: save it again from Excel")
        return None
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        reading.problem(label, None, None, "reading .xlsx needs the openpyxl package: pip install openpyxl")
        return None
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
    except Exception as err:  # openpyxl raises many kinds of error on malformed or hostile parts
        reading.problem(label, None, None, f"the workbook could not be opened ({why(err)}); "
                        "open it in Excel, save it again as .xlsx and retry")
        return None
    sheets: list[Sheet] = []
    try:
        for ws in book.worksheets:
            if not hasattr(ws, "reset_dimensions"):
                continue
            ws.reset_dimensions()  # ignore a declared size: rows are counted as they come
            sheet_label = f"{label}[{ws.title}]"
            rows = ws.iter_rows(max_col=limits.max_columns + 1, values_only=True)
            records = ((n, [_cell_text(v) for v in row]) for n, row in enumerate(rows, start=1))
            sheet = grid_to_sheet(records, sheet_label, ws.title, limits, reading)
            if sheet is None and table_for_name(ws.title):
                sheet = Sheet(sheet_label, ws.title, [], [], [])
            if sheet is not None:
                sheet.workbook = True
                sheets.append(sheet)
    except Exception as err:  # malformed sheet XML, entity expansion refused by defusedxml, ...
        reading.problem(label, None, None, f"the workbook could not be read ({why(err)}); "
                        "open it in Excel, save it again as .xlsx and retry")
        return None
    finally:
        book.close()
    return sheets
