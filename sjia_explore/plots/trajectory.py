"""Trajectories: one outcome per visit (mean, 95% CI, n), panels side by side, and their Altair forms."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjia_explore.plots.base import (
    _SUMMARY_FIELDS,
    DEFAULT_WEEKS,
    GROUP_LABELS_PARAM,
    GROUP_SHOWN_PARAM,
    HOW_TO_READ,
    RECONSTRUCTED_SUBTITLE,
    SCHEMA_URL,
    Y_TOP_SUFFIX,
    _clean,
    _hoist,
    _records,
    _title,
    axis_title_lines,
    ci_text,
    group_colours,
    n_row_px,
    theme_config,
    title_under_n_rows,
)

if TYPE_CHECKING:
    import altair as alt


#: How far above the highest mean (or patient's value) a confidence band may reach before the y axis stops
#: following it: beyond twice as high, the band is cut at the top of the chart (marked ▲) so that the means of a
#: small group are not flattened at the bottom by a wide band.
BAND_HEADROOM = 2.0
#: Said in the tooltip of the ▲ drawn where a band is cut at the top.
BAND_CUT_TEXT = "the band goes on above the chart (cut at its top)"
#: Said under the title of panels where a band is cut at the top.
BAND_CUT_NOTE = ("Where a band reaches far above the means (a small group), the axis follows the means and "
                 "the band is cut at the top of the chart, marked ▲; its full range is in the tooltip and "
                 "in Numbers (CSV).")


def _band_cut(datasets: Mapping[str, Any], tops: Mapping[str, float]) -> bool:
    """Whether any panel's band (rows of ``<name>_summary`` with n >= 2) goes above the top of its axis."""
    for name, top in tops.items():
        if any((r.get("n") or 0) >= 2 and r.get("ci_high") is not None and r["ci_high"] > top
               for r in datasets.get(f"{name}_summary", [])):
            return True
    return False


def nice_top(value: float) -> float:
    """The top of an axis for ``value``: rounded up to a round step (a fifth of its power of ten from 1 to 2,
    half of it above); 1 when there is nothing to show.

    Examples
    --------
    >>> nice_top(0.54), nice_top(31), nice_top(10.5), nice_top(10), nice_top(0)
    (0.55, 35.0, 12.0, 10.0, 1.0)
    """
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    step = power / 5 if value < 2 * power else power / 2
    return float(round(math.ceil(value / step - 1e-9) * step, 12))


def y_top(summary: pd.DataFrame, patient_values: pd.DataFrame | None = None,
          headroom: float = BAND_HEADROOM) -> tuple[float, bool]:
    """The top of a trajectory panel's y axis, and whether a confidence band is cut there.

    The axis follows the means (and each patient's values, when drawn). A band
    reaching no higher than ``headroom`` times the highest of them is shown
    whole; a wider one (a group of two or three) is cut at the top, so that
    the means stay readable.

    Returns
    -------
    (float, bool)
        The top of the axis (a round number) and True when a band goes above it.

    Examples
    --------
    >>> import pandas as pd
    >>> two = pd.DataFrame({"n": [2, 2], "mean": [0.25, 0.1], "ci_low": [0.0, 0.0], "ci_high": [4.0, 1.2]})
    >>> y_top(two)
    (0.5, True)
    >>> y_top(two.assign(ci_high=[0.3, 0.2]))
    (0.3, False)
    """
    n = summary["n"].to_numpy(dtype=float)
    drawn = summary["mean"].to_numpy(dtype=float)[n >= 1]
    drawn = drawn[~np.isnan(drawn)]
    values = [float(drawn.max())] if len(drawn) else []
    if patient_values is not None and len(patient_values) and patient_values["value"].notna().any():
        values.append(float(patient_values["value"].max()))
    band = summary["ci_high"].to_numpy(dtype=float)[n >= 2]
    band = band[~np.isnan(band)]
    band_top = float(band.max()) if len(band) else float("nan")
    data_top = max(values) if values else float("nan")
    if not math.isfinite(data_top):
        return nice_top(band_top), False
    if not math.isfinite(band_top) or band_top <= headroom * data_top:
        return nice_top(max(data_top, band_top) if math.isfinite(band_top) else data_top), False
    top = nice_top(headroom * data_top)
    return top, band_top > top


