"""Per-visit summaries checked against numbers worked out by hand and with scipy.stats."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sjia_explore.trajectories import MISSING_GROUP, SUMMARY_COLUMNS, patient_values, summarise


@pytest.fixture
def visits():
    # p1..p4 at weeks 0 and 4; p4 has no week-4 value; p5 only week 0.
    return pd.DataFrame({
        "patient_id": ["p1", "p1", "p2", "p2", "p3", "p3", "p4", "p4", "p5"],
        "week": [0, 4, 0, 4, 0, 4, 0, 4, 0],
        "active_joints": pd.array([6, 1, 4, 0, 8, 2, 2, pd.NA, 5], dtype="Int64"),
        "sjadas27": [30.0, 9.0, 22.0, 6.0, 28.0, 11.0, 20.0, 8.0, 25.0],
    })


@pytest.fixture
def patients():
    return pd.DataFrame({
        "patient_id": ["p1", "p2", "p3", "p4", "p5"],
        "sex": ["F", "F", "M", "M", None],
        "prior_mas": pd.array([True, False, True, False, pd.NA], dtype="boolean"),
    })


def test_single_group_matches_hand_computation(visits):
    s = summarise(visits, "active_joints")
    assert list(s.columns) == SUMMARY_COLUMNS
    assert s["group"].tolist() == ["all", "all"]
    assert s["week"].tolist() == [0, 4]
    week0 = s.iloc[0]
    # week 0 values 6, 4, 8, 2, 5
    assert week0["n"] == 5 and week0["n_missing"] == 0
    assert week0["mean"] == pytest.approx(5.0)
    # deviations 1, -1, 3, -3, 0 -> sum of squares 20, / (5 - 1) = 5
    assert week0["sd"] == pytest.approx(math.sqrt(5.0))
    assert week0["median"] == pytest.approx(5.0)
    # sorted 2, 4, 5, 6, 8: linear quartiles at positions 1 and 3
    assert week0["q1"] == pytest.approx(4.0)
    assert week0["q3"] == pytest.approx(6.0)
    week4 = s.iloc[1]
    # week 4 values 1, 0, 2 (p4 empty, p5 has no row)
    assert week4["n"] == 3 and week4["n_missing"] == 2
    assert week4["mean"] == pytest.approx(1.0)
    assert week4["sd"] == pytest.approx(1.0)


def test_confidence_interval_is_the_t_interval(visits):
    s = summarise(visits, "sjadas27")
    for _, row in s.iterrows():
        v = visits.loc[visits["week"] == row["week"], "sjadas27"].to_numpy(dtype=float)
        lo, hi = stats.t.interval(0.95, df=v.size - 1, loc=v.mean(), scale=stats.sem(v))
        assert row["ci_low"] == pytest.approx(max(lo, 0.0), rel=1e-12)  # sJADAS27 is 0-67: cut there
        assert row["ci_high"] == pytest.approx(min(hi, 67.0), rel=1e-12)
        assert bool(row["clipped"]) == (lo < 0 or hi > 67)


def test_confidence_interval_by_hand_for_two_values():
    visits = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "x": [6.0, 4.0]})
    row = summarise(visits, "x").iloc[0]
    # mean 5, sd sqrt(2), se 1, t(0.975, 1) = 12.7062047...
    assert row["ci_low"] == pytest.approx(5 - 12.706204736174698)
    assert row["ci_high"] == pytest.approx(5 + 12.706204736174698)


def test_fewer_than_two_values_give_no_sd_or_interval():
    visits = pd.DataFrame({"patient_id": ["a"], "week": [0], "x": [3.0]})
    row = summarise(visits, "x").iloc[0]
    assert row["n"] == 1 and row["mean"] == 3.0 and row["median"] == 3.0
    assert np.isnan(row["sd"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])


def test_grouping_by_a_patient_column(visits, patients):
    s = summarise(visits, "active_joints", by="sex", patients=patients)
    assert s["group"].unique().tolist() == ["F", "M", MISSING_GROUP]
    f4 = s[(s["group"] == "F") & (s["week"] == 4)].iloc[0]
    assert (f4["n"], f4["mean"]) == (2, 0.5)
    m4 = s[(s["group"] == "M") & (s["week"] == 4)].iloc[0]
    assert (m4["n"], m4["n_missing"], m4["mean"]) == (1, 1, 2.0)
    assert np.isnan(m4["ci_low"])
    unknown0 = s[(s["group"] == MISSING_GROUP) & (s["week"] == 0)].iloc[0]
    assert (unknown0["n"], unknown0["mean"]) == (1, 5.0)


def test_yes_no_columns_are_labelled_in_words(visits, patients):
    s = summarise(visits, "sjadas27", by="prior_mas", patients=patients, weeks=[0])
    assert s["group"].tolist() == ["no", "yes", MISSING_GROUP]
    assert s["mean"].tolist() == pytest.approx([21.0, 29.0, 25.0])


def test_patients_table_restricts_the_summary(visits, patients):
    only_two = patients[patients["patient_id"].isin(["p1", "p4"])]
    s = summarise(visits, "active_joints", patients=only_two)
    assert s["n"].tolist() == [2, 1]
    assert s["n_missing"].tolist() == [0, 1]
    assert s["mean"].tolist() == pytest.approx([4.0, 1.0])


def test_requested_weeks_without_data_get_a_row_with_n_zero(visits):
    s = summarise(visits, "active_joints", weeks=[0, 4, 8])
    assert s["week"].tolist() == [0, 4, 8]
    week8 = s.iloc[2]
    assert week8["n"] == 0 and week8["n_missing"] == 5 and np.isnan(week8["mean"])


def test_inputs_are_not_changed(visits, patients):
    v_before, p_before = visits.copy(deep=True), patients.copy(deep=True)
    summarise(visits, "active_joints", by="sex", patients=patients)
    patient_values(visits, "active_joints", by="sex", patients=patients)
    pd.testing.assert_frame_equal(visits, v_before)
    pd.testing.assert_frame_equal(patients, p_before)


def test_patient_values_leave_out_missing_values(visits, patients):
    p = patient_values(visits, "active_joints", by="sex", patients=patients)
    assert list(p.columns) == ["patient_id", "group", "week", "value"]
    assert len(p) == 8  # 9 rows, p4's empty week-4 value left out
    assert p.loc[(p["patient_id"] == "p3") & (p["week"] == 4), "value"].item() == 2.0


def test_grouping_without_patients_is_a_clear_error(visits):
    with pytest.raises(ValueError, match="needs the patients table"):
        summarise(visits, "active_joints", by="sex")


def test_unknown_outcome_names_the_column(visits):
    with pytest.raises(KeyError, match="no column 'crp'"):
        summarise(visits, "crp")


def test_duplicate_visits_are_refused(visits):
    doubled = pd.concat([visits, visits.iloc[[0]]])
    with pytest.raises(ValueError, match="more than one row for patient p1 at week 0"):
        summarise(doubled, "active_joints")


# --------------------------------------------------------------------------------------------
# The app's fast path (TrajectoryIndex) gives the numbers of summarise, exactly
# --------------------------------------------------------------------------------------------
def _subgroups(cohort):
    drugs = cohort.prior_biologic_options()
    return [
        {},
        {"sex": "F"},
        {"sex": "M", "prior_mas": False},
        {"prior_mas": True},
        {"baseline_steroid": True},
        {"studies": tuple(cohort.studies[:1])},
        {"prior_biologic_none": tuple(drugs[:1])} if drugs else {"sex": "F", "prior_mas": True},
        {"early_cutoff_months": 6, "sex": "F"},
        {"early_cutoff_months": 36},
    ]


def _index_matches_summarise(cohort, weeks, by_options=("duration_group", "sex", "prior_mas", None)):
    from sjia_explore.trajectories import TrajectoryIndex

    outcomes = ("active_joints", "sjadas27", "steroid_mg_kg_day")
    index = TrajectoryIndex(cohort.visits, outcomes, weeks)
    for criteria in _subgroups(cohort):
        selected = cohort.filter(**criteria)
        features = selected.patient_features()
        for by in by_options:
            groups = index.groups(features, by)
            for outcome in outcomes:
                expected = summarise(selected.visits, outcome, by=by, patients=features, weeks=weeks)
                for got in (index.summarise(outcome, groups=groups), index.summarise(outcome, features, by=by)):
                    pd.testing.assert_frame_equal(got, expected, check_exact=True,
                                                  obj=f"{outcome} {criteria} by {by}")


def test_the_fast_index_gives_the_numbers_of_summarise_on_the_bundled_cohort():
    from sjia_explore import load_cohort

    _index_matches_summarise(load_cohort(), [0, 4, 8, 12, 24])


def test_the_fast_index_gives_the_numbers_of_summarise_on_a_registry_with_missing_visits():
    from sjia_explore.simulate import registry

    cohort = registry(600, seed=3, p_missing_visit=0.3)
    weeks = sorted({int(w) for w in cohort.visits["week"].dropna()})
    assert len(cohort.visits) < cohort.n_patients * len(weeks)  # some visits are missing
    _index_matches_summarise(cohort, weeks)
    _index_matches_summarise(cohort, [0, 12, 24, 52], by_options=("duration_group",))  # a week with no visits


def test_the_fast_index_refuses_duplicate_visits_like_summarise(visits, patients):
    from sjia_explore.trajectories import TrajectoryIndex

    twice = pd.concat([visits, visits.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError):
        TrajectoryIndex(twice, ["active_joints"], [0, 4])
    with pytest.raises(ValueError):
        summarise(twice, "active_joints", patients=patients, weeks=[0, 4])
    index = TrajectoryIndex(visits, ["active_joints", "sjadas27"], [0, 4])
    pd.testing.assert_frame_equal(index.summarise("active_joints", patients, by="prior_mas"),
                                  summarise(visits, "active_joints", by="prior_mas", patients=patients, weeks=[0, 4]),
                                  check_exact=True)


# --- intervals that respect the scale ------------------------------------------------------------

def test_an_interval_below_zero_is_cut_at_the_scale_and_flagged():
    # sJADAS27 cannot be below 0: mean 1, values 0, 0, 3 -> the t-interval starts at about -5.45
    visits = pd.DataFrame({"patient_id": list("abc"), "week": [8, 8, 8], "sjadas27": [0.0, 0.0, 3.0]})
    row = summarise(visits, "sjadas27").iloc[0]
    lo, hi = stats.t.interval(0.95, df=2, loc=1.0, scale=stats.sem([0.0, 0.0, 3.0]))
    assert lo < 0
    assert row["ci_low"] == 0.0 and row["ci_high"] == pytest.approx(hi) and bool(row["clipped"])
    plain = summarise(visits, "sjadas27", bounds=(None, None)).iloc[0]
    assert plain["ci_low"] == pytest.approx(lo) and not plain["clipped"]


def test_the_upper_limit_of_a_bounded_scale_is_respected_and_lab_values_have_none():
    from sjia_explore.trajectories import outcome_bounds

    visits = pd.DataFrame({"patient_id": list("abc"), "week": [0, 0, 0], "sjadas27": [67.0, 67.0, 60.0]})
    row = summarise(visits, "sjadas27").iloc[0]
    assert row["ci_high"] == 67.0 and bool(row["clipped"])
    assert outcome_bounds("active_joints") == (0.0, 71.0)
    assert outcome_bounds("crp_mg_l") == (0.0, None)  # 1000 is a plausibility check, not a scale limit


def test_the_index_clips_the_same_way(visits):
    from sjia_explore.trajectories import TrajectoryIndex

    v = pd.DataFrame({"patient_id": list("abcd"), "week": [8, 8, 8, 8], "sjadas27": [0.0, 0.0, 3.0, 0.0]})
    patients = pd.DataFrame({"patient_id": list("abcd")})
    index = TrajectoryIndex(v, ["sjadas27"], weeks=[8])
    pd.testing.assert_frame_equal(index.summarise("sjadas27", patients),
                                  summarise(v, "sjadas27", patients=patients, weeks=[8]))
    assert bool(index.summarise("sjadas27", patients).iloc[0]["clipped"])


def test_quartiles_are_numpys_percentiles_exactly_for_short_and_long_groups():
    """Short groups are sorted in plain Python, long ones partially sorted by NumPy: both give np.percentile."""
    from sjia_explore.trajectories import _PLAIN_UP_TO, _quartiles

    rng = np.random.default_rng(7)
    for size in [*range(1, _PLAIN_UP_TO + 3), 100, 1001]:
        for values in (rng.normal(size=size) * 10, rng.integers(0, 5, size=size).astype(float)):  # ties too
            assert _quartiles(values) == tuple(np.percentile(values, [25, 50, 75])), size
