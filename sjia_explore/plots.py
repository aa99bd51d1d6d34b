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

Every top-level specification carries a ``config`` for a light or a dark page
(:func:`theme_config`); :func:`with_theme` swaps it, e.g. to export a chart
drawn on a dark screen as a light picture.

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
from typing import TYPE_CHECKING, Any

import pandas as pd

from sjia_explore import published

if TYPE_CHECKING:  # altair is imported only by the two functions that return Altair charts
    import altair as alt

#: Vega-Lite version of every specification (the one vl-convert and the chart widget draw).
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.json"
#: Top-level parameter holding each group's label, by its position in the colour domain. The colour
#: scale is keyed by position so that a new cut-off only changes rows and this value, not the structure.
GROUP_LABELS_PARAM = "group_labels"

#: Visits of the bundled studies, in weeks since the IL-1 blocker was started (defined in published.WEEKS).
DEFAULT_WEEKS = published.WEEKS
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
#: The same hues, lighter, for a dark background.
PALETTE_DARK = ("#63b3ed", "#f6ad55", "#68d391", "#b794f4", "#ecc94b", "#fc8181")
MISSING_COLOUR_DARK = "#a8a8a8"
RECONSTRUCTED_COLOUR_DARK = "#feb2b2"
MISSING_LABEL = "not recorded"

#: Page colours of the two themes (the app's CSS uses the same values).
LIGHT = {"background": "#ffffff", "text": "#1a1a1a", "subtle": "#444444", "grid": "#e6e6e6",
         "domain": "#888888", "muted": "#9a9a9a", "band": "#000000"}
DARK = {"background": "#1a1a1a", "text": "#e8e8e8", "subtle": "#c4c4c4", "grid": "#383838",
        "domain": "#8c8c8c", "muted": "#8a8a8a", "band": "#ffffff"}

#: Fewest patients on each side for the window-of-opportunity strip to show an estimate.
MIN_PATIENTS_PER_SIDE = 3
TOO_FEW_TEXT = "too few to estimate"

_N_ROW_GAP_PX = 13  # vertical distance between the n rows of two groups
_N_ROW_OFFSET_PX = 42  # distance from the bottom of the plot to the first n row
_SUMMARY_FIELDS = ("group", "week", "n", "n_missing", "mean", "ci_low", "ci_high", "median", "q1", "q3")


# --------------------------------------------------------------------------------------
# Themes and colours
# --------------------------------------------------------------------------------------
def theme_colours(dark: bool = False) -> dict[str, str]:
    """Background, text, grid and other neutral colours of the light or dark theme."""
    return dict(DARK if dark else LIGHT)


def theme_config(dark: bool = False) -> dict[str, Any]:
    """Vega-Lite ``config`` for a light or dark page: background, text, axes, grid and legend colours.

    Examples
    --------
    >>> theme_config(dark=True)["background"]
    '#1a1a1a'
    """
    c = theme_colours(dark)
    return {
        "background": c["background"],
        "view": {"stroke": None},
        "font": "sans-serif",
        "title": {"fontSize": 13, "color": c["text"], "subtitleColor": c["subtle"]},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelColor": c["text"], "titleColor": c["text"],
                 "gridColor": c["grid"], "domainColor": c["domain"], "tickColor": c["domain"]},
        "legend": {"labelFontSize": 12, "labelColor": c["text"], "titleColor": c["text"]},
        "text": {"color": c["text"]},
        "header": {"labelColor": c["text"], "titleColor": c["text"]},
    }


def with_theme(spec: Mapping[str, Any], dark: bool = False) -> dict[str, Any]:
    """A copy of a top-level specification drawn for the other theme (config and title colours swapped).

    Group colours chosen for a theme stay as they are; the dashboard rebuilds
    specifications when its theme changes. Use this to export a chart seen on
    a dark screen as a light picture.
    """
    out = dict(spec)
    out["config"] = theme_config(dark)
    title = out.get("title")
    if isinstance(title, Mapping):
        title = dict(title)
        reconstructed = title.get("text") == RECONSTRUCTED_TITLE
        c = theme_colours(dark)
        title["color"] = (RECONSTRUCTED_COLOUR_DARK if dark else RECONSTRUCTED_COLOUR) if reconstructed else c["text"]
        title["subtitleColor"] = c["subtle"]
        out["title"] = title
    return out


