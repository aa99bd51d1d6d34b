"""The published per-patient tables in data/ equal Qiu et al. 2024 Tables 1 and 2, cell by cell.

The expectation is an independent transcription: the table rows below are the
lines of the article text as printed (``+`` present, ``_`` or ``-`` absent),
parsed here. Nothing in the expectation is read from data/ or from the
generator.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sjia_explore import published as pub

DATA = Path(__file__).parents[1] / "data"
N_CASES = 11

# Qiu 2024, Table 1 "Clinical and laboratory characteristics at baseline", as printed.
TABLE_1_TEXT = """
Sex F F M M F M F F F M F
Age at disease onset (years) 3.67 9.5 3.33 3.58 1.92 4.42 3.92 5.42 6 1.58 9.1
Age at diagnosis (years) 4.25 9.5 3.42 6.58 2 4.42 4.1 5.42 6 2 9.25
Time from onset to receiving canakinumab (months) 9 9 15 100 48 45 42 23 37 148 69
Number of joints with active inflammation 10 2 6 1 3 3 0 2 12 21 5
Fever + _ + + + + + + _ _ _
Rash _ _ _ _ _ + + + _ _ _
Lymphadenopathy + _ _ + _ + _ _ _ _ _
Myalgia + + _ _ _ + _ _ _ _ _
Previous MAS _ _ _ _ + _ + + _ _ _
Ferritin > 330 ng/mL + _ + + + + _ _ _ + _
WBC > 15,000/mm3 + + + + + + + + _ _ +
ESR > 20 mm/h + _ + + + _ + + + + +
CRP > 10 mg/L + _ + + + + + + + + +
Increased transaminases _ _ _ _ _ + _ _ _ _ _
"""

# Printed row label -> column of patients.csv.
TABLE_1_COLUMNS = {
    "Sex": "sex",
    "Age at disease onset (years)": "age_onset_years",
    "Age at diagnosis (years)": "age_diagnosis_years",
    "Time from onset to receiving canakinumab (months)": "months_onset_to_treatment",
    "Number of joints with active inflammation": "active_joints_baseline",
    "Fever": "fever",
    "Rash": "rash",
    "Lymphadenopathy": "lymphadenopathy",
    "Myalgia": "myalgia",
    "Previous MAS": "prior_mas",
    "Ferritin > 330 ng/mL": "ferritin_gt_330",
    "WBC > 15,000/mm3": "wbc_gt_15000",
    "ESR > 20 mm/h": "esr_gt_20",
    "CRP > 10 mg/L": "crp_gt_10",
    "Increased transaminases": "transaminases_increased",
}

# Qiu 2024, Table 2 "Previous and concomitant treatments at baseline", as printed.
TABLE_2_TEXT = """
Previous treatment
  NSAIDs

    Diclofenac sodium - - - - - - - - - - +
    Naproxen + + + + + + + + + + +
    Celecoxib - - - + - - - - - - -
  Corticosteroid

    Corticosteroid + + + + + + + + + + +
    Corticosteroid pulse + - - - + - + + - - -
  cDMARDs

    Methotrexate + + + + + + + + + + +
    Cyclosporine A - - - - - - - + - - -
    Leflunomide + - - + + + + + - - +
    Thalidomide + + - + - + + + + - +
    Sulfasalazine - - - + - - - - - - -
  bDMARDs

    Tocilizumab + + + + + + + + + + +
    Adalimumab - - - + + - - - + + +
    Etanercept - - - + - + - - - + -
  JAKi - - - - - - + - - - +
Treatment at baseline
  NSAIDs + + + + - + - + + + +
  Corticosteroid + - - + + - - + - - -
  cDMARDs

    Methotrexate + + + - + + - + + + +
    Leflunomide - - - + - - - - - - -
    Thalidomide - - - - - - - - + - +
    Sulfasalazine - - - + - - - - - - -
  bDMARDs

    Tocilizumab - + + + - + + + - - +
    Adalimumab - - - - + - - - + - -
  JAKi - - - - - - - - - - +
