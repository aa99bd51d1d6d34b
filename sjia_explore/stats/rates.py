"""Safety: adverse-event counts and exposure-adjusted rates with exact Poisson intervals."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sjia_explore.conventions import ABSENT

from ._common import CI_LEVEL, MONTHS_PER_YEAR, PATIENT_YEARS_UNIT, _as_float, _group_label, _joined, _require


def poisson_rate_ci(events: int, patient_years: float, ci_level: float = CI_LEVEL,
                    per: float = PATIENT_YEARS_UNIT) -> tuple[float, float, float]:
    """Event rate per ``per`` patient-years with its exact Poisson interval (chi-square method).

    lower = χ²(α/2; 2k) / 2, upper = χ²(1 − α/2; 2k + 2) / 2 events, each
    divided by the patient-years (lower = 0 when k = 0).

    Parameters
    ----------
    events
        Number of events k.
    patient_years
        Total time at risk, in years.
    ci_level
        Coverage (default 0.95).
    per
        Rate unit (default 100 patient-years).

    Returns
    -------
    tuple of float
        ``(rate, ci_low, ci_high)`` per ``per`` patient-years.

    Examples
    --------
    >>> [round(v, 1) for v in poisson_rate_ci(20, 11 * 0.5)]
    [363.6, 222.1, 561.6]
    """
    from scipy import stats as st

    if patient_years <= 0:
        raise ValueError(f"patient_years must be above 0, not {patient_years!r}")
    alpha = 1 - ci_level
    lo = 0.0 if events == 0 else st.chi2.ppf(alpha / 2, 2 * events) / 2
    hi = st.chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    scale = per / patient_years
    return events * scale, float(lo * scale), float(hi * scale)


AE_COLUMNS = ["group", "n_patients", "n_events", "n_patients_with_event", "percent_patients_with_event",
              "patient_years", "rate_per_100_py", "ci_low", "ci_high", "note", "window"]
#: The datapackage.json key (in each ``sources`` entry) holding a study's adverse-event recording window.
WINDOW_KEY = "sjia:adverse_event_window"
#: Said as the window when patient-years come from each patient's time on the drug.
EXPOSURE_WINDOW = "each patient's time on the drug (exposure_months)"


class NoRecordingWindowWarning(UserWarning):
    """An adverse-event rate was computed without a known recording window (from time on the drug)."""


def describe_window(window: dict) -> str:
    """``weeks 1–24 (0.5 years per patient)`` for a window read by :func:`recording_windows`."""
    weeks = f"weeks {window['first_week']:g}–{window['last_week']:g}"
    return f"{weeks} ({window['years_per_patient']:g} years per patient)"


def _package_path(package: str | Path | None) -> Path:
    if package is None:
        from sjia_explore.data import bundled_data_dir

        package = bundled_data_dir()
    path = Path(package)
    return path / "datapackage.json" if path.is_dir() else path


def _package_descriptor(package: str | Path | None) -> dict:
    """A ``datapackage.json`` as a dict (empty when there is none)."""
    path = _package_path(package)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot be read as JSON ({err}); fix or remove the file") from None


def recording_windows(package: str | Path | None = None) -> dict[str, dict]:
    """Each study's adverse-event recording window, as its ``datapackage.json`` records it.

    Parameters
    ----------
    package
        A ``datapackage.json`` file, or the folder holding one; default: the
        bundled data's. Studies are the ``sjia:key`` of its ``sources``; the
        window is their ``sjia:adverse_event_window`` (``first_week``,
        ``last_week``, ``years_per_patient``, ``basis``).

    Returns
    -------
    dict
        Study -> window; studies without a recorded window are absent.

    Examples
    --------
    >>> w = recording_windows()["qiu2024"]
    >>> describe_window(w)
    'weeks 1–24 (0.5 years per patient)'
    """
    path = _package_path(package)
    descriptor = _package_descriptor(path)
    out = {}
    for source in descriptor.get("sources", []):
        window = source.get(WINDOW_KEY)
        if isinstance(window, dict) and "sjia:key" in source:
            try:
                out[str(source["sjia:key"])] = {"first_week": float(window["first_week"]),
                                                "last_week": float(window["last_week"]),
                                                "years_per_patient": float(window["years_per_patient"]),
                                                "basis": str(window.get("basis", ""))}
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{path}: the {WINDOW_KEY} of source {source['sjia:key']} needs numbers "
                                 "first_week, last_week and years_per_patient") from None
    return out


#: Statuses (in a data package's ``sjia:provenance``, or :meth:`sjia_explore.Cohort.column_provenance`) saying a
#: study's adverse events were never collected: its patients are no denominator.
UNRECORDED_STATUSES = ABSENT


def unrecorded_studies(package: str | Path | None = None) -> dict[str, str]:
    """Studies whose adverse events a ``datapackage.json`` marks as not reported (or not recorded).

    Parameters
    ----------
    package
        A ``datapackage.json`` file, or the folder holding one; default: the bundled data's.

    Returns
    -------
    dict
        Study -> status, from the ``sjia:provenance`` of the ``adverse_events`` resource's
        ``patient_id`` field.

    Examples
    --------
    >>> unrecorded_studies()
    {'vastert2011': 'not reported'}
    """
    descriptor = _package_descriptor(package)
    for resource in descriptor.get("resources", []):
        if resource.get("name") != "adverse_events":
            continue
        for column in (resource.get("schema") or {}).get("fields", []):
            if column.get("name") == "patient_id":
                marks = column.get("sjia:provenance") or {}
                return {str(k): str(v) for k, v in marks.items() if v in UNRECORDED_STATUSES}
    return {}


def adverse_event_summary(adverse_events: pd.DataFrame, patients: pd.DataFrame,
                          follow_up_years: float | pd.Series | None = None, by: str | None = None,
                          subject: str = "patient_id", windows: dict[str, dict] | None = None,
                          study: str = "study", not_recorded: dict[str, str] | None = None) -> pd.DataFrame:
    """Adverse events: count, patients with at least one, and the exposure-adjusted rate.

    Parameters
    ----------
    adverse_events
        One row per event, with ``subject``. Not changed.
    patients
        One row per patient at risk (the denominator). Not changed.
    follow_up_years
        Time at risk: one number for every patient, or a Series of years
        indexed by patient. ``None`` (default): each patient's study's
        adverse-event recording window (``windows``; for the bundled Qiu 2024
        data weeks 1–24, counted as 0.5 years as the paper did); for a study
        with no known window, ``patients["exposure_months"] / 12`` (time on
        drug), with a :class:`NoRecordingWindowWarning` (events recorded over
        part of the exposure would then be diluted).
    by
        Event column to break the counts down by (e.g. ``"term"`` or
        ``"category"``); a first row ``"all adverse events"`` is always given.
    subject
        Patient column.
    windows
        Study -> recording window, as from :func:`recording_windows` (default:
        the bundled datapackage.json's).
    study
        Patient column naming each patient's study.
    not_recorded
        Study -> why its adverse events are absent (``"not reported"``, ``"not recorded"``):
        its patients are left out of the count and the patient-years, and the note says
        so; no event is ever counted as 0 where none were collected. Default: the
        bundled datapackage.json's (:func:`unrecorded_studies`). For your own files use
        :meth:`sjia_explore.Cohort.adverse_event_summary`, which knows whether they held
        an adverse-events table.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group``, ``n_patients`` (at risk),
        ``n_events``, ``n_patients_with_event``,
        ``percent_patients_with_event``, ``patient_years``,
        ``rate_per_100_py``, ``ci_low``, ``ci_high`` (exact Poisson 95%),
        ``note``, ``window`` (the time at risk the rate is over, in words,
        to be printed with the rate). Events of patients not in ``patients`` are left out and
        counted in the note.

    Examples
    --------
    >>> import pandas as pd
    >>> patients = pd.DataFrame({"patient_id": [f"P{i}" for i in range(11)]})
    >>> events = pd.DataFrame({"patient_id": ["P0"] * 13 + [f"P{i}" for i in range(1, 8)]})
    >>> r = adverse_event_summary(events, patients, follow_up_years=0.5).iloc[0]
    >>> int(r["n_events"]), int(r["n_patients_with_event"]), round(float(r["rate_per_100_py"]))
    (20, 8, 364)

    Patients of a study that did not collect adverse events are no denominator:

    >>> patients = pd.DataFrame({"patient_id": ["A", "B"], "study": ["mine", "theirs"]})
    >>> r = adverse_event_summary(events.iloc[:0], patients, follow_up_years=1,
    ...                           not_recorded={"theirs": "not reported"}).iloc[0]
    >>> int(r["n_patients"]), r["note"].split("; ")[0]
    (1, '1 patient of theirs left out: adverse events not reported')
    """
    _require(patients, [subject], "patients")
    _require(adverse_events, [subject] + ([by] if by else []), "adverse events")
    notes = []
    if not_recorded is None:
        not_recorded = unrecorded_studies() if study in patients.columns else {}
    left_out = None
    if not_recorded and study in patients.columns:
        unrecorded = patients[study].astype(object).isin(list(not_recorded)).to_numpy()
        if unrecorded.any():
            left_out = patients.loc[unrecorded]
            patients = patients.loc[~unrecorded]
            for name, mine in left_out.groupby(left_out[study].astype(str), sort=True):
                k = int(mine[subject].nunique())
                notes.append(f"{k} patient{'s' if k != 1 else ''} of {name} left out: adverse events "
                             f"{not_recorded.get(name, 'not recorded')}")
    ids = pd.Index(patients[subject].drop_duplicates())
    if left_out is not None and ids.empty:
        return pd.DataFrame([{"group": "all adverse events", "n_patients": 0, "n_events": np.nan,
                              "n_patients_with_event": np.nan, "percent_patients_with_event": np.nan,
                              "patient_years": np.nan, "rate_per_100_py": np.nan, "ci_low": np.nan,
                              "ci_high": np.nan, "note": _joined(*notes, "nothing to count"),
                              "window": ""}], columns=AE_COLUMNS)
    if follow_up_years is None:
        years, window_text = _years_from_windows(patients, subject, study, windows)
        notes.append(f"patient-years from {window_text}")
    elif isinstance(follow_up_years, pd.Series):
        years = follow_up_years.astype(float)
        window_text = "the follow-up given per patient"
    else:
        years = pd.Series(float(follow_up_years), index=ids)
        window_text = f"{float(follow_up_years):g} years of follow-up per patient (given)"
        notes.append(window_text)
    years = years.reindex(ids)
    if years.isna().any():
        k = int(years.isna().sum())
        notes.append(f"{k} patient{'s' if k != 1 else ''} without follow-up time left out of patient-years")
    py = float(years.sum(skipna=True))
    events = adverse_events.loc[adverse_events[subject].isin(ids)]
    outside = len(adverse_events) - len(events)
    if outside:
        notes.append(f"{outside} event{'s' if outside != 1 else ''} of patients not in the table left out")
    groups = [("all adverse events", events)]
    if by:
        for level, g in events.groupby(by, sort=True, dropna=False):
            groups.append((_group_label(level) or "not recorded", g))
    rows = []
    for label, g in groups:
        k = len(g)
        with_event = int(g[subject].nunique())
        row = {"group": label, "n_patients": len(ids), "n_events": k, "n_patients_with_event": with_event,
               "percent_patients_with_event": 100 * with_event / len(ids) if len(ids) else np.nan,
               "patient_years": py, "rate_per_100_py": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "note": _joined(*notes), "window": window_text}
        if py > 0:
            rate, lo, hi = poisson_rate_ci(k, py)
            row.update({"rate_per_100_py": rate, "ci_low": lo, "ci_high": hi})
        else:
            row["note"] = _joined(row["note"], "no follow-up time: no rate")
        rows.append(row)
    return pd.DataFrame(rows, columns=AE_COLUMNS)


def _years_from_windows(patients: pd.DataFrame, subject: str, study: str, windows) -> tuple[pd.Series, str]:
    """Years at risk per patient from each study's recording window; time on drug where none is known."""
    ids = patients[subject]
    studies = (patients[study].astype(object) if study in patients.columns
               else pd.Series([None] * len(patients), index=patients.index, dtype=object))
    studies = studies.where(studies.notna(), None)
    if windows is None:
        windows = recording_windows() if study in patients.columns else {}
    years = pd.Series(np.nan, index=ids.to_numpy(), dtype=float)
    texts, unknown = [], []
    several = len(set(studies.tolist())) > 1
    for label in dict.fromkeys(studies.tolist()):
        mine = (studies == label).to_numpy() if label is not None else studies.isna().to_numpy()
        window = windows.get(label) if label is not None else None
        if window is not None:
            years.iloc[mine] = window["years_per_patient"]
            texts.append(describe_window(window) + (f" for {label}" if several else ""))
            continue
        unknown.append("unlabelled patients" if label is None else str(label))
        _require(patients, ["exposure_months"], "patients")
        years.iloc[mine] = _as_float(patients.loc[mine, "exposure_months"], "exposure_months") / MONTHS_PER_YEAR
        texts.append(EXPOSURE_WINDOW + (f" for {label}" if several else ""))
    if unknown:
        warnings.warn(f"no adverse-event recording window is known for {', '.join(unknown)}: patient-years are "
                      "each patient's time on the drug (exposure_months), which dilutes the rate if events were "
                      "recorded over part of it; give follow_up_years= (years per patient) or windows=",
                      NoRecordingWindowWarning, stacklevel=3)
    return years.groupby(level=0).first(), "; ".join(texts)
