"""Where the values shown came from: published, reconstructed or simulated, study by study."""

from __future__ import annotations

import pandas as pd

from sjia_explore import published
from sjia_explore.app.compute.context import Context
from sjia_explore.app.model import AboutModel, StudyProvenance
from sjia_explore.app.vocabulary import OUTCOMES, study_label
from sjia_explore.cohort import Cohort
from sjia_explore.tables import column_label

#: What the section depends on: the patients (whether what is drawn is reconstructed); each study's
#: published and reconstructed columns depend only on which studies are selected (:func:`provenance`).
INPUTS = ("selection",)
PROVENANCE_INPUTS = ("studies",)


def about(selected: Cohort, studies: tuple[StudyProvenance, ...] | None = None) -> AboutModel:
    """Whether the values drawn are reconstructed or simulated, and each study's published/reconstructed columns
    (``studies``: :func:`provenance` of the selection, when already known)."""
    drawn = [o.column for o in OUTCOMES]
    visits, events = selected.visits, selected.adverse_events
    counts = (visits["provenance"].fillna("not stated").value_counts()
              if "provenance" in visits.columns and len(visits) else pd.Series(dtype="int64"))
    visit_rows = tuple((str(k), int(n)) for k, n in counts.items())
    # one pass over the visits' provenance says both (Cohort.is_reconstructed / is_simulated would make three)
    reconstructed = selected.n_patients > 0 and (
        counts.get("reconstructed", 0) > 0 or bool(selected.provenance_studies("visits", "reconstructed", drawn)))
    simulated = selected.n_patients > 0 and (counts.get("simulated", 0) > 0 or bool(
        "provenance" in events.columns and (events["provenance"] == "simulated").any()))
    return AboutModel(reconstructed=reconstructed, simulated=simulated,
                      studies=provenance(selected) if studies is None else studies, visit_rows=visit_rows)


def provenance(selected: Cohort) -> tuple[StudyProvenance, ...]:
    """Each selected study's citation and its published and reconstructed columns, table by table."""
    prov = selected.provenance
    rows = [] if prov is None or prov.empty else list(zip(prov["study"].astype(str), prov["status"].astype(str),
                                                          prov["table"].astype(str), prov["column"].astype(str)))
    studies = []
    for study in selected.studies:
        source = published.SOURCES.get(study)
        columns = []
        for status, words in (("published", "As published"), ("reconstructed", "Reconstructed")):
            by_table: dict[str, set] = {}
            for s_, st, table, column in rows:
                if s_ == study and st == status:
                    by_table.setdefault(table, set()).add(column_label(column, table))
            if by_table:
                columns.append((words, tuple((t, "; ".join(sorted(c))) for t, c in sorted(by_table.items()))))
        studies.append(StudyProvenance(label=study_label(study),
                                       citation=f"{source.citation} doi:{source.doi}" if source else None,
                                       columns=tuple(columns)))
    return tuple(studies)


def compute(ctx: Context) -> AboutModel:
    return about(ctx.selected, studies=ctx.remember("provenance", PROVENANCE_INPUTS, lambda: provenance(ctx.selected)))
