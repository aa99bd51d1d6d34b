#!/usr/bin/env python
"""Write the bundled cohort in ``data/``: published tables plus reconstructed follow-up.

Run ``python scripts/reconstruct.py`` (from any directory) to (re)write
``data/patients.csv``, ``data/treatments.csv``, ``data/visits.csv``,
``data/adverse_events.csv`` and ``data/datapackage.json``. The output is
byte-for-byte reproducible. ``--check`` compares the files on disk with what
would be written and exits 1 if any differs; ``--out DIR`` writes (or checks)
another directory.

What is published (copied verbatim)
-----------------------------------
Qiu et al. 2024 (Pediatr Rheumatol 22:38, doi 10.1186/s12969-024-00974-4,
CC BY 4.0) prints two per-patient tables for its 11 analysed patients:

* **Table 1** -- sex, age at onset, age at diagnosis, months from onset to
  canakinumab, number of joints with active inflammation and ten baseline
  flags. Copied cell by cell into ``patients.csv`` (ages and months keep the
  printed text, e.g. ``9.1`` and ``9.25``; ``+`` is written ``true``, ``_`` and
  ``-`` are written ``false``).
* **Table 2** -- previous and baseline treatments. Copied into
  ``treatments.csv``, one row per case, period and printed row, ``received``
  true for ``+``.

Drug names are the printed row labels in lower case (``diclofenac sodium``,
``cyclosporine a``); rows that name a class rather than a drug keep the class
label in lower case (``nsaids``, ``corticosteroid``, ``jaki``). ``drug_class`` is
the printed section heading (NSAID, corticosteroid, cDMARD, bDMARD, JAKi).

What is reconstructed (synthetic, consistent with published aggregates)
-----------------------------------------------------------------------
The paper reports follow-up only as cohort aggregates (its Table 3 and the
figure data were not available). Everything below is **synthetic**: drawn
from a seeded random generator and then accepted or nudged until it
reproduces every published number at its printed precision. The targets are
imported from :mod:`sjia_explore.published`, never retyped here.

* ``patients.exposure_months``: 11 draws standardised to mean 12.4 and SD 3.4
  months, rounded to 0.1, kept between 6 months (everyone had at least 24 weeks
  on treatment) and 18 months (treatment started November 2021 or later and the
  study ran to May 2023).
* ``patients.prior_steroid_months``: whole months, each at most the patient's
  time since onset; all 11 have median 22 and range 3-95; the four patients on
  corticosteroid at baseline (cases 1, 4, 5, 8) have mean 21.8 and SD 10.3.
* ``visits`` (weeks 0, 4, 8, 12, 24; every row ``reconstructed``):

  - active joints: week 0 equals Table 1; each patient's count never rises;
    the two patients whose inflammatory markers never normalise are the two
    with most joints at baseline, and they carry all 10 joints left at week 24
    (mean 0.9); candidate week-4/8/12 counts are drawn until the one-way
    ANOVA across the five weeks (the paper's GraphPad analysis; weeks treated
    as independent groups) gives P = 0.0059 at four decimals;
  - ESR, CRP and ferritin: at week 0 above the Table 1 cut-offs exactly when
    the Table 1 flag is ``+``; a marker raised at baseline decays but stays
    above its cut-off until the patient's resolution week (4, 8 or 12), then
    stays normal; for the two non-normalising patients raised markers never
    reach normal (so 9 of 11 are normal at weeks 12 and 24);
  - fever, rash, myalgia: week 0 equals Table 1; a symptom present at
    baseline lasts until the patient's resolution week; at week 24 only the
    patient with pneumonia has fever;
  - sJADAS27 = physician global + parent global + min(active joints, 27)
    + normalised ESR + systemic manifestation score, with normalised ESR
    = clip((ESR - 20) / 10, 0, 10). The systemic score is fever points
    (1-4) + rash (1) + lymphadenopathy at week 0 per Table 1 (1)
    + ferritin > 500 ng/mL (1). The global assessments (0-10 in steps of 0.5)
    are drawn and then nudged 0.5 at a time until the mean sJADAS27 is 25.6 at
    week 0 and 8.5 at week 4 and the means at weeks 8, 12 and 24 do not rise;
  - corticosteroid dose (prednisone equivalent, mg/kg/day): zero throughout
    for the seven patients not on corticosteroid at baseline; the four on it
    are assigned stopping weeks 4, 12, 12 and 24 (a seeded shuffle), start at
    0.3-1.0 mg/kg/day and taper at every visit until they stop;
  - IL-18 and MRP8/14: empty (not measured).

* ``adverse_events``: 20 events in 8 patients: 8 viral upper respiratory tract
  infections, 1 pneumonia (week 24, the patient with fever at week 24) and 11
  events the paper does not describe (term "adverse event not described in the
  publication"); none serious; onset weeks are drawn.

Vastert et al. 2011 (Pediatr Rheumatol 9(Suppl 1):O6) is an abstract: 5
patients with suspected systemic JIA before arthritis, anakinra 2 mg/kg/day,
follow-up median 10 (range 5-12) months, fast resolution of inflammation.
Its 5 patients are entirely reconstructed and illustrative: follow-up 5, 12,
10 and two further whole months with that median and range; treatment started
0.5-1.5 months after onset; no active joints; fever at week 0 only; ESR, CRP,
ferritin, IL-18 and MRP8/14 high at week 0 and falling; no week-24 visit for the
patient followed for only 5 months; no treatments or adverse events (none
reported). Sex, ages and steroid doses are left empty (not reported).

Method
------
Each step draws from its own ``numpy.random.Generator`` seeded with
``[SEED, crc32(step name)]``, so changing one step does not change the others.
Acceptance loops and nudges are deterministic given the seed. Numbers are
written with a fixed number of decimals per column, rows are sorted and the
JSON is written with ``indent=2``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script from any directory
    sys.path.insert(0, str(REPO))

from sjia_explore import published as pub  # noqa: E402
from sjia_explore import scores  # noqa: E402
from sjia_explore.literature import datapackage_resource as literature_resource  # noqa: E402
from sjia_explore.schema import TABLES, datapackage_schema  # noqa: E402

#: Seed of every random draw below.
SEED = 20240338
#: Where the files go by default.
DATA_DIR = REPO / "data"
#: This script, as named in datapackage.json.
SCRIPT_PATH = "scripts/reconstruct.py"

QIU = pub.QIU2024.key
VASTERT = pub.VASTERT2011.key
WEEKS = pub.WEEKS
BASELINE, LAST_WEEK = WEEKS[0], WEEKS[-1]
FOLLOW_UP_WEEKS = WEEKS[1:]
WEEKS_PER_MONTH = 365.25 / 12 / 7

# --- Qiu 2024 Table 1, as printed (rows x Case 1..11) ---------------------------
TABLE_1_ROWS: dict[str, str] = {
    "sex": "F F M M F M F F F M F",
    "age_onset_years": "3.67 9.5 3.33 3.58 1.92 4.42 3.92 5.42 6 1.58 9.1",
    "age_diagnosis_years": "4.25 9.5 3.42 6.58 2 4.42 4.1 5.42 6 2 9.25",
    "months_onset_to_treatment": "9 9 15 100 48 45 42 23 37 148 69",
    "active_joints_baseline": "10 2 6 1 3 3 0 2 12 21 5",
    "fever": "+ _ + + + + + + _ _ _",
    "rash": "_ _ _ _ _ + + + _ _ _",
    "lymphadenopathy": "+ _ _ + _ + _ _ _ _ _",
    "myalgia": "+ + _ _ _ + _ _ _ _ _",
    "prior_mas": "_ _ _ _ + _ + + _ _ _",
    "ferritin_gt_330": "+ _ + + + + _ _ _ + _",
    "wbc_gt_15000": "+ + + + + + + + _ _ +",
    "esr_gt_20": "+ _ + + + _ + + + + +",
    "crp_gt_10": "+ _ + + + + + + + + +",
    "transaminases_increased": "_ _ _ _ _ + _ _ _ _ _",
}
TABLE_1_FLAGS = tuple(k for k in TABLE_1_ROWS if TABLE_1_ROWS[k].split()[0] in {"+", "_", "-"})

# --- Qiu 2024 Table 2, as printed: (period, class, row label, marks) ----------
TABLE_2_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("previous", "NSAID", "Diclofenac sodium", "- - - - - - - - - - +"),
    ("previous", "NSAID", "Naproxen", "+ + + + + + + + + + +"),
    ("previous", "NSAID", "Celecoxib", "- - - + - - - - - - -"),
    ("previous", "corticosteroid", "Corticosteroid", "+ + + + + + + + + + +"),
    ("previous", "corticosteroid", "Corticosteroid pulse", "+ - - - + - + + - - -"),
    ("previous", "cDMARD", "Methotrexate", "+ + + + + + + + + + +"),
    ("previous", "cDMARD", "Cyclosporine A", "- - - - - - - + - - -"),
    ("previous", "cDMARD", "Leflunomide", "+ - - + + + + + - - +"),
    ("previous", "cDMARD", "Thalidomide", "+ + - + - + + + + - +"),
    ("previous", "cDMARD", "Sulfasalazine", "- - - + - - - - - - -"),
    ("previous", "bDMARD", "Tocilizumab", "+ + + + + + + + + + +"),
    ("previous", "bDMARD", "Adalimumab", "- - - + + - - - + + +"),
    ("previous", "bDMARD", "Etanercept", "- - - + - + - - - + -"),
    ("previous", "JAKi", "JAKi", "- - - - - - + - - - +"),
    ("baseline", "NSAID", "NSAIDs", "+ + + + - + - + + + +"),
    ("baseline", "corticosteroid", "Corticosteroid", "+ - - + + - - + - - -"),
    ("baseline", "cDMARD", "Methotrexate", "+ + + - + + - + + + +"),
    ("baseline", "cDMARD", "Leflunomide", "- - - + - - - - - - -"),
    ("baseline", "cDMARD", "Thalidomide", "- - - - - - - - + - +"),
    ("baseline", "cDMARD", "Sulfasalazine", "- - - + - - - - - - -"),
    ("baseline", "bDMARD", "Tocilizumab", "- + + + - + + + - - +"),
    ("baseline", "bDMARD", "Adalimumab", "- - - - + - - - + - -"),
    ("baseline", "JAKi", "JAKi", "- - - - - - - - - - +"),
)

# --- Reconstruction assumptions (not published; chosen to be clinically plausible)
#: Exposure bounds: at least 24 weeks on treatment (rounded up to whole months);
#: at most the study window, November 2021 to May 2023.
EXPOSURE_MONTHS_MIN = math.ceil(LAST_WEEK / WEEKS_PER_MONTH)
STUDY_WINDOW_MONTHS = 18
#: Global assessments are drawn in steps of 0.5 on their 0-10 scale (sJADAS27 itself: sjia_explore.scores).
GLOBAL_STEP = 0.5
GLOBAL_MAX = scores.GLOBAL_MAX
#: Week at which symptoms resolve and raised markers normalise, with probabilities.
RESOLUTION_WEEKS = (4, 8, 12)
RESOLUTION_PROBABILITIES = (0.5, 0.3, 0.2)
#: Number of patients whose markers never normalise (11 - 9).
N_PERSISTENT = pub.N_PATIENTS - pub.N_MARKERS_NORMAL_BY_WEEK_12
#: Qiu laboratory ranges: (low, high) for a raised week-0 value, a normal value,
#: the smallest value still counted as raised, and per-visit decay factors.
ESR_RAISED, ESR_NORMAL, ESR_FLOOR = (25, 95), (2, 18), 22
CRP_RAISED, CRP_NORMAL, CRP_FLOOR = (15.0, 150.0), (0.5, 8.0), 11.0
FERRITIN_RAISED, FERRITIN_NORMAL, FERRITIN_FLOOR = (400, 6000), (30, 300), 360
MARKER_DECAY = (0.3, 0.6)
#: Slower decay for the two patients whose raised markers never normalise.
PERSISTENT_MARKER_DECAY = (0.6, 0.85)
#: Fever points of the systemic score: at week 0, later in follow-up, with pneumonia.
FEVER_POINTS_WEEK_0, FEVER_POINTS_FOLLOW_UP, FEVER_POINTS_INFECTION = (2, 4), (1, 2), (2, 3)
#: Global assessments: week-0 ranges, and follow-up fractions of week 0 when active.
PHYSICIAN_WEEK_0, PARENT_WEEK_0 = (5.0, 9.0), (4.0, 9.0)
GLOBAL_FOLLOW_UP_FRACTION = (0.15, 0.45)
GLOBAL_INACTIVE_MAX = 1.0
GLOBAL_WEEK_0_MIN = 3.0
#: Corticosteroid: week-0 dose, per-visit taper factor, smallest dose before stopping.
STEROID_WEEK_0 = (0.3, 1.0)
STEROID_TAPER = (0.35, 0.75)
STEROID_MIN_DOSE = 0.05
#: Stopping weeks of the four baseline-steroid patients, from the published counts.
STEROID_STOP_WEEKS = tuple(w for w, n in sorted(pub.STEROID_STOPPED_AT_WEEK.items()) for _ in range(n))
#: Week-4/8/12 joint counts as fractions of baseline: week-4 range, then per-visit ratios.
JOINT_FRACTION_WEEK_4 = (0.05, 0.7)
JOINT_RATIO_LATER = (0.4, 1.0)
#: Adverse events: onset weeks of events other than the week-24 pneumonia.
AE_WEEKS = (1, LAST_WEEK - 1)
AE_TERM_URTI = "viral upper respiratory tract infection"
AE_TERM_PNEUMONIA = "pneumonia"
AE_TERM_UNDESCRIBED = "adverse event not described in the publication"
#: Vastert: months from onset to anakinra, and week-0 laboratory ranges.
VASTERT_MONTHS_TO_TREATMENT = (0.5, 1.5)
VASTERT_WEEK_0 = {
    "esr_mm_h": (60, 110), "crp_mg_l": (60.0, 200.0), "ferritin_ng_ml": (800, 8000),
    "il18_pg_ml": (20000, 100000), "mrp8_14_ng_ml": (5000, 40000),
}
#: Level each Vastert marker decays towards, and the per-visit decay factors.
VASTERT_FLOOR = {"esr_mm_h": 5, "crp_mg_l": 1.0, "ferritin_ng_ml": 40, "il18_pg_ml": 300, "mrp8_14_ng_ml": 300}
VASTERT_DECAY = (0.1, 0.4)
VASTERT_GLOBAL_WEEK_0 = (5.0, 8.0)

#: Schema columns the bundled files leave out: neither paper reports them, and the reconstruction
#: draws none of them (the systemic score is built from fever, rash, lymphadenopathy and ferritin).
NOT_BUNDLED = {
    "visits": ("jadas27", "cjadas27", "fever_grade", "max_temperature_c", "generalised_lymphadenopathy",
               "hepatosplenomegaly", "serositis", "haemoglobin_g_dl", "platelets_10e9_l"),
}

#: Decimals written per column (columns not listed are text, integers or booleans).
DECIMALS = {
    "exposure_months": 1, "months_onset_to_treatment": 1, "physician_global": 1,
    "parent_global": 1, "sjadas27": 1, "steroid_mg_kg_day": 2, "crp_mg_l": 1,
}
LAB_COLUMNS = ("esr_mm_h", "crp_mg_l", "ferritin_ng_ml")


# --- helpers ----------------------------------------------------------------------
def rng_for(step: str) -> np.random.Generator:
    """Independent, reproducible random stream for one named step.

    Parameters
    ----------
    step
        Name of the step, e.g. ``"qiu.joints"``.

    Returns
    -------
    numpy.random.Generator
        Seeded with ``[SEED, crc32(step)]``.
    """
    return np.random.default_rng([SEED, zlib.crc32(step.encode())])


def parse_marks(marks: str) -> list[bool]:
    """Read a printed row of ``+`` / ``_`` / ``-`` marks as booleans."""
    table = {"+": True, "_": False, "-": False}
    return [table[m] for m in marks.split()]


def qiu_ids() -> list[str]:
    """Patient ids ``Q01`` .. ``Q11`` in case order."""
    return [case_id(i) for i in range(1, pub.N_PATIENTS + 1)]


def case_id(case: int) -> str:
    """Patient id of the paper's case number (``4`` -> ``Q04``)."""
    return f"Q{case:02d}"


