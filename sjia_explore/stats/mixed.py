"""The linear mixed model of change from baseline, with small-sample inference.

A random intercept per patient and the visit as a category, fitted by REML
(:class:`statsmodels.regression.mixed_linear_model.MixedLM`). What the p-values
are referred to depends on what the data can support:

* **a degenerate fit: no p-value.** When no patient varies around their own
  level and the visit means (every patient changed by the same amount), the
  model has no error to test against; when the between-patient variance is
  estimated at its boundary (0) with fewer than :data:`MIXED_MIN_PATIENTS_FOR_MODEL_P`
  patients, its standard errors cannot be trusted. The estimates are shown,
  the note says which it was.
* **fewer than** :data:`MIXED_MIN_PATIENTS_FOR_MODEL_P` **patients: exact sign-flip
  permutation.** Each patient's changes from baseline are given every
  combination of signs (2^n arrangements, all counted); the p-value is the
  share of arrangements at least as extreme. The smallest possible p is 2/2^n
  (0.25 with 3 patients).
* **otherwise: t and F with between-within degrees of freedom** (the
  residual degrees of freedom within patients, N − patients − visit effects;
  SAS's DDFM=BETWITHIN). With every patient at every visit these are the
  exact t and F of the repeated-measures model under compound symmetry, the
  same as Kenward–Roger's; with missing visits they are an approximation, and
  the note says so. Never a z-test.
"""

from __future__ import annotations

import itertools
import warnings

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
    _usable_weeks,
    _weeks_tuple,
)

#: Fewest patients for which the mixed model's own t and F are used; below it, exact sign-flip permutation.
MIXED_MIN_PATIENTS_FOR_MODEL_P = 6
#: Between-patient variance below this share of the total variance counts as estimated at its boundary (0).
BOUNDARY_SHARE = 1e-6
#: Tolerance when comparing permuted statistics with the observed one.
_TIE_RTOL = 1e-9

MIXED_TESTS = {
    "model": ("t (mixed model, between-within df)", "F (mixed model, between-within df)"),
    "sign_flip": ("exact sign-flip permutation (mixed model estimates)",
                  "exact sign-flip permutation of each patient's changes (mixed model estimates)"),
    "none": ("no test (degenerate mixed-model fit)", "no test (degenerate mixed-model fit)"),
}


def _fit_warnings_note(caught, converged: bool) -> str:
    """Plain words for what statsmodels warned about while fitting (retries that succeeded are not mentioned)."""
    notes = []
    if not converged:
        notes.append("the mixed model did not converge: treat its p-values with caution")
    for w in caught:
        text = str(w.message).lower()
        if "hessian" in text and "positive definite" in text:
            notes.append("the fit's curvature is not positive definite: its standard errors are unreliable")
    return _joined(*dict.fromkeys(notes))


def _no_within_variation(data: pd.DataFrame) -> bool:
    """Whether patient + visit (two-way, fixed) explain every value: nothing varies within patients.

    The two-way residual by Frisch–Waugh–Lovell: the visit indicators and the values, each centred within
    patient, then one least-squares fit on the visit indicators (memory grows with rows × visits only).
    """
    groups = data["subject"].astype(str).to_numpy()
    y = data["value"].to_numpy(float)
    week = pd.get_dummies(data["week"].astype(str)).to_numpy(float)[:, 1:]
    frame = pd.DataFrame(np.column_stack([y, week]))
    centred = (frame - frame.groupby(groups).transform("mean")).to_numpy()
    yc, wc = centred[:, 0], centred[:, 1:]
    if wc.shape[1]:
        beta, *_ = np.linalg.lstsq(wc, yc, rcond=None)
        yc = yc - wc @ beta
    return _is_zero(float((yc ** 2).sum()), float(((y - y.mean()) ** 2).sum()))


def _changes(data: pd.DataFrame, baseline: float, compared: list) -> np.ndarray:
    """Patients × compared weeks: value minus the patient's baseline value (NaN when either is missing)."""
    wide = data.pivot(index="subject", columns="week", values="value")
    if baseline not in wide.columns:
        return np.empty((0, len(compared)))
    d = wide.reindex(columns=compared).sub(wide[baseline], axis=0)
    return d.to_numpy(float)


