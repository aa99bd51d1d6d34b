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


# --- ACR Pedi ---------------------------------------------------------------------------------------
CORE = ["physician_global", "parent_global", "active_joints", "joints_limited_motion", "chaq", "esr_mm_h"]


def acr_visits(baseline, visit, fever=(True, False), crp=(None, None)):
    rows = {"patient_id": ["p", "p"], "week": [0, 12]}
    for col, b, v in zip(CORE, baseline, visit):
        rows[col] = [b, v]
    rows["fever"] = list(fever)
    rows["crp_mg_l"] = list(crp)
    return pd.DataFrame(rows)


def response(baseline, visit, level, variant="core", **kw):
    out = response_module().acr_pedi_response(acr_visits(baseline, visit, **kw), level=level, variant=variant)
    assert len(out) == 1
    return out.iloc[0]


def response_module():
    from sjia_explore import response as r
    return r


def test_acr_pedi_hand_worked_responder_at_30_but_not_70():
    # physician 8 -> 4 (50%), parent 6 -> 3 (50%), joints 5 -> 2 (60%), limited 2 -> 2 (0%),
    # CHAQ 1.0 -> 1.2 (20% worse: not > 30%), ESR 60 -> 40 (33%)
    base, now = [8, 6, 5, 2, 1.0, 60], [4, 3, 2, 2, 1.2, 40]
    r30 = response(base, now, 30)
    assert (r30["n_improved"], r30["n_worsened"], r30["responder"]) == (4, 0, True)
    r50 = response(base, now, 50)
    assert (r50["n_improved"], r50["responder"]) == (3, True)  # 50%, 50%, 60% count; exactly 50% is enough
    r70 = response(base, now, 70)
    assert (r70["n_improved"], r70["responder"]) == (0, False)


def test_acr_pedi_two_variables_worse_by_more_than_30_percent_is_no_response():
    # four improve by 100%, but limited motion 2 -> 3 (50% worse) and CHAQ 1.0 -> 1.5 (50% worse)
    r = response([8, 6, 5, 2, 1.0, 60], [0, 0, 0, 3, 1.5, 0], 90)
    assert (r["n_improved"], r["n_worsened"], r["responder"]) == (4, 2, False)


def test_acr_pedi_baseline_of_zero_cannot_improve_and_a_rise_counts_as_worse():
    # joints 0 -> 0 (no percentage: not improved, not worse); limited 0 -> 1 (rise from 0: worse);
    # physician 8 -> 2, parent 6 -> 1, CHAQ 1 -> 0.5, ESR 60 -> 30: four improved by >= 50%
    r = response([8, 6, 0, 0, 1.0, 60], [2, 1, 0, 1, 0.5, 30], 50)
    assert (r["n_improved"], r["n_worsened"], r["responder"]) == (4, 1, True)
    # with only two other improvers, the zero baselines leave it short of three
    r = response([8, 6, 0, 0, 1.0, 60], [2, 1, 0, 0, 1.0, 60], 30)
    assert (r["n_improved"], r["n_worsened"], r["responder"]) == (2, 0, False)


def test_adapted_needs_no_fever_and_modified_needs_crp_and_esr_down():
    base, now = [8, 6, 5, 2, 1.0, 60], [4, 3, 2, 2, 1.0, 40]
    assert response(base, now, 30, "adapted", fever=(True, False))["responder"] == True  # noqa: E712
    assert response(base, now, 30, "adapted", fever=(True, True))["responder"] == False  # noqa: E712
    # ESR 60 -> 40: neither normal (<= 20) nor down 50% -> modified fails though the core set responds
    mod = response(base, now, 30, "modified", crp=(80.0, 5.0))
    assert (mod["core_response"], mod["extra_met"], mod["responder"]) == (True, False, False)
    now_esr_30 = [4, 3, 2, 2, 1.0, 30]  # ESR down exactly 50%; CRP 80 -> 30 not normal, down 62.5%
    assert response(base, now_esr_30, 30, "modified", crp=(80.0, 30.0))["responder"] == True  # noqa: E712


def test_acr_pedi_is_missing_when_a_core_value_is_missing():
    r = response([8, 6, 5, 2, None, 60], [4, 3, 2, 2, 1.0, 40], 30)
    assert pd.isna(r["responder"]) and pd.isna(r["n_improved"])


