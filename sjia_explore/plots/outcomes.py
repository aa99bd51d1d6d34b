"""Charts of the outcomes clinicians judge by: activity states, inactive disease, biomarkers, the continuous window.

Pure functions from the tidy tables of :mod:`sjia_explore.outcomes`,
:mod:`sjia_explore.biomarkers`, :mod:`sjia_explore.window` and
:mod:`sjia_explore.literature` to Vega-Lite dicts. Data text only appears as
data; every chart shows n.

Examples
--------
>>> import pandas as pd
>>> from sjia_explore.outcomes import activity_states
>>> v = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0], "sjadas10": [25.0, 1.0]})
>>> spec = activity_states_spec(activity_states(v), groups=["all patients"])
>>> [layer["name"] for layer in spec["layer"]]
['activity_bars', 'activity_n']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sjia_explore.cohort import duration_group_label
from sjia_explore.plots.base import (
    SCHEMA_URL,
    _records,
    _title,
    group_colours,
    n_row_px,
    theme_colours,
    theme_config,
    title_under_n_rows,
)

#: Groups' points at one visit are drawn this share of the week axis apart, so that neither hides the other.
DODGE_SHARE = 0.022

#: Colours of the activity states, from inactive (green) to high (red); colour-blind safe in order of lightness.
STATE_COLOURS = {"inactive": "#1a9850", "minimal": "#a6d96a", "moderate": "#fdae61", "high": "#d73027"}
#: Label of published reference points wherever they are drawn.
PUBLISHED_LABEL = "published, different population and definitions"
#: The inactive-disease chart's week axis runs to the last visit plus this share of it (at least
#: :data:`WEEK_MARGIN_MIN` weeks): published figures within it are drawn (a 6-month figure beside a week-24 visit),
#: later ones are named in a line under the title instead of stretching the axis past the visits.
WEEK_MARGIN = 0.1
WEEK_MARGIN_MIN = 2.0


def week_axis_end(last_week: float) -> float:
    """Where the inactive-disease chart's week axis ends, for visits up to ``last_week``.

    Examples
    --------
    >>> week_axis_end(24), week_axis_end(104)
    (26.4, 114.4)
    >>> week_axis_end(4)
    6.0
    """
    return round(float(last_week) + max(WEEK_MARGIN_MIN, WEEK_MARGIN * float(last_week)), 6)


def _colours_of(groups: Sequence[str], colours: Mapping[str, str] | None, dark: bool) -> dict[str, str]:
    """Each of ``groups`` with its colour: from ``colours`` (every group of the cohort's, so that a group keeps
    its colour when a filter leaves another out), else :func:`group_colours` of ``groups``."""
    return {g: colours[g] for g in groups} if colours is not None else group_colours(list(groups), dark=dark)


def _top(spec: dict[str, Any], dark: bool) -> dict[str, Any]:
    return {"$schema": SCHEMA_URL, **spec, "config": theme_config(dark)}


def activity_states_spec(states: pd.DataFrame, groups: Sequence[str], *, reconstructed: bool = False,
                         dark: bool = False, subtitle: Sequence[str] = (), width: int = 420,
                         height: int = 220) -> dict[str, Any]:
    """Stacked bars of activity states per visit, one bar per group side by side, n above each bar.

    ``states`` is :func:`sjia_explore.outcomes.activity_states` (with ``group``).
    """
    rows = states.assign(state=states["state"].astype(str), group=states["group"].astype(str),
                         week=states["week"].astype(int))
    rows = rows[rows["n_total"] > 0]
    totals = rows.drop_duplicates(["group", "week"])[["group", "week", "n_total"]].assign(
        n_text=lambda d: "n = " + d["n_total"].astype(str))
    x = {"field": "week", "type": "ordinal", "title": "Weeks since the IL-1 blocker was started",
         "axis": {"labelAngle": 0}}
    offset = {"field": "group", "type": "nominal", "sort": list(groups)}
    tooltip = [{"field": "group", "title": "Group"}, {"field": "week", "title": "Week"},
               {"field": "state", "title": "State"}, {"field": "n", "title": "Patients in this state"},
               {"field": "n_total", "title": "Patients with a score (n)"},
               {"field": "proportion", "title": "Proportion", "format": ".0%"},
               {"field": "ci_low", "title": "95% CI from (exact)", "format": ".0%"},
               {"field": "ci_high", "title": "95% CI to (exact)", "format": ".0%"}]
    text = theme_colours(dark)["text"]
    return _top({
        "title": _title(reconstructed, dark, subtitle, measured="Disease activity at each visit"),
        "width": width, "height": height,
        "layer": [
            {"name": "activity_bars", "data": {"values": _records(rows, ["group", "week", "state", "n", "n_total",
                                                                          "proportion", "ci_low", "ci_high"])},
             "mark": {"type": "bar", "stroke": theme_colours(dark)["background"], "strokeWidth": 0.5},
             "encoding": {"x": x, "xOffset": offset,
                          "y": {"field": "proportion", "type": "quantitative", "stack": "zero",
                                "title": "Share of patients with a score",
                                "axis": {"format": "%", "values": [0, 0.2, 0.4, 0.6, 0.8, 1.0]},
                                "scale": {"domain": [0, 1.12]}},  # room above 100% for the n labels, unlabelled
                          "color": {"field": "state", "type": "nominal", "title": "Activity state",
                                    "scale": {"domain": list(STATE_COLOURS), "range": list(STATE_COLOURS.values())},
                                    "sort": list(STATE_COLOURS)},
                          "order": {"field": "state_order", "type": "quantitative"},
                          "tooltip": tooltip},
             "transform": [{"calculate": "indexof(['inactive','minimal','moderate','high'], datum.state)",
                            "as": "state_order"}]},
            {"name": "activity_n", "data": {"values": _records(totals, ["group", "week", "n_total", "n_text"])},
             "mark": {"type": "text", "dy": -4, "baseline": "bottom", "fontSize": 10, "color": text},
             "encoding": {"x": x, "xOffset": offset, "y": {"datum": 1.0, "type": "quantitative"},
                          "text": {"field": "n_text"},
                          "tooltip": [{"field": "group", "title": "Group"},
                                      {"field": "n_total", "title": "Patients with a score (n)"}]}},
        ],
    }, dark)


def inactive_spec(inactive: pd.DataFrame, groups: Sequence[str], references: pd.DataFrame | None = None, *,
                  reconstructed: bool = False, dark: bool = False, subtitle: Sequence[str] = (),
                  width: int = 420, height: int = 200, colours: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Proportion in inactive disease per visit with exact 95% intervals, and published figures as points.

    ``inactive`` is :func:`sjia_explore.outcomes.inactive_by_week`; ``references`` is
    :func:`sjia_explore.literature.reference_points` (drawn in grey, labelled :data:`PUBLISHED_LABEL`).
    The week axis runs from 0 to :func:`week_axis_end` of the last visit; published figures beyond it are
    counted in a subtitle line rather than drawn. ``colours`` (group → colour) keeps each group's colour
    when a filter leaves another out (default: :func:`group_colours` of ``groups``).
    """
    colours = _colours_of(groups, colours, dark)
    rows = inactive[inactive["n"] > 0].assign(group=lambda d: d["group"].astype(str),
                                               n_text=lambda d: "n=" + d["n"].astype(str))
    colour = {"field": "group", "type": "nominal", "title": "Group",
              "scale": {"domain": list(colours), "range": list(colours.values())}}
    weeks = rows["week"].astype(float)
    domain = [min(0.0, float(weeks.min())) if len(rows) else 0.0,
              week_axis_end(float(weeks.max()) if len(rows) else 0.0)]
    # each group's points a little apart at a shared visit (by hand: a quantitative axis takes no xOffset)
    order = list(colours)
    dodge = DODGE_SHARE * (domain[1] - domain[0])
    shift = {g: (i - (len(order) - 1) / 2) * dodge for i, g in enumerate(order)}
    rows = rows.assign(week_drawn=weeks + rows["group"].map(shift).fillna(0.0))
    x = {"field": "week", "type": "quantitative", "title": "Weeks since the IL-1 blocker was started",
         "scale": {"domain": domain, "nice": False}, "axis": title_under_n_rows(len(order))}
    drawn = {**x, "field": "week_drawn"}
    y = {"field": "proportion", "type": "quantitative", "title": "In inactive disease", "axis": {"format": "%"},
         "scale": {"domain": [0, 1]}}
    tooltip = [{"field": "group", "title": "Group"}, {"field": "week", "title": "Week"},
               {"field": "n_inactive", "title": "Inactive"}, {"field": "n", "title": "Status known (n)"},
               {"field": "proportion", "title": "Proportion", "format": ".0%"},
               {"field": "ci_low", "title": "95% CI from (exact)", "format": ".0%"},
               {"field": "ci_high", "title": "95% CI to (exact)", "format": ".0%"}]
    values = {"values": _records(rows, ["group", "week", "week_drawn", "n_inactive", "n", "proportion", "ci_low",
                                        "ci_high", "n_text"])}
    layers = [
        {"name": "inactive_ci", "data": values, "mark": {"type": "rule", "opacity": 0.6},
         "encoding": {"x": drawn, "y": {**y, "field": "ci_low"}, "y2": {"field": "ci_high"}, "color": colour}},
        {"name": "inactive_line", "data": values, "mark": {"type": "line", "point": True},
         "encoding": {"x": drawn, "y": y, "color": colour, "tooltip": tooltip}},
    ]
    for row, group in enumerate(order):  # a row of n under the axis for each group, in its colour
        layers.append({
            "name": f"inactive_n{row}", "data": values,
            "transform": [{"filter": {"field": "group", "equal": group}}],
            "mark": {"type": "text", "fontSize": 10, "baseline": "middle", "color": colours[group]},
            "encoding": {"x": x, "y": {"value": n_row_px(height, row)},
                         "text": {"field": "n_text"},
                         "tooltip": [{"field": "group", "title": "Group"}, {"field": "week", "title": "Week"},
                                     {"field": "n", "title": "Status known (n)"}]}})
    refs = references[references["time_point_weeks"].notna() & references["proportion"].notna()] \
        if references is not None else pd.DataFrame()
    subtitle = list(subtitle)
    if len(refs):
        later = refs[refs["time_point_weeks"].astype(float) > domain[1]]
        refs = refs[refs["time_point_weeks"].astype(float).between(domain[0], domain[1])]
        if len(later):
            furthest = later.loc[later["time_point_weeks"].astype(float).idxmax(), "time_point"]
            subtitle.append(f"{len(later)} published figure{'s' if len(later) != 1 else ''} at later time points "
                            f"(up to {furthest}) not drawn, so that the visits stay legible: "
                            "see the table of published figures.")
    if len(refs):
        grey = theme_colours(dark)["subtle"]
        refs = refs.assign(kind=PUBLISHED_LABEL, time_point_weeks=refs["time_point_weeks"].astype(float),
                           proportion=refs["proportion"].astype(float))
        ref_values = {"values": _records(refs, ["study", "label", "outcome_definition", "time_point",
                                                "time_point_weeks", "numerator", "denominator", "proportion",
                                                "ci_low", "ci_high", "doi_or_url", "kind", "note"])}
        rx = {"field": "time_point_weeks", "type": "quantitative", "scale": x["scale"]}
        layers += [
            {"name": "published_ci", "data": ref_values, "mark": {"type": "rule", "color": grey, "strokeDash": [2, 2]},
             "encoding": {"x": rx, "y": {"field": "ci_low", "type": "quantitative"}, "y2": {"field": "ci_high"}}},
            {"name": "published_points", "data": ref_values,
             "mark": {"type": "point", "shape": "diamond", "filled": True, "color": grey, "size": 60},
             "encoding": {"x": rx, "y": {"field": "proportion", "type": "quantitative"},
                          "shape": {"field": "kind", "type": "nominal", "title": None,
                                    "scale": {"range": ["diamond"]}, "legend": {"labelLimit": 0}},
                          "tooltip": [{"field": "kind", "title": "What"}, {"field": "label", "title": "Study"},
                                      {"field": "outcome_definition", "title": "Definition"},
                                      {"field": "numerator", "title": "Patients with it"},
                                      {"field": "denominator", "title": "Of"},
                                      {"field": "proportion", "title": "Proportion", "format": ".0%"},
                                      {"field": "ci_low", "title": "95% CI from", "format": ".0%"},
                                      {"field": "ci_high", "title": "95% CI to", "format": ".0%"},
                                      {"field": "doi_or_url", "title": "Source"},
                                      {"field": "note", "title": "Note"}]}},
        ]
    subtitle.append("Numbers under the axis: patients whose status is known at each visit, one row per group.")
    return _top({"title": _title(reconstructed, dark, subtitle, measured="Inactive disease"),
                 "width": width, "height": height, "layer": layers}, dark)