def sign_flip_p(changes) -> tuple[float, int]:
    """Exact two-sided p that the changes are centred on 0: every combination of signs, one per patient.

    ``changes`` is one row per patient (a vector of changes, NaN where a visit
    is missing; a 1-D array is one change per patient). The statistic is
    Σ_w (Σ_i d_iw)² / n_w; each patient's whole row is flipped at once, so the
    test is valid whenever a patient's changes are symmetric about 0 under the
    null hypothesis, whatever their correlation across visits.

    Returns
    -------
    tuple
        ``(p, arrangements)``: the share of the 2^n sign patterns whose
        statistic is at least the observed one, and 2^n.

    Examples
    --------
    >>> sign_flip_p([-1.0, -1.0, -1.0])  # three patients, all down by 1: 2 of 8 patterns as extreme
    (0.25, 8)
    """
    d = np.asarray(changes, dtype=float)
    if d.ndim == 1:
        d = d[:, None]
    d = d[np.isfinite(d).any(axis=1)]
    n = d.shape[0]
    m = np.isfinite(d).sum(axis=0)
    d0 = np.nan_to_num(d)
    keep = m > 0
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
    sums = signs @ d0[:, keep]
    stat = (sums ** 2 / m[keep]).sum(axis=1)
    observed = stat[0]  # all signs +1: the data as observed
    p = float(np.mean(stat >= observed * (1 - _TIE_RTOL) - _TIE_RTOL))
    return p, int(signs.shape[0])


def _fit(data: pd.DataFrame, compared: list):
    """REML fit: (params, bse, cov of the visit effects, whether the patient variance is at 0, note).

    The boundary is recognised from the estimate or from statsmodels' warning (its optimiser often stops
    just short of 0)."""
    import statsmodels.api as sm

    y = data["value"].to_numpy(dtype=float)
    exog = np.column_stack([np.ones(len(data))] + [(data["week"] == w).to_numpy(float) for w in compared])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.MixedLM(y, exog, groups=data["subject"].astype(str).to_numpy()).fit(reml=True)
    q = len(compared)
    cov = np.asarray(fit.cov_params())[1:q + 1, 1:q + 1]
    var_patient, var_resid = float(np.asarray(fit.cov_re)[0, 0]), float(fit.scale)
    at_boundary = (var_patient <= BOUNDARY_SHARE * (var_patient + var_resid)
                   or any("boundary" in str(w.message).lower() for w in caught))
    return (np.asarray(fit.fe_params), np.asarray(fit.bse_fe), cov, at_boundary,
            _fit_warnings_note(caught, bool(fit.converged)))


