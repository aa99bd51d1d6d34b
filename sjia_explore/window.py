"""The window-of-opportunity question: early versus late treatment, at a cut-off, across cut-offs, or continuous.

:func:`early_split` and :func:`sensitivity_table` compare the patients a cut-off calls early with the others,
at one cut-off or across many (the app's strip), one comparison per distinct split of the patients.
:func:`window_points` gives one row per patient (months from onset to the
IL-1 blocker; the change in an outcome from week 0, or inactive disease at a
week). :func:`window_smoother` adds a LOWESS curve with a bootstrap band when
there are enough patients, and says why not otherwise. Either way this shows
an association in a handful of patients, not an effect of treating earlier.

The Pardeo series put the best cut-off at 3 months from onset
(:data:`PUBLISHED_CUTOFF_MONTHS`; ACR abstract, see ``data/literature.csv``).

Examples
--------
>>> import pandas as pd
>>> patients = pd.DataFrame({"patient_id": ["a", "b"], "study": ["s", "s"], "months_onset_to_treatment": [2.0, 30.0]})
>>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "week": [0, 24, 0, 24], "active_joints": [4, 0, 6, 5]})
>>> window_points((patients, visits), "active_joints", week=24)[["patient_id", "y"]].to_dict("records")
[{'patient_id': 'a', 'y': -4.0}, {'patient_id': 'b', 'y': -1.0}]
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sjia_explore.cohort import Cohort, early_flag
from sjia_explore.outcomes import _SCORE_FUNCTIONS, _joined, _score, inactive_disease, provenance_note

#: Best cut-off of the Pardeo anakinra series (ROC on time from onset to anakinra, CID at 6 months).
PUBLISHED_CUTOFF_MONTHS = 3.0
#: Fewest patients for which a smoother is drawn: a local fit on fewer mostly follows single children.
MIN_SMOOTH_N = 10
#: Said on every row.
ASSOCIATION_NOTE = "association in a handful of patients, not an effect of treating earlier"
POINT_COLUMNS = ["patient_id", "study", "months_onset_to_treatment", "outcome", "week", "baseline", "value", "y",
                 "y_label", "n", "note"]


def _tables(source) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(patients, visits) from a Cohort, a mapping with those keys, or a (patients, visits) pair."""
    if hasattr(source, "patients") and hasattr(source, "visits"):
        return source.patients, source.visits
    if isinstance(source, Mapping):
        return source["patients"], source["visits"]
    if isinstance(source, tuple) and len(source) == 2:
        return source
    raise TypeError("give a Cohort, a mapping with 'patients' and 'visits', or a (patients, visits) pair")


def _values(visits: pd.DataFrame, outcome: str) -> tuple[pd.Series, str]:
    if outcome == "inactive":
        flags = inactive_disease(visits)["inactive"]
        return flags.astype("Float64").astype(float), "inactive disease (Wallace 2004, available items)"
    if outcome in _SCORE_FUNCTIONS:
        return _score(visits, outcome)
    if outcome not in visits.columns:
        raise KeyError(f"visits has no column {outcome!r}")
    return pd.to_numeric(visits[outcome], errors="coerce").astype(float), ""


