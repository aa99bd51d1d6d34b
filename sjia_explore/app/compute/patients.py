"""The each-patient section: one row per child, ordered by time from onset to the IL-1 blocker.

Examples
--------
>>> from sjia_explore import load_cohort
>>> from sjia_explore.app import Session, ViewState
>>> model = Session(load_cohort()).update(ViewState(section="patients")).sections["patients"]
>>> model.n_patients, model.spec["layer"][0]["encoding"]["y"]["sort"][0]  # the earliest treated on top
(16, 'V02 (0.6 mo)')
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from sjia_explore import outcomes, plots
from sjia_explore.app.compute.context import Context
from sjia_explore.app.compute.selection import earliest_first, ids_and_months
from sjia_explore.app.compute.trajectories import line_patients, line_sample
from sjia_explore.app.model import HighlightModel, PatientsModel
from sjia_explore.app.vocabulary import PATIENT_LINES_MAX

#: What the section depends on (the highlighted patient is drawn over it afterwards: :func:`highlight`).
INPUTS = ("selection", "dark")


def highlight_model(ctx: Context, dropped: str | None = None) -> HighlightModel:
    """The patients that can be highlighted (those of the rows drawn, in their order) and, for the one
    highlighted, a sentence: who they are, their group, months to treatment, whether their values are
    reconstructed. ``dropped``: a patient asked for whom the selection leaves out (the sentence says so).

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> from sjia_explore.app import Session, ViewState
    >>> session = Session(load_cohort())
    >>> model = session.update(ViewState(highlight="Q03"))
    >>> model.highlight.choices[0], model.highlight.sentence.split(";")[0]
    (('V02 (0.6 mo)', 'V02'), 'Highlighted: patient Q03, late (≥ 12 mo)')
    >>> session.update(ViewState(highlight="Q03", study="vastert2011")).highlight.sentence
    'Patient Q03 is no longer highlighted: the filters now leave them out.'
    """
    pid = ctx.state.highlight
    # the patients drawn do not change with the cut-off: their choices are kept per selection
    choices, ids = ctx.remember("highlight_choices", ("selection",), lambda: _choices_of(ctx))
    if pid is None:
        sentence = (f"Patient {dropped} is no longer highlighted: the filters now leave them out."
                    if dropped else "")
        return HighlightModel(choices=choices, sentence=sentence)
    features = ctx.features
    sampled_out = pid not in ids  # not among the patients drawn one by one (a random sample of a large cohort)
    if sampled_out:
        mine = features[features["patient_id"].astype(str) == pid]
        choices, _ = _choices(pd.concat([line_patients(features)[0], mine]))
    row = features[features["patient_id"].astype(str) == pid].iloc[0]
    group = row.get("duration_group")
    group = str(group) if pd.notna(group) else "early or late not known"
    m = pd.to_numeric(pd.Series([row.get("months_onset_to_treatment")]), errors="coerce").iloc[0]
    when = (f"the IL-1 blocker was started {m:.1f} months after onset" if pd.notna(m)
            else "the time from onset to the IL-1 blocker is not recorded")
    visits = ctx.selected.visits
    mine = visits[visits["patient_id"].astype(str) == pid]
    reconstructed = ("provenance" in mine.columns and mine["provenance"].eq("reconstructed").any()) or (
        str(row.get("study")) in ctx.selected.provenance_studies("visits", "reconstructed"))
    data = ("Their follow-up values are reconstructed (generated to match the published averages), not "
            "measurements." if reconstructed else "")
    where = ("Their line (Trajectories) and their ringed point (Window of opportunity) are drawn in magenta, "
             f"where they have values; Each patient draws {PATIENT_LINES_MAX:,} patients picked at random, and "
             "not them." if sampled_out else
             "Their row (Each patient), their line (Trajectories) and their ringed point (Window of opportunity) "
             "are drawn in magenta, where they have values.")
    sentence = f"Highlighted: patient {pid}, {group}; {when}. {where} {data}".strip()
    return HighlightModel(patient_id=pid, sentence=sentence, choices=choices)


def highlight(ctx: Context, model: PatientsModel) -> PatientsModel:
    """The section's model with the highlighted patient's row emphasised (the model itself when they have none)."""
    pid = ctx.state.highlight
    if model.spec is None or model.table is None or pid is None:
        return model
    rows = model.table.loc[model.table["patient_id"].astype(str) == pid, "row"]
    if not len(rows):
        return model
    return replace(model, spec=plots.highlight_swimmer(model.spec, pid, str(rows.iloc[0]), dark=ctx.dark))


def _choices_of(ctx: Context) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """The selected patients drawn one by one (:func:`line_patients`) as highlight choices, in order, and their
    ids: from the cohort's arrays, with no table made."""
    ids, months = ctx.chosen.highlight_order()
    keep = line_sample(ids)
    if keep is not None:  # a random sample of them is drawn one by one: those are the ones to pick from
        drawn = np.fromiter((i in keep for i in ids), dtype=bool, count=len(ids))
        ids, months = ids[drawn], months[drawn]
    return tuple((_row_label(i, m), i) for i, m in zip(ids, months)), frozenset(ids.tolist())


