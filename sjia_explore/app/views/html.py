"""Small pieces of HTML shared by the views. Every data text goes through :func:`esc`."""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as widgets
import pandas as pd


def esc(value: Any) -> str:
    """``value`` as text safe inside HTML (quotes included)."""
    return html.escape(str(value), quote=True)


def heading(text: str) -> widgets.HTML:
    """A small heading of the sidebar."""
    return widgets.HTML(f'<h3 class="sjia-heading">{esc(text)}</h3>')


def table_html(df: pd.DataFrame) -> str:
    """A plain table, every cell escaped."""
    return df.to_html(index=False, escape=True, border=0, na_rep="")


_LOCATION = re.compile(r"^([^:\n]+):(\d*):([^:\s]*): ")


def plain_location(line: Any) -> str:
    """A ``file:row:column: message`` line without the empty parts (no ``::`` where row or column is unknown).

    Examples
    --------
    >>> plain_location("visits.csv:3:week: not a number"), plain_location("cohort.zip::: damaged")
    ('visits.csv:3:week: not a number', 'cohort.zip: damaged')
    >>> plain_location("visits.csv::sjadas27: derived"), plain_location("visits.csv:4:: 6 cells")
    ('visits.csv, column sjadas27: derived', 'visits.csv, row 4: 6 cells')
    """
    line = str(line)
    found = _LOCATION.match(line)
    if not found or (found[2] and found[3]):
        return line
    file, row, column = found.groups()
    where = file + (f", row {row}" if row else "") + (f", column {column}" if column else "")
    return f"{where}: {line[found.end():]}"


def problem_lines(lines) -> str:
    """One ``file:row:column: message`` per line (empty parts left out), in a monospace font."""
    return "".join(f'<div class="sjia-problem-line">{esc(plain_location(line))}</div>' for line in lines)