def window_points(source, outcome: str = "active_joints", week: float = 24, baseline_week: float = 0) -> pd.DataFrame:
    """One row per patient: months from onset to the IL-1 blocker, and the outcome at ``week``.

    Parameters
    ----------
    source
        A :class:`~sjia_explore.cohort.Cohort`, a mapping with ``patients`` and
        ``visits``, or a ``(patients, visits)`` pair. Not changed.
    outcome
        A visit column (``active_joints``, ``crp_mg_l`` ...), a score
        (``sjadas10``, ``sjadas27``, ``jadas27``, ``cjadas27``), or
        ``"inactive"`` (Wallace inactive disease at ``week``).
    week, baseline_week
        The visit compared, and the visit it is compared with (default 24 vs 0).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POINT_COLUMNS`: ``y`` is ``value − baseline`` (or, for
        ``"inactive"``, 1 when inactive at ``week`` and 0 when not), missing
        when a visit or value is missing (the row's note says which); ``n`` is
        the number of patients with a ``y``.
    """
    patients, visits = _tables(source)
    values, source_note = _values(visits, outcome)
    frame = visits[["patient_id", "week"]].assign(value=values.to_numpy())
    at = frame.loc[frame["week"] == week].drop_duplicates("patient_id").set_index("patient_id")["value"]
    base = frame.loc[frame["week"] == baseline_week].drop_duplicates("patient_id").set_index("patient_id")["value"]
    out = patients[["patient_id"]].copy()
    out["study"] = patients["study"] if "study" in patients.columns else pd.NA
    out["months_onset_to_treatment"] = pd.to_numeric(patients["months_onset_to_treatment"], errors="coerce")
    out["outcome"], out["week"] = outcome, week
    out["baseline"] = out["patient_id"].map(base).astype(float)
    out["value"] = out["patient_id"].map(at).astype(float)
    inactive = outcome == "inactive"
    out["y"] = out["value"] if inactive else out["value"] - out["baseline"]
    out["y_label"] = (f"inactive disease at week {week:g}" if inactive
                      else f"change in {outcome} from week {baseline_week:g} to week {week:g}")
    has_visit = out["patient_id"].isin(at.index)
    out["n"] = int(out["y"].notna().sum())
    general = _joined(source_note, ASSOCIATION_NOTE, provenance_note(visits))
    reasons = np.where(~has_visit, f"no visit at week {week:g}",
                       np.where(out["value"].isna(), "value missing at that visit",
                                np.where(out["y"].isna(), f"no baseline value at week {baseline_week:g}", "")))
    no_time = out["months_onset_to_treatment"].isna()
    out["note"] = [_joined(r, "months from onset to treatment missing" if t else "", general)
                   for r, t in zip(reasons, no_time)]
    return out[POINT_COLUMNS].reset_index(drop=True)


