"""The synthetic registry: reproducible, valid against the schema, shaped like the published cohorts."""

import numpy as np
import pandas as pd
import pytest

from sjia_explore import load_cohort, published
from sjia_explore.cli import main as cli_main
from sjia_explore.simulate import registry, write_cohort


@pytest.fixture(scope="module")
def big():
    return registry(4000, seed=11)


def test_same_seed_same_registry_other_seed_other_registry():
    a, b, c = registry(50, seed=1), registry(50, seed=1), registry(50, seed=2)
    pd.testing.assert_frame_equal(a.visits, b.visits)
    assert not a.visits.equals(c.visits)


def test_written_registry_validates_and_reloads_identically(tmp_path):
    reg = registry(120, seed=5)
    write_cohort(reg, tmp_path)
    back = load_cohort(tmp_path)
    assert back.n_patients == 120
    assert len(back.visits) == len(reg.visits)
    assert (back.visits["provenance"] == "simulated").all()
    np.testing.assert_allclose(back.visits["sjadas27"].astype(float), reg.visits["sjadas27"].astype(float))


def test_distributions_follow_the_published_anchors(big):
    p = big.patients
    assert abs(p["age_onset_years"].mean() - published.AGE_ONSET_MEAN.value) < 0.3
    assert abs((p["sex"] == "F").mean() - published.N_FEMALE / published.N_PATIENTS) < 0.03
    assert abs(p["prior_mas"].mean() - 0.10) < 0.02
    not_first_line = p.loc[p["months_onset_to_treatment"] >= 2, "patient_id"]  # Qiu's cohort: all second-line
    week0 = big.visits[(big.visits["week"] == 0) & big.visits["patient_id"].isin(not_first_line)]
    assert abs(week0["active_joints"].mean() - published.JOINTS_MEAN_WEEK_0.value) < 0.6
    ae_rate = len(big.adverse_events) / (big.n_patients * published.AE_FOLLOW_UP_YEARS)
    assert abs(ae_rate - published.AE_RATE_PER_100_PY.value / 100) < 0.15


def test_visits_follow_the_schedule_with_some_missing(big):
    v = big.visits
    assert set(v["week"]) == set(published.WEEKS)
    assert (v.groupby("patient_id")["week"].min() == 0).all(), "every patient has a baseline visit"
    per_patient = v.groupby("patient_id").size()
    assert (per_patient < len(published.WEEKS)).any() and (per_patient == len(published.WEEKS)).any()


def test_trajectories_improve_on_average(big):
    means = big.visits.groupby("week")[["active_joints", "sjadas27"]].mean()
    assert (means.diff().dropna() <= 0).all().all()


def test_no_true_early_late_difference_by_default(big):
    feats = big.patient_features()
    v = big.visits.merge(feats[["patient_id", "early"]], on="patient_id")
    baseline = v[v["week"] == 0].set_index("patient_id")["sjadas27"]
    change = v[v["week"] == 24].set_index("patient_id")["sjadas27"] - baseline
    relative = (change / baseline).dropna()
    early = feats.set_index("patient_id")["early"].reindex(relative.index).astype(bool)
    assert abs(relative[early].mean() - relative[~early].mean()) < 0.05


def test_cli_simulate_writes_a_valid_folder(tmp_path, capsys):
    assert cli_main(["simulate", "30", str(tmp_path / "reg"), "--seed", "4"]) == 0
    assert "30 patients" in capsys.readouterr().out
    assert cli_main(["validate", str(tmp_path / "reg")]) == 0
    assert cli_main(["simulate", "0", str(tmp_path / "none")]) == 2
