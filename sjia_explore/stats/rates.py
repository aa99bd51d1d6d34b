"""Safety: adverse-event counts and exposure-adjusted rates with exact Poisson intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import CI_LEVEL, MONTHS_PER_YEAR, PATIENT_YEARS_UNIT, _as_float, _group_label, _joined, _require


def poisson_rate_ci(events: int, patient_years: float, ci_level: float = CI_LEVEL,
                    per: float = PATIENT_YEARS_UNIT) -> tuple[float, float, float]:
    """Event rate per ``per`` patient-years with its exact Poisson interval (chi-square method).

    lower = χ²(α/2; 2k) / 2, upper = χ²(1 − α/2; 2k + 2) / 2 events, each
    divided by the patient-years (lower = 0 when k = 0).

    Parameters
    ----------
    events
        Number of events k.
    patient_years
        Total time at risk, in years.
    ci_level
        Coverage (default 0.95).
    per
        Rate unit (default 100 patient-years).

    Returns
    -------
    tuple of float
        ``(rate, ci_low, ci_high)`` per ``per`` patient-years.

    Examples
    --------
    >>> [round(v, 1) for v in poisson_rate_ci(20, 11 * 0.5)]
    [363.6, 222.1, 561.6]
    """
    from scipy import stats as st

    if patient_years <= 0:
        raise ValueError(f"patient_years must be above 0, not {patient_years!r}")
    alpha = 1 - ci_level
    lo = 0.0 if events == 0 else st.chi2.ppf(alpha / 2, 2 * events) / 2
    hi = st.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    scale = per / patient_years
    return events * scale, float(lo * scale), float(hi * scale)


AE_COLUMNS = ["group", "n_patients", "n_events", "n_patients_with_event", "percent_patients_with_event",
              "patient_years", "rate_per_100_py", "ci_low", "ci_high", "note"]


def adverse_event_summary(adverse_events: pd.DataFrame, patients: pd.DataFrame,
                          follow_up_years: float | pd.Series | None = None, by: str | None = None,
                          subject: str = "patient_id") -> pd.DataFrame:
    """Adverse events: count, patients with at least one, and the exposure-adjusted rate.

    Parameters
    ----------
    adverse_events
        One row per event, with ``subject``. Not changed.
    patients
        One row per patient at risk (the denominator). Not changed.
    follow_up_years
        Time at risk: one number for every patient (Qiu 2024 counted 24 weeks
        as 0.5 years), or a Series of years indexed by patient. ``None``:
        ``patients["exposure_months"] / 12`` (time on drug), said so in the
        note; give the observation window instead when events were only
        recorded over part of the exposure.
    by
        Event column to break the counts down by (e.g. ``"term"`` or
        ``"category"``); a first row ``"all adverse events"`` is always given.
    subject
        Patient column.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group``, ``n_patients`` (at risk),
        ``n_events``, ``n_patients_with_event``,
        ``percent_patients_with_event``, ``patient_years``,
        ``rate_per_100_py``, ``ci_low``, ``ci_high`` (exact Poisson 95%),
        ``note``. Events of patients not in ``patients`` are left out and
        counted in the note.

    Examples
    --------
    >>> import pandas as pd
    >>> patients = pd.DataFrame({"patient_id": [f"P{i}" for i in range(11)]})
    >>> events = pd.DataFrame({"patient_id": ["P0"] * 13 + [f"P{i}" for i in range(1, 8)]})
    >>> r = adverse_event_summary(events, patients, follow_up_years=0.5).iloc[0]
    >>> int(r["n_events"]), int(r["n_patients_with_event"]), round(float(r["rate_per_100_py"]))
    (20, 8, 364)
    """
    _require(patients, [subject], "patients")
    _require(adverse_events, [subject] + ([by] if by else []), "adverse events")
    ids = pd.Index(patients[subject].drop_duplicates())
    notes = []
    if follow_up_years is None:
        _require(patients, ["exposure_months"], "patients")
        years = pd.Series(_as_float(patients["exposure_months"], "exposure_months") / MONTHS_PER_YEAR,
                          index=patients[subject]).groupby(level=0).first()
        notes.append("patient-years from exposure_months (time on drug)")
    elif isinstance(follow_up_years, pd.Series):
        years = follow_up_years.astype(float)
    else:
        years = pd.Series(float(follow_up_years), index=ids)
        notes.append(f"{float(follow_up_years):g} years of follow-up per patient")
    years = years.reindex(ids)
    if years.isna().any():
        k = int(years.isna().sum())
        notes.append(f"{k} patient{'s' if k != 1 else ''} without follow-up time left out of patient-years")
    py = float(years.sum(skipna=True))
    events = adverse_events.loc[adverse_events[subject].isin(ids)]
    outside = len(adverse_events) - len(events)
    if outside:
        notes.append(f"{outside} event{'s' if outside != 1 else ''} of patients not in the table left out")
    groups = [("all adverse events", events)]
    if by:
        for level, g in events.groupby(by, sort=True, dropna=False):
            groups.append((_group_label(level) or "not recorded", g))
    rows = []
    for label, g in groups:
        k = len(g)
        with_event = int(g[subject].nunique())
        row = {"group": label, "n_patients": len(ids), "n_events": k, "n_patients_with_event": with_event,
               "percent_patients_with_event": 100 * with_event / len(ids) if len(ids) else np.nan,
               "patient_years": py, "rate_per_100_py": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "note": _joined(*notes)}
        if py > 0:
            rate, lo, hi = poisson_rate_ci(k, py)
            row.update({"rate_per_100_py": rate, "ci_low": lo, "ci_high": hi})
        else:
            row["note"] = _joined(row["note"], "no follow-up time: no rate")
        rows.append(row)
    return pd.DataFrame(rows, columns=AE_COLUMNS)
