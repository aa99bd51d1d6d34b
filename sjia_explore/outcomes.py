"""The outcomes clinicians judge IL-1 blockade by: activity states, inactive disease, ACR Pedi response.

Every function takes the long visit table (one row per patient and week, the
columns of :mod:`sjia_explore.schema`), never changes it, and returns a tidy
DataFrame with ``n`` and a ``note`` on every row. Proportions carry exact
(Clopper–Pearson) 95% intervals. A number the data cannot support is left
missing and the note says why.

Definitions and their sources
-----------------------------
Activity states (:func:`activity_states`)
    sJADAS10 (the default): Rosina S, et al. Arthritis Rheumatol 2024,
    doi:10.1002/art.42865 — inactive ≤ 2.9, minimal ≤ 10, moderate ≤ 20.6,
    high > 20.6 (quoted in Moysidou et al., EULAR 2025 ABS0579). No sJADAS27
    cut-offs are published: applying these to sJADAS27 is an extrapolation.
    JADAS27: inactive ≤ 1 and minimal ≤ 3.8 in polyarticular JIA (Consolaro A,
    et al. Arthritis Rheum 2012;64:2366, doi:10.1002/art.34373, "with all versions
    of the JADAS"); high disease activity above 8.5 for JADAS27 in polyarthritis
    (Consolaro A, et al. Ann Rheum Dis 2014;73:1380, doi:10.1136/annrheumdis-2013-204186).
    Both were made for non-systemic JIA. cJADAS27: none published; the ACR 2021
    cJADAS10 polyarthritis cut-offs 2.5, 5 and 16 (Trincianti C, et al.,
    https://explorer.cuni.cz/publication/601119) are applied as an extrapolation.
Clinically inactive disease (:func:`inactive_disease`)
    Wallace CA, et al. J Rheumatol 2004;31:2290 (http://www.jrheum.com/subscribers/04/11/2290.html):
    no active arthritis; no fever, rash, serositis, splenomegaly or generalised
    lymphadenopathy due to JIA; no active uveitis; normal ESR or CRP (both
    normal if both tested); physician global assessment at its best score.
    Clinical remission on medication: at least 6 continuous months of
    inactive disease. "Normal" uses the limits of Qiu 2024 Table 1
    (ESR ≤ 20 mm/h, CRP ≤ 10 mg/L; :mod:`sjia_explore.published`).
ACR Pedi response (:func:`acr_pedi`)
    Core set: physician global, parent/patient global, active joints, joints
    with limited motion, CHAQ (0–3), ESR; a response at level L is ≥ L%
    improvement in ≥ 3 of the 6 and no more than 1 worsened by > 30%
    (https://pmc.ncbi.nlm.nih.gov/articles/PMC4345949/table/tbl1). "adapted"
    adds resolution of fever (Ruperto N, et al. N Engl J Med 2012;367:2396);
    "modified" (ANAJIS, Quartier P, et al. Ann Rheum Dis 2011;70:747) adds no
    fever and CRP and ESR normal or down by at least 50%.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": ["a", "b", "a", "b"], "week": [0, 0, 24, 24],
...                        "sjadas10": [25.0, 12.0, 2.0, 4.0]})
>>> out = activity_states(visits)
>>> week_24 = out[out["week"] == 24]
>>> week_24["state"].tolist(), week_24["n"].tolist(), week_24["n_total"].tolist()
(['inactive', 'minimal', 'moderate', 'high'], [1, 1, 0, 0], [2, 2, 2, 2])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sjia_explore import published, scores
from sjia_explore.stats import CI_LEVEL, MIN_PATIENTS
from sjia_explore.stats.survival import cumulative_incidence

#: Label of the single group when no grouping is asked for.
ALL_PATIENTS = "all patients"
#: Days in a month and in a week, for "6 months" of remission measured in visit weeks.
DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_WEEK = 7
#: Clinical remission on medication: inactive disease for at least this many months (Wallace 2004).
REMISSION_MONTHS = 6
REMISSION_WEEKS = REMISSION_MONTHS * DAYS_PER_MONTH / DAYS_PER_WEEK


# --- shared helpers -------------------------------------------------------------------------------

def _require(visits: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in visits.columns]
    if missing:
        raise KeyError(f"visits has no column {', '.join(map(repr, missing))}, needed for {what}; "
                       f"its columns are {', '.join(map(str, visits.columns))}")


def _one_row_per_visit(visits: pd.DataFrame) -> None:
    """An error naming the first patient and week with more than one row (counts per week would be wrong)."""
    dup = visits.loc[visits["week"].notna()].duplicated(["patient_id", "week"], keep=False)
    if dup.any():
        first = visits.loc[dup[dup].index[0]]
        raise ValueError(f"visits has more than one row for patient {first['patient_id']} at week "
                         f"{first['week']:g}; keep one row per patient and week")


def exact_ci(k: int, n: int) -> tuple[float, float]:
    """Exact (Clopper–Pearson) 95% interval of ``k`` out of ``n`` (NaN, NaN when n is 0).

    Examples
    --------
    >>> [round(x, 4) for x in exact_ci(8, 11)]
    [0.3903, 0.9398]
    """
    if n == 0:
        return float("nan"), float("nan")
    from scipy import stats as st

    ci = st.binomtest(int(k), int(n)).proportion_ci(confidence_level=CI_LEVEL, method="exact")
    return float(ci.low), float(ci.high)


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _few(n: int) -> str:
    if n == 0:
        return ""
    return f"only {n} patient{'s' if n != 1 else ''}: the interval is very wide" if n < MIN_PATIENTS else ""


def provenance_note(visits: pd.DataFrame) -> str:
    """What the visit rows are, in words, when any of them is not an observed record.

    Examples
    --------
    >>> provenance_note(pd.DataFrame({"provenance": ["reconstructed"]}))
    'reconstructed data (synthetic, consistent with the published aggregates)'
    """
    if "provenance" not in visits.columns:
        return ""
    kinds = set(visits["provenance"].dropna().astype(str))
    return _joined("reconstructed data (synthetic, consistent with the published aggregates)"
                   if "reconstructed" in kinds else "",
                   "simulated data (a synthetic registry)" if "simulated" in kinds else "")


def group_labels(visits: pd.DataFrame, by=None, patients: pd.DataFrame | None = None) -> pd.Series:
    """The group of each visit row: ``by`` is a visit column, a ``patients`` column, or a patient → group mapping.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a", "b"], "week": [0, 0]})
    >>> group_labels(v, {"a": "early", "b": "late"}).tolist()
    ['early', 'late']
    """
    if by is None:
        return pd.Series(ALL_PATIENTS, index=visits.index, dtype="string")
    if isinstance(by, str):
        if by in visits.columns:
            return visits[by].astype("string")
        if patients is not None and by in patients.columns:
            mapping = patients.drop_duplicates("patient_id").set_index("patient_id")[by]
            return visits["patient_id"].map(mapping).astype("string")
        raise KeyError(f"no column {by!r} to group by in visits" + (" or patients" if patients is not None else
                                                                   " (pass patients= to group by a patient column)"))
    if isinstance(by, (Mapping, pd.Series)):
        return visits["patient_id"].map(by).astype("string")
    raise TypeError("by must be None, a column name, or a mapping from patient_id to group")


def _grouped(visits: pd.DataFrame, by, patients) -> pd.DataFrame:
    """Visits with a ``group`` column; patients without a group are left out."""
    out = visits.copy()
    out["group"] = group_labels(visits, by, patients).to_numpy()
    return out.loc[out["group"].notna()]


# --- activity states ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Cutoffs:
    """Upper bounds of the inactive, minimal and moderate states of one score (high lies above)."""

    inactive_max: float
    minimal_max: float
    moderate_max: float
    source: str
    extrapolated: str = ""  # why, when the cut-offs were not made for this score in sJIA

    def note(self) -> str:
        bounds = (f"inactive ≤ {self.inactive_max:g}, minimal ≤ {self.minimal_max:g}, "
                  f"moderate ≤ {self.moderate_max:g}, high > {self.moderate_max:g}")
        return _joined(f"states: {bounds} ({self.source})",
                       f"extrapolated: {self.extrapolated}" if self.extrapolated else "")


_ROSINA = "Rosina et al. 2024, doi 10.1002/art.42865, sJADAS10 in sJIA"
#: Cut-offs used for each score (see the module docstring for the sources).
CUTOFFS: dict[str, Cutoffs] = {
    "sjadas10": Cutoffs(scores.SJADAS10_INACTIVE_MAX, scores.SJADAS10_MINIMAL_MAX, scores.SJADAS10_MODERATE_MAX,
                        _ROSINA),
    "sjadas27": Cutoffs(scores.SJADAS10_INACTIVE_MAX, scores.SJADAS10_MINIMAL_MAX, scores.SJADAS10_MODERATE_MAX,
                        _ROSINA, "no sJADAS27 cut-offs are published; the sJADAS10 cut-offs are applied"),
    "jadas27": Cutoffs(1.0, 3.8, 8.5, "Consolaro et al. 2012, doi 10.1002/art.34373 and 2014, "
                       "doi 10.1136/annrheumdis-2013-204186, JADAS27 in polyarticular JIA",
                       "made for non-systemic JIA; no JADAS27 cut-offs for sJIA are published"),
    "cjadas27": Cutoffs(2.5, 5.0, 16.0, "ACR 2021 cJADAS10 cut-offs for polyarthritis, Trincianti et al. 2021",
                        "no cJADAS27 cut-offs are published; cJADAS10 cut-offs for non-systemic JIA are applied"),
}
_SCORE_FUNCTIONS = {
    "sjadas10": (scores.sjadas10, scores.SJADAS10_COMPONENTS),
    "sjadas27": (scores.sjadas27, scores.SJADAS27_COMPONENTS),
    "jadas27": (scores.jadas27, scores.JADAS27_COMPONENTS),
    "cjadas27": (scores.cjadas27, scores.CJADAS27_COMPONENTS),
}


def _score(visits: pd.DataFrame, score: str) -> tuple[pd.Series, str]:
    """The score of each visit and where it came from (computed from components, or a stored column)."""
    if score not in _SCORE_FUNCTIONS:
        raise ValueError(f"score must be one of {', '.join(_SCORE_FUNCTIONS)}, not {score!r}")
    fn, components = _SCORE_FUNCTIONS[score]
    if all(c in visits.columns for c in components):
        return fn(visits), f"{score} computed from its components"
    if score in visits.columns:
        return pd.to_numeric(visits[score], errors="raise").astype(float), f"{score} as stored in the data"
    missing = [c for c in components if c not in visits.columns]
    raise KeyError(f"visits has no column {score!r} and lacks {', '.join(missing)} to compute it")


def classify(score_values: pd.Series, cutoffs: Cutoffs) -> pd.Series:
    """Ordered states (inactive / minimal / moderate / high) of scores by ``cutoffs``; each bound is inclusive.

    For the sJADAS10 cut-offs this is :func:`sjia_explore.scores.classify_activity`.

    Examples
    --------
    >>> classify(pd.Series([1.0, 1.1, 8.5, 8.6]), CUTOFFS["jadas27"]).tolist()
    ['inactive', 'minimal', 'moderate', 'high']
    """
    bounds = (cutoffs.inactive_max, cutoffs.minimal_max, cutoffs.moderate_max)
    if bounds == (scores.SJADAS10_INACTIVE_MAX, scores.SJADAS10_MINIMAL_MAX, scores.SJADAS10_MODERATE_MAX):
        return scores.classify_activity(score_values)
    values = pd.to_numeric(score_values, errors="raise").astype(float).round(scores.CUTOFF_COMPARISON_DECIMALS)
    states = pd.cut(values, bins=[-np.inf, *bounds, np.inf], labels=list(scores.ACTIVITY_STATES), right=True,
                    ordered=True)
    return pd.Series(states, index=score_values.index, name="activity_state")


def visit_activity(visits: pd.DataFrame, score: str = "sjadas10") -> pd.DataFrame:
    """Score and activity state of every visit (for a per-patient timeline).

    Parameters
    ----------
    visits
        Visit rows with the score's components (or the score as a column). Not changed.
    score
        ``"sjadas10"`` (default), ``"sjadas27"``, ``"jadas27"`` or ``"cjadas27"``.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``week``, ``score``, ``state`` (ordered categorical), ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a"], "week": [0], "sjadas10": [21.0]})
    >>> visit_activity(v)["state"].tolist()
    ['high']
    """
    values, source = _score(visits, score)
    out = visits[["patient_id", "week"]].copy()
    out["score"] = values.to_numpy()
    out["state"] = classify(values, CUTOFFS[score]).to_numpy()
    out["note"] = _joined(source, CUTOFFS[score].note(), provenance_note(visits))
    return out


def activity_states(visits: pd.DataFrame, score: str = "sjadas10", by=None,
                    patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many patients are in each activity state at each visit, with exact intervals.

    Parameters
    ----------
    visits
        Visit rows (``patient_id``, ``week`` and the score's components, or the
        score as a column). Not changed.
    score
        ``"sjadas10"`` (default: the Rosina 2024 cut-offs were made for it),
        ``"sjadas27"``, ``"jadas27"`` or ``"cjadas27"``; the note says whether
        the cut-offs are extrapolated.
    by
        Optional grouping: a visit column, a ``patients`` column, or a mapping
        from ``patient_id`` to a group label.
    patients
        Patient table, when ``by`` names one of its columns.

    Returns
    -------
    pandas.DataFrame
        Per group, week and state (ordered inactive, minimal, moderate, high):
        ``group``, ``week``, ``state``, ``n`` (patients in the state),
        ``n_total`` (patients with a score that week), ``n_missing`` (visits
        without a score), ``proportion``, ``ci_low``, ``ci_high``, ``score``, ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": list("abc"), "week": [0, 0, 0], "jadas27": [0.5, 9.0, 2.0]})
    >>> activity_states(v, score="jadas27")["n"].tolist()  # inactive, minimal, moderate, high
    [1, 1, 0, 1]
    """
    _require(visits, ["patient_id", "week"], "activity states")
    _one_row_per_visit(visits)
    try:
        per_visit = visit_activity(visits, score)
    except KeyError as err:  # the score cannot be computed from these data: say so on every visit's rows
        per_visit = visits[["patient_id", "week"]].assign(score=np.nan, state=None,
                                                          note=f"{score} cannot be computed: {err.args[0]}")
    per_visit["group"] = group_labels(visits, by, patients).to_numpy()
    per_visit = per_visit.loc[per_visit["group"].notna()]
    base_note = per_visit["note"].iloc[0] if len(per_visit) else CUTOFFS[score].note()
    rows = []
    for (group, week), at in per_visit.groupby(["group", "week"], sort=True):
        scored = at.dropna(subset=["score"])
        n_total = int(scored["patient_id"].nunique())
        counts = scored["state"].value_counts()
        for state in scores.ACTIVITY_STATES:
            k = int(counts.get(state, 0))
            low, high = exact_ci(k, n_total)
            rows.append({"group": group, "week": week, "state": state, "n": k, "n_total": n_total,
                         "n_missing": int(len(at) - len(scored)),
                         "proportion": k / n_total if n_total else np.nan, "ci_low": low, "ci_high": high,
                         "score": score,
                         "note": _joined(base_note, _few(n_total),
                                         "no patient has a score at this visit" if not n_total else "")})
    out = pd.DataFrame(rows, columns=["group", "week", "state", "n", "n_total", "n_missing", "proportion",
                                      "ci_low", "ci_high", "score", "note"])
    out["state"] = pd.Categorical(out["state"], categories=list(scores.ACTIVITY_STATES), ordered=True)
    return out


