"""Exact dates read as cells: their formats, and day/month order told from the column, never guessed.

Dates are identifiers: the reader only turns them into intervals (see
:mod:`sjia_explore.readers.timing`) and then drops them.

Accepted: ISO ``2024-12-31`` (a time after it is ignored), ``2024/12/31``,
day and month in either order with ``/``, ``.`` or ``-`` (``31/12/2024``,
``12/31/2024``) and, in an .xlsx workbook only, Excel serial day numbers
(``45657``). The order of day and month is told from the values of all the
date columns of one file: a day above 12 in the first place means day first,
in the second place month first; when no value tells, or values disagree,
that is a problem, not a guess.

Examples
--------
>>> dates = parse_dates(["2024-12-31", "31/12/2024", "01/02/2024", ""], workbook=False)
>>> dates.values, dates.order
([datetime.date(2024, 12, 31), datetime.date(2024, 12, 31), datetime.date(2024, 2, 1), None], 'dmy')
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sjia_explore.readers.reading import is_missing

#: Excel's day 0 for serial numbers (the 1900 date system, with its leap-year quirk).
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers read as dates: 1950-01-01 to 2099-12-31; outside them a number is not a date here.
EXCEL_SERIAL_RANGE = (18264, 73050)
#: Years accepted in a date (sJIA patients' onsets and visits).
YEAR_RANGE = (1950, 2099)

_ISO = re.compile(r"\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*")
_DMY = re.compile(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*")
_SERIAL = re.compile(r"\s*(\d{5})(?:\.\d+)?\s*")


@dataclass
class ParsedDates:
    """One column of dates: ``values`` (``None`` when missing or unreadable) and what went wrong, by row index.

    ``order`` is ``"dmy"``, ``"mdy"``, or ``""`` when no cell was written with day and month first.
    """

    values: list[dt.date | None]
    order: str = ""
    errors: dict[int, str] = field(default_factory=dict)
    ambiguous: bool = False


def _date(year: int, month: int, day: int) -> dt.date | None:
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def day_month_order(texts: list[str]) -> tuple[str, bool]:
    """What the cells say of day/month order: ``("dmy" | "mdy" | "", conflict)``.

    Examples
    --------
    >>> day_month_order(["31/12/2024", "01/02/2024"]), day_month_order(["12/31/2024"])
    (('dmy', False), ('mdy', False))
    >>> day_month_order(["01/02/2024"]), day_month_order(["31/12/2024", "12/31/2024"])
    (('', False), ('', True))
    """
    first = second = False
    for text in texts:
        m = _DMY.fullmatch(str(text))
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            first |= a > 12 >= b
            second |= b > 12 >= a
    if first and second:
        return "", True
    return ("dmy" if first else "mdy" if second else ""), False


def parse_dates(texts: list[str], workbook: bool, order: str | None = None) -> ParsedDates:
    """Read a column of date cells (see the module's docstring for the formats).

    Parameters
    ----------
    texts
        The cells as text.
    workbook
        True when they come from an .xlsx sheet: five-digit numbers are Excel serial days.
    order
        ``"dmy"`` or ``"mdy"`` when other columns of the same file have told it; else
        it is told from ``texts`` (and a column that cannot tell is ``ambiguous``).
    """
    if not order:
        order, conflict = day_month_order(texts)
    else:
        conflict = False
    out = ParsedDates([None] * len(texts), order)
    for i, text in enumerate(texts):
        text = str(text)
        if is_missing(text):
            continue
        m = _ISO.fullmatch(text)
        if m:
            value = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif (m := _DMY.fullmatch(text)) is not None:
            if len(m.group(3)) != 4:
                out.errors[i] = "has a two-digit year; write the year with four digits (best: YYYY-MM-DD)"
                continue
            a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if conflict:
                out.errors[i] = ("is in a column whose dates are written day-first on some rows and month-first on "
                                 "others; write every date as YYYY-MM-DD")
                continue
            if not order:
                if a == b:  # the same either way
                    out.values[i] = _date(year, a, a)
                    continue
                out.ambiguous = True
                continue
            value = _date(year, b, a) if order == "dmy" else _date(year, a, b)
        elif workbook and (m := _SERIAL.fullmatch(text)) is not None:
            serial = int(m.group(1))
            value = EXCEL_EPOCH + dt.timedelta(days=serial) \
                if EXCEL_SERIAL_RANGE[0] <= serial <= EXCEL_SERIAL_RANGE[1] else None
        else:
            value = None
        if value is None:
            out.errors[i] = "is not a date (write dates as YYYY-MM-DD, years 1950–2099)"
        else:
            out.values[i] = value
    return out
