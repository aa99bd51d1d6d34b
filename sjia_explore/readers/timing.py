"""Dates to intervals: visit dates to nominal weeks by visit windows, onset to months, adverse events to weeks.

A clinic keeps dates, the cohort keeps intervals. With the IL-1 start date of
each patient (``il1_start_date`` or a synonym, in the patients table or on each
visit row), a visit's date (or a ``study_day`` column) gives its study day, and
the study day gives the nominal week of the visit window it falls in
(:data:`DEFAULT_VISIT_WINDOWS`, or ``visit_windows=``). ``onset_date`` with the
start date gives ``months_onset_to_treatment`` (30.4375-day months, one
decimal); an adverse event's onset date (or day) gives its week. Then the dates
are dropped, with a warning saying which became what: exact dates are
identifiers and are never kept, shown or exported.

A visit outside every window is kept for the patient's own timeline, as its
exact week, in the table ``unscheduled_visits`` (never in ``visits``, so it is in
no per-week summary); two visits in one window: the one nearest the nominal week
is kept as that week, the other is unscheduled; both are warned about.

Examples
--------
>>> windows = visit_windows({0: 1, 4: 1, 12: (10, 14)})
>>> [nominal_week(day, windows) for day in (0, 30, 45, 84)]
[0, 4, None, 12]
>>> describe_windows(windows)
'week 0 (days 0–7), week 4 (days 21–35), week 12 (days 70–98)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sjia_explore.schema import normalise_header

#: Internal names of the date and day columns read (never schema columns: dropped after use).
VISIT_DATE, START_DATE, ONSET_DATE, AE_DATE, STUDY_DAY = (
    "visit_date", "il1_start_date", "onset_date", "ae_onset_date", "study_day")
TIME_COLUMNS = (VISIT_DATE, START_DATE, ONSET_DATE, AE_DATE, STUDY_DAY)

#: Header spellings (after :func:`~sjia_explore.schema.normalise_header`) of each date or day column.
START_HEADERS = frozenset({
    "il1_start_date", "il_1_start_date", "il1_start", "il_1_start", "il1_blocker_start_date",
    "il_1_blocker_start_date", "treatment_start_date", "treatment_start", "start_date", "date_of_first_dose",
    "first_dose_date", "biologic_start_date", "start_of_treatment", "date_treatment_start", "date_started",
    "canakinumab_start_date", "anakinra_start_date", "rilonacept_start_date", "week_0_date", "baseline_date"})
ONSET_HEADERS = frozenset({
    "onset_date", "disease_onset_date", "date_of_onset", "date_of_disease_onset", "onset_dt", "sjia_onset_date",
    "date_onset", "symptom_onset_date", "date_of_sjia_onset"})
VISIT_DATE_HEADERS = frozenset({
    "visit_date", "date_of_visit", "visit_dt", "visitdate", "assessment_date", "date_of_assessment", "exam_date",
    "examination_date", "date"})
STUDY_DAY_HEADERS = frozenset({
    "study_day", "days_since_start", "days_from_start", "days_since_treatment_start", "treatment_day",
    "day_of_treatment", "day", "days", "visit_day", "study_day_number"})
AE_DATE_HEADERS = frozenset({
    "ae_onset_date", "onset_date", "ae_date", "event_date", "date_of_onset", "ae_start_date", "start_date",
    "date", "date_of_event"})
AE_DAY_HEADERS = frozenset({"study_day", "onset_day", "ae_day", "days_since_start", "day", "ae_onset_day"})

#: Days per week and per month (the mean Gregorian month: 365.25 / 12).
DAYS_PER_WEEK = 7
DAYS_PER_MONTH = 30.4375
#: Default visit windows, in weeks since the start, from the schedule 0, 4, 8, 12, 24 (Qiu 2024):
#: each visit ± a quarter of its time from the start, at least 1 week (baseline: days 0–7).
DEFAULT_VISIT_WINDOWS: dict[int, tuple[float, float]] = {0: (0, 1), 4: (3, 5), 8: (6, 10), 12: (10, 14),
                                                         24: (20, 28)}


def time_target(header: str, tables: tuple[str, ...]) -> tuple[str, str] | None:
    """Where a date or day column goes, ``(table, internal name)``; ``None`` when ``header`` is not one.

    The start and onset dates belong to the patient (on each visit row when there is
    no patients table); a visit date and a study day to the visit; an adverse event's
    onset date or day to the event.

    Examples
    --------
    >>> time_target("IL-1 start date", ("visits", "patients")), time_target("Visit date", ("visits",))
    (('patients', 'il1_start_date'), ('visits', 'visit_date'))
    >>> time_target("Onset date", ("adverse_events",)), time_target("Date of birth", ("patients",))
    (('adverse_events', 'ae_onset_date'), None)
    """
    norm = normalise_header(header)
    if "adverse_events" in tables:
        if norm in AE_DATE_HEADERS:
            return "adverse_events", AE_DATE
        if norm in AE_DAY_HEADERS:
            return "adverse_events", STUDY_DAY
        return None
    patient_table = "patients" if "patients" in tables else "visits" if "visits" in tables else None
    if patient_table and norm in START_HEADERS:
        return patient_table, START_DATE
    if patient_table and norm in ONSET_HEADERS:
        return patient_table, ONSET_DATE
    if "visits" in tables and norm in VISIT_DATE_HEADERS:
        return "visits", VISIT_DATE
    if "visits" in tables and norm in STUDY_DAY_HEADERS:
        return "visits", STUDY_DAY
    return None


def visit_windows(spec: Mapping | None = None) -> tuple[tuple[int, int, int], ...]:
    """Visit windows as ``(nominal week, first day, last day)``, sorted; from weeks.

    Parameters
    ----------
    spec
        Nominal week -> half-width in weeks (``{4: 1}``: weeks 3 to 5) or
        ``(earliest, latest)`` week (``{0: (0, 1)}``). ``None``:
        :data:`DEFAULT_VISIT_WINDOWS`. Days are whole days, both ends included.

    Raises
    ------
    ValueError
        When a week or a width is not a number, a window does not hold its nominal
        week, or a window starts before week 0.

    Examples
    --------
    >>> visit_windows({8: 2, 0: (0, 0.5)})
    ((0, 0, 4), (8, 42, 70))
    """
    spec = DEFAULT_VISIT_WINDOWS if spec is None else spec
    if not isinstance(spec, Mapping) or not spec:
        raise ValueError("visit_windows must map each nominal week to a half-width in weeks (4: 1) "
                         "or to its earliest and latest week (4: (3, 5))")
    out = []
    for week, width in spec.items():
        try:
            nominal = float(week)
            if isinstance(width, (tuple, list)):
                low, high = (float(w) for w in width)
            else:
                low, high = nominal - float(width), nominal + float(width)
        except (TypeError, ValueError):
            raise ValueError(f"visit window {week!r}: {width!r} is not a half-width in weeks or an "
                             "(earliest, latest) pair of weeks") from None
        if not nominal.is_integer() or not all(map(math.isfinite, (low, high))):
            raise ValueError(f"visit window {week!r}: the nominal week must be a whole number and its ends finite")
        if not low <= nominal <= high:
            raise ValueError(f"visit window for week {nominal:g}: weeks {low:g} to {high:g} "
                             f"do not hold week {nominal:g}")
        out.append((int(nominal), max(0, round(low * DAYS_PER_WEEK)), round(high * DAYS_PER_WEEK)))
    return tuple(sorted(out))


def parse_visit_windows(text: str) -> dict[int, float | tuple[float, float]]:
    """Visit windows from the command line: ``"0=0-1,4=1,8=2"`` (a half-width, or earliest-latest weeks).

    Examples
    --------
    >>> parse_visit_windows("0=0-1, 4=1,24=20-28")
    {0: (0.0, 1.0), 4: 1.0, 24: (20.0, 28.0)}
    """
    out: dict[int, float | tuple[float, float]] = {}
    for part in str(text).split(","):
        if not part.strip():
            continue
        week, sep, width = part.partition("=")
        try:
            if not sep:
                raise ValueError
            low, dash, high = width.strip().partition("-")
            out[int(week)] = (float(low), float(high)) if dash else float(width)
        except ValueError:
            raise ValueError(f'"{part.strip()}" is not a visit window: write WEEK=HALF_WIDTH (4=1) or '
                             "WEEK=EARLIEST-LATEST in weeks (0=0-1)") from None
    return out


def nominal_week(day: int, windows: tuple[tuple[int, int, int], ...]) -> int | None:
    """The nominal week whose window holds ``day`` (the nearest one when windows overlap; the earlier at a tie)."""
    best = None
    for week, first, last in windows:
        if first <= day <= last:
            distance = abs(day - week * DAYS_PER_WEEK)
            if best is None or distance < best[0]:
                best = (distance, week)
    return None if best is None else best[1]


def time_point_week(unit: str, n: int, windows: tuple[tuple[int, int, int], ...] | None = None) -> int:
    """The week of a time point named by a number of ``"weeks"``, ``"months"`` or ``"days"``.

    Weeks are taken as written. Months (30.4375 days) and days go to the nominal
    week of the visit window they fall in (``windows``, default
    :data:`DEFAULT_VISIT_WINDOWS`), else to the nearest whole week.

    Examples
    --------
    >>> time_point_week("weeks", 10), time_point_week("months", 3), time_point_week("days", 28)
    (10, 12, 4)
    >>> time_point_week("months", 18)  # day 548, outside every default window
    78
    """
    if unit == "weeks":
        return int(n)
    days = n * DAYS_PER_MONTH if unit == "months" else float(n)
    nominal = nominal_week(round(days), windows if windows is not None else visit_windows())
    return nominal if nominal is not None else int(round(days / DAYS_PER_WEEK))


def describe_windows(windows: tuple[tuple[int, int, int], ...]) -> str:
    """The windows in words (days since the start, both ends included), and where windows share days, which
    week such a day goes to (:func:`nominal_week`).

    Examples
    --------
    >>> describe_windows(visit_windows({8: 2, 12: 2})).split("; ")
    ['week 8 (days 42–70), week 12 (days 70–98)', 'a day in two windows goes to the nearer nominal week (the \
earlier at a tie)']
    """
    words = ", ".join(f"week {week} (days {first}–{last})" for week, first, last in windows)
    ordered = sorted(windows, key=lambda w: w[1])
    if any(later[1] <= earlier[2] for earlier, later in zip(ordered, ordered[1:])):
        words += "; a day in two windows goes to the nearer nominal week (the earlier at a tie)"
    return words
