"""Student's t quantiles in plain Python (sjia_explore.student_t) against scipy and exact formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sjia_explore.student_t import t_quantile, t_quantiles
from sjia_explore.trajectories import summarise

PROBABILITIES = [0.6, 0.75, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.999999, 0.025, 0.3, 1e-6]
DOFS = [*range(1, 120), 0.5, 1.5, 2.5, 3.7, 150, 300, 999, 1999, 2000, 2001, 5000, 10_000, 46_846, 1e6]


@pytest.mark.parametrize("p", PROBABILITIES)
def test_agrees_with_scipy(p):
    ours = np.array([t_quantile(p, v) for v in DOFS])
    np.testing.assert_allclose(ours, stats.t.ppf(p, DOFS), rtol=1e-9)


@pytest.mark.parametrize("dof", [1, 2, 4])
def test_closed_forms(dof):
    # the distribution functions with 1, 2 and 4 degrees of freedom have closed forms (Johnson, Kotz & Balakrishnan)
    cdf = {1: lambda t: 0.5 + math.atan(t) / math.pi,
           2: lambda t: 0.5 + t / (2 * math.sqrt(2 + t * t)),
           4: lambda t: 0.5 + 3 / 8 * (t / math.sqrt(1 + t * t / 4)) * (1 - t * t / (12 * (1 + t * t / 4)))}[dof]
    for p in (0.5000001, 0.55, 0.8, 0.975, 0.999):
        assert cdf(t_quantile(p, dof)) == pytest.approx(p, abs=1e-13)


def test_symmetry_median_and_limits():
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.1, 7) == pytest.approx(-t_quantile(0.9, 7), rel=1e-14)
    assert t_quantile(0.975, math.inf) == pytest.approx(1.959963984540054, rel=1e-14)
    assert t_quantile(0.975, 1e9) == pytest.approx(1.959963984540054, rel=1e-8)
    assert math.isnan(t_quantile(0.975, math.nan))
    with pytest.raises(ValueError, match="between 0 and 1"):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError, match="positive"):
        t_quantile(0.9, 0)


def test_arrays_keep_shape_and_nan():
    dof = np.array([[1.0, np.nan], [29.0, 1.0]])
    out = t_quantiles(0.975, dof)
    assert out.shape == dof.shape and np.isnan(out[0, 1])
    np.testing.assert_allclose(out[~np.isnan(dof)], stats.t.ppf(0.975, dof[~np.isnan(dof)]), rtol=1e-10)


def test_chart_intervals_are_the_t_intervals():
    import pandas as pd

    rng = np.random.default_rng(3)
    rows = [{"patient_id": f"p{i}", "week": w, "active_joints": float(rng.integers(0, 20))}
            for i in range(25) for w in (0, 4) if not (w == 4 and i % 3 == 0)]
    table = summarise(pd.DataFrame(rows), "active_joints")
    for _, row in table.iterrows():
        values = pd.DataFrame(rows).query("week == @row.week")["active_joints"]
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
        assert row["ci_low"] == pytest.approx(max(low, 0.0), rel=1e-9)
        assert row["ci_high"] == pytest.approx(high, rel=1e-9)
