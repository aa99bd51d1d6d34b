"""Composite disease-activity scores (sJADAS27, sJADAS10, JADAS27, cJADAS27, mSMS) and activity states.

Every score is the sum of its components, computed row by row from a visit
table with the columns of :mod:`sjia_explore.schema`:

=================  =========================================  ==========
column             component                                  points
=================  =========================================  ==========
physician_global   physician global assessment of activity    0–10
parent_global      parent/patient global assessment           0–10
active_joints      active joints, counted in the 27-joint      0–27
                   set (a larger count is capped at 27)
esr_mm_h           ESR normalised: (ESR − 20) / 10, clipped    0–10
                   to 0–10 (ESR < 20 → 0, ESR > 120 → 10)
systemic_score     systemic manifestation score (SMS)          0–10
=================  =========================================  ==========

* sJADAS27 = all five components, 0–67 (Tibaldi et al. 2020 define sJADAS as
  the four JADAS items plus the SMS; the 27-joint version and its 0–67 range
  follow from JADAS27 and are derived, not published);
* JADAS27 = the first four, 0–57 (Consolaro et al. 2009);
* cJADAS27 = JADAS27 without ESR, 0–47;
* sJADAS10 = the five components with the active joints (of any joint) capped
  at 10 instead of 27, 0–50 (Tibaldi et al. 2020; the version whose activity
  cut-offs Rosina et al. 2024 published);
* the systemic manifestation score itself can be computed from its seven items
  with :func:`msms` (the modified SMS, 0–10, as listed by Rosina et al. 2024).

A missing component gives a missing score: nothing is ever counted as 0
because it was not recorded.

Activity states (inactive / minimal / moderate / high) use the published
**sJADAS10** cut-offs of Rosina et al. 2024. No sJADAS27 cut-offs have been
published, so applying them to sJADAS27 is an extrapolation; every result of
:func:`activity_state` carries that warning in its ``note`` column.

References
----------
Tibaldi J, et al. Development and initial validation of a composite disease
activity score for systemic juvenile idiopathic arthritis. Rheumatology
(Oxford) 2020;59(11):3505–3514. doi:10.1093/rheumatology/keaa240.

Consolaro A, et al. Development and validation of a composite disease activity
score for juvenile idiopathic arthritis. Arthritis Rheum 2009;61(5):658–666.
doi:10.1002/art.24516.

Rosina S, et al. Definition of disease activity cut-offs for the systemic
Juvenile Arthritis Disease Activity Score (sJADAS). Arthritis Rheumatol 2024.
doi:10.1002/art.42865. Its mSMS items and points, as read in the summary at
https://rheumnow.com/news/cutoffs-systemic-juvenile-arthritis-disease-activity-score:
fever 1 point if > 37.5–38 °C, 2 if > 38–39 °C, 3 if > 39–40 °C, 4 if > 40 °C;
evanescent erythematous rash 1; generalised lymphadenopathy (> 3 lymph node
stations) 1; hepatomegaly and/or splenomegaly 1; serositis (pleuritis,
pericarditis or peritonitis) 1; anaemia (haemoglobin < 9 g/dL) 1; platelets
> 600 × 10⁹/L or ferritin > 500 ng/mL 1; range 0–10.

Examples
--------
>>> import pandas as pd
>>> visit = pd.DataFrame({"physician_global": [6.0], "parent_global": [5.0], "active_joints": [10],
...                       "esr_mm_h": [45.0], "systemic_score": [3.0]})
>>> float(sjadas27(visit).iloc[0])  # 6 + 5 + 10 + (45 - 20) / 10 + 3
26.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# --- component ranges ---------------------------------------------------------
#: Global assessments (physician, parent/patient) are scored 0–10 (Consolaro 2009).
GLOBAL_MAX = 10.0
#: Joints counted in the 27-joint reduced count; a larger count is capped here (Consolaro 2009).
JOINT_COUNT_27_MAX = 27
#: JADAS10 / sJADAS10: active joints in any joint, capped at 10 (Consolaro 2009; Tibaldi 2020).
JOINT_COUNT_10_MAX = 10
#: ESR normalisation (Consolaro 2009): (ESR − ESR_FLOOR_MM_H) / ESR_DIVISOR_MM_H, clipped to 0–10.
ESR_FLOOR_MM_H = 20.0
ESR_DIVISOR_MM_H = 10.0
ESR_NORMALISED_MAX = 10.0
#: Systemic manifestation score, 0–10 (Tibaldi 2020; Rosina 2024 "mSMS").
SYSTEMIC_SCORE_MAX = 10.0

# --- score ranges (sums of the component maxima) -----------------------------
#: JADAS27: 0–57 (Consolaro 2009).
JADAS27_MAX = GLOBAL_MAX * 2 + JOINT_COUNT_27_MAX + ESR_NORMALISED_MAX
#: cJADAS27 (no ESR): 0–47.
CJADAS27_MAX = GLOBAL_MAX * 2 + JOINT_COUNT_27_MAX
#: sJADAS27: 0–67 (derived: JADAS27 plus the SMS; no published range).
SJADAS27_MAX = JADAS27_MAX + SYSTEMIC_SCORE_MAX
#: sJADAS10: 0–50 ("The sJADAS score ranges from 0 to 50", Tibaldi 2020, EULAR abstract FRI0547).
SJADAS10_MAX = GLOBAL_MAX * 2 + JOINT_COUNT_10_MAX + ESR_NORMALISED_MAX + SYSTEMIC_SCORE_MAX

# --- modified systemic manifestation score (mSMS; Rosina 2024) -------------------
#: Fever points by the day's highest temperature: > 37.5–38 °C → 1, > 38–39 → 2, > 39–40 → 3, > 40 → 4.
MSMS_FEVER_BANDS_C = (37.5, 38.0, 39.0, 40.0)
MSMS_FEVER_POINTS_MAX = len(MSMS_FEVER_BANDS_C)
#: Anaemia item: haemoglobin below this (g/dL) gives 1 point.
MSMS_HAEMOGLOBIN_BELOW_G_DL = 9.0
#: Platelets (10⁹/L) above this, or ferritin (ng/mL) above the next, give 1 point (one item).
MSMS_PLATELETS_ABOVE_10E9_L = 600.0
MSMS_FERRITIN_ABOVE_NG_ML = 500.0
#: Yes/no items of the visit table, 1 point each.
MSMS_FLAG_ITEMS = ("rash", "generalised_lymphadenopathy", "hepatosplenomegaly", "serositis")
#: Every visit column :func:`msms` reads (fever by grade, temperature or, for "no fever", the flag).
MSMS_COLUMNS = ("fever_grade", "max_temperature_c", "fever", *MSMS_FLAG_ITEMS, "haemoglobin_g_dl",
                "platelets_10e9_l", "ferritin_ng_ml")

#: Columns of the visit table each score is built from.
SJADAS27_COMPONENTS = ("physician_global", "parent_global", "active_joints", "esr_mm_h", "systemic_score")
JADAS27_COMPONENTS = ("physician_global", "parent_global", "active_joints", "esr_mm_h")
CJADAS27_COMPONENTS = ("physician_global", "parent_global", "active_joints")
SJADAS10_COMPONENTS = SJADAS27_COMPONENTS

_COMPONENT_MAX = {
    "physician_global": GLOBAL_MAX,
    "parent_global": GLOBAL_MAX,
    "systemic_score": SYSTEMIC_SCORE_MAX,
}

# --- activity states: sJADAS10 cut-offs (Rosina et al. 2024, doi 10.1002/art.42865) --
#: Inactive disease: sJADAS10 ≤ 2.9.
SJADAS10_INACTIVE_MAX = 2.9
#: Minimal disease activity: > 2.9 to ≤ 10.
SJADAS10_MINIMAL_MAX = 10.0
#: Moderate disease activity: > 10 to ≤ 20.6; high disease activity: > 20.6.
SJADAS10_MODERATE_MAX = 20.6
#: Scores are rounded to this many decimals before comparison with a cut-off, so that a sum such as
#: 0.7 + 2.2 (2.9000000000000004 in binary floating point) counts as 2.9, as a clinician would read it.
CUTOFF_COMPARISON_DECIMALS = 6
#: Names of the states, from least to most active.
ACTIVITY_STATES = ("inactive", "minimal", "moderate", "high")
#: Said wherever a state is shown.
ACTIVITY_STATE_NOTE = (
    "states use the sJADAS10 cut-offs of Rosina et al. 2024 (inactive ≤ 2.9, minimal ≤ 10, "
    "moderate ≤ 20.6, high > 20.6); no sJADAS27 cut-offs are published, so applying them "
    "to sJADAS27 is an extrapolation"
)


def _as_float(values: pd.Series, what: str) -> pd.Series:
    """Numbers as float with NaN for missing; text that is not a number is an error, not a gap."""
    try:
        return pd.to_numeric(values, errors="raise").astype(float)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} must hold numbers ({err})") from None


def _component(visits: pd.DataFrame, column: str) -> pd.Series:
    """One component as float (missing as NaN), checked for its range."""
    if column not in visits.columns:
        raise KeyError(f"visits has no column {column!r}, needed for this score; "
                       f"its columns are {', '.join(map(str, visits.columns))}")
    values = _as_float(visits[column], column)
    bad = values < 0
    upper = _COMPONENT_MAX.get(column)
    if upper is not None:
        bad |= values > upper
    if bad.any():
        where = ", ".join(str(i) for i in values.index[bad][:5])
        limit = f"0–{upper:g}" if upper is not None else "at least 0"
        raise ValueError(f"{column} must be {limit}; rows {where} are out of range")
    return values


def normalised_esr(esr_mm_h: pd.Series) -> pd.Series:
    """ESR on the 0–10 scale of JADAS: (ESR − 20) / 10, clipped to 0–10.

    Parameters
    ----------
    esr_mm_h
        Erythrocyte sedimentation rate in mm/h. Missing stays missing.

    Returns
    -------
    pandas.Series
        Float, same index: 0 for ESR ≤ 20 mm/h, 10 for ESR ≥ 120 mm/h.

    Examples
    --------
    >>> normalised_esr(pd.Series([5.0, 20.0, 45.0, 120.0, 150.0, None])).tolist()
    [0.0, 0.0, 2.5, 10.0, 10.0, nan]
    """
    return _esr_normalised(pd.DataFrame({"esr_mm_h": esr_mm_h}))


def _esr_normalised(visits: pd.DataFrame) -> pd.Series:
    esr = _component(visits, "esr_mm_h")
    return ((esr - ESR_FLOOR_MM_H) / ESR_DIVISOR_MM_H).clip(0.0, ESR_NORMALISED_MAX).rename("esr_normalised")


def _joints_27(visits: pd.DataFrame) -> pd.Series:
    return _component(visits, "active_joints").clip(upper=JOINT_COUNT_27_MAX)


def _sum(parts: list[pd.Series], name: str) -> pd.Series:
    # skipna=False: one missing component makes the score missing.
    return pd.concat(parts, axis=1).sum(axis=1, skipna=False, min_count=len(parts)).rename(name)


def sjadas27(visits: pd.DataFrame) -> pd.Series:
    """sJADAS27 of each visit: the five components summed (0–67).

    Parameters
    ----------
    visits
        Visit rows with ``physician_global`` and ``parent_global`` (0–10),
        ``active_joints`` (count; capped at 27), ``esr_mm_h`` (mm/h; normalised
        by :func:`normalised_esr`) and ``systemic_score`` (0–10). Not changed.

    Returns
    -------
    pandas.Series
        Float, named ``sjadas27``, same index as ``visits``; missing (NaN)
        wherever any component is missing.

    Raises
    ------
    KeyError
        A component column is absent.
    ValueError
        A component is outside its range (negative, or a global/SMS above 10).

    Examples
    --------
    >>> v = pd.DataFrame({"physician_global": [6.0, 2.0], "parent_global": [5.0, 1.0],
    ...                   "active_joints": [30, 0], "esr_mm_h": [130.0, None],
    ...                   "systemic_score": [3.0, 0.0]})
    >>> sjadas27(v).tolist()  # 6 + 5 + 27 (capped) + 10 (capped) + 3; ESR missing
    [51.0, nan]
    """
    parts = [_component(visits, "physician_global"), _component(visits, "parent_global"), _joints_27(visits),
             _esr_normalised(visits), _component(visits, "systemic_score")]
    return _sum(parts, "sjadas27")


def jadas27(visits: pd.DataFrame) -> pd.Series:
    """JADAS27 of each visit: physician and parent global, joints (≤ 27) and normalised ESR (0–57).

    Parameters
    ----------
    visits
        Visit rows with ``physician_global``, ``parent_global``,
        ``active_joints`` and ``esr_mm_h``. Not changed.

    Returns
    -------
    pandas.Series
        Float, named ``jadas27``; missing wherever a component is missing.

    Examples
    --------
    >>> v = pd.DataFrame({"physician_global": [6.0], "parent_global": [5.0],
    ...                   "active_joints": [10], "esr_mm_h": [45.0]})
    >>> jadas27(v).tolist()  # 6 + 5 + 10 + 2.5
    [23.5]
    """
    parts = [_component(visits, "physician_global"), _component(visits, "parent_global"), _joints_27(visits),
             _esr_normalised(visits)]
    return _sum(parts, "jadas27")


def cjadas27(visits: pd.DataFrame) -> pd.Series:
    """Clinical JADAS27 (no acute-phase reactant) of each visit: globals and joints (≤ 27), 0–47.

    Parameters
    ----------
    visits
        Visit rows with ``physician_global``, ``parent_global`` and
        ``active_joints``. Not changed.

    Returns
    -------
    pandas.Series
        Float, named ``cjadas27``; missing wherever a component is missing.

    Examples
    --------
    >>> v = pd.DataFrame({"physician_global": [6.0], "parent_global": [5.0], "active_joints": [10]})
    >>> cjadas27(v).tolist()
    [21.0]
    """
    parts = [_component(visits, "physician_global"), _component(visits, "parent_global"), _joints_27(visits)]
    return _sum(parts, "cjadas27")


def sjadas10(visits: pd.DataFrame) -> pd.Series:
    """sJADAS10 of each visit: the five sJADAS components with at most 10 active joints (0–50).

    The joint count is that of any joints (JADAS10 counts active joints in any
    joint and caps the count at 10); the other components are those of
    :func:`sjadas27`. This is the version for which Rosina et al. 2024 published
    activity cut-offs (see :func:`classify_activity`).

    Parameters
    ----------
    visits
        Visit rows with ``physician_global``, ``parent_global`` (0–10),
        ``active_joints`` (count; capped at 10), ``esr_mm_h`` (mm/h; normalised
        by :func:`normalised_esr`) and ``systemic_score`` (0–10). Not changed.

    Returns
    -------
    pandas.Series
        Float, named ``sjadas10``, same index as ``visits``; missing wherever
        any component is missing.

    Raises
    ------
    KeyError
        A component column is absent.
    ValueError
        A component is outside its range.

    Examples
    --------
    >>> v = pd.DataFrame({"physician_global": [6.0, 2.0], "parent_global": [5.0, 1.0],
    ...                   "active_joints": [14, 3], "esr_mm_h": [45.0, 10.0],
    ...                   "systemic_score": [3.0, 0.0]})
    >>> sjadas10(v).tolist()  # 6 + 5 + 10 (14 capped) + 2.5 + 3; 2 + 1 + 3 + 0 + 0
    [26.5, 6.0]
    """
    joints = _component(visits, "active_joints").clip(upper=JOINT_COUNT_10_MAX)
    parts = [_component(visits, "physician_global"), _component(visits, "parent_global"), joints,
             _esr_normalised(visits), _component(visits, "systemic_score")]
    return _sum(parts, "sjadas10")


def fever_points(max_temperature_c: pd.Series) -> pd.Series:
    """mSMS points for the day's highest temperature: 0, or 1–4 above 37.5, 38, 39 and 40 °C.

    Parameters
    ----------
    max_temperature_c
        Highest body temperature of the day, °C. Missing stays missing.

    Returns
    -------
    pandas.Series
        Float, same index: 0 at or below 37.5 °C, 1 for > 37.5–38, 2 for
        > 38–39, 3 for > 39–40 and 4 above 40 °C (Rosina et al. 2024). A band's
        upper limit belongs to the band ("> 38–39": 39.0 °C gives 2).

    Examples
    --------
    >>> fever_points(pd.Series([37.5, 37.6, 38.0, 38.1, 39.0, 40.0, 40.1, None])).tolist()
    [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, nan]
    """
    temperature = _as_float(max_temperature_c, "max_temperature_c").round(CUTOFF_COMPARISON_DECIMALS)
    points = sum((temperature > band).astype(float) for band in MSMS_FEVER_BANDS_C)
    return pd.Series(points, index=max_temperature_c.index, dtype=float).where(temperature.notna())


def _optional(visits: pd.DataFrame, column: str) -> pd.Series:
    """A column as float (yes/no as 1/0), all missing when the table does not have it."""
    if column not in visits.columns:
        return pd.Series(np.nan, index=visits.index)
    values = visits[column]
    is_flag = pd.api.types.is_bool_dtype(values) or (
        values.dtype == object and values.notna().any() and values.dropna().map(type).eq(bool).all())
    return _as_float(values.astype("boolean").astype("Float64") if is_flag else values, column)


def msms(visits: pd.DataFrame) -> pd.Series:
    """The modified systemic manifestation score (mSMS, 0–10) of each visit, from its seven items.

    Items and points (Rosina et al. 2024; see the module's references):

    ===============================================  =======================================
    fever                                            1–4 by temperature (:func:`fever_points`)
    evanescent erythematous rash                     1
    generalised lymphadenopathy (> 3 node stations)  1
    hepatomegaly and/or splenomegaly                 1
    serositis (pleuritis, pericarditis, peritonitis) 1
    anaemia: haemoglobin < 9 g/dL                    1
    platelets > 600 × 10⁹/L or ferritin > 500 ng/mL  1
    ===============================================  =======================================

    An item not recorded is never counted as 0: the score is missing unless
    every item is known. The fever item comes from ``fever_grade`` (the points,
    0–4) when given, else from ``max_temperature_c``, else it is 0 when ``fever``
    says there was none. The platelet-or-ferritin item is 1 when either value is
    above its limit and 0 only when both are known and not above.

    Parameters
    ----------
    visits
        Visit rows with, as far as recorded: ``fever_grade``,
        ``max_temperature_c``, ``fever``, ``rash``, ``generalised_lymphadenopathy``,
        ``hepatosplenomegaly``, ``serositis`` (yes/no), ``haemoglobin_g_dl``,
        ``platelets_10e9_l`` and ``ferritin_ng_ml``. A column that is absent
        counts as not recorded. Not changed.

    Returns
    -------
    pandas.Series
        Float, named ``systemic_score``, same index as ``visits``.

    Raises
    ------
    ValueError
        ``fever_grade`` outside 0–4, a negative laboratory value, or text that
        is not a number.

    Examples
    --------
    >>> v = pd.DataFrame({"max_temperature_c": [39.4, 36.8], "rash": [True, False],
    ...                   "generalised_lymphadenopathy": [False, False], "hepatosplenomegaly": [True, False],
    ...                   "serositis": [False, False], "haemoglobin_g_dl": [8.6, 12.1],
    ...                   "platelets_10e9_l": [450.0, 300.0], "ferritin_ng_ml": [2400.0, None]})
    >>> msms(v).tolist()  # 3 (39.4 °C) + rash + liver/spleen + anaemia + ferritin; 2nd: ferritin unknown
    [7.0, nan]
    """
    grade = _optional(visits, "fever_grade")
    bad = (grade < 0) | (grade > MSMS_FEVER_POINTS_MAX) | (grade.notna() & (grade != grade.round()))
    if bad.any():
        where = ", ".join(str(i) for i in grade.index[bad][:5])
        raise ValueError(f"fever_grade must be a whole number 0–{MSMS_FEVER_POINTS_MAX}; rows {where} are not")
    fever = grade.fillna(fever_points(_optional(visits, "max_temperature_c")))
    fever = fever.fillna(_optional(visits, "fever").where(lambda f: f == 0))
    parts = [fever] + [_optional(visits, c) for c in MSMS_FLAG_ITEMS]
    labs = {c: _optional(visits, c) for c in ("haemoglobin_g_dl", "platelets_10e9_l", "ferritin_ng_ml")}
    for column, values in labs.items():
        if (values < 0).any():
            raise ValueError(f"{column} must be at least 0; rows {', '.join(map(str, values.index[values < 0][:5]))} "
                             "are not")
    hb = labs["haemoglobin_g_dl"]
    parts.append((hb < MSMS_HAEMOGLOBIN_BELOW_G_DL).astype(float).where(hb.notna()))
    platelets, ferritin = labs["platelets_10e9_l"], labs["ferritin_ng_ml"]
    high = (platelets > MSMS_PLATELETS_ABOVE_10E9_L) | (ferritin > MSMS_FERRITIN_ABOVE_NG_ML)
    parts.append(high.astype(float).where(high | (platelets.notna() & ferritin.notna())))
    return _sum(parts, "systemic_score")


def scores(visits: pd.DataFrame) -> pd.DataFrame:
    """All three scores of each visit, as far as its columns allow.

    A score whose component columns are not all present is left out (not
    filled with missing values); a score whose columns are present but a cell
    is empty is missing for that visit.

    Parameters
    ----------
    visits
        Visit rows (see :func:`sjadas27`). Not changed.

    Returns
    -------
    pandas.DataFrame
        Same index as ``visits``; ``patient_id`` and ``week`` when present,
        then ``sjadas27``, ``jadas27``, ``cjadas27`` (those computable).

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a"], "week": [0], "physician_global": [6.0],
    ...                   "parent_global": [5.0], "active_joints": [10]})
    >>> scores(v)
      patient_id  week  cjadas27
    0          a     0      21.0
    """
    out = visits[[c for c in ("patient_id", "week") if c in visits.columns]].copy()
    for name, components, fn in (("sjadas27", SJADAS27_COMPONENTS, sjadas27),
                                 ("jadas27", JADAS27_COMPONENTS, jadas27),
                                 ("cjadas27", CJADAS27_COMPONENTS, cjadas27)):
        if all(c in visits.columns for c in components):
            out[name] = fn(visits)
    return out


def classify_activity(score: pd.Series) -> pd.Series:
    """Activity state of each score by the sJADAS10 cut-offs (Rosina et al. 2024).

    .. warning::
       The cut-offs were derived for sJADAS10. No sJADAS27 cut-offs are
       published: using them on sJADAS27 is an extrapolation (see
       :data:`ACTIVITY_STATE_NOTE`).

    Parameters
    ----------
    score
        sJADAS values; missing stays missing.

    Returns
    -------
    pandas.Series
        Ordered categorical with categories ``inactive`` (≤ 2.9), ``minimal``
        (≤ 10), ``moderate`` (≤ 20.6) and ``high`` (> 20.6).

    Examples
    --------
    >>> classify_activity(pd.Series([2.9, 3.0, 10.0, 20.6, 20.7, None])).tolist()
    ['inactive', 'minimal', 'minimal', 'moderate', 'high', nan]
    """
    values = _as_float(score, "score").round(CUTOFF_COMPARISON_DECIMALS)
    bins = [-np.inf, SJADAS10_INACTIVE_MAX, SJADAS10_MINIMAL_MAX, SJADAS10_MODERATE_MAX, np.inf]
    # right=True: each upper bound belongs to its state ("≤ 2.9" is inactive).
    states = pd.cut(values, bins=bins, labels=list(ACTIVITY_STATES), right=True, ordered=True)
    return pd.Series(states, index=score.index, name="activity_state")


def activity_state(visits: pd.DataFrame, score_column: str | None = None) -> pd.DataFrame:
    """Activity state of each visit, with the extrapolation warning in a ``note`` column.

    .. warning::
       The states use the sJADAS10 cut-offs of Rosina et al. 2024
       (doi 10.1002/art.42865). No sJADAS27 cut-offs are published; applying
       them to sJADAS27 is an extrapolation and is said so in ``note``.

    Parameters
    ----------
    visits
        Visit rows. Not changed.
    score_column
        Column holding the score to classify (e.g. a stored ``"sjadas27"``).
        ``None`` (default): compute sJADAS27 from its five components with
        :func:`sjadas27`.

    Returns
    -------
    pandas.DataFrame
        Same index as ``visits``; ``patient_id`` and ``week`` when present,
        then ``sjadas27`` (the score classified), ``activity_state`` (ordered
        categorical) and ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a", "a"], "week": [0, 24], "sjadas27": [25.6, 2.0]})
    >>> activity_state(v, score_column="sjadas27")[["week", "activity_state"]]
       week activity_state
    0     0           high
    1    24       inactive
    """
    out = visits[[c for c in ("patient_id", "week") if c in visits.columns]].copy()
    if score_column is None:
        score = sjadas27(visits)
    else:
        if score_column not in visits.columns:
            raise KeyError(f"visits has no column {score_column!r}")
        score = _as_float(visits[score_column], score_column)
    out["sjadas27"] = score.to_numpy()
    out["activity_state"] = classify_activity(score).to_numpy()
    out["note"] = ACTIVITY_STATE_NOTE
    return out
