"""Bring your own cohort: every shape of real export loads the same, or fails with file:row:column."""

import hashlib
import io
import time
import zipfile
from functools import partial
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import sjia_explore.data as data
from sjia_explore import CohortValidationError, load_cohort
from sjia_explore.cli import main as cli_main
from sjia_explore.data import load_cohort_from_bytes
from sjia_explore.readers import MAX_UNCOMPRESSED_BYTES, decode_text, detect_format, sniff_delimiter
from sjia_explore.schema import SYNONYMS, TABLES, canonical_column

# One small cohort, written every way a clinic might export it. Study label with an accent
# (so encodings matter), ids with leading zeros (so they must stay text), yes/no flags in
# four spellings, and one decimal number per visit.
PATIENTS = [
    ["patient_id", "study", "sex", "months_onset_to_treatment", "prior_mas"],
    ["007", "Zürich", "F", "3", "yes"],
    ["012", "Zürich", "M", "30.5", "N"],
]
VISITS = [
    ["patient_id", "week", "active_joints", "crp_mg_l", "fever"],
    ["007", "0", "4", "12.5", "+"],
    ["007", "4", "1", "3.25", "-"],
    ["012", "0", "2", "40", "1"],
    ["012", "4", "0", "0.5", "0"],
]


def csv_text(rows, delimiter=",", newline="\n", decimal="."):
    lines = []
    for row in rows:
        cells = [c.replace(".", decimal) if decimal != "." and _is_decimal(c) else c for c in row]
        lines.append(delimiter.join(cells))
    return newline.join(lines) + newline


def _is_decimal(text):
    try:
        float(text)
    except ValueError:
        return False
    return "." in text


def write_folder(folder: Path, patients=PATIENTS, visits=VISITS, encoding="utf-8", **kw) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patients.csv").write_bytes(csv_text(patients, **kw).encode(encoding))
    (folder / "visits.csv").write_bytes(csv_text(visits, **kw).encode(encoding))
    return folder


def long_rows(patients=PATIENTS, visits=VISITS):
    """One row per patient and visit, the patient's columns repeated."""
    pat = {row[0]: row[1:] for row in patients[1:]}
    header = visits[0] + patients[0][1:]
    return [header] + [row + pat[row[0]] for row in visits[1:]]


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buf.getvalue()


def problems(call) -> list[str]:
    with pytest.raises(CohortValidationError) as err:
        call()
    assert err.value.problems, "an invalid cohort always says why"
    return [str(p) for p in err.value.problems]


@pytest.fixture(scope="module")
def reference():
    return load_cohort_from_bytes(csv_text(long_rows()).encode(), "reference.csv")


def same_cohort(a, b):
    for table in ("patients", "visits"):
        left = getattr(a, table)
        right = getattr(b, table)[list(left.columns)]
        pd.testing.assert_frame_equal(left, right, check_dtype=True)


# -- encodings, delimiters, line ends --------------------------------------------------------
@pytest.mark.parametrize("encoding, kw", [
    ("utf-8", {}),
    ("utf-8-sig", {}),
    ("cp1252", {}),
    ("utf-16", {"delimiter": "\t"}),                 # Excel's "Unicode text"
    ("utf-8", {"delimiter": ";", "decimal": ","}),   # European Excel
    ("utf-8", {"delimiter": "\t"}),
    ("utf-8", {"newline": "\r\n"}),
    ("cp1252", {"delimiter": ";", "decimal": ",", "newline": "\r\n"}),
], ids=["utf8", "utf8-bom", "cp1252", "utf16-tab", "semicolon-decimal-comma", "tab", "crlf", "cp1252-semicolon-crlf"])
def test_every_encoding_and_delimiter_gives_the_same_cohort(tmp_path, reference, encoding, kw):
    cohort = load_cohort(write_folder(tmp_path / "c", encoding=encoding, **kw))
    same_cohort(reference, cohort)
    assert cohort.patients["study"].tolist() == ["Zürich", "Zürich"]
    assert cohort.visits["crp_mg_l"].tolist() == [12.5, 3.25, 40.0, 0.5]