def test_acr_pedi_per_week_proportion_and_exact_interval():
    frames = []
    for pid, now in zip("abc", ([4, 3, 2, 2, 1.0, 40], [8, 6, 5, 2, 1.0, 60], [0, 0, 0, 0, 0.0, 10])):
        v = acr_visits([8, 6, 5, 2, 1.0, 60], now)
        frames.append(v.assign(patient_id=pid))
    out = response_module().acr_pedi(pd.concat(frames), level=30, variant="core")
    assert out[["week", "n_responders", "n"]].values.tolist() == [[12, 2, 3]]
    lo, hi = exact(2, 3)
    assert out["ci_low"].iloc[0] == pytest.approx(lo) and out["ci_high"].iloc[0] == pytest.approx(hi)


def test_acr_pedi_on_bundled_data_gives_no_number_and_names_chaq_and_limited_motion():
    c = load_cohort()
    out = response_module().acr_pedi(c.visits, level=30, variant="adapted", by="study", patients=c.patients)
    assert out["n_responders"].isna().all() and out["proportion"].isna().all()
    assert out["note"].str.contains("CHAQ").all() and out["note"].str.contains("limited motion").all()
    assert (out["n"] > 0).all()


def test_acr_pedi_rejects_unknown_level_and_variant():
    with pytest.raises(ValueError, match="level"):
        response_module().acr_pedi(states_visits(), level=40)
    with pytest.raises(ValueError, match="variant"):
        response_module().acr_pedi(states_visits(), variant="standard")


# --- biomarkers -----------------------------------------------------------------------------------------
def test_biomarkers_median_iqr_and_geometric_mean_by_hand():
    v = pd.DataFrame({"patient_id": list("abcd"), "week": [0] * 4, "ferritin_ng_ml": [100.0, 400.0, 1600.0, 6400.0]})
    row = outcomes.biomarkers(v, markers=("ferritin_ng_ml",)).iloc[0]
    assert row["n"] == 4
    assert row["median"] == pytest.approx(1000.0)  # (400 + 1600) / 2
    assert row["q1"] == pytest.approx(325.0)  # linear: 100 + 0.75 * 300
    assert row["q3"] == pytest.approx(2800.0)  # 1600 + 0.25 * 4800
    assert row["geo_mean"] == pytest.approx(800.0)  # (100 * 400 * 1600 * 6400) ** (1/4)
    logs = np.log([100.0, 400.0, 1600.0, 6400.0])
    lo, hi = stats.t.interval(0.95, 3, loc=logs.mean(), scale=stats.sem(logs))
    assert row["geo_ci_low"] == pytest.approx(math.exp(lo)) and row["geo_ci_high"] == pytest.approx(math.exp(hi))
    assert row["reference_value"] == 330 and "Qiu 2024" in row["reference_source"]


def test_biomarkers_say_not_measured_in_this_study():
    v = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "il18_pg_ml": [5000.0, None]})
    pts = pd.DataFrame({"patient_id": ["a", "b"], "study": ["vastert2011", "qiu2024"]})
    out = outcomes.biomarkers(v, by="study", patients=pts, markers=("il18_pg_ml", "mrp8_14_ng_ml"))
    qiu_il18 = out[(out["group"] == "qiu2024") & (out["marker"] == "il18_pg_ml")]
    assert len(qiu_il18) == 1 and qiu_il18["n"].iloc[0] == 0 and pd.isna(qiu_il18["week"].iloc[0])
    assert qiu_il18["note"].iloc[0].startswith("not measured in this study")
    assert out.loc[out["marker"] == "mrp8_14_ng_ml", "note"].str.startswith("not recorded in these data").all()
    assert "not a normal range" in out.loc[out["marker"] == "il18_pg_ml", "reference_kind"].iloc[0]


def test_biomarkers_on_bundled_data_mark_qiu_without_il18_and_mrp8_14():
    c = load_cohort()
    out = outcomes.biomarkers(c.visits, by="study", patients=c.patients)
    missing = out[out["note"].str.startswith("not measured")]
    assert set(zip(missing["group"], missing["marker"])) == {("qiu2024", "il18_pg_ml"), ("qiu2024", "mrp8_14_ng_ml")}
    esr0 = out[(out["group"] == "qiu2024") & (out["marker"] == "esr_mm_h") & (out["week"] == 0)].iloc[0]
    raw = c.visits.merge(c.patients[["patient_id", "study"]])
    values = raw.loc[(raw["study"] == "qiu2024") & (raw["week"] == 0), "esr_mm_h"].astype(float)
    assert esr0["n"] == 11 and esr0["median"] == pytest.approx(float(np.median(values)))


def test_a_zero_value_gives_no_geometric_mean():
    v = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "crp_mg_l": [0.0, 4.0]})
    row = outcomes.biomarkers(v, markers=("crp_mg_l",)).iloc[0]
    assert pd.isna(row["geo_mean"]) and "0 or below" in row["note"] and row["median"] == 2.0


