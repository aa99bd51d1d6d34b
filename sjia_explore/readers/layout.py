"""Which table each file or sheet is, the long layout split into patients and visits, and assembling a reading."""

from __future__ import annotations

import pandas as pd

from sjia_explore.readers.columns import convert_steroid, map_columns
from sjia_explore.readers.intervals import dates_to_intervals
from sjia_explore.readers.reading import Candidate, Reading, ReadOptions, Sheet, is_missing, short
from sjia_explore.readers.redcap import is_dictionary, is_records, split_records
from sjia_explore.readers.timing import visit_windows
from sjia_explore.readers.wide import is_wide, to_long
from sjia_explore.schema import FALSE_TOKENS, TABLES, TRUE_TOKENS, normalise_header

# -- tables and columns ------------------------------------------------------------------
#: File stems and sheet names (normalised) that name each table.
TABLE_NAMES: dict[str, str] = {
    **{k: "patients" for k in ("patients", "patient", "demographics", "baseline", "baseline_characteristics",
                               "participants", "subjects", "table_1", "table1")},
    **{k: "treatments" for k in ("treatments", "treatment", "medications", "medication", "drugs", "therapies",
                                 "previous_treatments", "table_2", "table2")},
    **{k: "visits" for k in ("visits", "visit", "follow_up", "followup", "assessments", "visit_data")},
    **{k: "adverse_events" for k in ("adverse_events", "adverse_event", "aes", "ae", "safety", "adverse_effects")},
}


def table_for_name(name: str) -> str | None:
    """The table a file stem or sheet name stands for, or ``None``.

    Examples
    --------
    >>> table_for_name("Patients"), table_for_name("Follow-up"), table_for_name("Sheet1")
    ('patients', 'visits', None)
    """
    return TABLE_NAMES.get(normalise_header(name))


# -- layout ------------------------------------------------------------------------------
def assemble(candidates: list[Candidate], reading: Reading, where: str, kind: str,
             options: ReadOptions | None = None) -> None:
    """Decide the layout, read the tables it needs, map columns and convert units."""
    by_table: dict[str, list[Candidate]] = {}
    others: list[Candidate] = []
    for c in candidates:
        table = table_for_name(c.name)
        if table:
            by_table.setdefault(table, []).append(c)
        else:
            others.append(c)
    for table, found in list(by_table.items()):
        if len(found) > 1:
            reading.problem(where, None, None, f"more than one {table} table: "
                            f"{', '.join(short(c.label) for c in found)}; keep one")
            reading.unreadable.add(table)
            del by_table[table]
    if "patients" not in by_table and "patients" not in reading.unreadable and others:
        others, found = _probe(others)
        records = [c for c in others if found[c.label] is not None and is_records(found[c.label])]
        if records:
            _read_redcap(records, others, found, by_table, reading, where, options or ReadOptions())
            _missing_tables(reading, where, kind, [])
            convert_steroid(reading)
            dates_to_intervals(reading, visit_windows((options or ReadOptions()).visit_windows))
            return
    if "patients" in by_table or "patients" in reading.unreadable:
        reading.layout = "tables"
        _read_tables(("patients", "treatments", "visits", "adverse_events"), by_table, reading)
        if others:
            reading.warn(where, None, None, "not read (the name is not a table's name): "
                         + ", ".join(short(c.label) for c in others))
    else:
        long = by_table.pop("visits", [None])[0]
        if long is None and len(others) == 1:
            long = others.pop()
        if long is not None:
            reading.layout = "long"
            sheet = long.load(reading)
            if sheet is None:
                reading.unreadable.update({"patients", "visits"})
            else:
                if is_wide(sheet):
                    sheet = to_long(sheet, reading, visit_windows((options or ReadOptions()).visit_windows))
                _split_long(sheet, reading)
        _read_tables(("treatments", "adverse_events"), by_table, reading)
        if others and long is not None:
            reading.warn(where, None, None, "not read (the name is not a table's name): "
                         + ", ".join(short(c.label) for c in others))
    _missing_tables(reading, where, kind, others)
    convert_steroid(reading)
    dates_to_intervals(reading, visit_windows((options or ReadOptions()).visit_windows))


def _probe(candidates: list[Candidate]) -> tuple[list[Candidate], dict[str, Sheet | None]]:
    """Read each candidate aside, to see what it holds; its messages are given when it is used."""
    out, found = [], {}
    for c in candidates:
        aside = Reading()
        sheet = c.load(aside)
        found[c.label] = sheet

        def load(r: Reading, aside=aside, sheet=sheet) -> Sheet | None:
            r.problems.extend(aside.problems)
            r.notes.extend(aside.notes)
            for w in aside.warnings:
                r.warn(w.file, w.row, w.column, w.message)
            return sheet

        out.append(Candidate(c.name, c.label, load))
    return out, found


