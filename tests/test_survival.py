"""The one Kaplan–Meier estimator, against a hand-worked example (Greenwood by hand, log(−log) interval)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sjia_explore.stats.survival import cumulative_incidence

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile, from tables


def by_hand(s: float, greenwood_sum: float) -> tuple[float, float]:
    """1 − S's 95% interval on the log(−log) scale (Kalbfleisch & Prentice), written out by hand."""
    theta_se = math.sqrt(greenwood_sum) / abs(math.log(s))
    return 1 - s ** math.exp(-Z95 * theta_se), 1 - s ** math.exp(Z95 * theta_se)


def test_steps_and_interval_match_a_hand_worked_example():
    # 5 patients: events at 4, 8, 8; censored at 8 and 12. At 4: 5 at risk, 1 event → S = 4/5.
    # At 8: 4 at risk, 2 events → S = 4/5 · 2/4 = 2/5. No event at 12.
    km = cumulative_incidence([4, 8, 8, 8, 12], [1, 1, 1, 0, 0])
    assert km["week"].tolist() == [0, 4, 8]
    assert km["n_at_risk"].tolist() == [5, 5, 4]
    assert km["n_events"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(km["proportion"], [0, 1 / 5, 3 / 5])
    g4 = 1 / (5 * 4)  # Greenwood: Σ d / (n (n − d))
    g8 = g4 + 2 / (4 * 2)
    lo4, hi4 = by_hand(4 / 5, g4)
    lo8, hi8 = by_hand(2 / 5, g8)
    np.testing.assert_allclose(km["ci_low"].iloc[1:], [lo4, lo8], rtol=1e-9)
    np.testing.assert_allclose(km["ci_high"].iloc[1:], [hi4, hi8], rtol=1e-9)
    assert (km["n"] == 5).all()


def test_no_interval_where_everyone_has_had_the_event_and_none_without_events():
    km = cumulative_incidence([4, 4], [1, 1])
    assert km["proportion"].iloc[-1] == 1.0
    assert math.isnan(km["ci_low"].iloc[-1]) and math.isnan(km["ci_high"].iloc[-1])
    quiet = cumulative_incidence([4, 8], [0, 0], start=2)
    assert quiet["week"].tolist() == [2] and quiet["proportion"].tolist() == [0.0]
    assert math.isnan(cumulative_incidence([], [])["proportion"].iloc[0])


@pytest.mark.parametrize("column", ["proportion_inactive", "proportion_steroid_free"])
def test_both_time_to_outcomes_use_it(column):
    from sjia_explore.outcomes import time_to_inactive_disease
    from sjia_explore.stats import time_to_steroid_free

    weeks = [0, 4, 8] * 5
    ids = [p for p in "abcde" for _ in range(3)]
    joints = [3, 0, 0, 2, 1, 0, 4, 2, 0, 1, 1, 1, 5, 0, 0]
    doses = [1.0, 0, 0, 0.5, 0.2, 0, 0.8, 0.5, 0, 0.3, 0.3, 0.3, 0.6, 0, 0]
    visits = pd.DataFrame({"patient_id": ids, "week": weeks, "active_joints": joints, "steroid_mg_kg_day": doses})
    if column == "proportion_inactive":
        got = time_to_inactive_disease(visits)
    else:
        got = time_to_steroid_free(visits)
    # both outcomes happen at the same visits in this example: a at 4, e at 4, b and c at 8, d never (censored 8)
    np.testing.assert_allclose(got[column], [0, 2 / 5, 4 / 5])
    expected = cumulative_incidence([4, 8, 8, 8, 4], [1, 1, 1, 0, 1])
    np.testing.assert_allclose(got["ci_low"].iloc[1:], expected["ci_low"].iloc[1:])
