"""Statistics for small cohorts: change from baseline, group comparisons, steroids, safety.

Every function takes long (tidy) data and column names, returns a tidy
DataFrame with one row per test or estimate, and never changes its input.
Every row carries ``n``; where a number cannot be trusted (fewer than
:data:`MIN_PATIENTS` patients in a group or at a visit, no variation, no pairs)
``p`` is missing (NaN) and ``note`` says why in plain words.

Change from baseline (:func:`vs_baseline`, :func:`omnibus`) can be tested four ways:

``"paper"``
    What Qiu et al. 2024 did in GraphPad: a one-way ANOVA across visits that
    treats each visit as an independent group, then Bonferroni-corrected
    comparisons of each week with week 0 using the ANOVA's pooled error.
    It ignores that the same children are measured at every visit.
``"rm_anova"``
    Repeated-measures ANOVA with the Greenhouse–Geisser sphericity
    correction; paired t-tests of each week against week 0, Holm-adjusted.
    Complete cases only.
``"friedman"``
    Friedman test; Wilcoxon signed-rank tests against week 0 (exact for
    small n, ties included), Holm-adjusted. Complete cases only.
``"mixed"``
    Linear mixed model (random intercept per patient, week as a category),
    which keeps patients with missing visits; Wald tests of each week against
    week 0, Holm-adjusted.

:func:`compare_methods` stacks all four so the effect of ignoring the pairing
can be seen side by side.

Heavy libraries (scipy.stats, statsmodels) are imported inside the functions
that need them, so ``import sjia_explore.stats`` stays fast.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": list("abcdabcd"), "week": [0] * 4 + [4] * 4,
...                        "active_joints": [6, 4, 8, 5, 1, 0, 3, 1]})
>>> vs_baseline(visits, "active_joints", method="rm_anova")[["week", "n", "diff_vs_baseline"]]
   week  n  diff_vs_baseline
0     4  4              -4.5
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# --- conventions ---------------------------------------------------------------
#: Fewest patients in a group or at a visit for which a p-value is given.
MIN_PATIENTS = 3
#: Coverage of every confidence interval.
CI_LEVEL = 0.95
#: Largest number of patients for which a rank test with ties gets an exact p-value (its full
#: permutation distribution, built by dynamic programming); beyond it the normal approximation is
#: used and the note says so.
EXACT_WITH_TIES_MAX_N = 200
#: Largest n1 × n2 for which the Hodges–Lehmann interval uses exact Mann–Whitney
#: critical values (beyond it: the normal approximation).
HL_EXACT_MAX_PAIRS = 10_000
#: A sum of squares below this fraction of the data's total sum of squares counts as zero.
ZERO_VARIANCE_RTOL = 1e-12
#: Days per week, for doses given per day and visits given in weeks.
DAYS_PER_WEEK = 7
#: Months per year, for exposure given in months.
MONTHS_PER_YEAR = 12
#: Adverse-event rates are given per this many patient-years.
PATIENT_YEARS_UNIT = 100

METHODS = ("paper", "rm_anova", "friedman", "mixed")
#: What each method does, in words (shown in the app's statistics panel).
METHOD_DESCRIPTIONS = {
    "paper": ("one-way ANOVA treating visits as independent groups, Bonferroni-corrected t-tests of each "
              "week vs week 0 on the pooled error (as in Qiu 2024)"),
    "rm_anova": ("repeated-measures ANOVA (Greenhouse–Geisser corrected), paired t-tests vs week 0, "
                 "Holm-adjusted; complete cases"),
    "friedman": "Friedman test, Wilcoxon signed-rank tests vs week 0 (exact), Holm-adjusted; complete cases",
    "mixed": ("linear mixed model (random intercept per patient, week as category), Wald z-tests vs week 0, "
              "Holm-adjusted; uses patients with missing visits"),
}
#: Said on every row of the paper's method.
PAPER_PAIRING_NOTE = "visits treated as independent groups: the pairing of each patient's visits is ignored"

VS_BASELINE_COLUMNS = ["outcome", "week", "n", "mean", "diff_vs_baseline", "statistic", "p", "p_adjusted",
                       "method", "test", "note"]
OMNIBUS_COLUMNS = ["outcome", "method", "test", "n", "n_observations", "weeks", "statistic", "df1", "df2", "p",
                   "note"]


# --- the multiplicity ledger ----------------------------------------------------

@dataclass
class TestLedger:
    """Counts the hypothesis tests a view has run, for a multiplicity ledger.

    Pass one ledger to every statistics function of a view (``ledger=``); each
    records how many p-values it computed. Nothing is global: a new view gets
    a new ledger.

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = TestLedger()
    >>> visits = pd.DataFrame({"patient_id": list("abcabc"), "week": [0, 0, 0, 4, 4, 4],
    ...                        "active_joints": [6, 4, 8, 1, 0, 5]})
    >>> _ = vs_baseline(visits, "active_joints", method="paper", ledger=ledger)
    >>> _ = omnibus(visits, "active_joints", method="paper", ledger=ledger)
    >>> ledger.n_tests
    2
    """

    __test__ = False  # not a pytest test class, despite its name

    entries: list[dict] = field(default_factory=list)

    def record(self, analysis: str, outcome: str, method: str, n_tests: int, note: str = "") -> None:
        """Add one analysis that ran ``n_tests`` tests (p-values actually computed)."""
        self.entries.append({"analysis": analysis, "outcome": outcome, "method": method,
                             "n_tests": int(n_tests), "note": note})

    @property
    def n_tests(self) -> int:
        """Total number of tests recorded."""
        return sum(e["n_tests"] for e in self.entries)

    def to_frame(self) -> pd.DataFrame:
        """One row per recorded analysis: ``analysis``, ``outcome``, ``method``, ``n_tests``, ``note``."""
        return pd.DataFrame(self.entries, columns=["analysis", "outcome", "method", "n_tests", "note"])

    def summary(self) -> str:
        """The ledger in one sentence, e.g. ``9 tests in 2 analyses``."""
        n, a = self.n_tests, len(self.entries)
        return f"{n} test{'s' if n != 1 else ''} in {a} analys{'e' if a != 1 else 'i'}s"


def _record(ledger: TestLedger | None, analysis: str, outcome: str, method: str, p_values) -> None:
    if ledger is not None:
        count = int(np.sum(np.isfinite(np.asarray(p_values, dtype=float))))
        ledger.record(analysis, outcome, method, count)


# --- shared helpers -------------------------------------------------------------

def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} has no column {', '.join(repr(c) for c in missing)}; "
                       f"its columns are {', '.join(map(str, df.columns))}")


def _as_float(values: pd.Series, what: str) -> np.ndarray:
    try:
        return pd.to_numeric(values, errors="raise").astype(float).to_numpy()
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} must hold numbers ({err})") from None


def _long(visits: pd.DataFrame, outcome: str, subject: str, time: str) -> pd.DataFrame:
    """(subject, week, value) rows with a week; one row per subject and week (else an error)."""
    _require(visits, [subject, time, outcome], "visits")
    out = pd.DataFrame({"subject": visits[subject].astype(object).to_numpy(),
                        "week": _as_float(visits[time], time),
                        "value": _as_float(visits[outcome], outcome)})
    out = out.loc[np.isfinite(out["week"].to_numpy())].reset_index(drop=True)
    dup = out.duplicated(["subject", "week"], keep=False)
    if dup.any():
        first = out.loc[dup].iloc[0]
        raise ValueError(f"visits has more than one row for {subject} {first['subject']} at {time} "
                         f"{first['week']:g}; keep one row per {subject} and {time}")
    out["week"] = [int(w) if float(w).is_integer() else float(w) for w in out["week"]]
    return out


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _is_zero(ss: float, scale: float) -> bool:
    """Whether a sum of squares is zero up to floating-point noise."""
    return ss <= ZERO_VARIANCE_RTOL * max(scale, 1.0)


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values of the finite entries (missing stay missing)."""
    out = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        from statsmodels.stats.multitest import multipletests

        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def _few(n: int, where: str) -> str:
    return (f"only {n} patient{'s' if n != 1 else ''} {where}; fewer than {MIN_PATIENTS}, "
            "so no p-value is given")


