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
import re
import warnings
from collections.abc import Collection

import numpy as np
import pandas as pd

from sjia_explore.conventions import MIN_PATIENTS
from sjia_explore.schema import PATIENTS, TABLES

#: Fewest patients in every group for p-values to be shown (sjia_explore.conventions.MIN_PATIENTS).
MIN_PATIENTS_FOR_P = MIN_PATIENTS
#: Put before the label of a row whose values are reconstructed, not observed.
RECONSTRUCTED_PREFIX = "Reconstructed: "
#: Patient columns shown by default, in this order (those present in the table are used).
DEFAULT_CONTINUOUS = ("age_onset_years", "age_diagnosis_years", "months_onset_to_treatment",
                      "active_joints_baseline", "exposure_months", "prior_steroid_months")
DEFAULT_CATEGORICAL = ("sex", "fever", "rash", "lymphadenopathy", "myalgia", "prior_mas", "ferritin_gt_330",
                       "wbc_gt_15000", "esr_gt_20", "crp_gt_10", "transaminases_increased", "baseline_steroid")
#: Outcomes at week 0, from the visits, that Table 1 can show beside the patients' own columns
#: (:func:`with_week0_outcomes` adds them as ``<column>_week0``).
WEEK0_OUTCOMES = ("sjadas27", "physician_global", "esr_mm_h", "crp_mg_l", "ferritin_ng_ml", "il18_pg_ml",
                  "mrp8_14_ng_ml")
WEEK0_SUFFIX = "_week0"
DEFAULT_CONTINUOUS += tuple(c + WEEK0_SUFFIX for c in WEEK0_OUTCOMES)
#: Skewed by nature (durations since onset spread over years; joint counts; laboratory values): median [Q1, Q3].
DEFAULT_NONNORMAL = ("months_onset_to_treatment", "active_joints_baseline", "prior_steroid_months",
                     *(c + WEEK0_SUFFIX for c in WEEK0_OUTCOMES if c != "sjadas27"))
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
    "provenance": "Where the value came from",
    "sjadas27_week0": "sJADAS27 at week 0 (0–67)",
    "physician_global_week0": "Physician global at week 0 (0–10)",
    "esr_mm_h_week0": "ESR at week 0, mm/h",
    "crp_mg_l_week0": "CRP at week 0, mg/L",
    "ferritin_ng_ml_week0": "Ferritin at week 0, ng/mL",
    "il18_pg_ml_week0": "IL-18 at week 0, pg/mL",
    "mrp8_14_ng_ml_week0": "MRP8/14 at week 0, ng/mL",
}
YES, NO = "yes", "no"
#: Columns a derived grouping column is computed from: shown in Table 1, never tested (the test would be circular).
DERIVED_FROM = {
    "early": ("months_onset_to_treatment",),
    "duration_group": ("months_onset_to_treatment",),
}
#: Said in the ``Test`` column of a variable that defines the groups.
DEFINES_GROUPS = "defines the groups: not tested"
#: Largest number of ways to split the patients into the two groups for which a χ² statistic gets an exact
#: permutation p-value (beyond it: the χ² approximation, named).
EXACT_PERMUTATION_MAX_SPLITS = 200_000


def column_label(column: str, table: str | None = None) -> str:
    """A column's name in plain words, as Table 1 and the app print it (the raw name if nothing is known).

    From :data:`LABELS`, else the schema's description (its first clause) and unit,
    looked up in ``table`` first, then in every table of the schema.

    Examples
    --------
    >>> column_label("ferritin_gt_330"), column_label("steroid_mg_kg_day"), column_label("sjadas27")
    ('Ferritin > 330 ng/mL', 'Corticosteroid dose, prednisone equivalent, mg/kg/day', 'sJADAS27, 0–67 scale')
    >>> column_label("no_such_column")
    'no_such_column'
    """
    if column in LABELS:
        return LABELS[column]
    order = ([TABLES[table]] if table in TABLES else []) + [PATIENTS, *TABLES.values()]
    for schema_table in order:
        try:
            col = schema_table.column(column)
        except KeyError:
            continue
        depth, cut = 0, len(col.description)
        for i, ch in enumerate(col.description):  # the first clause: up to a ';' or ':' outside brackets
            depth += (ch == "(") - (ch == ")")
            if ch in ";:" and depth == 0:
                cut = i
                break
        text = col.description[:cut].rstrip(".").strip()
        return f"{text}, {col.unit}" if col.unit else text
    return column


_label = column_label


