"""Charts of per-visit summaries: pure functions from DataFrames to Vega-Lite charts.

Nothing here touches widgets, files or the network. A chart holds only the
rows it draws: the per-visit summaries of :mod:`sjia_explore.trajectories`
and, when asked for, one row per patient and visit for the thin per-patient
lines. Data text only ever appears as data (never inside a Vega expression),
and tooltips keep vega-tooltip's default escaping.

Two layers of the same thing:

- ``*_spec`` functions return the Vega-Lite specification as a plain ``dict``.
  They take milliseconds, so the dashboard calls them on every change.
- :func:`trajectory_chart` and :func:`trajectory_panels` wrap the same
  specifications as Altair charts, for notebooks (display, ``.save()``, further
  ``.properties()``). Building the same chart through Altair's object API takes
  about a second for three panels, too slow for a slider.

Examples
--------
>>> import pandas as pd
>>> from sjia_explore.trajectories import summarise
>>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "week": [0, 4, 0, 4],
...                        "active_joints": [6, 1, 4, 0]})
>>> panel = trajectory_chart(summarise(visits, "active_joints"), title="Active joints",
...                          y_title="Mean active joints")
>>> chart = trajectory_panels([panel], reconstructed=True)
>>> chart.to_dict()["title"]["text"]
'Reconstructed data'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

#: Visits of the bundled studies, in weeks since the IL-1 blocker was started.
DEFAULT_WEEKS = (0, 4, 8, 12, 24)
#: Title shown on every chart of reconstructed values.
RECONSTRUCTED_TITLE = "Reconstructed data"
RECONSTRUCTED_SUBTITLE = ("Follow-up values were generated to match the published averages; "
                          "they are not measurements of real patients.")
MEASURED_TITLE = "Mean with 95% confidence interval"
HOW_TO_READ = ("Line: mean; shaded band: 95% confidence interval of the mean (only with 2 or more patients); "
               "n: patients with a value at that visit.")

#: Colour-blind-safe colours, in group order (early, late, ...); "not recorded" is grey.
PALETTE = ("#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#b7791f", "#c53030")
MISSING_COLOUR = "#8a8a8a"
RECONSTRUCTED_COLOUR = "#9b2c2c"
MISSING_LABEL = "not recorded"

_N_ROW_GAP_PX = 13  # vertical distance between the n rows of two groups
_N_ROW_OFFSET_PX = 42  # distance from the bottom of the plot to the first n row
_SUMMARY_FIELDS = ("group", "week", "n", "n_missing", "mean", "ci_low", "ci_high", "median", "q1", "q3")


def group_colours(groups: Sequence[str], missing_label: str = MISSING_LABEL) -> dict[str, str]:
    """A colour for each group label, in order; the 'not recorded' group is grey.

    Examples
    --------
    >>> group_colours(["early (< 12 mo)", "late (≥ 12 mo)"])
    {'early (< 12 mo)': '#2b6cb0', 'late (≥ 12 mo)': '#dd6b20'}
    """
    out, i = {}, 0
    for g in groups:
        if g == missing_label:
            out[g] = MISSING_COLOUR
        else:
            out[g] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _clean(value: Any) -> Any:
    """JSON-ready scalar: NaN/NA -> None, numpy -> Python."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(df: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in df.columns]
    return [{c: _clean(v) for c, v in zip(cols, row)} for row in df[cols].itertuples(index=False, name=None)]