def _empty_omnibus(outcome: str, method: str, test: str, n: int, n_obs: int, weeks, note: str) -> dict:
    return {"outcome": outcome, "method": method, "test": test, "n": n, "n_observations": n_obs,
            "weeks": weeks, "statistic": np.nan, "df1": np.nan, "df2": np.nan, "p": np.nan, "note": note}


def _weeks_tuple(weeks) -> str:
    return ", ".join(f"{w:g}" for w in weeks)


@dataclass
class _Analysis:
    """What one method found: per-week rows and the omnibus row."""

    rows: list[dict]
    omnibus: dict


def _base_rows(long: pd.DataFrame, follow_up: list, outcome: str, method: str, test: str) -> dict:
    """Per-week row skeletons with n and mean of all available values."""
    rows = {}
    for w in follow_up:
        v = long.loc[long["week"] == w, "value"].dropna()
        rows[w] = {"outcome": outcome, "week": w, "n": int(v.size), "mean": v.mean() if v.size else np.nan,
                   "diff_vs_baseline": np.nan, "statistic": np.nan, "p": np.nan, "p_adjusted": np.nan,
                   "method": method, "test": test, "note": ""}
    return rows


def _usable_weeks(long: pd.DataFrame) -> tuple[list, dict]:
    counts = long.dropna(subset=["value"]).groupby("week")["subject"].nunique().to_dict()
    weeks = sorted(long["week"].unique().tolist())
    return [w for w in weeks if counts.get(w, 0) >= MIN_PATIENTS], {w: int(counts.get(w, 0)) for w in weeks}


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
    wide = wide[[w for w in usable]] if usable else wide.iloc[:, :0]
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


