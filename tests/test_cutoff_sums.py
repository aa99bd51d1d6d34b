"""The trajectories' running sums (CutoffSums) give the numbers of summarise() at every cut-off."""

import numpy as np
import pandas as pd
import pytest

from sjia_explore.cohort import duration_group_label
from sjia_explore.trajectories import CutoffSums, TrajectoryIndex, summarise

MONTHS = "months_onset_to_treatment"


def _grouped(patients: pd.DataFrame, cut: float) -> pd.DataFrame:
    """The patients with their early/late group at ``cut``, written out here from the definition."""
    months = pd.to_numeric(patients[MONTHS], errors="coerce").astype(float).to_numpy()
    group = np.where(months < cut, duration_group_label(True, cut), duration_group_label(False, cut))
    return patients.assign(duration_group=pd.Series(group, index=patients.index).where(~np.isnan(months)))


def _check(visits, patients, outcomes, weeks, cuts, bounds=None):
    sums = CutoffSums(TrajectoryIndex(visits, outcomes, weeks), patients)
    for cut in cuts:
        grouped = _grouped(patients, cut)
        counts = grouped["duration_group"].fillna("not recorded").value_counts()
        assert sums.group_sizes(cut) == {g: int(counts[g]) for g in sums.group_sizes(cut)}
        assert sum(sums.group_sizes(cut).values()) == len(patients)
        for outcome in outcomes:
            expected = summarise(visits, outcome, by="duration_group", patients=grouped, weeks=weeks, bounds=bounds)
            got = sums.summarise(outcome, cut, bounds=bounds)
            pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=1e-12,
                                          obj=f"{outcome} at {cut} months")
            rough = sums.summarise(outcome, cut, bounds=bounds, quartiles=False)
            assert rough[["median", "q1", "q3"]].isna().all().all()
            pd.testing.assert_frame_equal(rough.drop(columns=["median", "q1", "q3"]),
                                          got.drop(columns=["median", "q1", "q3"]))


def _edge_cuts(months: pd.Series) -> list[float]:
    """Cut-offs that leave a group empty or of one patient, and ordinary ones."""
    m = np.sort(pd.to_numeric(months, errors="coerce").dropna().astype(float).unique())
    return [float(m[0]), float(m[0]) + 1e-9, float(m[-1]), float(m[-1]) + 1, float((m[0] + m[1]) / 2),
            1, 6, 12, 24]


def test_running_sums_give_the_numbers_of_summarise_on_the_bundled_cohort():
    from sjia_explore import load_cohort

    cohort = load_cohort()
    outcomes = ["active_joints", "sjadas27", "steroid_mg_kg_day"]
    for criteria in ({}, {"sex": "F"}, {"prior_mas": True}, {"studies": tuple(cohort.studies[:1])}):
        selected = cohort.filter(**criteria)
        patients = selected.patient_features()
        _check(cohort.visits, patients, outcomes, [0, 4, 8, 12, 24], _edge_cuts(patients[MONTHS]))


def test_running_sums_give_the_numbers_of_summarise_on_a_registry_with_unknown_months_and_missing_visits():
    from sjia_explore.simulate import registry

    cohort = registry(800, seed=5, p_missing_visit=0.3)
    patients = cohort.patient_features()
    rng = np.random.default_rng(1)
    patients.loc[rng.random(len(patients)) < 0.1, MONTHS] = np.nan  # some patients' months not recorded
    weeks = sorted({int(w) for w in cohort.visits["week"].dropna()})
    outcomes = ["active_joints", "sjadas27", "steroid_mg_kg_day"]
    _check(cohort.visits, patients, outcomes, weeks + [99], _edge_cuts(patients[MONTHS]))  # week 99: no visits
    women = patients[patients["sex"] == "F"]
    _check(cohort.visits, women, outcomes, weeks, [3, 12, 40])


def test_running_sums_keep_their_precision_far_from_zero_and_give_0_for_equal_values():
    rng = np.random.default_rng(7)
    n = 3000
    patients = pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)], MONTHS: rng.uniform(0, 48, n)})
    patients.loc[::17, MONTHS] = np.nan
    rows = []
    for week in (0, 4, 8):
        x = 1e6 + rng.normal(0, 1e-3, n)  # a large offset, a small spread: sum(x²) - sum(x)²/n would cancel
        late = patients[MONTHS].to_numpy() >= 12
        equal = np.where(late, 2.5, rng.integers(0, 5, n))  # every late patient has the same value
        constant = np.zeros(n)  # every patient 0
        rows.append(pd.DataFrame({"patient_id": patients["patient_id"], "week": week, "x": x, "equal": equal,
                                  "constant": constant}))
    visits = pd.concat(rows, ignore_index=True)
    visits.loc[rng.random(len(visits)) < 0.2, "x"] = np.nan
    _check(visits, patients, ["x", "equal", "constant"], [0, 4, 8], [0.01, 1, 12, 30, 60], bounds=(0.0, None))
    sums = CutoffSums(TrajectoryIndex(visits, ["equal", "constant"], [0, 4, 8]), patients)
    late = sums.summarise("equal", 12).query("group == 'late (≥ 12 mo)'")
    assert (late["sd"] == 0).all() and (late["mean"] == 2.5).all()
    zero = sums.summarise("constant", 6, bounds=(0.0, None))
    assert (zero["mean"] == 0).all() and (zero["sd"] == 0).all() and not zero["clipped"].any()


def test_patients_without_visits_count_as_missing_and_unknown_columns_are_named():
    visits = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "active_joints": [3, 5]})
    patients = pd.DataFrame({"patient_id": ["a", "b", "c"], MONTHS: [1.0, 20.0, 2.0]})
    got = CutoffSums(TrajectoryIndex(visits, ["active_joints"], [0]), patients).summarise("active_joints", 12)
    assert got[["group", "n", "n_missing", "mean"]].values.tolist() == [["early (< 12 mo)", 1, 1, 3.0],
                                                                        ["late (≥ 12 mo)", 1, 0, 5.0]]
    with pytest.raises(KeyError, match="months_onset_to_treatment"):
        CutoffSums(TrajectoryIndex(visits, ["active_joints"], [0]), patients[["patient_id"]])


def test_the_app_gives_the_numbers_and_group_sizes_of_summarise_as_the_cutoff_moves():
    from sjia_explore.app import Session, ViewState
    from sjia_explore.simulate import registry

    cohort = registry(400, seed=11, p_missing_visit=0.2)
    session = Session(cohort)
    weeks = list(session.options.weeks)
    for state in (ViewState(early_cutoff_months=6), ViewState(early_cutoff_months=12),
                  ViewState(early_cutoff_months=6, sex="F"), ViewState(early_cutoff_months=30, sex="F")):
        model = session.update(state)
        selected = cohort.filter(state.subgroup())
        features = selected.patient_features(state.early_cutoff_months)
        counts = features["duration_group"].fillna("not recorded").value_counts()
        assert model.selection.group_counts == {g: int(counts[g]) for g in model.selection.group_counts}
        assert sum(model.selection.group_counts.values()) == selected.n_patients
        assert model.trajectories.numbers
        for column, got in model.trajectories.numbers:
            expected = summarise(selected.visits, column, by="duration_group", patients=features, weeks=weeks)
            pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=1e-12,
                                          obj=f"{column} {state}")
