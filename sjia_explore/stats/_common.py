"""Conventions and helpers shared by every family of tests (not public: import from ``sjia_explore.stats``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Fewest patients in a group or at a visit for which a p-value is given, and the coverage of every
# confidence interval: defined once, in sjia_explore.conventions.
from sjia_explore.conventions import CI_LEVEL, MIN_PATIENTS  # noqa: F401

# --- conventions ---------------------------------------------------------------
#: Largest number of patients for which a rank test with ties gets an exact p-value (its full
#: permutation distribution, built by dynamic programming); beyond it the normal approximation is
#: used and the note says so.
EXACT_WITH_TIES_MAX_N = 200
#: Largest n1 × n2 for which the Hodges–Lehmann interval uses exact Mann–Whitney
#: critical values (beyond it: the normal approximation).
HL_EXACT_MAX_PAIRS = 10_000
#: A sum of squares below this fraction of the data's total sum of squares counts as zero.
ZERO_VARIANCE_RTOL = 1e-12
#: Days per week, for doses given per day and visits given in weeks.
DAYS_PER_WEEK = 7
#: Months per year, for exposure given in months.
MONTHS_PER_YEAR = 12
#: Adverse-event rates are given per this many patient-years.
PATIENT_YEARS_UNIT = 100


# --- shared helpers -------------------------------------------------------------

def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} has no column {', '.join(repr(c) for c in missing)}; "
                       f"its columns are {', '.join(map(str, df.columns))}")


def _as_float(values: pd.Series, what: str) -> np.ndarray:
    try:
        return pd.to_numeric(values, errors="raise").astype(float).to_numpy()
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} must hold numbers ({err})") from None


def _long(visits: pd.DataFrame, outcome: str, subject: str, time: str) -> pd.DataFrame:
    """(subject, week, value) rows with a week; one row per subject and week (else an error)."""
    _require(visits, [subject, time, outcome], "visits")
    out = pd.DataFrame({"subject": visits[subject].astype(object).to_numpy(),
                        "week": _as_float(visits[time], time),
                        "value": _as_float(visits[outcome], outcome)})
    out = out.loc[np.isfinite(out["week"].to_numpy())].reset_index(drop=True)
    dup = out.duplicated(["subject", "week"], keep=False)
    if dup.any():
        first = out.loc[dup].iloc[0]
        raise ValueError(f"visits has more than one row for {subject} {first['subject']} at {time} "
                         f"{first['week']:g}; keep one row per {subject} and {time}")
    out["week"] = [int(w) if float(w).is_integer() else float(w) for w in out["week"]]
    return out


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _is_zero(ss: float, scale: float) -> bool:
    """Whether a sum of squares is zero up to floating-point noise."""
    return ss <= ZERO_VARIANCE_RTOL * max(scale, 1.0)


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values of the finite entries (missing stay missing)."""
    out = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        from statsmodels.stats.multitest import multipletests

        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def _few(n: int, where: str) -> str:
    return (f"only {n} patient{'s' if n != 1 else ''} {where}; fewer than {MIN_PATIENTS}, "
            "so no p-value is given")


def _empty_omnibus(outcome: str, method: str, test: str, n: int, n_obs: int, weeks, note: str) -> dict:
    return {"outcome": outcome, "method": method, "test": test, "n": n, "n_observations": n_obs,
            "weeks": weeks, "statistic": np.nan, "df1": np.nan, "df2": np.nan, "p": np.nan, "note": note}


def _weeks_tuple(weeks) -> str:
    return ", ".join(f"{w:g}" for w in weeks)


@dataclass
class _Analysis:
    """What one method found: per-week rows and the omnibus row."""

    rows: list[dict]
    omnibus: dict


def _base_rows(long: pd.DataFrame, follow_up: list, outcome: str, method: str, test: str) -> dict:
    """Per-week row skeletons with n and mean of all available values."""
    rows = {}
    for w in follow_up:
        v = long.loc[long["week"] == w, "value"].dropna()
        rows[w] = {"outcome": outcome, "week": w, "n": int(v.size), "mean": v.mean() if v.size else np.nan,
                   "diff_vs_baseline": np.nan, "statistic": np.nan, "p": np.nan, "p_adjusted": np.nan,
                   "method": method, "test": test, "note": ""}
    return rows


def _usable_weeks(long: pd.DataFrame) -> tuple[list, dict]:
    counts = long.dropna(subset=["value"]).groupby("week")["subject"].nunique().to_dict()
    weeks = sorted(long["week"].unique().tolist())
    return [w for w in weeks if counts.get(w, 0) >= MIN_PATIENTS], {w: int(counts.get(w, 0)) for w in weeks}



def _group_label(value) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return str(value)



def _two_sided(dist: np.ndarray, observed: int) -> float:
    """Twice the smaller tail of a discrete distribution on 0..len-1 at ``observed`` (at most 1)."""
    lower = float(dist[:observed + 1].sum())
    upper = float(dist[observed:].sum())
    return min(1.0, 2 * min(lower, upper))