def window_smoother(points: pd.DataFrame, frac: float = 2 / 3, n_boot: int = 200, seed: int = 0,
                    min_n: int = MIN_SMOOTH_N, grid_size: int = 50) -> pd.DataFrame:
    """LOWESS of ``y`` on log10(months from onset to treatment), with a 95% percentile bootstrap band.

    Parameters
    ----------
    points
        Output of :func:`window_points`.
    frac
        LOWESS span (share of the patients in each local fit).
    n_boot, seed
        Bootstrap resamples of patients for the band, and the seed of the
        random generator (the result is the same for the same seed).
    min_n
        Fewest patients with a time and a ``y`` for which a curve is drawn;
        below it one row with missing numbers says why.
    grid_size
        Points along the curve.

    Returns
    -------
    pandas.DataFrame
        ``months``, ``fit``, ``ci_low``, ``ci_high``, ``n``, ``note``.

    Examples
    --------
    >>> pts = pd.DataFrame({"months_onset_to_treatment": [1.0, 2.0], "y": [0.0, 1.0]})
    >>> window_smoother(pts)["note"].iloc[0].split(";")[0]
    'no smoother: 2 patients with a time and an outcome (at least 10 needed)'
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess

    usable = points.loc[points["y"].notna() & (points["months_onset_to_treatment"] > 0)]
    n = len(usable)
    columns = ["months", "fit", "ci_low", "ci_high", "n", "note"]
    if n < min_n:
        return pd.DataFrame([{"months": np.nan, "fit": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": n,
                              "note": _joined(f"no smoother: {n} patient{'s' if n != 1 else ''} with a time and an "
                                              f"outcome (at least {min_n} needed)", ASSOCIATION_NOTE)}],
                            columns=columns)
    x = np.log10(usable["months_onset_to_treatment"].to_numpy(dtype=float))
    y = usable["y"].to_numpy(dtype=float)
    grid = np.linspace(x.min(), x.max(), grid_size)
    # No robustness iterations: with a handful of children they would down-weight the very child who differs
    # (and they break down when a resample fits exactly); each local fit is plain weighted least squares.
    iterations = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = lowess(y, x, frac=frac, it=iterations, xvals=grid)
        rng = np.random.default_rng(seed)
        boots = []
        for _ in range(n_boot):
            idx = rng.integers(0, n, n)
            if len(np.unique(x[idx])) < 3:
                continue
            curve = lowess(y[idx], x[idx], frac=frac, it=iterations, xvals=grid)
            # no extrapolation: a resample that misses the ends says nothing there
            curve[(grid < x[idx].min()) | (grid > x[idx].max())] = np.nan
            boots.append(curve)
        band = (np.nanpercentile(np.vstack(boots), [2.5, 97.5], axis=0) if boots
                else np.full((2, grid_size), np.nan))
    note = _joined(f"LOWESS (span {frac:.2f}, no robustness iterations) on log10 months; 95% percentile band "
                   f"from {len(boots)} bootstrap resamples of patients (seed {seed})", ASSOCIATION_NOTE)
    return pd.DataFrame({"months": 10 ** grid, "fit": fit, "ci_low": band[0], "ci_high": band[1], "n": n,
                         "note": note}, columns=columns)


# --------------------------------------------------------------------------------------
# Early versus late at a cut-off, and across cut-offs
# --------------------------------------------------------------------------------------
SENSITIVITY_COLUMNS = ["cutoff_months", "n_early", "n_late", "median_change_early", "median_change_late",
                       "hl_shift", "ci_low", "ci_high", "ci_level", "p", "note"]


def early_split(cohort: Cohort, cutoff_months: float) -> frozenset:
    """The patients a cut-off calls early (treated less than ``cutoff_months`` after onset).

    Two cut-offs with the same split give the same comparison: it is computed,
    and counted as a test, once.

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> c = load_cohort()
    >>> early_split(c, 12) == early_split(c, 11.5)
    True
    """
    early = early_flag(cohort.patients["months_onset_to_treatment"], cutoff_months).fillna(False)
    return frozenset(cohort.patients.loc[early.to_numpy(dtype=bool), "patient_id"])


def sensitivity_table(cohort: Cohort, outcome: str, week: int, cutoffs, ledger=None) -> pd.DataFrame:
    """Early minus late difference in change from week 0 to ``week``, at each cut-off (months).

    One :func:`sjia_explore.stats.compare_groups` per distinct split of the
    patients (Mann–Whitney U, Hodges–Lehmann shift with its 95% interval; p
    only where every group has at least 3 patients). Cut-offs that split the
    patients the same way share one comparison, and it is recorded in
    ``ledger`` once. Patients without a recorded time from onset are left out.

    Returns
    -------
    pandas.DataFrame
        ``cutoff_months``, ``n_early``, ``n_late`` (patients with a value at
        week 0 and ``week``), ``median_change_early``, ``median_change_late``,
        ``hl_shift``, ``ci_low``, ``ci_high``, ``ci_level``, ``p``, ``note``.

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> t = sensitivity_table(load_cohort(), "sjadas27", 24, [12])
    >>> int(t.loc[0, "n_early"]), int(t.loc[0, "n_late"])  # with sJADAS27 at weeks 0 and 24
    (6, 9)
    """
    from sjia_explore import stats

    early_all = early_flag(cohort.patients["months_onset_to_treatment"], 0)  # only to find unknown durations
    known = early_all.notna().to_numpy()
    ids = cohort.patients["patient_id"].to_numpy()
    done: dict[frozenset, dict] = {}
    rows = []
    for cut in cutoffs:
        split = early_split(cohort, cut)
        if split not in done:
            early = early_flag(cohort.patients["months_onset_to_treatment"], cut)
            side = pd.array([None if not k else ("early" if e else "late") for k, e in zip(known, early.fillna(False))],
                            dtype="string")
            roster = pd.DataFrame({"patient_id": ids, "side": side})
            r = stats.compare_groups(cohort.visits, roster, outcome, "side", week, order=("early", "late")).iloc[0]
            done[split] = {"n_early": int(r["n_1"]), "n_late": int(r["n_2"]),
                           "median_change_early": r["median_change_1"], "median_change_late": r["median_change_2"],
                           "hl_shift": r["hl_shift"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                           "ci_level": r["ci_level"], "p": r["p"], "note": r["note"]}
            if ledger is not None:
                ledger.record(f"early vs late, change at week {week:g}", outcome, "mann_whitney",
                              int(np.isfinite(float(r["p"]))), note=f"cut-off {cut:g} months",
                              patients=cohort.patients["patient_id"])
        rows.append({"cutoff_months": float(cut), **done[split]})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