def _mixed(long: pd.DataFrame, outcome: str, baseline: float) -> _Analysis:
    from scipy import stats as st

    method = "mixed"
    weeks = sorted(long["week"].unique().tolist())
    follow_up = [w for w in weeks if w != baseline]
    rows = _base_rows(long, follow_up, outcome, method, MIXED_TESTS["model"][0])
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
    omni = _empty_omnibus(outcome, method, MIXED_TESTS["model"][1], n_patients, len(data), _weeks_tuple(usable), why)
    compared = [w for w in follow_up if w in usable]
    if why:
        for w in compared:
            rows[w]["note"] = why
        return _Analysis(list(rows.values()), omni)
    y = data["value"].to_numpy(dtype=float)
    b = np.full(len(compared), np.nan)
    if _is_zero(float(((y - y.mean()) ** 2).sum()), float((y ** 2).sum())):
        why = "every value is the same: no model can be fitted"
    elif _no_within_variation(data):
        why = ("no within-patient variation: every patient changed by exactly the same amount between visits, so "
               "the model has no error to test against (degenerate fit): no p-value")
    at_boundary = False
    if not why.startswith("every value"):
        try:
            params, bse, cov, at_boundary, fit_note = _fit(data, compared)
            b = params[1:len(compared) + 1]
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as err:
            why = why or f"the mixed model could not be fitted ({err}): no p-value"
    at_boundary = at_boundary and not why
    if at_boundary and n_patients < MIXED_MIN_PATIENTS_FOR_MODEL_P:
        why = (f"the between-patient variance was estimated at its boundary (0) with only {n_patients} patients "
               f"(fewer than {MIXED_MIN_PATIENTS_FOR_MODEL_P}): the model's standard errors cannot be trusted "
               "(degenerate fit): no p-value")
    if why:
        omni.update({"test": MIXED_TESTS["none"][1], "note": why})
        for i, w in enumerate(compared):
            rows[w].update({"diff_vs_baseline": b[i], "test": MIXED_TESTS["none"][0], "note": why})
        return _Analysis(list(rows.values()), omni)
    if at_boundary:
        fit_note = _joined("the between-patient variance was estimated at about 0 (boundary): the model then "
                           "treats the visits almost as independent", fit_note)
    p = np.full(len(compared), np.nan)
    if n_patients < MIXED_MIN_PATIENTS_FOR_MODEL_P:
        d = _changes(data, baseline, compared)
        p_all, arrangements = sign_flip_p(d)
        flipped = int(np.isfinite(d).any(axis=1).sum())  # patients with a change: 2^flipped arrangements
        only_baseline = "" if flipped == n_patients else \
            f" ({n_patients - flipped} of the {n_patients} patients {'has' if n_patients - flipped == 1 else 'have'} " \
            "no later visit and no change to flip)"
        how = (f"p from exact sign-flip permutation of the changes from week {baseline:g} of {flipped} "
               f"patients ({arrangements} arrangements, all counted){only_baseline}: with {n_patients} "
               f"patients (fewer than {MIXED_MIN_PATIENTS_FOR_MODEL_P}) the model's t and F cannot be "
               "trusted; the estimates are the model's")
        note = _joined(how, fit_note)
        omni.update({"test": MIXED_TESTS["sign_flip"][1], "p": p_all, "note": note})
        for i, w in enumerate(compared):
            pairs = d[:, i][np.isfinite(d[:, i])]
            rows[w].update({"diff_vs_baseline": b[i], "test": MIXED_TESTS["sign_flip"][0], "note": note})
            if pairs.size < MIN_PATIENTS:
                rows[w]["note"] = _joined(_few(pairs.size, f"with values at weeks {baseline:g} and {w:g}"), note)
            elif _is_zero(float((pairs ** 2).sum()), 1.0):
                rows[w]["note"] = _joined(f"no patient changed between weeks {baseline:g} and {w:g}: no test", note)
            else:
                p[i] = sign_flip_p(pairs)[0]
                rows[w]["p"] = p[i]
    else:
        df = len(data) - n_patients - len(compared)
        complete = len(data) == n_patients * len(usable)
        how = _joined(f"t and F on {df} between-within degrees of freedom",
                      "" if complete else "patients with missing visits: the degrees of freedom are approximate")
        note = _joined(how, fit_note)
        omni["note"] = note
        if df <= 0:
            omni["note"] = _joined("no degrees of freedom left for the error: no test", note)
            for i, w in enumerate(compared):
                rows[w].update({"diff_vs_baseline": b[i], "note": omni["note"]})
            return _Analysis(list(rows.values()), omni)
        try:
            f_stat = float(b @ np.linalg.solve(cov, b)) / len(compared)
            omni.update({"statistic": f_stat, "df1": float(len(compared)), "df2": float(df),
                         "p": float(st.f.sf(f_stat, len(compared), df))})
        except np.linalg.LinAlgError:
            omni["note"] = _joined(note, "the covariance of the visit effects is singular: no overall test")
        for i, w in enumerate(compared):
            se = bse[i + 1]
            if not np.isfinite(se) or se <= 0:
                rows[w].update({"diff_vs_baseline": b[i], "note": _joined("no standard error for this visit", note)})
                continue
            t = b[i] / se
            p[i] = float(2 * st.t.sf(abs(t), df))
            rows[w].update({"diff_vs_baseline": b[i], "statistic": t, "p": p[i], "note": note})
    for w, pa in zip(compared, _holm(p)):
        rows[w]["p_adjusted"] = pa
    return _Analysis(list(rows.values()), omni)