def test_a_cp1252_file_is_read_and_the_warning_names_the_encoding(tmp_path):
    cohort = load_cohort(write_folder(tmp_path / "c", encoding="cp1252"))
    said = [w for w in cohort.warnings if "Windows-1252" in w]
    assert said and said[0].startswith("patients.csv: ") and "not UTF-8" in said[0]


def test_decimal_commas_are_read_only_when_cells_are_not_comma_separated(tmp_path):
    cohort = load_cohort(write_folder(tmp_path / "c", delimiter=";", decimal=","))
    assert any("decimal commas" in w and '";"' in w for w in cohort.warnings)
    # with commas between cells, a quoted "12,5" is ambiguous: it is a problem, not a guess
    visits = [VISITS[0], ["007", "0", "4", '"12,5"', "+"]] + VISITS[2:]
    found = problems(lambda: load_cohort(write_folder(tmp_path / "d", visits=visits)))
    assert any(line.startswith('visits.csv:2:crp_mg_l: "12,5" is not a number') for line in found)


def test_decode_and_sniff_helpers():
    assert decode_text("Zürich".encode("cp1252")) == ("Zürich", "cp1252")
    assert decode_text(b"\xef\xbb\xbfid") == ("id", "utf-8")
    with pytest.raises(UnicodeDecodeError):
        decode_text(b"\x81\x8d\x8f\x90\x9d\xff\xfe")  # bytes Windows-1252 leaves undefined
    assert sniff_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert sniff_delimiter("Cohort export\n\na\tb\n1\t2\n3\t4\n") == "\t"
    assert detect_format(b"") == "empty" and detect_format(b"MZ\x90\x00\x03") == "binary"


def test_trailing_empty_rows_and_blank_lines_are_ignored_but_rows_keep_their_numbers(tmp_path):
    visits = csv_text(VISITS) + ",,,,\n\n  \n"
    folder = write_folder(tmp_path / "c")
    (folder / "visits.csv").write_text(visits)
    assert len(load_cohort(folder).visits) == 4
    # a blank line in the middle still counts as a spreadsheet row
    (folder / "visits.csv").write_text(csv_text(VISITS[:3]) + "\n" + csv_text(VISITS[3:]).replace("0,0.5", "x,0.5"))
    found = problems(lambda: load_cohort(folder))
    assert 'visits.csv:6:active_joints: "x" is not a whole number of joints (0–71)' in found


def test_title_rows_above_the_header_are_skipped_and_counted(tmp_path):
    folder = write_folder(tmp_path / "c")
    text = "Clinic export 2024\n\n" + csv_text(VISITS).replace("012,4,0,", "012,4,-1,")
    (folder / "visits.csv").write_text(text)
    found = problems(lambda: load_cohort(folder))
    assert any(line.startswith("visits.csv:7:active_joints: -1 is out of range") for line in found), found


def test_duplicate_headers_are_a_problem_naming_both(tmp_path):
    visits = [VISITS[0] + ["joints"]] + [row + [row[2]] for row in VISITS[1:]]
    found = problems(lambda: load_cohort(write_folder(tmp_path / "c", visits=visits)))
    assert ('visits.csv:1:active_joints: the columns "active_joints" and "joints" both give active_joints; '
            "keep one of them") in found
    visits = [VISITS[0] + ["week"]] + [row + ["9"] for row in VISITS[1:]]
    assert any(line.startswith("visits.csv:1:week: the columns") for line in
               problems(lambda: load_cohort(write_folder(tmp_path / "d", visits=visits))))


def test_ids_with_leading_zeros_stay_text_everywhere(tmp_path, reference):
    assert reference.patients["patient_id"].tolist() == ["007", "012"]
    cohort = load_cohort(write_folder(tmp_path / "c"))
    assert set(cohort.visits["patient_id"]) == {"007", "012"}
    book = workbook_bytes({"patients": PATIENTS, "visits": VISITS})
    assert load_cohort_from_bytes(book, "c.xlsx").patients["patient_id"].tolist() == ["007", "012"]