def group_colours(groups: Sequence[str], missing_label: str = MISSING_LABEL, dark: bool = False) -> dict[str, str]:
    """A colour for each group label, in order; the 'not recorded' group is grey.

    Examples
    --------
    >>> group_colours(["early (< 12 mo)", "late (≥ 12 mo)"])
    {'early (< 12 mo)': '#2b6cb0', 'late (≥ 12 mo)': '#dd6b20'}
    """
    palette = PALETTE_DARK if dark else PALETTE
    out, i = {}, 0
    for g in groups:
        if g == missing_label:
            out[g] = MISSING_COLOUR_DARK if dark else MISSING_COLOUR
        else:
            out[g] = palette[i % len(palette)]
            i += 1
    return out


def _title(reconstructed: bool, dark: bool, subtitle_lines: Sequence[str], measured: str = MEASURED_TITLE) -> dict:
    c = theme_colours(dark)
    colour = (RECONSTRUCTED_COLOUR_DARK if dark else RECONSTRUCTED_COLOUR) if reconstructed else c["text"]
    return {"text": RECONSTRUCTED_TITLE if reconstructed else measured, "subtitle": list(subtitle_lines),
            "color": colour, "subtitleColor": c["subtle"], "anchor": "start", "fontSize": 15,
            "subtitleFontSize": 12}


# --------------------------------------------------------------------------------------
# Data helpers
# --------------------------------------------------------------------------------------
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
    # column by column (itertuples slices the frame per row group: slow on the app's update path)
    return [{c: _clean(v) for c, v in zip(cols, row)} for row in zip(*(df[c].tolist() for c in cols))]


def _finite(value: Any) -> bool:
    try:
        return value is not None and value is not pd.NA and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, value_format: str = ".1f", sign: bool = False) -> str:
    """A number as the charts print it (``".2f"`` style formats), with a true minus sign; '' when missing.

    Examples
    --------
    >>> format_number(-1.234, ".1f"), format_number(2, ".2f", sign=True), format_number(None)
    ('−1.2', '+2.00', '')
    """
    if not _finite(value):
        return ""
    digits = int(value_format.strip(".f~") or 1) if value_format.endswith("f") else 1
    return f"{float(value):{'+' if sign else ''}.{digits}f}".replace("-", "−")


