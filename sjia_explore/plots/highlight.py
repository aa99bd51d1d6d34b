"""One patient highlighted on charts already made: their row of the swimmer chart, their line over the
trajectory means, their point of the continuous window-of-opportunity chart.

Each function takes a finished specification and returns a new one with the patient's marks added on
top (nothing else changes), so that the charts themselves are made once and a new highlight only adds
a layer. The patient's id is data: it travels in datasets and top-level parameters, never inside a
Vega expression. Layers are named so that Vega gives their marks CSS classes ending in
``highlight_row_marks``, ``highlight_line_marks``, ``highlight_point_marks`` and ``highlight_label_marks``.

Examples
--------
>>> import pandas as pd
>>> from sjia_explore.plots import swimmer_spec
>>> visits = pd.DataFrame({"patient_id": ["a", "b"], "row": ["a (2.0 mo)", "b (5.0 mo)"], "week": [0, 0],
...                        "state": ["high", "high"], "steroid_mg_kg_day": [1.0, 0.5], "provenance": ["", ""]})
>>> spec = highlight_swimmer(swimmer_spec(visits, None, order=["a (2.0 mo)", "b (5.0 mo)"]), "b", "b (5.0 mo)")
>>> spec["layer"][0]["name"], spec["layer"][0]["data"]["values"]
('highlight_row', [{'patient_id': 'b', 'row': 'b (5.0 mo)'}])
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sjia_explore.plots.base import _records, theme_colours

#: Colour of the highlighted patient's marks (light page, dark page): a magenta no group, study or
#: activity state is drawn in.
HIGHLIGHT_COLOUR = "#c2185b"
HIGHLIGHT_COLOUR_DARK = "#f48fb1"
#: Top-level parameters holding the highlighted patient's id and row label (as data, not in expressions).
PATIENT_PARAM = "highlight_patient"
ROW_PARAM = "highlight_row_label"
#: Opacity of every other patient's marks when one is highlighted.
FADED = 0.18


def highlight_colour(dark: bool = False) -> str:
    """The highlighted patient's colour on a light or a dark page."""
    return HIGHLIGHT_COLOUR_DARK if dark else HIGHLIGHT_COLOUR