def with_week0_outcomes(patients: pd.DataFrame, visits: pd.DataFrame,
                        columns: Collection[str] = WEEK0_OUTCOMES) -> pd.DataFrame:
    """``patients`` with each outcome's value at the week-0 visit as ``<column>_week0`` (for Table 1).

    Only outcomes the visits hold are added; a patient without a week-0 value of one gets a missing
    value (counted in Table 1's ``Missing``). The inputs are not changed.

    Parameters
    ----------
    patients
        One row per patient (``patient_id``), e.g. ``cohort.patient_features()``.
    visits
        The visits (``patient_id``, ``week`` and the outcome columns).
    columns
        The outcomes to add (default :data:`WEEK0_OUTCOMES`).

    Returns
    -------
    pandas.DataFrame
        ``patients`` with the added columns, in the same row order.

    Examples
    --------
    >>> patients = pd.DataFrame({"patient_id": ["a", "b"]})
    >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b"], "week": [0, 4, 4], "crp_mg_l": [80.0, 5.0, 2.0]})
    >>> with_week0_outcomes(patients, visits)["crp_mg_l_week0"].tolist()
    [80.0, nan]
    """
    present = [c for c in columns if c in visits.columns]
    week = pd.to_numeric(visits["week"], errors="coerce")
    at0 = visits.loc[week == 0, ["patient_id", *present]].drop_duplicates("patient_id")
    at0 = at0.set_index("patient_id")
    out = patients.copy()
    for c in present:
        out[c + WEEK0_SUFFIX] = pd.to_numeric(out["patient_id"].map(at0[c]), errors="coerce").astype(float)
    return out


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
              nonnormal: list[str] | None = None, ledger=None, reconstructed: Collection[str] = (),
              defines_groups: Collection[str] | None = None) -> pd.DataFrame:
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
        A :class:`sjia_explore.stats.TestLedger` (or its ``scoped(selection)``)
        that records each p-value shown, one test per variable and grouping.
    defines_groups
        Columns that define the groups (default: ``groupby`` and the columns it
        is derived from, :data:`DERIVED_FROM`; e.g. the time from onset to
        treatment for early vs late). They are shown but never tested: their
        ``Test`` says :data:`DEFINES_GROUPS`.
    reconstructed
        Columns whose values are reconstructed, not observed (e.g.
        ``cohort.reconstructed_columns("patients")``); their rows are labelled
        ``Reconstructed: ...``.

    Returns
    -------
    pandas.DataFrame
        tableone's table, indexed by (variable, level), with columns
        ``Missing``, ``Overall``, one per group, and with groups ``P-Value``
        and ``Test`` (the test each row used). Yes/no columns show the "yes"
        row only. P-values are shown only when every group has at least 3
        patients, and for a variable only when every group has at least 3
        recorded values; ``table.attrs["note"]`` says when and why they were
        left out. Tests, exact wherever the data allow: two groups — Fisher's
        exact (2 × 2), the χ² statistic with an exact permutation p (more
        levels), exact Mann–Whitney U (median [Q1, Q3] rows), Welch's t (mean
        (SD) rows, exact under normality); more groups — one-way ANOVA,
        Kruskal–Wallis and χ² (approximations, named).

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
            notes.append(f"{dropped} patient{'s' if dropped != 1 else ''} without a value of {_label(groupby)} "
                         "left out")
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
                     nonnormal=[c for c in continuous if c in nonnormal_set], pval=False,
                     missing=True, include_null=False, limit={c: 1 for c in flags},
                     order={c: [YES, NO] for c in flags}, rename=rename, decimals=1, overall=True)
    table = t.tableone.copy()
    table.columns = [col[-1] if isinstance(col, tuple) else col for col in table.columns]
    if groupby is not None and len(groups) >= 2:
        defining = set(defines_groups) if defines_groups is not None else {groupby, *DERIVED_FROM.get(groupby, ())}
        marked = [c for c in columns if c in defining]
        if marked:
            notes.append(f"{', '.join(map(_label, marked))} define{'s' if len(marked) == 1 else ''} the groups: "
                         "not tested")
    else:
        defining, marked = set(), []
    if pval:
        table["P-Value"], table["Test"] = "", ""
        blanked = []
        for c in columns:
            rows = [ix for ix in table.index if ix[0].startswith(rename[c] + ",")]
            if not rows:
                continue
            if c in defining:
                table.loc[rows[0], "Test"] = DEFINES_GROUPS
                continue
            counts = data.groupby("_group")[c].count()
            if (counts.reindex(list(groups), fill_value=0) < MIN_PATIENTS_FOR_P).any():
                blanked.append(c)
                continue
            p, test = _test(data[c], data["_group"], c in categorical, c in nonnormal_set)
            if np.isfinite(p):
                table.loc[rows[0], ["P-Value", "Test"]] = [_format_p(p), test]
                if ledger is not None:
                    ledger.record_tests("Table 1", c, test, [f"grouped by {groupby}"],
                                        patients=patients["patient_id"] if "patient_id" in patients else None)
            else:
                table.loc[rows[0], "Test"] = test
        if blanked:
            notes.append(f"no p-value for {', '.join(map(_label, blanked))}: a group has fewer than "
                         f"{MIN_PATIENTS_FOR_P} "
                         "recorded values")
    _no_summary_from_too_few(table, data, continuous, rename, groupby is not None)
    table.attrs["note"] = "; ".join(notes)
    return table


