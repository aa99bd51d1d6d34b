"""The multiplicity ledger on screen: every p-value shown in this session, what that many means, and a reset."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets
import pandas as pd

from sjia_explore import format as fmt
from sjia_explore.app.views.html import esc, text
from sjia_explore.app.vocabulary import TEST_METHOD_LABELS, outcome_title

W = widgets

EMPTY = ("<b>Tests shown so far in this session: none.</b> Every p-value you are shown (the statistics below, "
         "the window-of-opportunity strip, Table 1) adds to this count, for every selection of patients, until "
         "you choose to start counting again.")


def ledger_html(ledger: pd.DataFrame, sentence: str) -> str:
    """The ledger in plain words (HTML, escaped).

    ``ledger`` is :meth:`sjia_explore.stats.TestLedger.to_frame` (``analysis``, ``selection``, ``outcome``,
    ``method``, ``n_tests``, ...); ``sentence`` is :meth:`~sjia_explore.stats.TestLedger.sentence`.
    """
    n = int(ledger["n_tests"].sum()) if ledger is not None and len(ledger) else 0
    if n == 0:
        return f'<div class="sjia-ledger">{EMPTY}</div>'
    shown = ledger[ledger["n_tests"] > 0]
    several = shown["cohort"].nunique() > 1  # a file was uploaded: each test says which cohort it was on
    grouped = shown.groupby(["cohort", "selection", "analysis", "outcome", "method"], sort=False)["n_tests"].agg(
        ["sum", "count"])
    items = []
    for (cohort, selection, analysis, column, method), row in grouped.iterrows():
        selection = f"{selection}; {cohort}" if several and cohort else selection
        how = TEST_METHOD_LABELS.get(method, method)
        extra = (f" ({fmt.plural(int(row['count']), 'distinct split')} of the patients by the cut-offs tried)"
                 if str(analysis).startswith("early vs late") else "")
        who = f" [{selection}]" if selection else ""
        items.append(f"<li>{fmt.plural(int(row['sum']), 'test')}: {esc(analysis)}{esc(extra)} — "
                     f"{esc(outcome_title(column))}, {esc(how)}{esc(who)}</li>")
    return (f'<div class="sjia-ledger"><b>Tests shown so far in this session: {n}</b><ul>{"".join(items)}</ul>'
            f"{esc(sentence)} The same test shown again is not counted again.</div>")


class LedgerView:
    """The ledger's text and a button that starts the count again (``on_reset`` is called on a click)."""

    def __init__(self, css: str, on_reset: Callable[..., None]):
        self.text = text()
        self.text.add_class(css)
        self.reset = W.Button(description="Start counting again", tooltip="Forget the tests counted so far",
                              layout=W.Layout(width="auto"))
        self.reset.add_class("sjia-ledger-reset")
        self.reset.on_click(on_reset)
        self.box = W.VBox([self.text, self.reset])

    @property
    def value(self) -> str:
        return self.text.value

    def render(self, ledger: pd.DataFrame, sentence: str) -> None:
        self.text.value = ledger_html(ledger, sentence)
        self.reset.layout.display = "" if len(ledger) and ledger["n_tests"].sum() else "none"
