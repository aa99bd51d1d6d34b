"""Kaplan–Meier steps with a pointwise log(−log) interval: one estimator for every "time to …" in the package."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._common import CI_LEVEL


def cumulative_incidence(times, status, start: float = 0) -> pd.DataFrame:
    """1 − Kaplan–Meier survival at ``start`` and at each event time, with its pointwise interval.

    Uses :class:`statsmodels.duration.survfunc.SurvfuncRight` for the estimate
    and Greenwood's standard error; the interval (level :data:`CI_LEVEL`) is
    the log(−log) transform of that standard error, which stays within 0–1
    (Kalbfleisch and Prentice). Where survival is 0 or 1 there is no interval
    (NaN).

    Parameters
    ----------
    times : sequence of float
        Per patient, the time of the event or of censoring.
    status : sequence of int
        Per patient, 1 if the event happened at ``times``, 0 if censored there.
    start : float
        The time at which everyone is followed (the first row).

    Returns
    -------
    pandas.DataFrame
        ``week``, ``n_at_risk``, ``n_events``, ``proportion`` (1 − survival),
        ``ci_low``, ``ci_high``, ``n`` (patients followed). The first row is
        ``start``, with proportion 0 (NaN when no one is followed).

    Examples
    --------
    >>> cumulative_incidence([4, 8, 8], [1, 1, 0])[["week", "n_at_risk", "n_events", "proportion"]]
       week  n_at_risk  n_events  proportion
    0     0          3         0    0.000000
    1     4          3         1    0.333333
    2     8          2         1    0.666667
    """
    from scipy import stats as st
    from statsmodels.duration.survfunc import SurvfuncRight

    n = len(times)
    rows = [{"week": start, "n_at_risk": n, "n_events": 0, "proportion": 0.0 if n else np.nan,
             "ci_low": np.nan, "ci_high": np.nan, "n": n}]
    if any(status):
        sf = SurvfuncRight(np.asarray(times, dtype=float), np.asarray(status))
        z = st.norm.ppf(0.5 + CI_LEVEL / 2)
        for t, s_prob, se, at_risk, events in zip(sf.surv_times, sf.surv_prob, sf.surv_prob_se, sf.n_risk,
                                                  sf.n_events):
            lo = hi = np.nan
            if 0 < s_prob < 1 and se > 0:
                theta_se = se / (s_prob * abs(math.log(s_prob)))
                lo, hi = 1 - s_prob ** math.exp(-z * theta_se), 1 - s_prob ** math.exp(z * theta_se)
            rows.append({"week": int(t) if float(t).is_integer() else float(t), "n_at_risk": int(at_risk),
                         "n_events": int(events), "proportion": float(1 - s_prob), "ci_low": lo, "ci_high": hi,
                         "n": n})
    return pd.DataFrame(rows, columns=["week", "n_at_risk", "n_events", "proportion", "ci_low", "ci_high", "n"])