def _no_summary_from_too_few(table: pd.DataFrame, data: pd.DataFrame, continuous: list[str], rename: dict,
                             grouped: bool) -> None:
    """Cells of a column with no value say ``no values`` (not ``nan [nan,nan]``), and a mean of one value has
    no SD: ``(n=1)`` in its place (not ``(0.0)``). In place."""
    labels = table.index.get_level_values(0)
    columns = ["Overall"] + ([str(g) for g in data["_group"].dropna().unique()] if grouped else [])
    for c in continuous:
        rows = [i for i, label in enumerate(labels) if str(label).startswith(rename[c] + ",")]
        if not rows:
            continue
        row = table.index[rows[0]]
        for column in columns:
            if column not in table.columns:
                continue
            values = data[c] if column == "Overall" else data.loc[data["_group"].astype(str) == column, c]
            n = int(values.notna().sum())
            cell = str(table.at[row, column])
            if n == 0:
                table.at[row, column] = "no values"
            elif n == 1 and str(row[0]).endswith("mean (SD)"):
                table.at[row, column] = re.sub(r"\s*\([^()]*\)\s*$", " (n=1)", cell)


def _format_p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _categorical_test(values: pd.Series, group: pd.Series) -> tuple[float, str]:
    from scipy import stats as st

    table = pd.crosstab(group, values)
    if table.shape[1] < 2:
        return np.nan, "no test: only one value recorded"
    if table.shape == (2, 2):
        return float(st.fisher_exact(table.to_numpy()).pvalue), "Fisher's exact"
    observed = table.to_numpy(float)
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True) / observed.sum()
    stat = float(((observed - expected) ** 2 / expected).sum())
    n, n1 = int(observed.sum()), int(observed[0].sum())
    if table.shape[0] == 2 and math.comb(n, n1) <= EXACT_PERMUTATION_MAX_SPLITS:
        import itertools

        level = pd.Categorical(values, categories=table.columns).codes
        onehot = np.eye(table.shape[1])[level]
        first = np.array(list(itertools.combinations(range(n), n1)))
        g1 = onehot[first].sum(axis=1)  # group 1's counts, every way of choosing its patients
        perm = np.stack([g1, onehot.sum(axis=0) - g1], axis=1)
        stats_ = ((perm - expected) ** 2 / expected).sum(axis=(1, 2))
        return float(np.mean(stats_ >= stat - 1e-9)), "χ² statistic, exact permutation p"
    return float(st.chi2.sf(stat, (table.shape[0] - 1) * (table.shape[1] - 1))), "χ² test (approximation)"


def _test(values: pd.Series, group: pd.Series, categorical: bool, nonnormal: bool) -> tuple[float, str]:
    """p-value and the name of the test of one Table 1 variable across the groups."""
    from scipy import stats as st

    from sjia_explore.stats.exact import _mann_whitney

    ok = values.notna() & group.notna()
    values, group = values[ok], group[ok]
    if categorical:
        return _categorical_test(values, group)
    samples = [values[group == g].to_numpy(float) for g in sorted(group.unique())]
    if np.unique(values).size < 2:
        return np.nan, "no test: every value is the same"
    if len(samples) == 2:
        if nonnormal:
            _, p, how = _mann_whitney(samples[0], samples[1])
            return p, f"Mann–Whitney U, {how}"
        return float(st.ttest_ind(samples[0], samples[1], equal_var=False).pvalue), "Welch's t-test"
    if nonnormal:
        return float(st.kruskal(*samples).pvalue), "Kruskal–Wallis (χ² approximation)"
    return float(st.f_oneway(*samples).pvalue), "one-way ANOVA"


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
