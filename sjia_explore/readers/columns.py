"""Columns: headers to the schema's names, identifier columns dropped, values normalised, steroid doses converted."""

from __future__ import annotations

import math
import re

import pandas as pd

from sjia_explore import identifiers
from sjia_explore.readers.reading import Reading, Sheet, column_letter, is_missing, short
from sjia_explore.readers.timing import time_target
from sjia_explore.schema import TABLES, canonical_column, normalise_header

#: Steroid dose in mg/day (prednisone equivalent) and body weight in kg: not schema columns,
#: but read to compute ``steroid_mg_kg_day`` when only mg/day is given.
STEROID_MG_DAY = "steroid_mg_day"
WEIGHT_KG = "weight_kg"
CONVERSION_HEADERS: dict[str, str] = {
    **{k: STEROID_MG_DAY for k in (
        "steroid_mg_day", "steroid_dose_mg_day", "steroid_mg_d", "prednisone_mg_day", "prednisolone_mg_day",
        "pred_mg_day", "prednisone_mg_d", "corticosteroid_mg_day", "gc_mg_day", "prednisone_equivalent_mg_day")},
    **{k: WEIGHT_KG for k in ("weight_kg", "weight", "body_weight", "body_weight_kg", "wt_kg", "bw_kg")},
}
#: Plausible body weights of a child or young adult, in kg; outside them the unit is probably wrong.
MIN_WEIGHT_KG = 1.0
MAX_WEIGHT_KG = 200.0
#: Converted doses are rounded to 0.0001 mg/kg/day, far below dosing precision.
STEROID_DECIMALS = 4

#: Spellings of sex read as the schema's codes (compared in lower case).
SEX_SPELLINGS: dict[str, str] = {
    **{k: "F" for k in ("f", "female", "girl", "w", "weiblich", "femme", "feminin", "féminin", "femenino")},
    **{k: "M" for k in ("m", "male", "boy", "männlich", "mannlich", "homme", "masculin", "masculino")},
}

_DECIMAL_COMMA = re.compile(r"\s*([+-]?\d+),(\d+)\s*")
_GROUPED_DECIMAL_COMMA = re.compile(r"\s*([+-]?\d{1,3}(?:\.\d{3})+),(\d+)\s*")