def half_points(x: float, lo: float = 0.0, hi: float = GLOBAL_MAX) -> float:
    """Round to the nearest 0.5 within ``[lo, hi]``."""
    return float(min(hi, max(lo, round(x / GLOBAL_STEP) * GLOBAL_STEP)))


def matches(target: pub.Published, computed: np.ndarray) -> np.ndarray:
    """Vectorised :meth:`sjia_explore.published.Published.matches`."""
    return np.array([target.matches(float(x)) for x in np.ravel(computed)]).reshape(np.shape(computed))


def sjadas27(visits: pd.DataFrame) -> pd.Series:
    """sJADAS27 of each visit (:func:`sjia_explore.scores.sjadas27`), rounded to 0.1 as written."""
    return scores.sjadas27(visits).round(DECIMALS["sjadas27"])


def markers_normal(esr: float, crp: float, ferritin: float) -> bool:
    """True when ESR, CRP and ferritin are all at or below the Table 1 cut-offs."""
    return esr <= pub.ESR_UPPER_MM_H and crp <= pub.CRP_UPPER_MG_L and ferritin <= pub.FERRITIN_UPPER_NG_ML


def systemic_score(fever_points: int, rash: bool | None, lymphadenopathy: bool | None, ferritin: float) -> int:
    """Systemic manifestation score: fever points + rash + lymphadenopathy + ferritin > 500.

    The mSMS of :func:`sjia_explore.scores.msms` with its other items (hepato/splenomegaly,
    serositis, anaemia, platelets > 600) taken as absent: the reconstruction has no values for them.
    """
    return int(fever_points + bool(rash) + bool(lymphadenopathy) + (ferritin > scores.MSMS_FERRITIN_ABOVE_NG_ML))


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """One draw, uniform on the log scale between ``lo`` and ``hi``."""
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