# --------------------------------------------------------------------------------------
# Trajectories
# --------------------------------------------------------------------------------------
def trajectory_spec(summary: pd.DataFrame, *, title: str, y_title: str,
                    patient_values: pd.DataFrame | None = None,
                    weeks: Sequence[int] = DEFAULT_WEEKS,
                    colours: Mapping[str, str] | None = None,
                    name: str = "trajectory", value_format: str = ".1f",
                    width: int = 230, height: int = 190, dark: bool = False,
                    colour_domain: Sequence[str] | None = None, legend: bool = True) -> dict[str, Any]:
    """Vega-Lite specification of one outcome over the visits (see :func:`trajectory_chart`).

    ``colour_domain`` lists every group of the panels drawn side by side, and
    of the views a filter can lead to (so that a group keeps its colour and its
    row of ``n`` labels whichever groups are present); the legend lists only
    the groups in ``summary``. ``legend=False`` leaves the colour legend out
    (when panel titles name the groups).

    Returns
    -------
    dict
        A layered Vega-Lite specification whose rows are in its top-level
        ``datasets`` (``<name>_summary`` and, with ``patient_values``,
        ``<name>_patients``).
    """
    y_title = axis_title_lines(y_title, height)
    groups = list(dict.fromkeys(summary["group"].astype(str).tolist()))
    domain = list(dict.fromkeys([*colour_domain, *groups])) if colour_domain is not None else groups
    colours = dict(colours) if colours is not None else group_colours(domain, dark=dark)
    position = {g: i for i, g in enumerate(domain)}
    weeks = sorted(int(w) for w in weeks)
    # the rows, column by column as lists (no copy of the frame: this runs on every redraw)
    columns = {c: summary[c].tolist() for c in _SUMMARY_FIELDS if c in summary.columns}
    columns["group"] = [str(g) for g in columns["group"]]
    columns["n_label"] = [f"n={int(n)}" for n in columns["n"]]
    columns["group_index"] = [position[g] for g in columns["group"]]
    columns["ci_text"] = [ci_text(lo, hi, value_format, "not computed (fewer than 2 patients)") if n >= 1 else ""
                          for lo, hi, n in zip(columns["ci_low"], columns["ci_high"], columns["n"])]
    summary_name, patients_name = f"{name}_summary", f"{name}_patients"
    datasets = {summary_name: [{c: _clean(v) for c, v in zip(columns, row)} for row in zip(*columns.values())]}

    x = {"field": "week", "type": "quantitative", "title": "Week",
         "scale": {"domain": [weeks[0], weeks[-1]], "nice": False},
         "axis": {"values": weeks, "format": "d", "grid": False, **title_under_n_rows(len(domain))}}
    # The axis follows the means and points; a band reaching far above them is cut at the top (y_top).
    # Its top is a parameter, so that a new selection changes a value, not the structure.
    top_param = f"{name}{Y_TOP_SUFFIX}"
    top, _cut = y_top(summary, patient_values)
    y_scale = {"domain": [0, {"expr": top_param}], "zero": True, "clamp": True, "nice": False}
    axis_format = value_format.replace("f", "~f") if value_format.endswith("f") else value_format
    # Colours are keyed by the group's position, and the legend reads the labels from a parameter:
    # groups renamed by a new cut-off change rows and one parameter value, never the structure.
    colour = {"field": "group_index", "type": "nominal",
              "scale": {"domain": list(range(len(domain))), "range": [colours[g] for g in domain]},
              "legend": {"title": None, "orient": "bottom", "symbolType": "stroke", "symbolStrokeWidth": 3,
                         "symbolOpacity": 1, "labelLimit": 260, "values": {"expr": GROUP_SHOWN_PARAM},
                         "labelExpr": f"{GROUP_LABELS_PARAM}[datum.value]"} if legend else None}
    tooltip = [
        {"field": "group", "type": "nominal", "title": "Group"},
        {"field": "week", "type": "quantitative", "title": "Week"},
        {"field": "mean", "type": "quantitative", "title": "Mean", "format": value_format},
        {"field": "ci_text", "type": "nominal", "title": "95% CI of the mean"},
        {"field": "n", "type": "quantitative", "title": "Patients with a value (n)"},
        {"field": "n_missing", "type": "quantitative", "title": "Patients without a value"},
        {"field": "median", "type": "quantitative", "title": "Median", "format": value_format},
        {"field": "q1", "type": "quantitative", "title": "Lower quartile", "format": value_format},
        {"field": "q3", "type": "quantitative", "title": "Upper quartile", "format": value_format},
    ]
    # The band first: everything drawn later stays reachable for tooltips.
    layers: list[dict[str, Any]] = []
    layers.append({
        "name": f"{name}_band", "data": {"name": summary_name}, "transform": [{"filter": "datum.n >= 2"}],
        "mark": {"type": "area", "opacity": 0.18},
        "encoding": {"x": x, "y": {"field": "ci_low", "type": "quantitative", "scale": y_scale, "title": y_title},
                     "y2": {"field": "ci_high"}, "color": colour},
    })
    if patient_values is not None and len(patient_values):
        lines = patient_values.assign(group_index=patient_values["group"].astype(str).map(position))
        datasets[patients_name] = _records(lines, ("patient_id", "group", "group_index", "week", "value"))
        base = {"x": x, "color": colour, "detail": {"field": "patient_id", "type": "nominal"},
                "y": {"field": "value", "type": "quantitative", "scale": y_scale, "title": y_title}}
        layers.append({"name": f"{name}_patients", "data": {"name": patients_name},
                       "mark": {"type": "line", "strokeWidth": 1, "opacity": 0.35},
                       "encoding": {**base, "tooltip": [
                           {"field": "patient_id", "type": "nominal", "title": "Patient"},
                           {"field": "group", "type": "nominal", "title": "Group"}]}})
        layers.append({"name": f"{name}_patientpoints", "data": {"name": patients_name},
                       "mark": {"type": "circle", "size": 24, "opacity": 0.5},
                       "encoding": {**base, "tooltip": [
                           {"field": "patient_id", "type": "nominal", "title": "Patient"},
                           {"field": "week", "type": "quantitative", "title": "Week"},
                           {"field": "value", "type": "quantitative", "title": "Value", "format": value_format},
                           {"field": "group", "type": "nominal", "title": "Group"}]}})
    # where a band is cut at the top of the chart: a ▲ at the top, its full interval in the tooltip
    layers.append({
        "name": f"{name}_bandcut", "data": {"name": summary_name},
        "transform": [{"filter": f"datum.n >= 2 && datum.ci_high > {top_param}"},
                      {"calculate": f"'{BAND_CUT_TEXT}'", "as": "cut_note"}],
        # aria False: an empty layer would be an unnamed image to a screen reader; the note says it in words
        "mark": {"type": "point", "shape": "triangle-up", "filled": True, "size": 70, "opacity": 0.9, "aria": False},
        "encoding": {"x": x, "y": {"field": "ci_high", "type": "quantitative", "scale": y_scale, "title": y_title},
                     "color": colour,
                     "tooltip": [{"field": "group", "type": "nominal", "title": "Group"},
                                 {"field": "week", "type": "quantitative", "title": "Week"},
                                 {"field": "ci_text", "type": "nominal", "title": "95% CI of the mean"},
                                 {"field": "cut_note", "type": "nominal", "title": "Band"}]},
    })
    mean_y = {"field": "mean", "type": "quantitative", "scale": y_scale, "title": y_title,
              "axis": {"format": axis_format}}
    layers.append({
        "name": f"{name}_mean", "data": {"name": summary_name}, "transform": [{"filter": "datum.n >= 1"}],
        "mark": {"type": "line", "strokeWidth": 2.5},
        "encoding": {"x": x, "y": mean_y, "color": colour},
    })
    layers.append({
        "name": f"{name}_meanpoints", "data": {"name": summary_name}, "transform": [{"filter": "datum.n >= 1"}],
        "mark": {"type": "point", "filled": True, "size": 55, "opacity": 1},
        "encoding": {"x": x, "y": mean_y, "color": colour, "tooltip": tooltip},
    })
    for row, group in enumerate(domain):  # a row for each group of the domain: one left out leaves its row empty
        layers.append({
            "name": f"{name}_n{row}", "data": {"name": summary_name},
            "transform": [{"filter": {"field": "group_index", "equal": position[group]}}],
            "mark": {"type": "text", "fontSize": 10, "baseline": "middle"},
            "encoding": {"x": x, "y": {"value": n_row_px(height, row)},
                         "text": {"field": "n_label", "type": "nominal"}, "color": {"value": colours[group]},
                         "tooltip": [{"field": "group", "type": "nominal", "title": "Group"},
                                     {"field": "week", "type": "quantitative", "title": "Week"},
                                     {"field": "n", "type": "quantitative", "title": "Patients with a value"}]},
        })
    return {"$schema": SCHEMA_URL, "title": title, "width": width, "height": height,
            "params": [{"name": GROUP_LABELS_PARAM, "value": domain},
                       {"name": GROUP_SHOWN_PARAM, "value": [position[g] for g in groups]},
                       {"name": top_param, "value": top}],
            "layer": layers, "datasets": datasets, "config": theme_config(dark)}


