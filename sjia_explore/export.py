"""Export charts, tables and the app's state, each stamped with where it came from.

Pure functions: data and a :class:`Provenance` in, file bytes out (the app's
download buttons call them; nothing here touches widgets or disk).

* Charts render offline with vl-convert (``chart_png``, ``chart_svg``); the
  provenance is drawn **in** the image, under the chart: package version, data
  source and SHA-256 prefix, the subgroup in words, the date, and
  "Reconstructed data — not observations" whenever reconstructed values are in it.
* Tables go to CSV (``table_csv``: provenance as ``# `` lines at the top) or
  XLSX (``table_xlsx``: a ``provenance`` sheet). Text cells that a spreadsheet
  would run as a formula (starting with ``=`` ``+`` ``-`` ``@``, tab, CR or LF)
  are neutralised with a leading ``'`` (OWASP, "CSV Injection"); genuine
  numbers stay numbers. XLSX text cells are always written as text, never as
  formulas.
* Small counts can be suppressed before a table leaves the building
  (:class:`Suppression`): counts from 1 to ``threshold - 1`` become
  ``"<threshold"``, and a second cell (or the row total) is hidden as ``*`` so
  that a masked count cannot be worked out from the row total.
* ``state_json`` writes the view state with the same provenance.

Examples
--------
>>> import pandas as pd
>>> prov = Provenance(source="my cohort.csv", sha256="ab" * 32, subgroup="all patients",
...                   version="0.1.0", date="2026-01-31")
>>> out = table_csv(pd.DataFrame({"drug": ["=HYPERLINK(1)", "anakinra"], "n": [-3, 4]}), prov)
>>> print(out.decode("utf-8-sig").replace("\\r\\n", "\\n"))
# Data: my cohort.csv (SHA-256 abababababab)
# Subgroup: all patients
# sjia-explore 0.1.0, exported 2026-01-31
drug,n
'=HYPERLINK(1),-3
anakinra,4
<BLANKLINE>
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import json
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: The words every export containing reconstructed values carries.
RECONSTRUCTED_LABEL = "Reconstructed data — not observations"
SIMULATED_LABEL = "Simulated data — no real patient is described"
#: First characters that make a spreadsheet treat a cell as a formula or split it (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Put before a triggering cell so that spreadsheets show it as text.
NEUTRALISING_PREFIX = "'"
#: A cell text that is just a number (Excel reads it as a number, never as a formula).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Hex digits of the data's SHA-256 shown in stamps: 48 bits, ample to tell files apart.
SHA256_PREFIX_CHARS = 12
#: Longest data-source text in a stamp (long paths would widen the image).
MAX_SOURCE_CHARS = 120
#: Default small-cell threshold: counts of 1–4 are hidden. Stricter rules exist: CMS hides
#: 1–10 (threshold 11), NHS HES hid 1–5 (threshold 6); pass the threshold your agreement sets.
DEFAULT_SUPPRESSION_THRESHOLD = 5
#: How a cell hidden to protect another (complementary suppression) is shown.
COMPLEMENTARY_MASK = "*"
#: PNG pixels per CSS pixel: 2 gives a sharp image on high-density screens and in print.
PNG_SCALE = 2
#: The provenance footer's look: small, dark grey, left-aligned, below the chart.
FOOTER_FONT_SIZE = 10
FOOTER_COLOR = "#333333"
FOOTER_OFFSET_PX = 12
#: Vega-Lite keys that only make sense at the top level of a spec.
_TOP_LEVEL_KEYS = ("$schema", "config", "datasets", "background", "padding", "autosize", "usermeta")
#: Excel's sheet names for the exported table and its provenance.
DATA_SHEET = "data"
PROVENANCE_SHEET = "provenance"
#: CSV bytes start with a UTF-8 BOM: Excel needs it to read accents in UTF-8 correctly.
CSV_ENCODING = "utf-8-sig"
#: RFC 4180 line ends. With CRLF the csv writer also quotes cells holding a lone CR, which
#: spreadsheets would otherwise read as the end of a row.
CSV_LINE_END = "\r\n"


def _package_version() -> str:
    from sjia_explore import __version__

    return __version__


def _today() -> str:
    return dt.date.today().isoformat()


def _one_line(text: str) -> str:
    """Control characters (CR, LF, tab, ...) to spaces, runs of spaces to one."""
    return re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in str(text))).strip()


@dataclass(frozen=True)
class Provenance:
    """Where an export came from, stamped on every chart, table and state file.

    Attributes
    ----------
    source
        The data source in words (a file name, or the bundled studies).
    sha256
        SHA-256 of the data files read (its first 12 hex digits are shown).
    subgroup
        The subgroup in words, e.g. ``"treated < 12 months from onset, prior MAS"``.
    reconstructed
        Whether any value in the export is reconstructed rather than observed.
    version
        sjia-explore's version.
    date
        Date of the export, ISO 8601.
    notes
        Further lines (e.g. how small counts were suppressed).

    Examples
    --------
    >>> p = Provenance("bundled", "0123456789abcdef", "all patients", True, "0.1.0", "2026-01-31")
    >>> p.lines()[:2]
    ['Reconstructed data — not observations', 'Data: bundled (SHA-256 0123456789ab)']
    """

    source: str
    sha256: str = ""
    subgroup: str = "all patients"
    reconstructed: bool = False
    version: str = field(default_factory=_package_version)
    date: str = field(default_factory=_today)
    notes: tuple[str, ...] = ()
    simulated: bool = False

    @classmethod
    def from_cohort(cls, cohort, tables: Sequence[str] = ("patients", "treatments", "visits", "adverse_events"),
                    date: str | None = None) -> Provenance:
        """The provenance of an export made from ``cohort`` (its source, digest, subgroup).

        Parameters
        ----------
        cohort
            A :class:`sjia_explore.Cohort` (possibly filtered).
        tables
            The tables the export shows; it is "reconstructed" when any of them holds
            reconstructed values for this cohort's studies.
        date
            ISO date to stamp (default: today).

        Examples
        --------
        >>> from sjia_explore.data import load_cohort_from_bytes
        >>> c = load_cohort_from_bytes(b"patient_id,study,months_onset_to_treatment,prior_mas,week\\n"
        ...                            b"P1,mine,3,yes,0\\nP2,mine,30,no,0\\n", "mine.csv")
        >>> p = Provenance.from_cohort(c.filter(prior_mas=True))
        >>> p.source, p.reconstructed, p.subgroup
        ('mine.csv', False, 'MAS before')
        """
        reconstructed = any(cohort.is_reconstructed(t) for t in tables)
        return cls(
            source=cohort.source or "unknown source",
            sha256=cohort.sha256,
            subgroup=cohort.subgroup.describe(),
            reconstructed=bool(reconstructed),
            date=date or _today(),
            simulated=cohort.is_simulated(),
            notes=_computed_notes(cohort, tables),
        )

    def with_notes(self, *notes: str) -> Provenance:
        """A copy with further lines appended."""
        return dataclasses.replace(self, notes=self.notes + tuple(notes))

    def lines(self) -> list[str]:
        """The stamp, one line each, free of control characters."""
        source = _one_line(self.source)
        if len(source) > MAX_SOURCE_CHARS:
            source = "…" + source[-(MAX_SOURCE_CHARS - 1):]
        digest = f" (SHA-256 {_one_line(self.sha256)[:SHA256_PREFIX_CHARS]})" if self.sha256 else ""
        out = [RECONSTRUCTED_LABEL] if self.reconstructed else []
        out += [SIMULATED_LABEL] if self.simulated else []
        out += [f"Data: {source}{digest}", f"Subgroup: {_one_line(self.subgroup)}",
                f"sjia-explore {_one_line(self.version)}, exported {_one_line(self.date)}"]
        out += [_one_line(n) for n in self.notes]
        return out

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {**dataclasses.asdict(self), "notes": list(self.notes)}


def _computed_notes(cohort, tables: Sequence[str]) -> tuple[str, ...]:
    """One line per column the loader computed (e.g. ``visits.sjadas27: computed from components``)."""
    prov = cohort.provenance
    if prov is None or prov.empty:
        return ()
    rows = prov[prov["table"].isin(tables) & prov["study"].isin(cohort.studies)
                & prov["status"].astype(str).str.startswith("computed")]
    pairs = dict.fromkeys(f"{r.table}.{r.column}: {r.status}" for r in rows.itertuples())
    return tuple(pairs)


# -- formula injection -------------------------------------------------------------------
def neutralise_cell(value: Any) -> Any:
    """Prefix ``'`` to text a spreadsheet would run as a formula; leave numbers and safe text alone.

    Examples
    --------
    >>> neutralise_cell("=1+1"), neutralise_cell("-3.5"), neutralise_cell(-3.5), neutralise_cell("@SUM(A1)")
    ("'=1+1", '-3.5', -3.5, "'@SUM(A1)")
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return NEUTRALISING_PREFIX + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell and header neutralised (see :func:`neutralise_cell`)."""
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
                or pd.api.types.is_datetime64_any_dtype(col)):
            out[name] = col.astype(object).map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def _comment_safe(line: str) -> str:
    """A provenance line made safe to sit at the top of a CSV: no quotes, no cell starting a formula.

    A spreadsheet splits the ``# `` line at commas or semicolons; a piece that would then start
    with a trigger character gets the ``'`` prefix.
    """
    text = _one_line(line).replace('"', "'")
    return re.sub(r"([,;]\s*)([=+\-@])", r"\1" + NEUTRALISING_PREFIX + r"\2", text)


# -- small-cell suppression ----------------------------------------------------------------
@dataclass(frozen=True)
class Suppression:
    """Hide small counts before a table leaves the building.

    Parameters
    ----------
    count_columns
        Columns holding counts of patients or events.
    threshold
        Counts from 1 to ``threshold - 1`` are shown as ``"<threshold"``; 0 is shown.
    total_column
        A column holding each row's total (e.g. "overall"), if the table has one.
    percent_columns
        Percentage column -> the count column it is a percentage of; hidden with it.
    row_total_known
        Assume a reader knows each row's total even without ``total_column`` (e.g. from
        group sizes in a heading), so a lone masked cell in a row is always protected.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"early": [1, 6], "late": [7, 9], "overall": [8, 15]})
    >>> Suppression(("early", "late"), total_column="overall").apply(t).values.tolist()
    [['<5', '*', 8], [6, 9, 15]]
    """

    count_columns: tuple[str, ...]
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD
    total_column: str | None = None
    percent_columns: Mapping[str, str] = field(default_factory=dict)
    row_total_known: bool = True

    def __post_init__(self):
        if isinstance(self.count_columns, str):
            object.__setattr__(self, "count_columns", (self.count_columns,))
        object.__setattr__(self, "count_columns", tuple(self.count_columns))
        if int(self.threshold) < 1:
            raise ValueError(f"threshold must be at least 1, not {self.threshold!r}")

    @property
    def mask(self) -> str:
        return f"<{self.threshold}"

    def describe(self) -> str:
        """The rule in words, for the provenance stamp."""
        low = self.threshold - 1
        shown = "1" if low == 1 else f"1–{low}"
        return (f"Small counts suppressed: counts of {shown} are shown as {self.mask}; "
                f"{COMPLEMENTARY_MASK} marks a cell hidden so that those cannot be worked out from a total.")

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``df`` with small counts masked (``df`` itself is not changed)."""
        return suppress_small_counts(df, self.count_columns, self.threshold, self.total_column,
                                     self.percent_columns, self.row_total_known)


