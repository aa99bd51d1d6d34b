"""Where the values shown came from: published, reconstructed or simulated, study by study."""

from __future__ import annotations

from sjia_explore import published
from sjia_explore.app.compute.context import Context
from sjia_explore.app.compute.selection import SelectedPatients
from sjia_explore.app.model import AboutModel, StudyProvenance
from sjia_explore.app.vocabulary import OUTCOMES, study_label
from sjia_explore.cohort import Cohort
from sjia_explore.tables import column_label

#: What the section depends on: the patients (whether what is drawn is reconstructed); each study's
#: published and reconstructed columns depend only on which studies are selected (:func:`provenance`).
INPUTS = ("selection",)
PROVENANCE_INPUTS = ("studies",)


def about(chosen: SelectedPatients, studies: tuple[StudyProvenance, ...] | None = None) -> AboutModel:
    """Whether the values drawn are reconstructed or simulated, and each study's published/reconstructed columns
    (``studies``: :func:`provenance` of the selection, when already known).

    Examples
    --------
    >>> from sjia_explore import Subgroup, load_cohort
    >>> from sjia_explore.app.compute.selection import PatientArrays, SelectedPatients
    >>> arrays = PatientArrays(load_cohort())
    >>> model = about(SelectedPatients(arrays, arrays.mask("studies", ("vastert2011",)), Subgroup()))
    >>> model.reconstructed, model.visit_rows
    (True, (('reconstructed', 24),))
    """
    drawn = [o.column for o in OUTCOMES]
    visit_rows = chosen.visit_provenance_counts()
    rows = dict(visit_rows)
    # the visits' own provenance first; then the data package's marks of the selected studies
    reconstructed = chosen.n_patients > 0 and (rows.get("reconstructed", 0) > 0 or chosen.in_reconstructed_study(drawn))
    simulated = chosen.n_patients > 0 and (rows.get("simulated", 0) > 0
                                           or chosen.has_rows_marked("adverse_events", "simulated"))
    return AboutModel(reconstructed=reconstructed, simulated=simulated,
                      studies=provenance(chosen.cohort) if studies is None else studies, visit_rows=visit_rows)


def provenance(cohort: Cohort, studies: tuple[str, ...] | None = None) -> tuple[StudyProvenance, ...]:
    """Each study's citation and its published and reconstructed columns, table by table: the studies of
    ``cohort`` (default), or those of its patients selected."""
    prov = cohort.provenance
    rows = [] if prov is None or prov.empty else list(zip(prov["study"].astype(str), prov["status"].astype(str),
                                                          prov["table"].astype(str), prov["column"].astype(str)))
    out = []
    for study in (cohort.studies if studies is None else studies):
        source = published.SOURCES.get(study)
        columns = []
        for status, words in (("published", "As published"), ("reconstructed", "Reconstructed")):
            by_table: dict[str, set] = {}
            for s_, st, table, column in rows:
                if s_ == study and st == status:
                    by_table.setdefault(table, set()).add(column_label(column, table))
            if by_table:
                columns.append((words, tuple((t, "; ".join(sorted(c))) for t, c in sorted(by_table.items()))))
        out.append(StudyProvenance(label=study_label(study),
                                   citation=f"{source.citation} doi:{source.doi}" if source else None,
                                   columns=tuple(columns)))
    return tuple(out)


def compute(ctx: Context) -> AboutModel:
    return about(ctx.chosen, studies=ctx.remember("provenance", PROVENANCE_INPUTS,
                                                  lambda: provenance(ctx.cohort, ctx.chosen.studies)))
