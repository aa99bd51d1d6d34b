"""The window-of-opportunity section: early vs late patients side by side, and the cut-off strip."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from sjia_explore import plots, trajectories
from sjia_explore.app.compute.context import Context, group_colours, has_values
from sjia_explore.app.compute.trajectories import line_patients
from sjia_explore.app.model import WindowModel, WindowSide
from sjia_explore.app.vocabulary import STRIP_CUTOFFS, drug_label, outcome, study_label
from sjia_explore.cohort import duration_group_label
from sjia_explore.conventions import MIN_PATIENTS
from sjia_explore.window import (
    ASSOCIATION_NOTE,
    PUBLISHED_CUTOFF_MONTHS,
    early_split,
    sensitivity_table,
    window_points,
    window_smoother,
)

#: What the section depends on (the highlighted patient is drawn over it afterwards: :func:`highlight`).
INPUTS = ("selection", "early_cutoff_months", "window_outcome", "window_week", "each_patient", "dark")


def _sides(features: pd.DataFrame, cut: float) -> tuple[tuple[WindowSide, ...], int, tuple | None]:
    """Who is early and who is late: studies, drugs and prior biologics of each side."""
    early = features["early"]
    masks = (("Early", f"treated less than {cut:g} months after onset", early.eq(True).fillna(False)),
             ("Late", f"treated {cut:g} months or more after onset", early.eq(False).fillna(False)))
    sides, per_study = [], {}
    for word, words, mask in masks:
        group = features[mask.astype(bool).to_numpy()]
        if not len(group):
            sides.append(WindowSide(word, words, 0))
            continue
        drug = group["treatment"] if "treatment" in group.columns else pd.Series(pd.NA, index=group.index)
        combos = group.groupby([group["study"].astype(str), drug.fillna("").astype(str)],
                               sort=True).size().sort_values(ascending=False)
        origins = tuple((int(k), study_label(s), drug_label(t) if t else "") for (s, t), k in combos.items())
        prior = int((group["prior_biologics"].astype(str) != "none").sum())
        sides.append(WindowSide(word, words, len(group), origins, prior))
        for s, k in group["study"].astype(str).value_counts().items():
            per_study.setdefault(s, {})[word] = int(k)
    both = [(s, c["Early"], c["Late"]) for s, c in per_study.items() if c.get("Early") and c.get("Late")]
    smallest = None
    if both:
        s, a, b = min(both, key=lambda t: min(t[1], t[2]))
        smallest = (study_label(s), a, b)
    return tuple(sides), int(early.isna().sum()), smallest


def strip_rows(ctx: Context, column: str, week: int, cutoffs) -> pd.DataFrame:
    """The strip's rows; each split of the patients is computed (and counted in the ledger) once per selection."""
    results = ctx.analyses.results
    keys = {float(c): ("strip", column, week, early_split(ctx.selected, c)) for c in cutoffs}
    todo = [c for c, key in keys.items() if key not in results]
    if todo:
        table = sensitivity_table(ctx.selected, column, week, todo, ledger=ctx.analyses.ledger)
        for row in table.to_dict("records"):
            results[keys[float(row["cutoff_months"])]] = row
    return pd.DataFrame([{**results[key], "cutoff_months": c} for c, key in keys.items()])