def test_a_row_with_more_cells_than_the_header_is_named(tmp_path):
    visits = VISITS[:2] + [["007", "4", "1", "3,25", "-"]] + VISITS[3:]  # unquoted decimal comma
    found = problems(lambda: load_cohort(write_folder(tmp_path / "c", visits=visits)))
    assert any(line.startswith("visits.csv, row 3: this row has 6 cells but the header has 5") for line in found)


# -- column synonyms ---------------------------------------------------------------------
def test_common_header_spellings_are_read_as_the_schema_names_them(tmp_path):
    patients = [["Subject ID", "Study", "Gender", "Disease duration (months)", "MAS"]] + PATIENTS[1:]
    visits = [["ID", "Visit week", "Active joint count", "CRP", "Fever"]] + VISITS[1:]
    cohort = load_cohort(write_folder(tmp_path / "c", patients=patients, visits=visits))
    assert cohort.visits["active_joints"].tolist() == [4, 1, 2, 0]
    assert cohort.patients["prior_mas"].tolist() == [True, False]
    said = " ".join(cohort.warnings)
    assert '"Active joint count" → active_joints' in said and '"CRP" → crp_mg_l (mg/L)' in said


@pytest.mark.parametrize("header, table, column", [
    ("id", "visits", "patient_id"), ("patient", "patients", "patient_id"), ("subject_id", "visits", "patient_id"),
    ("visit_week", "visits", "week"), ("joints", "visits", "active_joints"),
    ("active joint count", "visits", "active_joints"), ("crp", "visits", "crp_mg_l"),
    ("CRP (mg/L)", "visits", "crp_mg_l"), ("ESR", "visits", "esr_mm_h"),
    ("Ferritin (µg/L)", "visits", "ferritin_ng_ml"),
    ("gender", "patients", "sex"), ("Age at onset", "patients", "age_onset_years"),
    ("drug", "patients", "treatment"), ("drug", "treatments", "drug"), ("SAE", "adverse_events", "serious"),
    ("steroid", "visits", None), ("comments", "visits", None),
])
def test_the_documented_synonym_mapping(header, table, column):
    assert canonical_column(header, table) == column


def test_every_synonym_names_a_real_column():
    for table, mapping in SYNONYMS.items():
        for spelling, column in mapping.items():
            assert column in TABLES[table].names, (table, spelling, column)


# -- workbooks ---------------------------------------------------------------------------
def test_a_workbook_with_a_sheet_per_table_names_sheet_row_and_column():
    visits = VISITS[:3] + [["012", 0, "many", 40, True]] + VISITS[4:]
    book = workbook_bytes({"Demographics": PATIENTS, "visits": visits, "Notes": [["anything"]]})
    found = problems(lambda: load_cohort_from_bytes(book, "cohort.xlsx"))
    assert 'cohort.xlsx[visits]:4:active_joints: "many" is not a whole number of joints (0–71)' in found


def test_a_workbook_with_typed_cells_loads_like_the_csv(reference):
    def typed(rows):
        out = [rows[0]]
        for row in rows[1:]:
            out.append([c if c.startswith("0") or not _number(c) else _number(c) for c in row])
        return out

    book = workbook_bytes({"patients": typed(PATIENTS), "visits": typed(VISITS), "Sheet3": []})
    same_cohort(reference, load_cohort_from_bytes(book, "cohort.xlsx"))


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def test_a_long_workbook_is_split_into_patients_and_visits(reference):
    book = workbook_bytes({"Sheet1": long_rows()})
    cohort = load_cohort_from_bytes(book, "long.xlsx")
    same_cohort(reference, cohort)