def panels_spec(panels: Sequence[Mapping[str, Any]], *, reconstructed: bool,
                subtitle: str | None = None, dark: bool = False, shared_y: bool = False,
                how_to_read: str | None = HOW_TO_READ) -> dict[str, Any]:
    """Vega-Lite specification of panels side by side (see :func:`trajectory_panels`).

    Parameters
    ----------
    panels
        Specifications from :func:`trajectory_spec`.
    reconstructed
        True when any value drawn is reconstructed (title and first line say so).
    subtitle
        Extra line under the title.
    dark
        Draw for a dark page.
    shared_y
        One y scale for every panel (to compare panels of the same outcome).
    how_to_read
        Line explaining the marks (``None``: none).
    """
    inner, datasets, params = _hoist(panels)
    tops = {p["name"][: -len(Y_TOP_SUFFIX)]: p["value"] for p in params if p["name"].endswith(Y_TOP_SUFFIX)}
    if shared_y and len(tops) > 1:
        # one axis for every panel: one parameter, the highest top (each panel's ▲ is measured against it)
        shared = f"shared{Y_TOP_SUFFIX}"
        text = json.dumps(inner)
        for name in tops:
            text = re.sub(rf"\b{re.escape(name + Y_TOP_SUFFIX)}\b", shared, text)
        inner = json.loads(text)
        top = max(tops.values())
        params = [p for p in params if not p["name"].endswith(Y_TOP_SUFFIX)] + [{"name": shared, "value": top}]
        tops = dict.fromkeys(tops, top)
    lines = [RECONSTRUCTED_SUBTITLE] if reconstructed else []
    if how_to_read:
        lines.append(how_to_read)
    if subtitle:
        lines.append(subtitle)
    if _band_cut(datasets, tops):
        lines.append(BAND_CUT_NOTE)
    scales = {"color": "shared"}
    if shared_y:
        scales["y"] = "shared"
    return {
        "$schema": SCHEMA_URL,
        "title": _title(reconstructed, dark, lines),
        **({"params": params} if params else {}),
        "hconcat": inner, "spacing": 28,
        "resolve": {"scale": scales},
        "datasets": datasets,
        "config": theme_config(dark),
    }


