"""Wide tables: one row per patient and a column per visit (``joints_wk12``, ``esr_week_24``, ``sjadas27_m3``).

Registries and trial spreadsheets often keep follow-up this way. A column is a
visit column when its header is a visits measure (through the usual synonyms,
underscores optional: ``activejoints``) followed by a time point: weeks
(``_w12``, ``_wk12``, ``_week_12``), months (``_m3``, ``_month3``) or days
(``_d28``), which go to their week as REDCap event names do
(:func:`sjia_explore.readers.timing.time_point_week`), or a visit number
(``_t1``, ``_v2``), which counts along the visit schedule (``t0``/``t1`` is the
first visit, whichever number the columns start from). The sheet becomes the
long layout (a row per patient and visit); problems still name the source
row and column (``cohort.csv:3:joints_wk12: ...``).

Examples
--------
>>> wide_column("joints_wk12"), wide_column("ESR week 24"), wide_column("sjadas27_m3"), wide_column("crp_t1")
(('active_joints', 'weeks', 12), ('esr_mm_h', 'weeks', 24), ('sjadas27', 'months', 3), ('crp_mg_l', 'visit', 1))
>>> wide_column("wbc_gt_15000") is None, wide_column("age_at_onset") is None
(True, True)
"""

from __future__ import annotations

import re

from sjia_explore.readers.reading import Reading, Sheet, short
from sjia_explore.readers.timing import time_point_week, time_target
from sjia_explore.schema import SYNONYMS, TABLES, canonical_column, normalise_header

_TIME_POINT = re.compile(r"(.+?)_?_(?:(w|wk|week|weeks)|(m|mo|month|months)|(d|day|days)|(t|v|visit|tp))_?(\d+)")
_UNITS = ("weeks", "months", "days", "visit")
#: Visits measures by their header with the underscores taken out (``activejoints`` → ``active_joints``).
_COMPACT = {k.replace("_", ""): v for k, v in {**{n: n for n in TABLES["visits"].names},
                                                 **SYNONYMS["visits"]}.items()}
_NOT_MEASURES = ("patient_id", "week", "provenance")


def wide_column(header: str) -> tuple[str, str, int] | None:
    """``(visits column, unit, number)`` of a wide visit column; ``None`` when ``header`` is not one."""
    m = _TIME_POINT.fullmatch(normalise_header(header))
    if not m:
        return None
    measure = m.group(1)
    column = canonical_column(measure, "visits") or _COMPACT.get(measure.replace("_", ""))
    if column is None or column in _NOT_MEASURES:
        return None
    unit = next(u for u, g in zip(_UNITS, m.groups()[1:5]) if g)
    return column, unit, int(m.group(6))


def is_wide(sheet: Sheet) -> bool:
    """True when the sheet has visit columns and no week, visit date or study day column."""
    for header in sheet.header:
        if canonical_column(header, "visits") == "week" or time_target(header, ("visits",)):
            return False
    return any(wide_column(h) for h in sheet.header)


def to_long(sheet: Sheet, reading: Reading, windows: tuple[tuple[int, int, int], ...]) -> Sheet:
    """The wide sheet as a long one: each patient row repeated per time point, with ``week`` and the measures.

    ``reading.source_columns`` records, per long row and measure, the wide header it came
    from, so that problems name the source column.
    """
    found = {j: wide_column(h) for j, h in enumerate(sheet.header)}
    wide = {j: f for j, f in found.items() if f}
    schedule = [w for w, _, _ in windows]
    visit_numbers = sorted({n for _, unit, n in wide.values() if unit == "visit"})
    said = []
    week_of: dict[int, int] = {}
    for j, (column, unit, n) in wide.items():
        if unit == "visit":
            index = visit_numbers.index(n)
            week = schedule[index] if index < len(schedule) else None
            if week is None:
                reading.problem(sheet.label, sheet.header_row, sheet.header[j], f"visit {n} is past the "
                                f"{len(schedule)} visits of the schedule ({', '.join(map(str, schedule))}); "
                                "name the column by its week instead (e.g. _wk52)")
                continue
        else:
            week = time_point_week(unit, n, windows)
        week_of[j] = week
        said.append(f"{short(sheet.header[j])} → {column} at week {week}")
    points: dict[int, list[tuple[int, str]]] = {}  # week -> (header index, measure) of its columns
    for j, week in week_of.items():
        points.setdefault(week, []).append((j, wide[j][0]))
    base = [j for j in range(len(sheet.header)) if j not in wide]
    measures = sorted({c for pts in points.values() for _, c in pts}, key=TABLES["visits"].names.index)
    header = [sheet.header[j] for j in base] + ["week"] + measures
    rows, numbers, sources = [], [], {}
    for row, number in zip(sheet.rows, sheet.row_numbers):
        for week in sorted(points):
            cells = {c: "" for c in measures}
            came_from = {}
            for j, column in points[week]:
                if cells[column] and row[j].strip():
                    reading.problem(sheet.label, number, sheet.header[j], f"{column} at week {week} is given twice "
                                    "(two columns name the same visit); keep one")
                    continue
                if row[j].strip() or not cells[column]:
                    cells[column] = row[j]
                    came_from[column] = sheet.header[j]
            if not any(str(v).strip() for v in cells.values()):
                continue  # no visit at this week
            sources.update({(len(rows), column): header_ for column, header_ in came_from.items()})
            rows.append([row[j] for j in base] + [str(week)] + [cells[c] for c in measures])
            numbers.append(number)
    reading.source_columns.setdefault("visits", {}).update(sources)
    reading.warn(sheet.label, None, None, "one row per patient with a column per visit: read as visits: "
                 + ", ".join(said))
    return Sheet(sheet.label, sheet.name, header, rows, numbers, sheet.header_row, sheet.delimiter, sheet.workbook)