def trajectory_spec(summary: pd.DataFrame, *, title: str, y_title: str,
                    patient_values: pd.DataFrame | None = None,
                    weeks: Sequence[int] = DEFAULT_WEEKS,
                    colours: Mapping[str, str] | None = None,
                    name: str = "trajectory", value_format: str = ".1f",
                    width: int = 230, height: int = 190) -> dict[str, Any]:
    """Vega-Lite specification of one outcome over the visits (see :func:`trajectory_chart`).

    Returns
    -------
    dict
        A layered Vega-Lite specification whose rows are in its top-level
        ``datasets`` (``<name>_summary`` and, with ``patient_values``,
        ``<name>_patients``).
    """
    groups = list(dict.fromkeys(summary["group"].astype(str).tolist()))
    colours = dict(colours) if colours is not None else group_colours(groups)
    weeks = sorted(int(w) for w in weeks)
    rows = summary.copy()
    rows["group"] = rows["group"].astype(str)
    rows["n_label"] = "n=" + rows["n"].astype(int).astype(str)
    rows["group_index"] = rows["group"].map({g: i for i, g in enumerate(groups)})
    summary_name, patients_name = f"{name}_summary", f"{name}_patients"
    datasets = {summary_name: _records(rows, (*_SUMMARY_FIELDS, "n_label", "group_index"))}

    x = {"field": "week", "type": "quantitative", "title": "Week",
         "scale": {"domain": [weeks[0], weeks[-1]], "nice": False},
         "axis": {"values": weeks, "format": "d", "grid": False}}
    y_scale = {"domainMin": 0, "zero": True, "clamp": True, "nice": True}
    axis_format = value_format.replace("f", "~f") if value_format.endswith("f") else value_format
    colour = {"field": "group", "type": "nominal",
              "scale": {"domain": groups, "range": [colours[g] for g in groups]},
              "legend": {"title": None, "orient": "bottom", "symbolType": "stroke", "symbolStrokeWidth": 3,
                         "symbolOpacity": 1, "labelLimit": 260}}
    tooltip = [
        {"field": "group", "type": "nominal", "title": "Group"},
        {"field": "week", "type": "quantitative", "title": "Week"},
        {"field": "n", "type": "quantitative", "title": "Patients with a value"},
        {"field": "n_missing", "type": "quantitative", "title": "Patients without a value"},
        {"field": "mean", "type": "quantitative", "title": "Mean", "format": value_format},
        {"field": "ci_low", "type": "quantitative", "title": "95% CI from", "format": value_format},
        {"field": "ci_high", "type": "quantitative", "title": "95% CI to", "format": value_format},
        {"field": "median", "type": "quantitative", "title": "Median", "format": value_format},
        {"field": "q1", "type": "quantitative", "title": "Lower quartile", "format": value_format},
        {"field": "q3", "type": "quantitative", "title": "Upper quartile", "format": value_format},
    ]
    layers: list[dict[str, Any]] = []
    if patient_values is not None and len(patient_values):
        datasets[patients_name] = _records(patient_values, ("patient_id", "group", "week", "value"))
        spaghetti = {
            "x": x, "color": colour, "detail": {"field": "patient_id", "type": "nominal"},
            "y": {"field": "value", "type": "quantitative", "scale": y_scale, "title": y_title},
            "tooltip": [{"field": "patient_id", "type": "nominal", "title": "Patient"},
                        {"field": "group", "type": "nominal", "title": "Group"},
                        {"field": "week", "type": "quantitative", "title": "Week"},
                        {"field": "value", "type": "quantitative", "title": "Value", "format": value_format}],
        }
        layers.append({"name": f"{name}_patients", "data": {"name": patients_name},
                       "mark": {"type": "line", "strokeWidth": 1, "opacity": 0.35}, "encoding": spaghetti})
        layers.append({"name": f"{name}_patientpoints", "data": {"name": patients_name},
                       "mark": {"type": "circle", "size": 14, "opacity": 0.45}, "encoding": spaghetti})
    layers.append({
        "name": f"{name}_band", "data": {"name": summary_name}, "transform": [{"filter": "datum.n >= 2"}],
        "mark": {"type": "area", "opacity": 0.18},
        "encoding": {"x": x, "y": {"field": "ci_low", "type": "quantitative", "scale": y_scale, "title": y_title},
                     "y2": {"field": "ci_high"}, "color": colour},
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
        "mark": {"type": "point", "filled": True, "size": 45, "opacity": 1},
        "encoding": {"x": x, "y": mean_y, "color": colour, "tooltip": tooltip},
    })
    for i, group in enumerate(groups):
        layers.append({
            "name": f"{name}_n{i}", "data": {"name": summary_name},
            "transform": [{"filter": {"field": "group_index", "equal": i}}],
            "mark": {"type": "text", "fontSize": 10, "baseline": "middle"},
            "encoding": {"x": x, "y": {"value": height + _N_ROW_OFFSET_PX + i * _N_ROW_GAP_PX},
                         "text": {"field": "n_label", "type": "nominal"}, "color": {"value": colours[group]},
                         "tooltip": [{"field": "group", "type": "nominal", "title": "Group"},
                                     {"field": "week", "type": "quantitative", "title": "Week"},
                                     {"field": "n", "type": "quantitative", "title": "Patients with a value"}]},
        })
    return {"$schema": alt.SCHEMA_URL, "title": title, "width": width, "height": height,
            "layer": layers, "datasets": datasets}


def panels_spec(panels: Sequence[Mapping[str, Any]], *, reconstructed: bool,
                subtitle: str | None = None) -> dict[str, Any]:
    """Vega-Lite specification of panels side by side (see :func:`trajectory_panels`)."""
    datasets: dict[str, Any] = {}
    inner = []
    for panel in panels:
        panel = dict(panel)
        datasets.update(panel.pop("datasets", {}))
        panel.pop("$schema", None)
        panel.pop("config", None)
        inner.append(panel)
    lines = [RECONSTRUCTED_SUBTITLE] if reconstructed else []
    lines.append(HOW_TO_READ)
    if subtitle:
        lines.append(subtitle)
    return {
        "$schema": alt.SCHEMA_URL,
        "title": {"text": RECONSTRUCTED_TITLE if reconstructed else MEASURED_TITLE, "subtitle": lines,
                  "color": RECONSTRUCTED_COLOUR if reconstructed else "#222222", "subtitleColor": "#444444",
                  "anchor": "start", "fontSize": 15, "subtitleFontSize": 12},
        "hconcat": inner, "spacing": 28,
        "resolve": {"scale": {"color": "shared"}},
        "datasets": datasets,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12},
                   "title": {"fontSize": 13}, "legend": {"labelFontSize": 12}},
    }


def trajectory_chart(summary: pd.DataFrame, *, title: str, y_title: str,
                     patient_values: pd.DataFrame | None = None,
                     weeks: Sequence[int] = DEFAULT_WEEKS,
                     colours: Mapping[str, str] | None = None,
                     name: str = "trajectory", value_format: str = ".1f",
                     width: int = 230, height: int = 190) -> alt.LayerChart:
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

    Returns
    -------
    altair.LayerChart
    """
    spec = trajectory_spec(summary, title=title, y_title=y_title, patient_values=patient_values, weeks=weeks,
                           colours=colours, name=name, value_format=value_format, width=width, height=height)
    return alt.LayerChart.from_dict(spec, validate=False)  # checked when the chart is drawn or saved


def trajectory_panels(panels: Sequence[alt.LayerChart | Mapping[str, Any]], *, reconstructed: bool,
                      subtitle: str | None = None) -> alt.HConcatChart:
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

    Returns
    -------
    altair.HConcatChart
    """
    specs = [p if isinstance(p, Mapping) else p.to_dict() for p in panels]
    spec = panels_spec(specs, reconstructed=reconstructed, subtitle=subtitle)
    return alt.HConcatChart.from_dict(spec, validate=False)  # checked when the chart is drawn or saved
