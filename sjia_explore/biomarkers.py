"""Inflammatory markers per visit: ESR, CRP, ferritin, IL-18 and MRP8/14, with a reference value for each.

Each marker is summarised per visit (and group) by its median and
interquartile range and by its geometric mean with a 95% interval (t interval
on the log scale). Every row carries ``n``. A study (or group) whose visits
hold no value of a marker gets one row saying "not measured in this study",
so a chart can say so rather than draw nothing.

Reference values, and what they are
-----------------------------------
ESR 20 mm/h, CRP 10 mg/L, ferritin 330 ng/mL
    The upper limits of normal used by Qiu 2024 Table 1 (doi 10.1186/s12969-024-00974-4).
IL-18 595 pg/mL
    Not a normal range: the serum IL-18 cut-off for remission in sJIA reported in
    "Clinical significance of interleukin-18 for the diagnosis and prediction of
    disease course in systemic juvenile idiopathic arthritis", Rheumatology
    (Oxford) 2020; read at :data:`IL18_SOURCE_URL`.
MRP8/14 340 ng/mL
    Not an upper limit: the mean serum MRP8/14 of 50 healthy controls
    (340 ± 70 ng/mL, mean ± 95% CI), Arthritis Rheum 2009, doi 10.1002/art.24349.

Examples
--------
>>> import pandas as pd
>>> v = pd.DataFrame({"patient_id": ["a", "b", "c"], "week": [0, 0, 0], "crp_mg_l": [10.0, 100.0, 1000.0]})
>>> row = biomarkers(v, markers=("crp_mg_l",)).iloc[0]
>>> int(row["n"]), float(row["median"]), round(float(row["geo_mean"]), 6)
(3, 100.0, 100.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sjia_explore import published
from sjia_explore.outcomes import _few, _joined, group_labels, provenance_note
from sjia_explore.stats import CI_LEVEL


@dataclass(frozen=True)
class Marker:
    """One marker: its column, name, unit, reference value and what that value is."""

    column: str
    label: str
    unit: str
    reference_value: float
    reference_kind: str
    reference_source: str
    log_scale: bool


_QIU_TABLE_1 = "Qiu 2024 Table 1, doi 10.1186/s12969-024-00974-4"
#: Where the IL-18 remission cut-off was read (the abstract).
IL18_SOURCE_URL = ("https://habcentral.habcommunity.com/clinical-significance-interleukin-18-diagnosis-and-"
                   "prediction-disease-course-systemic-juvenile")
#: The markers summarised, in display order.
MARKERS: tuple[Marker, ...] = (
    Marker("esr_mm_h", "ESR", "mm/h", published.ESR_UPPER_MM_H, "upper limit of normal", _QIU_TABLE_1, False),
    Marker("crp_mg_l", "CRP", "mg/L", published.CRP_UPPER_MG_L, "upper limit of normal", _QIU_TABLE_1, True),
    Marker("ferritin_ng_ml", "ferritin", "ng/mL", published.FERRITIN_UPPER_NG_ML, "upper limit of normal",
           _QIU_TABLE_1, True),
    Marker("il18_pg_ml", "IL-18", "pg/mL", 595, "remission cut-off in sJIA, not a normal range",
           "Rheumatology (Oxford) 2020, serum IL-18 and the disease course of sJIA", True),
    Marker("mrp8_14_ng_ml", "MRP8/14", "ng/mL", 340, "mean of 50 healthy controls, not an upper limit",
           "Arthritis Rheum 2009, doi 10.1002/art.24349", True),
)
BIOMARKER_COLUMNS = ["group", "week", "marker", "label", "unit", "n", "median", "q1", "q3", "geo_mean",
                     "geo_ci_low", "geo_ci_high", "reference_value", "reference_kind", "reference_source",
                     "log_scale", "note"]


def _geometric(values: np.ndarray) -> tuple[float, float, float, str]:
    """Geometric mean and its t interval on the log scale; NaN (with a reason) when not defined."""
    from scipy import stats as st

    if (values <= 0).any():
        return np.nan, np.nan, np.nan, "no geometric mean: a value is 0 or below"
    logs = np.log(values)
    centre = float(np.exp(logs.mean()))
    if len(values) < 2:
        return centre, np.nan, np.nan, ""
    half = st.t.ppf(0.5 + CI_LEVEL / 2, len(values) - 1) * logs.std(ddof=1) / np.sqrt(len(values))
    return centre, float(np.exp(logs.mean() - half)), float(np.exp(logs.mean() + half)), ""


def biomarkers(visits: pd.DataFrame, by=None, patients: pd.DataFrame | None = None,
               markers: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per visit and marker: n, median and IQR, geometric mean with 95% CI, and the marker's reference value.

    Parameters
    ----------
    visits
        Visit rows with ``patient_id``, ``week`` and any marker columns
        (``esr_mm_h``, ``crp_mg_l``, ``ferritin_ng_ml``, ``il18_pg_ml``,
        ``mrp8_14_ng_ml``). Not changed.
    by, patients
        Optional grouping, as in :func:`sjia_explore.outcomes.activity_states`
        (``by="study", patients=cohort.patients`` gives "not measured in this
        study" rows per study).
    markers
        Marker columns to summarise (default: all five).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BIOMARKER_COLUMNS`. The IQR is the 25th–75th
        percentile (linear interpolation). A marker a group never measured
        gets one row with ``week`` missing, ``n`` 0 and the note "not measured
        in this study" (or "in this group").
    """
    chosen = [m for m in MARKERS if markers is None or m.column in markers]
    if markers is not None and len(chosen) != len(set(markers)):
        unknown = sorted(set(markers) - {m.column for m in MARKERS})
        raise ValueError(f"unknown marker column(s) {', '.join(unknown)}; known: "
                         f"{', '.join(m.column for m in MARKERS)}")
    frame = visits.copy()
    frame["group"] = group_labels(visits, by, patients).to_numpy()
    frame = frame.loc[frame["group"].notna()]
    where = "study" if by == "study" else "group"
    prov = provenance_note(visits)
    rows = []
    for marker in chosen:
        ref = {"marker": marker.column, "label": marker.label, "unit": marker.unit,
               "reference_value": float(marker.reference_value), "reference_kind": marker.reference_kind,
               "reference_source": marker.reference_source, "log_scale": marker.log_scale}
        for group, in_group in frame.groupby("group", sort=True):
            values_all = (pd.to_numeric(in_group[marker.column], errors="coerce").astype(float)
                          if marker.column in in_group.columns else pd.Series(np.nan, index=in_group.index))
            if values_all.isna().all():
                missing = (f"not measured in this {where}" if marker.column in visits.columns
                           else "not recorded in these data")
                rows.append({"group": group, "week": pd.NA, **ref, "n": 0, "median": np.nan, "q1": np.nan,
                             "q3": np.nan, "geo_mean": np.nan, "geo_ci_low": np.nan, "geo_ci_high": np.nan,
                             "note": _joined(missing, prov)})
                continue
            for week, idx in in_group.groupby("week", sort=True).groups.items():
                values = values_all.loc[idx].dropna().to_numpy()
                n = len(values)
                if n == 0:
                    stats_ = dict(median=np.nan, q1=np.nan, q3=np.nan, geo_mean=np.nan, geo_ci_low=np.nan,
                                  geo_ci_high=np.nan)
                    why = "no value at this visit"
                else:
                    q1, med, q3 = np.percentile(values, [25, 50, 75])
                    centre, low, high, why = _geometric(values)
                    stats_ = dict(median=float(med), q1=float(q1), q3=float(q3), geo_mean=centre, geo_ci_low=low,
                                  geo_ci_high=high)
                rows.append({"group": group, "week": week, **ref, "n": n, **stats_,
                             "note": _joined(why, _few(n), f"reference: {marker.reference_value:g} {marker.unit}, "
                                             f"{marker.reference_kind} ({marker.reference_source})", prov)})
    return pd.DataFrame(rows, columns=BIOMARKER_COLUMNS)
