"""The statistics panel: change from week 0 by the chosen method(s), run on request only."""

from __future__ import annotations

import pandas as pd

from sjia_explore.app.compute.context import has_values
from sjia_explore.app.model import TestsModel
from sjia_explore.app.vocabulary import describe_subgroup, outcome, stats_methods
from sjia_explore.cohort import Cohort


def compute(selected: Cohort, test_outcome: str, test_method: str, ledger=None) -> TestsModel:
    """Each visit against week 0 and one overall test, per method (sjia_explore.stats), counted in ``ledger``."""
    from sjia_explore import stats

    chosen = outcome(test_outcome)
    methods = stats_methods(test_method)
    base = dict(outcome=chosen.column, n_patients=selected.n_patients,
                description=describe_subgroup(selected.subgroup), methods=methods)
    if selected.n_patients == 0:
        return TestsModel(**base, message="No patients are selected: there is nothing to test.")
    if not has_values(selected.visits, chosen.column):
        return TestsModel(**base, message=f"The selected patients have no values of {chosen.title}: there is "
                                          "nothing to test.")
    by_week = pd.concat([stats.vs_baseline(selected.visits, chosen.column, method=m, ledger=ledger)
                         for m in methods], ignore_index=True)
    overall = pd.concat([stats.omnibus(selected.visits, chosen.column, method=m, ledger=ledger)
                         for m in methods], ignore_index=True)
    return TestsModel(**base, by_week=by_week, overall=overall,
                      reconstructed=selected.is_reconstructed("visits", columns=[chosen.column]))
