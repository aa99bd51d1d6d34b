"""Text files: tell the format from the first bytes, decode, sniff the delimiter, find the header."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator

from sjia_explore.readers.limits import Limits
from sjia_explore.readers.reading import Reading, Sheet
from sjia_explore.schema import TABLES, canonical_column, normalise_header

#: Bytes looked at to tell text from binary (a NUL byte in them means binary).
SNIFF_BYTES = 8192
#: Lines looked at to sniff the delimiter.
SNIFF_LINES = 50
#: Delimiters tried, in order of preference when two fit equally well.
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
#: Non-blank rows searched for the header (title rows above it are skipped).
HEADER_SEARCH_ROWS = 10
#: Headers that mark a REDCap records export and data dictionary (see :mod:`sjia_explore.readers.redcap`).
REDCAP_EVENT = "redcap_event_name"
REDCAP_DICTIONARY_FIRST_HEADER = "variable_field_name"
#: File name endings read as delimited text inside a folder or archive.
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: What a format is, in words, for messages.
FORMAT_WORDS = {
    "empty": "empty",
    "text": "delimited text (CSV)",
    "xlsx": "an Excel workbook (.xlsx)",
    "zip": "a zip archive",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "office": "an Office document that is not an .xlsx workbook",
    "ole": "a legacy Excel .xls workbook or a password-protected Office file",
    "binary": "a binary file, not text",
}


# -- format detection --------------------------------------------------------------------
def detect_format(content: bytes) -> str:
    """What ``content`` is, from its first bytes: ``empty``, ``zip``, ``ole``, ``binary`` or ``text``.

    A ``zip`` may be an .xlsx workbook: :func:`archive_kind` tells which.

    Examples
    --------
    >>> detect_format(b"PK\\x03\\x04..."), detect_format(b"id,week\\n"), detect_format(b"\\x00\\x01")
    ('zip', 'text', 'binary')
    """
    if not content.strip():
        return "empty"
    if content.startswith(_ZIP_MAGIC):
        return "zip"
    if content.startswith(_OLE_MAGIC):
        return "ole"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text"
    if b"\x00" in content[:SNIFF_BYTES]:
        return "binary"
    return "text"


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode file bytes: UTF-16 with BOM, else UTF-8 (BOM or not), else Windows-1252.

    Returns
    -------
    text, encoding
        ``encoding`` is ``"utf-8"``, ``"utf-16"`` or ``"cp1252"``.

    Raises
    ------
    UnicodeDecodeError
        When the bytes are none of these (the error of the UTF-8 attempt).

    Examples
    --------
    >>> decode_text("Jos\\u00e9".encode("cp1252"))
    ('José', 'cp1252')
    >>> decode_text(b"\\xef\\xbb\\xbfid")
    ('id', 'utf-8')
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as err:
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise err from None


def sniff_delimiter(text: str) -> str:
    """The cell delimiter of CSV text: the candidate that splits the most lines into the same number of cells.

    Examples
    --------
    >>> sniff_delimiter("id;crp\\nP1;12,5\\nP2;3,0\\n")
    ';'
    >>> sniff_delimiter("id\\tweek\\nP1\\t0\\n"), sniff_delimiter("just one column\\n")
    ('\\t', ',')
    """
    lines = [line for line in text.splitlines() if line.strip()][:SNIFF_LINES]
    best, best_score = ",", (0.0, 0)
    for delimiter in CANDIDATE_DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths:
            continue
        mode = max(set(widths), key=lambda w: (widths.count(w), w))
        if mode < 2:
            continue
        score = (widths.count(mode) / len(widths), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# -- grids -------------------------------------------------------------------------------
def _is_id_header(cell: str) -> bool:
    return any(canonical_column(cell, t) == "patient_id" for t in TABLES)


def grid_to_sheet(records: Iterable[tuple[int, list[str]]], label: str, name: str, limits: Limits,
                   reading: Reading) -> Sheet | None:
    """Find the header, drop blank rows, pad short rows; count rows and columns while streaming.

    Returns ``None`` when there is no non-blank row, or (with a problem) when a limit is passed.
    """
    it: Iterator[tuple[int, list[str]]] = iter(records)
    pending: list[tuple[int, list[str]]] = []
    header_at = None
    for number, cells in it:
        while cells and not str(cells[-1]).strip():
            cells = cells[:-1]
        if not cells:
            continue
        pending.append((number, list(cells)))
        if _looks_like_header(cells):
            header_at = len(pending) - 1
            break
        if len(pending) >= HEADER_SEARCH_ROWS:
            break
    if not pending:
        return None
    if header_at is None:
        header_at = 0
    header_row, header = pending[header_at]
    header = [str(h).strip() for h in header]
    if header_at:
        first, last = pending[0][0], pending[header_at - 1][0]
        skipped = f"row {first} was" if first == last else f"rows {first}–{last} were"
        reading.warn(label, None, None, f"{skipped} skipped: the header was found on row {header_row}")
    width = len(header)
    if width > limits.max_columns:
        reading.problem(label, header_row, None, f"the header has {width} columns, over the limit of "
                        f"{limits.max_columns}; remove columns the cohort does not need")
        return None
    rows: list[list[str]] = []
    numbers: list[int] = []

    def rest():
        yield from pending[header_at + 1:]
        yield from it

    for number, cells in rest():
        while cells and not str(cells[-1]).strip():
            cells = cells[:-1]
        if not cells:
            continue
        if len(cells) > width:
            reading.problem(label, number, None,
                            f"this row has {len(cells)} cells but the header has {width}; "
                            "check the delimiter, quotes and decimal commas on this row")
            continue
        rows.append(list(cells) + [""] * (width - len(cells)))
        numbers.append(number)
        if len(rows) > limits.max_rows:
            reading.problem(label, number, None,
                            f"more than {limits.max_rows} data rows; "
                            "split the file or remove rows the cohort does not need")
            return None
    return Sheet(label, name, header, rows, numbers, header_row)


def _looks_like_header(cells: list[str]) -> bool:
    """A patient id header in the row, or the header of a REDCap export or data dictionary."""
    names = [normalise_header(c) for c in cells if str(c).strip()]
    if names and (names[0] == REDCAP_DICTIONARY_FIRST_HEADER or REDCAP_EVENT in names):
        return True
    return any(_is_id_header(str(c)) for c in cells if str(c).strip())


def read_text(raw: bytes, label: str, name: str, limits: Limits, reading: Reading) -> Sheet | None:
    """Parse CSV bytes (any supported encoding and delimiter) into a :class:`Sheet`, or explain why not."""
    kind = detect_format(raw)
    if kind == "empty":
        reading.problem(label, None, None, "the file is empty; it needs a header row and data rows")
        return None
    if kind != "text":
        reading.problem(label, None, None, f"the file is {FORMAT_WORDS[kind]}, not CSV text; "
                        "save it as CSV (or give the workbook itself, as .xlsx)")
        return None
    try:
        text, encoding = decode_text(raw)
    except UnicodeDecodeError as err:
        reading.problem(label, None, None, f"the file is neither UTF-8 nor Windows-1252 text (byte {err.start}); "
                        "save it as CSV UTF-8 and try again")
        return None
    if encoding == "cp1252":
        start = _first_non_utf8(raw)
        reading.note(label, None, None,
                     f"the file is not UTF-8 (first non-UTF-8 byte at position {start}); it was read as "
                     'Windows-1252 (cp1252): check that accented letters look right, or save it as "CSV UTF-8"')
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    data_rows = 0
    try:
        for number, cells in enumerate(reader, start=1):
            records.append((number, cells))
            data_rows += any(c.strip() for c in cells)
            if data_rows > limits.max_rows + 1:
                reading.problem(label, number, None, f"more than {limits.max_rows} data rows; split the file "
                                "or remove rows the cohort does not need")
                return None
    except csv.Error as err:
        reading.problem(label, None, None, f"the file could not be read as CSV near line {reader.line_num} "
                        f"({err}); check its quotes and delimiters")
        return None
    before = len(reading.problems)
    sheet = grid_to_sheet(records, label, name, limits, reading)
    if sheet is None:
        if len(reading.problems) == before:
            reading.problem(label, None, None, "the file is empty; it needs a header row and data rows")
        return None
    sheet.delimiter = delimiter
    return sheet


def _first_non_utf8(raw: bytes) -> int:
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return err.start
    return 0
