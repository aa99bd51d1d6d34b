"""The t quantiles kept for the first chart (sjia_explore.student_t) are scipy's, and the chart's intervals use them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sjia_explore.student_t import T_975, t_quantiles
from sjia_explore.trajectories import summarise


def test_the_kept_table_is_exactly_scipys():
    expected = stats.t.ppf(0.975, np.arange(1, len(T_975) + 1))
    differ = [i + 1 for i, (a, b) in enumerate(zip(T_975, expected)) if a != b]
    assert not differ, f"scipy now gives other values for dof {differ}; write T_975 again from scipy.stats.t.ppf"


def test_table_and_scipy_give_the_same_answers_and_keep_shape_and_nan():
    dof = np.array([[1.0, np.nan], [29.0, 200.0]])
    out = t_quantiles(0.975, dof)
    assert out.shape == dof.shape and np.isnan(out[0, 1])
    np.testing.assert_array_equal(out[~np.isnan(dof)], stats.t.ppf(0.975, dof[~np.isnan(dof)]))
    beyond = np.array([201.0, 2.5, 46_846.0])  # past the table, fractional: scipy itself
    np.testing.assert_array_equal(t_quantiles(0.975, beyond), stats.t.ppf(0.975, beyond))
    np.testing.assert_array_equal(t_quantiles(0.9, np.array([3.0])), stats.t.ppf(0.9, [3.0]))


def test_the_charts_interval_is_the_t_interval():
    values = [6.0, 4.0, 8.0, 5.0, 1.0]
    visits = pd.DataFrame({"patient_id": list("abcde"), "week": [0] * 5, "active_joints": values})
    row = summarise(visits, "active_joints", weeks=[0]).iloc[0]
    lo, hi = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert abs(row["ci_low"] - lo) < 1e-12
    assert abs(row["ci_high"] - hi) < 1e-12
