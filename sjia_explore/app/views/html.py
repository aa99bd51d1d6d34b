"""Small pieces of HTML shared by the views. Every data text goes through :func:`esc`."""

from __future__ import annotations

import html
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


def problem_lines(lines) -> str:
    """One ``file:row:column: message`` per line, in a monospace font."""
    return "".join(f'<div class="sjia-problem-line">{esc(line)}</div>' for line in lines)
