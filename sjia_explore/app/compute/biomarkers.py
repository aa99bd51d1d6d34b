"""The biomarkers section: ESR, CRP, ferritin, IL-18 and MRP8/14 per visit and early/late group.

Examples
--------
>>> from sjia_explore import load_cohort
>>> from sjia_explore.app import Session, ViewState
>>> model = Session(load_cohort()).update(ViewState(section="biomarkers")).sections["biomarkers"]
>>> model.not_measured
(('IL-18', 'Qiu 2024'), ('MRP8/14', 'Qiu 2024'))
"""

from __future__ import annotations

from sjia_explore import biomarkers, plots
from sjia_explore.app.compute.context import Context, group_colours
from sjia_explore.app.model import BiomarkersModel
from sjia_explore.app.vocabulary import study_label

#: What the section depends on.
INPUTS = ("selection", "early_cutoff_months", "dark")


def compute(ctx: Context) -> BiomarkersModel:
    """Median and IQR per visit and group, the reference values, and the markers a study did not measure."""
    visits, features = ctx.selected.visits, ctx.features
    by = dict(zip(features["patient_id"], features["duration_group"].fillna(plots.MISSING_LABEL)))
    per_study = biomarkers.biomarkers(visits, by="study", patients=ctx.selected.patients)
    missing = per_study[per_study["n"] == 0]
    not_measured = tuple((str(r["label"]), study_label(r["group"])) for r in missing.to_dict("records"))
    table = biomarkers.biomarkers(visits, by=by)
    drawn = table[table["n"] > 0]
    reconstructed = ctx.selected.is_reconstructed("visits", columns=[m.column for m in biomarkers.MARKERS
                                                                      if m.column in visits.columns])
    if not len(drawn):
        return BiomarkersModel(table=table, not_measured=not_measured, reconstructed=reconstructed,
                               message="Nothing to draw: none of ESR, CRP, ferritin, IL-18 or MRP8/14 was measured "
                                       "in the selected patients (not measured in this study).")
    groups = [g for g, n in ctx.group_counts.items() if n > 0]
    spec = plots.biomarker_spec(
        drawn, groups, reconstructed=reconstructed, dark=ctx.dark, colours=group_colours(ctx, groups),
        subtitle=["Median and interquartile range per visit, early and late; numbers: patients with a value (n).",
                  "Dashed line: the marker's reference value (hover it: an upper limit of normal, a remission "
                  "cut-off, or a healthy mean)."])
    return BiomarkersModel(spec=spec, table=table, not_measured=not_measured, reconstructed=reconstructed)