def _read_redcap(records: list[Candidate], others: list[Candidate], found: dict[str, Sheet | None],
                 by_table: dict[str, list[Candidate]], reading: Reading, where: str, options: ReadOptions) -> None:
    """A REDCap records export (with its data dictionary when one is beside it) → the tables."""
    reading.layout = "redcap"
    if len(records) > 1:
        reading.problem(where, None, None, "more than one REDCap records export: "
                        f"{', '.join(short(c.label) for c in records)}; keep one")
        reading.unreadable.update({"patients", "visits"})
        return
    dictionaries = [c for c in others if found[c.label] is not None and is_dictionary(found[c.label])]
    unused = [c for c in others if c is not records[0] and c not in dictionaries[:1]]
    sheet = records[0].load(reading)
    dictionary = dictionaries[0].load(reading) if dictionaries else None
    windows = visit_windows(options.visit_windows)
    long, tables = split_records(sheet, dictionary, reading, options.event_weeks, windows)
    if long is None:
        reading.unreadable.update({"patients", "visits"})
    else:
        _split_long(long, reading)
    for table, instrument in tables.items():
        _table_from_sheet(instrument, table, reading)
    _read_tables(tuple(t for t in ("treatments", "adverse_events") if t not in tables), by_table, reading)
    if unused:
        reading.warn(where, None, None, "not read (neither the REDCap records, its data dictionary nor a table): "
                     + ", ".join(short(c.label) for c in unused))


def _missing_tables(reading: Reading, where: str, kind: str, others: list[Candidate]) -> None:
    for name in ("patients", "visits"):
        if name in reading.frames or name in reading.unreadable:
            continue
        table = TABLES[name]
        fix = {"folder": f"provide {table.filename}",
               "zip": f"add {table.filename} to the archive",
               "workbook": f"add a sheet named {name}",
               }.get(kind, f"provide {table.filename} beside it, or one long file with a row per patient and visit")
        hint = ""
        if others and reading.layout != "long":
            hint = " (found, but not named after a table: " + ", ".join(short(c.label) for c in others) + ")"
        file = table.filename if kind == "folder" else where
        reading.problem(file, None, None, f"the {name} table is required but was not found; {fix}{hint}")


def _frame(cols: dict[str, list[str]], n: int) -> pd.DataFrame:
    if not cols:
        return pd.DataFrame(index=range(n))
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})


def _read_tables(tables: tuple[str, ...], by_table: dict[str, list], reading: Reading) -> None:
    """Read each of ``tables`` found in ``by_table`` (its first candidate); mark unreadable ones."""
    for table in tables:
        if table in by_table:
            sheet = by_table[table][0].load(reading)
            if sheet is None:
                reading.unreadable.add(table)
            else:
                _table_from_sheet(sheet, table, reading)


def _table_from_sheet(sheet: Sheet, table: str, reading: Reading) -> None:
    mapped = map_columns(sheet, (table,), reading)
    reading.frames[table] = _frame(mapped[table], len(sheet.rows))
    reading.labels[table] = sheet.label
    if sheet.workbook:
        reading.workbook_tables.add(table)
    reading.row_numbers[table] = list(sheet.row_numbers)
    reading.header_rows[table] = sheet.header_row


def _comparable(kind: str | None, text: str):
    """A value in a form where two spellings of the same thing compare equal (``kind``: the schema's)."""
    text = str(text).strip()
    if kind == "boolean":
        low = text.lower()
        return True if low in TRUE_TOKENS else False if low in FALSE_TOKENS else low
    if kind in ("integer", "number"):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _split_long(sheet: Sheet, reading: Reading) -> None:
    """One row per patient and visit → patients (one row each) + visits."""
    mapped = map_columns(sheet, ("visits", "patients"), reading)
    visits, patients = mapped["visits"], mapped["patients"]
    if "patient_id" not in visits:
        reading.problem(sheet.label, sheet.header_row, "patient_id",
                        "required column is missing; add a column headed patient_id "
                        "(the patient's study code, repeated on each of their rows)")
        reading.unreadable.update({"patients", "visits"})
        return
    ids = [str(v).strip() for v in visits["patient_id"]]
    first_index: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if not is_missing(pid):
            first_index.setdefault(pid, i)
    order = list(first_index)
    out: dict[str, list[str]] = {"patient_id": order}
    schema = TABLES["patients"]
    for col, values in patients.items():
        if col == "patient_id":
            continue
        kind = schema.column(col).kind if col in schema.names else None
        chosen: dict[str, tuple[int, str]] = {}
        for i, pid in enumerate(ids):
            if pid not in first_index or is_missing(values[i]):
                continue
            if pid not in chosen:
                chosen[pid] = (i, values[i])
                continue
            j, first = chosen[pid]
            if values[i] != first and _comparable(kind, values[i]) != _comparable(kind, first):
                reading.problem(sheet.label, sheet.row_numbers[i], col,
                                f'patient "{short(pid)}" has {col} "{short(values[i])}" here but '
                                f'"{short(first)}" on row {sheet.row_numbers[j]}; give one value per patient')
        out[col] = [chosen[pid][1] if pid in chosen else "" for pid in order]
    reading.frames["patients"] = _frame(out, len(order))
    reading.labels["patients"] = sheet.label
    reading.row_numbers["patients"] = [sheet.row_numbers[first_index[pid]] for pid in order]
    reading.frames["visits"] = _frame(visits, len(sheet.rows))
    reading.labels["visits"] = sheet.label
    reading.row_numbers["visits"] = list(sheet.row_numbers)
    reading.header_rows["patients"] = reading.header_rows["visits"] = sheet.header_row
    if sheet.workbook:
        reading.workbook_tables.update({"patients", "visits"})
