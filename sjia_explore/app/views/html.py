"""Small pieces of HTML shared by the views. Every data text goes through :func:`esc`."""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as widgets
import pandas as pd
from ipywidgets.widgets.widget_bool import CheckboxStyle
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
    """A Layout shared by widgets that are never hidden or resized (:func:`text`, :func:`fixed_layout`)."""


class FixedHTMLStyle(_Fixed, HTMLStyle):
    """The HTMLStyle shared by :func:`text` widgets."""


class FixedCheckboxStyle(_Fixed, CheckboxStyle):
    """A CheckboxStyle shared by check boxes (:func:`shared_style`)."""


class FixedToggleButtonsStyle(_Fixed, widgets.ToggleButtonsStyle):
    """A ToggleButtonsStyle shared by toggle buttons of one look (:func:`shared_style`)."""


_shared: dict[tuple, widgets.Widget] = {}  # this kernel's shared parts, made when first asked for


def _shared_part(kind: type[widgets.Widget], **traits: Any) -> widgets.Widget:
    key = (kind.__name__, *sorted(traits.items()))
    part = _shared.get(key)
    if part is None or part.comm is None:  # none yet, or closed
        part = _shared[key] = kind(**traits).fix()
    return part


def fixed_layout() -> widgets.Layout:
    """The Layout shared by widgets that are never hidden, moved or resized (setting it raises).

    Examples
    --------
    >>> fixed_layout() is fixed_layout()
    True
    """
    return _shared_part(FixedLayout)


def shared_style(kind: str, **traits: Any) -> widgets.Widget:
    """One style of ``kind`` (``"checkbox"`` or ``"toggle_buttons"``) with ``traits``, shared by every widget
    given it: one widget model instead of one per widget. It cannot be changed once made.

    Examples
    --------
    >>> shared_style("toggle_buttons", button_width="84px") is shared_style("toggle_buttons", button_width="84px")
    True
    >>> shared_style("toggle_buttons", button_width="84px").button_width
    '84px'
    """
    kinds = {"checkbox": FixedCheckboxStyle, "toggle_buttons": FixedToggleButtonsStyle}
    return _shared_part(kinds[kind], **traits)


def text(value: str = "", layout: widgets.Layout | None = None) -> widgets.HTML:
    """An HTML widget whose style is never changed: a text, a heading, a count line.

    Every such text shares one HTMLStyle and, unless it is given a ``layout`` of its
    own (to be hidden or sized), one Layout: a page otherwise gets two more widget
    models with each text, about half of all it gets. Its value and CSS classes change
    as any widget's; setting the shared layout raises.

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
    return widgets.HTML(value, layout=layout if layout is not None else fixed_layout(),
                        style=_shared_part(FixedHTMLStyle))


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
