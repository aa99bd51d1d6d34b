"""Wide tables: one row per patient and a column per visit, read as long visits with the same problem reports."""

import io

import openpyxl
import pytest

from sjia_explore import CohortValidationError
from sjia_explore.data import load_cohort_from_bytes
from sjia_explore.readers.wide import wide_column

WIDE = ("subject_id,study,months_onset_to_treatment,sex,joints_wk0,joints_wk12,esr_week_24,sjadas27_m3,"
        "activejoints_wk24\n"
        "S1,mine,5,F,4,1,12,3.5,0\n"
        "S2,mine,20,M,2,,,,1\n")


def problems(call):
    with pytest.raises(CohortValidationError) as err:
        call()
    return [str(p) for p in err.value.problems]


@pytest.mark.parametrize("header, found", [
    ("joints_wk12", ("active_joints", "weeks", 12)), ("ESR week 24", ("esr_mm_h", "weeks", 24)),
    ("sjadas27_m3", ("sjadas27", "months", 3)), ("activejoints_t1", ("active_joints", "visit", 1)),
    ("CRP (mg/L) V2", ("crp_mg_l", "visit", 2)), ("ferritin_d28", ("ferritin_ng_ml", "days", 28)),
    ("wbc_gt_15000", None), ("esr_gt_20", None), ("patient_id", None), ("week_4", None)])
def test_wide_column_headers(header, found):
    assert wide_column(header) == found


def test_one_row_per_patient_becomes_visits_per_week():
    c = load_cohort_from_bytes(WIDE.encode(), "registry.csv")
    got = c.visits[["patient_id", "week", "active_joints", "esr_mm_h", "sjadas27"]].astype(object)
    # sJADAS27 at month 3 (day 91) is the week-12 visit; S2 has no week-12 value at all, so no week-12 visit
    assert got.where(got.notna(), None).values.tolist() == [
        ["S1", 0, 4, None, None], ["S1", 12, 1, None, 3.5], ["S1", 24, 0, 12.0, None],
        ["S2", 0, 2, None, None], ["S2", 24, 1, None, None]]
    assert c.patients[["patient_id", "sex", "months_onset_to_treatment"]].values.tolist() == [
        ["S1", "F", 5.0], ["S2", "M", 20.0]]
    warning = next(w for w in c.warnings if "a column per visit" in w)
    assert "sjadas27_m3 → sjadas27 at week 12" in warning and "activejoints_wk24 → active_joints at week 24" in warning


def test_a_bad_cell_is_reported_at_its_own_row_and_column():
    found = problems(lambda: load_cohort_from_bytes(WIDE.replace("S2,mine,20,M,2,,", "S2,mine,20,M,2,x,").encode(),
                                                    "registry.csv"))
    assert found == ['registry.csv:3:joints_wk12: "x" is not a whole number of joints (0–71)']


def test_visit_numbers_count_along_the_schedule():
    text = "id,study,months_onset_to_treatment,joints_t1,joints_t2,joints_t3\nP1,mine,4,5,2,0\n"
    c = load_cohort_from_bytes(text.encode(), "trial.csv")
    assert c.visits[["week", "active_joints"]].values.tolist() == [[0, 5], [4, 2], [8, 0]]
    text = "id,study,months_onset_to_treatment," + ",".join(f"joints_v{i}" for i in range(7)) + "\nP1,mine,4" \
        + ",1" * 7 + "\n"
    found = problems(lambda: load_cohort_from_bytes(text.encode(), "trial.csv"))
    assert any(p.startswith("trial.csv:1:joints_v5: visit 5 is past the 5 visits of the schedule") for p in found)


def test_two_columns_for_one_visit_are_a_problem():
    text = "id,study,months_onset_to_treatment,joints_wk12,activejoints_m3\nP1,mine,4,2,3\n"
    found = problems(lambda: load_cohort_from_bytes(text.encode(), "t.csv"))
    assert any(p.startswith("t.csv:2:activejoints_m3: active_joints at week 12 is given twice") for p in found)


def test_a_wide_workbook_sheet():
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["patient_id", "study", "months_onset_to_treatment", "crp_w0", "crp_w4"])
    ws.append(["P1", "mine", 7, 40.5, 3])
    buf = io.BytesIO()
    book.save(buf)
    c = load_cohort_from_bytes(buf.getvalue(), "registry.xlsx")
    assert c.visits[["week", "crp_mg_l"]].values.tolist() == [[0, 40.5], [4, 3.0]]