def _targets(header: str, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """Where a column goes: ``[(table, column), ...]``; empty when the schema does not know it."""
    found = []
    for table in tables:
        col = canonical_column(header, table)
        if col == "patient_id":
            return [(t, "patient_id") for t in tables]
        if col and not found:
            found.append((table, col))
    if found:
        return found
    timed = time_target(header, tables)
    if timed:
        return [timed]
    conversion = CONVERSION_HEADERS.get(normalise_header(header))
    if conversion == STEROID_MG_DAY and "visits" in tables:
        return [("visits", STEROID_MG_DAY)]
    if conversion == WEIGHT_KG and ("visits" in tables or "patients" in tables):
        return [("visits" if "visits" in tables else "patients", WEIGHT_KG)]
    return []


def map_columns(sheet: Sheet, tables: tuple[str, ...], reading: Reading) -> dict[str, dict[str, list[str]]]:
    """Name each column as the schema does, drop identifier-like columns, flag duplicates."""
    out: dict[str, dict[str, list[str]]] = {t: {} for t in tables}
    renamed: list[str] = []
    unused: list[str] = []  # columns kept as they are, that no view reads
    home = tables[0]
    for j, header in enumerate(sheet.header):
        values = [row[j] for row in sheet.rows]
        if not header:
            if any(v.strip() for v in values):
                reading.warn(sheet.label, sheet.header_row, f"column {column_letter(j)}",
                             "this column has no header and was ignored; give it a header to keep it")
            continue
        targets = _targets(header, tables)
        if not targets:
            finding = identifiers.check_column(header, values)
            if finding:
                reading.warn(sheet.label, sheet.header_row, header,
                             f"{finding.describe()}; the column was dropped and is never shown or exported")
                continue
            if header in out[home]:
                reading.warn(sheet.label, sheet.header_row, header,
                             "this header appears more than once; only the first such column was read")
                continue
            out[home][header] = values
            if any(not is_missing(v) for v in values):
                unused.append(header)
            continue
        for table, col in targets:
            if col in out[table]:
                first = reading.headers.get((table, col), col)
                reading.problem(sheet.label, sheet.header_row, col,
                                f'the columns "{short(first)}" and "{short(header)}" both give {col}; keep one of them')
                continue
            out[table][col] = values
            reading.headers[(table, col)] = header
        table, col = targets[0]
        if col in TABLES[table].names and TABLES[table].column(col).kind == "string":
            finding = identifiers.check_column(header, values, by_header=False)
            if finding:
                reading.warn(sheet.label, sheet.header_row, header,
                             f"{finding.describe()}; it was kept because the schema needs this column: "
                             "replace the values with study codes")
        if col in TABLES[table].names and normalise_header(header) != col:
            unit = TABLES[table].column(col).unit
            renamed.append(f'"{short(header)}" → {col}' + (f" ({unit})" if unit else ""))
    if renamed:
        reading.warn(sheet.label, None, None, "columns read under the schema's names: " + ", ".join(renamed))
    if unused:
        reading.warn(sheet.label, None, None, unused_columns(unused, tables))
    for table, cols in out.items():
        _normalise_values(cols, table, sheet, reading)
    return out


#: Unused columns named one by one in the warning; the rest are counted.
UNUSED_NAMED = 8


def unused_columns(headers: list[str], tables: tuple[str, ...]) -> str:
    """The warning for columns the schema does not know, each with the closest schema column when one is close.

    Examples
    --------
    >>> print(unused_columns(["CRP (mg/dL)", "favourite colour"], ("visits",)))  # doctest: +NORMALIZE_WHITESPACE
    columns no view reads (kept as they are): "CRP (mg/dL)" (closest: crp_mg_l, in mg/L), "favourite colour";
    give a column the schema's name (see the data dictionary) to use it
    """
    import difflib

    known = {name: TABLES[t].column(name) for t in tables for name in TABLES[t].names}
    named = []
    for header in headers[:UNUSED_NAMED]:
        close = difflib.get_close_matches(normalise_header(header), list(known), n=1, cutoff=0.75)
        hint = ""
        if close:
            unit = known[close[0]].unit
            hint = f" (closest: {close[0]}" + (f", in {unit})" if unit else ")")
        named.append(f'"{short(header)}"{hint}')
    more = len(headers) - UNUSED_NAMED
    listed = ", ".join(named) + (f" and {more} more" if more > 0 else "")
    return (f"columns no view reads (kept as they are): {listed}; give a column the schema's name "
            "(see the data dictionary) to use it")


def _normalise_values(cols: dict[str, list[str]], table: str, sheet: Sheet, reading: Reading) -> None:
    """Decimal commas to points (when the delimiter allows them); sex spellings to F/M."""
    schema = TABLES[table]
    converted = 0
    for name, values in cols.items():
        numeric = name in (STEROID_MG_DAY, WEIGHT_KG) or (
            name in schema.names and schema.column(name).kind in ("integer", "number"))
        if numeric and sheet.decimal_comma:
            for i, text in enumerate(values):
                point = decimal_point(text)
                if point is not None:
                    values[i] = point
                    converted += 1
        if name == "sex":
            cols[name] = [SEX_SPELLINGS.get(str(v).strip().lower(), v) for v in values]
    if converted:
        shown = {"\t": "tabs", ";": '";"', "|": '"|"'}.get(sheet.delimiter or "", repr(sheet.delimiter))
        reading.warn(sheet.label, None, None, f"decimal commas were read as decimal points (12,5 as 12.5): "
                     f"the cells are separated by {shown}")


def decimal_point(text: str) -> str | None:
    """``"12,5"`` → ``"12.5"`` and ``"1.234,5"`` → ``"1234.5"``; ``None`` when ``text`` has no decimal comma.

    Examples
    --------
    >>> decimal_point("12,5"), decimal_point("1.234,5"), decimal_point("12.5")
    ('12.5', '1234.5', None)
    """
    m = _DECIMAL_COMMA.fullmatch(text) or _GROUPED_DECIMAL_COMMA.fullmatch(text)
    if not m:
        return None
    return m.group(1).replace(".", "") + "." + m.group(2)


# -- unit conversion ---------------------------------------------------------------------
def _number(text: str) -> float | None:
    """A cell as a number; ``None`` when missing; ``nan`` when not a number."""
    text = str(text).strip()
    if is_missing(text):
        return None
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def convert_steroid(reading: Reading) -> None:
    """Steroid doses in mg/day → ``steroid_mg_kg_day`` by dividing by the body weight (visit's, else patient's)."""
    visits = reading.frames.get("visits")
    if visits is None or STEROID_MG_DAY not in visits.columns:
        return
    label = reading.labels["visits"]
    dose_header = reading.headers.get(("visits", STEROID_MG_DAY), STEROID_MG_DAY)
    visits = visits.copy()
    if "steroid_mg_kg_day" in visits.columns:
        reading.warn(label, None, dose_header, "steroid doses are given both in mg/kg/day and in mg/day; "
                     "the mg/kg/day column was used and this one ignored")
        reading.frames["visits"] = visits.drop(columns=[STEROID_MG_DAY])
        return
    patients = reading.frames.get("patients")
    per_patient: dict[str, str] = {}
    weight_source = None
    if WEIGHT_KG in visits.columns:
        weight_source = ("visits", reading.headers.get(("visits", WEIGHT_KG), WEIGHT_KG))
    elif patients is not None and WEIGHT_KG in patients.columns and "patient_id" in patients.columns:
        weight_source = ("patients", reading.headers.get(("patients", WEIGHT_KG), WEIGHT_KG))
        per_patient = dict(zip(patients["patient_id"].astype(str).str.strip(), patients[WEIGHT_KG].astype(str)))
    rows = reading.row_numbers["visits"]
    weights = visits[WEIGHT_KG].tolist() if WEIGHT_KG in visits.columns else [
        per_patient.get(str(pid).strip(), "") for pid in visits.get("patient_id", pd.Series([""] * len(visits)))]
    weight_header = weight_source[1] if weight_source else WEIGHT_KG
    out = []
    for i, (dose_text, weight_text) in enumerate(zip(visits[STEROID_MG_DAY].tolist(), weights)):
        dose = _number(dose_text)
        if dose is None:
            out.append("")
            continue
        if math.isnan(dose) or dose < 0:
            reading.problem(label, rows[i], dose_header,
                            f'"{short(dose_text)}" is not a dose in mg/day (a number, at least 0)')
            out.append("")
            continue
        if dose == 0:
            out.append("0")
            continue
        weight = _number(weight_text)
        if weight is None:
            reading.problem(label, rows[i], dose_header,
                            "a dose in mg/day needs the body weight in kg to give mg/kg/day; add a weight_kg "
                            "column (per visit, or per patient in the patients table)")
            out.append("")
            continue
        if math.isnan(weight) or not MIN_WEIGHT_KG <= weight <= MAX_WEIGHT_KG:
            reading.problem(label, rows[i], weight_header, f'"{short(weight_text)}" is not a body weight in kg '
                            f"({MIN_WEIGHT_KG:g}–{MAX_WEIGHT_KG:g})")
            out.append("")
            continue
        out.append(repr(round(dose / weight, STEROID_DECIMALS)))
    visits["steroid_mg_kg_day"] = pd.Series(out, index=visits.index, dtype=object)
    reading.frames["visits"] = visits.drop(columns=[STEROID_MG_DAY])
    reading.warn(label, None, "steroid_mg_kg_day",
                 f'steroid doses were given in mg/day (column "{short(dose_header)}") and were converted to '
                 f'mg/kg/day by dividing by the body weight (column "{short(weight_header)}")')
