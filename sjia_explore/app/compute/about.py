"""Where the values shown came from: published, reconstructed or simulated, study by study."""

from __future__ import annotations

from sjia_explore import published
from sjia_explore.app.compute.context import Context
from sjia_explore.app.model import AboutModel, StudyProvenance
from sjia_explore.app.vocabulary import OUTCOMES, study_label
from sjia_explore.cohort import Cohort
from sjia_explore.tables import column_label

#: What the section depends on.
INPUTS = ("selection",)


def about(selected: Cohort) -> AboutModel:
    """Whether the values drawn are reconstructed or simulated, and each study's published/reconstructed columns."""
    drawn = [o.column for o in OUTCOMES]
    reconstructed = selected.n_patients > 0 and selected.is_reconstructed("visits", columns=drawn)
    simulated = selected.n_patients > 0 and selected.is_simulated()
    prov = selected.provenance
    studies = []
    for study in selected.studies:
        source = published.SOURCES.get(study)
        mine = prov[prov["study"] == study] if prov is not None and not prov.empty else None
        columns = []
        for status, words in (("published", "As published"), ("reconstructed", "Reconstructed")):
            cols = mine[mine["status"] == status] if mine is not None else None
            if cols is None or cols.empty:
                continue
            by_table = {str(t): "; ".join(sorted({column_label(str(c), str(t)) for c in names}))
                        for t, names in cols.groupby("table")["column"]}
            columns.append((words, tuple(by_table.items())))
        studies.append(StudyProvenance(label=study_label(study),
                                       citation=f"{source.citation} doi:{source.doi}" if source else None,
                                       columns=tuple(columns)))
    visit_rows = ()
    if "provenance" in selected.visits.columns and len(selected.visits):
        counts = selected.visits["provenance"].fillna("not stated").value_counts()
        visit_rows = tuple((str(k), int(n)) for k, n in counts.items())
    return AboutModel(reconstructed=reconstructed, simulated=simulated, studies=tuple(studies), visit_rows=visit_rows)


def compute(ctx: Context) -> AboutModel:
    return about(ctx.selected)