def compute(ctx: Context) -> WindowModel:
    """The section's model: the two sides, their charts on one scale, and the strip across cut-offs."""
    selected, features, state, dark, weeks = ctx.selected, ctx.features, ctx.state, ctx.dark, ctx.options.weeks
    chosen = outcome(state.window_outcome)
    cut, week = state.early_cutoff_months, state.window_week
    sides, n_unknown, smallest = _sides(features, cut)
    base = dict(cutoff=cut, outcome=chosen.column, week=week, sides=sides, n_unknown=n_unknown,
                smallest_study=smallest, min_patients=MIN_PATIENTS)
    if not has_values(selected.visits, chosen.column):
        return WindowModel(**base, message=f"This cohort has no values of {chosen.title}: choose another "
                                           "outcome above.")
    labels = (duration_group_label(True, cut), duration_group_label(False, cut))
    colours = group_colours(ctx, list(labels))
    summary = trajectories.summarise(selected.visits, chosen.column, by="duration_group", patients=features,
                                     weeks=weeks)
    lines_for, lines_note = line_patients(features) if state.each_patient else (None, None)
    lines = trajectories.patient_values(selected.visits, chosen.column, by="duration_group", patients=lines_for,
                                        weeks=weeks) if lines_for is not None else None
    panels = []
    for label, word, sign in ((labels[0], "Early", "<"), (labels[1], "Late", "≥")):
        rows = summary[summary["group"] == label]
        n = ctx.group_counts.get(label, 0)
        if not len(rows) or n == 0:
            continue
        mine = lines[lines["group"] == label] if lines is not None else None
        panels.append(plots.trajectory_spec(
            rows, title=f"{word}: {sign} {cut:g} months after onset (n = {n})", y_title=chosen.y_title,
            patient_values=mine, weeks=weeks, colours=colours, name=f"window_{word.lower()}",
            value_format=chosen.value_format, width=250, height=170, dark=dark,
            colour_domain=list(labels), legend=False))
    reconstructed = selected.is_reconstructed("visits", columns=[chosen.column])
    specs = []
    if panels:
        specs.append(plots.panels_spec(panels, reconstructed=reconstructed, dark=dark, shared_y=True,
                                       subtitle=f"{chosen.title}, on the same scale on both sides. "
                                                "Move the cut-off on the left to move patients between them."
                                                + (f" {lines_note}" if lines_note else "")))
    cutoffs = sorted(set(float(c) for c in STRIP_CUTOFFS) | {float(cut)})
    table = strip_rows(ctx, chosen.column, week, cutoffs)
    specs.append(plots.sensitivity_spec(
        table, current_cutoff=cut, outcome_title=chosen.title, week=week, reconstructed=reconstructed,
        dark=dark, value_format=chosen.value_format, colours=[colours[labels[0]], colours[labels[1]]],
        axis_values=STRIP_CUTOFFS, min_per_side=MIN_PATIENTS))
    current = table[table["cutoff_months"] == float(cut)].iloc[0].to_dict()
    return WindowModel(**base, spec=plots.stack_specs(specs, dark=dark),
                       table=table.assign(outcome=chosen.column, week=week), current=current,
                       **continuous(ctx, chosen, reconstructed, {label: colours[label] for label in labels}))


def continuous(ctx: Context, chosen, reconstructed: bool, sides: dict[str, str]) -> dict:
    """Each patient as a point (months from onset to treatment, change in the outcome), a smoother where n
    allows, the current and the published cut-off: the window question asked without a cut-off. ``sides``:
    the early and late labels with their colours (the points are coloured by side, as everywhere else)."""
    week = ctx.state.window_week
    points = window_points(ctx.selected, chosen.column, week=week)
    points["study"] = points["study"].map(study_label)
    smoother = window_smoother(points)
    n = int((points["y"].notna() & (points["months_onset_to_treatment"] > 0)).sum())
    if n == 0:
        return dict(points=points, smoother=smoother)
    curve = ("LOWESS curve with a 95% bootstrap band." if smoother["fit"].notna().any()
             else smoother["note"].iloc[0].split(";")[0].capitalize() + ".")
    spec = plots.window_continuous_spec(
        points, smoother, cutoff=ctx.state.early_cutoff_months, published_cutoff=PUBLISHED_CUTOFF_MONTHS,
        y_title=f"Change in {chosen.title}, week 0 to {week}", reconstructed=reconstructed, dark=ctx.dark,
        sides=sides,
        subtitle=[f"Each point one patient (n = {n}); {curve} Solid line: the cut-off on the left; dashed: the "
                  f"published {PUBLISHED_CUTOFF_MONTHS:g}-month cut-off (Pardeo series).",
                  f"This is an {ASSOCIATION_NOTE}."])
    return dict(continuous_spec=spec, points=points, smoother=smoother)


def highlight(ctx: Context, model: WindowModel) -> WindowModel:
    """The section's model with the highlighted patient's point ringed on the continuous chart (the model itself
    when they have no point there)."""
    pid, points = ctx.state.highlight, model.points
    if pid is None or model.continuous_spec is None or points is None:
        return model
    mine = points[(points["patient_id"].astype(str) == pid) & points["y"].notna()
                  & (pd.to_numeric(points["months_onset_to_treatment"], errors="coerce") > 0)]
    if not len(mine):
        return model
    return replace(model, continuous_spec=plots.highlight_point(model.continuous_spec, mine.iloc[0].to_dict(),
                                                                dark=ctx.dark))