def _two_sided(dist: np.ndarray, observed: int) -> float:
    """Twice the smaller tail of a discrete distribution on 0..len-1 at ``observed`` (at most 1)."""
    lower = float(dist[:observed + 1].sum())
    upper = float(dist[observed:].sum())
    return min(1.0, 2 * min(lower, upper))


def _signed_rank_exact_with_ties(nz: np.ndarray) -> float:
    """Exact two-sided signed-rank p with tied |differences|: the distribution of T+ over all 2^n sign
    patterns of the mid-ranks, by dynamic programming on doubled (integer) mid-ranks."""
    from scipy.stats import rankdata

    scores = np.rint(2 * rankdata(np.abs(nz))).astype(int)
    dist = np.zeros(int(scores.sum()) + 1)
    dist[0] = 1.0
    for r in scores:  # each rank is positive or negative with probability 1/2
        shifted = np.zeros_like(dist)
        shifted[r:] = dist[:-r]
        dist = 0.5 * (dist + shifted)
    observed = int(scores[nz > 0].sum())
    return _two_sided(dist, observed)


def _signed_rank(d: np.ndarray):
    """Two-sided Wilcoxon signed-rank test of differences ``d`` (zeros dropped); returns (W, p, how)."""
    from scipy import stats as st

    nz = d[d != 0]
    n = nz.size
    ties = np.unique(np.abs(nz)).size < n
    if not ties:
        res = st.wilcoxon(nz, method="exact")
        return float(res.statistic), float(res.pvalue), "exact"
    res = st.wilcoxon(nz, method="approx", correction=True)  # for W = min(T+, T-), and the large-n p
    if n <= EXACT_WITH_TIES_MAX_N:
        return float(res.statistic), _signed_rank_exact_with_ties(nz), "exact (ties: all sign patterns counted)"
    return float(res.statistic), float(res.pvalue), "normal approximation (ties, large n)"


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
        omni.update({"statistic": float(res.statistic), "df1": float(k - 1), "p": float(res.pvalue)})
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


#: Said on every row of the mixed model.
MIXED_WALD_NOTE = "Wald z-test: a large-sample approximation, optimistic (p too small) with few patients"