"""

PERIODS = {"Previous treatment": "previous", "Treatment at baseline": "baseline"}
CLASSES = {"NSAIDs": "NSAID", "Corticosteroid": "corticosteroid", "cDMARDs": "cDMARD",
           "bDMARDs": "bDMARD", "JAKi": "JAKi"}
MARKS = {"+": "true", "_": "false", "-": "false"}


def parse_table_1(text: str) -> dict[str, list[str]]:
    """Printed Table 1 -> {column: 11 cells}, flags as 'true'/'false', numbers as printed."""
    out = {}
    for line in filter(None, (ln.strip() for ln in text.splitlines())):
        tokens = line.split()
        label, cells = " ".join(tokens[:-N_CASES]), tokens[-N_CASES:]
        out[TABLE_1_COLUMNS[label]] = [MARKS.get(c, c) for c in cells]
    return out


def parse_table_2(text: str) -> pd.DataFrame:
    """Printed Table 2 -> long rows (patient_id, period, drug_class, drug, received)."""
    rows, period, heading = [], None, None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped in PERIODS:
            period, heading = PERIODS[stripped], None
            continue
        tokens = stripped.split()
        has_marks = len(tokens) > N_CASES and all(t in MARKS for t in tokens[-N_CASES:])
        label = " ".join(tokens[:-N_CASES]) if has_marks else stripped
        if not has_marks:  # a class heading with drug rows below it
            heading = CLASSES[label]
            continue
        drug_class = CLASSES[label] if line.startswith("  ") and not line.startswith("    ") else heading
        for case, mark in enumerate(tokens[-N_CASES:], start=1):
            rows.append({"patient_id": f"Q{case:02d}", "period": period, "drug_class": drug_class,
                         "drug": label.lower(), "received": MARKS[mark]})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def patients() -> pd.DataFrame:
    return pd.read_csv(DATA / "patients.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def qiu_patients(patients) -> pd.DataFrame:
    return patients[patients["study"] == "qiu2024"].set_index("patient_id").sort_index()


@pytest.fixture(scope="module")
def treatments() -> pd.DataFrame:
    return pd.read_csv(DATA / "treatments.csv", dtype=str, keep_default_na=False)


def test_qiu_patients_are_cases_1_to_11_on_canakinumab(qiu_patients):
    assert list(qiu_patients.index) == [f"Q{i:02d}" for i in range(1, N_CASES + 1)]
    assert list(qiu_patients["case_label"]) == [f"Case {i}" for i in range(1, N_CASES + 1)]
    assert set(qiu_patients["treatment"]) == {"canakinumab"}


@pytest.mark.parametrize("column", list(TABLE_1_COLUMNS.values()))
def test_table_1_row_is_copied_verbatim(qiu_patients, column):
    expected = parse_table_1(TABLE_1_TEXT)[column]
    assert list(qiu_patients[column]) == expected


def test_table_2_is_copied_verbatim_in_long_form(treatments):
    expected = parse_table_2(TABLE_2_TEXT)
    assert len(expected) == N_CASES * 23  # 14 previous + 9 baseline rows in the printed table
    qiu = treatments[treatments["patient_id"].str.startswith("Q")]
    key = ["patient_id", "period", "drug"]
    merged = expected.merge(qiu, on=key, how="outer", suffixes=("_expected", "_data"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["received_expected"] == merged["received_data"]).all()
    assert (merged["drug_class_expected"] == merged["drug_class_data"]).all()


def test_only_qiu_patients_have_treatment_rows(treatments):
    assert treatments["patient_id"].str.match(r"Q\d\d$").all()


def test_drug_names_are_lower_case(treatments):
    assert (treatments["drug"] == treatments["drug"].str.lower()).all()


# --- the transcription agrees with the counts the Results text states -----------
def _count(qiu_patients, column) -> int:
    return int((qiu_patients[column] == "true").sum())


def test_seven_female_and_four_male(qiu_patients):
    assert (qiu_patients["sex"] == "F").sum() == pub.N_FEMALE
    assert (qiu_patients["sex"] == "M").sum() == pub.N_MALE
    assert pub.FEMALE_PERCENT.matches(100 * pub.N_FEMALE / N_CASES)


def test_age_at_onset_4_8_plus_minus_2_6_years(qiu_patients):
    age = qiu_patients["age_onset_years"].astype(float)
    assert pub.AGE_ONSET_MEAN.matches(age.mean())
    assert pub.AGE_ONSET_SD.matches(age.std(ddof=1))


def test_months_to_canakinumab_sd_42_5_and_mean_one_digit_below_printed_49_6(qiu_patients):
    """Table 1 gives 545/11 = 49.545 months, which rounds to 49.5; the text prints 49.6."""
    months = qiu_patients["months_onset_to_treatment"].astype(float)
    assert pub.MONTHS_TO_TREATMENT_SD.matches(months.std(ddof=1))
    assert not pub.MONTHS_TO_TREATMENT_MEAN.matches(months.mean())
    assert abs(months.mean() - pub.MONTHS_TO_TREATMENT_MEAN.value) < 2 * pub.MONTHS_TO_TREATMENT_MEAN.tolerance


def test_disease_over_two_years_in_63_6_percent_two_within_12_months(qiu_patients):
    months = qiu_patients["months_onset_to_treatment"].astype(float)
    assert pub.OVER_24_MONTHS_PERCENT.matches(100 * (months > 24).mean())
    assert (months <= 12).sum() == pub.N_WITHIN_12_MONTHS


def test_symptom_counts_match_results_text(qiu_patients):
    joints = qiu_patients["active_joints_baseline"].astype(int)
    assert (joints > 0).sum() == pub.N_ARTHRITIS
    assert joints.between(1, 4).sum() == pub.N_ONE_TO_FOUR_JOINTS
    assert _count(qiu_patients, "fever") == pub.N_FEVER
    assert _count(qiu_patients, "rash") == pub.N_RASH
    assert _count(qiu_patients, "myalgia") == pub.N_MYALGIA
    assert _count(qiu_patients, "prior_mas") == pub.N_PRIOR_MAS
    systemic = qiu_patients[["fever", "rash", "lymphadenopathy", "myalgia"]] == "true"
    assert systemic.any(axis=1).sum() == pub.N_SYSTEMIC_FEATURES


def test_treatment_counts_match_results_text(treatments):
    received = treatments[treatments["received"] == "true"]

    def n(period, drug=None, drug_class=None):
        rows = received[received["period"] == period]
        if drug is not None:
            rows = rows[rows["drug"] == drug]
        if drug_class is not None:
            rows = rows[rows["drug_class"] == drug_class]
        return rows["patient_id"].nunique()

    assert n("previous", "tocilizumab") == pub.N_PRIOR_TOCILIZUMAB
    assert n("previous", "adalimumab") == pub.N_PRIOR_ADALIMUMAB
    assert n("previous", "etanercept") == pub.N_PRIOR_ETANERCEPT
    for drug_class in ("NSAID", "corticosteroid", "cDMARD", "bDMARD"):
        assert n("previous", drug_class=drug_class) == N_CASES
    assert n("baseline", drug_class="NSAID") == pub.N_BASELINE_NSAID
    assert n("baseline", drug_class="corticosteroid") == pub.N_BASELINE_STEROID
    assert n("baseline", drug_class="cDMARD") == pub.N_BASELINE_CDMARD
    per_patient = received[(received["period"] == "baseline") & (received["drug_class"] == "cDMARD")]
    assert (per_patient.groupby("patient_id").size() >= 2).sum() == pub.N_BASELINE_TWO_OR_MORE_CDMARDS
    on_steroid = received[(received["period"] == "baseline") & (received["drug"] == "corticosteroid")]
    assert sorted(on_steroid["patient_id"]) == [f"Q{c:02d}" for c in pub.BASELINE_STEROID_CASES]
