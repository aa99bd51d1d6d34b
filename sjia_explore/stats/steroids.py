"""Corticosteroids: steroid-free proportions, time to steroid-free, cumulative dose."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import CI_LEVEL, DAYS_PER_WEEK, MIN_PATIENTS, _joined, _long
from .survival import cumulative_incidence

STEROID_COLUMN = "steroid_mg_kg_day"


def _on_steroid_at_baseline(long: pd.DataFrame, baseline_week: float) -> set:
    base = long.loc[(long["week"] == baseline_week)]
    return set(base.loc[base["value"] > 0, "subject"])


#: Said wherever steroid-free is counted.
SUSTAINED_NOTE = "steroid-free = sustained: off at that visit and at every later visit observed"


def _off_status(long: pd.DataFrame, cohort) -> pd.DataFrame:
    """Per patient of ``cohort`` and visit with a dose: off (dose 0), sustained (off then and at every later
    visit with a dose), restarted_later (off then, on again at a later visit)."""
    rows = long.loc[long["subject"].isin(cohort)].dropna(subset=["value"]).sort_values(["subject", "week"])
    out = []
    for s, g in rows.groupby("subject", sort=False):
        off = (g["value"] == 0).to_numpy()
        # off at this visit and at every later one: a reversed cumulative "all"
        sustained = np.flip(np.logical_and.accumulate(np.flip(off)))
        for w, o, su in zip(g["week"], off, sustained):
            out.append({"subject": s, "week": w, "off": bool(o), "sustained": bool(su),
                        "restarted_later": bool(o and not su)})
    return pd.DataFrame(out, columns=["subject", "week", "off", "sustained", "restarted_later"])


def _restart_words(k: int) -> str:
    return (f"{k} patient{'s' if k != 1 else ''} off at this visit restarted later: not counted as steroid-free"
            if k else "")


def steroid_free(visits: pd.DataFrame, dose: str = STEROID_COLUMN, baseline_week: float = 0,
                 subject: str = "patient_id", time: str = "week") -> pd.DataFrame:
    """Proportion (sustained) steroid-free at each visit, among patients on corticosteroid at baseline.

    A patient counts as steroid-free at a visit only when the dose is 0 then
    **and at every later visit with a recorded dose** (sustained); a patient
    who stops and restarts is counted as on steroid, and the restart is said
    in the note and counted in ``k_restarted_later``.

    Parameters
    ----------
    visits
        Long visit table with the daily dose (0 when off steroid). Not changed.
    dose
        Dose column (default ``steroid_mg_kg_day``).
    baseline_week
        Patients with a dose above 0 at this week are followed (default 0).
    subject, time
        Patient and week columns.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week``, ``n`` (patients on steroid at baseline
        with a dose recorded that week), ``n_missing`` (of them, without a
        recorded dose), ``k`` (sustained steroid-free), ``proportion``,
        ``ci_low``, ``ci_high`` (exact Clopper–Pearson 95%), ``note``,
        ``k_off_at_visit`` (dose 0 at that visit, sustained or not) and
        ``k_restarted_later`` (off at that visit, on again later).

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": list("abcdabcd"), "week": [0] * 4 + [12] * 4,
    ...                        "steroid_mg_kg_day": [1.0, 0.5, 0.8, 0.0, 0.0, 0.0, 0.2, 0.0]})
    >>> steroid_free(visits)[["week", "n", "k", "proportion"]]
       week  n  k  proportion
    0     0  3  0    0.000000
    1    12  3  2    0.666667
    """
    from scipy import stats as st

    long = _long(visits, dose, subject, time)
    cohort = _on_steroid_at_baseline(long, baseline_week)
    status = _off_status(long, cohort)
    rows = []
    for w in sorted(long["week"].unique().tolist()):
        at = status.loc[status["week"] == w]
        n = int(at["subject"].nunique())
        k = int(at["sustained"].sum())
        restarted = int(at["restarted_later"].sum())
        row = {"week": w, "n": n, "n_missing": len(cohort) - n, "k": k, "proportion": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "note": "", "k_off_at_visit": int(at["off"].sum()),
               "k_restarted_later": restarted}
        if n == 0:
            row["note"] = "no patient on steroid at baseline has a dose recorded at this visit"
        else:
            ci = st.binomtest(k, n).proportion_ci(confidence_level=CI_LEVEL, method="exact")
            row.update({"proportion": k / n, "ci_low": float(ci.low), "ci_high": float(ci.high)})
            row["note"] = _joined(f"only {n} patient{'s' if n != 1 else ''}: the interval is very wide"
                                  if n < MIN_PATIENTS else "", _restart_words(restarted), SUSTAINED_NOTE)
        rows.append(row)
    return pd.DataFrame(rows, columns=["week", "n", "n_missing", "k", "proportion", "ci_low", "ci_high", "note",
                                       "k_off_at_visit", "k_restarted_later"])


def time_to_steroid_free(visits: pd.DataFrame, dose: str = STEROID_COLUMN, baseline_week: float = 0,
                         subject: str = "patient_id", time: str = "week") -> pd.DataFrame:
    """Kaplan–Meier estimate of the proportion (sustained) steroid-free over time, among those on steroid at baseline.

    The event is the first visit from which the dose stays 0 at every later
    visit observed (sustained steroid-free); a patient who stops and restarts
    is not counted as stopping then (the restart is counted in
    ``n_restarted`` and said in the note), and a patient on steroid at the
    last visit is censored there. Stopping is only seen at visits, so
    the true time lies between that visit and the one before (the estimate
    is shifted late). Uses :class:`statsmodels.duration.survfunc.SurvfuncRight`;
    the pointwise 95% interval is the log(−log) transform of Greenwood's
    standard error.

    Parameters
    ----------
    visits, dose, baseline_week, subject, time
        As in :func:`steroid_free`.

    Returns
    -------
    pandas.DataFrame
        The baseline row and one row per visit week at which someone stopped:
        ``week``, ``n_at_risk``, ``n_events`` (stopped at that visit),
        ``proportion_steroid_free`` (1 − Kaplan–Meier survival), ``ci_low``,
        ``ci_high``, ``n`` (patients followed), ``note``, ``n_restarted``
        (patients who stopped and started again at a later visit).

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": list("abcabc"), "week": [0, 0, 0, 12, 12, 12],
    ...                        "steroid_mg_kg_day": [1.0, 0.5, 0.8, 0.0, 0.0, 0.2]})
    >>> time_to_steroid_free(visits)[["week", "n_at_risk", "n_events", "proportion_steroid_free"]]
       week  n_at_risk  n_events  proportion_steroid_free
    0     0          3         0                 0.000000
    1    12          3         2                 0.666667
    """
    long = _long(visits, dose, subject, time).dropna(subset=["value"])
    cohort = sorted(_on_steroid_at_baseline(long, baseline_week), key=str)
    columns = ["week", "n_at_risk", "n_events", "proportion_steroid_free", "ci_low", "ci_high", "n", "note",
               "n_restarted"]
    first = {"week": baseline_week, "n_at_risk": len(cohort), "n_events": 0, "proportion_steroid_free": 0.0,
             "ci_low": np.nan, "ci_high": np.nan, "n": len(cohort), "note": "", "n_restarted": 0}
    if not cohort:
        first.update({"proportion_steroid_free": np.nan, "note": "no patient was on steroid at baseline"})
        return pd.DataFrame([first], columns=columns)
    after_all = _off_status(long.loc[long["week"] > baseline_week], cohort)
    times, status, restarted = [], [], 0
    for s in cohort:
        after = after_all.loc[after_all["subject"] == s]
        stayed_off = after.loc[after["sustained"], "week"]
        restarted += bool(after["restarted_later"].any())
        if len(stayed_off):
            times.append(float(stayed_off.iloc[0]))
            status.append(1)
        else:
            times.append(float(after["week"].max()) if len(after) else float(baseline_week))
            status.append(0)
    note = _joined(SUSTAINED_NOTE, "stopping is only seen at visits (interval-censored): the times are those visits")
    if restarted:
        note = _joined(note, f"{restarted} patient{'s' if restarted != 1 else ''} stopped and restarted: counted "
                             "from the visit after which they stayed off, or censored if they never did")
    if len(cohort) < MIN_PATIENTS:
        note = _joined(f"only {len(cohort)} patient{'s' if len(cohort) != 1 else ''} followed", note)
    first.update({"note": note, "n_restarted": restarted})
    rows = [first]
    if not any(status):
        return pd.DataFrame(rows, columns=columns)
    steps = cumulative_incidence(times, status, start=baseline_week).iloc[1:]
    for step in steps.itertuples(index=False):
        inside = 0 < step.proportion < 1
        rows.append({"week": step.week, "n_at_risk": step.n_at_risk, "n_events": step.n_events,
                     "proportion_steroid_free": step.proportion, "ci_low": step.ci_low, "ci_high": step.ci_high,
                     "n": len(cohort), "n_restarted": restarted,
                     "note": note if inside else _joined(note, "no interval when everyone or no one has stopped")})
    return pd.DataFrame(rows, columns=columns)


def cumulative_steroid_dose(visits: pd.DataFrame, dose: str = STEROID_COLUMN, subject: str = "patient_id",
                            time: str = "week", up_to_week: float | None = None) -> pd.DataFrame:
    """Cumulative corticosteroid dose per patient, by the trapezoid rule over the visit weeks.

    The daily dose is assumed to change linearly between visits; the area
    under dose (mg/kg/day) × time (days) is in mg/kg. Visits without a
    recorded dose are skipped (the line is drawn across them) and counted in
    the note.

    Parameters
    ----------
    visits
        Long visit table. Not changed.
    dose
        Daily dose column in mg/kg/day (default ``steroid_mg_kg_day``).
    subject, time
        Patient and week columns.
    up_to_week
        Last week included (default: every visit).

    Returns
    -------
    pandas.DataFrame
        One row per patient: ``patient_id`` (the ``subject`` column),
        ``from_week``, ``to_week``, ``n_visits`` (with a dose),
        ``cumulative_mg_kg``, ``note``.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": ["a"] * 3, "week": [0, 4, 12],
    ...                        "steroid_mg_kg_day": [1.0, 0.5, 0.0]})
    >>> float(cumulative_steroid_dose(visits)["cumulative_mg_kg"].iloc[0])  # (1+0.5)/2*28 + 0.5/2*56
    35.0
    """
    long = _long(visits, dose, subject, time)
    if up_to_week is not None:
        long = long.loc[long["week"] <= up_to_week]
    rows = []
    for s, g in long.groupby("subject", sort=True):
        g = g.sort_values("week")
        have = g.dropna(subset=["value"])
        missing = len(g) - len(have)
        note = f"{missing} visit{'s' if missing != 1 else ''} without a recorded dose skipped" if missing else ""
        if len(have) < 2:
            total = np.nan
            note = _joined("fewer than two visits with a dose: no area can be computed", note)
        else:
            days = have["week"].to_numpy(float) * DAYS_PER_WEEK
            total = float(np.trapezoid(have["value"].to_numpy(float), days))
        rows.append({subject: s, "from_week": have["week"].min() if len(have) else np.nan,
                     "to_week": have["week"].max() if len(have) else np.nan, "n_visits": len(have),
                     "cumulative_mg_kg": total, "note": note})
    return pd.DataFrame(rows, columns=[subject, "from_week", "to_week", "n_visits", "cumulative_mg_kg", "note"])
