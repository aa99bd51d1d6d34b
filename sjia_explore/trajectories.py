"""Per-visit summaries of an outcome: n, mean, SD, 95% CI, median and quartiles, per group.

These are the numbers behind every trajectory chart of the app. They are plain
functions of long (one row per patient and week) data and never change the
frames they are given.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "week": [0, 4, 0, 4],
...                        "active_joints": [6, 1, 4, 0]})
>>> summarise(visits, "active_joints")[["group", "week", "n", "mean"]]
  group  week  n  mean
0   all     0  2   5.0
1   all     4  2   0.5
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Label of the single group used when no grouping column is given.
ALL_GROUP = "all"
#: Label of patients whose grouping value is not recorded.
MISSING_GROUP = "not recorded"
#: Coverage of the confidence interval of the mean.
CI_LEVEL = 0.95

SUMMARY_COLUMNS = ["group", "week", "n", "n_missing", "mean", "sd", "ci_low", "ci_high", "median", "q1", "q3"]
PATIENT_COLUMNS = ["patient_id", "group", "week", "value"]


def _t_quantile(p: float, dof: np.ndarray) -> np.ndarray:
    """Quantile of Student's t (scipy.special is much lighter to import than scipy.stats)."""
    from scipy.special import stdtrit

    return stdtrit(dof, p)


