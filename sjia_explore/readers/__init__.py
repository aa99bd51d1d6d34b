"""Read cohort files in the shapes real exports come in, as text tables named as the schema names them.

These layouts are accepted and told apart automatically:

* **tables**: a folder, or a ``.zip`` archive, of CSV files named after the tables
  (``patients.csv`` and ``visits.csv`` required; ``treatments.csv`` and
  ``adverse_events.csv`` optional), or an ``.xlsx`` workbook with one sheet per
  table (sheet names ``patients``, ``visits``, ... or a synonym such as
  ``Demographics`` or ``Follow-up``);
* **long**: one CSV file or sheet with one row per patient and visit, the
  patient's own columns (sex, study, baseline flags ...) repeated on each of
  their rows. It is split into ``patients`` and ``visits``; a patient whose
  repeated values disagree is a problem naming both rows. A **wide** sheet (one
  row per patient, a column per visit: ``joints_wk12``) is made long first;
* **redcap**: a REDCap records export, recognised by its header, with its data
  dictionary when one is beside it (:mod:`~sjia_explore.readers.redcap`).

Visits may be given by date or study day instead of week, and the onset by
date: the dates become intervals and are dropped (:mod:`~sjia_explore.readers.timing`).

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

The package has one module per concern, so that a new input shape is one module:

* :mod:`~sjia_explore.readers.limits`: size limits (each defined once) and :func:`format_size` (MiB);
* :mod:`~sjia_explore.readers.reading`: :class:`Sheet`, :class:`Reading` and small helpers;
* :mod:`~sjia_explore.readers.sniff`: format, encoding, delimiter and header of text files;
* :mod:`~sjia_explore.readers.archive`: zip archives, checked before unpacking;
* :mod:`~sjia_explore.readers.workbook`: .xlsx workbooks;
* :mod:`~sjia_explore.readers.columns`: headers to schema names, values, steroid units;
* :mod:`~sjia_explore.readers.layout`: which table a sheet is, the long layout, assembling;
* :mod:`~sjia_explore.readers.wide`: a column per visit → a row per visit;
* :mod:`~sjia_explore.readers.redcap`: REDCap records, events and data dictionaries;
* :mod:`~sjia_explore.readers.dates`: date cells, day/month order, Excel serial days;
* :mod:`~sjia_explore.readers.timing`: date and day columns, visit windows;
* :mod:`~sjia_explore.readers.intervals`: dates → weeks and months, then dropped;
* :mod:`~sjia_explore.readers.files`: the entry points :func:`read_path`, :func:`read_folder`, :func:`read_bytes`.

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

from sjia_explore.readers.archive import archive_kind, open_archive
from sjia_explore.readers.columns import (
    CONVERSION_HEADERS,
    MAX_WEIGHT_KG,
    MIN_WEIGHT_KG,
    SEX_SPELLINGS,
    STEROID_MG_DAY,
    WEIGHT_KG,
    decimal_point,
)
from sjia_explore.readers.files import read_bytes, read_folder, read_path
from sjia_explore.readers.layout import TABLE_NAMES, table_for_name
from sjia_explore.readers.limits import (
    MAX_ARCHIVE_ENTRIES,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MIB,
    Limits,
    format_size,
    too_large,
)
from sjia_explore.readers.reading import Reading, ReadOptions, Sheet, column_letter
from sjia_explore.readers.redcap import event_week, parse_event_weeks
from sjia_explore.readers.sniff import (
    FORMAT_WORDS,
    TEXT_SUFFIXES,
    WORKBOOK_SUFFIXES,
    decode_text,
    detect_format,
    sniff_delimiter,
)
from sjia_explore.readers.timing import DEFAULT_VISIT_WINDOWS, parse_visit_windows, visit_windows

__all__ = [
    "CONVERSION_HEADERS", "DEFAULT_VISIT_WINDOWS", "FORMAT_WORDS", "Limits", "MAX_ARCHIVE_ENTRIES", "MAX_COLUMNS",
    "MAX_FILE_BYTES", "MAX_ROWS", "MAX_UNCOMPRESSED_BYTES", "MAX_WEIGHT_KG", "MIB", "MIN_WEIGHT_KG", "ReadOptions",
    "Reading", "SEX_SPELLINGS", "STEROID_MG_DAY", "Sheet", "TABLE_NAMES", "TEXT_SUFFIXES", "WEIGHT_KG",
    "WORKBOOK_SUFFIXES", "archive_kind", "column_letter", "decimal_point", "decode_text", "detect_format",
    "event_week", "format_size", "open_archive", "parse_event_weeks", "parse_visit_windows", "read_bytes",
    "read_folder", "read_path", "sniff_delimiter", "table_for_name", "too_large", "visit_windows"
]
