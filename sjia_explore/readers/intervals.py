"""Turn the date and day columns of a reading into intervals, then drop the dates (see :mod:`.timing`).

Examples
--------
>>> import pandas as pd
>>> from sjia_explore.readers.reading import Reading
>>> from sjia_explore.readers.timing import visit_windows
>>> r = Reading(layout="tables")
>>> r.frames["patients"] = pd.DataFrame({"patient_id": ["P1"], "il1_start_date": ["2024-01-10"],
...                                      "onset_date": ["2023-07-10"]})
>>> r.frames["visits"] = pd.DataFrame({"patient_id": ["P1", "P1", "P1"],
...                                    "visit_date": ["2024-01-10", "2024-02-09", "2024-02-19"]})
>>> r.row_numbers = {"patients": [2], "visits": [2, 3, 4]}
>>> r.labels = {"patients": "patients.csv", "visits": "visits.csv"}
>>> dates_to_intervals(r, visit_windows())
>>> r.frames["patients"].to_dict("records")
[{'patient_id': 'P1', 'months_onset_to_treatment': '6.045'}]
>>> r.frames["visits"]["week"].tolist(), r.frames["unscheduled_visits"][["study_day", "week"]].values.tolist()
(['0', '4'], [['40', '5.71']])
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sjia_explore.readers.dates import day_month_order, parse_dates
from sjia_explore.readers.reading import Reading, is_missing, short
from sjia_explore.readers.timing import (
    AE_DATE,
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    ONSET_DATE,
    START_DATE,
    STUDY_DAY,
    TIME_COLUMNS,
    VISIT_DATE,
    describe_windows,
    nominal_week,
)

#: Decimals kept: months from onset to treatment and exact weeks. Months are kept to 3 decimals, not to the
#: published tables' 1: whole days of 30.4375-day months come no closer than 0.001 month to a whole or half
#: month, so a child treated 364 days after onset (11.959 months) stays under a 12-month cut-off.
MONTH_DECIMALS = 3
EXACT_WEEK_DECIMALS = 2
AE_WEEK_DECIMALS = 1


def _ids(frame: pd.DataFrame) -> list[str]:
    if "patient_id" not in frame.columns:
        return [""] * len(frame)
    return frame["patient_id"].astype(str).str.strip().tolist()


def _header(reading: Reading, table: str, col: str) -> str:
    return reading.headers.get((table, col), col)


def _parse_all(reading: Reading) -> dict[tuple[str, str], list[dt.date | None]]:
    """Every date column of every table, read with the day/month order its file tells."""
    columns = [(t, c) for t, f in reading.frames.items() for c in (START_DATE, ONSET_DATE, VISIT_DATE, AE_DATE)
               if c in f.columns]
    by_file: dict[str, list[str]] = {}
    for table, col in columns:
        by_file.setdefault(reading.labels.get(table, table), []).extend(reading.frames[table][col].astype(str))
    out = {}
    for table, col in columns:
        label = reading.labels.get(table, table)
        order, conflict = day_month_order(by_file[label])
        texts = reading.frames[table][col].astype(str).tolist()
        parsed = parse_dates(texts, workbook=table in reading.workbook_tables, order=None if conflict else order)
        rows = reading.row_numbers.get(table, [])
        header = _header(reading, table, col)
        for i, why in parsed.errors.items():
            reading.problem(label, rows[i] if i < len(rows) else None, header, f'"{short(texts[i])}" {why}')
        if parsed.ambiguous:
            reading.problem(label, None, header, "these dates could be day/month/year or month/day/year (no day "
                            "above 12 in any date of this file tells which); write them as YYYY-MM-DD")
        out[table, col] = parsed.values
    return out


def _days(values: list[str], reading: Reading, table: str) -> list[int | None]:
    """A study-day column as whole days (``None`` when missing or wrong, with a problem)."""
    rows, label, header = reading.row_numbers.get(table, []), reading.labels.get(table, table), \
        _header(reading, table, STUDY_DAY)
    out: list[int | None] = []
    for i, text in enumerate(values):
        if is_missing(text):
            out.append(None)
            continue
        try:
            day = float(str(text).strip())
        except ValueError:
            day = -1.0
        if not day.is_integer() or day < 0:
            reading.problem(label, rows[i], header, f'"{short(text)}" is not a day since the IL-1 start '
                            "(a whole number, at least 0)")
            out.append(None)
        else:
            out.append(int(day))
    return out


def _patient_dates(reading: Reading, parsed) -> tuple[dict[str, dt.date], dict[str, dt.date]]:
    """Start and onset date of each patient, from the patients table."""
    patients = reading.frames.get("patients")
    start: dict[str, dt.date] = {}
    onset: dict[str, dt.date] = {}
    if patients is None or "patient_id" not in patients.columns:
        return start, onset
    ids = patients["patient_id"].astype(str).str.strip().tolist()
    for col, into in ((START_DATE, start), (ONSET_DATE, onset)):
        for pid, value in zip(ids, parsed.get(("patients", col), [])):
            if value is not None:
                into.setdefault(pid, value)
    return start, onset


def _months(reading: Reading, parsed, start: dict, onset: dict) -> list[str]:
    """``months_onset_to_treatment`` from the onset and start dates; what became what."""
    patients = reading.frames.get("patients")
    if patients is None or ONSET_DATE not in patients.columns:
        return []
    label, rows = reading.labels["patients"], reading.row_numbers["patients"]
    header = _header(reading, "patients", ONSET_DATE)
    given = patients["months_onset_to_treatment"].astype(str).tolist() \
        if "months_onset_to_treatment" in patients.columns else [""] * len(patients)
    out = []
    for i, pid in enumerate(patients["patient_id"].astype(str).str.strip()):
        began, first = start.get(pid), parsed[("patients", ONSET_DATE)][i]
        if not is_missing(given[i]) or first is None:
            out.append(given[i])
            continue
        if began is None:
            reading.problem(label, rows[i], header, f'patient "{short(pid)}" has an onset date but no IL-1 start '
                            "date, which is needed to give months_onset_to_treatment; add it "
                            "(il1_start_date)")
            out.append("")
        elif first > began:
            reading.problem(label, rows[i], header, "the onset date is after the IL-1 start date; check both")
            out.append("")
        else:
            out.append(str(round((began - first).days / DAYS_PER_MONTH, MONTH_DECIMALS)))
    patients = patients.copy()
    patients["months_onset_to_treatment"] = pd.Series(out, index=patients.index, dtype=object)
    reading.frames["patients"] = patients
    return [f'"{short(header)}" and the IL-1 start date → months_onset_to_treatment']


def _start_date_written(reading: Reading, table: str) -> set[str]:
    """Patients with an IL-1 start date written in the patients table or in ``table`` (read or not)."""
    out: set[str] = set()
    for name in dict.fromkeys(("patients", table)):
        frame = reading.frames.get(name)
        if frame is not None and START_DATE in frame.columns:
            out.update(pid for pid, text in zip(_ids(frame), frame[START_DATE].astype(str)) if not is_missing(text))
    return out


def _visit_start(reading: Reading, parsed, start: dict, table: str) -> list[dt.date | None]:
    frame = reading.frames[table]
    ids = _ids(frame)
    own = parsed.get((table, START_DATE))
    return [own[i] if own is not None and own[i] is not None else start.get(pid) for i, pid in enumerate(ids)]


def _study_days(reading: Reading, parsed, start: dict, onset: dict, table: str, date_col: str,
                what: str) -> list[int | None]:
    """Days since the start of each row of ``table`` (from a day column, else from the row's date)."""
    frame = reading.frames[table]
    label, rows = reading.labels.get(table, table), reading.row_numbers.get(table, [])
    days = _days(frame[STUDY_DAY].tolist(), reading, table) if STUDY_DAY in frame.columns else [None] * len(frame)
    dates = parsed.get((table, date_col), [None] * len(frame))
    starts = _visit_start(reading, parsed, start, table)
    ids = _ids(frame)
    header = _header(reading, table, date_col)
    # a start date that is there but could not be read (or is ambiguous) has been reported: not "no start date"
    told: set[str] = _start_date_written(reading, table)
    for i, when in enumerate(dates):
        if days[i] is not None or when is None:
            continue
        if starts[i] is None:
            if ids[i] not in told:
                told.add(ids[i])
                reading.problem(label, rows[i], header, f'patient "{short(ids[i])}" has no IL-1 start date '
                                f"(il1_start_date), which is needed to turn {what} dates into weeks; add it")
            continue
        if ids[i] in onset and when < onset[ids[i]]:
            reading.problem(label, rows[i], header, f"this {what} date is before the disease onset date; check both")
            continue
        day = (when - starts[i]).days
        if day < 0:
            reading.problem(label, rows[i], header, f"this {what} is {-day} day(s) before the IL-1 start date; "
                            "it must be on or after it (week 0 is the start)")
            continue
        days[i] = day
    return days


def _schedule(reading: Reading, days: list[int | None], windows) -> list[str]:
    """Nominal weeks of the visits; unscheduled ones (outside every window, or second in a window) moved out."""
    visits = reading.frames["visits"]
    label, rows = reading.labels["visits"], reading.row_numbers["visits"]
    header = _header(reading, "visits", VISIT_DATE if VISIT_DATE in visits.columns else STUDY_DAY)
    ids = _ids(visits)
    weeks: list[int | None] = [None if d is None else nominal_week(d, windows) for d in days]
    kept: dict[tuple[str, int], int] = {}
    for i, week in enumerate(weeks):
        if week is None:
            continue
        j = kept.get((ids[i], week))
        if j is None:
            kept[ids[i], week] = i
            continue
        near, far = (i, j) if abs(days[i] - week * DAYS_PER_WEEK) < abs(days[j] - week * DAYS_PER_WEEK) else (j, i)
        kept[ids[i], week] = near
        weeks[far] = None
        reading.warn(label, rows[far], header, f'patient "{short(ids[i])}" has two visits in the week-{week} window: '
                     f"rows {rows[min(i, j)]} and {rows[max(i, j)]}; row {rows[near]} (day {days[near]}) is nearest "
                     f"week {week} and was kept as week {week}, row {rows[far]} (day {days[far]}) is kept as an "
                     "unscheduled visit, out of the per-week summaries")
    off = [i for i, d in enumerate(days) if d is not None and weeks[i] is None]
    for i in off:
        if (ids[i], nominal_week(days[i], windows)) in kept and nominal_week(days[i], windows) is not None:
            continue  # warned about above, as the second visit in a window
        reading.warn(label, rows[i], header, f'patient "{short(ids[i])}": this visit (day {days[i]}, week '
                     f"{days[i] / DAYS_PER_WEEK:.1f}) is outside every visit window; it is kept for the patient's "
                     "own timeline, out of the per-week summaries")
    scheduled = [i for i, w in enumerate(weeks) if w is not None]
    if weeks and not scheduled and not off:  # every row's date had a problem, said above
        reading.emptied.add("visits")
    timed = visits.drop(columns=[c for c in TIME_COLUMNS if c in visits.columns])
    if off:
        extra = timed.iloc[off].copy()
        extra["study_day"] = [str(days[i]) for i in off]
        extra["week"] = [str(round(days[i] / DAYS_PER_WEEK, EXACT_WEEK_DECIMALS)) for i in off]
        reading.frames["unscheduled_visits"] = extra.reset_index(drop=True)
        reading.labels["unscheduled_visits"] = label
        reading.row_numbers["unscheduled_visits"] = [rows[i] for i in off]
        reading.header_rows["unscheduled_visits"] = reading.header_rows.get("visits", 1)
    out = timed.iloc[scheduled].copy()
    out["week"] = [str(weeks[i]) for i in scheduled]
    reading.frames["visits"] = out.reset_index(drop=True)
    reading.row_numbers["visits"] = [rows[i] for i in scheduled]
    return [f'"{short(header)}" → week (study day to the nominal week of its visit window: '
            f"{describe_windows(windows)})"]


def _ae_weeks(reading: Reading, parsed, start: dict, onset: dict) -> list[str]:
    events = reading.frames["adverse_events"]
    days = _study_days(reading, parsed, start, onset, "adverse_events", AE_DATE, "adverse event")
    given = events["week"].astype(str).tolist() if "week" in events.columns else [""] * len(events)
    events = events.copy()
    events["week"] = [g if not is_missing(g) or d is None else str(round(d / DAYS_PER_WEEK, AE_WEEK_DECIMALS))
                      for g, d in zip(given, days)]
    reading.frames["adverse_events"] = events
    header = _header(reading, "adverse_events", AE_DATE if AE_DATE in events.columns else STUDY_DAY)
    return [f'"{short(header)}" → week of onset']


def dates_to_intervals(reading: Reading, windows: tuple[tuple[int, int, int], ...]) -> None:
    """Dates and study days → intervals, in place on ``reading``; the dates dropped, with a warning per table.

    ``windows``: from :func:`sjia_explore.readers.timing.visit_windows`.
    """
    if not any(c in f.columns for f in reading.frames.values() for c in TIME_COLUMNS):
        return
    present = {table: [c for c in TIME_COLUMNS if c in frame.columns] for table, frame in reading.frames.items()}
    parsed = _parse_all(reading)
    start, onset = _patient_dates(reading, parsed)
    said: dict[str, list[str]] = {}
    said["patients"] = _months(reading, parsed, start, onset)
    if START_DATE in present.get("patients", []):
        said["patients"].append(f'"{short(_header(reading, "patients", START_DATE))}" → week 0 of visits and events')
    visits = reading.frames.get("visits")
    if visits is not None and (VISIT_DATE in visits.columns or STUDY_DAY in visits.columns):
        if "week" in visits.columns:
            reading.warn(reading.labels["visits"], None, "week", "visits have both a week and a visit date or day: "
                         "the week column was used")
        else:
            days = _study_days(reading, parsed, start, onset, "visits", VISIT_DATE, "visit")
            said["visits"] = _schedule(reading, days, windows)
    events = reading.frames.get("adverse_events")
    if events is not None and (AE_DATE in events.columns or STUDY_DAY in events.columns):
        said["adverse_events"] = _ae_weeks(reading, parsed, start, onset)
    for table, dropped in present.items():
        frame = reading.frames[table]
        reading.frames[table] = frame.drop(columns=[c for c in dropped if c in frame.columns])
        exact = [f'"{short(_header(reading, table, c))}"' for c in dropped if c != STUDY_DAY]
        if exact:
            what = "; ".join(said.get(table, [])) or "not needed: the table gives them already"
            reading.warn(reading.labels.get(table, table), None, None,
                         f"exact dates are identifiers: the dates in {', '.join(exact)} were used only to compute "
                         f"intervals ({what}) and then dropped; they are never kept, shown or exported")