def biomarker_spec(rows: pd.DataFrame, groups: Sequence[str], *, reconstructed: bool = False, dark: bool = False,
                   subtitle: Sequence[str] = (), width: int = 230, height: int = 160,
                   colours: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One panel per marker: median and IQR per visit and group (log scale where the marker's values span
    orders of magnitude), the reference value as a dashed rule, and n per visit.

    ``rows`` is :func:`sjia_explore.biomarkers.biomarkers` without its "not measured" rows; ``colours`` as in
    :func:`inactive_spec`.
    """
    colours = _colours_of(groups, colours, dark)
    colour = {"field": "group", "type": "nominal", "title": "Group",
              "scale": {"domain": list(colours), "range": list(colours.values())}}
    subtle = theme_colours(dark)["subtle"]
    panels = []
    for marker, own in rows.groupby("marker", sort=False):
        first = own.iloc[0]
        own = own[own["n"] > 0].assign(group=lambda d: d["group"].astype(str), week=lambda d: d["week"].astype(int),
                                       n_text=lambda d: d["n"].astype(str))
        if not len(own):
            continue
        log = bool(first["log_scale"]) and bool((own["q1"] > 0).all())
        axis_title = f"{first['label']} ({first['unit']}), median and IQR" + (" (log scale)" if log else "")
        scale = {"type": "log"} if log else {"zero": True}
        values = {"values": _records(own, ["group", "week", "marker", "label", "unit", "n", "median", "q1", "q3",
                                           "geo_mean", "geo_ci_low", "geo_ci_high", "n_text"])}
        weeks = sorted(int(w) for w in own["week"].unique())
        x = {"field": "week", "type": "quantitative", "title": "Week", "axis": {"values": weeks}}
        y = {"field": "median", "type": "quantitative", "title": axis_title, "scale": scale}
        tooltip = [{"field": "label", "title": "Marker"}, {"field": "group", "title": "Group"},
                   {"field": "week", "title": "Week"}, {"field": "n", "title": "Patients with a value (n)"},
                   {"field": "median", "title": "Median", "format": ".3~g"},
                   {"field": "q1", "title": "25th percentile", "format": ".3~g"},
                   {"field": "q3", "title": "75th percentile", "format": ".3~g"},
                   {"field": "geo_mean", "title": "Geometric mean", "format": ".3~g"}]
        reference = {"values": [{"reference_value": float(first["reference_value"]),
                                 "reference_kind": str(first["reference_kind"]),
                                 "reference_source": str(first["reference_source"])}]}
        panels.append({
            "title": {"text": f"{first['label']} ({first['unit']})", "anchor": "start", "fontSize": 12},
            "width": width, "height": height,
            "layer": [
                {"name": f"biomarker_{marker}_reference", "data": reference,
                 "mark": {"type": "rule", "strokeDash": [4, 3], "color": subtle},
                 "encoding": {"y": {"field": "reference_value", "type": "quantitative"},
                              "tooltip": [{"field": "reference_value", "title": "Reference value"},
                                          {"field": "reference_kind", "title": "What it is"},
                                          {"field": "reference_source", "title": "Source"}]}},
                {"name": f"biomarker_{marker}_iqr", "data": values,
                 "mark": {"type": "rule", "opacity": 0.6, "strokeWidth": 3},
                 "encoding": {"x": x, "y": {**y, "field": "q1"}, "y2": {"field": "q3"}, "color": colour,
                              "xOffset": {"field": "group", "type": "nominal"}}},
                {"name": f"biomarker_{marker}_median", "data": values, "mark": {"type": "line", "point": True},
                 "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip}},
                {"name": f"biomarker_{marker}_n", "data": values,
                 "mark": {"type": "text", "dy": -8, "fontSize": 9, "baseline": "bottom"},
                 "encoding": {"x": x, "y": y, "text": {"field": "n_text"}, "color": colour}},
            ],
            "resolve": {"scale": {"y": "shared"}},
        })
    return _top({"title": _title(reconstructed, dark, subtitle, measured="Inflammatory markers"),
                 "concat": panels, "columns": 3, "spacing": 24}, dark)


def window_continuous_spec(points: pd.DataFrame, smoother: pd.DataFrame, *, cutoff: float, published_cutoff: float,
                           y_title: str, reconstructed: bool = False, dark: bool = False,
                           subtitle: Sequence[str] = (), width: int = 420, height: int = 220,
                           sides: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Each patient as a point (months from onset to the IL-1 blocker, log x; the outcome on y), a LOWESS
    curve with its band when there is one, the current cut-off and the published cut-off as rules.

    ``points`` is :func:`sjia_explore.window.window_points`, ``smoother`` :func:`sjia_explore.window.window_smoother`.
    ``sides``: the early and the late group's labels, in that order, with their colours: a point is coloured by
    its side of ``cutoff`` (as the groups are everywhere else) and shaped by its study (default: the usual
    early/late labels and colours).
    """
    c = theme_colours(dark)
    if sides is None:
        sides = group_colours([duration_group_label(True, cutoff), duration_group_label(False, cutoff)], dark=dark)
    early, late = list(sides)[:2]
    usable = points[points["y"].notna() & (points["months_onset_to_treatment"] > 0)].assign(
        study=lambda d: d["study"].astype(str),
        side=lambda d: [early if m < cutoff else late for m in d["months_onset_to_treatment"].astype(float)])
    x = {"field": "months_onset_to_treatment", "type": "quantitative", "scale": {"type": "log"},
         "title": "Months from onset to the IL-1 blocker (log scale)"}
    y = {"field": "y", "type": "quantitative", "title": y_title}
    layers: list[dict[str, Any]] = []
    curve = smoother.dropna(subset=["fit"])
    if len(curve):
        cv = {"values": _records(curve, ["months", "fit", "ci_low", "ci_high", "n"])}
        cx = {**x, "field": "months"}
        layers += [
            {"name": "window_band", "data": cv, "mark": {"type": "area", "opacity": 0.2, "color": c["subtle"]},
             "encoding": {"x": cx, "y": {"field": "ci_low", "type": "quantitative"}, "y2": {"field": "ci_high"}}},
            {"name": "window_smoother", "data": cv, "mark": {"type": "line", "color": c["text"]},
             "encoding": {"x": cx, "y": {"field": "fit", "type": "quantitative"}}},
        ]
    rules = {"values": [{"months": float(cutoff), "what": f"current cut-off ({cutoff:g} months)"},
                        {"months": float(published_cutoff),
                         "what": f"published cut-off ({published_cutoff:g} months, Pardeo series; {PUBLISHED_LABEL})"}]}
    layers += [
        {"name": "window_cutoffs", "data": rules, "mark": {"type": "rule", "strokeWidth": 1.5},
         "encoding": {"x": {"field": "months", "type": "quantitative"},
                      "strokeDash": {"field": "what", "type": "nominal", "title": None,
                                     "scale": {"range": [[1, 0], [5, 3]]},
                                     "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 0}},
                      "color": {"value": c["text"]}, "tooltip": [{"field": "what", "title": "Line"}]}},
        {"name": "window_points", "data": {"values": _records(usable, ["patient_id", "study", "side",
                                                                        "months_onset_to_treatment", "baseline",
                                                                        "value", "y", "note"])},
         "mark": {"type": "point", "filled": True, "size": 55, "opacity": 0.85},
         "encoding": {"x": x, "y": y,
                      "color": {"field": "side", "type": "nominal", "title": "Group",
                                "scale": {"domain": [early, late], "range": [sides[early], sides[late]]}},
                      "shape": {"field": "study", "type": "nominal", "title": "Study"},
                      "tooltip": [{"field": "patient_id", "title": "Patient"}, {"field": "study", "title": "Study"},
                                  {"field": "side", "title": "Group"},
                                  {"field": "months_onset_to_treatment", "title": "Months onset to IL-1",
                                   "format": ".1f"},
                                  {"field": "baseline", "title": "At week 0", "format": ".3~g"},
                                  {"field": "value", "title": "At the week chosen", "format": ".3~g"},
                                  {"field": "y", "title": y_title, "format": ".3~g"},
                                  {"field": "note", "title": "Note"}]}},
    ]
    return _top({"title": _title(reconstructed, dark, subtitle, measured="Time to treatment, continuous"),
                 "width": width, "height": height, "layer": layers,
                 "resolve": {"scale": {"color": "independent"}}}, dark)