# --- Qiu: patients ------------------------------------------------------------------
def qiu_table_1() -> pd.DataFrame:
    """Table 1 of Qiu 2024 as a frame, one row per case; printed numbers kept as text."""
    rows = {}
    for column, printed in TABLE_1_ROWS.items():
        if column in TABLE_1_FLAGS:
            rows[column] = parse_marks(printed)
        elif column == "active_joints_baseline":
            rows[column] = [int(x) for x in printed.split()]
        else:
            rows[column] = printed.split()
    out = pd.DataFrame(rows, dtype=object)
    out.insert(0, "case", range(1, pub.N_PATIENTS + 1))
    out.insert(0, "patient_id", qiu_ids())
    return out


def baseline_steroid_ids() -> list[str]:
    """Patients on corticosteroid at baseline according to Table 2."""
    (marks,) = [m for p, _, label, m in TABLE_2_ROWS if p == "baseline" and label == "Corticosteroid"]
    ids = [pid for pid, on in zip(qiu_ids(), parse_marks(marks)) if on]
    assert ids == [case_id(c) for c in pub.BASELINE_STEROID_CASES]
    return ids


def reconstruct_exposure(rng: np.random.Generator, n: int) -> np.ndarray:
    """Months on canakinumab: mean and SD as published, within the plausible bounds.

    Parameters
    ----------
    rng
        Random stream.
    n
        Number of patients.

    Returns
    -------
    numpy.ndarray
        ``n`` values rounded to 0.1 month.
    """
    mean, sd = pub.EXPOSURE_MONTHS_MEAN.value, pub.EXPOSURE_MONTHS_SD.value
    while True:
        z = rng.standard_normal(n)
        x = np.round(mean + sd * (z - z.mean()) / z.std(ddof=1), 1)
        if (pub.EXPOSURE_MONTHS_MEAN.matches(x.mean()) and pub.EXPOSURE_MONTHS_SD.matches(x.std(ddof=1))
                and x.min() >= EXPOSURE_MONTHS_MIN and x.max() <= STUDY_WINDOW_MONTHS):
            return x


