"""Load a cohort: the bundled studies, or your own files.

The bundled data live in the repository's ``data/`` folder and travel inside the
wheel (as ``sjia_explore/_bundled/data``); they are found through
:mod:`importlib.resources`, never through the current directory.

Your own cohort may be a folder or ``.zip`` of CSV files, an ``.xlsx`` workbook
with one sheet per table, or one long CSV/sheet with a row per patient and
visit (see :mod:`sjia_explore.readers` for what is accepted and how it is told
apart). Every table is read as text and checked against
:mod:`sjia_explore.schema` before anything else sees it. Input files are only
ever opened for reading; archives and workbooks are read in memory.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "cohort.csv").write_text(
...     "subject_id,study,sex,months_onset_to_treatment,visit_week,joints\\n"
...     "S01,mine,F,3,0,4\\nS01,mine,F,3,4,1\\n")
>>> c = load_cohort(folder / "cohort.csv")
>>> c.n_patients, c.visits["active_joints"].tolist()
(1, [4, 1])
>>> print(c.warnings[0])  # doctest: +NORMALIZE_WHITESPACE
cohort.csv: columns read under the schema's names: "subject_id" → patient_id, "visit_week" → week,
"joints" → active_joints
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Mapping
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd

from sjia_explore import cohort_cache, derive, identifiers, readers
from sjia_explore.cohort import Cohort
from sjia_explore.conventions import NOT_RECORDED
from sjia_explore.schema import (
    NO_ROWS,
    TABLES,
    UNSCHEDULED_VISITS,
    Problem,
    type_trusted_tables,
    validate_table,
    validate_tables,
)

#: Longest uploaded file name kept for messages and provenance.
MAX_FILENAME_CHARS = 120
#: Source text of the bundled studies, shown in provenance stamps.
BUNDLED_SOURCE = ("bundled: Qiu 2024 (published Tables 1–2, reconstructed follow-up) "
                  "and Vastert 2011 (reconstructed)")


class CohortValidationError(ValueError):
    """The input could not be loaded as a cohort; ``problems`` says where and why.

    Each problem has ``file``, ``row`` (spreadsheet row, header = 1), ``column``
    and ``message``; ``str(error)`` lists them one per line. ``warnings`` holds
    what the reader assumed or dropped on the way (columns renamed, identifier
    columns dropped), as ``file:row:column: message`` strings.
    """

    def __init__(self, problems: list[Problem], warnings: tuple[str, ...] = ()):
        self.problems = list(problems)
        self.warnings = tuple(warnings)
        super().__init__("\n".join(str(p) for p in self.problems))


def bundled_data_dir() -> Path:
    """The folder holding the bundled CSV files and ``datapackage.json``.

    Examples
    --------
    >>> (bundled_data_dir() / "datapackage.json").is_file()
    True
    """
    packaged = resources.files("sjia_explore") / "_bundled" / "data"
    if packaged.is_dir():
        return Path(str(packaged))
    # A source checkout (editable install): data/ sits beside the package.
    return Path(__file__).resolve().parent.parent / "data"


def _provenance_from_datapackage(folder: Path) -> pd.DataFrame:
    """Per table, column and study: published / reconstructed / not reported."""
    package_file = folder / "datapackage.json"
    rows = []
    if package_file.is_file():
        package = json.loads(package_file.read_text(encoding="utf-8"))
        for resource in package.get("resources", []):
            for fld in resource.get("schema", {}).get("fields", []):
                for study, status in fld.get("sjia:provenance", {}).items():
                    rows.append({"table": resource["name"], "column": fld["name"], "study": study, "status": status})
    return pd.DataFrame(rows, columns=["table", "column", "study", "status"])


def _limits() -> readers.Limits:
    """The size limits of a load: those of :class:`sjia_explore.readers.Limits`, defined there once."""
    return readers.Limits()


UNSCHEDULED = UNSCHEDULED_VISITS.name
def _options(visit_windows: Mapping | None, event_weeks: Mapping[str, float] | None) -> readers.ReadOptions:
    """How to read what files cannot say; checked first (a ValueError when wrong)."""
    readers.visit_windows(visit_windows)
    if event_weeks is not None:
        bad = {k: v for k, v in dict(event_weeks).items() if not _is_week(v)}
        if bad:
            raise ValueError(f"event_weeks must map event names to weeks (whole numbers 0-520), not {bad!r}")
    return readers.ReadOptions(visit_windows=visit_windows, event_weeks=event_weeks)


def _is_week(value) -> bool:
    try:
        return float(value).is_integer() and 0 <= float(value) <= 520
    except (TypeError, ValueError):
        return False


_TOKEN = "\x00table:"  # internal file names given to the validator, mapped back afterwards
_FIRST_ROW = re.compile(r"first given on row (\d+)")


def _to_file_rows(problem: Problem, table: str, reading: readers.Reading) -> Problem:
    """A validator problem (frame row + 2) in the file's own terms: its label and spreadsheet row."""
    rows = reading.row_numbers.get(table, [])
    header = reading.header_rows.get(table, 1)

    def spreadsheet_row(row: int | None) -> int | None:
        if row is None:
            return None
        if row == 1:
            return header
        index = row - 2
        return rows[index] if 0 <= index < len(rows) else row

    message = _FIRST_ROW.sub(lambda m: f"first given on row {spreadsheet_row(int(m.group(1)))}", problem.message)
    column = problem.column
    if problem.row is not None and problem.row >= 2:
        column = reading.source_columns.get(table, {}).get((problem.row - 2, column), column)
    patients_label = reading.labels.get("patients")
    if patients_label and patients_label != TABLES["patients"].filename:
        message = message.replace("in patients.csv", f"in {patients_label}")
    default = TABLES[table].filename if table in TABLES else UNSCHEDULED_VISITS.filename
    return Problem(reading.labels.get(table, default), spreadsheet_row(problem.row),
                   column, identifiers.redact(message))


