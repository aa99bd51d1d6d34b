"""REDCap exports as they come: records told by content, events as weeks, the data dictionary applied."""

import hashlib
import io
import zipfile

import pandas as pd
import pytest

from sjia_explore import CohortValidationError, load_cohort
from sjia_explore.cli import main as cli_main
from sjia_explore.clinic_exports import write_dates, write_redcap
from sjia_explore.data import load_cohort_from_bytes
from sjia_explore.readers import event_week, parse_event_weeks
from sjia_explore.simulate import registry

RECORDS = (
    "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,sex,disease_duration_months,"
    "mrn,symptoms___1,symptoms___2,symptoms___3,joints,crp,ae_term,ae_serious,ae_onset_day,baseline_complete\n"
    "1,baseline_arm_1,,,2,5,12345678,1,0,1,4,30,,,,2\n"
    "1,week_4_arm_1,,,,,,0,0,0,1,3,,,,\n"
    "1,month_3_arm_1,,,,,,0,1,0,0,1,,,,\n"
    "1,week_4_arm_1,adverse_events,1,,,,,,,,,URTI,1,20,\n"
    "2,screening_arm_1,,,1,14,87654321,0,1,0,2,12,,,,2\n"
    "2,week_4_arm_1,,,,,,0,0,0,0,2,,,,\n"
)
DICTIONARY = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number",'
    '"Text Validation Min","Text Validation Max","Identifier?"\n'
    "record_id,baseline,,text,Study code,,,,,,\n"
    'sex,baseline,,radio,Sex,"1, Female | 2, Male",,,,,\n'
    "disease_duration_months,baseline,,text,Duration,,,number,,,\n"
    "mrn,baseline,,text,Hospital number,,,,,,y\n"
    'symptoms,visit,,checkbox,Symptoms,"1, Fever | 2, Rash | 3, Night sweats",,,,,\n'
    "joints,visit,,text,Active joints,,,integer,,,\n"
    "crp,visit,,text,CRP,,,number,,,\n"
    "ae_term,adverse_events,,text,Event,,,,,,\n"
    "ae_serious,adverse_events,,yesno,Serious,,,,,,\n"
    "ae_onset_day,adverse_events,,text,Day,,,integer,,,\n"
)
RECORDS_NAME = "Clinic_DATA_2026-11-30_0915.csv"


def folder_with(tmp_path, records=RECORDS, dictionary=DICTIONARY):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / RECORDS_NAME).write_text(records)
    if dictionary is not None:
        (folder / "Clinic_DataDictionary_2026-11-30.csv").write_text(dictionary)
    return folder


def problems(call):
    with pytest.raises(CohortValidationError) as err:
        call()
    return [str(p) for p in err.value.problems]


@pytest.mark.parametrize("name, week", [
    ("baseline_arm_1", 0), ("screening_arm_1", 0), ("Week 0", 0), ("week_12_arm_1", 12), ("wk24_arm_2", 24),
    # 3 months = 91.3 days, in the week-12 window (days 70-98); 28 days = 4 weeks; 6 months = 182.6 days, in the
    # week-24 window (days 140-196); 18 months = 547.9 days, in no window: the nearest week, 78.3 -> 78
    ("month_3_arm_1", 12), ("day_28_arm_1", 4), ("month_6", 24), ("month_18_arm_1", 78), ("flare_arm_1", None),
    ("unscheduled", None)])
def test_event_names_say_their_week(name, week):
    assert event_week(name) == week


def test_a_redcap_export_with_its_dictionary_loads_by_content(tmp_path):
    c = load_cohort(folder_with(tmp_path))
    assert c.patients[["patient_id", "sex", "months_onset_to_treatment", "study"]].values.tolist() == [
        ["1", "M", 5.0, "Clinic"], ["2", "F", 14.0, "Clinic"]]
    assert c.visits[["patient_id", "week", "active_joints", "crp_mg_l"]].values.tolist() == [
        ["1", 0, 4, 30.0], ["1", 4, 1, 3.0], ["1", 12, 0, 1.0], ["2", 0, 2, 12.0], ["2", 4, 0, 2.0]]
    # checkbox choices Fever and Rash become the visit flags; Night sweats matches no column and is reported
    assert c.visits["fever"].tolist() == [True, False, False, False, False]
    assert c.visits["rash"].tolist() == [False, False, True, True, False]
    said = "\n".join(c.warnings)
    assert "checkbox choices that match no column of the cohort were not read: symptoms___3 (Night sweats)" in said
    assert c.adverse_events[["patient_id", "term", "serious"]].values.tolist() == [["1", "URTI", True]]
    assert c.adverse_events["week"].tolist() == [round(20 / 7, 1)]
    assert "month_3_arm_1 → week 12" in said


def test_identifier_fields_of_the_dictionary_are_dropped_with_a_warning(tmp_path):
    c = load_cohort(folder_with(tmp_path))
    assert any("marks as identifiers were dropped" in w and "mrn" in w for w in c.warnings)
    for frame in (c.patients, c.visits, c.adverse_events):
        assert "mrn" not in frame.columns
        assert not frame.astype(str).isin(["12345678", "87654321"]).any().any()


def test_a_records_file_uploaded_alone_is_recognised_and_says_what_it_misses():
    records = ("record_id,redcap_event_name,age_at_onset,disease_duration_months,joints\n"
               "A-01,baseline_arm_1,4,6,3\nA-01,week_12_arm_1,,,0\nA-02,baseline_arm_1,7,30,5\n")
    c = load_cohort_from_bytes(records.encode(), "Project_DATA_2026-11-30_0915.csv")
    assert c.visits[["patient_id", "week", "active_joints"]].values.tolist() == [
        ["A-01", 0, 3], ["A-01", 12, 0], ["A-02", 0, 5]]
    assert c.patients["age_onset_years"].tolist() == [4.0, 7.0]
    assert any("no REDCap data dictionary was found" in w for w in c.warnings)