def _first_accepted(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray,
                    accept: Callable[[np.ndarray], np.ndarray], batch: int = 200_000) -> np.ndarray:
    """First row of uniform integer draws in ``[lo, hi]`` that ``accept`` keeps."""
    while True:
        draws = rng.integers(lo, hi + 1, size=(batch, len(lo)))
        ok = np.flatnonzero(accept(draws))
        if ok.size:
            return draws[ok[0]]


def reconstruct_prior_steroid(rng: np.random.Generator, months_onset: np.ndarray,
                              on_steroid: np.ndarray) -> np.ndarray:
    """Whole months of corticosteroid before week 0 for every patient.

    Each value lies between the published minimum and ``min(published maximum,
    months since onset)``. The baseline-steroid patients get the published mean
    and SD; all patients together the published median and range.

    Parameters
    ----------
    rng
        Random stream.
    months_onset
        Months from onset to canakinumab (Table 1), one per patient.
    on_steroid
        True for the patients on corticosteroid at baseline.

    Returns
    -------
    numpy.ndarray
        Integer months, one per patient.
    """
    lo_all, hi_all = pub.PRIOR_STEROID_MONTHS_RANGE
    cap = np.minimum(months_onset, hi_all).astype(int)
    mean, sd = pub.STEROID_EXPOSURE_MONTHS_MEAN, pub.STEROID_EXPOSURE_MONTHS_SD

    def group_ok(d: np.ndarray) -> np.ndarray:
        return matches(mean, d.mean(axis=1)) & matches(sd, d.std(axis=1, ddof=1))

    group = _first_accepted(rng, np.full(on_steroid.sum(), lo_all), cap[on_steroid], group_ok)

    def all_ok(d: np.ndarray) -> np.ndarray:
        full = np.concatenate([d, np.broadcast_to(group, (len(d), len(group)))], axis=1)
        return ((full.min(axis=1) == lo_all) & (full.max(axis=1) == hi_all)
                & (np.median(full, axis=1) == pub.PRIOR_STEROID_MONTHS_MEDIAN))

    rest = _first_accepted(rng, np.full((~on_steroid).sum(), lo_all), cap[~on_steroid], all_ok)
    out = np.empty(len(months_onset), dtype=int)
    out[on_steroid], out[~on_steroid] = group, rest
    return out


def qiu_patients(table_1: pd.DataFrame) -> pd.DataFrame:
    """patients.csv rows for Qiu 2024: Table 1 verbatim plus reconstructed columns."""
    months = table_1["months_onset_to_treatment"].astype(float).to_numpy()
    on_steroid = table_1["patient_id"].isin(baseline_steroid_ids()).to_numpy()
    out = table_1.drop(columns="case").copy()
    out["study"] = QIU
    out["case_label"] = [f"Case {c}" for c in table_1["case"]]
    out["treatment"] = "canakinumab"
    out["exposure_months"] = reconstruct_exposure(rng_for("qiu.exposure"), len(out))
    out["prior_steroid_months"] = reconstruct_prior_steroid(rng_for("qiu.prior_steroid"), months, on_steroid)
    return out


def qiu_treatments() -> pd.DataFrame:
    """treatments.csv rows: Table 2 of Qiu 2024 in long form."""
    rows = []
    for order, (period, drug_class, label, marks) in enumerate(TABLE_2_ROWS):
        for pid, received in zip(qiu_ids(), parse_marks(marks)):
            rows.append({"patient_id": pid, "period": period, "drug_class": drug_class,
                         "drug": label.lower(), "received": received, "_order": order})
    out = pd.DataFrame(rows)
    out = out.sort_values(["patient_id", "_order"], kind="stable")
    return out.drop(columns="_order")


# --- Qiu: follow-up plan --------------------------------------------------------------
@dataclass(frozen=True)
class FollowUpPlan:
    """Per-patient choices that the follow-up visits are built from.

    Attributes
    ----------
    resolution_week
        Week from which symptoms are gone and raised markers normal
        (for the persistent patients: week from which symptoms are gone).
    persistent
        Patients whose raised markers never normalise.
    pneumonia
        Patient with pneumonia (and fever) at week 24.
    steroid_stop
        Week each baseline-steroid patient stops corticosteroid.
    """

    resolution_week: dict[str, int]
    persistent: tuple[str, ...]
    pneumonia: str
    steroid_stop: dict[str, int]


def plan_follow_up(rng: np.random.Generator, table_1: pd.DataFrame) -> FollowUpPlan:
    """Choose resolution weeks, the non-normalising pair, the pneumonia case and stop weeks.

    The two patients with most active joints at baseline are the ones whose
    markers never normalise (they carry the joints left at week 24). The
    pneumonia patient is drawn among the others; the stopping weeks are a
    shuffle of the published ones.
    """
    by_joints = table_1.sort_values(["active_joints_baseline", "patient_id"], ascending=[False, True])
    persistent = tuple(sorted(by_joints["patient_id"].head(N_PERSISTENT)))
    raised = table_1.set_index("patient_id")[["esr_gt_20", "crp_gt_10", "ferritin_gt_330"]]
    assert raised.loc[list(persistent)].any(axis=1).all(), "a persistent patient needs a raised marker"
    ids = list(table_1["patient_id"])
    weeks = rng.choice(RESOLUTION_WEEKS, size=len(ids), p=RESOLUTION_PROBABILITIES)
    resolution = {pid: int(w) for pid, w in zip(ids, weeks)}
    normalising = [pid for pid in ids if pid not in persistent]
    pneumonia = str(rng.choice(normalising))
    stops = rng.permutation(np.array(STEROID_STOP_WEEKS))
    steroid_stop = {pid: int(w) for pid, w in zip(baseline_steroid_ids(), stops)}
    return FollowUpPlan(resolution, persistent, pneumonia, steroid_stop)


