"""Table 1 of the selected patients, split early vs late, with the outcomes at week 0 (made only while its panel
is open)."""

from __future__ import annotations

import logging

from sjia_explore.app.compute.context import Context
from sjia_explore.app.model import Table1Model

log = logging.getLogger("sjia_explore.app")

#: What the section depends on.
INPUTS = ("selection", "early_cutoff_months")


def compute(ctx: Context) -> Table1Model:
    """Table 1 (sjia_explore.tables); a plain sentence instead when it cannot be made."""
    selected, cut = ctx.selected, ctx.state.early_cutoff_months
    if selected.n_patients == 0:
        return Table1Model(0, cut, message="No patients are selected.")
    try:
        scope = ctx.analyses.ledger  # the groups depend on the cut-off: a new cut-off, new tests
        ledger = scope.ledger.scoped(f"{scope.selection}, split at {cut:g} months", scope.cohort)
        table = selected.table_one(cut, ledger=ledger)
    except Exception:  # the rest of the view still works; the reason goes to the server log
        log.exception("Table 1 could not be made")
        return Table1Model(selected.n_patients, cut, message="Table 1 could not be made for this selection "
                                                             "(the reason is in the server log).")
    return Table1Model(selected.n_patients, cut, table=table, note=table.attrs.get("note", ""))
