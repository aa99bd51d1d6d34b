"""REDCap exports as they come: a records CSV (and its data dictionary, when beside it), told by content.

A records file is recognised by its header (the record id first, then
``redcap_event_name``), whatever its name (REDCap writes
``Project_DATA_2026-11-30_0915.csv``); a data dictionary by its first header,
``Variable / Field Name``. What is done with them:

* each **event** becomes a week: ``baseline``, ``screening``, ``week 0`` → 0; a
  name with a number of weeks, months or days → that time (``week_12_arm_1`` →
  12; months of 30.4375 days and days to the visit window they fall in, else the
  nearest week: ``month_3_arm_1`` → 12, ``day_28_arm_1`` → 4); anything else is one problem naming the events
  and how to map them (``event_weeks={"flare_arm_1": 16}``);
* the rows that are not of a repeating instrument become the long layout (one row
  per patient and event): patient fields sit on the baseline row, visit fields on
  each event's row (see :mod:`sjia_explore.readers.layout`);
* each **repeating instrument** named like a table (``adverse_events``,
  ``medications`` ...) becomes that table; its fields through the usual
  synonyms, an ``ae_`` prefix allowed;
* with the **dictionary**: radio and dropdown codes are decoded to their labels
  (``1, Female | 2, Male``), ``yesno`` fields stay flags (1/0), checkbox fields
  (``symptoms___1`` ...) become the flag columns their choice labels name
  (Fever → ``fever``; a choice that names no column is reported, not guessed),
  and fields marked as identifiers (``Identifier?`` = y) are dropped with a warning.

Examples
--------
>>> event_week("week_12_arm_1"), event_week("Month 3"), event_week("day_28_arm_2"), event_week("screening_arm_1")
(12, 12, 4, 0)
>>> event_week("flare_arm_1") is None
True
>>> parse_choices("1, Female | 2, Male")
{'1': 'Female', '2': 'Male'}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sjia_explore.readers.reading import Reading, Sheet, is_missing, short
from sjia_explore.readers.sniff import REDCAP_DICTIONARY_FIRST_HEADER, REDCAP_EVENT
from sjia_explore.readers.timing import time_point_week, time_target
from sjia_explore.schema import TABLES, canonical_column, normalise_header

EVENT = REDCAP_EVENT
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
DATA_ACCESS_GROUP = "redcap_data_access_group"
REDCAP_COLUMNS = (EVENT, REPEAT_INSTRUMENT, REPEAT_INSTANCE, DATA_ACCESS_GROUP, "redcap_survey_identifier")
#: The first header of a REDCap data dictionary, and the headers read from it (normalised).
DICTIONARY_FIRST_HEADER = REDCAP_DICTIONARY_FIRST_HEADER
_FIELD_TYPE, _CHOICES, _IDENTIFIER = "field_type", "choices_calculations_or_slider_labels", "identifier"
#: Event names (after dropping ``_arm_N``) that are week 0.
BASELINE_EVENTS = frozenset({"baseline", "screening", "enrolment", "enrollment", "week_0", "wk_0", "day_0",
                             "visit_0", "month_0", "start", "initial_visit", "baseline_visit"})
_TIMED_EVENT = re.compile(r"(?:(week|weeks|wk|w)|(month|months|mo|m)|(day|days|d))_?(\d+)(?:_visit)?")
_ARM = re.compile(r"_arm_\d+$")
_CHECKBOX = re.compile(r"(.+)___(\w+)$")
#: Prefixes a repeating instrument's field names may carry (``ae_term`` → ``term``).
FIELD_PREFIXES = {"adverse_events": ("ae_", "adverse_event_"), "treatments": ("med_", "medication_", "drug_")}


def event_week(name: str, event_weeks: Mapping[str, float] | None = None,
               windows: tuple[tuple[int, int, int], ...] | None = None) -> int | None:
    """The week of a REDCap event name; ``None`` when the name does not say it.

    ``event_weeks`` (event name, with or without its ``_arm_N``, -> week) wins. Months
    and days go to the visit window they fall in (see :func:`.timing.time_point_week`).
    """
    for key in (name, _ARM.sub("", name)):
        if event_weeks and key in event_weeks:
            return int(event_weeks[key])
    norm = _ARM.sub("", normalise_header(name))
    if norm in BASELINE_EVENTS:
        return 0
    m = _TIMED_EVENT.fullmatch(norm)
    if not m:
        return None
    unit = "weeks" if m.group(1) else "months" if m.group(2) else "days"
    return time_point_week(unit, int(m.group(4)), windows)


def parse_event_weeks(text: str) -> dict[str, int]:
    """Event weeks as a user writes them: ``"flare_arm_1=16,extra=30"``, the text of a small CSV file of
    ``event,week`` lines (a header line allowed; an uploaded mapping file), or the path of such a file.

    Examples
    --------
    >>> parse_event_weeks("flare_arm_1=16, extra_visit = 30")
    {'flare_arm_1': 16, 'extra_visit': 30}
    >>> parse_event_weeks("event,week\\nflare_arm_1,16\\n")
    {'flare_arm_1': 16}
    """
    from pathlib import Path

    text = str(text)
    if "\n" not in text and "=" not in text and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8-sig")
    if "=" in text and "\n" not in text.strip():
        pairs = [tuple(part.split("=", 1)) for part in text.split(",") if part.strip()]
    else:
        lines = [line.replace(";", ",").split(",") for line in text.lstrip("\ufeff").splitlines()]
        pairs = [(p[0], p[1] if len(p) > 1 else "") for p in lines if p[0].strip()]
        if pairs and not pairs[0][1].strip().isdigit():
            pairs = pairs[1:]  # a header line
    out = {}
    for event, week in pairs:
        if not week.strip().isdigit():
            raise ValueError(f'"{event.strip()}={week.strip()}" is not an event week: write EVENT=WEEK '
                             "(flare_arm_1=16), or give a CSV file of event,week lines")
        out[event.strip()] = int(week)
    return out


def parse_choices(text: str) -> dict[str, str]:
    """REDCap choices ``"1, Female | 2, Male"`` → ``{"1": "Female", "2": "Male"}``."""
    out = {}
    for part in str(text).split("|"):
        code, sep, label = part.partition(",")
        if sep and code.strip():
            out[code.strip()] = label.strip()
    return out


@dataclass
class Field:
    """One field of a REDCap data dictionary."""

    name: str
    kind: str
    choices: dict[str, str] = field(default_factory=dict)
    identifier: bool = False


def is_records(sheet: Sheet) -> bool:
    """A REDCap records export: ``redcap_event_name`` (or a repeating instrument column) in the header."""
    names = {normalise_header(h) for h in sheet.header}
    return EVENT in names or (REPEAT_INSTRUMENT in names and len(sheet.header) > 1)


def is_dictionary(sheet: Sheet) -> bool:
    """A REDCap data dictionary: its first header is ``Variable / Field Name``."""
    return bool(sheet.header) and normalise_header(sheet.header[0]) == DICTIONARY_FIRST_HEADER


def read_dictionary(sheet: Sheet) -> dict[str, Field]:
    """The fields of a data dictionary, by name."""
    col = {normalise_header(h): j for j, h in enumerate(sheet.header)}

    def cell(row: list[str], header: str) -> str:
        j = col.get(header)
        return row[j].strip() if j is not None and j < len(row) else ""

    out = {}
    for row in sheet.rows:
        name = row[0].strip()
        if name:
            out[name] = Field(name, cell(row, _FIELD_TYPE).lower(), parse_choices(cell(row, _CHOICES)),
                              cell(row, _IDENTIFIER).lower() in ("y", "yes", "1"))
    return out


def _flag_target(label: str) -> str | None:
    """The flag column a checkbox choice label names (in visits or patients), or ``None``."""
    for table in ("visits", "patients"):
        col = canonical_column(label, table)
        if col and TABLES[table].column(col).kind == "boolean":
            return col
    return None


def _decode(records: Sheet, fields: dict[str, Field] | None, reading: Reading) -> tuple[list[str], list[list[str]]]:
    """Header and rows with identifier fields dropped, codes decoded and checkbox fields turned into flags."""
    label = records.label
    keep: list[int] = []
    header: list[str] = []
    decoders: list[dict[str, str] | None] = []
    flags: dict[str, list[int]] = {}
    dropped, unmatched, undecoded = [], [], []
    for j, name in enumerate(records.header):
        norm = normalise_header(name)
        if norm.endswith("_complete") or norm in (REPEAT_INSTANCE, DATA_ACCESS_GROUP, "redcap_survey_identifier"):
            continue
        box = _CHECKBOX.fullmatch(name)
        base = box.group(1) if box else name
        info = (fields or {}).get(base)
        if info is not None and info.identifier and j != 0:
            dropped.append(base)
            continue
        if box:
            choice = info.choices.get(box.group(2)) if info else None
            target = _flag_target(choice) if choice else None
            if target is None:
                (unmatched if info else undecoded).append(f'{name}{f" ({choice})" if choice else ""}')
                continue
            flags.setdefault(target, []).append(j)
            continue
        keep.append(j)
        header.append(name)
        decoders.append(info.choices if info is not None and info.kind in ("radio", "dropdown") else None)
    if dropped:
        reading.warn(label, None, None, "fields the data dictionary marks as identifiers were dropped and are never "
                     "shown or exported: " + ", ".join(short(d) for d in sorted(set(dropped))))
    if unmatched:
        reading.warn(label, None, None, "checkbox choices that match no column of the cohort were not read: "
                     + ", ".join(short(u) for u in unmatched))
    if undecoded:
        reading.warn(label, None, None, "checkbox fields were not read: without the data dictionary their choices "
                     "are unknown; export the data dictionary beside the records: " + ", ".join(undecoded[:5])
                     + (" ..." if len(undecoded) > 5 else ""))
    if fields is None:
        reading.note(label, None, None, "no REDCap data dictionary was found beside the records: coded answers "
                     "(radio, dropdown) are read as their codes; put the dictionary in the same folder or zip")
    rows = []
    for row in records.rows:
        out = [row[j] if dec is None else dec.get(row[j].strip(), row[j]) for j, dec in zip(keep, decoders)]
        for columns in flags.values():  # in the order of the flag columns added to the header
            values = [row[j].strip() for j in columns if not is_missing(row[j])]
            out.append("" if not values else "1" if "1" in values else "0")
        rows.append(out)
    return header + list(flags), rows


def _strip_prefix(header: str, table: str) -> str:
    if canonical_column(header, table):
        return header
    norm = normalise_header(header)
    for prefix in FIELD_PREFIXES.get(table, ()):
        if norm.startswith(prefix) and canonical_column(norm[len(prefix):], table):
            return norm[len(prefix):]
    return header


def split_records(records: Sheet, dictionary: Sheet | None, reading: Reading,
                  event_weeks: Mapping[str, float] | None,
                  windows: tuple[tuple[int, int, int], ...] | None = None) -> tuple[Sheet | None, dict[str, Sheet]]:
    """The records as one long sheet (patient and visit fields) and a sheet per repeating instrument's table.

    Returns ``(None, {})`` with a problem when an event has no week.
    """
    fields = read_dictionary(dictionary) if dictionary is not None else None
    header, rows = _decode(records, fields, reading)
    norm = [normalise_header(h) for h in header]
    event_at = norm.index(EVENT) if EVENT in norm else None
    repeat_at = norm.index(REPEAT_INSTRUMENT) if REPEAT_INSTRUMENT in norm else None
    weeks: dict[str, int | None] = {}
    if event_at is not None:
        for row in rows:
            name = row[event_at].strip()
            if name not in weeks:
                weeks[name] = event_week(name, event_weeks, windows)
    unknown = [name for name, week in weeks.items() if week is None]
    if unknown:
        example = ", ".join(f'"{short(n)}": 16' for n in unknown[:2])
        reading.problem(records.label, None, EVENT, "these REDCap events do not say their week: "
                        + ", ".join(f'"{short(n)}"' for n in unknown) + "; map each to a week, e.g. "
                        f"load_cohort(..., event_weeks={{{example}}}) or, on the command line, "
                        "--event-weeks with a file of event,week lines")
        return None, {}
    reading.warn(records.label, None, EVENT, "REDCap events read as weeks: "
                 + ", ".join(f"{name} → week {week}" for name, week in weeks.items()))
    study_at = None
    if not any(canonical_column(h, "patients") == "study" for h in header):
        study, study_at = records.name.split("_DATA_")[0] or "redcap", len(header)
        header = header + ["study"]
        rows = [r + [study] for r in rows]
        reading.warn(records.label, None, "study", f'the records have no study field: the patients were given the '
                     f'study label "{short(study)}" (from the file name)')
    main_rows, main_numbers = [], []
    instruments: dict[str, tuple[list[list[str]], list[int]]] = {}
    for row, number in zip(rows, records.row_numbers):
        instrument = row[repeat_at].strip() if repeat_at is not None else ""
        week = "" if event_at is None else str(weeks[row[event_at].strip()])
        cells = [week if j == event_at else c for j, c in enumerate(row)]
        if instrument:
            group = instruments.setdefault(instrument, ([], []))
            group[0].append(cells)
            group[1].append(number)
        else:
            main_rows.append(cells)
            main_numbers.append(number)
    out_header = ["patient_id" if j == 0 else "week" if j == event_at else h for j, h in enumerate(header)]
    kept = [j for j in range(len(out_header)) if j != repeat_at]

    def sheet(rows_: list[list[str]], numbers: list[int], names: list[str], timed: bool = False) -> Sheet:
        used = [j for j in kept if j in (0, event_at) or any(not is_missing(r[j]) for r in rows_)]
        if names is not out_header:  # a repeating instrument: the study label is the patient's
            used = [j for j in used if j != study_at]
        if timed:  # the instrument says when, itself: the event's week is not its time
            used = [j for j in used if j != event_at]
        return Sheet(records.label, records.name, [names[j] for j in used],
                     [[r[j] for j in used] for r in rows_], numbers, records.header_row, workbook=records.workbook)

    from sjia_explore.readers.layout import table_for_name  # layout imports this module

    tables: dict[str, Sheet] = {}
    for instrument, (rows_, numbers) in instruments.items():
        table = table_for_name(instrument)
        if table not in ("adverse_events", "treatments") or table in tables:
            reading.warn(records.label, None, REPEAT_INSTRUMENT, f'the repeating instrument "{short(instrument)}" '
                         "was not read: name it like a table (adverse_events or treatments)")
            continue
        names = [_strip_prefix(h, table) for h in out_header]
        # the event's week is not the time of rows that say when themselves, nor of a table with no time (treatments)
        timed = "week" not in TABLES[table].names or any(
            canonical_column(n, table) == "week" or time_target(n, (table,))
            for j, n in enumerate(names) if j != event_at and any(not is_missing(r[j]) for r in rows_))
        tables[table] = sheet(rows_, numbers, names, timed)
    long = sheet(main_rows, main_numbers, out_header) if main_rows else None
    return long, tables
