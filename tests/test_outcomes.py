"""Outcome measures: activity states, Wallace inactive disease, remission, ACR Pedi response.

Every number is checked against an independent computation: counts worked by
hand, exact intervals from scipy's binomtest, Kaplan–Meier products by hand.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sjia_explore import load_cohort, outcomes, scores


def exact(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low, ci.high


# --- sJADAS10 ---------------------------------------------------------------------------------
def test_sjadas10_caps_joints_at_10_and_keeps_the_other_components():
    v = pd.DataFrame({"physician_global": [6.0, 2.0, 1.0], "parent_global": [5.0, 1.0, 0.0],
                      "active_joints": [14, 3, 0], "esr_mm_h": [45.0, 150.0, None], "systemic_score": [3.0, 0.0, 0.0]})
    got = scores.sjadas10(v).tolist()
    # 6 + 5 + 10 + (45 - 20)/10 + 3 ; 2 + 1 + 3 + 10 (ESR capped) + 0 ; ESR missing -> missing
    assert got[:2] == [pytest.approx(26.5), pytest.approx(16.0)]
    assert math.isnan(got[2])


def test_sjadas10_never_exceeds_50():
    v = pd.DataFrame({"physician_global": [10.0], "parent_global": [10.0], "active_joints": [71],
                      "esr_mm_h": [200.0], "systemic_score": [10.0]})
    assert scores.sjadas10(v).iloc[0] == 50.0 == scores.SJADAS10_MAX


# --- activity states ----------------------------------------------------------------------------
def states_visits():
    # week 0: 25 (high), 12 (moderate), 20.6 (moderate, bound inclusive), 2.9 (inactive, bound inclusive)
    # week 24: 2.0 (inactive), 10.0 (minimal), missing, 21 (high)
    return pd.DataFrame({"patient_id": list("abcdabcd"), "week": [0] * 4 + [24] * 4,
                         "sjadas10": [25.0, 12.0, 20.6, 2.9, 2.0, 10.0, None, 21.0]})


def test_activity_states_counts_each_state_by_hand():
    out = outcomes.activity_states(states_visits())
    assert list(out["state"].cat.categories) == ["inactive", "minimal", "moderate", "high"]
    w0 = out[out["week"] == 0].set_index("state")
    assert w0["n"].tolist() == [1, 0, 2, 1]
    assert set(w0["n_total"]) == {4}
    w24 = out[out["week"] == 24].set_index("state")
    assert w24["n"].tolist() == [1, 1, 0, 1]
    assert set(w24["n_total"]) == {3} and set(w24["n_missing"]) == {1}


def test_activity_states_intervals_are_clopper_pearson():
    out = outcomes.activity_states(states_visits())
    for _, row in out.iterrows():
        lo, hi = exact(int(row["n"]), int(row["n_total"]))
        assert row["proportion"] == pytest.approx(row["n"] / row["n_total"])
        assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)


def test_activity_states_by_group_and_notes():
    groups = {"a": "early", "b": "early", "c": "late", "d": "late"}
    out = outcomes.activity_states(states_visits(), by=groups)
    early0 = out[(out["group"] == "early") & (out["week"] == 0)]
    assert early0["n"].tolist() == [0, 0, 1, 1]  # a high, b moderate
    assert out["note"].str.contains("Rosina").all()
    assert out["note"].str.contains(r"only [12] patients?:").all()  # late at week 24: c has no score
    assert not out["note"].str.contains("extrapolated").any()


def test_activity_states_on_sjadas27_say_extrapolated():
    v = states_visits().rename(columns={"sjadas10": "sjadas27"})
    out = outcomes.activity_states(v, score="sjadas27")
    assert out["note"].str.contains("extrapolated").all()
    assert out["note"].str.contains("as stored").all()


def test_jadas27_uses_its_published_cut_offs():
    v = pd.DataFrame({"patient_id": list("abcd"), "week": [0] * 4, "jadas27": [1.0, 3.8, 8.5, 8.6]})
    out = outcomes.activity_states(v, score="jadas27")
    assert out["n"].tolist() == [1, 1, 1, 1]
    assert out["note"].str.contains("Consolaro").all() and out["note"].str.contains("non-systemic").all()


def test_activity_states_compute_the_score_from_components_and_do_not_change_input():
    v = pd.DataFrame({"patient_id": ["a"], "week": [0], "physician_global": [1.0], "parent_global": [0.5],
                      "active_joints": [0], "esr_mm_h": [10.0], "systemic_score": [1.0], "sjadas10": [40.0]})
    before = v.copy()
    out = outcomes.activity_states(v)
    pd.testing.assert_frame_equal(v, before)
    assert out.set_index("state").loc["inactive", "n"] == 1  # 1 + 0.5 + 0 + 0 + 1 = 2.5, not the stored 40
    assert out["note"].str.contains("computed from its components").all()


def test_activity_states_unknown_score_is_an_error():
    with pytest.raises(ValueError, match="score must be one of"):
        outcomes.activity_states(states_visits(), score="das28")


# --- inactive disease -----------------------------------------------------------------------------
def wallace_visits():
    return pd.DataFrame({
        "patient_id": ["a", "b", "c", "d", "e", "a", "b", "c", "d", "e"],
        "week": [0] * 5 + [12] * 5,
        "active_joints": [3, 1, 2, 4, 0, 0, 0, 0, 1, 0],
        "fever": [True, False, True, False, False, False, False, True, False, False],
        "rash": [False] * 10,
        "esr_mm_h": [40.0, 30.0, 25.0, 50.0, 10.0, 15.0, 25.0, 10.0, 10.0, None],
        "crp_mg_l": [50.0, 20.0, 30.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, None],
        "physician_global": [6.0, 3.0, 5.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    })


def test_inactive_disease_per_visit_by_hand():
    out = outcomes.inactive_disease(wallace_visits()).set_index(["patient_id", "week"])["inactive"]
    # week 12: a all met; b ESR 25 > 20 (both tested: both must be normal); c fever; d one joint;
    # e no ESR or CRP measured -> unknown
    assert out.loc[("a", 12)] is True or out.loc[("a", 12)] == True  # noqa: E712
    assert out.loc[("b", 12)] == False  # noqa: E712
    assert out.loc[("c", 12)] == False  # noqa: E712
    assert out.loc[("d", 12)] == False  # noqa: E712
    assert pd.isna(out.loc[("e", 12)])
    # e at week 0 meets every available item
    assert out.loc[("e", 0)] == True  # noqa: E712


def test_inactive_disease_names_the_items_not_recorded():
    out = outcomes.inactive_disease(wallace_visits())
    note = out["note"].iloc[0]
    assert "inactive by the available criteria" in note
    for item in ("serositis", "splenomegaly", "lymphadenopathy", "uveitis"):
        assert item in note
    assert "rash" not in note.split("available criteria:")[1].split("not recorded")[0]


def test_one_marker_measured_is_enough_when_normal():
    v = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "active_joints": [0, 0],
                      "esr_mm_h": [None, 35.0], "crp_mg_l": [4.0, None], "physician_global": [0.0, 0.0]})
    assert outcomes.inactive_disease(v)["inactive"].tolist() == [True, False]


def test_inactive_by_week_counts_and_exact_interval():
    out = outcomes.inactive_by_week(wallace_visits()).set_index("week")
    assert out.loc[12, ["n_inactive", "n", "n_unknown"]].tolist() == [1, 4, 1]
    lo, hi = exact(1, 4)
    assert out.loc[12, "ci_low"] == pytest.approx(lo) and out.loc[12, "ci_high"] == pytest.approx(hi)
    assert out.loc[0, ["n_inactive", "n"]].tolist() == [1, 5]


def test_time_to_inactive_disease_is_the_product_limit_estimate():
    v = pd.DataFrame({"patient_id": list("abcd") * 3, "week": [0] * 4 + [4] * 4 + [12] * 4,
                      "active_joints": [2, 3, 1, 0, 0, 1, 1, 0, 0, 0, 2, 0]})
    out = outcomes.time_to_inactive_disease(v).set_index("week")
    # d is inactive at baseline: not followed. a event at 4; b event at 12; c censored at 12.
    # S(4) = 2/3; S(12) = 2/3 * (1 - 1/2) = 1/3
    assert out.loc[0, "n"] == 3
    assert out.loc[4, ["n_at_risk", "n_events"]].tolist() == [3, 1]
    assert out.loc[12, ["n_at_risk", "n_events"]].tolist() == [2, 1]
    assert out.loc[4, "proportion_inactive"] == pytest.approx(1 / 3)
    assert out.loc[12, "proportion_inactive"] == pytest.approx(2 / 3)
    s, var = 2 / 3, (2 / 3) ** 2 * (1 / (3 * 2))
    half = 1.959963984540054 * math.sqrt(var) / (s * abs(math.log(s)))
    assert out.loc[4, "ci_low"] == pytest.approx(1 - s ** math.exp(-half))
    assert out.loc[4, "ci_high"] == pytest.approx(1 - s ** math.exp(half))
    assert "1 patient not followed" in out.loc[0, "note"]


def test_remission_on_medication_needs_six_months_of_inactive_visits():
    v = pd.DataFrame({"patient_id": ["a"] * 4 + ["b"] * 4 + ["c"] * 3,
                      "week": [0, 12, 24, 40, 0, 12, 24, 52, 0, 12, 24],
                      "active_joints": [2, 0, 0, 0, 2, 0, 1, 0, 2, 0, 0]})
    out = outcomes.remission_on_medication(v).set_index("patient_id")
    # a: inactive 12 -> 40 = 28 weeks >= 26.09 -> remission
    assert out.loc["a", "remission_on_medication"] == True  # noqa: E712
    assert out.loc["a", "longest_inactive_weeks"] == 28
    # b: runs 12 -> 12 and 52 -> 52 only; follow-up 52 weeks -> not in remission
    assert out.loc["b", "remission_on_medication"] == False  # noqa: E712
    # c: 24 weeks of follow-up cannot show 6 months
    assert pd.isna(out.loc["c", "remission_on_medication"])
    assert "shorter than 6 months" in out.loc["c", "note"]
    assert outcomes.REMISSION_WEEKS == pytest.approx(6 * 365.25 / 12 / 7)


def test_bundled_cohort_outcomes_carry_n_and_reconstructed_label():
    c = load_cohort()
    for frame in (outcomes.activity_states(c.visits, by="study", patients=c.patients),
                  outcomes.inactive_by_week(c.visits, by="study", patients=c.patients),
                  outcomes.time_to_inactive_disease(c.visits)):
        assert "n" in frame.columns and frame["note"].str.contains("reconstructed").all()
    states = outcomes.activity_states(c.visits, by="study", patients=c.patients)
    totals = states.groupby(["group", "week"])["n"].sum()
    assert (totals == states.groupby(["group", "week"])["n_total"].first()).all()
    assert np.isfinite(states["proportion"]).all()
