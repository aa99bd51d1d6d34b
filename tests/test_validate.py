"""Loading your own cohort folder: every problem reported with file, row and column; input never changed."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sjia_explore import CohortValidationError, load_cohort
from sjia_explore.cli import main as cli_main
from sjia_explore.schema import MISSING_TOKENS

PATIENTS = """patient_id,study,sex,months_onset_to_treatment,prior_mas
P1,mine,F,3,no
P2,mine,M,30,yes
"""
VISITS = """patient_id,week,active_joints,steroid_mg_kg_day,fever
P1,0,4,0.5,+
P1,4,1,0.2,-
P2,0,2,0,Y
P2,4,0,0,N
"""


def write_cohort(folder: Path, patients: str = PATIENTS, visits: str = VISITS, **others: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patients.csv").write_text(patients, encoding="utf-8")
    (folder / "visits.csv").write_text(visits, encoding="utf-8")
    for name, text in others.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def digest(folder: Path) -> dict[str, tuple[str, float]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime) for p in folder.iterdir()}


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CohortValidationError) as err:
        load_cohort(folder)
    return [str(p) for p in err.value.problems]


def test_a_minimal_folder_loads_with_typed_columns(tmp_path):
    cohort = load_cohort(write_cohort(tmp_path / "c"))
    assert cohort.n_patients == 2
    assert cohort.visits["active_joints"].tolist() == [4, 1, 2, 0]
    assert cohort.visits["fever"].tolist() == [True, False, True, False]
    assert cohort.patients["prior_mas"].tolist() == [False, True]
    assert cohort.treatments.empty and cohort.adverse_events.empty


def test_the_example_problem_reads_as_in_the_docs(tmp_path):
    visits = VISITS.replace("P1,4,1,", "P1,4,abc,")
    folder = write_cohort(tmp_path / "c", visits=visits)
    assert 'visits.csv:3:active_joints: "abc" is not a whole number of joints (0–71)' in problems_of(folder)


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    patients = PATIENTS + "P2,mine,X,-4,maybe\n"
    visits = VISITS + "P9,0,2,0,N\nP1,0,99,0,N\n"
    found = problems_of(write_cohort(tmp_path / "c", patients=patients, visits=visits))
    expected_fragments = [
        "patients.csv:4:sex:",                    # unknown code
        "patients.csv:4:months_onset_to_treatment:",  # out of range
        "patients.csv:4:prior_mas:",              # not yes/no
        "patients.csv:4:patient_id: duplicate",   # duplicate patient
        "visits.csv:6:patient_id:",               # unknown patient
        "visits.csv:7:active_joints:",            # 99 joints
        "visits.csv:7:week: duplicate",           # duplicate patient-week
    ]
    for fragment in expected_fragments:
        assert any(line.startswith(fragment) for line in found), (fragment, found)


def test_missing_required_column_is_named(tmp_path):
    patients = "patient_id,study\nP1,mine\nP2,mine\n"
    found = problems_of(write_cohort(tmp_path / "c", patients=patients))
    assert any(line.startswith("patients.csv:1:months_onset_to_treatment: required column is missing")
               for line in found)


def test_missing_visits_file_and_empty_file_are_explained(tmp_path):
    folder = write_cohort(tmp_path / "c")
    (folder / "visits.csv").unlink()
    assert any("visits" in line and "required" in line for line in problems_of(folder))
    (folder / "visits.csv").write_text("")
    assert any(line.startswith("visits.csv: the file is empty") for line in problems_of(folder))


def test_a_file_that_is_not_utf8_is_refused_with_a_fix(tmp_path):
    folder = write_cohort(tmp_path / "c")
    (folder / "patients.csv").write_bytes(
        "patient_id,study,months_onset_to_treatment\nJos\xe9,mine,3\n".encode("cp1252"))
    assert any("not UTF-8" in line and "patients.csv" in line for line in problems_of(folder))


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    import sjia_explore.data as data

    monkeypatch.setattr(data, "_limits", lambda: data.readers.Limits(max_file_bytes=50))
    found = problems_of(write_cohort(tmp_path / "c"))
    assert any("over the" in line and "limit" in line for line in found)


def test_input_files_are_never_changed(tmp_path):
    good = write_cohort(tmp_path / "good")
    bad = write_cohort(tmp_path / "bad", visits=VISITS.replace("4,1", "4,x"))
    before = digest(good), digest(bad)
    load_cohort(good)
    with pytest.raises(CohortValidationError):
        load_cohort(bad)
    assert (digest(good), digest(bad)) == before


def test_missing_value_spellings_become_missing(tmp_path):
    spellings = sorted(t for t in MISSING_TOKENS if t)
    rows = "".join(f"P1,{100 + i},{s},0,N\n" for i, s in enumerate(spellings))
    cohort = load_cohort(write_cohort(tmp_path / "c", visits=VISITS + rows))
    assert cohort.visits["active_joints"].isna().sum() == len(spellings)


def test_cli_validate_exit_codes_and_lines(tmp_path, capsys):
    good = write_cohort(tmp_path / "good")
    assert cli_main(["validate", str(good)]) == 0
    assert "valid cohort: 2 patients" in capsys.readouterr().out
    bad = write_cohort(tmp_path / "bad", visits=VISITS.replace("P1,4,1,", "P1,4,abc,"))
    assert cli_main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert 'visits.csv:3:active_joints: "abc" is not a whole number of joints (0–71)' in err.splitlines()
    assert cli_main(["validate"]) == 2


def test_cli_validate_never_prints_a_traceback(tmp_path):
    bad = write_cohort(tmp_path / "bad", patients="\x00\x01garbage", visits="")
    run = subprocess.run([sys.executable, "-m", "sjia_explore.cli", "validate", str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert run.stderr.strip(), "problems go to stderr"


def test_typed_tables_follow_the_schema(tmp_path):
    cohort = load_cohort(write_cohort(tmp_path / "c"))
    assert str(cohort.visits["week"].dtype) == "Int64"
    assert str(cohort.visits["steroid_mg_kg_day"].dtype) == "Float64"
    assert isinstance(cohort.patients, pd.DataFrame)


def test_the_bundled_data_pass_the_validator_and_load_with_the_same_types_without_it():
    """load_cohort() types the bundled files without the validator (faster kernel start); this is its proof."""
    from sjia_explore import data, readers, schema

    folder = data.bundled_data_dir()
    reading = readers.read_folder(folder, data._limits())
    problems, validated = schema.validate_tables(reading.frames)
    assert problems == []
    trusted = schema.type_trusted_tables(reading.frames)
    assert list(trusted) == list(validated)
    for name in validated:
        pd.testing.assert_frame_equal(trusted[name], validated[name], check_exact=True)
    checked = data._cohort_from_reading(reading, data.BUNDLED_SOURCE, data._provenance_from_datapackage(folder))
    cohort = load_cohort()
    for name in ("patients", "visits", "treatments", "adverse_events"):
        pd.testing.assert_frame_equal(getattr(cohort, name), getattr(checked, name), check_exact=True)


def test_a_problem_is_said_once_and_an_unreadable_cell_is_not_also_missing(tmp_path):
    """Week 4.5 is not a whole number: one problem, not a second "a value is required here" for the same cell;
    one long file with a header and no rows feeds two tables but is said to have no rows once."""
    visits = "patient_id,week,active_joints\nP1,0,3\nP1,4.5,1\nP2,0,2\n"
    assert problems_of(write_cohort(tmp_path / "c", visits=visits)) == [
        'visits.csv:3:week: "4.5" is not a whole number of weeks (0–520)']
    (tmp_path / "long.csv").write_text("patient_id,study,months_onset_to_treatment,week\n", encoding="utf-8")
    found = problems_of(tmp_path / "long.csv")
    assert found.count("long.csv: the file has a header but no rows; add at least one row") == 1, found


def test_a_column_no_view_reads_is_named_with_the_closest_schema_column(tmp_path):
    """A "CRP (mg/dL)" column was kept and never used, without a word: the warning names it beside crp_mg_l (mg/L)."""
    visits = VISITS.replace("fever\n", "fever,CRP (mg/dL),ward\n").replace("+\n", "+,2.5,A\n", 1)
    cohort = load_cohort(write_cohort(tmp_path / "c", visits=visits))
    said = [str(w) for w in cohort.warnings if "no view reads" in str(w)]
    assert said == ['visits.csv: columns no view reads (kept as they are): "CRP (mg/dL)" (closest: crp_mg_l, in '
                    'mg/L), "ward"; give a column the schema\'s name (see the data dictionary) to use it']
    assert "crp_mg_l" not in cohort.visits.columns  # not read as mg/L by a guess


def test_a_redcap_export_has_no_column_that_no_view_reads(tmp_path):
    from sjia_explore import clinic_exports, simulate

    clinic_exports.write_redcap(simulate.registry(12, seed=3), tmp_path)
    cohort = load_cohort(tmp_path, cache=False)
    assert not [w for w in cohort.warnings if "no view reads" in str(w)]
