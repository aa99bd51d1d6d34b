"""The trajectories section: mean active joints, sJADAS27 and steroid dose per visit, early vs late."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sjia_explore import plots, trajectories
from sjia_explore.app.compute.context import Context, has_values
from sjia_explore.app.model import TrajectoriesModel
from sjia_explore.app.vocabulary import OUTCOMES, PATIENT_LINES_MAX, PATIENT_LINES_SEED

#: Said under the charts when a band is cut at the scale's limits (a mean's interval would cross 0).
CLIPPED_WORDS = "Where a band would cross the scale's limits (below 0), it is cut there."

#: What the section depends on.
INPUTS = ("selection", "early_cutoff_months", "each_patient", "dark")


def line_patients(features: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The patients drawn as thin lines: all of them, or :data:`PATIENT_LINES_MAX` picked at random (the
    same ones every time), with a note saying so."""
    n = len(features)
    if n <= PATIENT_LINES_MAX:
        return features, None
    ids = np.sort(features["patient_id"].astype(str).to_numpy())
    keep = np.random.default_rng(PATIENT_LINES_SEED).choice(ids, PATIENT_LINES_MAX, replace=False)
    return (features[features["patient_id"].astype(str).isin(keep)],
            f"Thin lines: {PATIENT_LINES_MAX:,} of {n:,} patients, picked at random (the same ones each time); "
            "the means, bands and n use every patient.")


def index_of(cohort, weeks) -> trajectories.TrajectoryIndex | None:
    """The cohort's visits arranged for fast summaries; None when they cannot be (e.g. two rows for a patient
    and week: ``trajectories.summarise`` then says which)."""
    try:
        return trajectories.TrajectoryIndex(
            cohort.visits, [o.column for o in OUTCOMES if o.column in cohort.visits.columns], weeks)
    except ValueError:
        return None


def _y_title(y_title: str, each_patient: bool) -> str:
    """The y axis title: "Mean …" alone, or, with each patient's line drawn, the quantity and what is drawn.

    Examples
    --------
    >>> _y_title("Mean number of active joints", False), _y_title("Mean number of active joints", True)
    ('Mean number of active joints', 'Number of active joints: mean and each patient')
    >>> _y_title("Mean sJADAS27 (0–67)", True)
    'sJADAS27 (0–67): mean and each patient'
    """
    if not each_patient:
        return y_title
    quantity = y_title[len("Mean "):] if y_title.startswith("Mean ") else y_title
    if quantity.split(" ")[0].islower():  # "number of …" -> "Number of …"; "sJADAS27" stays as written
        quantity = quantity[:1].upper() + quantity[1:]
    return f"{quantity}: mean and each patient"


def compute(ctx: Context) -> TrajectoriesModel:
    """The Vega-Lite specification of the three trajectory panels and the per-visit summaries behind it."""
    selected, features, state, dark, weeks = ctx.selected, ctx.features, ctx.state, ctx.dark, ctx.options.weeks
    labels = trajectories.group_order(features["duration_group"].fillna(trajectories.MISSING_GROUP))
    colours = plots.group_colours(labels, missing_label=trajectories.MISSING_GROUP, dark=dark)
    panels, numbers = [], []
    lines_for, lines_note = line_patients(features) if state.each_patient else (None, None)
    # ``selected`` is a subgroup of the cohort shown: its summaries come from the cohort's index, with the
    # numbers of trajectories.summarise(selected.visits, ..., patients=features)
    groups = ctx.index.groups(features, "duration_group") if ctx.index is not None else None
    recorded = {o.column for o in OUTCOMES if has_values(selected.visits, o.column)}
    absent = []
    for outcome in OUTCOMES:
        if outcome.column not in selected.visits.columns:
            continue
        if recorded and outcome.column not in recorded:  # not recorded: said, never drawn as n=0
            absent.append(outcome.title)
            continue
        if ctx.index is not None:
            summary = ctx.index.summarise(outcome.column, groups=groups)
        else:
            summary = trajectories.summarise(selected.visits, outcome.column, by="duration_group",
                                             patients=features, weeks=weeks)
        numbers.append((outcome.column, summary))
        lines = trajectories.patient_values(selected.visits, outcome.column, by="duration_group",
                                            patients=lines_for, weeks=weeks) if lines_for is not None else None
        panels.append(plots.trajectory_spec(
            summary, title=outcome.title, y_title=_y_title(outcome.y_title, lines is not None), patient_values=lines,
            weeks=weeks,
            colours=colours, colour_domain=labels, name=outcome.css, value_format=outcome.value_format, dark=dark))
    reconstructed = ctx.selected.n_patients > 0 and ctx.selected.is_reconstructed(
        "visits", columns=[o.column for o in OUTCOMES])
    notes = [lines_note] if lines_note else []
    if absent:
        notes.append(f"Not recorded for the selected patients, so not drawn: {', '.join(absent)}.")
    if any("clipped" in summary.columns and summary["clipped"].fillna(False).any() for _, summary in numbers):
        notes.append(CLIPPED_WORDS)
    spec = plots.panels_spec(panels, reconstructed=reconstructed, dark=dark, subtitle=" ".join(notes) or None)
    missing = tuple(note for o in OUTCOMES for note in [ctx.cohort.missing_outcome_note(o.column)] if note)
    return TrajectoriesModel(spec=spec, numbers=tuple(numbers), missing=missing)
