"""The steroids-and-safety section: tapering among patients on corticosteroid at week 0, and adverse events."""

from __future__ import annotations

import warnings

import pandas as pd

from sjia_explore import plots, published
from sjia_explore.app.compute.context import Context, has_values
from sjia_explore.app.model import AdverseEventsModel, SafetyModel, SteroidModel
from sjia_explore.app.vocabulary import MAX_WEEK, study_label
from sjia_explore.cohort import Cohort, baseline_steroid

#: What the section depends on.
INPUTS = ("selection", "dark")
STEROID = "steroid_mg_kg_day"


def steroid(ctx: Context) -> SteroidModel:
    """Who was on corticosteroid at week 0, and how they came off it."""
    from sjia_explore import stats

    selected = ctx.selected
    visits = selected.visits
    visits = visits[pd.to_numeric(visits["week"], errors="coerce") <= MAX_WEEK]
    on_week0 = baseline_steroid(visits) if has_values(visits, STEROID) else pd.Series(dtype="boolean")
    on_ids = sorted(set(on_week0[on_week0.fillna(False).astype(bool)].index), key=str)
    n_known = int(on_week0.notna().sum())
    base = dict(n_on=len(on_ids), n_known=n_known, n_unknown=selected.n_patients - n_known,
                not_reported_by=tuple(study_label(s) for s in selected.absent_studies("visits", STEROID)),
                reconstructed=selected.is_reconstructed("visits", columns=[STEROID]), up_to_week=max(ctx.options.weeks))
    if not on_ids:
        return SteroidModel(**base)
    mine = visits[visits["patient_id"].isin(on_ids)]
    per_visit = stats.steroid_free(mine)
    km = stats.time_to_steroid_free(mine)
    dose = stats.cumulative_steroid_dose(mine, up_to_week=max(ctx.options.weeks))
    spec = plots.steroid_free_spec(per_visit, km, reconstructed=base["reconstructed"], weeks=ctx.options.weeks,
                                   dark=ctx.dark)
    return SteroidModel(**base, spec=spec, per_visit=per_visit, km=km, cumulative=dose["cumulative_mg_kg"].dropna())


def adverse_events(selected: Cohort) -> AdverseEventsModel:
    """Adverse events per study: counts, patients with one or more, and the rate per 100 patient-years."""
    from sjia_explore import stats

    events_all = selected.adverse_events
    absent = selected.absent_studies("adverse_events", "patient_id")
    reconstructed_studies = set(selected.provenance_studies("adverse_events", "reconstructed"))
    raw, notes = [], []
    for study in selected.studies:
        patients = selected.patients[selected.patients["study"] == study]
        label = study_label(study)
        if study in absent:
            raw.append({"study": study, "n_patients": len(patients), "status": absent[study]})
            continue
        events = events_all[events_all["patient_id"].isin(patients["patient_id"])]
        with warnings.catch_warnings(record=True) as caught:  # said in the note below, not as a warning
            warnings.simplefilter("always", stats.NoRecordingWindowWarning)
            r = stats.adverse_event_summary(events, patients, not_recorded={}).iloc[0]  # absent: above
        no_window = any(issubclass(w.category, stats.NoRecordingWindowWarning) for w in caught)
        serious = int(events["serious"].fillna(False).astype(bool).sum()) if "serious" in events else 0
        rec = bool("provenance" in events.columns and (events["provenance"] == "reconstructed").any()) \
            or study in reconstructed_studies
        raw.append({"study": study, "n_patients": int(r["n_patients"]), "n_events": int(r["n_events"]),
                    "n_patients_with_event": int(r["n_patients_with_event"]),
                    "percent_patients_with_event": r["percent_patients_with_event"], "serious": serious,
                    "patient_years": r["patient_years"], "patient_years_counted_as": r["window"],
                    "rate_per_100_py": r["rate_per_100_py"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                    "status": "reconstructed" if rec else "as recorded"})
        if study == published.QIU2024.key:
            notes.append(f"{label}: the paper reports {published.N_AE} adverse events in "
                         f"{published.N_PATIENTS_WITH_AE} of {published.N_PATIENTS} patients over 24 weeks, "
                         f"{published.AE_RATE_PER_100_PY.printed}. The rate counts each patient over "
                         f"{r['window']}, as the paper counted, although patients stayed on the drug longer.")
        elif no_window:
            notes.append(f"{label}: no recording window for adverse events is known, so patient-years are each "
                         "patient's time on the drug; if events were recorded over a shorter window, the rate is "
                         "too low.")
    by_term = None
    if len(events_all) and "term" in events_all.columns:
        by_term = events_all.groupby(events_all["term"].fillna("not recorded").astype(str)).agg(
            events=("patient_id", "size"), patients=("patient_id", "nunique")).reset_index()
        by_term = by_term.sort_values(["events", "term"], ascending=[False, True])
    return AdverseEventsModel(table=pd.DataFrame(raw), notes=tuple(notes), by_term=by_term)


def compute(ctx: Context) -> SafetyModel:
    """The section's model."""
    return SafetyModel(steroid=steroid(ctx), adverse_events=adverse_events(ctx.selected))
