"""Small pieces of HTML shared by the views. Every data text goes through :func:`esc`."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import pandas as pd

from sjia_explore import format as fmt
from sjia_explore.app.vocabulary import TEST_METHOD_LABELS, outcome_title


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


def ledger_html(ledger: pd.DataFrame) -> str:
    """The multiplicity ledger in plain words: how many tests were run on this selection.

    ``ledger`` is :meth:`sjia_explore.stats.TestLedger.to_frame` (``analysis``, ``outcome``, ``method``,
    ``n_tests``).
    """
    if ledger is None or ledger.empty:
        return ('<div class="sjia-ledger"><b>Tests run on these patients so far: none.</b> Every test you run '
                "(statistics below, the window-of-opportunity strip) adds to this count. It starts again "
                "when you change which patients are selected.</div>")
    n = int(ledger["n_tests"].sum())
    grouped = ledger.groupby(["analysis", "outcome", "method"], sort=False)["n_tests"].agg(["sum", "count"])
    items = []
    for (analysis, column, method), row in grouped.iterrows():
        how = TEST_METHOD_LABELS.get(method, method)
        extra = (f" ({fmt.plural(int(row['count']), 'distinct split')} of the patients by the cut-offs tried)"
                 if str(analysis).startswith("early vs late") else "")
        items.append(f"<li>{fmt.plural(int(row['sum']), 'test')}: {esc(analysis)}{esc(extra)} — "
                     f"{esc(outcome_title(column))}, {esc(how)}</li>")
    expected = 0.05 * n
    return (f'<div class="sjia-ledger"><b>Tests run on these patients so far: {n}</b><ul>{"".join(items)}</ul>'
            f"Even when nothing really differs, about 1 test in 20 gives p &lt; 0.05 by chance alone: among "
            f"{n} tests, expect about {expected:.1f} such results. The count starts again when you change which "
            "patients are selected.</div>")