def test_a_workbook_that_is_really_text_is_refused_by_its_content(tmp_path):
    path = tmp_path / "cohort.xlsx"
    path.write_text("just some notes, renamed\n")
    found = problems(lambda: load_cohort(path))
    assert found == ["cohort.xlsx: the name says an Excel workbook (.xlsx) but the content is delimited text (CSV); "
                     "if it is CSV text, rename it to .csv"]


def test_legacy_binary_and_disguised_files_are_refused_by_sniffing():
    assert "legacy Excel .xls" in problems(lambda: load_cohort_from_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls"))[0]
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 20
    assert "the content is a binary file" in problems(lambda: load_cohort_from_bytes(exe, "cohort.csv"))[0]
    book = workbook_bytes({"patients": PATIENTS, "visits": VISITS})
    assert "the content is an Excel workbook" in problems(lambda: load_cohort_from_bytes(book, "cohort.csv"))[0]


def test_a_truncated_workbook_is_explained():
    book = workbook_bytes({"patients": PATIENTS, "visits": VISITS})
    found = problems(lambda: load_cohort_from_bytes(book[: len(book) // 2], "cohort.xlsx"))
    assert "damaged or incomplete" in found[0] and found[0].startswith("cohort.xlsx: ")


def test_a_workbook_with_a_corrupt_sheet_is_explained():
    book = workbook_bytes({"patients": PATIENTS, "visits": VISITS})
    src = zipfile.ZipFile(io.BytesIO(book))
    members = {i.filename: src.read(i) for i in src.infolist()}
    members["xl/worksheets/sheet2.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>99"
    found = problems(lambda: load_cohort_from_bytes(zip_bytes(members), "cohort.xlsx"))
    assert "cohort.xlsx: " in found[0] and "could not be" in found[0]


def test_entity_expansion_in_a_workbook_is_refused():
    book = workbook_bytes({"patients": PATIENTS, "visits": VISITS})
    src = zipfile.ZipFile(io.BytesIO(book))
    members = {i.filename: src.read(i) for i in src.infolist()}
    entities = "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
    members["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>').encode()
    start = time.perf_counter()
    found = problems(lambda: load_cohort_from_bytes(zip_bytes(members), "cohort.xlsx"))
    assert time.perf_counter() - start < 1
    assert found == ["cohort.xlsx: the workbook's XML declares entities (a DTD), which Excel never writes and "
                     "XML-bomb attacks use; it was not read: save it again from Excel"]


# -- long format -------------------------------------------------------------------------
def test_a_long_csv_is_split_and_rows_keep_their_numbers(reference):
    assert reference.n_patients == 2 and len(reference.visits) == 4
    assert reference.patients["months_onset_to_treatment"].tolist() == [3.0, 30.5]


def test_conflicting_repeated_patient_values_name_both_rows():
    rows = long_rows()
    rows[2][rows[0].index("sex")] = "M"          # patient 007 is F on row 2, M on row 3
    rows[4][rows[0].index("prior_mas")] = "yes"  # patient 012: N on row 4, yes on row 5
    found = problems(lambda: load_cohort_from_bytes(csv_text(rows).encode(), "long.csv"))
    assert 'long.csv:3:sex: patient "007" has sex "M" here but "F" on row 2; give one value per patient' in found
    assert any(line.startswith('long.csv:5:prior_mas: patient "012"') and "row 4" in line for line in found)


def test_repeated_values_in_other_spellings_do_not_conflict_and_blanks_are_filled():
    rows = long_rows()
    rows[2][rows[0].index("prior_mas")] = "Y"       # yes == Y
    rows[2][rows[0].index("months_onset_to_treatment")] = "3.0"
    rows[4][rows[0].index("sex")] = ""               # given once is enough
    cohort = load_cohort_from_bytes(csv_text(rows).encode(), "long.csv")
    assert cohort.patients["sex"].tolist() == ["F", "M"]


def test_a_long_file_without_patient_ids_is_one_clear_problem():
    rows = [r[1:] for r in long_rows()]
    assert problems(lambda: load_cohort_from_bytes(csv_text(rows).encode(), "long.csv")) == [
        "long.csv:1:patient_id: required column is missing; add a column headed patient_id "
        "(the patient's study code, repeated on each of their rows)"]


# -- archives ----------------------------------------------------------------------------
def test_a_zip_of_the_folder_loads_like_the_folder(tmp_path, reference):
    archive = zip_bytes({"cohort/patients.csv": csv_text(PATIENTS).encode(),
                         "cohort/visits.csv": csv_text(VISITS).encode(),
                         "__MACOSX/cohort/._visits.csv": b"\x00\x05\x16\x07"})
    same_cohort(reference, load_cohort_from_bytes(archive, "cohort.zip"))
    path = tmp_path / "cohort.zip"
    path.write_bytes(archive)
    same_cohort(reference, load_cohort(path))


def test_problems_inside_a_zip_name_the_member():
    visits = csv_text(VISITS).replace("012,4,0,", "012,4,zero,")
    archive = zip_bytes({"c/patients.csv": csv_text(PATIENTS).encode(), "c/visits.csv": visits.encode()})
    assert 'cohort.zip/c/visits.csv:5:active_joints: "zero" is not a whole number of joints (0–71)' in \
        problems(lambda: load_cohort_from_bytes(archive, "cohort.zip"))


def test_a_zip_bomb_is_refused_quickly_from_its_declared_size():
    bomb = zip_bytes({"visits.csv": b"0" * (MAX_UNCOMPRESSED_BYTES + 1024 * 1024)})
    assert len(bomb) < MAX_UNCOMPRESSED_BYTES / 200  # more than 200:1
    start = time.perf_counter()
    found = problems(lambda: load_cohort_from_bytes(bomb, "bomb.zip"))
    assert time.perf_counter() - start < 1
    assert found[0].startswith("bomb.zip: the archive would unpack to") and "zip bombs" in found[0]


def test_a_workbook_bomb_is_refused_before_parsing():
    book = workbook_bytes({"patients": PATIENTS, "visits": VISITS})
    src = zipfile.ZipFile(io.BytesIO(book))
    members = {i.filename: src.read(i) for i in src.infolist()}
    members["xl/worksheets/sheet3.xml"] = b" " * (MAX_UNCOMPRESSED_BYTES + 1)
    bomb = zip_bytes(members)  # made before the clock starts: only the refusal is timed
    start = time.perf_counter()
    found = problems(lambda: load_cohort_from_bytes(bomb, "cohort.xlsx"))
    assert time.perf_counter() - start < 1 and "zip bombs" in found[0]


def test_unsafe_member_names_and_too_many_entries_are_refused(monkeypatch):
    for name in ("../visits.csv", "/etc/visits.csv", "c/../../visits.csv", "C:\\visits.csv"):
        archive = zip_bytes({"patients.csv": b"patient_id\n1\n", name: b"x"})
        assert "unsafe path" in problems(partial(load_cohort_from_bytes, archive, "c.zip"))[0]
    many = zip_bytes({f"f{i}.txt": b"" for i in range(30)})
    monkeypatch.setattr(data, "_limits", lambda: data.readers.Limits(max_archive_entries=20))
    assert "30 entries, over the limit of 20" in problems(lambda: load_cohort_from_bytes(many, "c.zip"))[0]


def test_a_truncated_zip_is_explained():
    archive = zip_bytes({"patients.csv": csv_text(PATIENTS).encode(), "visits.csv": csv_text(VISITS).encode()})
    found = problems(lambda: load_cohort_from_bytes(archive[:-30], "cohort.zip"))
    assert found[0].startswith("cohort.zip: the archive is damaged or incomplete")


# -- steroid dose in mg/day --------------------------------------------------------------
def test_mg_per_day_is_converted_with_the_visit_weight_checked_by_hand():
    rows = long_rows()
    header = rows[0] + ["Prednisone (mg/day)", "Weight (kg)"]
    extra = [["20", "25"], ["7.5", "30"], ["0", ""], [" ", "41"]]
    cohort = load_cohort_from_bytes(csv_text([header] + [r + e for r, e in zip(rows[1:], extra)]).encode(), "l.csv")
    # 20 mg/day / 25 kg = 0.8; 7.5 / 30 = 0.25; 0 stays 0 without a weight; a blank dose stays blank
    assert cohort.visits["steroid_mg_kg_day"].tolist()[:3] == [0.8, 0.25, 0.0]
    assert pd.isna(cohort.visits["steroid_mg_kg_day"].iloc[3])
    warned = [w for w in cohort.warnings if "mg/day" in w]
    assert warned == ['l.csv, column steroid_mg_kg_day: steroid doses were given in mg/day '
                      '(column "Prednisone (mg/day)") and were converted to mg/kg/day by dividing by the body '
                      'weight (column "Weight (kg)")']


def test_mg_per_day_uses_the_patient_weight_and_a_missing_weight_is_a_problem(tmp_path):
    patients = [PATIENTS[0] + ["weight_kg"], PATIENTS[1] + ["20"], PATIENTS[2] + [""]]
    visits = [VISITS[0] + ["prednisolone_mg_day"]] + [r + [d] for r, d in zip(VISITS[1:], ["10", "5", "0", "8"])]
    found = problems(lambda: load_cohort(write_folder(tmp_path / "c", patients=patients, visits=visits)))
    assert found == ["visits.csv:5:prednisolone_mg_day: a dose in mg/day needs the body weight in kg to give "
                     "mg/kg/day; add a weight_kg column (per visit, or per patient in the patients table)"]
    patients[2][-1] = "32"
    cohort = load_cohort(write_folder(tmp_path / "d", patients=patients, visits=visits))
    assert cohort.visits["steroid_mg_kg_day"].tolist() == [0.5, 0.25, 0.0, 0.25]


# -- files and limits --------------------------------------------------------------------
def test_an_empty_or_header_only_file_is_explained():
    assert problems(lambda: load_cohort_from_bytes(b"", "c.csv")) == [
        "c.csv: the file is empty; it needs a header row and data rows"]
    assert problems(lambda: load_cohort_from_bytes(b"\n,,\n", "c.csv")) == [
        "c.csv: the file is empty; it needs a header row and data rows"]
    found = problems(lambda: load_cohort_from_bytes(b"patient_id,study,months_onset_to_treatment,week\n", "c.csv"))
    assert "c.csv: the file has a header but no rows; add at least one row" in found


def test_uploads_are_checked_on_their_length_and_names_are_only_labels(monkeypatch):
    content = csv_text(long_rows()).encode()
    assert load_cohort_from_bytes(memoryview(content), "../../etc/cohort.csv").source == "cohort.csv"
    monkeypatch.setattr(data, "_limits", lambda: data.readers.Limits(max_file_bytes=len(content) - 1))
    assert "over the" in problems(lambda: load_cohort_from_bytes(content, "cohort.csv"))[0]


def test_a_file_over_the_limit_is_refused_from_its_size_without_reading_it(tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:  # sparse: 2 GB on paper, nothing on disk
        fh.truncate(2 * 1024**3)
    real_open = open
    opened = []
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    monkeypatch.setenv("SJIA_COHORT_CACHE", str(tmp_path / "cache"))  # with the cache on: not even hashed
    found = problems(lambda: load_cohort(big))
    assert "the file is 2048 MiB, over the 20 MiB limit" in found[0]
    assert str(big) not in map(str, opened)


def digest(path: Path) -> tuple[str, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.mark.parametrize("kind", ["csv", "xlsx", "zip", "bad-xlsx"])
def test_the_input_file_is_never_changed(tmp_path, kind):
    content = {
        "csv": csv_text(long_rows()).encode("cp1252"),
        "xlsx": workbook_bytes({"patients": PATIENTS, "visits": VISITS}),
        "zip": zip_bytes({"patients.csv": csv_text(PATIENTS).encode(), "visits.csv": csv_text(VISITS).encode()}),
        "bad-xlsx": workbook_bytes({"patients": PATIENTS, "visits": VISITS[:2] + [["007", "x", "y", "z", "w"]]}),
    }[kind]
    path = tmp_path / f"cohort.{kind.split('-')[-1]}"
    path.write_bytes(content)
    before = digest(path), sorted(p.name for p in tmp_path.iterdir())
    try:
        load_cohort(path)
    except CohortValidationError:
        assert kind.startswith("bad")
    assert (digest(path), sorted(p.name for p in tmp_path.iterdir())) == before


# -- the command line --------------------------------------------------------------------
def test_validate_prints_warnings_and_exits_0_for_a_valid_workbook(tmp_path, capsys):
    rows = long_rows()
    rows[0] = rows[0] + ["Date of birth"]
    rows[1:] = [r + ["2019-03-01"] for r in rows[1:]]
    path = tmp_path / "cohort.xlsx"
    path.write_bytes(workbook_bytes({"data": rows}))
    assert cli_main(["validate", str(path)]) == 0
    out = capsys.readouterr()
    assert "valid cohort: 2 patients, 4 visits" in out.out
    assert "warning: cohort.xlsx[data]:1:Date of birth: the header looks like a date of birth" in out.err
    assert "2019-03-01" not in out.err + out.out


def test_validate_exits_1_with_sheet_rows_for_an_invalid_workbook_and_2_for_usage(tmp_path, capsys):
    path = tmp_path / "cohort.xlsx"
    path.write_bytes(workbook_bytes({"patients": PATIENTS, "visits": VISITS[:3] + [["012", 0, 99, 40, "y"]]}))
    assert cli_main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "cohort.xlsx[visits]:4:active_joints: 99 is out of range; expected a whole number of joints (0–71)" in err
    assert "Traceback" not in err
    assert cli_main(["validate", str(tmp_path / "missing.xlsx")]) == 1
    assert cli_main(["validate", "a", "b"]) == 2


def test_row_and_column_caps_are_checked_while_reading(monkeypatch):
    monkeypatch.setattr(data, "_limits", lambda: data.readers.Limits(max_columns=4))
    found = problems(lambda: load_cohort_from_bytes(csv_text(long_rows()).encode(), "long.csv"))
    assert found == ["long.csv, row 1: the header has 9 columns, over the limit of 4; "
                     "remove columns the cohort does not need"]
    monkeypatch.setattr(data, "_limits", lambda: data.readers.Limits(max_rows=3))
    assert problems(lambda: load_cohort_from_bytes(csv_text(long_rows()).encode(), "long.csv")) == [
        "long.csv, row 5: more than 3 data rows; split the file or remove rows the cohort does not need"]
    rows = [r[:4] for r in long_rows()]
    found = problems(lambda: load_cohort_from_bytes(workbook_bytes({"data": rows}), "long.xlsx"))
    assert found == ["long.xlsx[data], row 5: more than 3 data rows; "
                     "split the file or remove rows the cohort does not need"]


def test_a_macro_enabled_workbook_is_read_as_data_only(reference):
    book = workbook_bytes({"patients": PATIENTS, "visits": VISITS})
    assert load_cohort_from_bytes(book, "cohort.xlsm").n_patients == 2


def test_problems_are_listed_file_by_file_from_top_to_bottom():
    visits = [VISITS[0]] + [[r[0], r[1], "x", r[3], r[4]] for r in VISITS[1:]]
    patients = [PATIENTS[0]] + [[r[0], r[1], "X", r[3], r[4]] for r in PATIENTS[1:]]
    found = problems(lambda: load_cohort_from_bytes(workbook_bytes({"visits": visits, "patients": patients}), "c.xlsx"))
    assert [line.split(":")[0:2] for line in found] == [
        ["c.xlsx[patients]", "2"], ["c.xlsx[patients]", "3"],
        ["c.xlsx[visits]", "2"], ["c.xlsx[visits]", "3"], ["c.xlsx[visits]", "4"], ["c.xlsx[visits]", "5"]]