def suppress_small_counts(df: pd.DataFrame, count_columns: Sequence[str],
                          threshold: int = DEFAULT_SUPPRESSION_THRESHOLD, total_column: str | None = None,
                          percent_columns: Mapping[str, str] | None = None,
                          row_total_known: bool = True) -> pd.DataFrame:
    """Mask counts from 1 to ``threshold - 1``, then protect them from being recovered from row totals.

    Complementary rule, per row: when exactly one count cell is masked and the row total is
    known (``total_column`` shown; without a total column, when ``row_total_known``), a second
    count cell is hidden as ``*`` (the smallest non-zero one, else the smallest), or, when there
    is none, the total. Percentages of a hidden count are hidden too.

    Parameters
    ----------
    df
        The table; not changed.
    count_columns, threshold, total_column, percent_columns, row_total_known
        See :class:`Suppression`.

    Returns
    -------
    pandas.DataFrame
        Same shape; masked cells hold ``"<threshold"`` or ``"*"``, the rest their values.

    Notes
    -----
    A count column may hold numbers or the ``"k (percent)"`` text of a formatted table
    (:func:`sjia_explore.tables.table_one`): such a cell is a count ``k``, and is masked whole
    (its percentage would give the count away). Other text in a count column (a mean with its
    SD, a median with its quartiles) is a summary, not a count, and is left as it is.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"n": [0, 1, 4, 5, 10, 11]})
    >>> suppress_small_counts(counts, ["n"], threshold=11)["n"].tolist()
    [0, '<11', '<11', '<11', '<11', 11]
    >>> table = pd.DataFrame({"early": ["2 (100.0)", "6.6 (4.1)"], "late": ["5 (55.6)", "4.4 (2.3)"],
    ...                       "Overall": ["7 (63.6)", "4.8 (2.6)"]})
    >>> suppress_small_counts(table, ["early", "late"], total_column="Overall").values.tolist()
    [['<5', '*', '7 (63.6)'], ['6.6 (4.1)', '4.4 (2.3)', '4.8 (2.6)']]
    """
    count_columns = [c for c in dict.fromkeys(count_columns) if c in df.columns and c != total_column]
    percent_columns = dict(percent_columns or {})
    out = df.copy()
    checked = count_columns + ([total_column] if total_column in df.columns else [])
    values = pd.DataFrame({c: _counts_of(df[c]) for c in checked}, index=df.index)
    primary = (values >= 1) & (values < threshold)
    secondary = pd.DataFrame(False, index=df.index, columns=checked)
    for idx in df.index:
        masked = [c for c in count_columns if primary.at[idx, c]]
        has_total = total_column in checked
        total_shown = has_total and not primary.at[idx, total_column]
        if len(masked) != 1 or not (total_shown if has_total else row_total_known):
            continue
        others = [c for c in count_columns if c not in masked and pd.notna(values.at[idx, c])]
        nonzero = [c for c in others if values.at[idx, c] > 0]
        pick = min(nonzero or others, key=lambda c: values.at[idx, c], default=None)
        if pick is not None:
            secondary.at[idx, pick] = True
        elif total_shown:
            secondary.at[idx, total_column] = True
    for c in checked:
        out[c] = out[c].astype(object)
        out.loc[primary[c].to_numpy(dtype=bool), c] = f"<{threshold}"
        out.loc[secondary[c].to_numpy(dtype=bool), c] = COMPLEMENTARY_MASK
    for pct, count in percent_columns.items():
        if pct in out.columns and count in checked:
            hide = (primary[count] | secondary[count]).to_numpy(dtype=bool)
            out[pct] = out[pct].astype(object)
            out.loc[hide, pct] = COMPLEMENTARY_MASK
    return out


