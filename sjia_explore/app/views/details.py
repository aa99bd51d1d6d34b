"""The panels under the sections: Table 1, the statistics panel, and share / reproduce / download.

The statistics and share panels build their widgets the first time they are opened
(see :mod:`sjia_explore.app.views.lazy`).
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets
import numpy as np
import pandas as pd

from sjia_explore import format as fmt
from sjia_explore.app.address import served_by_voila, share_words
from sjia_explore.app.browser import CopyButton, DownloadBar, ShareAddress
from sjia_explore.app.model import Table1Model, TestsModel
from sjia_explore.app.state import DETAIL_PANELS
from sjia_explore.app.views.html import esc, text
from sjia_explore.app.views.lazy import LazyView
from sjia_explore.app.views.ledger import LedgerView
from sjia_explore.app.vocabulary import (
    OUTCOMES,
    SUPPRESSION_CHOICES,
    TEST_METHOD_LABELS,
    TEST_METHODS,
    TESTS_CAUTION,
    TESTS_RECONSTRUCTED,
    outcome,
    stats_methods,
)

W = widgets
#: The panels, in order (the accordion's titles).
PANELS = DETAIL_PANELS
PANEL_TITLES = ("Table 1: baseline characteristics of the selected patients", "Statistics: change from week 0",
                "Share, reproduce or download this view")


def table1_html(model: Table1Model | None) -> str:
    if model is None:
        return "<p>Making Table 1…</p>"
    if model.table is None:
        return f"<p>{esc(model.message)}</p>"
    return (f"<p>{fmt.patients(model.n_patients).capitalize()}, split at {model.cutoff:g} months "
            "from onset to treatment. Counts are n (%); numbers are mean (SD) or median [Q1, Q3].</p>"
            + model.table.to_html(escape=True, na_rep="", border=0)
            + (f"<p>Note: {esc(model.note)}.</p>" if model.note else ""))


def tests_html(model: TestsModel) -> str:
    """Change from week 0 by the chosen method(s), as an HTML table."""
    if model.message:
        return f"<p>{esc(model.message)}</p>"
    chosen = outcome(model.outcome)
    by_week, overall = model.by_week, model.overall
    digits = 2 if chosen.value_format == ".2f" else 1
    table = pd.DataFrame({
        "Method": by_week["method"].map(TEST_METHOD_LABELS),
        "Week": by_week["week"].map(lambda w: f"{w:g}"),
        "n": by_week["n"],
        "Mean": by_week["mean"].map(lambda v: fmt.decimals(v, digits + 1)),
        "Change from week 0": by_week["diff_vs_baseline"].map(lambda v: fmt.decimals(v, digits + 1, sign=True)),
        "p (adjusted)": [(fmt.p_value(p) if np.isfinite(p) else "not given: see note") for p in by_week["p_adjusted"]],
        "Test": by_week["test"],
        "Note": by_week["note"].fillna(""),
    })
    if len(model.methods) == 1:
        table = table.drop(columns="Method")
    notes = []
    if table["Note"].nunique() == 1:  # one note for every row: say it once, under the table
        notes = [n for n in table["Note"].unique() if n]
        table = table.drop(columns="Note")
    overall_items = "".join(
        f"<li>{esc(TEST_METHOD_LABELS[r.method])}: {esc(r.test)}, n = {int(r.n)}, "
        + (fmt.p_equals(r.p) if np.isfinite(r.p) else "no p-value")
        + (f". {esc(r.note)}" if isinstance(r.note, str) and r.note and r.note not in notes else "")
        + "</li>"
        for r in overall.itertuples())
    lines = [
        f"<p><b>{esc(chosen.title)}</b> in {fmt.patients(model.n_patients)} ({esc(model.description)}).</p>",
        f"<p>Overall test across all visits:</p><ul>{overall_items}</ul>",
        "<p>Each visit against week 0:</p>",
        table.to_html(index=False, escape=True, border=0, na_rep=""),
        "".join(f"<p>Note: {esc(n)}.</p>" for n in notes),
        f'<p class="sjia-caution">{esc(TESTS_CAUTION)}'
        + (f" {esc(TESTS_RECONSTRUCTED)}" if model.reconstructed else "") + "</p>",
    ]
    text = "".join(lines)
    if model.repeated:
        text = '<p class="sjia-n">Already run for these patients: shown again, and not counted again.</p>' + text
    return text


class StatisticsPanel(LazyView):
    """Tests of change from week 0, run on request only (some take seconds, and every run is another test).

    Built the first time the panel is opened."""

    def __init__(self, on_run: Callable[..., None], on_reset_ledger: Callable[..., None]):
        super().__init__("sjia-tests")
        self._on_run = on_run
        self._on_reset_ledger = on_reset_ledger
        self.shown_for: tuple | None = None  # (selection, outcome, method) of the results on screen

    def _build(self) -> list:
        self.outcome = W.Dropdown(options=[(o.title, o.column) for o in OUTCOMES], value=OUTCOMES[0].column,
                                  description="Outcome", layout=W.Layout(width="260px"))
        self.outcome.add_class("sjia-test-outcome")
        self.method = W.Dropdown(options=[(TEST_METHOD_LABELS[m], m) for m in TEST_METHODS], value="paper",
                                 description="Method", layout=W.Layout(width="400px"))
        self.method.add_class("sjia-test-method")
        self.method_text = text()
        self.method_text.add_class("sjia-test-method-text")
        self.run = W.Button(description="Run the tests for the selected patients",
                            layout=W.Layout(width="auto", align_self="flex-start"))
        self.run.add_class("sjia-run-tests")
        self.run.on_click(self._on_run)
        self.results = text()
        self.results.add_class("sjia-stats")
        self.ledger = LedgerView("sjia-stats-ledger", self._on_reset_ledger)
        return [W.HBox([self.outcome, self.method], layout=W.Layout(flex_flow="row wrap")),
                self.method_text, self.run, self.results, self.ledger.box]

    @staticmethod
    def key(state) -> tuple:
        """What the test results depend on: the patients, the outcome and the method."""
        return (state.selection(), state.test_outcome, state.test_method)

    def read(self, state) -> dict:
        """The ViewState fields these controls set (``state``'s while the panel is not built)."""
        if not self.built:
            return {"test_outcome": state.test_outcome, "test_method": state.test_method}
        return {"test_outcome": self.outcome.value, "test_method": self.method.value}

    def sync(self, state) -> None:
        """Set the controls to ``state`` (the caller holds back the updates this triggers)."""
        if self._later("sync", state):
            return
        self.outcome.value = state.test_outcome
        self.method.value = state.test_method

    def render_status(self, state) -> None:
        """The method's description, and whether the results shown still belong to this view."""
        if self._later("render_status", state):
            return
        from sjia_explore import stats

        self.method_text.value = "<br>".join(
            f"<b>{esc(TEST_METHOD_LABELS[m])}</b>: {esc(stats.METHOD_DESCRIPTIONS[m])}."
            for m in stats_methods(state.test_method))
        if self.shown_for is None:
            self.results.value = ("<p>Press the button to test whether the outcome changed from week 0 "
                                  "in the selected patients.</p>")
        elif self.shown_for != self.key(state):
            self.shown_for = None
            self.results.value = ('<p class="sjia-stale">The patients, outcome or method changed since the '
                                  "tests were run. Press the button to run them for this view.</p>")

    def render_ledger(self, frame, sentence: str) -> None:
        if not self._later("render_ledger", frame, sentence):
            self.ledger.render(frame, sentence)

    def render(self, state, model: TestsModel) -> None:
        self.results.value = tests_html(model)
        self.shown_for = self.key(state)


def privacy_html(data_name: str | None = None, data_sha: str | None = None) -> str:
    """What the address of a view holds, and what it never holds (the data), in plain words.

    Examples
    --------
    >>> "never the data" in privacy_html("mycohort.csv", "1a2b3c4d5e6f")
    True
    """
    if data_name is None:
        return ("<p>The address holds your choices (filters, cut-off, section, open panel), never any data: "
                "whoever opens it sees this view of the same cohort.</p>")
    return (f"<p><b>The address holds your choices, never the data:</b> whoever opens it needs the same file. "
            f"It names your file “{esc(data_name)}” and its fingerprint {esc(data_sha)} (the start of the file’s "
            "SHA-256, which tells whether a file is the same without revealing anything in it). Whoever opens the "
            "address is asked to upload that file, and sees this view once they do.</p>")


class SharePanel(LazyView):
    """The view as an address, JSON and Python; downloads with their provenance (built when first opened)."""

    def __init__(self, downloads: Callable[[], DownloadBar]):
        super().__init__("sjia-share")
        self._downloads = downloads
        self._suppression = 0  # the choice of small counts hidden in downloads, kept while the panel is not built

    def _build(self) -> list:
        self.json_text = W.Textarea(layout=W.Layout(width="100%", height="190px"))
        self.json_text.add_class("sjia-state-json")
        self.python_text = W.Textarea(layout=W.Layout(width="100%", height="250px"))
        self.python_text.add_class("sjia-state-python")
        self.copy_json = CopyButton(label="Copy JSON")
        self.copy_json.add_class("sjia-copy-json")
        self.copy_python = CopyButton(label="Copy Python")
        self.copy_python.add_class("sjia-copy-python")
        self.suppression = W.Dropdown(options=list(SUPPRESSION_CHOICES), value=self._suppression,
                                      description="Small counts in downloaded tables:",
                                      style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        self.suppression.add_class("sjia-suppression")
        self.address = ShareAddress(layout=W.Layout(width="100%"))
        self.address.add_class("sjia-share-address")
        self.privacy = text(privacy_html())
        self.privacy.add_class("sjia-share-privacy")
        return [
            text(share_words(served_by_voila())),
            self.address, self.privacy,
            text("<p>The same view as data (JSON) and as Python for JupyterLab:</p>"),
            self.copy_json, self.json_text, self.copy_python, self.python_text,
            text("<p>Downloads carry where they came from (data source, selection, date, and whether values "
                 "are reconstructed). For tables, choose whether small counts are hidden:</p>"),
            self.suppression, self._downloads(),
        ]

    @property
    def suppression_value(self) -> int:
        """Counts below this are hidden in downloaded tables (0: none)."""
        return int((self.suppression.value if self.built else self._suppression) or 0)

    def set_suppression(self, value: int) -> None:
        self._suppression = value
        if self.built:
            self.suppression.value = value

    def render(self, json_text: str, python_text: str, query: str = "", data_name: str | None = None,
               data_sha: str | None = None) -> None:
        """Show a view's address (``query``), JSON and Python, and what its address holds."""
        if self._later("render", json_text, python_text, query, data_name, data_sha):
            return
        self.address.query = query
        self.privacy.value = privacy_html(data_name, data_sha)
        self.json_text.value = self.copy_json.text = json_text
        self.python_text.value = self.copy_python.text = python_text
