"""Read cohort files in the shapes real exports come in, as text tables named as the schema names them.

Three layouts are accepted and told apart automatically:

* **tables**: a folder, or a ``.zip`` archive, of CSV files named after the tables
  (``patients.csv`` and ``visits.csv`` required; ``treatments.csv`` and
  ``adverse_events.csv`` optional), or an ``.xlsx`` workbook with one sheet per
  table (sheet names ``patients``, ``visits``, ... or a synonym such as
  ``Demographics`` or ``Follow-up``);
* **long**: one CSV file or sheet with one row per patient and visit, the
  patient's own columns (sex, study, baseline flags ...) repeated on each of
  their rows. It is split into ``patients`` and ``visits``; a patient whose
  repeated values disagree is a problem naming both rows.

The format is told by the content (magic bytes), never by the name alone; a
name that promises one format and content that is another is a problem.
Archives and workbooks are checked before anything is unpacked: the entry
count and the declared unpacked size (from the zip central directory) must be
within :class:`Limits`, member names must not be absolute or contain ``..``,
and rows and columns are counted while streaming. Everything is read in
memory: nothing is extracted to disk and input files are only opened for
reading.

CSV text may be UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252
(then a warning says so); the delimiter (``,`` ``;`` tab ``|``) is sniffed;
with ``;``, tab or ``|`` between cells, decimal commas are read as decimal
points. Headers are matched to the schema through
:data:`sjia_explore.schema.SYNONYMS`; columns that look like direct
identifiers (see :mod:`sjia_explore.identifiers`) are dropped with a warning;
steroid doses in mg/day are converted to mg/kg/day with the body weight.

Every message is a :class:`~sjia_explore.schema.Problem` whose ``row`` is the
spreadsheet row (header = 1 in a plain file) in the file as written, so blank
rows and title rows above the header are counted as a spreadsheet shows them.

Examples
--------
>>> text = "Subject ID;Visit week;Joints;CRP\\nP01;0;4;12,5\\nP01;4;1;3\\n"
>>> reading = read_bytes(text.encode("cp1252"), "cohort.csv")
>>> reading.layout, sorted(reading.frames)
('long', ['patients', 'visits'])
>>> reading.frames["visits"]["crp_mg_l"].tolist()
['12.5', '3']
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import lzma
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from sjia_explore import identifiers
from sjia_explore.schema import (
    FALSE_TOKENS, MISSING_TOKENS, TABLES, TRUE_TOKENS, Problem, canonical_column, normalise_header,
)

# -- limits ------------------------------------------------------------------------------
#: Largest file read (a CSV, a workbook, an archive, an archive member), in bytes. A 20 MiB
#: CSV holds about 200 000 visit rows, far more than any sJIA cohort; files past it are
#: refused from their size on disk (or ``len`` of an upload) before being read.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total an archive or workbook may declare it unpacks to. A plain sheet XML packs
#: about 240:1 and DEFLATE allows about 1000:1, so a small file can hide gigabytes; 134 MB of
#: sheet XML took 64 s to parse with openpyxl here, so the budget keeps a parse under ~30 s.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
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


# -- formats -----------------------------------------------------------------------------
#: Bytes looked at to tell text from binary (a NUL byte in them means binary).
SNIFF_BYTES = 8192
#: Lines looked at to sniff the delimiter.
SNIFF_LINES = 50
#: Delimiters tried, in order of preference when two fit equally well.
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
#: Non-blank rows searched for the header (title rows above it are skipped).
HEADER_SEARCH_ROWS = 10
#: File name endings read as delimited text inside a folder or archive.
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: Longest cell text echoed in a message.
MESSAGE_CELL_CHARS = 40

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_EOCD = b"PK\x05\x06"
#: The end-of-central-directory record: 22 bytes plus a comment of up to 65 535 bytes.
_ZIP_EOCD_SEARCH = 22 + 65535
_ZIP_EOCD_ENTRIES_OFFSET = 10
_ZIP_ENCRYPTED_FLAG = 0x1
_ZIP64_ENTRIES = 0xFFFF
#: What a damaged or hostile archive can raise while being listed or unpacked.
_UNPACK_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, OSError, EOFError,
                  ValueError, NotImplementedError, RuntimeError, UnicodeDecodeError)

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

# -- tables and columns ------------------------------------------------------------------
#: File stems and sheet names (normalised) that name each table.
TABLE_NAMES: dict[str, str] = {
    **{k: "patients" for k in ("patients", "patient", "demographics", "baseline", "baseline_characteristics",
                               "participants", "subjects", "table_1", "table1")},
    **{k: "treatments" for k in ("treatments", "treatment", "medications", "medication", "drugs", "therapies",
                                 "previous_treatments", "table_2", "table2")},
    **{k: "visits" for k in ("visits", "visit", "follow_up", "followup", "assessments", "visit_data")},
    **{k: "adverse_events" for k in ("adverse_events", "adverse_event", "aes", "ae", "safety", "adverse_effects")},
}

#: Steroid dose in mg/day (prednisone equivalent) and body weight in kg: not schema columns,
#: but read to compute ``steroid_mg_kg_day`` when only mg/day is given.
STEROID_MG_DAY = "steroid_mg_day"
WEIGHT_KG = "weight_kg"
CONVERSION_HEADERS: dict[str, str] = {
    **{k: STEROID_MG_DAY for k in (
        "steroid_mg_day", "steroid_dose_mg_day", "steroid_mg_d", "prednisone_mg_day", "prednisolone_mg_day",
        "pred_mg_day", "prednisone_mg_d", "corticosteroid_mg_day", "gc_mg_day", "prednisone_equivalent_mg_day")},
    **{k: WEIGHT_KG for k in ("weight_kg", "weight", "body_weight", "body_weight_kg", "wt_kg", "bw_kg")},
}
#: Plausible body weights of a child or young adult, in kg; outside them the unit is probably wrong.
MIN_WEIGHT_KG = 1.0
MAX_WEIGHT_KG = 200.0
#: Converted doses are rounded to 0.0001 mg/kg/day, far below dosing precision.
STEROID_DECIMALS = 4

#: Spellings of sex read as the schema's codes (compared in lower case).
SEX_SPELLINGS: dict[str, str] = {
    **{k: "F" for k in ("f", "female", "girl", "w", "weiblich", "femme", "feminin", "féminin", "femenino")},
    **{k: "M" for k in ("m", "male", "boy", "männlich", "mannlich", "homme", "masculin", "masculino")},
}

_DECIMAL_COMMA = re.compile(r"\s*([+-]?\d+),(\d+)\s*")
_GROUPED_DECIMAL_COMMA = re.compile(r"\s*([+-]?\d{1,3}(?:\.\d{3})+),(\d+)\s*")


# -- results -----------------------------------------------------------------------------
@dataclass
class Sheet:
    """One grid of text cells as read from a file or worksheet, header found.

    ``row_numbers[i]`` is the spreadsheet row of ``rows[i]``.
    """

    label: str
    name: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    header_row: int = 1
    delimiter: str | None = None  # for CSV text; decimal commas are read only when it is not ","

    @property
    def decimal_comma(self) -> bool:
        return self.delimiter is not None and self.delimiter != ","


@dataclass
class Reading:
    """What was read: text frames per table and everything said about them.

    Attributes
    ----------
    layout
        ``"tables"`` or ``"long"`` (empty when nothing usable was found).
    frames
        Table name -> frame of text cells with the schema's column names (other
        columns keep their header as written).
    labels
        Table name -> file label for messages (``visits.csv``, ``cohort.xlsx[visits]``).
    row_numbers
        Table name -> spreadsheet row of each frame row.
    header_rows
        Table name -> spreadsheet row of its header (1 unless title rows came first).
    problems, warnings
        What makes the input invalid / what the reader assumed or dropped.
    notes
        Warnings that may explain problems (the encoding guessed): listed with the
        problems when the input is invalid.
    unreadable
        Tables that were found but could not be read (no "not found" problem for them).
    sha256
        Digest of the bytes read.
    """

    layout: str = ""
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    row_numbers: dict[str, list[int]] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    sha256: str = ""
    headers: dict[tuple[str, str], str] = field(default_factory=dict)

    def problem(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        """Record a warning once (a long sheet feeds two tables and would otherwise say it twice)."""
        warning = Problem(file, row, column, message)
        if warning not in self.warnings:
            self.warnings.append(warning)


@dataclass
class _Candidate:
    """A file, archive member or sheet that may hold a table; read only when needed."""

    name: str
    label: str
    load: Callable[[Reading], Sheet | None]


# -- small helpers -----------------------------------------------------------------------
def _short(text: str) -> str:
    text = str(text)
    return text if len(text) <= MESSAGE_CELL_CHARS else text[:MESSAGE_CELL_CHARS - 3] + "..."


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def _is_missing(text: str) -> bool:
    return str(text).strip().lower() in MISSING_TOKENS


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index.

    Examples
    --------
    >>> column_letter(0), column_letter(25), column_letter(27)
    ('A', 'Z', 'AB')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def table_for_name(name: str) -> str | None:
    """The table a file stem or sheet name stands for, or ``None``.

    Examples
    --------
    >>> table_for_name("Patients"), table_for_name("Follow-up"), table_for_name("Sheet1")
    ('patients', 'visits', None)
    """
    return TABLE_NAMES.get(normalise_header(name))


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


def _grid_to_sheet(records: Iterable[tuple[int, list[str]]], label: str, name: str, limits: Limits,
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
    return any(_is_id_header(str(c)) for c in cells if str(c).strip())


def _read_text(raw: bytes, label: str, name: str, limits: Limits, reading: Reading) -> Sheet | None:
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
        note = Problem(label, None, None,
                       f"the file is not UTF-8 (first non-UTF-8 byte at position {start}); it was read as "
                       'Windows-1252 (cp1252): check that accented letters look right, or save it as "CSV UTF-8"')
        reading.warnings.append(note)
        reading.notes.append(note)
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
    sheet = _grid_to_sheet(records, label, name, limits, reading)
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
    except _UNPACK_ERRORS as err:
        reading.problem(label, None, None, f"the archive is damaged or incomplete ({_why(err)}); "
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
        reading.problem(label, None, None, f"the archive would unpack to {_mib(total)}, over the "
                        f"{_mib(limits.max_uncompressed_bytes)} limit (a guard against zip bombs); "
                        "it was not unpacked: remove what the cohort does not need")
        return None
    if any(i.flag_bits & _ZIP_ENCRYPTED_FLAG for i in infos):
        reading.problem(label, None, None, "the archive is password-protected; give it without a password")
        return None
    return archive


def _why(err: BaseException) -> str:
    """The root cause of an error, short: its type and the first line of its message."""
    while err.__cause__ is not None:
        err = err.__cause__
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {_short(text)}" if text else type(err).__name__


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


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, limits: Limits,
                 reading: Reading) -> bytes | None:
    if info.file_size > limits.max_file_bytes:
        reading.problem(label, None, None, f"the file would unpack to {_mib(info.file_size)}, over the "
                        f"{_mib(limits.max_file_bytes)} limit; it was not unpacked")
        return None
    try:
        with archive.open(info) as fh:
            data = fh.read(limits.max_file_bytes + 1)
    except _UNPACK_ERRORS as err:
        reading.problem(label, None, None, f"the file could not be unpacked ({_why(err)}); "
                        "the archive may be damaged: save it again")
        return None
    if len(data) > limits.max_file_bytes:  # pragma: no cover - zipfile stops at the declared size
        reading.problem(label, None, None, f"the file is over the {_mib(limits.max_file_bytes)} limit")
        return None
    return data


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


def _read_workbook(raw: bytes, archive: zipfile.ZipFile, label: str, limits: Limits,
                   reading: Reading) -> list[Sheet] | None:
    """Every non-empty worksheet, streamed read-only (formulas as their cached values).

    ``archive`` is the workbook opened by :func:`open_archive` (sizes checked). Parts that
    declare XML entities are refused before openpyxl sees them, whether or not defusedxml
    is installed.
    """
    try:
        hostile = _declares_entities(archive)
    except _UNPACK_ERRORS as err:
        reading.problem(label, None, None, f"the workbook could not be unpacked ({_why(err)}); "
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
        reading.problem(label, None, None, f"the workbook could not be opened ({_why(err)}); "
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
            sheet = _grid_to_sheet(records, sheet_label, ws.title, limits, reading)
            if sheet is None and table_for_name(ws.title):
                sheet = Sheet(sheet_label, ws.title, [], [], [])
            if sheet is not None:
                sheets.append(sheet)
    except Exception as err:  # malformed sheet XML, entity expansion refused by defusedxml, ...
        reading.problem(label, None, None, f"the workbook could not be read ({_why(err)}); "
                        "open it in Excel, save it again as .xlsx and retry")
        return None
    finally:
        book.close()
    return sheets


# -- entry points ------------------------------------------------------------------------
def read_path(path: Path, limits: Limits | None = None) -> Reading:
    """Read a folder, or one file (CSV, .xlsx or .zip), refusing files over the size limit unread.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "patients.csv").write_text("id,study,months_onset_to_treatment\\nP1,mine,3\\n")
    >>> _ = (folder / "visits.csv").write_text("id,week,joints\\nP1,0,2\\n")
    >>> r = read_path(folder)
    >>> r.layout, list(r.frames["visits"].columns)
    ('tables', ['patient_id', 'week', 'active_joints'])
    """
    limits = limits or Limits()
    path = Path(path)
    if path.is_dir():
        return read_folder(path, limits)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        reading = Reading()
        reading.problem(path.name, None, None, f"the file is {size / 1e6:.1f} MB, over the "
                        f"{limits.max_file_bytes / 1e6:.0f} MB limit; split it or remove unused columns")
        return reading
    with open(path, "rb") as fh:  # read-only: input files are never changed
        raw = fh.read(limits.max_file_bytes + 1)
    return read_bytes(raw, path.name, limits)


def read_folder(folder: Path, limits: Limits | None = None) -> Reading:
    """Read a folder of CSV files named after the tables (or one long CSV)."""
    limits = limits or Limits()
    reading = Reading()
    files = sorted((p for p in folder.iterdir()
                    if p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith(".") and p.is_file()),
                   key=lambda p: p.name)
    if len(files) > limits.max_archive_entries:
        reading.problem(folder.name, None, None, f"the folder holds {len(files)} text files, over the limit of "
                        f"{limits.max_archive_entries}; keep only the cohort's tables")
        return reading
    read: dict[str, bytes] = {}

    def loader(p: Path) -> Callable[[Reading], Sheet | None]:
        def load(r: Reading) -> Sheet | None:
            size = p.stat().st_size
            if size > limits.max_file_bytes:
                r.problem(p.name, None, None, f"the file is {size / 1e6:.1f} MB, over the "
                          f"{limits.max_file_bytes / 1e6:.0f} MB limit; split it or remove unused columns")
                return None
            with open(p, "rb") as fh:  # read-only: input files are never changed
                raw = fh.read(limits.max_file_bytes + 1)
            read[p.name] = raw
            return _read_text(raw, p.name, p.stem, limits, r)
        return load

    candidates = [_Candidate(p.stem, p.name, loader(p)) for p in files]
    _assemble(candidates, reading, folder.name, "folder")
    digest = hashlib.sha256()
    for name in sorted(read):
        digest.update(name.encode())
        digest.update(read[name])
    reading.sha256 = digest.hexdigest()
    return reading


def read_bytes(content: bytes, filename: str, limits: Limits | None = None) -> Reading:
    """Read one file's bytes (CSV, .xlsx workbook or .zip archive), its format sniffed from the content.

    Parameters
    ----------
    content
        The whole file. Its length is checked against ``limits.max_file_bytes`` first.
    filename
        Its name, used in messages and checked against the content (a ``.xlsx`` that is
        really text is refused).
    """
    limits = limits or Limits()
    reading = Reading(sha256=hashlib.sha256(content).hexdigest())
    label = filename
    if len(content) > limits.max_file_bytes:
        reading.problem(label, None, None, f"the file is {len(content) / 1e6:.1f} MB, over the "
                        f"{limits.max_file_bytes / 1e6:.0f} MB limit; split it or remove unused columns")
        return reading
    kind = detect_format(content)
    archive = None
    if kind == "zip":
        archive = open_archive(content, label, limits, reading)
        if archive is None:
            return reading
        kind = archive_kind(archive.namelist())
    suffix = PurePosixPath(filename).suffix.lower()
    claimed = "xlsx" if suffix in WORKBOOK_SUFFIXES else "zip" if suffix == ".zip" else \
        "text" if suffix in TEXT_SUFFIXES else None
    if kind == "empty":
        reading.problem(label, None, None, "the file is empty; it needs a header row and data rows")
        return reading
    if claimed is not None and claimed != kind:
        fix = {"text": "if it is CSV text, rename it to .csv",
               "xlsx": "if it is an Excel workbook, rename it to .xlsx",
               "zip": "if it is a zip archive of CSV files, rename it to .zip"}.get(kind, "save it as .xlsx or CSV")
        reading.problem(label, None, None, f"the name says {FORMAT_WORDS[claimed]} but the content is "
                        f"{FORMAT_WORDS[kind]}; {fix}")
        return reading
    if kind in ("ole", "ods", "office", "binary"):
        reading.problem(label, None, None, f"the file is {FORMAT_WORDS[kind]}; save it as .xlsx (without a "
                        "password) or as CSV UTF-8")
        return reading
    if kind == "text":
        stem = PurePosixPath(filename).stem

        def load(r: Reading) -> Sheet | None:
            return _read_text(content, label, stem, limits, r)

        _assemble([_Candidate(stem, label, load)], reading, label, "file")
        return reading
    if kind == "xlsx":
        before = len(reading.problems)
        sheets = _read_workbook(content, archive, label, limits, reading)
        if sheets is None:
            return reading
        if not sheets:
            if len(reading.problems) == before:
                reading.problem(label, None, None, "the workbook has no rows in any sheet")
            return reading
        candidates = [_Candidate(s.name, s.label, (lambda r, s=s: s if s.header else _empty_sheet(s, r)))
                      for s in sheets]
        _assemble(candidates, reading, label, "workbook")
        return reading
    # a zip archive of CSV files
    members = [i for i in archive.infolist() if not i.is_dir()
               and not i.filename.startswith("__MACOSX/")
               and not PurePosixPath(i.filename).name.startswith(".")]
    candidates = []
    for info in members:
        member = PurePosixPath(info.filename)
        if member.suffix.lower() not in TEXT_SUFFIXES:
            reading.warn(label, None, None,
                         f"{_short(info.filename)} was ignored: only CSV files are read from an archive")
            continue
        member_label = f"{label}/{info.filename}"

        def load(r: Reading, info=info, member_label=member_label, stem=member.stem) -> Sheet | None:
            raw = _read_member(archive, info, member_label, limits, r)
            return None if raw is None else _read_text(raw, member_label, stem, limits, r)

        candidates.append(_Candidate(member.stem, member_label, load))
    _assemble(candidates, reading, label, "zip")
    return reading


def _empty_sheet(sheet: Sheet, reading: Reading) -> None:
    reading.problem(sheet.label, None, None, "the sheet is empty; it needs a header row and data rows")
    return None


# -- layout ------------------------------------------------------------------------------
def _assemble(candidates: list[_Candidate], reading: Reading, where: str, kind: str) -> None:
    """Decide the layout, read the tables it needs, map columns and convert units."""
    by_table: dict[str, list[_Candidate]] = {}
    others: list[_Candidate] = []
    for c in candidates:
        table = table_for_name(c.name)
        if table:
            by_table.setdefault(table, []).append(c)
        else:
            others.append(c)
    for table, found in list(by_table.items()):
        if len(found) > 1:
            reading.problem(where, None, None, f"more than one {table} table: "
                            f"{', '.join(_short(c.label) for c in found)}; keep one")
            reading.unreadable.add(table)
            del by_table[table]
    if "patients" in by_table or "patients" in reading.unreadable:
        reading.layout = "tables"
        _read_tables(("patients", "treatments", "visits", "adverse_events"), by_table, reading)
        if others:
            reading.warn(where, None, None, "not read (the name is not a table's name): "
                         + ", ".join(_short(c.label) for c in others))
    else:
        long = by_table.pop("visits", [None])[0]
        if long is None and len(others) == 1:
            long = others.pop()
        if long is not None:
            reading.layout = "long"
            sheet = long.load(reading)
            if sheet is None:
                reading.unreadable.update({"patients", "visits"})
            else:
                _split_long(sheet, reading)
        _read_tables(("treatments", "adverse_events"), by_table, reading)
        if others and long is not None:
            reading.warn(where, None, None, "not read (the name is not a table's name): "
                         + ", ".join(_short(c.label) for c in others))
    _missing_tables(reading, where, kind, others)
    _convert_steroid(reading)


def _missing_tables(reading: Reading, where: str, kind: str, others: list[_Candidate]) -> None:
    for name in ("patients", "visits"):
        if name in reading.frames or name in reading.unreadable:
            continue
        table = TABLES[name]
        fix = {"folder": f"provide {table.filename}",
               "zip": f"add {table.filename} to the archive",
               "workbook": f"add a sheet named {name}",
               }.get(kind, f"provide {table.filename} beside it, or one long file with a row per patient and visit")
        hint = ""
        if others and reading.layout != "long":
            hint = " (found, but not named after a table: " + ", ".join(_short(c.label) for c in others) + ")"
        file = table.filename if kind == "folder" else where
        reading.problem(file, None, None, f"the {name} table is required but was not found; {fix}{hint}")


def _targets(header: str, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """Where a column goes: ``[(table, column), ...]``; empty when the schema does not know it."""
    found = []
    for table in tables:
        col = canonical_column(header, table)
        if col == "patient_id":
            return [(t, "patient_id") for t in tables]
        if col and not found:
            found.append((table, col))
    if found:
        return found
    conversion = CONVERSION_HEADERS.get(normalise_header(header))
    if conversion == STEROID_MG_DAY and "visits" in tables:
        return [("visits", STEROID_MG_DAY)]
    if conversion == WEIGHT_KG and ("visits" in tables or "patients" in tables):
        return [("visits" if "visits" in tables else "patients", WEIGHT_KG)]
    return []


def _map_columns(sheet: Sheet, tables: tuple[str, ...], reading: Reading) -> dict[str, dict[str, list[str]]]:
    """Name each column as the schema does, drop identifier-like columns, flag duplicates."""
    out: dict[str, dict[str, list[str]]] = {t: {} for t in tables}
    renamed: list[str] = []
    home = tables[0]
    for j, header in enumerate(sheet.header):
        values = [row[j] for row in sheet.rows]
        if not header:
            if any(v.strip() for v in values):
                reading.warn(sheet.label, sheet.header_row, f"column {column_letter(j)}",
                             "this column has no header and was ignored; give it a header to keep it")
            continue
        targets = _targets(header, tables)
        if not targets:
            finding = identifiers.check_column(header, values)
            if finding:
                reading.warn(sheet.label, sheet.header_row, header,
                             f"{finding.describe()}; the column was dropped and is never shown or exported")
                continue
            if header in out[home]:
                reading.warn(sheet.label, sheet.header_row, header,
                             "this header appears more than once; only the first such column was read")
                continue
            out[home][header] = values
            continue
        for table, col in targets:
            if col in out[table]:
                first = reading.headers.get((table, col), col)
                reading.problem(sheet.label, sheet.header_row, col,
                                f'the columns "{_short(first)}" and "{_short(header)}" both give {col}; keep one of them')
                continue
            out[table][col] = values
            reading.headers[(table, col)] = header
        table, col = targets[0]
        if col in TABLES[table].names and TABLES[table].column(col).kind == "string":
            finding = identifiers.check_column(header, values, by_header=False)
            if finding:
                reading.warn(sheet.label, sheet.header_row, header,
                             f"{finding.describe()}; it was kept because the schema needs this column: "
                             "replace the values with study codes")
        if col in TABLES[table].names and normalise_header(header) != col:
            unit = TABLES[table].column(col).unit
            renamed.append(f'"{_short(header)}" → {col}' + (f" ({unit})" if unit else ""))
    if renamed:
        reading.warn(sheet.label, None, None, "columns read under the schema's names: " + ", ".join(renamed))
    for table, cols in out.items():
        _normalise_values(cols, table, sheet, reading)
    return out


def _normalise_values(cols: dict[str, list[str]], table: str, sheet: Sheet, reading: Reading) -> None:
    """Decimal commas to points (when the delimiter allows them); sex spellings to F/M."""
    schema = TABLES[table]
    converted = 0
    for name, values in cols.items():
        numeric = name in (STEROID_MG_DAY, WEIGHT_KG) or (
            name in schema.names and schema.column(name).kind in ("integer", "number"))
        if numeric and sheet.decimal_comma:
            for i, text in enumerate(values):
                point = decimal_point(text)
                if point is not None:
                    values[i] = point
                    converted += 1
        if name == "sex":
            cols[name] = [SEX_SPELLINGS.get(str(v).strip().lower(), v) for v in values]
    if converted:
        shown = {"\t": "tabs", ";": '";"', "|": '"|"'}.get(sheet.delimiter or "", repr(sheet.delimiter))
        reading.warn(sheet.label, None, None, f"decimal commas were read as decimal points (12,5 as 12.5): "
                     f"the cells are separated by {shown}")


def decimal_point(text: str) -> str | None:
    """``"12,5"`` → ``"12.5"`` and ``"1.234,5"`` → ``"1234.5"``; ``None`` when ``text`` has no decimal comma.

    Examples
    --------
    >>> decimal_point("12,5"), decimal_point("1.234,5"), decimal_point("12.5")
    ('12.5', '1234.5', None)
    """
    m = _DECIMAL_COMMA.fullmatch(text) or _GROUPED_DECIMAL_COMMA.fullmatch(text)
    if not m:
        return None
    return m.group(1).replace(".", "") + "." + m.group(2)


def _frame(cols: dict[str, list[str]], n: int) -> pd.DataFrame:
    if not cols:
        return pd.DataFrame(index=range(n))
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})


def _read_tables(tables: tuple[str, ...], by_table: dict[str, list], reading: Reading) -> None:
    """Read each of ``tables`` found in ``by_table`` (its first candidate); mark unreadable ones."""
    for table in tables:
        if table in by_table:
            sheet = by_table[table][0].load(reading)
            if sheet is None:
                reading.unreadable.add(table)
            else:
                _table_from_sheet(sheet, table, reading)


def _table_from_sheet(sheet: Sheet, table: str, reading: Reading) -> None:
    mapped = _map_columns(sheet, (table,), reading)
    reading.frames[table] = _frame(mapped[table], len(sheet.rows))
    reading.labels[table] = sheet.label
    reading.row_numbers[table] = list(sheet.row_numbers)
    reading.header_rows[table] = sheet.header_row


def _comparable(kind: str | None, text: str):
    """A value in a form where two spellings of the same thing compare equal (``kind``: the schema's)."""
    text = str(text).strip()
    if kind == "boolean":
        low = text.lower()
        return True if low in TRUE_TOKENS else False if low in FALSE_TOKENS else low
    if kind in ("integer", "number"):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _split_long(sheet: Sheet, reading: Reading) -> None:
    """One row per patient and visit → patients (one row each) + visits."""
    mapped = _map_columns(sheet, ("visits", "patients"), reading)
    visits, patients = mapped["visits"], mapped["patients"]
    if "patient_id" not in visits:
        reading.problem(sheet.label, sheet.header_row, "patient_id",
                        "required column is missing; add a column headed patient_id "
                        "(the patient's study code, repeated on each of their rows)")
        reading.unreadable.update({"patients", "visits"})
        return
    ids = [str(v).strip() for v in visits["patient_id"]]
    first_index: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if not _is_missing(pid):
            first_index.setdefault(pid, i)
    order = list(first_index)
    out: dict[str, list[str]] = {"patient_id": order}
    schema = TABLES["patients"]
    for col, values in patients.items():
        if col == "patient_id":
            continue
        kind = schema.column(col).kind if col in schema.names else None
        chosen: dict[str, tuple[int, str]] = {}
        for i, pid in enumerate(ids):
            if pid not in first_index or _is_missing(values[i]):
                continue
            if pid not in chosen:
                chosen[pid] = (i, values[i])
                continue
            j, first = chosen[pid]
            if values[i] != first and _comparable(kind, values[i]) != _comparable(kind, first):
                reading.problem(sheet.label, sheet.row_numbers[i], col,
                                f'patient "{_short(pid)}" has {col} "{_short(values[i])}" here but '
                                f'"{_short(first)}" on row {sheet.row_numbers[j]}; give one value per patient')
        out[col] = [chosen[pid][1] if pid in chosen else "" for pid in order]
    reading.frames["patients"] = _frame(out, len(order))
    reading.labels["patients"] = sheet.label
    reading.row_numbers["patients"] = [sheet.row_numbers[first_index[pid]] for pid in order]
    reading.frames["visits"] = _frame(visits, len(sheet.rows))
    reading.labels["visits"] = sheet.label
    reading.row_numbers["visits"] = list(sheet.row_numbers)
    reading.header_rows["patients"] = reading.header_rows["visits"] = sheet.header_row


# -- unit conversion ---------------------------------------------------------------------
def _number(text: str) -> float | None:
    """A cell as a number; ``None`` when missing; ``nan`` when not a number."""
    text = str(text).strip()
    if _is_missing(text):
        return None
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _convert_steroid(reading: Reading) -> None:
    """Steroid doses in mg/day → ``steroid_mg_kg_day`` by dividing by the body weight (visit's, else patient's)."""
    visits = reading.frames.get("visits")
    if visits is None or STEROID_MG_DAY not in visits.columns:
        return
    label = reading.labels["visits"]
    dose_header = reading.headers.get(("visits", STEROID_MG_DAY), STEROID_MG_DAY)
    visits = visits.copy()
    if "steroid_mg_kg_day" in visits.columns:
        reading.warn(label, None, dose_header, "steroid doses are given both in mg/kg/day and in mg/day; "
                     "the mg/kg/day column was used and this one ignored")
        reading.frames["visits"] = visits.drop(columns=[STEROID_MG_DAY])
        return
    patients = reading.frames.get("patients")
    per_patient: dict[str, str] = {}
    weight_source = None
    if WEIGHT_KG in visits.columns:
        weight_source = ("visits", reading.headers.get(("visits", WEIGHT_KG), WEIGHT_KG))
    elif patients is not None and WEIGHT_KG in patients.columns and "patient_id" in patients.columns:
        weight_source = ("patients", reading.headers.get(("patients", WEIGHT_KG), WEIGHT_KG))
        per_patient = dict(zip(patients["patient_id"].astype(str).str.strip(), patients[WEIGHT_KG].astype(str)))
    rows = reading.row_numbers["visits"]
    weights = visits[WEIGHT_KG].tolist() if WEIGHT_KG in visits.columns else [
        per_patient.get(str(pid).strip(), "") for pid in visits.get("patient_id", pd.Series([""] * len(visits)))]
    weight_header = weight_source[1] if weight_source else WEIGHT_KG
    out = []
    for i, (dose_text, weight_text) in enumerate(zip(visits[STEROID_MG_DAY].tolist(), weights)):
        dose = _number(dose_text)
        if dose is None:
            out.append("")
            continue
        if math.isnan(dose) or dose < 0:
            reading.problem(label, rows[i], dose_header,
                            f'"{_short(dose_text)}" is not a dose in mg/day (a number, at least 0)')
            out.append("")
            continue
        if dose == 0:
            out.append("0")
            continue
        weight = _number(weight_text)
        if weight is None:
            reading.problem(label, rows[i], dose_header,
                            "a dose in mg/day needs the body weight in kg to give mg/kg/day; add a weight_kg "
                            "column (per visit, or per patient in the patients table)")
            out.append("")
            continue
        if math.isnan(weight) or not MIN_WEIGHT_KG <= weight <= MAX_WEIGHT_KG:
            reading.problem(label, rows[i], weight_header, f'"{_short(weight_text)}" is not a body weight in kg '
                            f"({MIN_WEIGHT_KG:g}–{MAX_WEIGHT_KG:g})")
            out.append("")
            continue
        out.append(repr(round(dose / weight, STEROID_DECIMALS)))
    visits["steroid_mg_kg_day"] = pd.Series(out, index=visits.index, dtype=object)
    reading.frames["visits"] = visits.drop(columns=[STEROID_MG_DAY])
    reading.warn(label, None, "steroid_mg_kg_day",
                 f'steroid doses were given in mg/day (column "{_short(dose_header)}") and were converted to '
                 f'mg/kg/day by dividing by the body weight (column "{_short(weight_header)}")')