def trajectory_chart(summary: pd.DataFrame, *, title: str, y_title: str,
                     patient_values: pd.DataFrame | None = None,
                     weeks: Sequence[int] = DEFAULT_WEEKS,
                     colours: Mapping[str, str] | None = None,
                     name: str = "trajectory", value_format: str = ".1f",
                     width: int = 230, height: int = 190, dark: bool = False) -> alt.LayerChart:
    """One outcome over the visits: mean line and 95% CI band per group, n under each visit.

    Parameters
    ----------
    summary
        Output of :func:`sjia_explore.trajectories.summarise`.
    title
        Panel title, e.g. ``"Active joints"``.
    y_title
        Y-axis title with the unit, e.g. ``"Mean active joints"``.
    patient_values
        Output of :func:`sjia_explore.trajectories.patient_values` to draw one
        thin line per patient (with the patient id in the tooltip); ``None``: none.
    weeks
        Visit weeks marked on the x axis; the axis spans the first to the last.
    colours
        Group label -> colour; default :func:`group_colours`.
    name
        Prefix of the layers' names. Vega gives each drawn mark the CSS class
        ``<name>_<layer>_marks`` (``<name>_mean_marks``, ``<name>_meanpoints_marks``,
        ``<name>_band_marks``, ``<name>_n0_marks``, ``<name>_patients_marks``).
    value_format
        d3 format of values in tooltips and on the y axis (``".2f"`` for doses).
    width, height
        Size of the plotting area in pixels (the n rows are drawn below it).
    dark
        Colours for a dark page.

    Returns
    -------
    altair.LayerChart
    """
    spec = trajectory_spec(summary, title=title, y_title=y_title, patient_values=patient_values, weeks=weeks,
                           colours=colours, name=name, value_format=value_format, width=width, height=height,
                           dark=dark)
    import altair as alt

    return alt.LayerChart.from_dict(spec, validate=False)  # checked when the chart is drawn or saved


