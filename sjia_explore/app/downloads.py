"""The files behind the download buttons: ``(view model, key) -> (file name, MIME type, bytes)``.

Nothing is written to disk. Every file carries its provenance (data source,
selection, date, whether values are reconstructed); pictures are always made
in the light theme, for print and slides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Callable

import pandas as pd

from sjia_explore.app.model import ViewModel
from sjia_explore.app.outcome_downloads import literature_provenance, outcome_content
from sjia_explore.app.vocabulary import PANEL_OUTCOMES, describe_subgroup
from sjia_explore.cohort import Cohort

MIME = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv", "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


#: Columns of a summary table that are in the outcome's own unit (rounded as the chart prints the outcome).
_IN_OUTCOME_UNITS = ("mean", "sd", "ci_low", "ci_high", "median", "q1", "q3")
#: Decimals of every other number in a table file (proportions, rates): enough for any figure the app prints.
OTHER_DECIMALS = 4


def as_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its numbers rounded as the app prints them (no ``5.6000000000000005`` in a file).

    Values in an outcome's unit get the decimals of that outcome's format (as the chart's
    tooltip prints them); other numbers get :data:`OTHER_DECIMALS`.

    Examples
    --------
    >>> as_shown(pd.DataFrame({"outcome": ["active_joints"], "mean": [5.6000000000000005], "p": [0.1 + 0.2]})
    ...          ).to_dict("records")
    [{'outcome': 'active_joints', 'mean': 5.6, 'p': 0.3}]
    """
    out = frame.copy()
    digits = {o.column: int(o.value_format[1:-1]) for o in PANEL_OUTCOMES if o.value_format[1:-1].isdigit()}
    for column in out.columns:
        if not pd.api.types.is_float_dtype(out[column].dtype):
            continue
        if column in _IN_OUTCOME_UNITS and "outcome" in out.columns:
            places = out["outcome"].map(digits).fillna(OTHER_DECIMALS).astype(int)
            out[column] = [round(v, p) if pd.notna(v) else v for v, p in zip(out[column], places)]
        else:
            out[column] = out[column].round(OTHER_DECIMALS)
    return out


def provenance(selected: Cohort, model: ViewModel, tables: tuple[str, ...]):
    """The provenance stamp of a file made from ``selected`` as ``model`` shows it."""
    from sjia_explore import export

    prov = export.Provenance.from_cohort(selected, tables=tables)
    return replace(prov, subgroup=describe_subgroup(model.state.subgroup())).with_notes(
        f"Early/late split at {model.state.early_cutoff_months:g} months from onset to treatment")


def _content(model: ViewModel, section: str, light: Callable[[str], object]):
    """(tables behind it, chart spec or None, table, count columns) of one downloadable thing."""
    picture = (lambda name: light(name)) if model.dark else (lambda name: model.sections.get(name))
    if section == "trajectories":
        return ("patients", "visits"), lambda: picture("trajectories").spec, model.trajectories.table(), \
            ("n", "n_missing")
    if section == "window":
        if model.window is None:
            raise ValueError("open the “Window of opportunity” section first")
        if model.window.spec is None:
            raise ValueError(model.window.message or "the “Window of opportunity” section has nothing to download")
        return ("patients", "visits"), lambda: picture("window").spec, model.window.table, ("n_early", "n_late")
    if section in ("steroid", "ae"):
        if model.safety is None:
            raise ValueError("open the “Steroids and safety” section first")
        if section == "ae":
            return ("patients", "adverse_events"), None, model.safety.adverse_events.table, \
                ("n_patients", "n_events", "n_patients_with_event", "serious")
        if model.safety.steroid.spec is None:
            raise ValueError("no selected patient was on corticosteroid at week 0")
        return ("patients", "visits"), lambda: picture("safety").steroid.spec, model.safety.steroid.per_visit, \
            ("n", "n_missing", "k")
    outcome = outcome_content(model, section, picture)
    if outcome is not None:
        return outcome
    raise ValueError(f"unknown download {section!r}")


def make(model: ViewModel, key: str, selected: Cohort, *, suppression: int = 0,
         light: Callable[[str], object] | None = None, today: dt.date | None = None) -> tuple[str, str, bytes]:
    """The file of download ``key`` (``<what>_<file type>``, see :data:`sjia_explore.app.vocabulary.DOWNLOADS`).

    Parameters
    ----------
    model
        The view on screen.
    selected
        Its patients (the selection already made for the view).
    suppression
        Hide counts from 1 to ``suppression - 1`` in tables (0: show every count).
    light
        ``section name -> its model in the light theme``, for pictures of a dark view.
    """
    from sjia_explore import export, plots

    section, kind = key.rsplit("_", 1)
    date = (today or dt.date.today()).isoformat()
    if section == "state":
        prov = provenance(selected, model, ("patients", "visits"))
        return f"sjia-view-{date}.json", MIME["json"], export.state_json(model.state.to_dict(), prov)
    if model.selection.n_total == 0:
        raise ValueError("no patient is selected, so there is nothing to download")
    tables, chart, frame, counts = _content(model, section, light or model.sections.get)
    prov = provenance(selected, model, tables)
    if section == "literature":  # other studies' figures: the stamp says so, and names the cohort beside them
        prov = literature_provenance(selected, provenance(selected, model, ("patients", "visits")))
    name = f"sjia-{section}-{date}.{kind}"
    if kind in ("png", "svg"):
        if chart is None:
            raise ValueError("this section has no chart to download")
        picture = plots.with_theme(chart(), dark=False)
        data = export.chart_png(picture, prov) if kind == "png" else export.chart_svg(picture, prov)
        return name, MIME[kind], data
    hidden = None
    if suppression:
        hidden = export.Suppression(
            tuple(c for c in counts if c in frame.columns), threshold=suppression,
            percent_columns={"percent_patients_with_event": "n_patients_with_event"}
            if "percent_patients_with_event" in frame.columns else {})
    frame = as_shown(pd.DataFrame(frame))
    if kind == "csv":
        return name, MIME["csv"], export.table_csv(frame, prov, hidden)
    if kind == "xlsx":
        return name, MIME["xlsx"], export.table_xlsx(frame, prov, hidden)
    raise ValueError(f"unknown file type {kind!r}")
