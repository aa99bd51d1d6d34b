"""Property tests: whatever is fed to the loader, the outcome is a Cohort or a CohortValidationError with problems.

No other exception may escape: malformed tables, odd encodings and delimiters, random bytes,
truncated or bit-flipped workbooks and archives all end as one of the two.
"""

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sjia_explore import Cohort, CohortValidationError, load_cohort
from sjia_explore.data import load_cohort_from_bytes
from sjia_explore.schema import SYNONYMS, TABLES, Problem

EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADERS = sorted({
    *TABLES["patients"].names, *TABLES["visits"].names, *SYNONYMS["visits"], *list(SYNONYMS["patients"])[:20],
    "name", "dob", "email", "x1", "Weight (kg)", "Prednisone (mg/day)", "", " ", "week", "patient_id",
})
TOKENS = ["", "NA", "n/a", "yes", "no", "+", "-", "Y", "N", "1", "0", "12,5", "1.234,5", "-3", "4.0", "=1+1",
          '"', 'a"b', "a,b", "a;b", "line\nbreak", "\t", "007", "P1", "P2", "2024-03-01", "x@y.org", "F", "M",
          "female", "1e309", "99999999999999999999", "nan", "inf", "Zürich", "—", "\r", "mine", "qiu2024", "observed"]
cells = st.one_of(st.sampled_from(TOKENS), st.text(max_size=10), st.integers(-5, 600).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(str))
tables = st.integers(1, 7).flatmap(lambda width: st.tuples(
    st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width),
    st.lists(st.lists(cells, min_size=0, max_size=width + 1), max_size=8),
))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])
delimiters = st.sampled_from([",", ";", "\t", "|"])
newlines = st.sampled_from(["\n", "\r\n"])


def outcome(load):
    """Run a load; return the Cohort or None, failing on anything but the two allowed outcomes."""
    try:
        cohort = load()
    except CohortValidationError as err:
        assert err.problems, "an invalid cohort always says why"
        for problem in err.problems:
            assert isinstance(problem, Problem) and problem.file and problem.message
            assert problem.row is None or problem.row >= 1
            said = str(problem)  # the file first, then what is known of where, then the message
            where = said[: len(said) - len(problem.message)]  # the message may quote a cell holding "::"
            assert said.startswith(problem.file) and said.endswith(f": {problem.message}") and "::" not in where
            if problem.row is not None:
                assert f"{problem.row}" in said[len(problem.file):-len(problem.message)]
        assert all(isinstance(w, str) for w in err.warnings)
        return None
    assert isinstance(cohort, Cohort)
    assert all(isinstance(w, str) for w in cohort.warnings)
    assert cohort.n_patients >= 1 and len(cohort.visits) >= 1
    return cohort


def to_csv(table, delimiter=",", newline="\n", encoding="utf-8") -> bytes:
    header, rows = table
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def to_workbook(sheets: dict) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        ws = book.create_sheet(title)
        for row in [header, *rows]:
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@EXAMPLES
@given(tables, delimiters, newlines, encodings)
def test_any_single_csv_loads_or_is_explained(table, delimiter, newline, encoding):
    outcome(lambda: load_cohort_from_bytes(to_csv(table, delimiter, newline, encoding), "cohort.csv"))


@EXAMPLES
@given(tables, tables, delimiters, encodings)
def test_any_folder_of_tables_loads_or_is_explained(patients, visits, delimiter, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "patients.csv").write_bytes(to_csv(patients, delimiter, encoding=encoding))
        (folder / "visits.csv").write_bytes(to_csv(visits, delimiter, encoding=encoding))
        outcome(lambda: load_cohort(folder))


@EXAMPLES
@given(tables, tables, st.booleans())
def test_any_workbook_loads_or_is_explained(patients, visits, one_sheet):
    sheets = {"Sheet1": visits} if one_sheet else {"patients": patients, "visits": visits}
    outcome(lambda: load_cohort_from_bytes(to_workbook(sheets), "cohort.xlsx"))


@EXAMPLES
@given(st.binary(max_size=2000), st.sampled_from(["c.csv", "c.xlsx", "c.zip", "c", "c.xls"]))
def test_random_bytes_are_explained(content, name):
    outcome(lambda: load_cohort_from_bytes(content, name))