# --- clinically inactive disease (Wallace 2004) --------------------------------------------------

#: Wallace 2004 items read from a yes/no visit column: (item, column); the item is met when the answer is no.
WALLACE_ABSENT_ITEMS = (
    ("fever", "fever"),
    ("rash", "rash"),
    ("serositis", "serositis"),
    ("splenomegaly", "splenomegaly"),
    ("generalised lymphadenopathy", "lymphadenopathy"),
    ("active uveitis", "uveitis"),
)
#: Upper limits of normal (Qiu 2024 Table 1 flags: ESR > 20 mm/h, CRP > 10 mg/L).
ESR_UPPER_MM_H = published.ESR_UPPER_MM_H
CRP_UPPER_MG_L = published.CRP_UPPER_MG_L
INACTIVE_COLUMNS = ["patient_id", "week", "inactive", "not_met", "unknown", "note"]


def _flag(values: pd.Series) -> pd.Series:
    """Yes/no cells as nullable booleans (text such as 'true'/'false' is read too)."""
    if values.dtype == bool or str(values.dtype) == "boolean":
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    out = text.map({"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False})
    return out.astype("boolean")


def _wallace_items(visits: pd.DataFrame) -> tuple[dict[str, pd.Series], list[str]]:
    """Each available Wallace item as met (True) / not met (False) / unknown (NA); and the items not recorded."""
    items: dict[str, pd.Series] = {}
    not_recorded: list[str] = []
    if "active_joints" in visits.columns:
        items["no active joints"] = pd.to_numeric(visits["active_joints"]).eq(0).astype("boolean").mask(
            visits["active_joints"].isna())
    else:
        not_recorded.append("active joints")
    for item, column in WALLACE_ABSENT_ITEMS:
        if column in visits.columns:
            items[f"no {item}"] = ~_flag(visits[column])
        else:
            not_recorded.append(item)
    labs = []
    for column, upper in (("esr_mm_h", ESR_UPPER_MM_H), ("crp_mg_l", CRP_UPPER_MG_L)):
        if column in visits.columns:
            values = pd.to_numeric(visits[column]).astype(float)
            labs.append(pd.Series(values <= upper, index=visits.index, dtype="boolean").mask(values.isna()))
    if labs:
        # every measured marker must be normal; unknown only when none was measured at that visit
        measured = pd.concat([lab.notna() for lab in labs], axis=1).any(axis=1)
        abnormal = pd.concat([lab.fillna(True).eq(False) for lab in labs], axis=1).any(axis=1)
        items["normal ESR or CRP"] = pd.Series(~abnormal, index=visits.index, dtype="boolean").mask(~measured)
    else:
        not_recorded.append("ESR and CRP")
    if "physician_global" in visits.columns:
        pga = pd.to_numeric(visits["physician_global"]).astype(float)
        items["physician global at its best score (0)"] = pd.Series(pga == 0, index=visits.index,
                                                                   dtype="boolean").mask(pga.isna())
    else:
        not_recorded.append("physician global assessment")
    return items, not_recorded


def inactive_disease(visits: pd.DataFrame) -> pd.DataFrame:
    """Clinically inactive disease (Wallace 2004) at each visit, from the items the data hold.

    A visit is inactive when every available item is met, not inactive when
    any is not met, and unknown (missing) otherwise. Items the data do not
    record are named in ``note`` ("inactive by the available criteria:
    uveitis not recorded"). Fever and rash count whatever their cause (Wallace
    asks for features "due to JIA"; a fever from pneumonia makes the visit
    active here, and the note says so). Morning stiffness (added by the 2011
    ACR criteria) is not used.

    Parameters
    ----------
    visits
        Visit rows: ``patient_id``, ``week`` and any of ``active_joints``,
        ``fever``, ``rash``, ``serositis``, ``splenomegaly``,
        ``lymphadenopathy``, ``uveitis``, ``esr_mm_h``, ``crp_mg_l``,
        ``physician_global``. Not changed.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``week``, ``inactive`` (nullable boolean), ``not_met``
        and ``unknown`` (the items, in words), ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a", "b"], "week": [24, 24], "active_joints": [0, 1],
    ...                   "fever": [False, False], "esr_mm_h": [12.0, 8.0], "physician_global": [0.0, 1.0]})
    >>> out = inactive_disease(v)
    >>> out["inactive"].tolist(), out.loc[1, "not_met"]
    ([True, False], 'no active joints, physician global at its best score (0)')
    """
    _require(visits, ["patient_id", "week"], "inactive disease")
    _one_row_per_visit(visits)
    items, not_recorded = _wallace_items(visits)
    if not items:
        raise KeyError("visits hold none of the items of inactive disease (active joints, fever, rash, ESR, CRP, "
                       "physician global)")
    table = pd.DataFrame(items, index=visits.index)
    any_not_met = table.eq(False).fillna(False).astype(bool).any(axis=1)
    any_unknown = table.isna().any(axis=1)
    inactive = pd.Series(~any_not_met, index=visits.index, dtype="boolean").mask(~any_not_met & any_unknown)
    names = np.array(list(items))
    out = visits[["patient_id", "week"]].copy()
    out["inactive"] = inactive.to_numpy()
    not_met = table.eq(False).fillna(False).to_numpy(dtype=bool)
    out["not_met"] = [", ".join(names[row]) for row in not_met]
    out["unknown"] = [", ".join(names[row]) for row in table.isna().to_numpy(dtype=bool)]
    signs = [item for item, column in WALLACE_ABSENT_ITEMS[:2] if column in visits.columns]
    counted = (f"{' and '.join(signs)} counted whatever the cause (the data do not say whether due to JIA)"
               if signs else "")
    out["note"] = _joined("Wallace 2004 criteria", "inactive by the available criteria: "
                          + ", ".join(not_recorded) + " not recorded" if not_recorded else "",
                          f"normal: ESR ≤ {ESR_UPPER_MM_H:g} mm/h, CRP ≤ {CRP_UPPER_MG_L:g} mg/L "
                          "(Qiu 2024 Table 1)", counted, provenance_note(visits))
    return out[INACTIVE_COLUMNS]


def inactive_by_week(visits: pd.DataFrame, by=None, patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """Proportion of patients in clinically inactive disease at each visit, with exact 95% intervals.

    Parameters
    ----------
    visits, by, patients
        As in :func:`activity_states`.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``week``, ``n_inactive``, ``n`` (patients whose status is
        known), ``n_unknown``, ``proportion``, ``ci_low``, ``ci_high``, ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": list("abc"), "week": [24] * 3, "active_joints": [0, 0, 2],
    ...                   "physician_global": [0.0, 0.0, 3.0]})
    >>> inactive_by_week(v)[["week", "n_inactive", "n"]].to_dict("records")
    [{'week': 24, 'n_inactive': 2, 'n': 3}]
    """
    per_visit = inactive_disease(visits)
    per_visit["group"] = group_labels(visits, by, patients).to_numpy()
    per_visit = per_visit.loc[per_visit["group"].notna()]
    note = per_visit["note"].iloc[0] if len(per_visit) else ""
    rows = []
    for (group, week), at in per_visit.groupby(["group", "week"], sort=True):
        known = at.dropna(subset=["inactive"])
        n, k = len(known), int(known["inactive"].astype(bool).sum())
        low, high = exact_ci(k, n)
        rows.append({"group": group, "week": week, "n_inactive": k, "n": n, "n_unknown": len(at) - n,
                     "proportion": k / n if n else np.nan, "ci_low": low, "ci_high": high,
                     "note": _joined(note, _few(n), "no patient's status is known at this visit" if not n else "")})
    return pd.DataFrame(rows, columns=["group", "week", "n_inactive", "n", "n_unknown", "proportion", "ci_low",
                                       "ci_high", "note"])


def time_to_inactive_disease(visits: pd.DataFrame, by=None, patients: pd.DataFrame | None = None,
                             baseline_week: float = 0) -> pd.DataFrame:
    """Kaplan–Meier estimate of the proportion that has reached inactive disease, among those active at baseline.

    The estimator is :func:`sjia_explore.stats.survival.cumulative_incidence`,
    as for :func:`sjia_explore.stats.time_to_steroid_free`: the event is
    the first visit after baseline with inactive disease; a patient never seen
    inactive is censored at the last visit whose status is known. Inactivity is
    only seen at visits, so the times are interval-censored and shifted late.

    Parameters
    ----------
    visits, by, patients
        As in :func:`activity_states`.
    baseline_week
        Patients not inactive at this week are followed (default 0).

    Returns
    -------
    pandas.DataFrame
        Per group: ``group``, ``week``, ``n_at_risk``, ``n_events``,
        ``proportion_inactive`` (1 − survival), ``ci_low``, ``ci_high``, ``n``
        (patients followed), ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": list("ababab"), "week": [0, 0, 4, 4, 8, 8],
    ...                   "active_joints": [3, 2, 0, 1, 0, 0]})
    >>> km = time_to_inactive_disease(v)
    >>> km["week"].tolist(), km["n_at_risk"].tolist(), km["proportion_inactive"].tolist()
    ([0, 4, 8], [2, 2, 1], [0.0, 0.5, 1.0])
    """
    per_visit = inactive_disease(visits)
    per_visit["group"] = group_labels(visits, by, patients).to_numpy()
    per_visit = per_visit.loc[per_visit["group"].notna()]
    note = per_visit["note"].iloc[0] if len(per_visit) else ""
    frames = []
    for group, at in per_visit.groupby("group", sort=True):
        base = at.loc[at["week"] == baseline_week].drop_duplicates("patient_id")
        followed = base.loc[base["inactive"].eq(False).fillna(False).astype(bool), "patient_id"]
        n_excluded = int(base["patient_id"].nunique()) - len(followed)
        later = at.loc[at["patient_id"].isin(followed) & (at["week"] > baseline_week)].dropna(subset=["inactive"])
        first_inactive = later.loc[later["inactive"].astype(bool)].groupby("patient_id")["week"].min()
        last_known = later.groupby("patient_id")["week"].max()
        ids = followed.tolist()
        times = [float(first_inactive.get(p, last_known.get(p, baseline_week))) for p in ids]
        status = [1 if p in first_inactive.index else 0 for p in ids]
        n = len(ids)
        km = cumulative_incidence(times, status, start=baseline_week).rename(
            columns={"proportion": "proportion_inactive"})
        km["note"] = _joined(note, "inactivity is only seen at visits (interval-censored): the times are those visits",
                             f"{n_excluded} patient{'s' if n_excluded != 1 else ''} not followed (inactive or "
                             f"unknown at week {baseline_week:g})" if n_excluded else "",
                             "no patient was active at baseline" if n == 0 else "",
                             f"only {n} patient{'s' if n != 1 else ''} followed" if 0 < n < MIN_PATIENTS else "")
        km.insert(0, "group", group)
        frames.append(km)
    columns = ["group", "week", "n_at_risk", "n_events", "proportion_inactive", "ci_low", "ci_high", "n", "note"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def remission_on_medication(visits: pd.DataFrame, by=None, patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clinical remission on medication (≥ 6 continuous months of inactive disease, Wallace 2004) per patient.

    Continuity is judged from visits: a run of consecutive visits, all
    inactive, whose first and last lie at least 6 months (26.1 weeks) apart.
    A patient without such a run whose follow-up is shorter than 6 months
    cannot be judged (missing). The data do not record stopping the IL-1
    blocker, so every patient is taken to be on medication.

    Parameters
    ----------
    visits, by, patients
        As in :func:`activity_states`.

    Returns
    -------
    pandas.DataFrame
        One row per patient: ``patient_id``, ``group``, ``first_inactive_week``,
        ``longest_inactive_weeks`` (span of the longest run), ``follow_up_weeks``,
        ``remission_on_medication`` (nullable boolean), ``n`` (visits with a
        known status), ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a"] * 4, "week": [0, 12, 24, 52], "active_joints": [2, 0, 0, 0]})
    >>> row = remission_on_medication(v).iloc[0]
    >>> int(row["first_inactive_week"]), int(row["longest_inactive_weeks"]), bool(row["remission_on_medication"])
    (12, 40, True)
    """
    per_visit = inactive_disease(visits)
    per_visit["group"] = group_labels(visits, by, patients).to_numpy()
    note = per_visit["note"].iloc[0] if len(per_visit) else ""
    order = per_visit.sort_values(["patient_id", "week"], kind="stable")
    known = order["inactive"].notna().to_numpy()
    flags = order["inactive"].fillna(False).astype(bool).to_numpy()
    # per patient: first inactive week, longest run, run start, first and last known week, visits known
    acc: dict = {}
    for pid, w, k, f in zip(order["patient_id"], order["week"].to_numpy(dtype=float), known, flags):
        a = acc.setdefault(pid, {"first": None, "longest": None, "start": None, "lo": None, "hi": None, "n": 0})
        if not k:  # a visit of unknown status neither breaks nor extends a run
            continue
        a["n"] += 1
        a["lo"] = w if a["lo"] is None else a["lo"]
        a["hi"] = w
        if f:
            a["first"] = w if a["first"] is None else a["first"]
            a["start"] = w if a["start"] is None else a["start"]
            a["longest"] = max(a["longest"] or 0.0, w - a["start"])
        else:
            a["start"] = None
    groups = per_visit.groupby("patient_id", sort=False)["group"].first()

    def plain(x):
        return pd.NA if x is None else (int(x) if float(x).is_integer() else float(x))

    rows = []
    for pid, a in acc.items():
        longest = a["longest"] if a["longest"] is not None else 0.0
        follow_up = (a["hi"] - a["lo"]) if a["n"] else 0.0
        if longest >= REMISSION_WEEKS:
            status, why = True, ""
        elif follow_up < REMISSION_WEEKS:
            status, why = pd.NA, f"follow-up of {follow_up:g} weeks is shorter than 6 months: cannot be judged"
        else:
            status, why = False, ""
        rows.append({"patient_id": pid, "group": groups.get(pid), "first_inactive_week": plain(a["first"]),
                     "longest_inactive_weeks": plain(a["longest"]), "follow_up_weeks": plain(follow_up),
                     "remission_on_medication": status, "n": a["n"],
                     "note": _joined(note, why, "on medication assumed: stopping the IL-1 blocker is not recorded",
                                     "inactive between consecutive inactive visits is assumed")})
    out = pd.DataFrame(rows, columns=["patient_id", "group", "first_inactive_week", "longest_inactive_weeks",
                                      "follow_up_weeks", "remission_on_medication", "n", "note"])
    out["remission_on_medication"] = out["remission_on_medication"].astype("boolean")
    return out.loc[out["group"].notna()].reset_index(drop=True)


# --- measures kept in their own modules, reachable from here ---------------------------------------
_ELSEWHERE = {"acr_pedi": "sjia_explore.response", "acr_pedi_response": "sjia_explore.response",
              "biomarkers": "sjia_explore.biomarkers", "window_points": "sjia_explore.window",
              "window_smoother": "sjia_explore.window", "literature": "sjia_explore.literature",
              "reference_points": "sjia_explore.literature"}


def __getattr__(name: str):
    """``outcomes.acr_pedi`` and the other measures of the issue, imported on first use (no import cycle)."""
    if name in _ELSEWHERE:
        import importlib

        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
