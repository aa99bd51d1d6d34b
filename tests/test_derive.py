"""Scores computed from their components, totals checked against them, and missing outcome columns named.

Every expected value is worked by hand in the comment beside it (sJADAS27 = physician global + parent
global + joints capped at 27 + (ESR - 20) / 10 clipped to 0-10 + systemic score; mSMS per Rosina 2024).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sjia_explore import load_cohort
from sjia_explore.data import CohortValidationError
from sjia_explore.derive import (
    COMPUTED_FROM_COMPONENTS,
    COMPUTED_FROM_ITEMS,
    CORE_OUTCOMES,
    derive_visits,
    missing_outcome_note,
)

PATIENTS = "patient_id,study,months_onset_to_treatment\nP1,mine,3\nP2,mine,20\n"
COMPONENTS = "patient_id,week,physician_global,parent_global,active_joints,esr_mm_h,systemic_score,steroid_mg_kg_day"


def folder(tmp_path, visits: str, patients: str = PATIENTS):
    (tmp_path / "patients.csv").write_text(patients, encoding="utf-8")
    (tmp_path / "visits.csv").write_text(visits, encoding="utf-8")
    return tmp_path


def warnings_about(cohort, column: str) -> list[str]:
    return [w for w in cohort.warnings if f":{column}: " in w or f", column {column}: " in w]


# --- sJADAS27 from its components ------------------------------------------------------------

def test_sjadas27_jadas27_and_cjadas27_are_computed_when_the_total_is_missing(tmp_path):
    visits = (f"{COMPONENTS}\n"
              "P1,0,6,5,10,45,3,0.5\n"     # 6 + 5 + 10 + 2.5 + 3 = 26.5; JADAS27 23.5; cJADAS27 21
              "P1,4,2,1.5,30,130,0,0.2\n"  # 2 + 1.5 + 27 (capped) + 10 (capped) + 0 = 40.5; 40.5; 30.5
              "P2,0,3,2,0,12,1,0\n")       # 3 + 2 + 0 + 0 (ESR < 20) + 1 = 6; 5; 5
    c = load_cohort(folder(tmp_path, visits))
    v = c.visits.set_index(["patient_id", "week"])
    assert v["sjadas27"].tolist() == [26.5, 40.5, 6.0]
    assert v["jadas27"].tolist() == [23.5, 40.5, 5.0]
    assert v["cjadas27"].tolist() == [21.0, 30.5, 5.0]
    for column in ("sjadas27", "jadas27", "cjadas27"):
        assert c.column_provenance("visits", column) == {"mine": COMPUTED_FROM_COMPONENTS}
    said = warnings_about(c, "sjadas27")
    assert len(said) == 1 and said[0].startswith("visits.csv, column sjadas27: ")
    assert "computed from its five components" in said[0] and "3 visits" in said[0]
    assert said[0].endswith("; so were JADAS27 (3 visits) and cJADAS27 (3 visits)")
    assert c.missing_outcome_note("sjadas27") is None


def test_only_empty_totals_are_filled_and_given_ones_kept(tmp_path):
    visits = (f"{COMPONENTS},sjadas27\n"
              "P1,0,6,5,10,45,3,0.5,26.5\n"   # given and right
              "P1,4,2,1,1,20,0,0.2,\n"        # empty: 2 + 1 + 1 + 0 + 0 = 4
              "P2,0,3,2,0,12,,0,\n")          # empty, and a component missing: stays empty
    c = load_cohort(folder(tmp_path, visits))
    got = c.visits["sjadas27"].tolist()
    assert got[:2] == [26.5, 4.0] and pd.isna(got[2])
    said = warnings_about(c, "sjadas27")[0]
    # JADAS27 and cJADAS27 were not given at all: computed wherever their components are (all three rows:
    # only the systemic score, which neither uses, is missing on the third)
    assert "for 1 visit where" in said and said.endswith("; so were JADAS27 (3 visits) and cJADAS27 (3 visits)")
    assert c.visits["jadas27"].tolist() == [23.5, 4.0, 5.0]  # 6+5+10+2.5; 2+1+1+0; 3+2+0+0


def test_nothing_is_computed_or_said_when_totals_are_given_and_agree(tmp_path):
    visits = f"{COMPONENTS},sjadas27\nP1,0,6,5,10,45,3,0.5,26.5\nP2,0,3,2,0,12,1,0,6.0\n"
    c = load_cohort(folder(tmp_path, visits))
    assert [w for w in c.warnings if "no adverse-events table" not in w] == []  # that one: the folder has none
    assert "jadas27" not in c.visits.columns
    assert c.column_provenance("visits", "sjadas27") == {}


# --- a total that disagrees with its components ------------------------------------------------

@pytest.mark.parametrize("given, warned", [
    (26.54, False),   # 0.04 off: rounding
    (26.55, False),   # exactly 0.05: still rounding (not "beyond")
    (26.56, True),    # 0.06 off
    (26.44, True),    # 0.06 below
    (30.0, True),
])
def test_a_total_beyond_0_05_from_its_components_is_warned_about_and_kept(tmp_path, given, warned):
    visits = f"{COMPONENTS},sjadas27\nP1,0,6,5,10,45,3,0.5,{given}\nP2,0,3,2,0,12,1,0,6\n"
    c = load_cohort(folder(tmp_path, visits))
    assert c.visits["sjadas27"].tolist()[0] == pytest.approx(given)  # kept as given
    said = warnings_about(c, "sjadas27")
    if not warned:
        assert said == []
        return
    assert len(said) == 1
    assert said[0].startswith("visits.csv:2:sjadas27: ")  # the file's row 2 (header = row 1)
    assert f"given as {given:g}" in said[0] and "add up to 26.5" in said[0] and "kept" in said[0]


def test_every_disagreeing_row_is_named_by_its_row_in_the_file_and_its_header(tmp_path):
    # one long sheet; the score is headed "sJADAS" and two rows of five disagree
    text = ("patient_id,study,months_onset_to_treatment,week,physician_global,parent_global,active_joints,"
            "esr_mm_h,systemic_score,sJADAS,steroid_mg_kg_day\n"
            "P1,mine,3,0,6,5,10,45,3,26.5,0\n"
            "P1,mine,3,4,2,1,1,20,0,9,0\n"      # components add up to 4
            "P1,mine,3,8,2,1,1,20,0,4,0\n"
            "P2,mine,20,0,3,2,0,12,1,6.0,0\n"
            "P2,mine,20,4,3,2,0,12,1,7.5,0\n")  # components add up to 6
    path = tmp_path / "cohort.csv"
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    c = load_cohort(path)
    said = [w for w in c.warnings if ":sJADAS: " in w]
    assert [w.split(": ")[0] for w in said] == ["cohort.csv:3:sJADAS", "cohort.csv:6:sJADAS"]
    assert "given as 9 but its five components add up to 4" in said[0]
    assert "given as 7.5 but its five components add up to 6" in said[1]
    assert path.read_bytes() == before  # the input is never changed


def test_jadas27_given_with_its_components_is_checked_too(tmp_path):
    visits = f"{COMPONENTS},sjadas27,jadas27\nP1,0,6,5,10,45,3,0.5,26.5,25\n"  # JADAS27 is 23.5
    c = load_cohort(folder(tmp_path, visits))
    said = warnings_about(c, "jadas27")
    assert len(said) == 1 and said[0].startswith("visits.csv:2:jadas27: JADAS27 is given as 25 but its four")


def test_a_component_out_of_range_is_a_problem_with_file_row_and_column(tmp_path):
    visits = f"{COMPONENTS}\nP1,0,12,5,10,45,3,0.5\nP2,0,3,2,0,12,11,0\n"
    with pytest.raises(CohortValidationError) as err:
        load_cohort(folder(tmp_path, visits))
    text = str(err.value)
    assert "visits.csv:2:physician_global: 12" in text and "visits.csv:3:systemic_score: 11" in text


# --- the mSMS from its items -----------------------------------------------------------------

ITEMS = ("patient_id,week,physician_global,parent_global,active_joints,esr_mm_h,steroid_mg_kg_day,"
         "max_temperature_c,rash,generalised_lymphadenopathy,hepatosplenomegaly,serositis,haemoglobin_g_dl,"
         "platelets_10e9_l,ferritin_ng_ml")


def test_the_systemic_score_is_computed_from_its_items_and_then_sjadas27(tmp_path):
    visits = (f"{ITEMS}\n"
              # fever 39.6 °C: 3; rash 1; nodes 0; liver/spleen 1; serositis 0; Hb 8.4 < 9: 1; ferritin 2300: 1 -> 7
              "P1,0,7,6,3,60,1,39.6,yes,no,yes,no,8.4,420,2300\n"
              # 37.2 °C: 0; nothing else; Hb 11; platelets 250, ferritin 90 -> 0
              "P1,4,1,1,0,15,0.5,37.2,no,no,no,no,11,250,90\n"
              # serositis not recorded: the score cannot be known
              "P2,0,3,3,1,30,0,38.4,no,no,no,,10,300,100\n")
    c = load_cohort(folder(tmp_path, visits))
    sms = c.visits["systemic_score"].tolist()
    assert sms[:2] == [7.0, 0.0] and pd.isna(sms[2])
    sj = c.visits["sjadas27"].tolist()
    assert sj[:2] == [7 + 6 + 3 + 4.0 + 7, 1 + 1 + 0 + 0 + 0]  # ESR 60 -> 4
    assert pd.isna(sj[2])
    assert c.column_provenance("visits", "systemic_score") == {"mine": COMPUTED_FROM_ITEMS}
    assert c.column_provenance("visits", "sjadas27") == {"mine": COMPUTED_FROM_COMPONENTS}
    said = warnings_about(c, "systemic_score")
    assert any("computed from its mSMS items" in w and "2 visits" in w for w in said)
    assert any("could not be computed" in w and "1 visit " in w for w in said)


def test_a_given_systemic_score_that_disagrees_with_its_items_is_warned_about(tmp_path):
    visits = (f"{ITEMS},systemic_score\n"
              "P1,0,7,6,3,60,1,39.6,yes,no,yes,no,8.4,420,2300,7\n"   # items give 7: fine
              "P1,4,1,1,0,15,0.5,37.2,no,no,no,no,11,250,90,2\n")     # items give 0
    c = load_cohort(folder(tmp_path, visits))
    said = warnings_about(c, "systemic_score")
    assert len(said) == 1 and said[0].startswith("visits.csv:3:systemic_score: The systemic score is given as 2 "
                                                 "but its mSMS items add up to 0")
    assert c.visits["systemic_score"].tolist() == [7.0, 2.0]


def test_fever_grade_and_other_spellings_are_read(tmp_path):
    visits = ("patient_id,week,Fever points,Rash,Generalized lymphadenopathy,Hepatomegaly/splenomegaly,Serositis,"
              "Hb (g/dL),Platelets (10^9/L),Ferritin,active_joints,steroid_mg_kg_day\n"
              "P1,0,2,yes,yes,no,no,9.5,650,300,1,0\n")  # 2 + 1 + 1 + 0 + 0 + 0 + 1 (platelets) = 5
    c = load_cohort(folder(tmp_path, visits))
    assert c.visits["systemic_score"].tolist() == [5.0]


def test_a_temperature_in_fahrenheit_is_refused_with_its_row(tmp_path):
    visits = f"{ITEMS}\nP1,0,7,6,3,60,1,101.3,yes,no,yes,no,8.4,420,2300\n"
    with pytest.raises(CohortValidationError, match=r"visits\.csv:2:max_temperature_c: 101\.3 is out of range"):
        load_cohort(folder(tmp_path, visits))


def test_a_haemoglobin_in_g_per_litre_is_refused_with_its_row(tmp_path):
    visits = f"{ITEMS}\nP1,0,7,6,3,60,1,38,yes,no,yes,no,84,420,2300\n"
    with pytest.raises(CohortValidationError, match=r"visits\.csv:2:haemoglobin_g_dl: 84(\.0)? is out of range"):
        load_cohort(folder(tmp_path, visits))


# --- a core column missing ---------------------------------------------------------------------

def test_a_cohort_without_core_columns_loads_and_says_what_stays_empty(tmp_path):
    visits = "patient_id,week,crp_mg_l\nP1,0,40\nP1,4,3\nP2,0,12\n"
    c = load_cohort(folder(tmp_path, visits))
    assert c.n_patients == 2
    for column in CORE_OUTCOMES:
        note = c.missing_outcome_note(column)
        assert note is not None and f"visits has no {column} column" in note
        assert f"visits.csv, column {column}: {note}" in c.warnings  # the app and the loader say the same sentence
    assert "Active joints panel of Trajectories" in c.missing_outcome_note("active_joints")
    assert "add a column active_joints" in c.missing_outcome_note("active_joints")
    sjadas = c.missing_outcome_note("sjadas27")
    assert "(physician_global, parent_global, active_joints, esr_mm_h, systemic_score are missing)" in sjadas
    assert "weight_kg" in c.missing_outcome_note("steroid_mg_kg_day")
    assert "Corticosteroid at week 0" in c.missing_outcome_note("steroid_mg_kg_day")


def test_an_empty_core_column_is_named_as_empty(tmp_path):
    visits = f"{COMPONENTS},sjadas27\nP1,0,6,5,10,45,3,,26.5\nP2,0,3,2,0,12,1,,6\n"
    c = load_cohort(folder(tmp_path, visits))
    note = c.missing_outcome_note("steroid_mg_kg_day")
    assert note.startswith("No corticosteroid doses: the steroid_mg_kg_day column of visits has no values")
    assert c.missing_outcome_note("active_joints") is None and c.missing_outcome_note("sjadas27") is None


def test_sjadas27_with_some_components_names_the_ones_missing():
    v = pd.DataFrame({"patient_id": ["a"], "week": [0], "physician_global": [2.0], "parent_global": [1.0],
                      "active_joints": [0]})
    assert "(esr_mm_h, systemic_score are missing)" in missing_outcome_note(v, "sjadas27")
    with_items = v.assign(esr_mm_h=[10.0], haemoglobin_g_dl=[12.0])
    assert "components are not all recorded" in missing_outcome_note(with_items, "sjadas27")


def test_a_column_that_is_not_a_core_outcome_has_no_note():
    assert missing_outcome_note(pd.DataFrame({"week": [0]}), "crp_mg_l") is None


def test_the_bundled_cohort_is_unchanged_and_says_nothing():
    c = load_cohort()
    assert c.warnings == ()
    assert "jadas27" not in c.visits.columns
    assert all(c.missing_outcome_note(col) is None for col in CORE_OUTCOMES)
    assert c.column_provenance("visits", "sjadas27") == {"qiu2024": "reconstructed", "vastert2011": "reconstructed"}


# --- the function itself ---------------------------------------------------------------------------

def test_derive_visits_does_not_change_its_input_and_uses_the_given_rows():
    v = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "physician_global": [6.0, 1.0],
                      "parent_global": [5.0, 1.0], "active_joints": [10, 0], "esr_mm_h": [45.0, 10.0],
                      "systemic_score": [3.0, 0.0], "sjadas27": [20.0, None], "steroid_mg_kg_day": [0.0, 0.0]})
    before = v.copy(deep=True)
    out = derive_visits(v, pd.DataFrame({"patient_id": ["a", "b"], "study": ["s1", "s2"]}),
                        file="book.xlsx[visits]", rows=[5, 9], headers={"sjadas27": "sJADAS-27"})
    pd.testing.assert_frame_equal(v, before)
    assert out.visits["sjadas27"].tolist() == [20.0, 2.0]
    first = out.warnings[0]
    assert (first.file, first.row, first.column) == ("book.xlsx[visits]", 5, "sJADAS-27")
    # sJADAS27 was computed for b (study s2) only; JADAS27 and cJADAS27, not given at all, for both
    assert [(r["column"], r["study"]) for r in out.provenance.to_dict("records")] == [
        ("sjadas27", "s2"), ("jadas27", "s1"), ("jadas27", "s2"), ("cjadas27", "s1"), ("cjadas27", "s2")]
    assert set(out.provenance["status"]) == {COMPUTED_FROM_COMPONENTS}
    assert out.visits["jadas27"].tolist() == [23.5, 2.0]  # 6 + 5 + 10 + 2.5; 1 + 1 + 0 + 0


def test_an_export_says_which_columns_were_computed(tmp_path):
    from sjia_explore.export import Provenance

    visits = f"{COMPONENTS}\nP1,0,6,5,10,45,3,0.5\nP2,0,3,2,0,12,1,0\n"
    c = load_cohort(folder(tmp_path, visits))
    lines = Provenance.from_cohort(c).lines()
    assert "visits.sjadas27: computed from components" in lines
    assert "visits.jadas27: computed from components" in lines
    assert not any("computed" in line for line in Provenance.from_cohort(c, tables=("patients",)).lines())
    assert not any("computed" in line for line in Provenance.from_cohort(load_cohort()).lines())


def test_items_without_a_column_are_named_when_the_score_cannot_be_computed(tmp_path):
    # no platelet column: the item is known where ferritin is above 500, unknown elsewhere
    visits = ("patient_id,week,fever_grade,rash,generalised_lymphadenopathy,hepatosplenomegaly,serositis,"
              "haemoglobin_g_dl,ferritin_ng_ml,active_joints,steroid_mg_kg_day\n"
              "P1,0,1,no,no,no,no,10,900,0,0\n"    # 1 + ferritin 1 = 2
              "P1,4,0,no,no,no,no,10,100,0,0\n")   # ferritin normal, platelets unknown
    c = load_cohort(folder(tmp_path, visits))
    assert c.visits["systemic_score"].tolist()[0] == 2.0 and pd.isna(c.visits["systemic_score"].tolist()[1])
    said = [w for w in warnings_about(c, "systemic_score") if "could not" in w]
    assert len(said) == 1 and "(no column for platelets_10e9_l)" in said[0]


def test_rows_of_a_workbook_with_a_title_row_are_the_rows_a_spreadsheet_shows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "patients"
    for row in (["patient_id", "study", "months_onset_to_treatment"], ["P1", "mine", 3]):
        sheet.append(row)
    visits = book.create_sheet("visits")
    visits.append(["Clinic export, visits"])          # row 1: a title
    visits.append(COMPONENTS.split(",") + ["sjadas27"])  # row 2: the header
    visits.append(["P1", 0, 6, 5, 10, 45, 3, 0.5, 26.5])  # row 3: agrees
    visits.append(["P1", 4, 2, 1, 1, 20, 0, 0.2, 4.1])    # row 4: 2 + 1 + 1 + 0 + 0 = 4, off by 0.1
    path = tmp_path / "clinic.xlsx"
    book.save(path)
    c = load_cohort(path)
    said = warnings_about(c, "sjadas27")
    assert len(said) == 1 and said[0].startswith("clinic.xlsx[visits]:4:sjadas27: sJADAS27 is given as 4.1")