# --- Qiu: joints ------------------------------------------------------------------------
def joints_anova_p(counts: np.ndarray) -> float:
    """One-way ANOVA P across visit weeks (columns), weeks as independent groups."""
    return float(stats.f_oneway(*counts.T).pvalue)


def reconstruct_joints(rng: np.random.Generator, baseline: np.ndarray, persistent: np.ndarray) -> np.ndarray:
    """Active joints per patient (rows) and week (columns of :data:`WEEKS`).

    Week 0 is Table 1. The week-24 total implied by the published mean is split
    between the ``persistent`` patients; everybody else has none. Weeks 4, 8
    and 12 are decreasing fractions of baseline, redrawn until the ANOVA P
    matches the published value.

    Parameters
    ----------
    rng
        Random stream.
    baseline
        Table 1 joint counts.
    persistent
        Boolean mask of the patients who keep active joints at week 24.

    Returns
    -------
    numpy.ndarray
        Integer counts, shape ``(patients, len(WEEKS))``; each row non-increasing.
    """
    n = len(baseline)
    total_24 = int(round(pub.JOINTS_MEAN_WEEK_24.value * n))
    assert pub.JOINTS_MEAN_WEEK_24.matches(total_24 / n) and pub.JOINTS_MEAN_WEEK_0.matches(baseline.mean())
    carriers = np.flatnonzero(persistent)
    while True:
        week_24 = np.zeros(n, dtype=int)
        first = int(rng.integers(1, total_24))
        week_24[carriers] = (first, total_24 - first)
        if np.any(week_24 > baseline):
            continue
        f4 = rng.uniform(*JOINT_FRACTION_WEEK_4, n)
        f8 = f4 * rng.uniform(*JOINT_RATIO_LATER, n)
        f12 = f8 * rng.uniform(*JOINT_RATIO_LATER, n)
        middle = [np.maximum(week_24, np.rint(baseline * f).astype(int)) for f in (f4, f8, f12)]
        counts = np.column_stack([baseline, *middle, week_24])
        if pub.JOINTS_ANOVA_P.matches(joints_anova_p(counts)):
            return counts


# --- Qiu: laboratory values and symptoms -------------------------------------------------
def _normal_value(rng: np.random.Generator, marker: str) -> float:
    lo, hi = {"esr_mm_h": ESR_NORMAL, "crp_mg_l": CRP_NORMAL, "ferritin_ng_ml": FERRITIN_NORMAL}[marker]
    if marker == "crp_mg_l":
        return round(float(rng.uniform(lo, hi)), 1)
    return int(rng.integers(lo, hi + 1))


def _raised_series(rng: np.random.Generator, marker: str, n_visits: int,
                   decay_range: tuple[float, float]) -> list[float]:
    """A raised week-0 value and its decay, staying above the cut-off for ``n_visits``."""
    if marker == "esr_mm_h":
        (lo, hi), floor, cut = ESR_RAISED, ESR_FLOOR, pub.ESR_UPPER_MM_H
        start = int(rng.integers(lo, hi + 1))
    elif marker == "crp_mg_l":
        (lo, hi), floor, cut = CRP_RAISED, CRP_FLOOR, pub.CRP_UPPER_MG_L
        start = round(log_uniform(rng, lo, hi), 1)
    else:
        (lo, hi), floor, cut = FERRITIN_RAISED, FERRITIN_FLOOR, pub.FERRITIN_UPPER_NG_ML
        start = int(round(log_uniform(rng, lo, hi)))
    decay = rng.uniform(*decay_range)
    out = []
    for k in range(n_visits):
        value = cut + (start - cut) * decay ** k
        value = round(value, 1) if marker == "crp_mg_l" else int(round(value))
        out.append(max(floor, value) if k else start)
    return out


def reconstruct_labs(rng: np.random.Generator, table_1: pd.DataFrame, plan: FollowUpPlan) -> dict:
    """ESR, CRP and ferritin per (patient, week).

    A marker flagged raised in Table 1 stays above its cut-off until the
    patient's resolution week (for persistent patients: at every visit);
    otherwise values are drawn in the normal range.

    Returns
    -------
    dict
        ``{(patient_id, week): {"esr_mm_h": .., "crp_mg_l": .., "ferritin_ng_ml": ..}}``
    """
    flag = {"esr_mm_h": "esr_gt_20", "crp_mg_l": "crp_gt_10", "ferritin_ng_ml": "ferritin_gt_330"}
    out: dict = {}
    for _, row in table_1.iterrows():
        pid = row["patient_id"]
        persistent = pid in plan.persistent
        raised_until = LAST_WEEK + 1 if persistent else plan.resolution_week[pid]
        raised_weeks = [w for w in WEEKS if w < raised_until]
        decay = PERSISTENT_MARKER_DECAY if persistent else MARKER_DECAY
        for marker in LAB_COLUMNS:
            series = _raised_series(rng, marker, len(raised_weeks), decay) if row[flag[marker]] else []
            for i, week in enumerate(WEEKS):
                value = series[i] if i < len(series) else _normal_value(rng, marker)
                out.setdefault((pid, week), {})[marker] = value
    return out


def symptoms_at(table_1_row: pd.Series, week: int, plan: FollowUpPlan) -> dict[str, bool]:
    """Fever, rash and myalgia at a visit: as Table 1 until the resolution week."""
    pid = table_1_row["patient_id"]
    present = week < plan.resolution_week[pid]
    out = {s: bool(table_1_row[s]) and present for s in ("fever", "rash", "myalgia")}
    if pid == plan.pneumonia and week == LAST_WEEK:
        out["fever"] = True
    return out


def fever_points(rng: np.random.Generator, pid: str, week: int, fever: bool, plan: FollowUpPlan) -> int:
    """Points the systemic score gives for fever (0 without fever)."""
    if not fever:
        return 0
    if week == BASELINE:
        lo, hi = FEVER_POINTS_WEEK_0
    elif pid == plan.pneumonia and week == LAST_WEEK:
        lo, hi = FEVER_POINTS_INFECTION
    else:
        lo, hi = FEVER_POINTS_FOLLOW_UP
    return int(rng.integers(lo, hi + 1))


