"""Load a cohort: the bundled studies, or your own files.

The bundled data live in the repository's ``data/`` folder and travel inside the
wheel (as ``sjia_explore/_bundled/data``); they are found through
:mod:`importlib.resources`, never through the current directory.

Every file is read as text and checked against :mod:`sjia_explore.schema`
before anything else sees it. Input files are only ever opened for reading.
"""

from __future__ import annotations

import hashlib
import io
import json
from importlib import resources
from pathlib import Path

import pandas as pd

from sjia_explore.cohort import Cohort
from sjia_explore.schema import TABLES, Problem, validate_tables

#: Largest input file read, in bytes; larger files are refused before being read.
MAX_FILE_BYTES = 20 * 1024 * 1024


class CohortValidationError(ValueError):
    """The input could not be loaded as a cohort; ``problems`` says where and why.

    Each problem has ``file``, ``row`` (spreadsheet row, header = 1), ``column``
    and ``message``; ``str(error)`` lists them one per line.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
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


def _read_csv_text(raw: bytes, filename: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse CSV bytes into a frame of text cells, or explain why not."""
    if not raw.strip():
        return None, [Problem(filename, None, None, "the file is empty; it needs a header row and data rows")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return None, [Problem(filename, None, None,
                              f"the file is not UTF-8 text (byte {err.start}); save it as CSV UTF-8 and try again")]
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        return None, [Problem(filename, None, None, f"the file could not be read as CSV ({err}); check its delimiters and quotes")]
    df.columns = [str(c).strip() for c in df.columns]
    return df, []


def _read_file(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, [Problem(path.name, None, None,
                              f"the file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit; split it or remove unused columns")]
    with open(path, "rb") as fh:  # read-only: input files are never changed
        raw = fh.read()
    return _read_csv_text(raw, path.name)


def _sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for p in sorted(paths, key=lambda q: q.name):
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()


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


def load_cohort(path: str | Path | None = None) -> Cohort:
    """Load the bundled cohort, or a cohort from a folder of CSV files.

    Parameters
    ----------
    path
        ``None`` for the bundled studies (Qiu 2024 Tables 1–2, published, with
        reconstructed follow-up; Vastert 2011, reconstructed). Otherwise a folder
        holding ``patients.csv`` and ``visits.csv`` (required) and optionally
        ``treatments.csv`` and ``adverse_events.csv``, with the columns of
        :mod:`sjia_explore.schema`.

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
        or observed. ``adverse_events``: one row per event.

    Raises
    ------
    CohortValidationError
        With every problem found, each naming file, row and column.

    Examples
    --------
    >>> c = load_cohort()
    >>> c.n_patients
    16
    >>> sorted(c.patients["study"].unique())
    ['qiu2024', 'vastert2011']
    """
    bundled = path is None
    folder = bundled_data_dir() if bundled else Path(path)
    if not folder.exists():
        raise CohortValidationError([Problem(str(folder), None, None, "no such file or folder; check the path")])
    if not folder.is_dir():
        raise CohortValidationError([Problem(folder.name, None, None,
                                             "expected a folder holding patients.csv and visits.csv")])
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    read: list[Path] = []
    for name, table in TABLES.items():
        file = folder / table.filename
        if not file.is_file():
            continue
        df, found = _read_file(file)
        problems.extend(found)
        read.append(file)
        if df is not None:
            frames[name] = df
    if not problems:
        found, typed = validate_tables(frames)
        problems.extend(found)
    else:
        missing_required = [t for t in TABLES.values() if t.required and not (folder / t.filename).is_file()]
        problems.extend(Problem(t.filename, None, None, f"the {t.name} table is required but was not found; provide {t.filename}")
                        for t in missing_required)
    if problems:
        raise CohortValidationError(problems)
    provenance = _provenance_from_datapackage(folder) if bundled else pd.DataFrame(
        columns=["table", "column", "study", "status"])
    source = "bundled: Qiu 2024 (published Tables 1–2, reconstructed follow-up) and Vastert 2011 (reconstructed)" \
        if bundled else str(folder)
    return Cohort.from_tables(
        patients=typed["patients"],
        visits=typed["visits"],
        treatments=typed.get("treatments"),
        adverse_events=typed.get("adverse_events"),
        provenance=provenance,
        source=source,
        sha256=_sha256_of(read),
    )