def _fit_warnings_note(caught, converged: bool) -> str:
    """Plain words for what statsmodels warned about while fitting (retries that succeeded are not mentioned)."""
    notes = []
    if not converged:
        notes.append("the mixed model did not converge: treat its p-values with caution")
    for w in caught:
        text = str(w.message).lower()
        if "boundary" in text or "singular" in text:
            notes.append("the between-patient variance was estimated at about 0 (boundary): "
                         "the model then treats the visits almost as independent")
        elif "hessian" in text and "positive definite" in text:
            notes.append("the fit's curvature is not positive definite: its standard errors are unreliable")
    return _joined(*dict.fromkeys(notes))


def _mixed(long: pd.DataFrame, outcome: str, baseline: float) -> _Analysis:
    from scipy import stats as st

    method, test = "mixed", "Wald z (mixed model)"
    omni_test = "Wald χ² of all visit effects (mixed model)"
    weeks = sorted(long["week"].unique().tolist())
    follow_up = [w for w in weeks if w != baseline]
    rows = _base_rows(long, follow_up, outcome, method, test)
    usable, counts = _usable_weeks(long)
    data = long.loc[long["week"].isin(usable)].dropna(subset=["value"]).reset_index(drop=True)
    n_patients = int(data["subject"].nunique())
    for w in follow_up:
        if w not in usable:
            rows[w]["note"] = _few(counts[w], f"with a value at week {w:g}")
    why = ""
    if baseline not in usable:
        why = _few(counts.get(baseline, 0), f"with a value at week {baseline:g}")
    elif len(usable) < 2:
        why = f"fewer than two visits have {MIN_PATIENTS} or more patients"
    omni = _empty_omnibus(outcome, method, omni_test, n_patients, len(data), _weeks_tuple(usable), why)
    compared = [w for w in follow_up if w in usable]
    if why:
        for w in compared:
            rows[w]["note"] = why
        return _Analysis(list(rows.values()), omni)
    y = data["value"].to_numpy(dtype=float)
    if _is_zero(float(((y - y.mean()) ** 2).sum()), float((y ** 2).sum())):
        why = "every value is the same: no model can be fitted"
    else:
        import statsmodels.api as sm

        exog = np.column_stack([np.ones(len(data))] + [(data["week"] == w).to_numpy(float) for w in compared])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = sm.MixedLM(y, exog, groups=data["subject"].astype(str).to_numpy()).fit(reml=True)
                params, bse, pvals = np.asarray(fit.fe_params), np.asarray(fit.bse_fe), np.asarray(fit.pvalues)
                cov = np.asarray(fit.cov_params())[1:len(compared) + 1, 1:len(compared) + 1]
                converged = bool(fit.converged)
            except (np.linalg.LinAlgError, ValueError) as err:
                converged = False
                why = f"the mixed model could not be fitted ({err})"
        fit_note = _joined(MIXED_WALD_NOTE, _fit_warnings_note(caught, converged))
    if why:
        omni["note"] = why
        for w in compared:
            rows[w]["note"] = why
        return _Analysis(list(rows.values()), omni)
    b = params[1:len(compared) + 1]
    try:
        wald = float(b @ np.linalg.solve(cov, b))
        omni.update({"statistic": wald, "df1": float(len(compared)), "p": float(st.chi2.sf(wald, len(compared)))})
    except np.linalg.LinAlgError:
        fit_note = _joined(fit_note, "the covariance of the visit effects is singular: no overall test")
    omni["note"] = fit_note
    p = np.full(len(compared), np.nan)
    for i, w in enumerate(compared):
        if not np.isfinite(bse[i + 1]) or bse[i + 1] <= 0:
            rows[w].update({"diff_vs_baseline": b[i], "note": _joined("no standard error for this visit", fit_note)})
            continue
        p[i] = float(pvals[i + 1])
        rows[w].update({"diff_vs_baseline": b[i], "statistic": b[i] / bse[i + 1], "p": p[i], "note": fit_note})
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
        negative = lower than baseline), ``statistic`` (t, t, W or z),
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
    _record(ledger, "change from baseline by visit", outcome, method, out["p"])
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
        freedom, Friedman χ², or the mixed model's Wald χ²), ``n`` (patients),
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
    _record(ledger, "overall test across visits", outcome, method, out["p"])
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


