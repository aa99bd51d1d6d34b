"""What a read produces: sheets of text cells, the :class:`Reading` of a whole input, and small helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from sjia_explore.schema import MISSING_TOKENS, Problem

#: Longest cell text echoed in a message.
MESSAGE_CELL_CHARS = 40


# -- results -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ReadOptions:
    """What the files cannot say themselves: how to turn dates into visit weeks.

    Attributes
    ----------
    visit_windows
        Nominal week -> half-width in weeks, or (earliest, latest) week; ``None`` for
        :data:`sjia_explore.readers.timing.DEFAULT_VISIT_WINDOWS`. Used when visits are
        given by date or study day.
    event_weeks
        REDCap event name -> week, for events whose name does not say it
        (``{"flare_arm_1": 16}``); see :mod:`sjia_explore.readers.redcap`.
    """

    visit_windows: Mapping | None = None
    event_weeks: Mapping[str, float] | None = None


@dataclass
class Sheet:
    """One grid of text cells as read from a file or worksheet, header found.

    ``row_numbers[i]`` is the spreadsheet row of ``rows[i]``.
    """

    label: str
    name: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    header_row: int = 1
    delimiter: str | None = None  # for CSV text; decimal commas are read only when it is not ","
    workbook: bool = False  # from an .xlsx sheet (numbers in date columns are Excel serial days)

    @property
    def decimal_comma(self) -> bool:
        return self.delimiter is not None and self.delimiter != ","


@dataclass
class Reading:
    """What was read: text frames per table and everything said about them.

    Attributes
    ----------
    layout
        ``"tables"``, ``"long"`` or ``"redcap"`` (empty when nothing usable was found).
    frames
        Table name -> frame of text cells with the schema's column names (other
        columns keep their header as written).
    labels
        Table name -> file label for messages (``visits.csv``, ``cohort.xlsx[visits]``).
    row_numbers
        Table name -> spreadsheet row of each frame row.
    header_rows
        Table name -> spreadsheet row of its header (1 unless title rows came first).
    problems, warnings
        What makes the input invalid / what the reader assumed or dropped.
    notes
        Warnings that may explain problems (the encoding guessed): listed with the
        problems when the input is invalid.
    unreadable
        Tables that were found but could not be read (no "not found" problem for them).
    headers
        (table, column) -> the header as written in the file, for messages.
    workbook_tables
        Tables read from an .xlsx sheet.
    source_columns
        Table -> (frame row, column) -> the header of the cell it was read from,
        where that is not the column's own header (wide tables).
    sha256
        Digest of the bytes read.
    emptied
        Tables whose every row a reading step left out for problems it already
        reported (e.g. visit dates that could not be read): no "no rows" problem
        is added for them.
    """

    layout: str = ""
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    row_numbers: dict[str, list[int]] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    sha256: str = ""
    headers: dict[tuple[str, str], str] = field(default_factory=dict)
    workbook_tables: set[str] = field(default_factory=set)
    source_columns: dict[str, dict[tuple[int, str], str]] = field(default_factory=dict)
    emptied: set[str] = field(default_factory=set)

    def problem(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def note(self, file: str, row: int | None, column: str | None, message: str) -> None:
        """A warning that, should the cohort be refused, is said first among its problems (it is their cause)."""
        self.warn(file, row, column, message)
        self.notes.append(Problem(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        """Record a warning once (a long sheet feeds two tables and would otherwise say it twice)."""
        warning = Problem(file, row, column, message)
        if warning not in self.warnings:
            self.warnings.append(warning)


@dataclass
class Candidate:
    """A file, archive member or sheet that may hold a table; read only when needed."""

    name: str
    label: str
    load: Callable[[Reading], Sheet | None]


def short(text: str) -> str:
    text = str(text)
    return text if len(text) <= MESSAGE_CELL_CHARS else text[:MESSAGE_CELL_CHARS - 3] + "..."


def is_missing(text: str) -> bool:
    return str(text).strip().lower() in MISSING_TOKENS


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index.

    Examples
    --------
    >>> column_letter(0), column_letter(25), column_letter(27)
    ('A', 'Z', 'AB')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters
