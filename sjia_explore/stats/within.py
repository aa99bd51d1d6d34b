"""Change from baseline within patients: the paper's ANOVA, repeated-measures ANOVA, Friedman, mixed model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._common import (
    MIN_PATIENTS,
    _Analysis,
    _base_rows,
    _empty_omnibus,
    _few,
    _holm,
    _is_zero,
    _joined,
    _long,
    _usable_weeks,
    _weeks_tuple,
)
from .exact import _signed_rank, friedman_exact_p
from .ledger import TestLedger, _record
from .mixed import _mixed

METHODS = ("paper", "rm_anova", "friedman", "mixed")
#: What each method does, in words (shown in the app's statistics panel).
METHOD_DESCRIPTIONS = {
    "paper": ("one-way ANOVA treating visits as independent groups, Bonferroni-corrected t-tests of each "
              "week vs week 0 on the pooled error (as in Qiu 2024)"),
    "rm_anova": ("repeated-measures ANOVA (Greenhouse–Geisser corrected), paired t-tests vs week 0, "
                 "Holm-adjusted; complete cases"),
    "friedman": ("Friedman test (exact permutation p while the orderings can be counted, else the χ² "
                 "approximation, named), Wilcoxon signed-rank tests vs week 0 (exact), Holm-adjusted; complete cases"),
    "mixed": ("linear mixed model (random intercept per patient, week as category; uses patients with missing "
              "visits), Holm-adjusted: t and F on between-within degrees of freedom from 6 patients, exact "
              "sign-flip permutation below 6, no p-value when the fit is degenerate"),
}
#: Said on every row of the paper's method.
PAPER_PAIRING_NOTE = "visits treated as independent groups: the pairing of each patient's visits is ignored"

VS_BASELINE_COLUMNS = ["outcome", "week", "n", "mean", "diff_vs_baseline", "statistic", "p", "p_adjusted",
                       "method", "test", "note"]
OMNIBUS_COLUMNS = ["outcome", "method", "test", "n", "n_observations", "weeks", "statistic", "df1", "df2", "p",
                   "note"]



# --- the four methods ---------------------------------------------------------------

def _paper(long: pd.DataFrame, outcome: str, baseline: float) -> _Analysis:
    from scipy import stats as st

    method, test = "paper", "Bonferroni t (pooled ANOVA error)"
    weeks = sorted(long["week"].unique().tolist())
    follow_up = [w for w in weeks if w != baseline]
    rows = _base_rows(long, follow_up, outcome, method, test)
    for r in rows.values():
        r["note"] = PAPER_PAIRING_NOTE
    usable, counts = _usable_weeks(long)
    groups = {w: long.loc[(long["week"] == w), "value"].dropna().to_numpy() for w in usable}
    n_obs = int(sum(g.size for g in groups.values()))
    n_patients = int(long.loc[long["week"].isin(usable)].dropna(subset=["value"])["subject"].nunique())
    omni_test = "one-way ANOVA F (visits as independent groups)"
    for w in follow_up:
        if w not in usable:
            rows[w]["note"] = _joined(_few(counts[w], f"with a value at week {w:g}"), PAPER_PAIRING_NOTE)
    if baseline not in usable or len(usable) < 2:
        why = (_few(counts.get(baseline, 0), f"with a value at week {baseline:g}") if baseline not in usable
               else f"fewer than two visits have {MIN_PATIENTS} or more patients")
        for r in rows.values():
            r["note"] = _joined(why, PAPER_PAIRING_NOTE)
        return _Analysis(list(rows.values()),
                         _empty_omnibus(outcome, method, omni_test, n_patients, n_obs, _weeks_tuple(usable), why))
    k = len(usable)
    allv = np.concatenate(list(groups.values()))
    grand = allv.mean()
    ss_between = float(sum(g.size * (g.mean() - grand) ** 2 for g in groups.values()))
    ss_within = float(sum(((g - g.mean()) ** 2).sum() for g in groups.values()))
    df1, df2 = k - 1, n_obs - k
    scale = float((allv ** 2).sum())
    if df2 <= 0 or _is_zero(ss_within, scale):
        why = "every visit's values are identical (no variation within visits): no test is possible"
        for w in follow_up:
            if w in usable:
                rows[w]["diff_vs_baseline"] = groups[w].mean() - groups[baseline].mean()
                rows[w]["note"] = _joined(why, PAPER_PAIRING_NOTE)
        return _Analysis(list(rows.values()),
                         _empty_omnibus(outcome, method, omni_test, n_patients, n_obs, _weeks_tuple(usable), why))
    mse = ss_within / df2
    f_stat = (ss_between / df1) / mse
    omni = {"outcome": outcome, "method": method, "test": omni_test, "n": n_patients, "n_observations": n_obs,
            "weeks": _weeks_tuple(usable), "statistic": f_stat, "df1": float(df1), "df2": float(df2),
            "p": float(st.f.sf(f_stat, df1, df2)), "note": PAPER_PAIRING_NOTE}
    compared = [w for w in follow_up if w in usable]
    p_raw = []
    g0 = groups[baseline]
    for w in compared:
        gw = groups[w]
        diff = gw.mean() - g0.mean()
        t = diff / math.sqrt(mse * (1 / g0.size + 1 / gw.size))
        p = float(2 * st.t.sf(abs(t), df2))
        rows[w].update({"diff_vs_baseline": diff, "statistic": t, "p": p})
        p_raw.append(p)
    # Bonferroni: each p times the number of comparisons with week 0 (GraphPad's "compare with control").
    m = len(p_raw)
    for w, p in zip(compared, p_raw):
        rows[w]["p_adjusted"] = min(1.0, p * m)
    return _Analysis(list(rows.values()), omni)


def _complete_cases(long: pd.DataFrame, baseline: float) -> tuple[pd.DataFrame, list, dict, str]:
    """Wide (patients × usable weeks) table of patients with a value at every usable week."""
    usable, counts = _usable_weeks(long)
    wide = long.pivot(index="subject", columns="week", values="value")
    if not usable:  # no visit has enough patients: nobody is a complete case, and nobody was dropped for it
        return wide.iloc[:0, :0], usable, counts, ""
    wide = wide[list(usable)]
    complete = wide.dropna()
    dropped = int(len(wide.dropna(how="all")) - len(complete))
    note = (f"{dropped} patient{'s' if dropped != 1 else ''} without a value at every visit left out "
            "(complete cases only)") if dropped else ""
    return complete, usable, counts, note


def _paired_setup(long, outcome, baseline, method, test, omni_test):
    """Rows, complete cases and early exits shared by rm_anova and friedman."""
    weeks = sorted(long["week"].unique().tolist())
    follow_up = [w for w in weeks if w != baseline]
    rows = _base_rows(long, follow_up, outcome, method, test)
    complete, usable, counts, dropped_note = _complete_cases(long, baseline)
    n = len(complete)
    for w in follow_up:
        if w in usable:
            rows[w]["n"] = n
            rows[w]["mean"] = complete[w].mean() if n else np.nan
            rows[w]["diff_vs_baseline"] = (complete[w] - complete[baseline]).mean() if n and baseline in usable \
                else np.nan
            rows[w]["note"] = dropped_note
        else:
            rows[w]["note"] = _few(counts[w], f"with a value at week {w:g}")
    why = ""
    if baseline not in usable:
        why = _few(counts.get(baseline, 0), f"with a value at week {baseline:g}")
    elif len(usable) < 2:
        why = f"fewer than two visits have {MIN_PATIENTS} or more patients"
    elif n < MIN_PATIENTS:
        why = _few(n, "with a value at every visit")
    omni = _empty_omnibus(outcome, method, omni_test, n, n * len(usable), _weeks_tuple(usable),
                          _joined(why, dropped_note))
    if why:
        for w in follow_up:
            if w in usable:
                rows[w]["note"] = _joined(why, dropped_note)
    return rows, complete, usable, follow_up, why, dropped_note, omni


def _gg_epsilon(y: np.ndarray) -> float:
    """Greenhouse–Geisser epsilon from the double-centred covariance matrix of the visits."""
    k = y.shape[1]
    s = np.cov(y, rowvar=False, ddof=1)
    sc = s - s.mean(axis=0, keepdims=True) - s.mean(axis=1, keepdims=True) + s.mean()
    den = (k - 1) * float((sc ** 2).sum())
    if den <= 0:
        return float("nan")
    return float(np.trace(sc) ** 2 / den)


def _rm_anova(long: pd.DataFrame, outcome: str, baseline: float) -> _Analysis:
    from scipy import stats as st

    method = "rm_anova"
    rows, complete, usable, follow_up, why, dropped_note, omni = _paired_setup(
        long, outcome, baseline, method, "paired t", "repeated-measures ANOVA F (Greenhouse–Geisser)")
    if why:
        return _Analysis(list(rows.values()), omni)
    y = complete[usable].to_numpy(dtype=float)
    n, k = y.shape
    grand = y.mean()
    ss_time = n * float(((y.mean(axis=0) - grand) ** 2).sum())
    ss_subject = k * float(((y.mean(axis=1) - grand) ** 2).sum())
    ss_total = float(((y - grand) ** 2).sum())
    ss_error = ss_total - ss_time - ss_subject
    df1, df2 = k - 1, (k - 1) * (n - 1)
    if _is_zero(ss_error, float((y ** 2).sum())):
        omni["note"] = _joined("every patient changed by exactly the visit-mean amount (no residual variation): "
                               "no F-test is possible", dropped_note)
    else:
        f_stat = (ss_time / df1) / (ss_error / df2)
        eps = _gg_epsilon(y)
        eps_note = f"Greenhouse–Geisser ε = {eps:.3f}"
        if not np.isfinite(eps):
            eps = 1.0 / df1  # the lower bound: the most conservative correction
            eps_note = "sphericity correction at its lower bound (ε = 1/(k − 1))"
        eps = min(eps, 1.0)
        omni.update({"statistic": f_stat, "df1": eps * df1, "df2": eps * df2,
                     "p": float(st.f.sf(f_stat, eps * df1, eps * df2)), "note": _joined(eps_note, dropped_note)})
    compared = [w for w in follow_up if w in usable]
    p = np.full(len(compared), np.nan)
    for i, w in enumerate(compared):
        d = complete[w].to_numpy() - complete[baseline].to_numpy()
        if _is_zero(float(((d - d.mean()) ** 2).sum()), float((d ** 2).sum())):
            rows[w]["note"] = _joined("every patient changed by the same amount (no variation): no t-test is possible",
                                      dropped_note)
            continue
        res = st.ttest_rel(complete[w].to_numpy(), complete[baseline].to_numpy())
        rows[w]["statistic"] = float(res.statistic)
        p[i] = float(res.pvalue)
        rows[w]["p"] = p[i]
    for w, pa in zip(compared, _holm(p)):
        rows[w]["p_adjusted"] = pa
    return _Analysis(list(rows.values()), omni)



def _friedman(long: pd.DataFrame, outcome: str, baseline: float) -> _Analysis:
    from scipy import stats as st

    method = "friedman"
    rows, complete, usable, follow_up, why, dropped_note, omni = _paired_setup(
        long, outcome, baseline, method, "Wilcoxon signed-rank W", "Friedman χ²")
    if why:
        return _Analysis(list(rows.values()), omni)
    y = complete[usable].to_numpy(dtype=float)
    n, k = y.shape
    if k < 3:
        omni["note"] = _joined("the Friedman test needs at least 3 visits; see the signed-rank test", dropped_note)
    elif np.all(y == y[:, :1]):
        omni["note"] = _joined("every patient has the same value at every visit: no test is possible", dropped_note)
    else:
        res = st.friedmanchisquare(*[y[:, j] for j in range(k)])
        p_exact = friedman_exact_p(y)
        if p_exact is None:
            omni.update({"statistic": float(res.statistic), "df1": float(k - 1), "p": float(res.pvalue),
                         "test": "Friedman χ² (χ² approximation)",
                         "note": _joined(f"p from the χ² approximation on {k - 1} df (too many orderings of the "
                                         "ranks to count them all)", dropped_note)})
        else:
            omni.update({"statistic": float(res.statistic), "df1": float(k - 1), "p": p_exact,
                         "test": "Friedman χ² (exact permutation p)",
                         "note": _joined("p exact: every ordering of each patient's ranks counted", dropped_note)})
    compared = [w for w in follow_up if w in usable]
    p = np.full(len(compared), np.nan)
    for i, w in enumerate(compared):
        d = complete[w].to_numpy() - complete[baseline].to_numpy()
        changed = int((d != 0).sum())
        if changed < MIN_PATIENTS:
            rows[w]["note"] = _joined(
                f"only {changed} patient{'s' if changed != 1 else ''} changed between week {baseline:g} and "
                f"week {w:g}; fewer than {MIN_PATIENTS}, so no p-value is given", dropped_note)
            continue
        stat, p[i], how = _signed_rank(d)
        rows[w].update({"statistic": stat, "p": p[i]})
        zeros = n - changed
        rows[w]["note"] = _joined(f"p {how}",
                                  f"{zeros} unchanged patient{'s' if zeros != 1 else ''} left out of the ranks"
                                  if zeros else "", dropped_note)
    for w, pa in zip(compared, _holm(p)):
        rows[w]["p_adjusted"] = pa
    return _Analysis(list(rows.values()), omni)



_RUNNERS = {"paper": _paper, "rm_anova": _rm_anova, "friedman": _friedman, "mixed": _mixed}


def _analyse(visits, outcome, method, subject, time, baseline_week) -> _Analysis:
    if method not in _RUNNERS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    long = _long(visits, outcome, subject, time)
    if baseline_week not in set(long["week"]):
        raise ValueError(f"visits has no {time} {baseline_week:g} (the baseline); weeks present: "
                         f"{_weeks_tuple(sorted(long['week'].unique()))}")
    return _RUNNERS[method](long, outcome, baseline_week)


def vs_baseline(visits: pd.DataFrame, outcome: str, method: str = "paper", subject: str = "patient_id",
                time: str = "week", baseline_week: float = 0, ledger: TestLedger | None = None) -> pd.DataFrame:
    """Test the change of ``outcome`` from baseline at every follow-up visit.

    Parameters
    ----------
    visits
        Long table, one row per patient and visit. Not changed.
    outcome
        Numeric column to test, e.g. ``"active_joints"`` or ``"sjadas27"``.
    method
        ``"paper"`` (one-way ANOVA + Bonferroni, visits as independent groups:
        what Qiu 2024 did), ``"rm_anova"``, ``"friedman"`` or ``"mixed"``;
        see the module description and :data:`METHOD_DESCRIPTIONS`.
    subject, time
        Columns naming the patient and the visit week.
    baseline_week
        The visit everything is compared with (default 0).
    ledger
        A :class:`TestLedger` that records how many tests were run.

    Returns
    -------
    pandas.DataFrame
        One row per follow-up week: ``outcome``, ``week``, ``n`` (patients in
        the comparison: with a value at that week for ``paper`` and ``mixed``,
        complete cases for ``rm_anova`` and ``friedman``), ``mean`` (of those
        patients at that week), ``diff_vs_baseline`` (week minus baseline:
        difference of means for ``paper``, mean paired difference for
        ``rm_anova`` and ``friedman``, the model's estimate for ``mixed``;
        negative = lower than baseline), ``statistic`` (t, t, W or the mixed model's t),
        ``p`` (unadjusted), ``p_adjusted`` (Bonferroni for ``paper``, Holm
        otherwise), ``method``, ``test`` and ``note``. ``p`` is NaN, and
        ``note`` says why, when fewer than 3 patients are available or the
        data have no variation. A visit with fewer than 3 values is left out
        of the model altogether (for ``paper``, also of the pooled error), so
        it cannot sway the other comparisons.

    See Also
    --------
    omnibus : the overall test across all visits.
    compare_methods : all four methods stacked.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": list("abcabcabc"), "week": [0] * 3 + [4] * 3 + [12] * 3,
    ...                        "active_joints": [6, 4, 8, 1, 0, 5, 0, 1, 2]})
    >>> out = vs_baseline(visits, "active_joints", method="paper")
    >>> out[["week", "n", "diff_vs_baseline"]]
       week  n  diff_vs_baseline
    0     4  3              -4.0
    1    12  3              -5.0
    """
    result = _analyse(visits, outcome, method, subject, time, baseline_week)
    out = pd.DataFrame(result.rows, columns=VS_BASELINE_COLUMNS)
    out = out.astype({"n": int, "mean": float, "diff_vs_baseline": float, "statistic": float, "p": float,
                      "p_adjusted": float})
    _record(ledger, "change from baseline by visit", outcome, method, out["p"], [f"week {w:g}" for w in out["week"]],
            patients=visits[subject])
    return out


def omnibus(visits: pd.DataFrame, outcome: str, method: str = "paper", subject: str = "patient_id",
            time: str = "week", baseline_week: float = 0, ledger: TestLedger | None = None) -> pd.DataFrame:
    """The overall test of ``outcome`` across all visits (the "P =" a paper reports).

    Parameters
    ----------
    visits, outcome, method, subject, time, baseline_week, ledger
        As in :func:`vs_baseline`.

    Returns
    -------
    pandas.DataFrame
        One row: ``outcome``, ``method``, ``test`` (one-way ANOVA F,
        repeated-measures F with Greenhouse–Geisser corrected degrees of
        freedom, Friedman χ², or the mixed model's F / sign-flip permutation), ``n`` (patients),
        ``n_observations``, ``weeks`` (visits included), ``statistic``,
        ``df1``, ``df2``, ``p`` and ``note``.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": list("abcabc"), "week": [0, 0, 0, 4, 4, 4],
    ...                        "active_joints": [6, 4, 8, 1, 0, 5]})
    >>> row = omnibus(visits, "active_joints", method="paper").iloc[0]
    >>> row["test"], int(row["n"]), int(row["df1"]), int(row["df2"])
    ('one-way ANOVA F (visits as independent groups)', 3, 1, 4)
    """
    result = _analyse(visits, outcome, method, subject, time, baseline_week)
    out = pd.DataFrame([result.omnibus], columns=OMNIBUS_COLUMNS)
    out = out.astype({"n": int, "n_observations": int, "statistic": float, "df1": float, "df2": float,
                      "p": float})
    _record(ledger, "overall test across visits", outcome, method, out["p"], ["overall"], patients=visits[subject])
    return out


def compare_methods(visits: pd.DataFrame, outcome: str, subject: str = "patient_id", time: str = "week",
                    baseline_week: float = 0, ledger: TestLedger | None = None) -> pd.DataFrame:
    """:func:`vs_baseline` by all four methods, stacked (paper, rm_anova, friedman, mixed).

    The paper's independent-groups ANOVA ignores that each child is measured
    at every visit; the other three use the pairing. Reading the rows side by
    side shows how much that choice matters for a given cohort.

    Parameters
    ----------
    visits, outcome, subject, time, baseline_week, ledger
        As in :func:`vs_baseline`.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`vs_baseline` for each method, in the order of :data:`METHODS`.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": list("abcdabcd"), "week": [0] * 4 + [4] * 4,
    ...                        "active_joints": [6, 4, 8, 5, 1, 0, 3, 1]})
    >>> compare_methods(visits, "active_joints")["method"].tolist()
    ['paper', 'rm_anova', 'friedman', 'mixed']
    """
    parts = [vs_baseline(visits, outcome, m, subject, time, baseline_week, ledger) for m in METHODS]
    return pd.concat(parts, ignore_index=True)


def compare_omnibus(visits: pd.DataFrame, outcome: str, subject: str = "patient_id", time: str = "week",
                    baseline_week: float = 0, ledger: TestLedger | None = None) -> pd.DataFrame:
    """:func:`omnibus` by all four methods, one row each.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": list("abcdabcd"), "week": [0] * 4 + [4] * 4,
    ...                        "active_joints": [6, 4, 8, 5, 1, 0, 3, 1]})
    >>> compare_omnibus(visits, "active_joints")[["method", "n"]].values.tolist()
    [['paper', 4], ['rm_anova', 4], ['friedman', 4], ['mixed', 4]]
    """
    parts = [omnibus(visits, outcome, m, subject, time, baseline_week, ledger) for m in METHODS]
    return pd.concat(parts, ignore_index=True)
