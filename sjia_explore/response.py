"""ACR Pediatric response (30/50/70/90) against week 0, computed only from the variables the data hold.

The JIA core set has six variables (https://pmc.ncbi.nlm.nih.gov/articles/PMC4345949/table/tbl1):
physician global, parent/patient global, active joints, joints with limited
motion, CHAQ (0–3) and ESR. A patient responds at level L when at least 3 of
the 6 improve by at least L% and no more than 1 worsens by more than 30%.
Two sJIA variants add systemic items:

``"adapted"`` (canakinumab trials, Ruperto N, et al. N Engl J Med 2012;367:2396)
    the core response plus resolution of fever (no fever at the visit).
``"modified"`` (ANAJIS, Quartier P, et al. Ann Rheum Dis 2011;70:747)
    the core response plus temperature < 38 °C for more than 7 days (read here
    from the visit's fever flag, as the data hold no temperature diary) and
    CRP and ESR each normal or down by at least 50%.

A baseline of 0 gives no percentage: that variable cannot improve, and any
rise from 0 counts as worsening by more than 30%. The 30% worsening limit is
used at every level. Nothing is approximated: without all six core variables
(the bundled data have no CHAQ and no count of joints with limited motion)
no response is computed and the note names the missing columns.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": ["a", "a"], "week": [0, 12], "physician_global": [6.0, 1.0],
...                        "parent_global": [5.0, 2.0], "active_joints": [4, 0]})
>>> out = acr_pedi(visits, level=30, variant="core")
>>> out[["week", "n"]].to_dict("records"), bool(out["n_responders"].isna().all())
([{'week': 12, 'n': 1}], True)
>>> out["note"].iloc[0].split(";")[0]
'not computed: the data have no joints with limited motion (joints_limited_motion), CHAQ (chaq), ESR (esr_mm_h)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sjia_explore.outcomes import (
    CRP_UPPER_MG_L,
    ESR_UPPER_MM_H,
    _few,
    _flag,
    _joined,
    _require,
    exact_ci,
    group_labels,
    provenance_note,
)

#: The six core variables: (name in words, column).
CORE_SET = (
    ("physician global", "physician_global"),
    ("parent/patient global", "parent_global"),
    ("active joints", "active_joints"),
    ("joints with limited motion", "joints_limited_motion"),
    ("CHAQ", "chaq"),
    ("ESR", "esr_mm_h"),
)
#: Columns each variant needs beyond the core set.
VARIANT_COLUMNS = {"core": (), "adapted": ("fever",), "modified": ("fever", "crp_mg_l", "esr_mm_h")}
LEVELS = (30, 50, 70, 90)
#: A core variable worsened when it rose by more than this fraction of its baseline.
WORSENING_FRACTION = 0.30
#: Fewest core variables that must improve, and most that may worsen.
MIN_IMPROVED, MAX_WORSENED = 3, 1
#: "modified": CRP and ESR normal or down by at least this fraction.
MARKER_FALL_FRACTION = 0.50
RESPONSE_COLUMNS = ["patient_id", "week", "n_improved", "n_worsened", "core_response", "extra_met", "responder",
                    "note"]


def _check(level: int, variant: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(map(str, LEVELS))}, not {level!r}")
    if variant not in VARIANT_COLUMNS:
        raise ValueError(f"variant must be one of {', '.join(VARIANT_COLUMNS)}, not {variant!r}")


def missing_columns(visits: pd.DataFrame, variant: str = "adapted") -> list[str]:
    """The columns a response needs that ``visits`` lacks, in words with the column name.

    Examples
    --------
    >>> missing_columns(pd.DataFrame(columns=["physician_global"]), "core")[:2]
    ['parent/patient global (parent_global)', 'active joints (active_joints)']
    """
    needed = [(name, col) for name, col in CORE_SET]
    needed += [(col.replace("_mg_l", "").upper() if col == "crp_mg_l" else col, col)
               for col in VARIANT_COLUMNS[variant] if col not in dict(CORE_SET).values()]
    return [f"{name} ({col})" for name, col in needed if col not in visits.columns]


def _definition(level: int, variant: str) -> str:
    extra = {"core": "", "adapted": " plus no fever (adapted, Ruperto 2012)",
             "modified": " plus no fever and CRP and ESR normal or down ≥ 50% (modified, Quartier 2011)"}[variant]
    return (f"ACR Pedi {level}: ≥ {level}% improvement in ≥ 3 of 6 core variables, ≤ 1 worsened by > 30%{extra}; "
            "a baseline of 0 cannot improve and any rise from it counts as worsening")


def acr_pedi_response(visits: pd.DataFrame, level: int = 30, variant: str = "adapted",
                      baseline_week: float = 0) -> pd.DataFrame:
    """ACR Pedi response of each patient at each visit after baseline.

    Parameters
    ----------
    visits
        Visit rows with the six core variables (see the module docstring) and,
        for a variant, ``fever`` (and ``crp_mg_l``). Not changed.
    level
        30, 50, 70 or 90 (% improvement).
    variant
        ``"adapted"`` (default), ``"modified"`` or ``"core"`` (the six only).
    baseline_week
        The visit each later visit is compared with (default 0).

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``week``, ``n_improved``, ``n_worsened``,
        ``core_response``, ``extra_met`` and ``responder`` (nullable booleans;
        missing when a needed value is missing or a column is absent), ``note``.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a", "a"], "week": [0, 4], "physician_global": [8.0, 2.0],
    ...                   "parent_global": [6.0, 3.0], "active_joints": [5, 0], "joints_limited_motion": [0, 0],
    ...                   "chaq": [1.5, 1.5], "esr_mm_h": [60.0, 20.0], "fever": [True, False]})
    >>> acr_pedi_response(v, level=50)[["n_improved", "n_worsened", "responder"]].to_dict("records")
    [{'n_improved': 4, 'n_worsened': 0, 'responder': True}]
    """
    _check(level, variant)
    _require(visits, ["patient_id", "week"], "ACR Pedi response")
    lacking = missing_columns(visits, variant)
    later = visits.loc[visits["week"] > baseline_week, ["patient_id", "week"]].copy()
    if lacking:
        for col in ("n_improved", "n_worsened"):
            later[col] = pd.array([pd.NA] * len(later), dtype="Int64")
        for col in ("core_response", "extra_met", "responder"):
            later[col] = pd.array([pd.NA] * len(later), dtype="boolean")
        later["note"] = _joined("not computed: the data have no " + ", ".join(lacking),
                                "ACR Pedi needs all six core variables; none is approximated")
        return later[RESPONSE_COLUMNS].reset_index(drop=True)
    base = visits.loc[visits["week"] == baseline_week].drop_duplicates("patient_id").set_index("patient_id")
    later = visits.loc[visits["week"] > baseline_week].copy()
    improved, worsened = [], []
    for _, column in CORE_SET:
        b = pd.to_numeric(later["patient_id"].map(base[column]), errors="coerce").astype(float).to_numpy()
        c = pd.to_numeric(later[column], errors="coerce").astype(float).to_numpy()
        known = ~(np.isnan(b) | np.isnan(c))
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(b > 0, (b - c) / b, np.nan)  # fraction improved; negative = worse
        imp = (b > 0) & (change >= level / 100 - 1e-12)
        wor = ((b > 0) & (-change > WORSENING_FRACTION + 1e-12)) | ((b == 0) & (c > 0))
        improved.append(np.where(known, imp, np.nan))
        worsened.append(np.where(known, wor, np.nan))
    imp, wor = np.vstack(improved), np.vstack(worsened)
    complete = ~np.isnan(imp).any(axis=0)
    n_imp, n_wor = np.nansum(imp, axis=0), np.nansum(wor, axis=0)
    core = (n_imp >= MIN_IMPROVED) & (n_wor <= MAX_WORSENED)
    extra = pd.Series(True, index=later.index, dtype="boolean")
    if variant in ("adapted", "modified"):
        extra &= ~_flag(later["fever"])
    if variant == "modified":
        for column, upper in (("crp_mg_l", CRP_UPPER_MG_L), ("esr_mm_h", ESR_UPPER_MM_H)):
            b = pd.to_numeric(later["patient_id"].map(base[column]), errors="coerce").astype(float)
            c = pd.to_numeric(later[column], errors="coerce").astype(float)
            ok = (c <= upper) | ((b > 0) & ((b - c) / b >= MARKER_FALL_FRACTION - 1e-12))
            extra &= pd.Series(ok, index=later.index, dtype="boolean").mask(c.isna() | (b.isna() & (c > upper)))
    out = later[["patient_id", "week"]].copy()
    out["n_improved"] = pd.array(np.where(complete, n_imp, np.nan), dtype="Float64").astype("Int64")
    out["n_worsened"] = pd.array(np.where(complete, n_wor, np.nan), dtype="Float64").astype("Int64")
    out["core_response"] = pd.array(np.where(complete, core, np.nan), dtype="Float64").astype("boolean")
    out["extra_met"] = extra.to_numpy()
    responder = out["core_response"] & out["extra_met"]
    out["responder"] = responder
    out["note"] = _joined(_definition(level, variant), provenance_note(visits))
    return out[RESPONSE_COLUMNS].reset_index(drop=True)


def acr_pedi(visits: pd.DataFrame, level: int = 30, variant: str = "adapted", by=None,
             patients: pd.DataFrame | None = None, baseline_week: float = 0) -> pd.DataFrame:
    """Proportion of ACR Pedi responders at each visit vs week 0, with exact 95% intervals.

    Parameters
    ----------
    visits, level, variant, baseline_week
        As in :func:`acr_pedi_response`.
    by, patients
        Optional grouping, as in :func:`sjia_explore.outcomes.activity_states`.

    Returns
    -------
    pandas.DataFrame
        Per group and week after baseline: ``group``, ``week``, ``level``,
        ``variant``, ``n_responders``, ``n`` (patients evaluable; when a needed
        column is absent, patients seen), ``n_not_evaluable``, ``proportion``,
        ``ci_low``, ``ci_high``, ``note``. Without the needed columns the
        numbers are missing and the note names the columns.

    Examples
    --------
    >>> v = pd.DataFrame({"patient_id": ["a", "b", "a", "b"], "week": [0, 0, 4, 4],
    ...                   "physician_global": [8.0, 5.0, 2.0, 5.0], "parent_global": [6.0, 5.0, 3.0, 5.0],
    ...                   "active_joints": [5, 2, 0, 2], "joints_limited_motion": [0, 1, 0, 1],
    ...                   "chaq": [1.5, 1.0, 1.5, 1.0], "esr_mm_h": [60.0, 30.0, 20.0, 30.0]})
    >>> acr_pedi(v, level=30, variant="core")[["week", "n_responders", "n"]].to_dict("records")
    [{'week': 4, 'n_responders': 1, 'n': 2}]
    """
    per_visit = acr_pedi_response(visits, level, variant, baseline_week)
    groups = dict(zip(visits["patient_id"], group_labels(visits, by, patients)))
    per_visit["group"] = per_visit["patient_id"].map(groups).astype("string")
    per_visit = per_visit.loc[per_visit["group"].notna()]
    rows = []
    for (group, week), at in per_visit.groupby(["group", "week"], sort=True):
        known = at.dropna(subset=["responder"])
        note = at["note"].iloc[0]
        if known.empty and at["note"].str.startswith("not computed").any():
            rows.append({"group": group, "week": week, "level": level, "variant": variant, "n_responders": pd.NA,
                         "n": int(at["patient_id"].nunique()), "n_not_evaluable": int(len(at)),
                         "proportion": np.nan, "ci_low": np.nan, "ci_high": np.nan, "note": note})
            continue
        n, k = len(known), int(known["responder"].astype(bool).sum())
        low, high = exact_ci(k, n)
        rows.append({"group": group, "week": week, "level": level, "variant": variant, "n_responders": k, "n": n,
                     "n_not_evaluable": len(at) - n, "proportion": k / n if n else np.nan, "ci_low": low,
                     "ci_high": high, "note": _joined(note, _few(n), "no patient is evaluable at this visit"
                                                      if not n else "")})
    out = pd.DataFrame(rows, columns=["group", "week", "level", "variant", "n_responders", "n", "n_not_evaluable",
                                      "proportion", "ci_low", "ci_high", "note"])
    out["n_responders"] = out["n_responders"].astype("Int64")
    return out