# --- window of opportunity ------------------------------------------------------------------------
def window_tables(n=12):
    months = np.geomspace(0.5, 100, n)
    patients = pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)], "study": "s",
                             "months_onset_to_treatment": months})
    visits = pd.DataFrame({"patient_id": [f"p{i}" for i in range(n) for _ in (0, 1)],
                           "week": [0, 24] * n,
                           "active_joints": [v for i in range(n) for v in (10, int(i))]})
    return patients, visits


def test_window_points_one_row_per_patient_with_change_from_week_0():
    patients, visits = window_tables()
    visits = visits.iloc[:-1]  # the last patient has no week-24 visit
    out = outcomes.window_points((patients, visits), "active_joints", week=24)
    assert len(out) == len(patients)
    assert out["y"].iloc[:-1].tolist() == [float(i - 10) for i in range(11)]
    assert pd.isna(out["y"].iloc[-1]) and out["note"].iloc[-1].startswith("no visit at week 24")
    assert (out["n"] == 11).all()
    assert out["note"].str.contains("not an effect").all()


def test_window_points_inactive_disease_is_0_or_1():
    patients, visits = window_tables(3)
    visits = visits.assign(physician_global=0.0)
    out = outcomes.window_points({"patients": patients, "visits": visits}, "inactive", week=24)
    assert out["y"].tolist() == [1.0, 0.0, 0.0]  # joints at week 24: 0, 1, 2


def test_window_smoother_recovers_a_straight_line_and_refuses_small_n():
    patients, _ = window_tables(15)
    x = np.log10(patients["months_onset_to_treatment"].to_numpy())
    points = pd.DataFrame({"months_onset_to_treatment": patients["months_onset_to_treatment"], "y": 3 * x - 1})
    out = outcomes.window_smoother(points, n_boot=50)
    grid = np.log10(out["months"].to_numpy())
    np.testing.assert_allclose(out["fit"], 3 * grid - 1, atol=1e-8)  # local linear fits reproduce a line
    np.testing.assert_allclose(out["ci_low"], out["fit"], atol=1e-6)
    assert (out["n"] == 15).all()
    small = outcomes.window_smoother(points.head(9))
    assert len(small) == 1 and pd.isna(small["fit"].iloc[0]) and "at least 10 needed" in small["note"].iloc[0]


def test_window_smoother_is_reproducible_for_a_seed():
    patients, visits = window_tables(14)
    pts = outcomes.window_points((patients, visits), "active_joints", 24)
    pd.testing.assert_frame_equal(outcomes.window_smoother(pts, seed=3), outcomes.window_smoother(pts, seed=3))


def test_activity_states_without_the_score_components_say_why_instead_of_failing():
    v = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "active_joints": [2, 0]})
    out = outcomes.activity_states(v)
    assert (out["n_total"] == 0).all() and out["proportion"].isna().all()
    assert out["note"].str.contains("sjadas10 cannot be computed").all()
    assert out["note"].str.contains("systemic_score").all()


def test_no_outcome_function_changes_its_input():
    c = load_cohort()
    visits, patients = c.visits.copy(), c.patients.copy()
    calls = [
        lambda: outcomes.activity_states(c.visits, by="study", patients=c.patients),
        lambda: outcomes.inactive_by_week(c.visits),
        lambda: outcomes.time_to_inactive_disease(c.visits),
        lambda: outcomes.remission_on_medication(c.visits),
        lambda: outcomes.acr_pedi(c.visits),
        lambda: outcomes.biomarkers(c.visits, by="study", patients=c.patients),
        lambda: outcomes.window_smoother(outcomes.window_points(c, "sjadas10", 24)),
    ]
    for call in calls:
        out = call()
        assert "n" in out.columns and "note" in out.columns
    pd.testing.assert_frame_equal(c.visits, visits)
    pd.testing.assert_frame_equal(c.patients, patients)


def test_two_rows_for_one_patient_and_week_are_an_error_not_a_count():
    """Counts per week are of patients: a repeated visit row would count a child twice (n 4 of 3 patients)."""
    v = pd.DataFrame({"patient_id": list("abca"), "week": [0] * 4, "sjadas10": [1.0, 2.0, 3.0, 25.0],
                      "active_joints": [0, 2, 3, 1]})
    for f in (outcomes.activity_states, outcomes.inactive_by_week, outcomes.time_to_inactive_disease):
        with pytest.raises(ValueError, match="more than one row for patient a at week 0"):
            f(v)
    assert outcomes.activity_states(v.iloc[:3])["n_total"].unique().tolist() == [3]
