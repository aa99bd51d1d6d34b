"""Two groups of patients compared on their change from baseline: Mann–Whitney U and the Hodges–Lehmann shift."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._common import CI_LEVEL, HL_EXACT_MAX_PAIRS, MIN_PATIENTS, _few, _group_label, _joined, _long, _require
from .exact import _mann_whitney, _mann_whitney_null_cdf
from .ledger import TestLedger, _record


def hodges_lehmann(x, y, ci_level: float = CI_LEVEL) -> dict:
    """Hodges–Lehmann shift of ``x`` minus ``y`` with its distribution-free confidence interval.

    The estimate is the median of all ``len(x) × len(y)`` differences
    ``x_i − y_j``. The interval runs from the k-th smallest to the k-th
    largest difference, where k is the Mann–Whitney critical value: the
    smallest k with P(U ≤ k) ≥ (1 − ci_level)/2 under no difference
    (as R's ``wilcox.test(conf.int = TRUE)``). Exact critical values are
    used while ``len(x) × len(y)`` ≤ :data:`HL_EXACT_MAX_PAIRS`; ties make the
    coverage approximate.

    Parameters
    ----------
    x, y
        The two samples (missing values are dropped).
    ci_level
        Wanted coverage (default 0.95).

    Returns
    -------
    dict
        ``estimate``, ``ci_low``, ``ci_high``, ``ci_level`` (the coverage
        actually achieved, at least ``ci_level``) and ``note``. With samples
        too small for the wanted coverage, the interval is missing and the
        note says so.

    Examples
    --------
    >>> r = hodges_lehmann([5, 7, 9, 11, 13], [1, 2, 3, 4, 6])
    >>> r["estimate"], r["ci_low"], r["ci_high"], round(r["ci_level"], 4)  # 13th, 3rd and 23rd of 25
    (6.0, 1.0, 10.0, 0.9683)
    """
    from scipy import stats as st

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    m, n = x.size, y.size
    out = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "ci_level": np.nan, "note": ""}
    if m == 0 or n == 0:
        out["note"] = "a group has no values"
        return out
    diffs = np.sort((x[:, None] - y[None, :]).ravel())
    out["estimate"] = float(np.median(diffs))
    alpha = 1 - ci_level
    if m * n <= HL_EXACT_MAX_PAIRS:
        cdf = _mann_whitney_null_cdf(m, n)
        k = int(np.searchsorted(cdf, alpha / 2 - 1e-12))  # smallest k with P(U <= k) >= alpha/2
        achieved = 1 - 2 * (cdf[k - 1] if k >= 1 else 0.0)
        how = ""
    else:
        z = st.norm.ppf(1 - alpha / 2)
        k = int(math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12)))
        achieved = ci_level
        how = "interval from the normal approximation to the Mann–Whitney critical value"
    if k < 1:
        out["note"] = (f"groups of {m} and {n} are too small for a {ci_level:.0%} interval "
                       "(the smallest two-sided p-value possible is larger than its error rate)")
        return out
    out.update({"ci_low": float(diffs[k - 1]), "ci_high": float(diffs[m * n - k]), "ci_level": float(achieved)})
    ties = np.unique(np.concatenate([x, y])).size < m + n
    out["note"] = _joined(how, "tied values: the interval's coverage is approximate" if ties else "")
    return out



GROUP_COLUMNS = ["outcome", "week", "group_1", "group_2", "n_1", "n_2", "median_change_1", "median_change_2",
                 "hl_shift", "ci_low", "ci_high", "ci_level", "statistic", "p", "method", "note"]


def compare_groups(visits: pd.DataFrame, patients: pd.DataFrame, outcome: str, group_col: str, week: float,
                   baseline_week: float = 0, order: tuple[str, str] | None = None, subject: str = "patient_id",
                   time: str = "week", ledger: TestLedger | None = None) -> pd.DataFrame:
    """Compare the change from baseline at ``week`` between two groups of patients.

    Mann–Whitney U test (exact p for small groups; with ties, exact by
    enumerating every assignment of patients to the groups; two-sided p =
    twice the smaller tail, as scipy) and the
    Hodges–Lehmann shift with its distribution-free interval
    (:func:`hodges_lehmann`).

    Parameters
    ----------
    visits
        Long visit table. Not changed.
    patients
        One row per patient with ``group_col`` (e.g. from
        :meth:`sjia_explore.Cohort.patient_features`). Not changed.
    outcome
        Numeric visit column, e.g. ``"sjadas27"``.
    group_col
        Patient column with exactly two values (yes/no columns become
        ``"yes"``/``"no"``); patients with no value are left out.
    week
        Follow-up week at which the change (week − baseline) is compared.
    baseline_week
        Default 0.
    order
        ``(group_1, group_2)``: the shift is group_1 − group_2. Default: sorted labels.
    subject, time
        Patient and week columns.
    ledger
        A :class:`TestLedger`.

    Returns
    -------
    pandas.DataFrame
        One row: ``outcome``, ``week``, ``group_1``, ``group_2``, ``n_1``,
        ``n_2`` (patients with a value at both visits), ``median_change_1``,
        ``median_change_2``, ``hl_shift`` (group_1 − group_2), ``ci_low``,
        ``ci_high``, ``ci_level`` (achieved coverage), ``statistic`` (U of
        group_1), ``p``, ``method``, ``note``. ``p`` is NaN when a group has
        fewer than 3 patients or every change is the same.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": list("abcdefabcdef"), "week": [0] * 6 + [24] * 6,
    ...                        "sjadas27": [30, 25, 28, 20, 22, 26, 5, 3, 4, 12, 15, 10]})
    >>> patients = pd.DataFrame({"patient_id": list("abcdef"), "early": [True] * 3 + [False] * 3})
    >>> r = compare_groups(visits, patients, "sjadas27", "early", week=24, order=("yes", "no")).iloc[0]
    >>> int(r["n_1"]), int(r["n_2"]), float(r["hl_shift"]), round(float(r["p"]), 3)
    (3, 3, -15.0, 0.1)
    """
    _require(patients, [subject, group_col], "patients")
    long = _long(visits, outcome, subject, time)
    base = long.loc[long["week"] == baseline_week].set_index("subject")["value"]
    later = long.loc[long["week"] == week].set_index("subject")["value"]
    change = (later - base.reindex(later.index)).dropna()
    roster = patients[[subject, group_col]].drop_duplicates(subject)
    labels = {row[0]: _group_label(row[1]) for row in roster.itertuples(index=False)}
    present = sorted({v for v in labels.values() if v is not None})
    if order is None:
        if len(present) != 2:
            raise ValueError(f"{group_col} must have exactly two values to compare, it has "
                             f"{len(present)}: {', '.join(present) or 'none'}; choose a yes/no column "
                             "or give order=(group_1, group_2)")
        order = (present[0], present[1])
    g1, g2 = (str(order[0]), str(order[1]))
    unknown = [g for g in (g1, g2) if g not in present]
    # a group with no patient is allowed (n = 0), but not a name that matches nothing while other groups exist
    if unknown and present and (len(present) >= 2 or len(unknown) == 2):
        raise ValueError(f"order names {', '.join(map(repr, unknown))}, which {group_col} does not hold; its "
                         f"groups are {', '.join(map(repr, present))} (a yes/no column's are 'yes' and 'no')")
    x = np.array([c for s, c in change.items() if labels.get(s) == g1], dtype=float)
    y = np.array([c for s, c in change.items() if labels.get(s) == g2], dtype=float)
    row = {"outcome": outcome, "week": week, "group_1": g1, "group_2": g2, "n_1": x.size, "n_2": y.size,
           "median_change_1": float(np.median(x)) if x.size else np.nan,
           "median_change_2": float(np.median(y)) if y.size else np.nan,
           "hl_shift": np.nan, "ci_low": np.nan, "ci_high": np.nan, "ci_level": np.nan,
           "statistic": np.nan, "p": np.nan, "method": "Mann–Whitney U; Hodges–Lehmann shift", "note": ""}
    notes = []
    if x.size and y.size:
        hl = hodges_lehmann(x, y)
        row.update({"hl_shift": hl["estimate"], "ci_low": hl["ci_low"], "ci_high": hl["ci_high"],
                    "ci_level": hl["ci_level"]})
        notes.append(hl["note"])
    small = [(g, k) for g, k in ((g1, x.size), (g2, y.size)) if k < MIN_PATIENTS]
    if small:
        notes.insert(0, "; ".join(_few(k, f"in group {g} with a value at weeks {baseline_week:g} and {week:g}")
                                  for g, k in small))
    elif np.unique(np.concatenate([x, y])).size == 1:
        notes.insert(0, "every patient had the same change: no test is possible")
    else:
        u, p, how = _mann_whitney(x, y)
        row.update({"statistic": u, "p": p})
        notes.insert(0, f"p {how}")
    row["note"] = _joined(*notes)
    out = pd.DataFrame([row], columns=GROUP_COLUMNS)
    out = out.astype({"n_1": int, "n_2": int})
    _record(ledger, f"change at week {week:g}: {g1} vs {g2}", outcome, "mann_whitney", out["p"],
            [f"{group_col}; week {baseline_week:g} to {week:g}"],
            patients=[s for s, g in labels.items() if g in (g1, g2)])
    return out
