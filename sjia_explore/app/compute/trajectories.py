"""The trajectories section: the chosen outcomes' means per visit, early vs late (by default active joints,
sJADAS27 and steroid dose)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from sjia_explore import plots, trajectories
from sjia_explore.app.compute.context import Context, colour_domain, group_colours, has_values
from sjia_explore.app.model import TrajectoriesModel
from sjia_explore.app.vocabulary import PANEL_OUTCOMES, PATIENT_LINES_MAX, PATIENT_LINES_SEED, outcome

#: Said under the charts when a band is cut at the scale's limits (a mean's interval would cross 0).
CLIPPED_WORDS = "Where a band would cross the scale's limits (below 0), it is cut there."

#: What the section depends on (the highlighted patient is drawn over it afterwards: :func:`highlight`).
INPUTS = ("selection", "early_cutoff_months", "each_patient", "dark", "trajectory_outcomes")
#: What does not change with the cut-off: kept per selection of patients.
SELECTION_INPUTS = ("selection",)


def line_sample(ids) -> set[str] | None:
    """The ids of the patients drawn one by one when there are too many to draw all of them:
    :data:`PATIENT_LINES_MAX` picked at random (the same ones every time); None when all are drawn.

    Examples
    --------
    >>> line_sample(["a", "b"]) is None
    True
    >>> len(line_sample([f"P{i:05d}" for i in range(PATIENT_LINES_MAX + 1)])) == PATIENT_LINES_MAX
    True
    """
    ids = np.asarray(ids, dtype=object)
    if len(ids) <= PATIENT_LINES_MAX:
        return None
    return set(np.random.default_rng(PATIENT_LINES_SEED).choice(np.sort(ids), PATIENT_LINES_MAX,
                                                                replace=False).tolist())


def line_patients(features: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The patients drawn as thin lines: all of them, or :data:`PATIENT_LINES_MAX` picked at random (the
    same ones every time, :func:`line_sample`), with a note saying so."""
    n = len(features)
    keep = line_sample(features["patient_id"].astype(str).to_numpy(dtype=object))
    if keep is None:
        return features, None
    return (features[features["patient_id"].astype(str).isin(keep)],
            f"Thin lines: {PATIENT_LINES_MAX:,} of {n:,} patients, picked at random (the same ones each time); "
            "the means, bands and n use every patient.")


def choosable(visits: pd.DataFrame) -> tuple[str, ...]:
    """The outcomes a trajectory panel can show for these visits: those of
    :data:`~sjia_explore.app.vocabulary.PANEL_OUTCOMES` with at least one value.

    Examples
    --------
    >>> choosable(pd.DataFrame({"week": [0], "crp_mg_l": [3.0], "ferritin_ng_ml": [None], "active_joints": [2]}))
    ('active_joints', 'crp_mg_l')
    """
    return tuple(o.column for o in PANEL_OUTCOMES if has_values(visits, o.column))


