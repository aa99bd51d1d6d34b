"""Corticosteroid tapering: steroid-free proportion per visit and time to steroid-free."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from sjia_explore import format as fmt
from sjia_explore.plots.base import (
    DEFAULT_WEEKS,
    PALETTE,
    PALETTE_DARK,
    SCHEMA_URL,
    _records,
    _title,
    ci_text,
    theme_colours,
    theme_config,
)


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
    rows["ci_text"] = [ci_text(lo, hi, ".0f") + " %" if fmt.is_finite(lo) else "not computed"
                       for lo, hi in zip(rows["ci_low_pct"], rows["ci_high_pct"])]
    datasets = {f"{name}_visits": _records(rows, ("week", "n", "k", "percent", "ci_low_pct", "ci_high_pct",
                                                  "label", "ci_text"))}
    x = {"field": "week", "type": "quantitative", "title": "Week",
         "scale": {"domain": [weeks[0], weeks[-1]], "nice": False}, "axis": {"values": weeks, "format": "d",
                                                                             "grid": False}}
    y = {"field": "percent", "type": "quantitative", "title": "Steroid-free, sustained (%)",
         "scale": {"domain": [0, 100]}}
    tooltip = [{"field": "week", "type": "quantitative", "title": "Week"},
               {"field": "k", "type": "quantitative", "title": "Steroid-free, sustained (k)"},
               {"field": "n", "type": "quantitative", "title": "On steroid at week 0, dose recorded (n)"},
               {"field": "percent", "type": "quantitative", "title": "Steroid-free, sustained (%)", "format": ".0f"},
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
    subtitle.append("Points: k of n steroid-free (off at that visit and every later one) at each visit; "
                    "bar: exact 95% CI" + (";" if km is not None and len(km) else "."))
    if km is not None and len(km):
        subtitle.append("dashed steps: Kaplan–Meier estimate.")
    return {"$schema": SCHEMA_URL,
            "title": _title(reconstructed, dark, subtitle, measured="Off corticosteroid, among those on it at "
                                                                   "week 0"),
            "width": width, "height": height, "layer": layers, "datasets": datasets,
            "config": theme_config(dark)}