def trajectory_panels(panels: Sequence[alt.LayerChart | Mapping[str, Any]], *, reconstructed: bool,
                      subtitle: str | None = None, dark: bool = False) -> alt.HConcatChart:
    """Panels side by side under one title that says whether the data are reconstructed.

    Parameters
    ----------
    panels
        Charts from :func:`trajectory_chart` (or specifications from :func:`trajectory_spec`).
    reconstructed
        True when any value drawn is reconstructed: the title then reads
        "Reconstructed data" in a warning colour, with a one-line explanation.
    subtitle
        Extra line under the title, e.g. the subgroup in words.
    dark
        Colours for a dark page.

    Returns
    -------
    altair.HConcatChart
    """
    import altair as alt

    specs = [p if isinstance(p, Mapping) else p.to_dict() for p in panels]
    spec = panels_spec(specs, reconstructed=reconstructed, subtitle=subtitle, dark=dark)
    return alt.HConcatChart.from_dict(spec, validate=False)  # checked when the chart is drawn or saved


def with_reference_points(spec: Mapping[str, Any], points: Sequence[Mapping[str, Any]], name: str, *,
                          value_title: str = "Printed in the paper", colour: str = "black") -> dict[str, Any]:
    """A trajectory panel with reference values drawn on it as diamonds (e.g. the means a paper printed).

    The panel's y axis is raised to take every reference value: its axis follows the means, and a value
    above its top would otherwise be drawn on the top edge (the scale clamps).

    Parameters
    ----------
    spec
        One panel of :func:`trajectory_spec` (not changed).
    points
        One mapping per point: ``week``, ``value`` and ``where`` (the source, shown in the tooltip).
    name
        Name of the panel; the points' dataset is ``<name>_reference``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sjia_explore.trajectories import summarise
    >>> visits = pd.DataFrame({"patient_id": ["a", "a"], "week": [0, 4], "active_joints": [6, 1]})
    >>> panel = trajectory_spec(summarise(visits, "active_joints"), title="Joints", y_title="Mean", name="joints")
    >>> out = with_reference_points(panel, [{"week": 0, "value": 5.9, "where": "Table 1"}], "joints")
    >>> out["datasets"]["joints_reference"], len(out["layer"]) == len(panel["layer"]) + 1
    ([{'week': 0, 'value': 5.9, 'where': 'Table 1'}], True)
    >>> high = with_reference_points(panel, [{"week": 4, "value": 23.5, "where": "Table 2"}], "joints")
    >>> [p["value"] for p in high["params"] if p["name"] == "joints_y_top"]
    [25.0]
    """
    rows = [{"week": p["week"], "value": p["value"], "where": p.get("where", "")} for p in points]
    values = [float(r["value"]) for r in rows if r["value"] is not None and math.isfinite(float(r["value"]))]
    params = [dict(p) for p in spec.get("params", [])]
    for param in params:  # the axis takes the reference values too
        if param["name"] == f"{name}{Y_TOP_SUFFIX}" and values and max(values) > param["value"]:
            param["value"] = nice_top(max(values))
    layer = {"data": {"name": f"{name}_reference"},
             "mark": {"type": "point", "shape": "diamond", "size": 120, "filled": True, "color": colour},
             "encoding": {"x": {"field": "week", "type": "quantitative"},
                          "y": {"field": "value", "type": "quantitative"},
                          "tooltip": [{"field": "value", "title": value_title}, {"field": "where", "title": "Where"}]}}
    return {**spec, **({"params": params} if params else {}),
            "datasets": {**spec["datasets"], f"{name}_reference": rows}, "layer": [*spec["layer"], layer]}