def reconstruct_steroid(rng: np.random.Generator, ids: Sequence[str], plan: FollowUpPlan) -> dict:
    """Corticosteroid dose per (patient, week).

    Patients not on corticosteroid at baseline get 0 at every visit. The others
    start at a drawn dose, taper at every visit and are at 0 from their
    stopping week on.
    """
    out = {}
    for pid in ids:
        stop = plan.steroid_stop.get(pid)
        dose = round(float(rng.uniform(*STEROID_WEEK_0)), 2) if stop is not None else 0.0
        for week in WEEKS:
            if stop is None or week >= stop:
                dose = 0.0
            elif week > BASELINE:
                dose = max(STEROID_MIN_DOSE, round(dose * float(rng.uniform(*STEROID_TAPER)), 2))
            out[(pid, week)] = dose
    return out


# --- global assessments -----------------------------------------------------------------
def _nudge(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, fixed: float, target: tuple[float, float],
           rng: np.random.Generator) -> np.ndarray:
    """Move single global assessments by 0.5 until ``values.sum() + fixed`` is within ``target``.

    Parameters
    ----------
    values, lo, hi
        Current assessments (flattened) and their per-cell bounds.
    fixed
        Sum of the other sJADAS components at this visit.
    target
        Inclusive bounds for the visit's sJADAS27 total.
    rng
        Random stream choosing which assessment to move.

    Returns
    -------
    numpy.ndarray
        The adjusted assessments.
    """
    values = values.copy()
    while True:
        total = values.sum() + fixed
        if target[0] - 1e-9 <= total <= target[1] + 1e-9:
            return values
        step = GLOBAL_STEP if total < target[0] else -GLOBAL_STEP
        movable = np.flatnonzero((values + step >= lo - 1e-9) & (values + step <= hi + 1e-9))
        if movable.size == 0:
            raise RuntimeError(f"cannot reach sJADAS27 total {target} from {total}")
        values[rng.choice(movable)] += step