def _valid_workbook() -> bytes:
    return to_workbook({
        "patients": (["patient_id", "study", "months_onset_to_treatment"], [["P1", "mine", "3"], ["P2", "mine", "30"]]),
        "visits": (["patient_id", "week", "active_joints"], [["P1", "0", "4"], ["P2", "0", "2"]]),
    })


def _valid_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("patients.csv", "patient_id,study,months_onset_to_treatment\nP1,mine,3\n")
        archive.writestr("visits.csv", "patient_id,week,active_joints\nP1,0,4\n")
    return buf.getvalue()


VALID = {"c.xlsx": _valid_workbook(), "c.zip": _valid_zip()}


@EXAMPLES
@given(st.sampled_from(sorted(VALID)), st.data())
def test_damaged_workbooks_and_archives_are_explained(name, draw):
    content = bytearray(VALID[name])
    how = draw.draw(st.sampled_from(["truncate", "flip", "both"]))
    if how in ("truncate", "both"):
        content = content[:draw.draw(st.integers(0, len(content)))]
    if how in ("flip", "both") and content:
        for _ in range(draw.draw(st.integers(1, 8))):
            at = draw.draw(st.integers(0, len(content) - 1))
            content[at] ^= draw.draw(st.integers(1, 255))
    outcome(lambda: load_cohort_from_bytes(bytes(content), name))


# A valid cohort, generated: it must always load, and the same whatever its encoding and delimiter.
ids = st.lists(st.from_regex(r"[A-Z]{1,3}0[0-9]{1,3}", fullmatch=True), min_size=1, max_size=6, unique=True)


@st.composite
def valid_long_cohorts(draw):
    patients = draw(ids)
    rows = []
    for pid in patients:
        months = draw(st.decimals(0, 240, places=1).map(str))
        sex = draw(st.sampled_from(["F", "M", "female", "male", ""]))
        for week in draw(st.lists(st.sampled_from([0, 4, 8, 12, 24]), min_size=1, max_size=5, unique=True)):
            rows.append([pid, "Zürich", sex, months, str(week), str(draw(st.integers(0, 71))),
                         draw(st.decimals(0, 1000, places=2).map(str)),
                         draw(st.sampled_from(["yes", "no", "+", "-", "1", "0", "Y", "N"]))])
    header = ["Subject ID", "study", "Sex", "months_onset_to_treatment", "Visit week", "Joints", "CRP (mg/L)", "fever"]
    return patients, (header, rows)


@EXAMPLES
@given(valid_long_cohorts(), delimiters, newlines, encodings)
def test_a_valid_cohort_always_loads_the_same_in_any_encoding_and_delimiter(cohort, delimiter, newline, encoding):
    patients, table = cohort
    header, rows = table
    if delimiter != ",":  # a European export writes decimal commas
        rows = [r[:6] + [r[6].replace(".", ",")] + r[7:] for r in rows]
    reference = outcome(lambda: load_cohort_from_bytes(to_csv(cohort[1]), "ref.csv"))
    loaded = outcome(lambda: load_cohort_from_bytes(to_csv((header, rows), delimiter, newline, encoding), "c.csv"))
    assert reference is not None and loaded is not None
    assert loaded.patients["patient_id"].tolist() == patients
    for name in ("patients", "visits"):
        assert getattr(loaded, name).equals(getattr(reference, name))


@pytest.mark.parametrize("size", [0, 1])
def test_tiny_uploads_are_explained(size):
    outcome(lambda: load_cohort_from_bytes(b"x" * size, "c.csv"))


def test_a_message_quoting_a_cell_of_colons_keeps_its_location_plain():
    """Found by the workbook property above: a cell holding "::" is quoted in the message, and only the
    location before the message must be free of empty parts."""
    from sjia_explore.schema import Problem

    said = str(Problem(file="cohort.xlsx[patients]", row=2, column="months_onset_to_treatment",
                       message='"::" is not a number in months (0–240)'))
    assert said == 'cohort.xlsx[patients]:2:months_onset_to_treatment: "::" is not a number in months (0–240)'
    assert str(Problem(file="a.csv", row=None, column="week", message="x")) == "a.csv, column week: x"
