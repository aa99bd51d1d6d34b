"""Table 1: counts, means and p-values against hand computation and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from sjia_explore import published as pub
from sjia_explore.stats import TestLedger
from sjia_explore.tables import mean_sd, table_one

AGE = ("Age at onset, years, mean (SD)", "")


def small_cohort() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": list("abcdefg"),
        "sex": ["F", None, "M", "F", "F", "M", "F"],
        "age_onset_years": [3.0, 5.0, 7.0, 2.0, 9.0, 4.0, 6.0],
        "months_onset_to_treatment": [9.0, 100.0, 15.0, 48.0, 45.0, 4.0, 23.0],
        "fever": pd.array([True, False, True, None, True, True, False], dtype="boolean"),
        "group": ["x", "x", "x", "x", "y", "y", "y"],
    })


def test_means_counts_and_missing_by_hand():
    t = table_one(small_cohort())
    # ages: mean 36/7, SD by hand from the squared deviations
    ages = np.array([3, 5, 7, 2, 9, 4, 6], float)
    mean = ages.sum() / 7
    sd = np.sqrt(((ages - mean) ** 2).sum() / 6)
    assert t.loc[AGE, "Overall"] == f"{mean:.1f} ({sd:.1f})"
    # sex: 4 F of the 6 recorded, 1 missing
    assert t.loc[("Sex, n (%)", "F"), "Overall"] == f"4 ({100 * 4 / 6:.1f})"
    assert str(t.loc[("Sex, n (%)", "F"), "Missing"]) == "1"
    # fever: yes/no flag shown as its "yes" row only; 4 of 6 recorded
    assert t.loc[("Fever, n (%)", "yes"), "Overall"] == f"4 ({100 * 4 / 6:.1f})"
    assert ("Fever, n (%)", "no") not in t.index
    assert str(t.loc[("n", ""), "Overall"]) == "7"


def test_durations_are_median_and_quartiles():
    t = table_one(small_cohort())
    months = pd.Series([9.0, 100.0, 15.0, 48.0, 45.0, 4.0, 23.0])
    row = ("Onset to treatment, months, median [Q1,Q3]", "")
    assert t.loc[row, "Overall"] == f"{months.median():.1f} [{months.quantile(.25):.1f},{months.quantile(.75):.1f}]"


def test_p_values_agree_with_scipy_when_groups_are_large_enough():
    t = table_one(small_cohort(), groupby="group")
    assert t.attrs["note"] == ""
    x, y = [3.0, 5.0, 7.0, 2.0], [9.0, 4.0, 6.0]
    assert t.loc[AGE, "P-Value"] == f"{st.ttest_ind(x, y, equal_var=False).pvalue:.3f}"
    assert "Welch" in t.loc[AGE, "Test"]
    assert t.loc[AGE, "x"] == f"{np.mean(x):.1f} ({np.std(x, ddof=1):.1f})"


def test_no_p_values_when_a_group_has_fewer_than_3_patients():
    df = small_cohort().assign(group=["x"] * 5 + ["y"] * 2)
    t = table_one(df, groupby="group")
    assert "P-Value" not in t.columns
    assert "group y has only 2 patients" in t.attrs["note"]


def test_no_p_value_for_a_variable_with_fewer_than_3_values_in_a_group():
    df = small_cohort()
    df.loc[df["group"] == "y", "age_onset_years"] = [np.nan, np.nan, 6.0]
    t = table_one(df, groupby="group")
    assert t.loc[AGE, "P-Value"] == ""
    assert "no p-value for Age at onset, years:" in t.attrs["note"]
    assert t.loc[("Onset to treatment, months, median [Q1,Q3]", ""), "P-Value"] != ""


def test_patients_without_a_group_are_left_out_and_counted():
    df = small_cohort().assign(group=["x", "x", "x", None, "y", "y", "y"])
    t = table_one(df, groupby="group")
    assert str(t.loc[("n", ""), "Overall"]) == "6"
    assert "1 patient without a value of group left out" in t.attrs["note"]


def test_ledger_records_the_p_values_shown():
    ledger = TestLedger()
    t = table_one(small_cohort(), groupby="group", ledger=ledger)
    shown = int((t["P-Value"] != "").sum())
    assert shown >= 2 and ledger.n_tests == shown


def test_input_is_not_changed():
    df = small_cohort()
    before = df.copy(deep=True)
    table_one(df, groupby="group")
    pd.testing.assert_frame_equal(df, before)


def test_mean_sd_by_hand():
    assert mean_sd([3.0, 5.0, None, 7.0]) == (5.0, 2.0, 3)


# --- Qiu 2024 Table 1 ---------------------------------------------------------------

@pytest.fixture(scope="module")
def qiu_patients():
    from sjia_explore.data import bundled_data_dir

    if not (bundled_data_dir() / "patients.csv").is_file():
        pytest.skip("the bundled data (data/patients.csv) is not there yet")
    from sjia_explore import load_cohort

    return load_cohort().filter(studies=("qiu2024",)).patient_features()


def test_qiu_age_at_onset_is_4_8_sd_2_6(qiu_patients):
    ages = qiu_patients["age_onset_years"].astype(float).to_numpy()
    mean, sd = ages.mean(), ages.std(ddof=1)
    assert pub.AGE_ONSET_MEAN.matches(mean) and pub.AGE_ONSET_SD.matches(sd)
    t = table_one(qiu_patients)
    assert t.loc[AGE, "Overall"] == f"{pub.AGE_ONSET_MEAN.value} ({pub.AGE_ONSET_SD.value})"
    assert str(t.loc[("n", ""), "Overall"]) == str(pub.N_PATIENTS)


def test_qiu_seven_girls_and_the_baseline_features(qiu_patients):
    t = table_one(qiu_patients)
    assert t.loc[("Sex, n (%)", "F"), "Overall"] == f"{pub.N_FEMALE} ({pub.FEMALE_PERCENT.value})"
    for label, n in [("Fever", pub.N_FEVER), ("Rash", pub.N_RASH), ("Myalgia", pub.N_MYALGIA),
                     ("MAS before week 0", pub.N_PRIOR_MAS), ("On corticosteroid at week 0", pub.N_BASELINE_STEROID)]:
        assert t.loc[(f"{label}, n (%)", "yes"), "Overall"] == f"{n} ({100 * n / pub.N_PATIENTS:.1f})"


def test_qiu_split_early_late_has_no_p_values(qiu_patients):
    t = table_one(qiu_patients, groupby="duration_group")
    assert "P-Value" not in t.columns
    assert f"has only {pub.N_WITHIN_12_MONTHS} patients" in t.attrs["note"]


def test_reconstructed_rows_are_labelled_in_table_one():
    from sjia_explore import load_cohort
    from sjia_explore.tables import RECONSTRUCTED_PREFIX

    qiu = load_cohort().filter(studies=("qiu2024",))
    table = table_one(qiu.patient_features(), reconstructed=qiu.reconstructed_columns("patients"))
    variables = {ix[0] for ix in table.index}
    assert any(v.startswith(RECONSTRUCTED_PREFIX + "Time on treatment") for v in variables)
    assert any(v.startswith("Age at onset") for v in variables), "published Table 1 rows are not marked"
    assert not any(v.startswith(RECONSTRUCTED_PREFIX + "Age at onset") for v in variables)


# --- which test, and never the grouping variable --------------------------------------------------------

def two_groups(n1: int = 7, n2: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = n1 + n2
    months = np.concatenate([rng.uniform(1, 11, n1), rng.uniform(13, 90, n2)]).round(1)
    return pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(n)],
        "months_onset_to_treatment": months,
        "active_joints_baseline": [1, 2, 3, 5, 8, 13, 21, 0, 4, 6, 7, 9, 10, 11, 12, 14][:n],
        "fever": pd.array([True, True, False, True, False, True, True, False, False, True, False, False, True,
                           False, False, True][:n], dtype="boolean"),
        "sex": ["F", "M", "F", "F", "M", "M", "F", "M", "M", "F", "M", "M", "F", "M", "F", "M"][:n],
        "duration_group": ["early"] * n1 + ["late"] * n2,
    })


def row_of(t: pd.DataFrame, label: str):
    return next(ix for ix in t.index if ix[0].startswith(label + ","))


def test_the_variable_that_defines_the_groups_is_shown_but_never_tested():
    t = table_one(two_groups(), groupby="duration_group")
    row = row_of(t, "Onset to treatment, months")
    assert t.loc[row, "P-Value"] == "" and t.loc[row, "Test"] == "defines the groups: not tested"
    assert t.loc[row, "early"] != ""  # still shown
    assert "Onset to treatment, months defines the groups" in t.attrs["note"]
    assert "months_onset_to_treatment" not in t.attrs["note"]


def test_two_by_two_uses_fishers_exact_test():
    df = two_groups()
    t = table_one(df, groupby="duration_group")
    row = row_of(t, "Fever")
    table = pd.crosstab(df["duration_group"], df["fever"].astype(bool))
    assert t.loc[row, "Test"] == "Fisher's exact"
    assert t.loc[row, "P-Value"] == f"{st.fisher_exact(table.to_numpy()).pvalue:.3f}"


def test_skewed_counts_use_the_exact_mann_whitney_test():
    df = two_groups()
    t = table_one(df, groupby="duration_group")
    row = row_of(t, "Active joints at week 0")
    x = df.loc[df["duration_group"] == "early", "active_joints_baseline"]
    y = df.loc[df["duration_group"] == "late", "active_joints_baseline"]
    assert t.loc[row, "Test"] == "Mann–Whitney U, exact"
    assert t.loc[row, "P-Value"] == f"{st.mannwhitneyu(x, y, method='exact').pvalue:.3f}"  # no ties: scipy's exact


def test_more_than_two_levels_use_an_exact_permutation_of_the_chi_square():
    import itertools

    df = two_groups(4, 5).assign(sex=["F", "M", "X", "F", "M", "X", "X", "M", "X"])
    t = table_one(df, groupby="duration_group", columns=["sex"])
    observed = pd.crosstab(df["duration_group"], df["sex"]).to_numpy()
    ref_stat = st.chi2_contingency(observed, correction=False).statistic
    hits = total = 0
    for chosen in itertools.combinations(range(9), 4):  # every way of choosing the 4 "early" patients
        g = np.where(np.isin(np.arange(9), chosen), "early", "late")
        table = pd.crosstab(g, df["sex"]).to_numpy()
        hits += st.chi2_contingency(table, correction=False).statistic >= ref_stat - 1e-9
        total += 1
    assert t.loc[("Sex, n (%)", "F"), "Test"] == "χ² statistic, exact permutation p"
    assert t.loc[("Sex, n (%)", "F"), "P-Value"] == f"{hits / total:.3f}"


def test_table_one_counts_each_p_value_once_in_a_session_ledger():
    ledger = TestLedger()
    t = table_one(two_groups(), groupby="duration_group", ledger=ledger)
    shown = int((t["P-Value"] != "").sum())
    assert shown == 3 and ledger.n_tests == 3  # joints, fever, sex; never onset to treatment
    table_one(two_groups(), groupby="duration_group", ledger=ledger)  # shown again
    assert ledger.n_tests == 3
    table_one(two_groups(), groupby="duration_group", ledger=ledger.scoped("girls"))
    assert ledger.n_tests == 6
    assert set(ledger.to_frame()["analysis"]) == {"Table 1"}


# --- the outcomes at week 0 ------------------------------------------------------------------------------------
def test_week0_outcomes_come_from_the_week0_visit_only():
    from sjia_explore.tables import with_week0_outcomes

    patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "sex": ["F", "M", "F"]})
    visits = pd.DataFrame({"patient_id": ["a", "a", "b", "c", "c"], "week": [0, 4, 4, 0, 8],
                           "crp_mg_l": [80.0, 2.0, 3.0, None, 1.0], "ferritin_ng_ml": [900.0, 50, 60, 3000, 40]})
    out = with_week0_outcomes(patients, visits)
    assert out["crp_mg_l_week0"].iloc[0] == 80.0  # not the week-4 value
    assert out["crp_mg_l_week0"].iloc[1:].isna().all()  # b has no week-0 visit; c's week-0 CRP is missing
    assert out["ferritin_ng_ml_week0"].tolist()[0] == 900.0 and out["ferritin_ng_ml_week0"].tolist()[2] == 3000.0
    assert "esr_mm_h_week0" not in out.columns  # not in the visits: not added
    assert list(patients.columns) == ["patient_id", "sex"]  # input unchanged


def test_table_one_shows_week0_laboratory_values_as_median_and_quartiles_by_hand():
    from sjia_explore.tables import with_week0_outcomes

    patients = pd.DataFrame({"patient_id": list("abcdef"), "group": ["x", "x", "x", "y", "y", "y"]})
    ferritin = [250.0, 1200.0, 8000.0, 400.0, 3300.0, 90.0]
    sjadas = [20.0, 25.0, 30.0, 18.0, 22.0, 40.0]
    visits = pd.DataFrame({"patient_id": list("abcdef"), "week": [0] * 6, "ferritin_ng_ml": ferritin,
                           "sjadas27": sjadas})
    t = table_one(with_week0_outcomes(patients, visits), groupby="group", reconstructed=["ferritin_ng_ml_week0"])
    row = ("Reconstructed: Ferritin at week 0, ng/mL, median [Q1,Q3]", "")
    x = pd.Series(ferritin[:3])
    assert t.loc[row, "x"] == f"{x.median():.1f} [{x.quantile(.25):.1f},{x.quantile(.75):.1f}]"
    assert t.loc[row, "P-Value"] == f"{st.mannwhitneyu(ferritin[:3], ferritin[3:], method='exact').pvalue:.3f}"
    mean_row = ("sJADAS27 at week 0 (0–67), mean (SD)", "")
    assert t.loc[mean_row, "y"] == f"{np.mean(sjadas[3:]):.1f} ({np.std(sjadas[3:], ddof=1):.1f})"


def test_the_apps_table_one_has_the_week0_outcomes_labelled_reconstructed():
    from sjia_explore import load_cohort
    from sjia_explore.app import Session, ViewState

    cohort = load_cohort()
    session = Session(cohort)
    session.panel = "table1"
    table = session.update(ViewState(sex="F")).sections["table1"].table
    crp = next(ix for ix in table.index if "CRP at week 0" in ix[0])
    assert crp[0].startswith("Reconstructed: ")  # the bundled visits are reconstructed
    girls = cohort.patients.loc[cohort.patients["sex"] == "F", "patient_id"]
    at0 = cohort.visits[(cohort.visits["week"] == 0) & cohort.visits["patient_id"].isin(girls)]["crp_mg_l"].dropna()
    assert table.loc[crp, "Overall"] == f"{at0.median():.1f} [{at0.quantile(.25):.1f},{at0.quantile(.75):.1f}]"


def test_a_group_with_one_value_has_no_sd_and_a_group_with_none_says_so():
    """One patient's mean has no SD (it printed "1.6 (0.0)"); a column a group never recorded printed
    "nan [nan,nan]"."""
    patients = pd.DataFrame({"group": ["a", "a", "a", "b"], "sex": ["F", "M", "F", "F"], "age": [2.0, 4.0, 6.0, 1.6],
                             "il18": [100.0, 300.0, 200.0, None]})
    table = table_one(patients, groupby="group", columns=["sex", "age", "il18"], nonnormal=["il18"])
    age = next(i for i in table.index if i[0].startswith("age") or i[0].startswith("Age"))
    il18 = next(i for i in table.index if "il18" in i[0].lower() or "IL-18" in i[0])
    assert table.at[age, "a"] == "4.0 (2.0)"  # by hand: mean 4, SD 2
    assert table.at[age, "b"] == "1.6 (n=1)"
    assert table.at[il18, "b"] == "no values" and table.at[il18, "a"].startswith("200.0")
