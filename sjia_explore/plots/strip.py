"""The window-of-opportunity strip: the early-minus-late difference at every cut-off."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from sjia_explore import format as fmt
from sjia_explore.plots.base import (
    MIN_PATIENTS_PER_SIDE,
    PALETTE,
    PALETTE_DARK,
    RECONSTRUCTED_SUBTITLE,
    RECONSTRUCTED_TITLE,
    SCHEMA_URL,
    TOO_FEW_TEXT,
    _records,
    _title,
    ci_text,
    format_number,
    n_row_px,
    theme_colours,
    theme_config,
    title_under_n_rows,
)

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
    rows["estimate"] = [not few and fmt.is_finite(s) for few, s in zip(rows["too_few"], rows["hl_shift"])]
    rows["has_ci"] = [e and fmt.is_finite(lo) and fmt.is_finite(hi)
                      for e, lo, hi in zip(rows["estimate"], rows["ci_low"], rows["ci_high"])]
    rows["cutoff_label"] = [f"< {c_:g} months" for c_ in rows["cutoff_months"]]
    rows["shift_text"] = [format_number(s, value_format, sign=True) if e else TOO_FEW_TEXT
                          for s, e in zip(rows["hl_shift"], rows["estimate"])]
    rows["ci_text"] = [ci_text(lo, hi, value_format, "no 95% interval possible with groups this small")
                       if e else "" for lo, hi, e in zip(rows["ci_low"], rows["ci_high"], rows["estimate"])]
    rows["p_text"] = [(f"{p:.2g}" if p >= 0.001 else "< 0.001") if e and fmt.is_finite(p)
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
        drawn += [float(v) for v in (r["hl_shift"], r["ci_low"], r["ci_high"]) if fmt.is_finite(v)]
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
         "axis": {"values": x_axis_values, "format": "~g", "grid": False, **title_under_n_rows(2)}}
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
        y_px = n_row_px(height, i)
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
