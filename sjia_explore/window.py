"""The window-of-opportunity question: early versus late treatment, at one cut-off or across many.

Examples
--------
>>> from sjia_explore import load_cohort
>>> t = sensitivity_table(load_cohort(), "sjadas27", 24, [6, 12])
>>> t[["cutoff_months", "n_early", "n_late"]].astype(int).values.tolist()
[[6, 4, 11], [12, 6, 9]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sjia_explore.cohort import Cohort, early_flag

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
                              int(np.isfinite(float(r["p"]))), note=f"cut-off {cut:g} months")
        rows.append({"cutoff_months": float(cut), **done[split]})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
