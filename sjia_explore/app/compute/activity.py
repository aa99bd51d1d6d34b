"""The disease-activity section: activity states per visit, inactive disease, and published figures beside them.

Examples
--------
>>> from sjia_explore import load_cohort
>>> from sjia_explore.app import Session, ViewState
>>> model = Session(load_cohort()).update(ViewState(section="activity")).sections["activity"]
>>> model.score, model.spec is not None
('sjadas10', True)
"""

from __future__ import annotations

import pandas as pd

from sjia_explore import literature, outcomes, plots
from sjia_explore.app.compute.context import Context, group_colours
from sjia_explore.app.model import ActivityModel
from sjia_explore.app.vocabulary import ACTIVITY_SCORES

#: What the section depends on.
INPUTS = ("selection", "early_cutoff_months", "activity_score", "dark")


def _groups(ctx: Context) -> list[str]:
    return [g for g, n in ctx.group_counts.items() if n > 0]


def compute(ctx: Context) -> ActivityModel:
    """States per visit by early/late group, inactive disease (Wallace, available criteria) and published figures."""
    visits, features = ctx.selected.visits, ctx.features
    groups = _groups(ctx)
    by = dict(zip(features["patient_id"], features["duration_group"].fillna(plots.MISSING_LABEL)))
    score = ctx.state.activity_score
    title = ACTIVITY_SCORES[score].split(" (")[0]
    cutoffs = outcomes.CUTOFFS[score]
    states = outcomes.activity_states(visits, score, by=by)
    score_note = states["note"].iloc[0] if len(states) else ""
    try:
        inactive = outcomes.inactive_by_week(visits, by=by)
        inactive_note = inactive["note"].iloc[0] if len(inactive) else ""
    except KeyError as err:
        inactive, inactive_note = None, f"Inactive disease cannot be judged: {err.args[0]}."
    lit = literature.literature()
    reconstructed = ctx.selected.is_reconstructed("visits")
    scored = states[states["n_total"] > 0]
    known = inactive[inactive["n"] > 0] if inactive is not None else pd.DataFrame()
    if not len(scored) and not len(known):
        why = score_note.split("; ")[0] if score_note else "no visits"
        return ActivityModel(score=score, literature=lit, score_note=score_note, inactive_note=inactive_note,
                             message=f"Nothing to draw: no visit of the selected patients has an {title} "
                                     f"({why}) or the items of inactive disease.")
    specs = []
    if len(scored):
        specs.append(plots.activity_states_spec(
            states, groups, reconstructed=reconstructed, dark=ctx.dark,
            subtitle=[f"{title} activity states at each visit; early and late side by side, left to right: "
                      + ", then ".join(groups) + ". n: patients with a score at that visit.",
                      f"Cut-offs: {cutoffs.source}" + (" (extrapolated to this score)" if cutoffs.extrapolated
                                                       else "") + "."]))
    if len(known):
        specs.append(plots.inactive_spec(
            known, groups, literature.reference_points(matches="inactive_by_week"), reconstructed=reconstructed,
            dark=ctx.dark, colours=group_colours(ctx, groups),
            subtitle=["Clinically inactive disease (Wallace 2004, by the criteria the data hold), with exact 95% "
                      "intervals; n: patients whose status is known.",
                      f"Grey diamonds: {plots.PUBLISHED_LABEL} (hover for the citation)."]))
    spec = plots.stack_specs(specs, dark=ctx.dark)
    spec["resolve"] = {"scale": {"color": "independent", "shape": "independent"}}  # states and groups apart
    return ActivityModel(score=score, spec=spec, states=states,
                         inactive=inactive, score_note=score_note, inactive_note=inactive_note, literature=lit,
                         reconstructed=reconstructed)
