"""Composite disease-activity scores (sJADAS27, JADAS27, cJADAS27) and activity states.

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
* cJADAS27 = JADAS27 without ESR, 0–47.

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
doi:10.1002/art.42865.

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

#: Columns of the visit table each score is built from.
SJADAS27_COMPONENTS = ("physician_global", "parent_global", "active_joints", "esr_mm_h", "systemic_score")
JADAS27_COMPONENTS = ("physician_global", "parent_global", "active_joints", "esr_mm_h")
CJADAS27_COMPONENTS = ("physician_global", "parent_global", "active_joints")

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


# --- sJADAS10 -------------------------------------------------------------------------------------
# Kept in its own block at the end of the module (added with the outcome measures of sjia_explore.outcomes).
#: Joints counted in the 10-joint score: active joints in any joint, a larger count capped here
#: (JADAS10, Consolaro 2009; the sJADAS of Tibaldi 2020 and the Rosina 2024 cut-offs are for sJADAS10).
JOINT_COUNT_10_MAX = 10
#: sJADAS10: 0–50 ("The sJADAS score ranges from 0 to 50", Tibaldi et al., EULAR 2020 FRI0547).
SJADAS10_MAX = GLOBAL_MAX * 2 + JOINT_COUNT_10_MAX + ESR_NORMALISED_MAX + SYSTEMIC_SCORE_MAX
#: Columns sJADAS10 is built from (the same five as sJADAS27; only the joint cap differs).
SJADAS10_COMPONENTS = SJADAS27_COMPONENTS


def sjadas10(visits: pd.DataFrame) -> pd.Series:
    """sJADAS10 of each visit: the five components, active joints (in any joint) capped at 10 (0–50).

    This is the score the Rosina et al. 2024 activity cut-offs were made for
    (inactive ≤ 2.9, minimal ≤ 10, moderate ≤ 20.6, high > 20.6).

    Parameters
    ----------
    visits
        Visit rows with ``physician_global``, ``parent_global`` (0–10),
        ``active_joints`` (count; capped at 10), ``esr_mm_h`` (normalised by
        :func:`normalised_esr`) and ``systemic_score`` (0–10). Not changed.

    Returns
    -------
    pandas.Series
        Float, named ``sjadas10``, same index; missing wherever a component is missing.

    Examples
    --------
    >>> v = pd.DataFrame({"physician_global": [6.0], "parent_global": [5.0], "active_joints": [14],
    ...                   "esr_mm_h": [45.0], "systemic_score": [3.0]})
    >>> sjadas10(v).tolist()  # 6 + 5 + 10 (capped) + 2.5 + 3
    [26.5]
    """
    parts = [_component(visits, "physician_global"), _component(visits, "parent_global"),
             _component(visits, "active_joints").clip(upper=JOINT_COUNT_10_MAX), _esr_normalised(visits),
             _component(visits, "systemic_score")]
    return _sum(parts, "sjadas10")
