"""Table 1 (baseline characteristics) of any cohort or subgroup, with honest small-n defaults.

A thin wrapper around :class:`tableone.TableOne`: the columns, labels and
choices a reader of an sJIA cohort expects, in one function. ``tableone`` is
imported only when a table is made.

Examples
--------
>>> import pandas as pd
>>> patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "sex": ["F", "F", "M"],
...                          "age_onset_years": [3.0, 5.0, 7.0], "fever": [True, False, True]})
>>> t = table_one(patients)
>>> t.loc[("Age at onset, years, mean (SD)", ""), "Overall"]
'5.0 (2.0)'
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection

import numpy as np
import pandas as pd

from sjia_explore.schema import PATIENTS

#: Fewest patients in every group for p-values to be shown.
MIN_PATIENTS_FOR_P = 3
#: Put before the label of a row whose values are reconstructed, not observed.
RECONSTRUCTED_PREFIX = "Reconstructed: "
#: Patient columns shown by default, in this order (those present in the table are used).
DEFAULT_CONTINUOUS = ("age_onset_years", "age_diagnosis_years", "months_onset_to_treatment",
                      "active_joints_baseline", "exposure_months", "prior_steroid_months")
DEFAULT_CATEGORICAL = ("sex", "fever", "rash", "lymphadenopathy", "myalgia", "prior_mas", "ferritin_gt_330",
                       "wbc_gt_15000", "esr_gt_20", "crp_gt_10", "transaminases_increased", "baseline_steroid")
#: Skewed by nature (durations since onset spread over years; joint counts): median [Q1, Q3].
DEFAULT_NONNORMAL = ("months_onset_to_treatment", "active_joints_baseline", "prior_steroid_months")
#: Row labels (short, with units); other columns are labelled from their schema description.
LABELS = {
    "age_onset_years": "Age at onset, years",
    "age_diagnosis_years": "Age at diagnosis, years",
    "months_onset_to_treatment": "Onset to treatment, months",
    "active_joints_baseline": "Active joints at week 0",
    "exposure_months": "Time on treatment, months",
    "prior_steroid_months": "Corticosteroid before week 0, months",
    "sex": "Sex",
    "fever": "Fever",
    "rash": "Rash",
    "lymphadenopathy": "Lymphadenopathy",
    "myalgia": "Myalgia",
    "prior_mas": "MAS before week 0",
    "ferritin_gt_330": "Ferritin > 330 ng/mL",
    "wbc_gt_15000": "WBC > 15,000/mm³",
    "esr_gt_20": "ESR > 20 mm/h",
    "crp_gt_10": "CRP > 10 mg/L",
    "transaminases_increased": "Increased transaminases",
    "baseline_steroid": "On corticosteroid at week 0",
    "early": "Treated early (before the cut-off)",
    "duration_group": "Onset to treatment",
    "prior_biologics": "Biologics before week 0",
    "study": "Study",
}
YES, NO = "yes", "no"


def _label(column: str) -> str:
    if column in LABELS:
        return LABELS[column]
    try:
        col = PATIENTS.column(column)
    except KeyError:
        return column
    text = col.description.rstrip(".")
    return f"{text}, {col.unit}" if col.unit else text


def _is_flag(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    values = set(series.dropna().tolist())
    return bool(values) and values <= {True, False}


def _as_category(series: pd.Series) -> pd.Series:
    """Yes/no flags as 'yes'/'no', anything else as text; missing as None (counted as missing)."""
    if _is_flag(series):
        mapped = [None if pd.isna(v) else (YES if bool(v) else NO) for v in series.tolist()]
    else:
        mapped = [None if pd.isna(v) else str(v) for v in series.tolist()]
    return pd.Series(mapped, index=series.index, dtype=object)


def table_one(patients: pd.DataFrame, groupby: str | None = None, columns: list[str] | None = None,
              nonnormal: list[str] | None = None, ledger=None, reconstructed: Collection[str] = ()) -> pd.DataFrame:
    """Table 1 of a cohort: counts with percentages, means (SD) or medians [Q1, Q3], missing values.

    Parameters
    ----------
    patients
        One row per patient (e.g. ``cohort.patients`` or
        ``cohort.patient_features()``, which adds ``baseline_steroid``,
        ``early`` and ``duration_group``). Not changed.
    groupby
        Column to split the table by (e.g. ``"duration_group"``, ``"study"``).
        Patients with no value in it are left out (said in the note).
    columns
        Columns to show; default: those of :data:`DEFAULT_CONTINUOUS` and
        :data:`DEFAULT_CATEGORICAL` present in ``patients`` (and not entirely empty).
    nonnormal
        Numeric columns summarised as median [Q1, Q3] instead of mean (SD);
        default :data:`DEFAULT_NONNORMAL`.
    ledger
        A :class:`sjia_explore.stats.TestLedger` that records the p-values shown.
    reconstructed
        Columns whose values are reconstructed, not observed (e.g.
        ``cohort.reconstructed_columns("patients")``); their rows are labelled
        ``Reconstructed: ...``.

    Returns
    -------
    pandas.DataFrame
        tableone's table, indexed by (variable, level), with columns
        ``Missing``, ``Overall``, one per group, and with groups ``P-Value``
        and ``Test``. Yes/no columns show the "yes" row only. P-values are
        shown only when every group has at least 3 patients, and for a
        variable only when every group has at least 3 recorded values;
        ``table.attrs["note"]`` says when and why they were left out.

    Examples
    --------
    >>> import pandas as pd
    >>> patients = pd.DataFrame({"patient_id": list("abcd"), "sex": ["F", "F", "M", "F"],
    ...                          "early": [True, True, False, False]})
    >>> t = table_one(patients, groupby="early")
    >>> t.loc[("Sex, n (%)", "F"), "Overall"]
    '3 (75.0)'
    >>> t.attrs["note"]
    'no p-values: group no has only 2 patients, group yes has only 2 patients (fewer than 3)'
    """
    from tableone import TableOne

    if columns is None:
        columns = [c for c in DEFAULT_CONTINUOUS + DEFAULT_CATEGORICAL
                   if c in patients.columns and patients[c].notna().any() and c != groupby]
    missing = [c for c in columns if c not in patients.columns]
    if missing:
        raise KeyError(f"patients has no column {', '.join(map(repr, missing))}")
    nonnormal_set = set(DEFAULT_NONNORMAL if nonnormal is None else nonnormal)
    data = pd.DataFrame(index=patients.index)
    categorical, continuous = [], []
    for c in columns:
        s = patients[c]
        if pd.api.types.is_numeric_dtype(s.dtype) and not _is_flag(s):
            data[c] = pd.to_numeric(s).astype(float)
            continuous.append(c)
        else:
            data[c] = _as_category(s)
            categorical.append(c)
    notes = []
    groups: dict[str, int] = {}
    if groupby is not None:
        if groupby not in patients.columns:
            raise KeyError(f"patients has no column {groupby!r} to group by")
        data["_group"] = _as_category(patients[groupby])
        dropped = int(data["_group"].isna().sum())
        if dropped:
            notes.append(f"{dropped} patient{'s' if dropped != 1 else ''} without a value of {groupby} left out")
            data = data.loc[data["_group"].notna()]
        groups = data["_group"].value_counts().sort_index().to_dict()
    small = {g: n for g, n in groups.items() if n < MIN_PATIENTS_FOR_P}
    pval = groupby is not None and len(groups) >= 2 and not small
    if groupby is not None and small:
        notes.append("no p-values: " + ", ".join(f"group {g} has only {n} patient{'s' if n != 1 else ''}"
                                                   for g, n in small.items())
                     + f" (fewer than {MIN_PATIENTS_FOR_P})")
    elif groupby is not None and len(groups) < 2:
        notes.append("no p-values: only one group")
    flags = [c for c in categorical if set(data[c].dropna()) <= {YES, NO}]
    rename = {c: (RECONSTRUCTED_PREFIX if c in set(reconstructed) else "") + _label(c) for c in columns}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tableone warns on small groups; the note says what matters
        t = TableOne(data, columns=columns, categorical=categorical, continuous=continuous,
                     groupby="_group" if groupby is not None else None,
                     nonnormal=[c for c in continuous if c in nonnormal_set], pval=pval, htest_name=pval,
                     missing=True, include_null=False, limit={c: 1 for c in flags},
                     order={c: [YES, NO] for c in flags}, rename=rename, decimals=1, overall=True)
    table = t.tableone.copy()
    table.columns = [col[-1] if isinstance(col, tuple) else col for col in table.columns]
    if pval:
        blanked = []
        for c in columns:
            counts = data.groupby("_group")[c].count()
            if (counts.reindex(list(groups), fill_value=0) < MIN_PATIENTS_FOR_P).any():
                rows = [ix for ix in table.index if ix[0].startswith(rename[c] + ",")]
                table.loc[rows, ["P-Value", "Test"]] = ""
                blanked.append(c)
        if blanked:
            notes.append(f"no p-value for {', '.join(blanked)}: a group has fewer than {MIN_PATIENTS_FOR_P} "
                         "recorded values")
        if ledger is not None:
            shown = int((table["P-Value"].astype(str).str.strip() != "").sum())
            ledger.record("Table 1", ", ".join(columns), "tableone", shown)
    table.attrs["note"] = "; ".join(notes)
    return table


def mean_sd(values) -> tuple[float, float, int]:
    """Mean, sample SD (n − 1) and n of the non-missing values: the numbers behind "mean (SD)".

    Examples
    --------
    >>> mean_sd([3.0, 5.0, None, 7.0])
    (5.0, 2.0, 3)
    """
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="raise").astype(float).dropna().to_numpy()
    n = int(v.size)
    mean = float(v.mean()) if n else math.nan
    sd = float(np.std(v, ddof=1)) if n >= 2 else math.nan
    return mean, sd, n