def reconstruct_globals(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Physician and parent global assessments for the Qiu visits.

    Week 0 is drawn high; later visits are a fraction of week 0 while the
    patient has any sign of disease, and 0-1 otherwise. Then single values move
    by 0.5 until mean sJADAS27 is 25.6 at week 0 and 8.5 at week 4 (at the
    centre of the published rounding), and the means at later visits do not
    exceed the one before.

    Parameters
    ----------
    rng
        Random stream.
    frame
        Visits with ``patient_id``, ``week``, ``active`` and ``fixed`` (the sum
        of the three other components).

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``physician_global`` and ``parent_global``.
    """
    frame = frame.sort_values(["week", "patient_id"]).reset_index(drop=True)
    base = {}
    for pid in sorted(frame["patient_id"].unique()):
        base[pid] = (half_points(rng.uniform(*PHYSICIAN_WEEK_0)), half_points(rng.uniform(*PARENT_WEEK_0)))
    values = np.zeros((len(frame), 2))
    lo = np.zeros_like(values)
    hi = np.zeros_like(values)
    for i, row in frame.iterrows():
        b = np.array(base[row["patient_id"]])
        if row["week"] == BASELINE:
            values[i], lo[i], hi[i] = b, GLOBAL_WEEK_0_MIN, GLOBAL_MAX
        elif row["active"]:
            drawn = b * rng.uniform(*GLOBAL_FOLLOW_UP_FRACTION, 2)
            values[i] = [half_points(x, GLOBAL_STEP) for x in drawn]
            lo[i], hi[i] = GLOBAL_STEP, b
        else:
            values[i] = [half_points(x, 0, GLOBAL_INACTIVE_MAX) for x in rng.uniform(0, GLOBAL_INACTIVE_MAX, 2)]
            lo[i], hi[i] = 0.0, GLOBAL_INACTIVE_MAX
    targets = {BASELINE: pub.SJADAS_MEAN_WEEK_0, FOLLOW_UP_WEEKS[0]: pub.SJADAS_MEAN_WEEK_4}
    previous_total = math.inf
    for week in WEEKS:
        rows = np.flatnonzero(frame["week"] == week)
        n, fixed = len(rows), frame.loc[rows, "fixed"].sum()
        if week in targets:
            centre = targets[week].value * n
            slack = targets[week].tolerance * n / 2
            target = (centre - slack, centre + slack)
        else:
            target = (0.0, previous_total)
        flat = _nudge(values[rows].ravel(), lo[rows].ravel(), hi[rows].ravel(), fixed, target, rng)
        values[rows] = flat.reshape(-1, 2)
        previous_total = values[rows].sum() + fixed
    frame["physician_global"], frame["parent_global"] = values[:, 0], values[:, 1]
    return frame


# --- Qiu: visits --------------------------------------------------------------------------
def qiu_visits(table_1: pd.DataFrame, plan: FollowUpPlan) -> pd.DataFrame:
    """visits.csv rows for Qiu 2024 (weeks 0-24, all reconstructed)."""
    ids = list(table_1["patient_id"])
    persistent = table_1["patient_id"].isin(plan.persistent).to_numpy()
    joints = reconstruct_joints(rng_for("qiu.joints"), table_1["active_joints_baseline"].to_numpy(int), persistent)
    labs = reconstruct_labs(rng_for("qiu.labs"), table_1, plan)
    steroid = reconstruct_steroid(rng_for("qiu.steroid"), ids, plan)
    fever_rng = rng_for("qiu.fever_points")
    rows = []
    for p, (_, t1) in enumerate(table_1.iterrows()):
        pid = t1["patient_id"]
        for w, week in enumerate(WEEKS):
            lab = labs[(pid, week)]
            sym = symptoms_at(t1, week, plan)
            lymph = bool(t1["lymphadenopathy"]) and week == BASELINE
            score = systemic_score(fever_points(fever_rng, pid, week, sym["fever"], plan),
                                   sym["rash"], lymph, lab["ferritin_ng_ml"])
            j = int(joints[p, w])
            rows.append({
                "patient_id": pid, "week": week, "active_joints": j, **lab, "systemic_score": score,
                "steroid_mg_kg_day": steroid[(pid, week)], **sym,
                "active": j > 0 or any(sym.values()) or not markers_normal(
                    lab["esr_mm_h"], lab["crp_mg_l"], lab["ferritin_ng_ml"]),
            })
    frame = pd.DataFrame(rows)
    # the components other than the globals: sJADAS27 with both globals at 0
    frame["fixed"] = scores.sjadas27(frame.assign(physician_global=0.0, parent_global=0.0))
    out = reconstruct_globals(rng_for("qiu.globals"), frame)
    out["sjadas27"] = sjadas27(out)
    out["il18_pg_ml"] = None
    out["mrp8_14_ng_ml"] = None
    out["provenance"] = "reconstructed"
    return out.drop(columns=["active", "fixed"])


# --- Qiu: adverse events ---------------------------------------------------------------------
def qiu_adverse_events(rng: np.random.Generator, plan: FollowUpPlan) -> pd.DataFrame:
    """adverse_events.csv rows for Qiu 2024: 20 events in 8 patients, none serious.

    The pneumonia is placed at week 24 in the patient with fever at week 24.
    Seven further patients are drawn; each gets at least one of the other 19
    events (8 viral upper respiratory tract infections and 11 undescribed),
    the rest are spread at random over the eight patients.
    """
    others = [pid for pid in qiu_ids() if pid != plan.pneumonia]
    with_ae = [plan.pneumonia, *rng.choice(others, pub.N_PATIENTS_WITH_AE - 1, replace=False).tolist()]
    n_undescribed = pub.N_AE - pub.N_AE_VIRAL_URTI - pub.N_AE_PNEUMONIA
    terms = rng.permutation([AE_TERM_URTI] * pub.N_AE_VIRAL_URTI + [AE_TERM_UNDESCRIBED] * n_undescribed).tolist()
    owners = with_ae[1:] + rng.choice(with_ae, len(terms) - len(with_ae) + 1).tolist()
    rows = [{"patient_id": plan.pneumonia, "week": LAST_WEEK, "term": AE_TERM_PNEUMONIA}]
    taken = set()
    for pid, term in zip(owners, terms):
        week = int(rng.integers(AE_WEEKS[0], AE_WEEKS[1] + 1))
        while (pid, week) in taken:
            week = int(rng.integers(AE_WEEKS[0], AE_WEEKS[1] + 1))
        taken.add((pid, week))
        rows.append({"patient_id": pid, "week": week, "term": term})
    out = pd.DataFrame(rows)
    out["category"] = np.where(out["term"] == AE_TERM_UNDESCRIBED, "unspecified", "infection")
    out["serious"] = False
    out["provenance"] = "reconstructed"
    return out


# --- Vastert 2011 ---------------------------------------------------------------------------
def vastert_exposure(rng: np.random.Generator) -> list[int]:
    """Whole months of follow-up with the published median and range, in random order."""
    lo, hi = pub.VASTERT_FOLLOW_UP_MONTHS_RANGE
    median = pub.VASTERT_FOLLOW_UP_MONTHS_MEDIAN
    months = [lo, int(rng.integers(lo, median + 1)), median, int(rng.integers(median, hi + 1)), hi]
    assert len(months) == pub.VASTERT_N_PATIENTS
    return [int(m) for m in rng.permutation(months)]


def vastert_patients(rng: np.random.Generator) -> pd.DataFrame:
    """patients.csv rows for the 5 reconstructed Vastert 2011 patients."""
    n = pub.VASTERT_N_PATIENTS
    out = pd.DataFrame({
        "patient_id": [f"V{i:02d}" for i in range(1, n + 1)],
        "study": VASTERT,
        "months_onset_to_treatment": np.round(rng.uniform(*VASTERT_MONTHS_TO_TREATMENT, n), 1),
        "treatment": "anakinra",
        "exposure_months": vastert_exposure(rng),
        "active_joints_baseline": 0,
        "fever": True,
        "prior_mas": False,
    })
    return out


def vastert_visits(rng: np.random.Generator, patients: pd.DataFrame) -> pd.DataFrame:
    """visits.csv rows for Vastert 2011: falling markers and sJADAS27, fever at week 0 only, no joints."""
    rows = []
    for _, p in patients.iterrows():
        weeks = [w for w in WEEKS if w <= p["exposure_months"] * WEEKS_PER_MONTH]
        start = {m: log_uniform(rng, *r) for m, r in VASTERT_WEEK_0.items()}
        decay = {m: rng.uniform(*VASTERT_DECAY) for m in VASTERT_WEEK_0}
        phys0, parent0 = (half_points(rng.uniform(*VASTERT_GLOBAL_WEEK_0)) for _ in range(2))
        for k, week in enumerate(weeks):
            lab = {}
            for m, s in start.items():
                value = VASTERT_FLOOR[m] + (s - VASTERT_FLOOR[m]) * decay[m] ** k
                lab[m] = round(value, 1) if m == "crp_mg_l" else int(round(value))
            fever = week == BASELINE
            points = int(rng.integers(FEVER_POINTS_WEEK_0[0], FEVER_POINTS_WEEK_0[1] + 1)) if fever else 0
            score = systemic_score(points, None, None, lab["ferritin_ng_ml"])
            if fever:
                phys, parent = phys0, parent0
            else:  # low once inflammation has resolved, and never rising again
                phys, parent = (min(prev, half_points(rng.uniform(0, GLOBAL_INACTIVE_MAX)))
                                for prev in (phys, parent))
            rows.append({
                "patient_id": p["patient_id"], "week": week, "active_joints": 0,
                "physician_global": phys, "parent_global": parent, **lab, "systemic_score": score,
                "steroid_mg_kg_day": None, "fever": fever, "rash": None, "myalgia": None,
                "provenance": "reconstructed",
            })
    out = pd.DataFrame(rows)
    out["sjadas27"] = sjadas27(out)
    return out


# --- assembling and writing -----------------------------------------------------------------
def build_tables() -> dict[str, pd.DataFrame]:
    """All four tables, typed, with the schema's columns in order and rows sorted."""
    table_1 = qiu_table_1()
    plan = plan_follow_up(rng_for("qiu.plan"), table_1)
    v_patients = vastert_patients(rng_for("vastert.patients"))
    frames = {
        "patients": pd.concat([qiu_patients(table_1), v_patients], ignore_index=True),
        "treatments": qiu_treatments(),
        "visits": pd.concat([qiu_visits(table_1, plan), vastert_visits(rng_for("vastert.visits"), v_patients)],
                            ignore_index=True),
        "adverse_events": qiu_adverse_events(rng_for("qiu.adverse_events"), plan),
    }
    keys = {"patients": ["patient_id"], "treatments": None, "visits": ["patient_id", "week"],
            "adverse_events": ["patient_id", "week", "term"]}
    out = {}
    for name, frame in frames.items():
        frame = frame.reindex(columns=bundled_columns(name))
        if keys[name]:
            frame = frame.sort_values(keys[name], kind="stable")
        out[name] = frame.reset_index(drop=True)
    return out


def bundled_columns(table: str) -> list[str]:
    """The schema's columns of ``table`` that the bundled files hold, in the schema's order.

    Columns the schema has for other cohorts but the bundled studies do not report (the
    JADAS27 and cJADAS27 totals, the mSMS items) are not written: see :data:`NOT_BUNDLED`.
    """
    return [c for c in TABLES[table].names if c not in NOT_BUNDLED.get(table, ())]


def format_cell(value, column: str) -> str:
    """One cell as written: fixed decimals per column, ``true``/``false``, empty if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if column in DECIMALS:
        text = f"{float(value):.{DECIMALS[column]}f}"
        return "0" + text[2:] if text.startswith("-0") else text
    if float(value).is_integer():
        return str(int(value))
    raise ValueError(f"{column}: {value!r} has no fixed number of decimals")


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV text of a table: every cell formatted by :func:`format_cell`, LF line ends."""
    text = pd.DataFrame({c: [format_cell(v, c) for v in frame[c].astype(object)] for c in frame.columns})
    return text.to_csv(index=False, lineterminator="\n").encode("utf-8")


#: Provenance of every column per study: published | reconstructed | not reported | not applicable.
P, R, NR, NA = "published", "reconstructed", "not reported", "not applicable"
PROVENANCE: dict[str, dict[str, tuple[str, str] | tuple[str, str, str]]] = {
    "patients": {
        "patient_id": (P, R, "Q01-Q11 are Cases 1-11 of Qiu 2024; V01-V05 number the 5 Vastert patients."),
        "study": (NA, NA), "case_label": (P, NR),
        "sex": (P, NR), "age_onset_years": (P, NR), "age_diagnosis_years": (P, NR),
        "months_onset_to_treatment": (P, R, "Vastert: 'very early in their disease-course'; 0.5-1.5 months drawn."),
        "treatment": (P, P),
        "exposure_months": (R, R, "Qiu: mean 12.4, SD 3.4 published; Vastert: median 10, range 5-12 published."),
        "prior_steroid_months": (R, NR, "Qiu: median 22 (3-95) for all, 21.8 +/- 10.3 for cases 1, 4, 5, 8 published."),
        "active_joints_baseline": (P, R, "Vastert: 0, the patients had no arthritis yet."),
        "fever": (P, R, "Vastert: systemic inflammation at onset."),
        "rash": (P, NR), "lymphadenopathy": (P, NR), "myalgia": (P, NR),
        "prior_mas": (P, R, "Vastert: bone-marrow aspirates ruled out haemophagocytosis."),
        "ferritin_gt_330": (P, NR), "wbc_gt_15000": (P, NR), "esr_gt_20": (P, NR), "crp_gt_10": (P, NR),
        "transaminases_increased": (P, NR),
    },
    "treatments": {c: (P, NR) for c in TABLES["treatments"].names},
    "visits": {
        **{c: (R, R) for c in TABLES["visits"].names},
        "patient_id": (P, R), "week": (P, R, "Qiu visits at weeks 0, 4, 8, 12, 24 are published."),
        "active_joints": (R, R, "Qiu week 0 equals Table 1 (published); later weeks reconstructed."),
        "steroid_mg_kg_day": (R, NR), "il18_pg_ml": (NR, R), "mrp8_14_ng_ml": (NR, R),
        "fever": (R, R, "Qiu week 0 equals Table 1 (published)."),
        "rash": (R, NR, "Qiu week 0 equals Table 1 (published)."),
        "myalgia": (R, NR, "Qiu week 0 equals Table 1 (published)."),
        "provenance": (NA, NA),
    },
    "adverse_events": {c: (R, NR) for c in TABLES["adverse_events"].names},
}


def field_with_provenance(field: dict, table: str) -> dict:
    """A Table Schema field plus its ``sjia:provenance`` (and ``sjia:note`` if any)."""
    entry = PROVENANCE[table][field["name"]]
    out = dict(field)
    out["sjia:provenance"] = {QIU: entry[0], VASTERT: entry[1]}
    if len(entry) == 3:
        out["sjia:note"] = entry[2]
    return out


def datapackage() -> dict:
    """The Frictionless data package descriptor for the four CSV files."""
    resources = []
    for name, table in TABLES.items():
        schema = datapackage_schema(table)
        written = bundled_columns(name)
        schema["fields"] = [field_with_provenance(f, name) for f in schema["fields"] if f["name"] in written]
        resources.append({
            "name": name, "path": table.filename, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "description": table.description, "schema": schema,
        })
    return {
        "profile": "tabular-data-package",
        "name": "sjia-explore-cohort",
        "title": "Children with systemic JIA on IL-1 blockade: published tables and reconstructed follow-up",
        "description": (
            "Qiu 2024 Tables 1 and 2 (11 children on canakinumab) copied verbatim; their follow-up visits "
            "and adverse events, and the 5 Vastert 2011 patients on anakinra, are synthetic reconstructions "
            "consistent with the published aggregates. See README.md and sjia:reconstruction."
        ),
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sources": [{"title": s.citation, "path": s.url, "sjia:key": s.key, "sjia:doi": s.doi,
                     "sjia:licence": s.licence,
                     **({"sjia:adverse_event_window": pub.AE_RECORDING_WINDOWS[s.key].to_json()}
                        if s.key in pub.AE_RECORDING_WINDOWS else {})} for s in pub.SOURCES.values()],
        "sjia:reconstruction": {
            "script": SCRIPT_PATH,
            "seed": SEED,
            "method": (
                "Seeded numpy random draws, accepted or nudged until every published aggregate is reproduced "
                "at its printed precision (means, SDs, counts, one-way ANOVA P across weeks). Week-0 joints, "
                "fever, rash and myalgia and the week-0 ESR/CRP/ferritin cut-offs follow Table 1; steroid use "
                "follows Table 2. Every visit and adverse-event row is synthetic (provenance 'reconstructed')."
            ),
            "regenerate": f"python {SCRIPT_PATH}",
        },
        "resources": resources + [literature_resource()],
    }


def render() -> dict[str, bytes]:
    """Every file the script writes, by file name."""
    tables = build_tables()
    files = {TABLES[name].filename: to_csv_bytes(frame) for name, frame in tables.items()}
    files["datapackage.json"] = (json.dumps(datapackage(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the bundled data files; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="directory to write (default: data/)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the files differ from what would be written")
    args = parser.parse_args(argv)
    files = render()
    if args.check:
        stale = [n for n, content in files.items()
                 if not (args.out / n).is_file() or (args.out / n).read_bytes() != content]
        for name in stale:
            print(f"{args.out / name}: differs from what {SCRIPT_PATH} writes", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (args.out / name).write_bytes(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