def _cohort_from_reading(reading: readers.Reading, source: str, provenance: pd.DataFrame | None = None,
                         trusted: bool = False) -> Cohort:
    """Validate what was read against the schema; a Cohort, or every problem at once.

    ``trusted``: the files are the bundled ones, validated by the test suite; they are
    typed the same way without the validator (see :func:`sjia_explore.schema.type_trusted_tables`).
    """
    if trusted and not reading.problems and set(reading.frames) <= set(TABLES):
        found, typed = [], type_trusted_tables(reading.frames)
    else:
        tokens = {name: f"{_TOKEN}{name}" for name in TABLES}
        found, typed = validate_tables({k: v for k, v in reading.frames.items() if k in TABLES}, filenames=tokens)
        if UNSCHEDULED in reading.frames:
            known = typed["patients"]["patient_id"] if "patient_id" in typed.get("patients", {}) else None
            more, typed[UNSCHEDULED] = validate_table(reading.frames[UNSCHEDULED], UNSCHEDULED_VISITS, known,
                                                      f"{_TOKEN}{UNSCHEDULED}")
            found += more
    problems = list(reading.problems)
    checked, said = [], set()
    for problem in found:
        table = problem.file[len(_TOKEN):] if problem.file.startswith(_TOKEN) else None
        if table is None:  # pragma: no cover - every table is given a token
            checked.append(problem)
        elif table in reading.emptied and problem.message == NO_ROWS:
            continue  # its rows were left out for problems already said
        elif table in reading.frames:
            found_here = _to_file_rows(problem, table, reading)
            if found_here not in said:  # one long file feeds two tables: say a problem of the file once
                said.add(found_here)
                checked.append(found_here)
        # else: a table that was not found or not readable; the reader has said why
    order = {name: i for i, name in enumerate([*TABLES, UNSCHEDULED])}
    # file by file in table order, then top to bottom, as a reader of the spreadsheet would go
    problems += sorted(checked, key=lambda p: (min((order[t] for t, label in reading.labels.items() if label == p.file),
                                                   default=len(order)), p.row or 0))
    warnings = [w for w in reading.warnings if w not in reading.notes]
    if problems:
        raise CohortValidationError(list(reading.notes) + problems, tuple(str(w) for w in warnings))
    derived = _derive(typed, reading)
    provenance = provenance if provenance is not None else pd.DataFrame(columns=["table", "column", "study", "status"])
    absent, absent_warnings = _not_recorded(reading, typed["patients"], derived.visits, provenance, source)
    for extra in (derived.provenance, absent):
        if not extra.empty:
            provenance = pd.concat([provenance, extra], ignore_index=True)
    return Cohort.from_tables(
        patients=typed["patients"],
        visits=derived.visits,
        treatments=typed.get("treatments"),
        adverse_events=typed.get("adverse_events"),
        unscheduled_visits=typed.get(UNSCHEDULED),
        provenance=provenance,
        source=source,
        sha256=reading.sha256,
        warnings=tuple(str(w) for w in [*reading.warnings, *derived.warnings, *absent_warnings]),
    )