def _with_params(spec: Mapping[str, Any], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    kept = [p for p in spec.get("params", []) if p.get("name") not in values]
    return [*kept, *({"name": k, "value": v} for k, v in values.items())]


def highlight_swimmer(spec: Mapping[str, Any], patient_id: str, row: str, *, dark: bool = False) -> dict[str, Any]:
    """The swimmer chart (:func:`~sjia_explore.plots.swimmer_spec`) with one patient's row emphasised: a band
    behind the row, its label in bold, every other patient's marks faded.

    Parameters
    ----------
    spec
        A specification of :func:`~sjia_explore.plots.swimmer_spec` (not changed).
    patient_id, row
        The patient's id and their row's label (the ``row`` column drawn).
    dark
        Colours for a dark page.
    """
    out = copy.deepcopy(dict(spec))
    colour = highlight_colour(dark)
    layers = out["layer"]
    y = None
    for layer in layers:
        enc = layer.setdefault("encoding", {})
        own = layer.get("mark", {}).get("opacity", 1) if isinstance(layer.get("mark"), Mapping) else 1
        if own:  # (an invisible layer stays as it is)
            enc["opacity"] = {"condition": {"test": f"datum.patient_id === {PATIENT_PARAM}", "value": own},
                              "value": FADED * own}
        if "y" in enc:
            axis = dict(enc["y"].get("axis") or {})
            axis["labelFontWeight"] = {"condition": {"test": f"datum.value === {ROW_PARAM}", "value": "bold"},
                                       "value": "normal"}
            axis["labelColor"] = {"condition": {"test": f"datum.value === {ROW_PARAM}", "value": colour},
                                  "value": theme_colours(dark)["text"]}
            enc["y"] = {**enc["y"], "axis": axis}
            y = y or enc["y"]
    band = {"name": "highlight_row", "data": {"values": [{"patient_id": str(patient_id), "row": str(row)}]},
            "mark": {"type": "rect", "color": colour, "opacity": 0.16},
            "encoding": {"y": y, "tooltip": [{"field": "patient_id", "title": "Highlighted patient"}]}}
    out["layer"] = [band, *layers]
    out["params"] = _with_params(out, {PATIENT_PARAM: str(patient_id), ROW_PARAM: str(row)})
    return out


def highlight_panels(spec: Mapping[str, Any], lines: Sequence[tuple[str, pd.DataFrame]], patient_id: str, *,
                     dark: bool = False, value_formats: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Trajectory panels (:func:`~sjia_explore.plots.panels_spec`) with one patient's line drawn on top,
    thicker, in :data:`HIGHLIGHT_COLOUR`, labelled with their id at their last visit.

    Parameters
    ----------
    spec
        Panels side by side, each made by :func:`~sjia_explore.plots.trajectory_spec` with a ``name``
        (not changed).
    lines
        ``(panel name, values)`` per panel to draw on: ``values`` has ``week``, ``value`` and optionally
        ``provenance`` (the patient's rows of :func:`sjia_explore.trajectories.patient_values`); panels not
        named, or with no values, are left as they are.
    patient_id
        Shown as the line's label and in its tooltip.
    dark
        Colours for a dark page.
    value_formats
        Panel name -> d3 format of the values in the tooltip (default ``".1f"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from sjia_explore.plots import panels_spec, trajectory_spec
    >>> from sjia_explore.trajectories import summarise
    >>> visits = pd.DataFrame({"patient_id": ["a", "a"], "week": [0, 4], "active_joints": [6, 1]})
    >>> panel = trajectory_spec(summarise(visits, "active_joints"), title="J", y_title="Mean", name="joints")
    >>> spec = highlight_panels(panels_spec([panel], reconstructed=False),
    ...                         [("joints", pd.DataFrame({"week": [0, 4], "value": [6.0, 1.0]}))], "a")
    >>> [layer["name"] for layer in spec["hconcat"][0]["layer"][-3:]]
    ['joints_highlight_line', 'joints_highlight_points', 'joints_highlight_label']
    >>> spec["datasets"]["joints_highlight"][-1]
    {'patient_id': 'a', 'week': 4, 'value': 1.0, 'provenance': ''}
    """
    out = copy.deepcopy(dict(spec))
    colour = highlight_colour(dark)
    wanted = {name: values for name, values in lines if values is not None and len(values)}
    formats = dict(value_formats or {})
    datasets = out.setdefault("datasets", {})
    for panel in out.get("hconcat", []):
        layers = panel.get("layer", [])
        name = next((layer["name"][:-len("_band")] for layer in layers
                     if str(layer.get("name", "")).endswith("_band")), None)
        if name not in wanted:
            continue
        mean = next(layer for layer in layers if layer.get("name") == f"{name}_mean")
        x, y = mean["encoding"]["x"], {**mean["encoding"]["y"], "field": "value"}
        rows = wanted[name].assign(patient_id=str(patient_id)).sort_values("week")
        if "provenance" not in rows.columns:
            rows = rows.assign(provenance="")
        rows = rows.assign(provenance=rows["provenance"].astype("string").fillna("").astype(str))
        data = f"{name}_highlight"
        datasets[data] = _records(rows, ("patient_id", "week", "value", "provenance"))
        tooltip = [{"field": "patient_id", "type": "nominal", "title": "Highlighted patient"},
                   {"field": "week", "type": "quantitative", "title": "Week"},
                   {"field": "value", "type": "quantitative", "title": "Value", "format": formats.get(name, ".1f")},
                   {"field": "provenance", "type": "nominal", "title": "Data"}]
        enc = {"x": x, "y": y, "color": {"value": colour}}
        panel["layer"] = [*layers,
                          {"name": f"{name}_highlight_line", "data": {"name": data},
                           "mark": {"type": "line", "strokeWidth": 3.5, "opacity": 1},
                           "encoding": {**enc, "tooltip": tooltip}},
                          {"name": f"{name}_highlight_points", "data": {"name": data},
                           "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
                           "encoding": {**enc, "tooltip": tooltip}},
                          {"name": f"{name}_highlight_label", "data": {"name": data},
                           "transform": [{"window": [{"op": "rank", "as": "_from_end"}],
                                          "sort": [{"field": "week", "order": "descending"}]},
                                         {"filter": "datum._from_end === 1"}],
                           "mark": {"type": "text", "align": "right", "dy": -11, "fontWeight": "bold",
                                    "fontSize": 11},
                           "encoding": {**enc, "text": {"field": "patient_id", "type": "nominal"}}}]
    return out


def highlight_point(spec: Mapping[str, Any], point: Mapping[str, Any], *, dark: bool = False) -> dict[str, Any]:
    """The continuous window-of-opportunity chart (:func:`~sjia_explore.plots.window_continuous_spec`) with one
    patient's point ringed and labelled with their id.

    ``point`` is the patient's row of :func:`sjia_explore.window.window_points` (``patient_id``,
    ``months_onset_to_treatment``, ``y``, optionally ``note``).

    Examples
    --------
    >>> spec = {"layer": [{"name": "window_points", "mark": "point",
    ...                    "encoding": {"x": {"field": "months_onset_to_treatment", "type": "quantitative",
    ...                                       "scale": {"type": "log"}},
    ...                                 "y": {"field": "y", "type": "quantitative", "title": "Change"}}}]}
    >>> out = highlight_point(spec, {"patient_id": "Q03", "months_onset_to_treatment": 15.0, "y": -4.0})
    >>> [layer["name"] for layer in out["layer"]], out["layer"][1]["data"]["values"][0]["patient_id"]
    (['window_points', 'highlight_point', 'highlight_label'], 'Q03')
    """
    out = copy.deepcopy(dict(spec))
    colour = highlight_colour(dark)
    points = next(layer for layer in out["layer"] if layer.get("name") == "window_points")
    x, y = points["encoding"]["x"], points["encoding"]["y"]
    row = {"patient_id": str(point["patient_id"]),
           "months_onset_to_treatment": float(point["months_onset_to_treatment"]), "y": float(point["y"]),
           "note": str(point.get("note") or "")}
    data = {"values": [row]}
    enc = {"x": x, "y": y, "color": {"value": colour}}
    out["layer"] = [*out["layer"],
                    {"name": "highlight_point", "data": data,
                     "mark": {"type": "point", "filled": False, "size": 320, "strokeWidth": 3, "opacity": 1},
                     "encoding": {**enc, "tooltip": [
                         {"field": "patient_id", "title": "Highlighted patient"},
                         {"field": "months_onset_to_treatment", "title": "Months onset to IL-1", "format": ".1f"},
                         {"field": "y", "title": y.get("title") or "Change", "format": ".3~g"},
                         {"field": "note", "title": "Note"}]}},
                    {"name": "highlight_label", "data": data,
                     "mark": {"type": "text", "align": "left", "dx": 12, "dy": -10, "fontWeight": "bold",
                              "fontSize": 11},
                     "encoding": {**enc, "text": {"field": "patient_id", "type": "nominal"}}}]
    return out
