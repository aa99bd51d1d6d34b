"""The linear mixed model of change from baseline, with small-sample inference."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._common import MIN_PATIENTS, _Analysis, _base_rows, _empty_omnibus, _few, _holm, _is_zero, _joined, \
    _usable_weeks, _weeks_tuple


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