#: Recorded per study only when a file has them: absent, they are "not recorded" (never 0).
_RECORDED_PER_STUDY = (("visits", "steroid_mg_kg_day", "corticosteroid doses (steroid_mg_kg_day)"),)


def _not_recorded(reading: readers.Reading, patients: pd.DataFrame, visits: pd.DataFrame, provenance: pd.DataFrame,
                  source: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Provenance rows with status ``not recorded`` for what the files did not hold, and a warning for each.

    An adverse-events table that was not supplied (no ``adverse_events.csv``, no event
    columns in a long CSV) and a dose column with no value for a study are absent, not
    zero: every view then says "not recorded". What the data package already marks
    (e.g. ``not reported`` by a paper) is left as it is.
    """
    studies = sorted(patients["study"].dropna().astype(str).unique())
    marked = set(zip(provenance["table"], provenance["column"], provenance["study"]))
    rows, warnings = [], []
    if "adverse_events" not in reading.frames:
        rows += [{"table": "adverse_events", "column": "patient_id", "study": study, "status": NOT_RECORDED}
                 for study in studies if ("adverse_events", "patient_id", study) not in marked]
        if rows:
            warnings.append(Problem(source, None, None, "no adverse-events table was found (adverse_events.csv, or "
                                    "event columns in a single file): adverse events are shown as “not recorded”, "
                                    "never as 0"))
    for table, column, words in _RECORDED_PER_STUDY:
        study_of = patients.set_index("patient_id")["study"]
        values = visits[column] if column in visits.columns else pd.Series(pd.NA, index=visits.index)
        with_value = set(study_of.reindex(visits.loc[values.notna(), "patient_id"]).dropna().astype(str))
        missing = [s for s in studies if s not in with_value and (table, column, s) not in marked]
        rows += [{"table": table, "column": column, "study": s, "status": NOT_RECORDED} for s in missing]
        if missing and column in visits.columns:  # a column absent altogether is said once, by derive
            warnings.append(Problem(source, None, column,
                                    f"no {words} recorded for {', '.join(missing)}: shown as “not recorded”"))
    return pd.DataFrame(rows, columns=["table", "column", "study", "status"]), warnings


def _derive(typed: dict[str, pd.DataFrame], reading: readers.Reading) -> derive.Derived:
    """Scores computed from their components, totals checked, missing outcomes named (:mod:`sjia_explore.derive`)."""
    return derive.derive_visits(
        typed["visits"], typed["patients"], file=reading.labels.get("visits", TABLES["visits"].filename),
        rows=reading.row_numbers.get("visits"),
        headers={column: header for (table, column), header in reading.headers.items() if table == "visits"})


def load_cohort(path: str | Path | None = None, *, visit_windows: Mapping | None = None,
                event_weeks: Mapping[str, float] | None = None, cache: bool = True) -> Cohort:
    """Load the bundled cohort, or your own cohort from a folder, a .zip, an .xlsx workbook or a CSV file.

    Parameters
    ----------
    path
        ``None`` for the bundled studies (Qiu 2024 Tables 1–2, published, with
        reconstructed follow-up; Vastert 2011, reconstructed). Otherwise one of:

        * a folder (or a ``.zip`` of one) holding ``patients.csv`` and
          ``visits.csv`` (required) and optionally ``treatments.csv`` and
          ``adverse_events.csv``, with the columns of :mod:`sjia_explore.schema`;
        * an ``.xlsx`` workbook with a sheet per table (``patients``, ``visits``, ...);
        * one CSV or ``.xlsx`` in "long" form: a row per patient and visit, the
          patient's columns (``study``, ``sex``, ``months_onset_to_treatment`` ...)
          repeated on each of their rows.

        Common header spellings are understood (``subject_id``, ``joints``,
        ``CRP (mg/L)`` ...: see :data:`sjia_explore.schema.SYNONYMS`), as are
        UTF-8 or Windows-1252 text, ``,`` ``;`` or tab delimiters, decimal commas,
        yes/no flags as yes/no, 1/0, Y/N or +/-, and steroid doses in mg/day
        with a body-weight column (converted to mg/kg/day).

        Visits may be given by date (``visit_date``) with each patient's IL-1
        start date (``il1_start_date``), or by ``study_day``, instead of
        ``week``; ``onset_date`` gives ``months_onset_to_treatment``; an
        adverse event's onset date gives its week. Dates are used only for
        these intervals and then dropped (see :mod:`sjia_explore.readers.timing`).
    visit_windows
        For visits given by date or day: nominal week -> half-width in weeks
        (``{4: 1}``) or ``(earliest, latest)`` week (``{0: (0, 1)}``); default
        :data:`sjia_explore.readers.DEFAULT_VISIT_WINDOWS` (0: 0–1, 4 ± 1,
        8 ± 2, 12 ± 2, 24 ± 4). A visit outside every window goes to
        ``Cohort.unscheduled_visits``, out of the per-week summaries.
    event_weeks
        For a REDCap export: event name -> week, for events whose name does not
        say their time (``{"flare_arm_1": 16}``); ``baseline``, ``week_12_arm_1``,
        ``month_3_arm_1``, ``day_28_arm_1`` ... are read without it. A REDCap
        records CSV is recognised by its header, alone or with its data dictionary
        beside it (see :mod:`sjia_explore.readers.redcap`).
    cache
        Keep a cohort that took a while to load, and read it back when the same
        bytes are loaded again with the same options and the same schema
        (:mod:`sjia_explore.cohort_cache`); ``False`` reads and checks the files
        every time.

    Returns
    -------
    Cohort
        ``patients``: one row per patient (``patient_id``, ``study``, ``sex``,
        ``age_onset_years``, ``months_onset_to_treatment``, ``treatment``,
        ``exposure_months``, baseline flags ``fever`` … ``transaminases_increased``).
        ``treatments``: one row per patient, period (``previous``/``baseline``)
        and drug, with ``received``. ``visits``: one row per patient and week,
        with ``active_joints``, the sJADAS27 components and ``sjadas27``,
        ``steroid_mg_kg_day``, ``crp_mg_l``, ``esr_mm_h``, ``ferritin_ng_ml`` and
        symptoms; ``provenance`` says whether a row is published, reconstructed
        or observed. ``adverse_events``: one row per event. ``warnings``: what
        was assumed or dropped while reading (columns that look like names,
        dates or record numbers are dropped and never shown or exported).

    Raises
    ------
    CohortValidationError
        With every problem found, each naming file, spreadsheet row and column
        (``cohort.xlsx[visits]:4:active_joints: ...``).
    ValueError
        When ``visit_windows`` is not a valid set of windows.

    Examples
    --------
    >>> c = load_cohort()
    >>> c.n_patients
    16
    >>> sorted(c.patients["study"].unique())
    ['qiu2024', 'vastert2011']
    """
    limits, options = _limits(), _options(visit_windows, event_weeks)
    if path is None:
        folder = bundled_data_dir()
        reading = readers.read_folder(folder, limits)
        # data/literature.csv (published figures of other studies) sits beside the cohort's tables: not a table.
        reading.warnings = [w for w in reading.warnings
                            if not (w.message.startswith("not read") and w.message.endswith(": literature.csv"))]
        return _cohort_from_reading(reading, BUNDLED_SOURCE, _provenance_from_datapackage(folder), trusted=True)
    path = Path(path)
    if not path.exists():
        raise CohortValidationError([Problem(str(path), None, None, "no such file or folder; check the path")])
    key = None
    try:
        if cache and cohort_cache.cache_root() is not None and _within_file_limit(path, limits):
            key = cohort_cache.key_of({"input": cohort_cache.input_digest(path), "limits": dataclasses.asdict(limits),
                                       "visit_windows": _plain(visit_windows), "event_weeks": _plain(event_weeks)})
            kept = cohort_cache.load(key)
            if kept is not None:
                return kept
        started = time.perf_counter()
        reading = readers.read_path(path, limits, options)
    except OSError as err:  # unreadable (permissions, a device, a vanished file)
        raise CohortValidationError([Problem(path.name or str(path), None, None,
                                             f"the file could not be opened ({err.strerror or err}); "
                                             "check it")]) from None
    cohort = _cohort_from_reading(reading, path.name or str(path))
    if key is not None and time.perf_counter() - started >= cohort_cache.MIN_LOAD_S:
        cohort_cache.store(key, cohort)
    return cohort


def _within_file_limit(path: Path, limits: readers.Limits) -> bool:
    """True when no file the cache would hash is over the size limit (a file the reader refuses is never hashed)."""
    return all(f.stat().st_size <= limits.max_file_bytes for f in cohort_cache.input_files(path))


def _plain(options: Mapping | None):
    """Loading options as JSON can write them, for the cache key."""
    if options is None:
        return None
    return {repr(k): v for k, v in dict(options).items()}


def _safe_filename(filename: str) -> str:
    """The last part of a client-supplied file name, without control characters, shortened."""
    name = PureWindowsPath(PurePosixPath(str(filename)).name).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "upload")[:MAX_FILENAME_CHARS]


def load_cohort_from_bytes(content: bytes, filename: str, *, visit_windows: Mapping | None = None,
                           event_weeks: Mapping[str, float] | None = None) -> Cohort:
    """Load a cohort from one uploaded file's bytes (CSV, .xlsx workbook or .zip of CSV files).

    The size is checked on ``len(content)`` (never a client-supplied size; the
    limit is :data:`sjia_explore.readers.MAX_FILE_BYTES`), and
    the format is sniffed from the content's magic bytes; ``filename`` is only
    used in messages and must agree with the content (a ``.xlsx`` that is really
    text is refused). Nothing is written to disk.

    Parameters
    ----------
    content
        The file, e.g. ``upload.value[0]["content"]`` of an ipywidgets FileUpload
        (bytes or a memoryview).
    filename
        The name the file was uploaded under.
    visit_windows, event_weeks
        As for :func:`load_cohort`.

    Raises
    ------
    CohortValidationError
        With every problem found; see :func:`load_cohort`.

    Examples
    --------
    >>> text = ("patient_id;study;months_onset_to_treatment;week;crp\\n"
    ...         "P1;mine;3;0;12,5\\nP1;mine;3;4;2\\n")
    >>> c = load_cohort_from_bytes(text.encode(), "export.csv")
    >>> c.visits["crp_mg_l"].tolist()
    [12.5, 2.0]
    """
    name = _safe_filename(filename)
    # the size is checked there, before the bytes are copied
    reading = readers.read_bytes(content, name, _limits(), _options(visit_windows, event_weeks))
    return _cohort_from_reading(reading, name)