#: A formatted count with its percentage, as tables print it: ``7 (63.6)``, ``0 (0.0)``, ``2 (100)``.
COUNT_WITH_PERCENT = re.compile(r"\s*(\d+)\s*\(\s*\d+(?:\.\d+)?\s*%?\s*\)\s*")


def _counts_of(column: pd.Series) -> pd.Series:
    """The count in each cell: a number, or the ``k`` of ``"k (percent)"``; NaN for anything else."""
    numbers = pd.to_numeric(column, errors="coerce")
    if column.dtype != object and not pd.api.types.is_string_dtype(column):
        return numbers
    text = column.astype(object).map(lambda v: COUNT_WITH_PERCENT.fullmatch(v) if isinstance(v, str) else None)
    formatted = text.map(lambda m: float(m.group(1)) if m is not None else np.nan)
    return numbers.where(numbers.notna(), formatted)


# -- tables ------------------------------------------------------------------------------
def _prepare(df: pd.DataFrame, provenance: Provenance, suppression: Suppression | None
             ) -> tuple[pd.DataFrame, Provenance]:
    data = df if isinstance(df.index, pd.RangeIndex) else df.reset_index()
    if suppression is not None:
        data = suppression.apply(data)
        provenance = provenance.with_notes(suppression.describe())
    return data, provenance


