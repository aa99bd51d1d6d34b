"""Write a cohort in the shapes clinics keep data: visit dates, or a REDCap export with its data dictionary.

For teaching and tests: ``sjia-explore simulate N OUT --format dates`` or
``--format redcap`` writes the synthetic registry (:mod:`sjia_explore.simulate`)
this way, and :func:`sjia_explore.load_cohort` reads it back. The dates are
made up (seeded): each patient's IL-1 start falls in 2020–2024, the onset is
``months_onset_to_treatment`` before it, and each visit is within three days of
its nominal week, so every visit falls in its default visit window.

Examples
--------
>>> import tempfile
>>> from sjia_explore import load_cohort
>>> from sjia_explore.simulate import registry
>>> folder = tempfile.mkdtemp()
>>> [p.name for p in write_redcap(registry(5, seed=2), folder)]
['SJIA_DATA_2026-01-01_0900.csv', 'SJIA_DataDictionary_2026-01-01.csv']
>>> load_cohort(folder).n_patients
5
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sjia_explore.cohort import Cohort
from sjia_explore.readers.timing import DAYS_PER_MONTH, DAYS_PER_WEEK

#: First possible IL-1 start date, and the span of start dates drawn after it, in days.
FIRST_START = dt.date(2020, 1, 1)
START_SPAN_DAYS = 5 * 365
#: Largest distance of a visit from its nominal day (inside every default window).
VISIT_JITTER_DAYS = 3
#: The data dictionary's columns, as REDCap writes them.
DICTIONARY_HEADER = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation"]
SEX_CODES = {"F": "1", "M": "2"}
SYMPTOMS = ("fever", "rash", "myalgia")


def _starts(cohort: Cohort, seed: int) -> dict[str, dt.date]:
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, START_SPAN_DAYS, len(cohort.patients))
    return {pid: FIRST_START + dt.timedelta(days=int(d)) for pid, d in zip(cohort.patients["patient_id"], offsets)}


def _visit_dates(cohort: Cohort, starts: dict[str, dt.date], seed: int) -> list[dt.date]:
    rng = np.random.default_rng(seed + 1)
    weeks = cohort.visits["week"].astype(int).to_numpy()
    jitter = rng.integers(-VISIT_JITTER_DAYS, VISIT_JITTER_DAYS + 1, len(weeks))
    jitter[weeks == 0] = np.abs(jitter[weeks == 0])  # a visit is never before the start
    return [starts[pid] + dt.timedelta(days=int(w * DAYS_PER_WEEK + j))
            for pid, w, j in zip(cohort.visits["patient_id"], weeks, jitter)]


def write_dates(cohort: Cohort, folder: str | Path, seed: int = 0) -> list[Path]:
    """The cohort as a clinic keeps it: visit dates, IL-1 start and onset dates, adverse events by date.

    ``months_onset_to_treatment`` becomes ``onset_date``, ``week`` becomes ``visit_date``
    (and the adverse events' ``week`` their ``onset_date``); the rest is as in
    :func:`sjia_explore.simulate.write_cohort`. Returns the files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    starts = _starts(cohort, seed)
    patients = cohort.patients.drop(columns=["months_onset_to_treatment"])
    months = cohort.patients["months_onset_to_treatment"].astype(float).fillna(0).to_numpy()
    patients.insert(2, "onset_date", [starts[pid] - dt.timedelta(days=int(round(m * DAYS_PER_MONTH)))
                                      for pid, m in zip(cohort.patients["patient_id"], months)])
    patients.insert(3, "il1_start_date", [starts[pid] for pid in cohort.patients["patient_id"]])
    visits = cohort.visits.drop(columns=["week"])
    visits.insert(1, "visit_date", _visit_dates(cohort, starts, seed))
    events = cohort.adverse_events.drop(columns=["week"])
    events.insert(1, "onset_date", [starts[pid] + dt.timedelta(days=int(round(float(w) * DAYS_PER_WEEK)))
                                    for pid, w in zip(cohort.adverse_events["patient_id"],
                                                      cohort.adverse_events["week"].astype(float).fillna(0))])
    written = []
    for name, frame in (("patients", patients), ("treatments", cohort.treatments), ("visits", visits),
                        ("adverse_events", events)):
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written


def _event(week: int) -> str:
    return "baseline_arm_1" if week == 0 else f"week_{week}_arm_1"


def _flag(value) -> str:
    return "" if pd.isna(value) else "1" if bool(value) else "0"


def _records(cohort: Cohort) -> pd.DataFrame:
    """One row per patient and event, then one per adverse event and treatment (repeating instruments)."""
    patients = cohort.patients.set_index("patient_id")
    rows = []
    for visit in cohort.visits.to_dict("records"):
        pid, week = visit["patient_id"], int(visit["week"])
        row = {"record_id": pid, "redcap_event_name": _event(week), "redcap_repeat_instrument": "",
               "redcap_repeat_instance": ""}
        if week == 0:
            p = patients.loc[pid]
            row.update({"study": p["study"], "sex": SEX_CODES.get(p["sex"], ""),
                        "disease_duration_months": p["months_onset_to_treatment"], "il1_blocker": p["treatment"],
                        "prior_mas": _flag(p["prior_mas"]), "baseline_complete": "2"})
        row.update({"joints": visit["active_joints"], "sjadas27": visit["sjadas27"],
                    "steroid_mg_kg_day": visit["steroid_mg_kg_day"], "crp": visit["crp_mg_l"],
                    "esr": visit["esr_mm_h"], "ferritin": visit["ferritin_ng_ml"],
                    "provenance": visit["provenance"], "visit_complete": "2"})
        for i, symptom in enumerate(SYMPTOMS, start=1):
            row[f"symptoms___{i}"] = _flag(visit[symptom]) or "0"
        rows.append(row)
    for instance, t in enumerate(cohort.treatments.to_dict("records"), start=1):
        rows.append({"record_id": t["patient_id"], "redcap_event_name": _event(0),
                     "redcap_repeat_instrument": "medications", "redcap_repeat_instance": instance,
                     "med_period": t["period"], "med_drug_class": t["drug_class"], "med_drug": t["drug"],
                     "med_received": _flag(t["received"])})
    for instance, e in enumerate(cohort.adverse_events.to_dict("records"), start=1):
        rows.append({"record_id": e["patient_id"], "redcap_event_name": _event(0),
                     "redcap_repeat_instrument": "adverse_events", "redcap_repeat_instance": instance,
                     "ae_term": e["term"], "ae_category": e["category"], "ae_serious": _flag(e["serious"]),
                     "ae_week": e["week"], "ae_provenance": e["provenance"]})
    return pd.DataFrame(rows, dtype=object)  # whole numbers stay whole


def _dictionary() -> pd.DataFrame:
    def field(name, form, kind, label, choices="", validation="", identifier=""):
        return [name, form, "", kind, label, choices, "", validation, "", "", identifier] + [""] * 7

    rows = [
        field("record_id", "baseline", "text", "Study code"),
        field("study", "baseline", "text", "Study"),
        field("sex", "baseline", "radio", "Sex", "1, Female | 2, Male"),
        field("disease_duration_months", "baseline", "text", "Months from onset to IL-1 blocker", "", "number"),
        field("il1_blocker", "baseline", "dropdown", "IL-1 blocker", "canakinumab, canakinumab | anakinra, anakinra"),
        field("prior_mas", "baseline", "yesno", "MAS before the IL-1 blocker"),
        field("joints", "visit", "text", "Active joints", "", "integer"),
        field("sjadas27", "visit", "text", "sJADAS27", "", "number"),
        field("steroid_mg_kg_day", "visit", "text", "Prednisone equivalent (mg/kg/day)", "", "number"),
        field("crp", "visit", "text", "CRP (mg/L)", "", "number"),
        field("esr", "visit", "text", "ESR (mm/h)", "", "number"),
        field("ferritin", "visit", "text", "Ferritin (ng/mL)", "", "number"),
        field("symptoms", "visit", "checkbox", "Symptoms", " | ".join(f"{i}, {s.capitalize()}"
                                                                      for i, s in enumerate(SYMPTOMS, start=1))),
        field("provenance", "visit", "text", "Provenance"),
        field("med_period", "medications", "text", "Period"),
        field("med_drug_class", "medications", "text", "Drug class"),
        field("med_drug", "medications", "text", "Drug"),
        field("med_received", "medications", "yesno", "Received"),
        field("ae_term", "adverse_events", "text", "Adverse event"),
        field("ae_category", "adverse_events", "text", "Category"),
        field("ae_serious", "adverse_events", "yesno", "Serious"),
        field("ae_week", "adverse_events", "text", "Week of onset", "", "number"),
        field("ae_provenance", "adverse_events", "text", "Provenance"),
    ]
    return pd.DataFrame(rows, columns=DICTIONARY_HEADER)


def write_redcap(cohort: Cohort, folder: str | Path) -> list[Path]:
    """The cohort as a REDCap export: a records CSV named as REDCap names it, and its data dictionary.

    Events ``baseline_arm_1`` and ``week_N_arm_1``; patient fields on the baseline
    row; sex as a radio field (1, Female | 2, Male); symptoms as a checkbox;
    treatments and adverse events as the repeating instruments ``medications`` and
    ``adverse_events``. Returns the files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    records, dictionary = folder / "SJIA_DATA_2026-01-01_0900.csv", folder / "SJIA_DataDictionary_2026-01-01.csv"
    _records(cohort).to_csv(records, index=False, lineterminator="\n")
    _dictionary().to_csv(dictionary, index=False, lineterminator="\n")
    return [records, dictionary]
