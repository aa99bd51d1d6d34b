"""The t quantiles kept for the first chart (sjia_explore.student_t) are scipy's, and the chart's intervals use them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sjia_explore.student_t import T_975, Z_975, t_quantiles
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
    fractional = np.array([2.5, 201.5])  # not whole numbers: scipy itself
    np.testing.assert_array_equal(t_quantiles(0.975, fractional), stats.t.ppf(0.975, fractional))
    np.testing.assert_array_equal(t_quantiles(0.9, np.array([3.0])), stats.t.ppf(0.9, [3.0]))


def test_past_the_table_the_expansion_is_within_2e_12_of_scipy():
    assert Z_975 == stats.norm.ppf(0.975)
    dof = np.concatenate([np.arange(201.0, 20_001.0), [46_846.0, 1e6, 1e9], [np.nan]])
    out = t_quantiles(0.975, dof)
    assert np.isnan(out[-1])
    np.testing.assert_allclose(out[:-1], stats.t.ppf(0.975, dof[:-1]), rtol=2e-12, atol=0)
    both = np.array([200.0, 201.0, 10.0])  # the table and the expansion in one call
    np.testing.assert_allclose(t_quantiles(0.975, both), stats.t.ppf(0.975, both), rtol=2e-12, atol=0)


def test_a_large_registrys_first_chart_does_not_import_scipy():
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from sjia_explore.student_t import t_quantiles\n"
            "t_quantiles(0.975, np.array([3.0, 250.0, 9_999.0, np.nan]))\n"
            "print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_charts_interval_is_the_t_interval():
    values = [6.0, 4.0, 8.0, 5.0, 1.0]
    visits = pd.DataFrame({"patient_id": list("abcde"), "week": [0] * 5, "active_joints": values})
    row = summarise(visits, "active_joints", weeks=[0]).iloc[0]
    lo, hi = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert abs(row["ci_low"] - lo) < 1e-12
    assert abs(row["ci_high"] - hi) < 1e-12
