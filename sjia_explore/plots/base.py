"""Chart constants, the light and dark themes, and the helpers every chart shares."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sjia_explore import format as fmt
from sjia_explore.conventions import MIN_PATIENTS, NOT_RECORDED, VISIT_WEEKS
from sjia_explore.palette import (  # noqa: F401 - the chart colours, re-exported
    DARK,
    LIGHT,
    MISSING_COLOUR,
    MISSING_COLOUR_DARK,
    PALETTE,
    PALETTE_DARK,
    RECONSTRUCTED_COLOUR,
    RECONSTRUCTED_COLOUR_DARK,
)

#: Vega-Lite version of every specification (the one vl-convert and the chart widget draw).
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.json"
#: Top-level parameter holding each group's label, by its position in the colour domain. The colour
#: scale is keyed by position so that a new cut-off only changes rows and this value, not the structure.
GROUP_LABELS_PARAM = "group_labels"
#: Top-level parameter holding the positions of the groups the legend lists (the groups of the patients
#: drawn): a filter that leaves one group out changes this value, not the structure, and no colour moves.
GROUP_SHOWN_PARAM = "group_shown"
#: Ending of the parameter holding the top of a panel's y axis (``<panel name>_y_top``).
Y_TOP_SUFFIX = "_y_top"

#: Visits of the bundled studies, in weeks since the IL-1 blocker was started.
DEFAULT_WEEKS = VISIT_WEEKS
#: Title shown on every chart of reconstructed values.
RECONSTRUCTED_TITLE = "Reconstructed data"
RECONSTRUCTED_SUBTITLE = ("Follow-up values were generated to match the published averages; "
                          "they are not measurements of real patients.")
MEASURED_TITLE = "Mean with 95% confidence interval"
HOW_TO_READ = ("Line: mean; shaded band: 95% confidence interval of the mean (only with 2 or more patients); "
               "n: patients with a value at that visit.")

#: The group of patients whose early/late side is not known.
MISSING_LABEL = NOT_RECORDED

#: Fewest patients on each side for the window-of-opportunity strip to show an estimate.
MIN_PATIENTS_PER_SIDE = MIN_PATIENTS
TOO_FEW_TEXT = "too few to estimate"

_N_ROW_GAP_PX = 13  # vertical distance between the n rows of two groups
_N_ROW_OFFSET_PX = 25  # distance from the bottom of the plot to the first n row (just under the tick labels)


#: About how many pixels a character of an axis title takes (11 px bold sans-serif).
AXIS_TITLE_CHAR_PX = 6.6


def axis_title_lines(title: str, length_px: float) -> str | list[str]:
    """An axis title, in two lines when one line is longer than the axis (broken after a colon, else before its
    unit in brackets, else at the space nearest its middle): a y title longer than its panel's height reaches
    above the panel and lifts that panel's title above its neighbours'.

    Examples
    --------
    >>> axis_title_lines("Mean number of active joints", 190)
    'Mean number of active joints'
    >>> axis_title_lines("Mean dose (mg/kg/day, prednisone)", 190)
    ['Mean dose', '(mg/kg/day, prednisone)']
    >>> axis_title_lines("sJADAS27 (0–67): mean and each patient", 190)
    ['sJADAS27 (0–67):', 'mean and each patient']
    """
    if len(title) * AXIS_TITLE_CHAR_PX <= length_px or " " not in title:
        return title
    middle = len(title) / 2
    if title.find(": ") > 0:
        cut = title.find(": ") + 1
    elif title.find(" (") > 0:
        cut = title.find(" (")
    else:
        cut = min((i for i, ch in enumerate(title) if ch == " "), key=lambda i: abs(i - middle))
    return [title[:cut], title[cut + 1:]]


def n_row_px(height: float, row: int) -> float:
    """Where the ``row``-th row of ``n`` labels sits, in px from the top of a plot ``height`` px high: under the
    tick labels, one row per group (the x-axis title goes under them: :func:`title_under_n_rows`).

    Examples
    --------
    >>> n_row_px(200, 0), n_row_px(200, 1)
    (225, 238)
    """
    return height + _N_ROW_OFFSET_PX + row * _N_ROW_GAP_PX


def title_under_n_rows(n_rows: int) -> dict[str, Any]:
    """x-axis settings that put its title under ``n_rows`` rows of ``n`` labels drawn under the tick labels.

    The rows sit at fixed distances under the plot; the title moves down to make room for them, so a title
    wrapped over several lines (a narrow window) grows downwards instead of running into the rows.

    Examples
    --------
    >>> title_under_n_rows(2)
    {'titlePadding': 33}
    """
    return {"titlePadding": 7 + n_rows * _N_ROW_GAP_PX}
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


def format_number(value: Any, value_format: str = ".1f", sign: bool = False) -> str:
    """A number as the charts print it: :func:`sjia_explore.format.number`.

    Examples
    --------
    >>> format_number(-1.234, ".1f"), format_number(2, ".2f", sign=True), format_number(None)
    ('−1.2', '+2.00', '')
    """
    return fmt.number(value, value_format, sign=sign)


def ci_text(low: Any, high: Any, value_format: str = ".1f", missing: str = "not computed") -> str:
    """A confidence interval in words (``'1.2 to 3.4'``): :func:`sjia_explore.format.ci`."""
    return fmt.ci(low, high, value_format, missing)


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
            if param["name"].endswith(Y_TOP_SUFFIX) and param["name"] in params:
                # panels of one name share the top of their y axis: the higher one
                param = {**param, "value": max(param["value"], params[param["name"]]["value"])}
            elif param["name"] == GROUP_SHOWN_PARAM and param["name"] in params:
                # one legend for the panels: every group any of them draws
                param = {**param, "value": sorted({*param["value"], *params[param["name"]]["value"]})}
            elif param["name"] in params and params[param["name"]] != param:
                raise ValueError(f"charts drawn together must have the same groups, in the same order "
                                 f"({params[param['name']].get('value')} and {param.get('value')}): make "
                                 f"each panel with the same colour_domain=")
            params[param["name"]] = param
        spec.pop("$schema", None)
        spec.pop("config", None)
        inner.append(spec)
    return inner, datasets, list(params.values())


def stack_specs(specs: Sequence[Mapping[str, Any]], dark: bool = False) -> dict[str, Any]:
    """Top-level specifications one above the other, as one (e.g. to export a whole section as one picture)."""
    inner, datasets, params = _hoist(specs)
    return {"$schema": SCHEMA_URL, **({"params": params} if params else {}), "vconcat": inner, "spacing": 36,
            "datasets": datasets, "config": theme_config(dark)}