def index_of(cohort, weeks) -> trajectories.TrajectoryIndex | None:
    """The cohort's visits arranged for fast summaries; None when they cannot be (e.g. two rows for a patient
    and week: ``trajectories.summarise`` then says which)."""
    try:
        return trajectories.TrajectoryIndex(
            cohort.visits, [o.column for o in PANEL_OUTCOMES if o.column in cohort.visits.columns], weeks)
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
    """The Vega-Lite specification of the chosen trajectory panels and the per-visit summaries behind it."""
    chosen, state, dark, weeks = ctx.chosen, ctx.state, ctx.dark, ctx.options.weeks
    columns = ctx.cohort.visits.columns  # the selected patients' visits have the same columns
    labels = colour_domain(ctx)
    colours = group_colours(ctx)
    panels, numbers = [], []
    lines_for, lines_note = line_patients(ctx.features) if state.each_patient else (None, None)
    # ``chosen`` is a subgroup of the cohort shown: its summaries come from its values per outcome and week
    # kept in order of time to treatment (trajectories.CutoffSums, kept per selection), with the numbers of
    # trajectories.summarise(ctx.selected.visits, ..., patients=features): a new cut-off is a look-up
    sums = ctx.remember("trajectories_sums", SELECTION_INPUTS, lambda: chosen.cutoff_sums(ctx.index)) \
        if ctx.index is not None else None
    panels_chosen = [outcome(column) for column in state.trajectory_outcomes]
    # what depends only on the patients selected is kept per selection: a new cut-off does not look again
    recorded = ctx.remember("trajectories_recorded", SELECTION_INPUTS,
                            lambda: chosen.recorded([o.column for o in PANEL_OUTCOMES]))
    absent = []
    for shown in panels_chosen:
        if shown.column not in columns:  # a core outcome's absence is said in ``missing`` below
            if ctx.cohort.missing_outcome_note(shown.column) is None:
                absent.append(shown.title)
            continue
        if recorded and shown.column not in recorded:  # not recorded: said, never drawn as n=0
            absent.append(shown.title)
            continue
        if sums is not None and shown.column in sums.outcomes:
            summary = sums.summarise(shown.column, state.early_cutoff_months)
        else:
            summary = trajectories.summarise(ctx.selected.visits, shown.column, by="duration_group",
                                             patients=ctx.features, weeks=weeks)
        numbers.append((shown.column, summary))
        lines = trajectories.patient_values(ctx.selected.visits, shown.column, by="duration_group",
                                            patients=lines_for, weeks=weeks) if lines_for is not None else None
        panels.append(plots.trajectory_spec(
            summary, title=shown.title, y_title=_y_title(shown.y_title, lines is not None), patient_values=lines,
            weeks=weeks,
            colours=colours, colour_domain=labels, name=shown.css, value_format=shown.value_format, dark=dark))
    reconstructed = ctx.remember("trajectories_reconstructed", SELECTION_INPUTS + ("trajectory_outcomes",), lambda: (
        chosen.n_patients > 0 and chosen.is_reconstructed([o.column for o in panels_chosen])))
    notes = [lines_note] if lines_note else []
    if absent:
        notes.append(f"Not recorded for the selected patients, so not drawn: {', '.join(absent)}.")
    if any("clipped" in summary.columns and summary["clipped"].fillna(False).any() for _, summary in numbers):
        notes.append(CLIPPED_WORDS)
    unmeasured = [f"{outcome(column).title} for {group}" for column, summary in numbers
                  for group, n in _n_per_group(summary).items() if n == 0 and ctx.group_counts.get(group, 0) > 0]
    if unmeasured:  # a row of n=0 under a panel: say it is a group with no values, not an empty chart
        notes.append(f"No values of {'; '.join(unmeasured)} (n=0 under the panel).")
    spec = plots.panels_spec(panels, reconstructed=reconstructed, dark=dark, subtitle=" ".join(notes) or None)
    missing = ctx.remember("trajectories_missing", ("trajectory_outcomes",), lambda: tuple(  # kept per cohort shown
        note for o in panels_chosen for note in [ctx.cohort.missing_outcome_note(o.column)] if note))
    return TrajectoriesModel(spec=spec, numbers=tuple(numbers), missing=missing)


def _n_per_group(summary: pd.DataFrame) -> dict[str, int]:
    """Values per group over every visit of a summary (plain Python: this runs on every redraw)."""
    out: dict[str, int] = {}
    for group, n in zip(summary["group"].tolist(), summary["n"].tolist()):
        out[str(group)] = out.get(str(group), 0) + int(n)
    return out


def highlight_values(ctx: Context, column: str) -> pd.DataFrame:
    """The highlighted patient's values of ``column`` at the visits drawn: ``week``, ``value``, ``provenance``."""
    visits = ctx.selected.visits
    mine = visits[visits["patient_id"].astype(str) == ctx.state.highlight]
    if column not in mine.columns:
        return pd.DataFrame(columns=["week", "value", "provenance"])
    weeks = set(int(w) for w in ctx.options.weeks)
    week = pd.to_numeric(mine["week"], errors="coerce")
    value = pd.to_numeric(mine[column], errors="coerce")
    keep = value.notna() & week.isin(weeks)
    provenance = (mine["provenance"].astype("string").fillna("") if "provenance" in mine.columns
                  else pd.Series("", index=mine.index))
    return pd.DataFrame({"week": week[keep].astype(int), "value": value[keep].astype(float),
                         "provenance": provenance[keep]}).sort_values("week").reset_index(drop=True)


def highlight(ctx: Context, model: TrajectoriesModel) -> TrajectoriesModel:
    """The section's model with the highlighted patient's line drawn over each panel, whether or not each
    patient's line is shown."""
    if ctx.state.highlight is None or not model.numbers:
        return model
    chosen = [outcome(column) for column, _ in model.numbers]
    lines = [(o.css, highlight_values(ctx, o.column)) for o in chosen]
    return replace(model, spec=plots.highlight_panels(model.spec, lines, ctx.state.highlight, dark=ctx.dark,
                                                      value_formats={o.css: o.value_format for o in chosen}))