def _choices(shown: pd.DataFrame) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """The patients of ``shown`` as highlight choices, the earliest treated first (those with no time last; ties
    by id), and their ids.

    Examples
    --------
    >>> shown = pd.DataFrame({"patient_id": ["b", "a", "c", "d"], "months_onset_to_treatment": [3.0, None, 3.0, 0.5]})
    >>> [label for label, _ in _choices(shown)[0]]
    ['d (0.5 mo)', 'b (3.0 mo)', 'c (3.0 mo)', 'a (time not recorded)']
    """
    ids, months = ids_and_months(shown)
    order = earliest_first(ids, months)
    return tuple((_row_label(ids[i], months[i]), ids[i]) for i in order), frozenset(ids.tolist())


def _row_label(pid, months) -> str:
    return f"{pid} ({months:.1f} mo)" if pd.notna(months) else f"{pid} (time not recorded)"


def compute(ctx: Context) -> PatientsModel:
    """Each patient's visits with their activity state and steroid dose, and their adverse events."""
    shown, note = line_patients(ctx.features)
    shown = shown.assign(_m=pd.to_numeric(shown["months_onset_to_treatment"], errors="coerce")).sort_values(
        ["_m", "patient_id"], na_position="last")
    rows = {pid: _row_label(pid, m) for pid, m in zip(shown["patient_id"], shown["_m"])}
    visits = ctx.selected.visits
    visits = visits[visits["patient_id"].isin(rows)]
    if not len(visits):
        return PatientsModel(n_patients=0, message="Nothing to draw: the selected patients have no visits.")
    try:
        activity = outcomes.visit_activity(visits, "sjadas10")
        state_note = ""
    except KeyError as err:
        activity = visits[["patient_id", "week"]].assign(score=np.nan, state=None)
        state_note = f"Visits are grey: no activity state ({err.args[0]})."
    table = visits[["patient_id", "week"]].copy()
    table["row"] = table["patient_id"].map(rows)
    table["score"], table["state"] = activity["score"].to_numpy(), activity["state"].astype("string").to_numpy()
    table["steroid_mg_kg_day"] = (visits["steroid_mg_kg_day"].to_numpy() if "steroid_mg_kg_day" in visits.columns
                                  else np.nan)
    table["provenance"] = visits["provenance"].astype("string").fillna("").to_numpy() \
        if "provenance" in visits.columns else ""
    events = getattr(ctx.selected, "adverse_events", None)
    if events is not None and len(events):
        events = events[events["patient_id"].isin(rows) & events["week"].notna()].assign(
            row=lambda d: d["patient_id"].map(rows))
        if "provenance" not in events.columns:
            events = events.assign(provenance="")
    reconstructed = ctx.selected.is_reconstructed("visits")
    n = len(rows)
    subtitle = [f"One row per patient (n = {n}), ordered by months from onset to the IL-1 blocker (in brackets); "
                "dots: visits coloured by sJADAS10 activity state; purple band: corticosteroid dose; red triangles: "
                "adverse events.", *([note] if note else []), *([state_note] if state_note else [])]
    spec = plots.swimmer_spec(table, events, order=list(rows.values()), reconstructed=reconstructed, dark=ctx.dark,
                              subtitle=subtitle)
    return PatientsModel(n_patients=n, spec=spec, table=table, note=" ".join(filter(None, [note, state_note])),
                         reconstructed=reconstructed)