# --- two groups: change from baseline --------------------------------------------------

def _mann_whitney_null_cdf(m: int, n: int) -> np.ndarray:
    """P(U ≤ u), u = 0..m·n, of the Mann–Whitney U statistic with no ties (exact recursion)."""
    # p[a][b] holds the distribution of U for sample sizes a and b; built up one observation at a time:
    # P_{a,b}(u) = a/(a+b) P_{a-1,b}(u-b) + b/(a+b) P_{a,b-1}(u).
    prev_row = [np.ones(1)]  # a = 0: U = 0 for every b
    for b in range(1, n + 1):
        prev_row.append(np.ones(1))
    for a in range(1, m + 1):
        row = [np.ones(1)]  # b = 0
        for b in range(1, n + 1):
            dist = np.zeros(a * b + 1)
            left = prev_row[b]  # sizes (a-1, b): support 0..(a-1)b; shifted by b
            dist[b:b + left.size] += a / (a + b) * left
            down = row[b - 1]  # sizes (a, b-1): support 0..a(b-1)
            dist[:down.size] += b / (a + b) * down
            row.append(dist)
        prev_row = row
    return np.cumsum(prev_row[n])


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


def _rank_sum_exact_with_ties(x: np.ndarray, y: np.ndarray) -> float:
    """Exact two-sided p of the rank sum of ``x`` with ties: its distribution over every way of choosing
    len(x) of the pooled mid-ranks, by dynamic programming on doubled (integer) mid-ranks."""
    from scipy.stats import rankdata

    m = x.size
    scores = np.rint(2 * rankdata(np.concatenate([x, y]))).astype(int)
    total = int(scores.sum())
    ways = np.zeros((m + 1, total + 1))  # ways[k, s]: subsets of k scores summing to s (as a proportion)
    ways[0, 0] = 1.0
    for i, r in enumerate(scores):
        for k in range(min(i + 1, m), 0, -1):
            ways[k, r:] += ways[k - 1, :-r]
    dist = ways[m] / ways[m].sum()
    observed = int(scores[:m].sum())
    return _two_sided(dist, observed)


def _mann_whitney(x: np.ndarray, y: np.ndarray):
    """Two-sided Mann–Whitney U of x vs y (U of x); exact for small n, ties included; returns (U, p, how)."""
    from scipy import stats as st

    m, n = x.size, y.size
    ties = np.unique(np.concatenate([x, y])).size < m + n
    if not ties and m * n <= HL_EXACT_MAX_PAIRS:
        res = st.mannwhitneyu(x, y, method="exact")
        return float(res.statistic), float(res.pvalue), "exact"
    res = st.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)
    if ties and m + n <= EXACT_WITH_TIES_MAX_N:
        return float(res.statistic), _rank_sum_exact_with_ties(x, y), "exact (ties: all group assignments counted)"
    return float(res.statistic), float(res.pvalue), "normal approximation"