def ci_text(low: Any, high: Any, value_format: str = ".1f", missing: str = "not computed") -> str:
    """A confidence interval in words: ``'1.2 to 3.4'`` (or ``missing``)."""
    if not (_finite(low) and _finite(high)):
        return missing
    return f"{format_number(low, value_format)} to {format_number(high, value_format)}"


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

    ``colour_domain`` lists every group of the panels drawn side by side (so
    that a panel of one group keeps that group's colour); ``legend=False``
    leaves the colour legend out (when panel titles name the groups).

    Returns
    -------
    dict
        A layered Vega-Lite specification whose rows are in its top-level
        ``datasets`` (``<name>_summary`` and, with ``patient_values``,
        ``<name>_patients``).
    """
    groups = list(dict.fromkeys(summary["group"].astype(str).tolist()))
    domain = list(dict.fromkeys([*colour_domain, *groups])) if colour_domain is not None else groups
    colours = dict(colours) if colours is not None else group_colours(domain, dark=dark)
    position = {g: i for i, g in enumerate(domain)}
    weeks = sorted(int(w) for w in weeks)
    rows = summary.copy()
    rows["group"] = rows["group"].astype(str)
    rows["n_label"] = "n=" + rows["n"].astype(int).astype(str)
    rows["group_index"] = rows["group"].map(position)
    rows["ci_text"] = [ci_text(lo, hi, value_format, "not computed (fewer than 2 patients)") if n >= 1 else ""
                       for lo, hi, n in zip(rows["ci_low"], rows["ci_high"], rows["n"])]
    summary_name, patients_name = f"{name}_summary", f"{name}_patients"
    datasets = {summary_name: _records(rows, (*_SUMMARY_FIELDS, "n_label", "group_index", "ci_text"))}

    x = {"field": "week", "type": "quantitative", "title": "Week",
         "scale": {"domain": [weeks[0], weeks[-1]], "nice": False},
         "axis": {"values": weeks, "format": "d", "grid": False}}
    y_scale = {"domainMin": 0, "zero": True, "clamp": True, "nice": True}
    axis_format = value_format.replace("f", "~f") if value_format.endswith("f") else value_format
    # Colours are keyed by the group's position, and the legend reads the labels from a parameter:
    # groups renamed by a new cut-off change rows and one parameter value, never the structure.
    colour = {"field": "group_index", "type": "nominal",
              "scale": {"domain": list(range(len(domain))), "range": [colours[g] for g in domain]},
              "legend": {"title": None, "orient": "bottom", "symbolType": "stroke", "symbolStrokeWidth": 3,
                         "symbolOpacity": 1, "labelLimit": 260,
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
    for row, group in enumerate(groups):
        layers.append({
            "name": f"{name}_n{row}", "data": {"name": summary_name},
            "transform": [{"filter": {"field": "group_index", "equal": position[group]}}],
            "mark": {"type": "text", "fontSize": 10, "baseline": "middle"},
            "encoding": {"x": x, "y": {"value": height + _N_ROW_OFFSET_PX + row * _N_ROW_GAP_PX},
                         "text": {"field": "n_label", "type": "nominal"}, "color": {"value": colours[group]},
                         "tooltip": [{"field": "group", "type": "nominal", "title": "Group"},
                                     {"field": "week", "type": "quantitative", "title": "Week"},
                                     {"field": "n", "type": "quantitative", "title": "Patients with a value"}]},
        })
    return {"$schema": SCHEMA_URL, "title": title, "width": width, "height": height,
            "params": [{"name": GROUP_LABELS_PARAM, "value": domain}],
            "layer": layers, "datasets": datasets, "config": theme_config(dark)}


def _hoist(specs: Sequence[Mapping[str, Any]]) -> tuple[list[dict], dict[str, Any], list[dict]]:
    """Specifications ready to be composed: without their own schema, config, datasets and parameters,
    which a composed chart holds once at its top level. Returns (specs, datasets, parameters)."""
    datasets: dict[str, Any] = {}
    params: dict[str, dict[str, Any]] = {}
    inner = []
    for spec in specs:
        spec = dict(spec)
        datasets.update(spec.pop("datasets", {}))
        for param in spec.pop("params", []):
            if param["name"] in params and params[param["name"]] != param:
                raise ValueError(f"charts drawn together must have the same groups, in the same order "
                                 f"({params[param['name']].get('value')} and {param.get('value')}): make "
                                 f"each panel with the same colour_domain=")
            params[param["name"]] = param
        spec.pop("$schema", None)
        spec.pop("config", None)
        inner.append(spec)
    return inner, datasets, list(params.values())


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
    lines = [RECONSTRUCTED_SUBTITLE] if reconstructed else []
    if how_to_read:
        lines.append(how_to_read)
    if subtitle:
        lines.append(subtitle)
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


# --------------------------------------------------------------------------------------
# Window of opportunity: the early-minus-late difference at every cut-off
# --------------------------------------------------------------------------------------
SENSITIVITY_COLUMNS = ("cutoff_months", "n_early", "n_late", "hl_shift", "ci_low", "ci_high", "p", "note")


def sensitivity_spec(table: pd.DataFrame, *, current_cutoff: float, outcome_title: str, week: int,
                     reconstructed: bool, dark: bool = False, value_format: str = ".1f",
                     colours: Sequence[str] | None = None, width: int = 560, height: int = 200,
                     min_per_side: int = MIN_PATIENTS_PER_SIDE, axis_values: Sequence[float] | None = None,
                     name: str = "strip") -> dict[str, Any]:
    """The sensitivity strip: early-minus-late difference in change from week 0, at every cut-off.

    Parameters
    ----------
    table
        One row per cut-off with ``cutoff_months``, ``n_early``, ``n_late``,
        ``hl_shift`` (early minus late, Hodges–Lehmann), ``ci_low``, ``ci_high``
        and optionally ``p`` and ``note`` (e.g. from
        :func:`sjia_explore.stats.compare_groups` at each cut-off).
    current_cutoff
        The cut-off the rest of the view uses, marked with a dashed line.
    outcome_title, week
        What was compared (for titles and tooltips).
    reconstructed
        True when the values are reconstructed (the title says so).
    dark
        Colours for a dark page.
    value_format
        d3 format of the differences.
    colours
        Colours of the early and late n rows (default: the first two of the palette).
    width, height
        Size of the plotting area in pixels; the n rows are drawn below it.
    min_per_side
        A cut-off with fewer patients than this on a side is drawn as
        "too few to estimate" (a grey column), never as a number.
    axis_values
        Cut-offs labelled on the x axis (default: every row's); their spacing
        sets the width of the grey columns.
    name
        Prefix of the layers' names: ``<name>_points``, ``<name>_ci``,
        ``<name>_toofew``, ``<name>_current``, ``<name>_n0`` / ``<name>_n1``.

    Returns
    -------
    dict
        A layered Vega-Lite specification; its rows are the cut-offs (one each)
        and one row for the current cut-off.
    """
    c = theme_colours(dark)
    early_colour, late_colour = (list(colours) if colours else list(PALETTE_DARK if dark else PALETTE))[:2]
    rows = table.copy().sort_values("cutoff_months").reset_index(drop=True)
    for col in ("hl_shift", "ci_low", "ci_high", "p"):
        if col not in rows.columns:
            rows[col] = math.nan
    if "note" not in rows.columns:
        rows["note"] = ""
    rows["too_few"] = (rows["n_early"] < min_per_side) | (rows["n_late"] < min_per_side)
    rows["estimate"] = [not few and _finite(s) for few, s in zip(rows["too_few"], rows["hl_shift"])]
    rows["has_ci"] = [e and _finite(lo) and _finite(hi) for e, lo, hi in zip(rows["estimate"], rows["ci_low"],
                                                                             rows["ci_high"])]
    rows["cutoff_label"] = [f"< {c_:g} months" for c_ in rows["cutoff_months"]]
    rows["shift_text"] = [format_number(s, value_format, sign=True) if e else TOO_FEW_TEXT
                          for s, e in zip(rows["hl_shift"], rows["estimate"])]
    rows["ci_text"] = [ci_text(lo, hi, value_format, "no 95% interval possible with groups this small")
                       if e else "" for lo, hi, e in zip(rows["ci_low"], rows["ci_high"], rows["estimate"])]
    rows["p_text"] = [(f"{p:.2g}" if p >= 0.001 else "< 0.001") if e and _finite(p)
                      else ("not given" if e else "") for p, e in zip(rows["p"], rows["estimate"])]
    rows["n_early_label"] = rows["n_early"].astype(int).astype(str)
    rows["n_late_label"] = rows["n_late"].astype(int).astype(str)
    rows["note"] = rows["note"].fillna("").astype(str)
    rows["is_current"] = [abs(float(x) - float(current_cutoff)) < 1e-9 for x in rows["cutoff_months"]]
    cutoffs = sorted(float(x) for x in rows["cutoff_months"])
    ticks = sorted(float(v) for v in axis_values) if axis_values is not None else cutoffs
    gaps = [b - a for a, b in zip(ticks, ticks[1:]) if b - a > 0]
    half = (min(gaps) if gaps else 3.0) / 2
    x_max = max(cutoffs + [float(current_cutoff)]) + half
    x_min = max(0.0, min(cutoffs + [float(current_cutoff)]) - half)
    # y domain from what is drawn (and 0), padded; fixed when nothing can be estimated
    drawn = [0.0]
    for _, r in rows[rows["estimate"]].iterrows():
        drawn += [float(v) for v in (r["hl_shift"], r["ci_low"], r["ci_high"]) if _finite(v)]
    lo, hi = min(drawn), max(drawn)
    pad = (hi - lo) * 0.08 or 1.0
    y_domain = [lo - pad, hi + pad]

    data_name, current_name = f"{name}_rows", f"{name}_current"
    fields = ("cutoff_months", "n_early", "n_late", "hl_shift", "ci_low", "ci_high", "too_few", "estimate",
              "has_ci", "cutoff_label", "shift_text", "ci_text", "p_text", "n_early_label", "n_late_label",
              "note", "is_current")
    datasets = {data_name: _records(rows, fields),
                current_name: [{"cutoff_months": float(current_cutoff),
                                "label": f"current cut-off: {float(current_cutoff):g} months"}]}
    x_axis_values = [v for v in ticks if x_min <= v <= x_max]
    x = {"field": "cutoff_months", "type": "quantitative",
         "title": "Cut-off: early = treated less than this many months after onset",
         "scale": {"domain": [x_min, x_max], "nice": False, "zero": False},
         "axis": {"values": x_axis_values, "format": "~g", "grid": False}}
    y_title = f"Early minus late, change at week {week:g}"
    y = {"field": "hl_shift", "type": "quantitative", "title": y_title,
         "scale": {"domain": y_domain, "nice": False, "zero": False},
         "axis": {"format": value_format.replace("f", "~f") if value_format.endswith("f") else value_format}}
    tooltip = [
        {"field": "cutoff_label", "type": "nominal", "title": "Early means treated"},
        {"field": "n_early", "type": "quantitative", "title": "Early patients (n)"},
        {"field": "n_late", "type": "quantitative", "title": "Late patients (n)"},
        {"field": "shift_text", "type": "nominal", "title": "Difference, early minus late"},
        {"field": "ci_text", "type": "nominal", "title": "95% CI"},
        {"field": "p_text", "type": "nominal", "title": "p (Mann–Whitney, unadjusted)"},
        {"field": "note", "type": "nominal", "title": "Note"},
    ]
    layers: list[dict[str, Any]] = [
        {"name": f"{name}_toofew", "data": {"name": data_name},
         "transform": [{"filter": "datum.too_few"},
                       {"calculate": f"datum.cutoff_months - {half * 0.9}", "as": "x_from"},
                       {"calculate": f"datum.cutoff_months + {half * 0.9}", "as": "x_to"}],
         "mark": {"type": "rect", "color": c["band"], "opacity": 0.07, "aria": False},
         "encoding": {"x": {**x, "field": "x_from"}, "x2": {"field": "x_to"},
                      "y": {"value": 0}, "y2": {"value": height}, "tooltip": tooltip}},
        {"name": f"{name}_toofewtext", "data": {"name": data_name}, "transform": [{"filter": "datum.too_few"}],
         "mark": {"type": "text", "angle": 270, "fontSize": 10, "color": c["muted"], "baseline": "middle"},
         "encoding": {"x": x, "y": {"value": height / 2}, "text": {"value": TOO_FEW_TEXT}, "tooltip": tooltip}},
        {"name": f"{name}_zero", "data": {"values": [{"zero": 0}]},
         "mark": {"type": "rule", "color": c["domain"], "strokeWidth": 1},
         "encoding": {"y": {"field": "zero", "type": "quantitative", "scale": y["scale"]}}},
        {"name": f"{name}_current", "data": {"name": current_name},
         "mark": {"type": "rule", "color": c["text"], "strokeDash": [5, 4], "strokeWidth": 1.5},
         "encoding": {"x": x, "tooltip": [{"field": "label", "type": "nominal", "title": "Marked"}]}},
        {"name": f"{name}_currentlabel", "data": {"name": current_name},
         "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6, "fontSize": 10, "color": c["text"]},
         "encoding": {"x": x, "y": {"value": 0}, "text": {"field": "label", "type": "nominal"}}},
        {"name": f"{name}_ci", "data": {"name": data_name}, "transform": [{"filter": "datum.has_ci"}],
         "mark": {"type": "rule", "color": early_colour, "strokeWidth": 2},
         "encoding": {"x": x, "y": {**y, "field": "ci_low"}, "y2": {"field": "ci_high"}, "tooltip": tooltip}},
        {"name": f"{name}_points", "data": {"name": data_name}, "transform": [{"filter": "datum.estimate"}],
         "mark": {"type": "point", "filled": True, "size": 70, "color": early_colour},
         "encoding": {"x": x, "y": y, "tooltip": tooltip,
                      "stroke": {"condition": {"test": "datum.is_current", "value": c["text"]},
                                 "value": early_colour},
                      "strokeWidth": {"condition": {"test": "datum.is_current", "value": 2}, "value": 0}}},
    ]
    for i, (field, colour, label) in enumerate((("n_early_label", early_colour, "early n"),
                                                ("n_late_label", late_colour, "late n"))):
        y_px = height + _N_ROW_OFFSET_PX + i * _N_ROW_GAP_PX
        n_field = "n_early" if i == 0 else "n_late"
        layers.append({
            "name": f"{name}_n{i}", "data": {"name": data_name},
            "mark": {"type": "text", "fontSize": 10, "baseline": "middle"},
            "encoding": {"x": x, "y": {"value": y_px}, "text": {"field": field, "type": "nominal"},
                         "color": {"condition": {"test": f"datum.{n_field} < {min_per_side}", "value": c["muted"]},
                                   "value": colour},
                         "tooltip": tooltip},
        })
        layers.append({
            "name": f"{name}_nlabel{i}", "data": {"values": [{"label": label}]},
            "mark": {"type": "text", "fontSize": 10, "baseline": "middle", "align": "right", "dx": -8,
                     "color": colour},
            "encoding": {"x": {"value": 0}, "y": {"value": y_px}, "text": {"field": "label", "type": "nominal"}},
        })
    subtitle = [f"{RECONSTRUCTED_TITLE}: {RECONSTRUCTED_SUBTITLE[0].lower()}{RECONSTRUCTED_SUBTITLE[1:]}"] \
        if reconstructed else []
    subtitle.append(f"{outcome_title}: change from week 0 to week {week:g}, early group minus late group "
                    "(Hodges–Lehmann shift; bar: 95% confidence interval). Below 0: the early group fell more.")
    subtitle.append(f"Grey columns: fewer than {min_per_side} patients on a side — too few to estimate. "
                    "Numbers under the axis: patients in each group.")
    title = _title(False, dark, subtitle, measured="Does the cut-off change the answer?")
    return {"$schema": SCHEMA_URL, "title": title,
            "width": width, "height": height, "layer": layers, "datasets": datasets,
            "config": theme_config(dark)}


# --------------------------------------------------------------------------------------
# Corticosteroids
# --------------------------------------------------------------------------------------
def steroid_free_spec(per_visit: pd.DataFrame, km: pd.DataFrame | None = None, *, reconstructed: bool,
                      weeks: Sequence[int] = DEFAULT_WEEKS, dark: bool = False, width: int = 320,
                      height: int = 200, name: str = "steroidfree") -> dict[str, Any]:
    """Percentage steroid-free at each visit (exact 95% CI) and, optionally, the Kaplan–Meier curve.

    Parameters
    ----------
    per_visit
        :func:`sjia_explore.stats.steroid_free`: ``week``, ``n``, ``k``,
        ``proportion``, ``ci_low``, ``ci_high``.
    km
        :func:`sjia_explore.stats.time_to_steroid_free` (``week``,
        ``proportion_steroid_free``); drawn as a step line.
    reconstructed
        True when the doses are reconstructed.
    weeks
        Visit weeks for the x axis.
    dark
        Colours for a dark page.
    """
    c = theme_colours(dark)
    colour = (PALETTE_DARK if dark else PALETTE)[2]
    km_colour = c["subtle"]
    weeks = sorted(int(w) for w in weeks)
    rows = per_visit.copy()
    rows = rows[rows["n"] > 0]
    rows["percent"] = rows["proportion"] * 100
    rows["ci_low_pct"] = rows["ci_low"] * 100
    rows["ci_high_pct"] = rows["ci_high"] * 100
    rows["label"] = [f"{int(k)}/{int(n)}" for k, n in zip(rows["k"], rows["n"])]
    rows["ci_text"] = [ci_text(lo, hi, ".0f") + " %" if _finite(lo) else "not computed"
                       for lo, hi in zip(rows["ci_low_pct"], rows["ci_high_pct"])]
    datasets = {f"{name}_visits": _records(rows, ("week", "n", "k", "percent", "ci_low_pct", "ci_high_pct",
                                                  "label", "ci_text"))}
    x = {"field": "week", "type": "quantitative", "title": "Week",
         "scale": {"domain": [weeks[0], weeks[-1]], "nice": False}, "axis": {"values": weeks, "format": "d",
                                                                             "grid": False}}
    y = {"field": "percent", "type": "quantitative", "title": "Steroid-free (%)",
         "scale": {"domain": [0, 100]}}
    tooltip = [{"field": "week", "type": "quantitative", "title": "Week"},
               {"field": "k", "type": "quantitative", "title": "Steroid-free (k)"},
               {"field": "n", "type": "quantitative", "title": "On steroid at week 0, dose recorded (n)"},
               {"field": "percent", "type": "quantitative", "title": "Steroid-free (%)", "format": ".0f"},
               {"field": "ci_text", "type": "nominal", "title": "95% CI (exact)"}]
    layers: list[dict[str, Any]] = []
    if km is not None and len(km):
        k = km.dropna(subset=["proportion_steroid_free"]).copy()
        k["percent"] = k["proportion_steroid_free"] * 100
        last = weeks[-1]
        if len(k) and float(k["week"].max()) < last:  # carry the curve to the last visit
            k = pd.concat([k, pd.DataFrame({"week": [last], "percent": [k["percent"].iloc[-1]]})],
                          ignore_index=True)
        datasets[f"{name}_km"] = _records(k, ("week", "percent"))
        layers.append({"name": f"{name}_km", "data": {"name": f"{name}_km"},
                       "mark": {"type": "line", "interpolate": "step-after", "color": km_colour,
                                "strokeDash": [4, 3], "strokeWidth": 1.5},
                       "encoding": {"x": x, "y": y}})
    layers += [
        {"name": f"{name}_ci", "data": {"name": f"{name}_visits"},
         "mark": {"type": "rule", "color": colour, "strokeWidth": 2, "opacity": 0.6},
         "encoding": {"x": x, "y": {**y, "field": "ci_low_pct"}, "y2": {"field": "ci_high_pct"},
                      "tooltip": tooltip}},
        {"name": f"{name}_points", "data": {"name": f"{name}_visits"},
         "mark": {"type": "point", "filled": True, "size": 70, "color": colour},
         "encoding": {"x": x, "y": y, "tooltip": tooltip}},
        {"name": f"{name}_labels", "data": {"name": f"{name}_visits"},
         "mark": {"type": "text", "dx": 8, "align": "left", "baseline": "bottom", "fontSize": 10,
                  "color": c["text"]},
         "encoding": {"x": x, "y": y, "text": {"field": "label", "type": "nominal"}}},
    ]
    subtitle = ["Doses were generated to match the published tapering;",
                "they are not measurements of real patients."] if reconstructed else []
    subtitle.append("Points: k of n steroid-free at each visit; bar: exact 95% CI"
                    + (";" if km is not None and len(km) else "."))
    if km is not None and len(km):
        subtitle.append("dashed steps: Kaplan–Meier estimate.")
    return {"$schema": SCHEMA_URL,
            "title": _title(reconstructed, dark, subtitle, measured="Off corticosteroid, among those on it at "
                                                                   "week 0"),
            "width": width, "height": height, "layer": layers, "datasets": datasets,
            "config": theme_config(dark)}


def stack_specs(specs: Sequence[Mapping[str, Any]], dark: bool = False) -> dict[str, Any]:
    """Top-level specifications one above the other, as one (e.g. to export a whole section as one picture)."""
    inner, datasets, params = _hoist(specs)
    return {"$schema": SCHEMA_URL, **({"params": params} if params else {}), "vconcat": inner, "spacing": 36,
            "datasets": datasets, "config": theme_config(dark)}
