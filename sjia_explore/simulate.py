"""A seeded synthetic registry of any size, for scale tests, benchmarks and teaching.

Every value is simulated (``provenance == "simulated"``): nothing here describes
a real child. The distributions are anchored on the bundled studies' published
figures (see :mod:`sjia_explore.published`) so the registry looks like the
cohorts the app is built for:

============================  ==================================================
onset age                     gamma with the Qiu 2024 mean 4.8 and SD 2.6 years
time from onset to treatment  a first-line share treated within weeks (as in
                              Vastert 2011), the rest log-normal with the Qiu
                              2024 mean 49.6 and SD 42.5 months
sex                           63.6 % female (Qiu 2024)
prior MAS                     10 % (about 10 % of sJIA develop MAS, Qiu 2024)
prior biologics               tocilizumab, adalimumab, etanercept, JAK inhibitor
                              with Qiu 2024 Table 2 frequencies, only for
                              patients not treated first-line
baseline active joints        negative binomial, mean 5.9 (Qiu 2024 Table 1)
                              for patients not treated first-line; half of
                              first-line patients have no arthritis yet
steroid at baseline           4 / 11 (Qiu 2024), tapered and often stopped
visits                        weeks 0, 4, 8, 12, 24; each follow-up visit is
                              missing with probability ``p_missing_visit``
trajectories                  exponential improvement with between-patient
                              variation; ``early_benefit`` adds a true extra
                              improvement for early-treated patients (0 = none,
                              the default, so any early/late difference seen is
                              chance — useful for teaching)
adverse events                Poisson, 364 per 100 patient-years (Qiu 2024)
============================  ==================================================

Examples
--------
>>> from sjia_explore.simulate import registry
>>> reg = registry(200, seed=1)
>>> reg.n_patients
200
>>> set(reg.visits["provenance"])
{'simulated'}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sjia_explore import published as pub
from sjia_explore import scores
from sjia_explore.cohort import Cohort
from sjia_explore.schema import TABLES

WEEKS = np.array(pub.WEEKS)
FIRST_LINE_SHARE = 0.3  # share of patients started on IL-1 blockade within weeks of onset (assumption, documented)
PRIOR_MAS_SHARE = 0.10  # "Approximately 10% of patients with sJIA develop ... MAS" (Qiu 2024, Background)
BASELINE_STEROID_SHARE = pub.N_BASELINE_STEROID / pub.N_PATIENTS
FEMALE_SHARE = pub.N_FEMALE / pub.N_PATIENTS
# Prior biologic frequencies among patients not treated first-line (Qiu 2024 Table 2: 11, 5, 3 and 2 of 11)
PRIOR_DRUG_SHARE = {"tocilizumab": 11 / 11, "adalimumab": 5 / 11, "etanercept": 3 / 11, "jaki": 2 / 11}
PRIOR_DRUG_CLASS = {"tocilizumab": "bDMARD", "adalimumab": "bDMARD", "etanercept": "bDMARD", "jaki": "JAKi"}
AE_RATE_PER_PATIENT_YEAR = pub.AE_RATE_PER_100_PY.value / 100
JOINT_DISPERSION = 1.2  # negative-binomial size: joint counts are very over-dispersed (Qiu 2024: 0 to 21)


def _lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    sigma2 = np.log(1 + (sd / mean) ** 2)
    return np.log(mean) - sigma2 / 2, np.sqrt(sigma2)


def registry(n_patients: int, seed: int = 0, p_missing_visit: float = 0.08, early_benefit: float = 0.0,
             study: str = "simulated") -> Cohort:
    """Simulate a registry of ``n_patients`` children, reproducibly.

    Parameters
    ----------
    n_patients
        Number of patients (1 or more).
    seed
        Seed of the random generator; the same seed gives the same registry.
    p_missing_visit
        Probability that a follow-up visit (week 4–24) is missing.
    early_benefit
        True extra fractional improvement for patients treated < 12 months from
        onset (0 = no true difference).
    study
        Label written in ``patients.study``.

    Returns
    -------
    Cohort
        With ``provenance == "simulated"`` on every visit and adverse event.
    """
    if n_patients < 1:
        raise ValueError("n_patients must be at least 1")
    rng = np.random.default_rng(seed)
    n = int(n_patients)
    ids = np.array([f"S{i:06d}" for i in range(1, n + 1)])

    shape = (pub.AGE_ONSET_MEAN.value / pub.AGE_ONSET_SD.value) ** 2
    age_onset = np.clip(rng.gamma(shape, pub.AGE_ONSET_MEAN.value / shape, n), 0.5, 15.5).round(2)
    first_line = rng.random(n) < FIRST_LINE_SHARE
    mu, sigma = _lognormal_params(pub.MONTHS_TO_TREATMENT_MEAN.value, pub.MONTHS_TO_TREATMENT_SD.value)
    months = np.where(first_line, rng.uniform(0.2, 2.0, n), np.clip(rng.lognormal(mu, sigma, n), 2, 200)).round(1)
    months = np.minimum(months, (18 - age_onset) * 12).round(1)
    age_diagnosis = np.minimum(age_onset + rng.uniform(0, 0.5, n), 18).round(2)
    joints0 = np.where(first_line & (rng.random(n) < 0.5), 0,
                       rng.negative_binomial(JOINT_DISPERSION,
                                             JOINT_DISPERSION / (JOINT_DISPERSION + pub.JOINTS_MEAN_WEEK_0.value), n))
    joints0 = np.minimum(joints0, 40)
    fever0 = rng.random(n) < 0.64
    rash0 = rng.random(n) < 0.3
    patients = pd.DataFrame({
        "patient_id": ids,
        "study": study,
        "case_label": pd.NA,
        "sex": np.where(rng.random(n) < FEMALE_SHARE, "F", "M"),
        "age_onset_years": age_onset,
        "age_diagnosis_years": age_diagnosis,
        "months_onset_to_treatment": months,
        "treatment": np.where(rng.random(n) < 0.5, "canakinumab", "anakinra"),
        "exposure_months": np.clip(
            rng.normal(pub.EXPOSURE_MONTHS_MEAN.value, pub.EXPOSURE_MONTHS_SD.value, n), 6, 36).round(1),
        "prior_steroid_months": np.where(first_line, 0.0, np.minimum(months, rng.uniform(1, 60, n))).round(1),
        "active_joints_baseline": joints0,
        "fever": fever0,
        "rash": rash0,
        "lymphadenopathy": rng.random(n) < 0.27,
        "myalgia": rng.random(n) < 0.27,
        "prior_mas": rng.random(n) < PRIOR_MAS_SHARE,
        "ferritin_gt_330": rng.random(n) < 0.6,
        "wbc_gt_15000": rng.random(n) < 0.8,
        "esr_gt_20": rng.random(n) < 0.85,
        "crp_gt_10": rng.random(n) < 0.9,
        "transaminases_increased": rng.random(n) < 0.1,
    })

    # Treatments: prior biologics only for patients not treated first-line.
    drug_rows = []
    for drug, share in PRIOR_DRUG_SHARE.items():
        got = (~first_line) & (rng.random(n) < share)
        drug_rows.append(pd.DataFrame({"patient_id": ids, "period": "previous", "drug_class": PRIOR_DRUG_CLASS[drug],
                                       "drug": drug, "received": got}))
    on_steroid = rng.random(n) < BASELINE_STEROID_SHARE
    drug_rows.append(pd.DataFrame({"patient_id": ids, "period": "baseline", "drug_class": "corticosteroid",
                                   "drug": "corticosteroid", "received": on_steroid}))
    treatments = pd.concat(drug_rows, ignore_index=True)

    # Visits: patient-level response rate with between-patient variation.
    early = months < 12
    rate = np.clip(rng.normal(0.12, 0.05, n) * (1 + early_benefit * early), 0.005, None)  # per week
    response = np.exp(-np.outer(rate, WEEKS))  # patients x weeks, 1 at week 0
    joints = rng.binomial(joints0[:, None].repeat(len(WEEKS), 1), np.clip(response + 0.03, 0, 1))
    joints[:, 0] = joints0
    pga = np.clip(
        np.round(2 * (rng.uniform(5, 9, n)[:, None] * response + rng.normal(0, 0.5, response.shape))) / 2, 0, 10)
    parent = np.clip(
        np.round(2 * (rng.uniform(4, 9, n)[:, None] * response + rng.normal(0, 0.7, response.shape))) / 2, 0, 10)
    esr = np.clip(rng.lognormal(np.log(45), 0.4, n)[:, None] * (0.25 + 0.75 * response), 2, 150).round(0)
    crp = np.clip(rng.lognormal(np.log(40), 0.7, n)[:, None] * (0.05 + 0.95 * response), 0.1, 400).round(1)
    ferritin = np.clip(rng.lognormal(np.log(500), 0.8, n)[:, None] * (0.15 + 0.85 * response), 10, 20000).round(0)
    fever = (rng.random(response.shape) < 0.7 * response) & fever0[:, None]
    fever[:, 0] = fever0
    rash = (rng.random(response.shape) < 0.6 * response) & rash0[:, None]
    rash[:, 0] = rash0
    sms = np.clip(fever * rng.integers(1, 4, response.shape) + rash + (ferritin > scores.MSMS_FERRITIN_ABOVE_NG_ML),
                  0, scores.SYSTEMIC_SCORE_MAX)
    dose0 = np.where(on_steroid, rng.uniform(0.3, 1.0, n), 0.0)
    # a stop at one of the follow-up visits, or (99) none within the follow-up
    stop_week = rng.choice(np.array([*pub.WEEKS[1:], 99]), n, p=[0.2, 0.15, 0.3, 0.2, 0.15])
    steroid = dose0[:, None] * np.clip(1 - WEEKS / np.maximum(stop_week, 1)[:, None], 0, 1)
    steroid[:, 0] = dose0
    visits = pd.DataFrame({
        "patient_id": np.repeat(ids, len(WEEKS)),
        "week": np.tile(WEEKS, n),
        "active_joints": joints.ravel(),
        "physician_global": pga.ravel(),
        "parent_global": parent.ravel(),
        "esr_mm_h": esr.ravel(),
        "systemic_score": sms.ravel().astype(float),
        "steroid_mg_kg_day": steroid.ravel().round(2),
        "crp_mg_l": crp.ravel(),
        "ferritin_ng_ml": ferritin.ravel(),
        "il18_pg_ml": np.nan,
        "mrp8_14_ng_ml": np.nan,
        "fever": fever.ravel(),
        "rash": rash.ravel(),
        "myalgia": False,
        "provenance": "simulated",
    })
    visits.insert(visits.columns.get_loc("systemic_score") + 1, "sjadas27", scores.sjadas27(visits).round(1))
    missing = (visits["week"] > 0) & (rng.random(len(visits)) < p_missing_visit)
    visits = visits.loc[~missing].reset_index(drop=True)

    n_ae = rng.poisson(AE_RATE_PER_PATIENT_YEAR * pub.AE_FOLLOW_UP_YEARS, n)
    ae_ids = np.repeat(ids, n_ae)
    terms = rng.choice(
        np.array(["viral upper respiratory tract infection", "gastroenteritis", "pneumonia", "headache"]),
        len(ae_ids), p=[0.6, 0.2, 0.05, 0.15])
    adverse_events = pd.DataFrame({
        "patient_id": ae_ids,
        "week": rng.integers(0, 25, len(ae_ids)),
        "term": terms,
        "category": np.where(terms == "headache", "other", "infection"),
        "serious": terms == "pneumonia",
        "provenance": "simulated",
    })
    return Cohort.from_tables(
        patients=_typed(patients, "patients"), visits=_typed(visits, "visits"),
        treatments=_typed(treatments, "treatments"), adverse_events=_typed(adverse_events, "adverse_events"),
        source=f"simulated registry (n={n}, seed={seed})",
    )


def _typed(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast to the schema's dtypes, as load_cohort returns them."""
    kinds = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
    out = df.copy()
    for col in TABLES[table].columns:
        if col.name in out:
            out[col.name] = out[col.name].astype(kinds[col.kind])
    return out[[c for c in TABLES[table].names if c in out]]


def write_cohort(cohort: Cohort, folder: str | Path) -> list[Path]:
    """Write a cohort in the bundled CSV layout (one file per table); returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in TABLES.items():
        df = getattr(cohort, name)
        path = folder / table.filename
        df.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written