def _group_label(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return str(value)


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
    _record(ledger, f"change at week {week:g}: {g1} vs {g2}", outcome, "mann_whitney", out["p"])
    return out


# --- corticosteroids -------------------------------------------------------------------

STEROID_COLUMN = "steroid_mg_kg_day"


def _on_steroid_at_baseline(long: pd.DataFrame, baseline_week: float) -> set:
    base = long.loc[(long["week"] == baseline_week)]
    return set(base.loc[base["value"] > 0, "subject"])


def steroid_free(visits: pd.DataFrame, dose: str = STEROID_COLUMN, baseline_week: float = 0,
                 subject: str = "patient_id", time: str = "week") -> pd.DataFrame:
    """Proportion steroid-free at each visit, among patients on corticosteroid at baseline.

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
        recorded dose), ``k`` (dose 0), ``proportion``, ``ci_low``,
        ``ci_high`` (exact Clopper–Pearson 95%), ``note``.

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
    rows = []
    for w in sorted(long["week"].unique().tolist()):
        at = long.loc[(long["week"] == w) & long["subject"].isin(cohort)].dropna(subset=["value"])
        n = int(at["subject"].nunique())
        k = int((at["value"] == 0).sum())
        row = {"week": w, "n": n, "n_missing": len(cohort) - n, "k": k, "proportion": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "note": ""}
        if n == 0:
            row["note"] = "no patient on steroid at baseline has a dose recorded at this visit"
        else:
            ci = st.binomtest(k, n).proportion_ci(confidence_level=CI_LEVEL, method="exact")
            row.update({"proportion": k / n, "ci_low": float(ci.low), "ci_high": float(ci.high)})
            if n < MIN_PATIENTS:
                row["note"] = f"only {n} patient{'s' if n != 1 else ''}: the interval is very wide"
        rows.append(row)
    return pd.DataFrame(rows, columns=["week", "n", "n_missing", "k", "proportion", "ci_low", "ci_high", "note"])


def time_to_steroid_free(visits: pd.DataFrame, dose: str = STEROID_COLUMN, baseline_week: float = 0,
                         subject: str = "patient_id", time: str = "week") -> pd.DataFrame:
    """Kaplan–Meier estimate of the proportion steroid-free over time, among those on steroid at baseline.

    The event is the first visit with a dose of 0; a patient still on steroid
    at the last visit is censored there. Stopping is only seen at visits, so
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
        ``ci_high``, ``n`` (patients followed), ``note``.

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
    from scipy import stats as st
    from statsmodels.duration.survfunc import SurvfuncRight

    long = _long(visits, dose, subject, time).dropna(subset=["value"])
    cohort = sorted(_on_steroid_at_baseline(long, baseline_week), key=str)
    columns = ["week", "n_at_risk", "n_events", "proportion_steroid_free", "ci_low", "ci_high", "n", "note"]
    first = {"week": baseline_week, "n_at_risk": len(cohort), "n_events": 0, "proportion_steroid_free": 0.0,
             "ci_low": np.nan, "ci_high": np.nan, "n": len(cohort), "note": ""}
    if not cohort:
        first.update({"proportion_steroid_free": np.nan, "note": "no patient was on steroid at baseline"})
        return pd.DataFrame([first], columns=columns)
    times, status = [], []
    for s in cohort:
        after = long.loc[(long["subject"] == s) & (long["week"] > baseline_week)].sort_values("week")
        off = after.loc[after["value"] == 0, "week"]
        if len(off):
            times.append(float(off.iloc[0]))
            status.append(1)
        else:
            times.append(float(after["week"].max()) if len(after) else float(baseline_week))
            status.append(0)
    note = "stopping is only seen at visits (interval-censored): the times are those visits"
    if len(cohort) < MIN_PATIENTS:
        note = _joined(f"only {len(cohort)} patient{'s' if len(cohort) != 1 else ''} followed", note)
    first["note"] = note
    rows = [first]
    if not any(status):
        return pd.DataFrame(rows, columns=columns)
    sf = SurvfuncRight(np.array(times), np.array(status))
    z = st.norm.ppf(0.5 + CI_LEVEL / 2)
    for t, s_prob, se, at_risk, events in zip(sf.surv_times, sf.surv_prob, sf.surv_prob_se, sf.n_risk,
                                              sf.n_events):
        lo = hi = np.nan
        if 0 < s_prob < 1 and se > 0:
            theta_se = se / (s_prob * abs(math.log(s_prob)))
            s_lo, s_hi = s_prob ** math.exp(z * theta_se), s_prob ** math.exp(-z * theta_se)
            lo, hi = 1 - s_hi, 1 - s_lo
        rows.append({"week": int(t) if float(t).is_integer() else float(t), "n_at_risk": int(at_risk),
                     "n_events": int(events), "proportion_steroid_free": float(1 - s_prob), "ci_low": lo,
                     "ci_high": hi, "n": len(cohort),
                     "note": note if 0 < s_prob < 1 else _joined(note, "no interval when everyone or no one "
                                                                       "has stopped")})
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


# --- safety ---------------------------------------------------------------------------

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
