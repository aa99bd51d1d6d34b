"""Each patient's course on one row (a swimmer chart): visits coloured by activity state, corticosteroid dose,
adverse events.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": ["a", "a"], "row": ["a (2.0 mo)"] * 2, "week": [0, 4],
...                        "state": ["high", "inactive"], "steroid_mg_kg_day": [1.0, 0.0], "provenance": ["", ""]})
>>> spec = swimmer_spec(visits, None, order=["a (2.0 mo)"])
>>> [layer["name"] for layer in spec["layer"]]
['patients_rows', 'patients_span', 'patients_steroid', 'patients_visits']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from sjia_explore.plots.base import SCHEMA_URL, _records, _title, theme_colours, theme_config
from sjia_explore.plots.outcomes import STATE_COLOURS

#: Colour of a visit whose activity state cannot be computed.
NO_STATE = "not computed"


def swimmer_spec(visits: pd.DataFrame, events: pd.DataFrame | None, order: Sequence[str], *,
                 reconstructed: bool = False, dark: bool = False, subtitle: Sequence[str] = (),
                 width: int = 520) -> dict[str, Any]:
    """One row per patient (``row``, in ``order``), from week 0 to the last visit.

    ``visits``: ``patient_id``, ``row``, ``week``, ``state``, ``steroid_mg_kg_day``, ``provenance`` (and
    optionally ``score``); ``events``: ``patient_id``, ``row``, ``week``, ``term``, ``serious``, ``provenance``.
    """
    c = theme_colours(dark)
    v = visits.assign(state=visits["state"].astype("string").fillna(NO_STATE).astype(str),
                      week=visits["week"].astype(float)).sort_values(["patient_id", "week"])
    v["next_week"] = v.groupby("patient_id")["week"].shift(-1)
    span = v.groupby(["patient_id", "row"], as_index=False)["week"].agg(start="min", end="max")
    y = {"field": "row", "type": "nominal", "sort": list(order), "title": None,
         "axis": {"labelFontSize": 9}}
    x = {"field": "week", "type": "quantitative", "title": "Weeks since the IL-1 blocker was started"}
    states = {**STATE_COLOURS, NO_STATE: c["subtle"]}
    dose = v.dropna(subset=["next_week", "steroid_mg_kg_day"])
    layers: list[dict[str, Any]] = [
        # each row as a whole, invisible: a click anywhere on a child's row picks them (see the app)
        {"name": "patients_rows", "data": {"values": _records(span, ["patient_id", "row"])},
         "mark": {"type": "rect", "opacity": 0, "cursor": "pointer"},
         "encoding": {"y": y, "tooltip": [{"field": "patient_id", "title": "Patient (click to highlight)"}]}},
        {"name": "patients_span", "data": {"values": _records(span, ["patient_id", "row", "start", "end"])},
         "mark": {"type": "rule", "color": c["grid"], "strokeWidth": 1},
         "encoding": {"y": y, "x": {**x, "field": "start"}, "x2": {"field": "end"}}},
        {"name": "patients_steroid", "data": {"values": _records(dose, ["patient_id", "row", "week", "next_week",
                                                                        "steroid_mg_kg_day", "provenance"])},
         "mark": {"type": "rule", "color": "#8c6bb1", "opacity": 0.55, "strokeCap": "butt"},
         "encoding": {"y": y, "x": x, "x2": {"field": "next_week"},
                      "size": {"field": "steroid_mg_kg_day", "type": "quantitative",
                               "title": "Corticosteroid (mg/kg/day)", "scale": {"range": [0.5, 9]}},
                      "tooltip": [{"field": "patient_id", "title": "Patient"}, {"field": "week", "title": "From week"},
                                  {"field": "steroid_mg_kg_day", "title": "Corticosteroid (mg/kg/day)",
                                   "format": ".2f"},
                                  {"field": "provenance", "title": "Data"}]}},
        {"name": "patients_visits", "data": {"values": _records(v, ["patient_id", "row", "week", "state", "score",
                                                                     "steroid_mg_kg_day", "provenance"])},
         "mark": {"type": "point", "filled": True, "size": 45, "stroke": c["background"], "strokeWidth": 0.5},
         "encoding": {"y": y, "x": x,
                      "color": {"field": "state", "type": "nominal", "title": "Activity state (sJADAS10)",
                                "scale": {"domain": list(states), "range": list(states.values())}},
                      "tooltip": [{"field": "patient_id", "title": "Patient"}, {"field": "week", "title": "Week"},
                                  {"field": "state", "title": "Activity state"},
                                  {"field": "score", "title": "sJADAS10", "format": ".1f"},
                                  {"field": "steroid_mg_kg_day", "title": "Corticosteroid (mg/kg/day)",
                                   "format": ".2f"},
                                  {"field": "provenance", "title": "Data"}]}},
    ]
    if events is not None and len(events):
        e = events.assign(serious=events["serious"].map({True: "serious", False: "not serious"}).fillna(""))
        layers.append(
            {"name": "patients_events", "data": {"values": _records(e, ["patient_id", "row", "week", "term", "serious",
                                                                        "provenance"])},
             "mark": {"type": "point", "shape": "triangle-down", "filled": True, "size": 40, "color": "#b2182b",
                      "yOffset": -6},
             "encoding": {"y": y, "x": x,
                          "tooltip": [{"field": "patient_id", "title": "Patient"}, {"field": "week", "title": "Week"},
                                      {"field": "term", "title": "Adverse event"},
                                      {"field": "serious", "title": "Serious"},
                                      {"field": "provenance", "title": "Data"}]}})
    return {"$schema": SCHEMA_URL,
            "title": _title(reconstructed, dark, subtitle, measured="Each patient"),
            "width": width, "height": {"step": 14}, "layer": layers,
            "resolve": {"scale": {"color": "independent"}}, "config": theme_config(dark)}
