"""Small pieces of HTML shared by the views. Every data text goes through :func:`esc`."""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as widgets
import pandas as pd
from ipywidgets.widgets.widget_string import HTMLStyle


def esc(value: Any) -> str:
    """``value`` as text safe inside HTML (quotes included)."""
    return html.escape(str(value), quote=True)


class _Fixed:
    """A widget part that cannot be changed once made (it is shared: a change would reach every text)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_fixed", False) and name in self.keys:  # what the page sees (not e.g. its comm)
            raise TypeError(f"this {type(self).__name__} is shared by many texts and cannot be changed: "
                            f"give the widget its own (layout=widgets.Layout(...)) to set {name!r}")
        super().__setattr__(name, value)

    def fix(self):
        object.__setattr__(self, "_fixed", True)
        return self


class FixedLayout(_Fixed, widgets.Layout):
    """The Layout shared by :func:`text` widgets."""


class FixedHTMLStyle(_Fixed, HTMLStyle):
    """The HTMLStyle shared by :func:`text` widgets."""


_shared: dict[str, widgets.Widget] = {}  # this kernel's shared parts, made with the first text


def _shared_part(kind: type[widgets.Widget]) -> widgets.Widget:
    part = _shared.get(kind.__name__)
    if part is None or part.comm is None:  # none yet, or closed
        part = _shared[kind.__name__] = kind().fix()
    return part


def text(value: str = "") -> widgets.HTML:
    """An HTML widget whose layout and style are never changed: a text, a heading, a count line.

    Every such text shares one Layout and one HTMLStyle (a page otherwise gets two
    more widget models with each text, about half of all it gets). Its value and CSS
    classes change as any widget's; to hide or size it, make a ``widgets.HTML``
    with its own ``layout`` instead (setting the shared one raises).

    Examples
    --------
    >>> a, b = text("<b>Sex</b>"), text()
    >>> a.layout is b.layout and a.style is b.style
    True
    >>> try:
    ...     a.layout.display = "none"
    ... except TypeError as err:
    ...     print(str(err)[:47])
    this FixedLayout is shared by many texts and ca
    """
    return widgets.HTML(value, layout=_shared_part(FixedLayout), style=_shared_part(FixedHTMLStyle))


def heading(words: str) -> widgets.HTML:
    """A small heading of the sidebar."""
    return text(f'<h3 class="sjia-heading">{esc(words)}</h3>')


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