def test_coded_answers_without_a_dictionary_are_problems_naming_their_rows():
    records = ("record_id,redcap_event_name,sex,disease_duration_months\n"
               "1,baseline_arm_1,1,5\n2,baseline_arm_1,2,8\n")
    found = problems(lambda: load_cohort_from_bytes(records.encode(), "Project_DATA_2026.csv"))
    assert 'Project_DATA_2026.csv:2:sex: "1" is not a known code; use one of F, M' in found


def test_a_zip_with_records_and_dictionary(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"export/{RECORDS_NAME}", RECORDS)
        z.writestr("export/Clinic_DataDictionary_2026-11-30.csv", DICTIONARY)
    c = load_cohort_from_bytes(buf.getvalue(), "export.zip")
    assert c.patients["sex"].tolist() == ["M", "F"] and len(c.visits) == 5


def test_an_unknown_event_is_one_problem_saying_how_to_map_it(tmp_path):
    records = RECORDS.replace("1,month_3_arm_1", "1,flare_arm_1").replace("2,week_4_arm_1", "2,extra_arm_1")
    folder = folder_with(tmp_path, records)
    found = problems(lambda: load_cohort(folder))
    assert len([p for p in found if "do not say their week" in p]) == 1
    problem = next(p for p in found if "do not say their week" in p)
    assert problem.startswith(f"{RECORDS_NAME}, column redcap_event_name:")
    assert '"flare_arm_1", "extra_arm_1"' in problem and "event_weeks=" in problem
    c = load_cohort(folder, event_weeks={"flare_arm_1": 16, "extra_arm_1": 8})
    assert c.visits["week"].tolist() == [0, 4, 16, 0, 8]
    assert cli_main(["validate", str(folder), "--event-weeks", "flare_arm_1=16,extra_arm_1=8"]) == 0
    mapping = tmp_path / "events.csv"
    mapping.write_text("event,week\nflare_arm_1,16\nextra,8\n")
    assert parse_event_weeks(str(mapping)) == {"flare_arm_1": 16, "extra": 8}
    assert cli_main(["validate", str(folder), "--event-weeks", str(mapping)]) == 0
    assert cli_main(["validate", str(folder), "--event-weeks", "flare_arm_1=soon"]) == 2
    with pytest.raises(ValueError, match="event_weeks"):
        load_cohort(folder, event_weeks={"flare_arm_1": "soon"})


def test_a_patient_field_given_differently_on_two_events_names_both_rows(tmp_path):
    records = RECORDS.replace("1,week_4_arm_1,,,,,,0,0,0,1,3", "1,week_4_arm_1,,,1,,,0,0,0,1,3")
    found = problems(lambda: load_cohort(folder_with(tmp_path, records)))
    assert any(p.startswith(f"{RECORDS_NAME}:3:sex:") and "on row 2" in p for p in found)


def test_simulated_redcap_and_dates_exports_load_back_to_the_registry(tmp_path, capsys):
    reg = registry(40, seed=3)
    columns = ["patient_id", "week", "active_joints", "sjadas27", "steroid_mg_kg_day", "crp_mg_l", "fever"]
    for fmt in ("redcap", "dates"):
        out = tmp_path / fmt
        assert cli_main(["simulate", "40", str(out), "--seed", "3", "--format", fmt]) == 0
        c = load_cohort(out)
        pd.testing.assert_frame_equal(c.visits[columns].reset_index(drop=True),
                                      reg.visits[columns].reset_index(drop=True), check_dtype=False)
        assert c.patients["sex"].tolist() == reg.patients["sex"].tolist()
        months = c.patients["months_onset_to_treatment"].astype(float)
        assert (months - reg.patients["months_onset_to_treatment"].astype(float)).abs().max() <= 0.05
        assert len(c.adverse_events) == len(reg.adverse_events) and len(c.treatments) == len(reg.treatments)
        assert set(c.visits["provenance"]) == {"simulated"} and c.unscheduled_visits.empty
    assert "as a REDCap export (valid)" in capsys.readouterr().out


def test_exports_written_with_dates_hold_dates_and_the_cohort_does_not(tmp_path):
    files = write_dates(registry(5, seed=1), tmp_path / "d", seed=1)
    assert "visit_date" in files[2].read_text().splitlines()[0]
    c = load_cohort(tmp_path / "d")
    assert not [col for frame in (c.patients, c.visits, c.adverse_events) for col in frame.columns if "date" in col]


def test_redcap_input_is_never_changed(tmp_path):
    folder = tmp_path / "r"
    write_redcap(registry(5, seed=1), folder)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    load_cohort(folder)
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_records_without_their_dictionary_say_first_that_the_dictionary_is_missing(tmp_path):
    """Coded answers ("1" for sex) are refused without the dictionary; the way to fix all of them (put the
    dictionary beside the records) comes first, not after the refusals."""
    from sjia_explore import CohortValidationError, clinic_exports, load_cohort, simulate

    files = clinic_exports.write_redcap(simulate.registry(6, seed=2), tmp_path)
    next(f for f in files if "DataDictionary" in f.name).unlink()
    with pytest.raises(CohortValidationError) as err:
        load_cohort(tmp_path, cache=False)
    problems = [str(p) for p in err.value.problems]
    assert "no REDCap data dictionary was found beside the records" in problems[0]
    assert any("is not a known code" in p for p in problems[1:])