def table_csv(df: pd.DataFrame, provenance: Provenance, suppression: Suppression | None = None) -> bytes:
    """The table as CSV (UTF-8 with BOM), its provenance as ``# `` lines first; formula-safe.

    Parameters
    ----------
    df
        The table; a non-default index is written as columns.
    provenance
        The stamp (see :meth:`Provenance.from_cohort`).
    suppression
        Optional small-cell suppression, applied before writing and described in the stamp.

    Returns
    -------
    bytes
        Read it back with ``pd.read_csv(io.BytesIO(b), encoding="utf-8-sig", comment=None,
        skiprows=<number of lines starting with "# ">)``.
    """
    data, provenance = _prepare(df, provenance, suppression)
    buf = io.StringIO()
    for line in provenance.lines():
        buf.write("# " + _comment_safe(line) + CSV_LINE_END)
    neutralise_frame(data).to_csv(buf, index=False, lineterminator=CSV_LINE_END)
    return buf.getvalue().encode(CSV_ENCODING)


def _xlsx_value(value: Any) -> tuple[Any, bool]:
    """(value to write, whether it is text)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, False
    if isinstance(value, bool):
        return value, False
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, bool):
        return value, False
    if isinstance(value, numbers.Real):
        if isinstance(value, float) and math.isnan(value):
            return None, False
        if isinstance(value, float) and math.isinf(value):
            return str(value), True
        return value, False
    if isinstance(value, (dt.datetime, dt.date)):
        return value, False
    return neutralise_cell(str(value)), True


def _write_cell(ws, row: int, column: int, value: Any) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value, is_text = _xlsx_value(value)
    cell = ws.cell(row=row, column=column)
    if is_text:
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"  # always text: openpyxl would otherwise store "=..." as a formula
    else:
        cell.value = value


def table_xlsx(df: pd.DataFrame, provenance: Provenance, suppression: Suppression | None = None) -> bytes:
    """The table as an .xlsx workbook: sheet ``data``, and sheet ``provenance`` with the stamp.

    Text cells are written as text (``data_type`` ``"s"``), never as formulas, and
    neutralised like CSV cells; numbers stay numbers.

    Examples
    --------
    >>> import io, openpyxl, pandas as pd
    >>> b = table_xlsx(pd.DataFrame({"x": ["=1+1"], "n": [3]}), Provenance("demo", date="2026-01-31"))
    >>> ws = openpyxl.load_workbook(io.BytesIO(b))["data"]
    >>> ws["A2"].value, ws["A2"].data_type, ws["B2"].value
    ("'=1+1", 's', 3)
    """
    from openpyxl import Workbook

    data, provenance = _prepare(df, provenance, suppression)
    book = Workbook()
    ws = book.active
    ws.title = DATA_SHEET
    for j, name in enumerate(data.columns, start=1):
        _write_cell(ws, 1, j, str(name))
    for i, row in enumerate(data.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            _write_cell(ws, i, j, value)
    sheet = book.create_sheet(PROVENANCE_SHEET)
    for i, line in enumerate(provenance.lines(), start=1):
        _write_cell(sheet, i, 1, line)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# -- state -------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be written to JSON")


def state_json(state: Mapping[str, Any] | Any, provenance: Provenance) -> bytes:
    """The view state and its provenance as UTF-8 JSON: ``{"provenance": {...}, "state": {...}}``.

    Examples
    --------
    >>> import json
    >>> doc = json.loads(state_json({"duration": "early"}, Provenance("demo", date="2026-01-31")))
    >>> doc["state"], doc["provenance"]["date"]
    ({'duration': 'early'}, '2026-01-31')
    """
    if dataclasses.is_dataclass(state) and not isinstance(state, type):
        state = dataclasses.asdict(state)
    doc = {"provenance": provenance.to_dict(), "state": dict(state)}
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default).encode("utf-8")


# -- charts ------------------------------------------------------------------------------
def _vega_lite_dict(chart: Any) -> dict:
    if isinstance(chart, Mapping):
        return copy.deepcopy(dict(chart))
    import altair as alt

    with alt.data_transformers.enable("default", max_rows=None):  # inline data, never files or URLs
        return chart.to_dict()


def chart_spec_with_footer(chart: Any, provenance: Provenance) -> dict:
    """The chart's Vega-Lite spec wrapped so the provenance is drawn under it, in the image.

    Parameters
    ----------
    chart
        An Altair chart (any kind: single, layered, concatenated, faceted) or a
        Vega-Lite spec as a dict.
    provenance
        The stamp.

    Examples
    --------
    >>> spec = {"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x"}}}
    >>> out = chart_spec_with_footer(spec, Provenance("demo", reconstructed=True, date="2026-01-31"))
    >>> out["title"]["text"][0], out["title"]["orient"]
    ('Reconstructed data — not observations', 'bottom')
    """
    inner = _vega_lite_dict(chart)
    top = {k: inner.pop(k) for k in _TOP_LEVEL_KEYS if k in inner}
    if "params" in inner and "mark" not in inner:
        # compound charts keep their selections at the top level, naming the views they bind to
        top["params"] = inner.pop("params")
    footer = {
        "text": provenance.lines(), "orient": "bottom", "anchor": "start", "frame": "group",
        "fontSize": FOOTER_FONT_SIZE, "fontWeight": "normal", "color": FOOTER_COLOR,
        "offset": FOOTER_OFFSET_PX,
    }
    return {**top, "vconcat": [inner], "title": footer}


def _convert(kind: str, chart: Any, provenance: Provenance, **options) -> Any:
    import vl_convert

    spec = chart_spec_with_footer(chart, provenance)
    convert = vl_convert.vegalite_to_png if kind == "png" else vl_convert.vegalite_to_svg
    return convert(spec, allowed_base_urls=[], **options)  # offline: no data fetched from anywhere


def chart_png(chart: Any, provenance: Provenance, scale: float = PNG_SCALE) -> bytes:
    """The chart as PNG bytes, rendered offline, with the provenance drawn under it.

    Examples
    --------
    >>> spec = {"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x"}}}
    >>> chart_png(spec, Provenance("demo", date="2026-01-31"))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    return _convert("png", chart, provenance, scale=scale)


def chart_svg(chart: Any, provenance: Provenance) -> bytes:
    """The chart as SVG (UTF-8 bytes), rendered offline, with the provenance drawn under it as text."""
    return _convert("svg", chart, provenance).encode("utf-8")
