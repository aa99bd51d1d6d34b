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

import numpy as np
import pandas as pd

from sjia_explore import outcomes, plots
from sjia_explore.app.compute.context import Context
from sjia_explore.app.compute.trajectories import line_patients
from sjia_explore.app.model import PatientsModel

#: What the section depends on.
INPUTS = ("selection", "dark")


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