def _group_label(value) -> str:
    """Words for one value of a grouping column (booleans as yes/no, missing as 'not recorded')."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return MISSING_GROUP
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return str(value)


def _check_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} has no column {', '.join(repr(c) for c in missing)}; "
                       f"its columns are {', '.join(map(str, df.columns))}")


def _long_values(visits: pd.DataFrame, outcome: str, by: str | None, patients: pd.DataFrame | None,
                 weeks: Iterable[int] | None) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """Shared preparation: (patient_id, group, week, value) rows; (patient_id, group) roster; weeks."""
    _check_columns(visits, ["patient_id", "week", outcome], "visits")
    if by is not None and patients is None:
        raise ValueError(f"grouping by {by!r} needs the patients table (e.g. cohort.patient_features())")
    if patients is not None:
        _check_columns(patients, ["patient_id"] + ([by] if by is not None else []), "patients")
        roster = patients[["patient_id"] + ([by] if by is not None else [])].drop_duplicates("patient_id")
    else:
        roster = pd.DataFrame({"patient_id": visits["patient_id"].drop_duplicates()})
    roster = roster.copy()
    if by is None:
        roster["group"] = ALL_GROUP
    else:  # label each distinct value once, then spread the labels by code
        codes, uniques = pd.factorize(roster[by], use_na_sentinel=True)
        labels = np.array([_group_label(u) for u in uniques] + [MISSING_GROUP], dtype=object)
        roster["group"] = labels[codes]
    roster = roster[["patient_id", "group"]].reset_index(drop=True)

    rows = visits.loc[visits["patient_id"].isin(roster["patient_id"]), ["patient_id", "week", outcome]]
    rows = rows.loc[rows["week"].notna()]
    if weeks is None:
        week_list = sorted(int(w) for w in rows["week"].unique())
    else:
        week_list = sorted({int(w) for w in weeks})
        rows = rows.loc[rows["week"].isin(week_list)]
    dup = rows.duplicated(["patient_id", "week"], keep=False)
    if dup.any():
        first = rows.loc[dup].iloc[0]
        raise ValueError(f"visits has more than one row for patient {first['patient_id']} at week "
                         f"{int(first['week'])}; keep one row per patient and week")
    values = pd.to_numeric(rows[outcome].astype("Float64"), errors="coerce").astype(float)
    out = pd.DataFrame({"patient_id": rows["patient_id"].to_numpy(), "week": rows["week"].astype(int).to_numpy(),
                        "value": values.to_numpy()})
    out = out.merge(roster, on="patient_id", how="left")
    return out, roster, week_list


def group_order(groups: Iterable[str]) -> list[str]:
    """Groups sorted by name, with 'not recorded' last."""
    present = set(groups.unique() if hasattr(groups, "unique") else groups)
    return sorted(present - {MISSING_GROUP}) + ([MISSING_GROUP] if MISSING_GROUP in present else [])


def summarise(visits: pd.DataFrame, outcome: str, by: str | None = None,
              patients: pd.DataFrame | None = None, weeks: Iterable[int] | None = None) -> pd.DataFrame:
    """Summarise ``outcome`` at each visit week, for each group of patients.

    Parameters
    ----------
    visits
        Long visit table: one row per patient and week, with ``patient_id``,
        ``week`` (weeks since the IL-1 blocker was started) and ``outcome``.
    outcome
        Numeric column of ``visits`` to summarise, e.g. ``"active_joints"``,
        ``"sjadas27"`` or ``"steroid_mg_kg_day"``.
    by
        Patient-level column of ``patients`` to group by, e.g.
        ``"duration_group"``, ``"prior_mas"``, ``"sex"`` or ``"study"``.
        ``None``: one group called ``"all"``. Yes/no columns are labelled
        ``"yes"``/``"no"``; patients with no value are grouped as ``"not recorded"``.
    patients
        Patient table (e.g. :meth:`sjia_explore.Cohort.patient_features`).
        When given, it is the list of patients summarised: visits of other
        patients are ignored, and a patient with no value at a week counts in
        ``n_missing``. Required when ``by`` is given.
    weeks
        Weeks to report (e.g. ``[0, 4, 8, 12, 24]``); a week with no data
        still gets a row, with ``n`` = 0. ``None``: every week in ``visits``.

    Returns
    -------
    pandas.DataFrame
        One row per group and week, sorted by group then week, with columns
        ``group``, ``week``, ``n`` (patients with a value), ``n_missing``
        (patients of the group without a value at that week, whether the
        visit row is absent or its value is empty), ``mean``, ``sd`` (sample
        SD, n − 1), ``ci_low``/``ci_high`` (95% confidence interval of the mean
        from Student's t with n − 1 degrees of freedom; missing when n < 2),
        ``median``, ``q1``, ``q3`` (quartiles, linear interpolation as in
        :meth:`pandas.Series.quantile`).

    Examples
    --------
    >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b", "c"],
    ...                        "week": [0, 4, 0, 4, 0], "active_joints": [6, 1, 4, 0, 2]})
    >>> patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "sex": ["F", "F", "M"]})
    >>> s = summarise(visits, "active_joints", by="sex", patients=patients)
    >>> s[["group", "week", "n", "n_missing", "mean"]]
      group  week  n  n_missing  mean
    0     F     0  2          0   5.0
    1     F     4  2          0   0.5
    2     M     0  1          0   2.0
    3     M     4  0          1   NaN
    >>> print(round(s.loc[0, "ci_high"], 2))  # 5 + t(0.975, 1) * sd / sqrt(2)
    17.71
    """
    values, roster, week_list = _long_values(visits, outcome, by, patients, weeks)
    group_size = roster.groupby("group")["patient_id"].nunique()
    present = values.dropna(subset=["value"])
    group_of, week_of = present["group"].to_numpy(), present["week"].to_numpy()
    value_of = present["value"].to_numpy(dtype=float)
    records = []
    for group in group_order(roster["group"]):
        in_group = group_of == group
        for week in week_list:
            v = value_of[in_group & (week_of == week)]
            n = int(v.size)
            q1, median, q3 = np.percentile(v, [25, 50, 75]) if n else (np.nan,) * 3  # linear, as pandas
            records.append({
                "group": group, "week": int(week), "n": n, "n_missing": int(group_size.get(group, 0)) - n,
                "mean": v.mean() if n else np.nan,
                "sd": v.std(ddof=1) if n >= 2 else np.nan,  # the t-interval needs n >= 2
                "median": median, "q1": q1, "q3": q3,
            })
    out = pd.DataFrame.from_records(
        records, columns=["group", "week", "n", "n_missing", "mean", "sd", "median", "q1", "q3"])
    out = out.astype({"group": str, "week": int, "n": int, "n_missing": int,
                      "mean": float, "sd": float, "median": float, "q1": float, "q3": float})
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = _t_quantile(0.5 + CI_LEVEL / 2, np.where(n >= 2, n - 1, np.nan)) * out["sd"].to_numpy() / np.sqrt(n)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[SUMMARY_COLUMNS]


def patient_values(visits: pd.DataFrame, outcome: str, by: str | None = None,
                   patients: pd.DataFrame | None = None, weeks: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per patient and week with a value: the points behind :func:`summarise` (for spaghetti plots).

    Parameters are those of :func:`summarise`.

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id``, ``group``, ``week``, ``value``; rows with no
        value are left out; sorted by group, patient and week.

    Examples
    --------
    >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b"], "week": [0, 4, 0],
    ...                        "active_joints": [6, None, 4]})
    >>> patient_values(visits, "active_joints")
      patient_id group  week  value
    0          a   all     0    6.0
    1          b   all     0    4.0
    """
    values, roster, _ = _long_values(visits, outcome, by, patients, weeks)
    order = {g: i for i, g in enumerate(group_order(roster["group"]))}
    out = values.dropna(subset=["value"]).copy()
    out["_order"] = out["group"].map(order)
    out = out.sort_values(["_order", "patient_id", "week"], kind="stable")
    out["patient_id"] = out["patient_id"].astype(str)
    return out[PATIENT_COLUMNS].reset_index(drop=True)
