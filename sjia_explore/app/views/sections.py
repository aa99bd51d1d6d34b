"""The three sections of the main area (tabs): trajectories, window of opportunity, steroids and safety.

Each view builds its widgets once and :meth:`render` puts a section model on screen. The window of
opportunity and the safety sections build theirs the first time they are shown (see
:mod:`sjia_explore.app.views.lazy`).
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets
import numpy as np
import pandas as pd

from sjia_explore import format as fmt
from sjia_explore.app.browser import DownloadBar
from sjia_explore.app.model import AdverseEventsModel, SafetyModel, SteroidModel, WindowModel
from sjia_explore.app.views.html import esc, table_html, text
from sjia_explore.app.views.lazy import LazyView
from sjia_explore.app.views.ledger import LedgerView
from sjia_explore.app.vocabulary import DEFAULT_PANELS, MAX_PANELS, OUTCOMES, PANEL_OUTCOMES, outcome, study_label
from sjia_explore.conventions import ABSENT

W = widgets


def chart_widget(css: str):
    """An empty chart widget (its ``chart`` is set on every update)."""
    from sjia_explore.vega import VegaChart

    chart = VegaChart()
    chart.add_class("sjia-chart-widget")
    chart.add_class(css)
    return chart


class LazyChart:
    """A chart in a box, made the first time there is something to draw; hidden when there is nothing."""

    def __init__(self, css: str, layout: W.Layout | None = None):
        self.css = css
        self.chart = None
        self.box = W.Box(layout=layout or W.Layout(overflow="auto hidden", width="100%"))
        self._clicks: tuple | None = None

    def on_click(self, callback, field: str) -> None:
        """Call ``callback(value)`` when a mark with ``field`` is clicked (see :meth:`VegaChart.on_click`)."""
        self._clicks = (callback, field)
        if self.chart is not None:
            self.chart.on_click(callback, field)

    def render(self, spec: dict | None) -> None:
        if spec is None:
            self.box.layout.display = "none"
            return
        if self.chart is None:
            self.chart = chart_widget(self.css)
            if self._clicks is not None:
                self.chart.on_click(*self._clicks)
            self.box.children = [self.chart]
        self.chart.chart = spec
        self.box.layout.display = ""


def download_bar(name: str, items, producer) -> DownloadBar:
    bar = DownloadBar(producer, items=[{"key": key, "label": label} for key, label in items])
    bar.add_class(f"sjia-downloads-{name}")
    return bar


class TrajectoriesView:
    """The trajectory panels (three, active joints, sJADAS27 and steroid dose, unless others are chosen above
    them)."""

    def __init__(self, downloads: DownloadBar):
        self.chart = chart_widget("sjia-chart")
        self.chart.add_class("sjia-chart-joints")  # the first panel is active joints
        self.chart_box = W.Box([self.chart], layout=W.Layout(overflow="auto hidden", width="100%"))
        self.missing = text(layout=W.Layout(display="none"))
        self.missing.add_class("sjia-missing-outcomes")
        self._available: tuple[str, ...] = tuple(o.column for o in PANEL_OUTCOMES)
        self._syncing = False
        self.choices = []
        for i, column in enumerate(DEFAULT_PANELS):
            choice = W.Dropdown(options=self._options(DEFAULT_PANELS), value=column, description=f"Chart {i + 1}",
                                style={"description_width": "56px"}, layout=W.Layout(width="250px"))
            choice.add_class("sjia-panel-choice")
            choice.add_class(f"sjia-panel-choice-{i + 1}")
            choice.observe(self._swap, names="value")
            self.choices.append(choice)
        intro = text("<b>Outcomes shown</b>: choose any three the data record.")
        self.choice_box = W.VBox([intro, W.HBox(self.choices, layout=W.Layout(flex_flow="row wrap"))])
        self.choice_box.add_class("sjia-panel-choices")
        # the same picker as in "Each patient" (the explorer keeps the two together)
        self.highlight = W.Dropdown(options=[("none", "")], value="", description="Highlight a patient",
                                    style={"description_width": "initial"}, layout=W.Layout(width="320px"))
        self.highlight.add_class("sjia-trajectories-highlight-choice")
        self.highlight_note = text()
        self.highlight_note.add_class("sjia-highlight-note")
        self.box = W.VBox([self.choice_box, self.highlight, self.highlight_note, self.missing, self.chart_box,
                           downloads])

    def _options(self, chosen) -> list[tuple[str, str]]:
        """The outcomes the cohort records, and any chosen one it does not (said so)."""
        return [(o.title if o.column in self._available else f"{o.title} (not recorded)", o.column)
                for o in PANEL_OUTCOMES if o.column in self._available or o.column in chosen]

    def _swap(self, change) -> None:
        """An outcome chosen in one chart that another chart shows: the other chart takes this one's old outcome
        (each outcome is drawn once)."""
        if self._syncing or change["new"] is None:
            return
        for other in self.choices:
            if other is not change["owner"] and other.value == change["new"]:
                other.value = change["old"]

    def set_outcomes(self, available) -> None:
        """Offer the outcomes the cohort records (``available``: visits columns, see
        :func:`sjia_explore.app.compute.trajectories.choosable`); the caller then syncs the chosen ones."""
        self._available = tuple(available)

    def read(self) -> tuple[str, ...]:
        """The chosen outcomes, in the order of the charts (each once)."""
        return tuple(dict.fromkeys(c.value for c in self.choices if c.value))[:MAX_PANELS]

    def sync(self, chosen) -> None:
        """Set the choices to ``chosen`` (the caller holds back the updates this triggers)."""
        self._syncing = True
        try:
            options = self._options(chosen)
            for i, choice in enumerate(self.choices):
                value = chosen[i] if i < len(chosen) else None
                if list(choice.options) != options:
                    choice.options = options
                choice.value = value
        finally:
            self._syncing = False

    def render(self, model) -> None:
        if model is not None:
            self.chart.chart = model.spec  # only its rows are sent when only they changed
            self.missing.value = "".join(f"<p>{esc(note)}</p>" for note in model.missing)
            self.missing.layout.display = "" if model.missing else "none"


# -- window of opportunity ------------------------------------------------------------------------
def window_intro_html(model: WindowModel) -> str:
    cut = model.cutoff
    items = []
    for side in model.sides:
        if side.n == 0:
            items.append(f"<li><b>{side.word}</b> ({side.words}): no patients.</li>")
            continue
        where = ", ".join(f"{k} from {esc(study)}" + (f" on {esc(drug)}" if drug else "")
                          for k, study, drug in side.origins)
        items.append(f"<li><b>{side.word}</b> ({side.words}): {fmt.patients(side.n)}: {where}; "
                     f"{side.n_prior_biologic} of {side.n} had another biologic before.</li>")
    if model.n_unknown:
        verb = "is" if model.n_unknown == 1 else "are"
        items.append(f"<li>{fmt.plural(model.n_unknown, 'patient')} without a recorded time from onset to treatment "
                     f"{verb} left out of both.</li>")
    if model.smallest_study:
        s, a, b = model.smallest_study
        small = (f"Within {esc(s)} alone, {a} early patient{'s' if a != 1 else ''} face "
                 f"{b} late: with so few, chance alone can create or hide large differences, so "
                 f"{a} against {b} patients cannot answer the question.")
    else:
        small = ("No study has patients on both sides, so early and late are only ever compared across "
                 "studies, which is exactly where the groups differ in other ways.")
    differences = window_differences(model)
    if differences:
        why = ("The early and late patients differ in more than timing: "
               + fmt.joined_and([words for _, words in differences])
               + ". Any difference below may come from any of these instead of from timing: this is called "
               "confounding.")
    else:
        why = ("The early and late patients here do not differ in study, drug or line of therapy, but they may "
               "still differ in what the data do not record (how severe the disease was, when and where they "
               "were treated): a difference below may come from those instead of from timing (confounding).")
    return (
        "<p><b>Early versus late treatment: the “window of opportunity”.</b> Does the IL-1 blocker work "
        "better when it is started soon after the disease begins? Here the selected patients are split at "
        f"{cut:g} months from onset to treatment (the cut-off among the filters).</p>"
        f"<ul>{''.join(items)}</ul>"
        f'<p class="sjia-caution"><b>Why this view cannot answer that question.</b> {why} {small} Use this view '
        "to ask the question and to see how fragile the answer is, not to decide treatment.</p>")


def window_differences(model: WindowModel) -> list[tuple[str, str]]:
    """How the early and late patients differ besides timing, from who they are: ``(what, in words)`` pairs.

    Study, drug and line of therapy (another biologic before), each only when the two sides differ in it (empty:
    in none of them).
    """
    early, late = (next((s for s in model.sides if s.word == word), None) for word in ("Early", "Late"))
    if early is None or late is None or not early.n or not late.n:
        return []

    def shares(side, part: int) -> dict[str, float]:
        """Share of the side's patients per study (``part`` 1) or drug (``part`` 2) of its origins."""
        out: dict[str, float] = {}
        for origin in side.origins:
            if origin[part]:
                out[origin[part]] = out.get(origin[part], 0) + origin[0] / side.n
        return out

    def differ(a: dict[str, float], b: dict[str, float]) -> bool:
        return a.keys() != b.keys() or any(abs(a[k] - b[k]) > 1e-9 for k in a)

    out = []
    studies = [shares(side, 1) for side in (early, late)]
    if differ(*studies):
        names = sorted(set(studies[0]) | set(studies[1]))
        out.append(("study", "they come from different <b>studies</b>"
                    + ("" if set(studies[0]) != set(studies[1]) else " in different proportions")
                    + f" ({esc(', '.join(names))})"))
    drugs = [shares(side, 2) for side in (early, late)]
    if (drugs[0] or drugs[1]) and differ(*drugs):
        names = sorted(set(drugs[0]) | set(drugs[1]))
        out.append(("drug", f"were given different <b>drugs</b> ({esc(' or '.join(names))})" if len(names) > 1
                    else f"were given <b>{esc(names[0])}</b> in different proportions"))
    if early.n_prior_biologic * late.n != late.n_prior_biologic * early.n:
        out.append(("line of therapy", f"started at a different <b>line of therapy</b> ({early.n_prior_biologic} "
                    f"of {early.n} early and {late.n_prior_biologic} of {late.n} late had another biologic before)"))
    return out


def window_current_html(model: WindowModel) -> str:
    if model.current is None:
        return ""
    row, chosen, week, cut, min_n = model.current, outcome(model.outcome), model.week, model.cutoff, model.min_patients
    value_format = chosen.value_format
    n_e, n_l = int(row["n_early"]), int(row["n_late"])
    head = (f"<p><b>At the current cut-off ({cut:g} months)</b>: {fmt.plural(n_e, 'early patient')} and "
            f"{fmt.plural(n_l, 'late patient')} have {esc(chosen.title)} recorded at week 0 and week {week}.")
    if n_e < min_n or n_l < min_n:
        return head + f" <b>Too few to estimate</b>: a difference needs at least {min_n} patients on each side.</p>"
    shift = fmt.number(row["hl_shift"], value_format, sign=True)
    ci = fmt.ci(row["ci_low"], row["ci_high"], value_format, "")
    ci_words = f"95% CI {ci}" if ci else "no 95% interval is possible with groups this small"
    p = row["p"]
    p_words = (f"{fmt.p_equals(p)} (Mann–Whitney, not adjusted for the other cut-offs or tests)"
               if fmt.is_finite(p) else f"no p-value ({esc(row['note'])})")
    return (head + " Median change: early " + fmt.number(row["median_change_early"], value_format, sign=True)
            + ", late " + fmt.number(row["median_change_late"], value_format, sign=True)
            + f". Difference, early minus late (Hodges–Lehmann): <b>{shift}</b> ({ci_words}); {p_words}.</p>")


def window_continuous_html(model: WindowModel) -> str:
    """The continuous view in words: what it shows and why it is an association, not an effect."""
    from sjia_explore.window import ASSOCIATION_NOTE

    if model.points is None:
        return ""
    n = int(model.points["y"].notna().sum())
    if model.continuous_spec is None:
        return (f"<p><b>Without a cut-off.</b> No patient has {esc(outcome(model.outcome).title)} at week 0 and "
                f"week {model.week} together with a time from onset to treatment, so there is nothing to plot.</p>")
    return (f"<p><b>Without a cut-off.</b> Each point is one patient ({fmt.plural(n, 'patient')} with both "
            f"visits): how long after onset the IL-1 blocker was started, against the change in "
            f"{esc(outcome(model.outcome).title)} by week {model.week}. This is an {esc(ASSOCIATION_NOTE)}: "
            + (f"split at the cut-off, the children treated early also differ from the others in "
               f"{fmt.joined_and([what for what, _ in differences])}.</p>"
               if (differences := window_differences(model)) else
               "children treated early may differ from the others in what the data do not record.</p>"))


class WindowView(LazyView):
    """Early vs late side by side, the cut-off strip, and the tests it counted (built when first shown)."""

    def __init__(self, downloads: Callable[[], DownloadBar], on_reset_ledger):
        super().__init__("sjia-window")
        self._downloads = downloads
        self._on_reset_ledger = on_reset_ledger

    def _build(self) -> list:
        self.intro = text()
        self.intro.add_class("sjia-window-intro")
        self.intro.add_class("sjia-section-intro")
        self.outcome = W.Dropdown(options=[(o.title, o.column) for o in OUTCOMES], value="sjadas27",
                                  description="Outcome", layout=W.Layout(width="250px"))
        self.outcome.add_class("sjia-window-outcome")
        self.week = W.Dropdown(options=[("week 24", 24)], value=24, description="Change to",
                               layout=W.Layout(width="200px"))
        self.week.add_class("sjia-window-week")
        self.message = text(layout=W.Layout(display="none"))
        self.message.add_class("sjia-window-message")
        self.charts = LazyChart("sjia-window-chart")
        self.current = text()
        self.current.add_class("sjia-window-current")
        self.current.add_class("sjia-section-intro")
        self.continuous_text = text()
        self.continuous_text.add_class("sjia-window-continuous-text")
        self.highlight_note = text()
        self.highlight_note.add_class("sjia-highlight-note")
        self.continuous = LazyChart("sjia-window-continuous-chart")
        self.ledger = LedgerView("sjia-window-ledger", self._on_reset_ledger)
        return [self.intro, W.HBox([self.outcome, self.week], layout=W.Layout(flex_flow="row wrap")),
                self.message, self.charts.box, self.current, self.continuous_text, self.highlight_note,
                self.continuous.box, self.ledger.box, self._downloads()]

    def set_weeks(self, follow_up: tuple[int, ...]) -> None:
        if self._later("set_weeks", follow_up):
            return
        follow_up = follow_up or (24,)
        self.week.options = [(f"week {w}", w) for w in follow_up]
        self.week.value = follow_up[-1]

    def read(self, state) -> dict:
        """The ViewState fields these controls set (``state``'s while the view is not built)."""
        if not self.built:
            return {"window_outcome": state.window_outcome, "window_week": state.window_week}
        week = self.week.value if self.week.value is not None else state.window_week
        return {"window_outcome": self.outcome.value, "window_week": int(week)}

    def sync(self, state) -> None:
        """Set the controls to ``state`` (the caller holds back the updates this triggers)."""
        if self._later("sync", state):
            return
        self.outcome.value = state.window_outcome
        if state.window_week in [v for _, v in self.week.options]:
            self.week.value = state.window_week

    def show_highlight(self, sentence: str) -> None:
        """The sentence about the highlighted patient (HTML)."""
        if not self._later("show_highlight", sentence):
            self.highlight_note.value = sentence

    def render_ledger(self, frame, sentence: str) -> None:
        if not self._later("render_ledger", frame, sentence):
            self.ledger.render(frame, sentence)

    def render(self, model: WindowModel | None) -> None:
        if model is None or self._later("render", model):
            return
        self.intro.value = window_intro_html(model)
        self.message.value = esc(model.message) if model.message else ""
        self.message.layout.display = "" if model.message else "none"
        self.charts.render(model.spec)
        self.current.value = window_current_html(model)
        self.continuous.render(model.continuous_spec)
        self.continuous_text.value = window_continuous_html(model)


# -- steroids and safety -------------------------------------------------------------------------
def steroid_html(model: SteroidModel) -> str:
    missing_words = ""
    if model.n_unknown:
        missing_words = (f" No week-0 dose is recorded for {fmt.patients(model.n_unknown)}"
                         + (f" (not reported by {esc(', '.join(model.not_reported_by))})"
                            if model.not_reported_by else "") + ".")
    if model.n_known == 0:  # nothing recorded is not "nobody was on it"
        return ("<p><b>Corticosteroid.</b> No corticosteroid dose is recorded for the selected patients"
                + (f" ({esc(', '.join(model.not_reported_by))}: not reported or not in the file)"
                   if model.not_reported_by else "")
                + ", so whether they were on it, and how they came off it, is not known.</p>")
    if model.per_visit is None:
        return (f"<p><b>Corticosteroid.</b> No selected patient was on corticosteroid at week 0, so "
                f"there is nothing to taper.{missing_words}</p>")
    badge = ' <span class="sjia-badge">reconstructed</span>' if model.reconstructed else ""
    shown = model.per_visit[model.per_visit["week"] > 0]
    table = pd.DataFrame({
        "Week": shown["week"].map(lambda w: f"{w:g}"),
        "On steroid at week 0, dose recorded": shown["n"],
        "Steroid-free (sustained)": shown["k"],
        "% steroid-free (95% CI, exact)": [
            f"{fmt.percent(k, n)} ({100 * lo:.0f}–{100 * hi:.0f}%)" if n else "–"
            for k, n, lo, hi in zip(shown["k"], shown["n"], shown["ci_low"], shown["ci_high"])],
        "Off, restarted later": shown["k_restarted_later"] if "k_restarted_later" in shown else 0,
        "Note": shown["note"].fillna(""),
    })
    if not table["Off, restarted later"].astype(bool).any():
        table = table.drop(columns="Off, restarted later")
    said_once = ""
    if table["Note"].nunique() == 1:  # one note for every row: say it once, under the table
        said_once = f"<p>Note: {esc(table['Note'].iloc[0])}.</p>" if table["Note"].iloc[0] else ""
        table = table.drop(columns="Note")
    last = shown.iloc[-1] if len(shown) else None
    headline = (f" By week {last['week']:g}, {int(last['k'])} of {int(last['n'])} were off it "
                f"({fmt.percent(int(last['k']), int(last['n']))})." if last is not None and last["n"] else "")
    totals = model.cumulative
    dose_words = ""
    if totals is not None and len(totals):
        dose_words = (f"<p>Cumulative corticosteroid (prednisone equivalent) from week 0 to week "
                      f"{model.up_to_week}: median {totals.median():.1f} mg/kg (range {totals.min():.1f}–"
                      f"{totals.max():.1f}) in {fmt.patients(len(totals))}, adding up the daily dose between "
                      "visits as if it changed evenly from one visit to the next (trapezoid rule).</p>")
    km_words = ""
    stopped = model.km[model.km["n_events"] > 0] if model.km is not None else pd.DataFrame()
    if len(stopped):
        steps = "; ".join(f"{100 * p:.0f}% by week {w:g}" for w, p in
                          zip(stopped["week"], stopped["proportion_steroid_free"]))
        km_words = (f"<p>Time to stopping (Kaplan–Meier): {steps}. Stopping is only seen at visits, so "
                    "each time is the visit at which it was first seen.</p>")
    return (f"<p><b>Corticosteroid</b>{badge}<b>.</b> {model.n_on} of {model.n_known} selected patients with a "
            f"recorded dose were on corticosteroid at week 0.{headline}{missing_words}</p>"
            + table_html(table) + said_once + km_words + dose_words)


def adverse_events_html(model: AdverseEventsModel) -> str:
    shown = []
    for r in model.table.to_dict("records"):
        label = study_label(r["study"])
        if r["status"] in ABSENT:  # absent is never 0
            shown.append({"Study": label, "Patients": int(r["n_patients"]), "Adverse events": r["status"],
                          "Patients with ≥ 1": "", "Serious": "", "Patient-years": "",
                          "Rate per 100 patient-years (95% CI)": "", "Data": ""})
            continue
        rate = (f"{r['rate_per_100_py']:.0f} ({r['ci_low']:.0f}–{r['ci_high']:.0f})"
                if np.isfinite(r["rate_per_100_py"]) else "no rate: no follow-up time")
        shown.append({"Study": label, "Patients": int(r["n_patients"]), "Adverse events": int(r["n_events"]),
                      "Patients with ≥ 1": f"{int(r['n_patients_with_event'])} "
                                           f"({r['percent_patients_with_event']:.0f}%)",
                      "Serious": int(r["serious"]), "Patient-years": f"{r['patient_years']:.1f} over "
                                                                f"{r['patient_years_counted_as']}",
                      "Rate per 100 patient-years (95% CI)": rate, "Data": r["status"]})
    parts = ["<p><b>Adverse events</b> in the selected patients, one row per study (rates are not pooled, "
             "because the studies count follow-up differently). The interval is the exact Poisson 95% "
             "interval.</p>"]
    if shown:
        parts.append(table_html(pd.DataFrame(shown)))
    if (model.table.get("status", pd.Series(dtype=str)) == "reconstructed").any():
        parts.append('<p class="sjia-caution"><b>Reconstructed:</b> the publications give only totals; '
                     "which patient had which event was generated to match them, so counts in a subgroup "
                     "come from the reconstruction, not from the patients.</p>")
    parts += [f"<p>{esc(n)}</p>" for n in model.notes]
    if model.by_term is not None:
        by_term = model.by_term.copy()
        by_term.columns = ["Event", "Events", "Patients"]
        parts.append("<p>By kind of event:</p>" + table_html(by_term))
    return "".join(parts)


class SafetyView(LazyView):
    """Corticosteroid tapering and adverse events (built when first shown)."""

    def __init__(self, downloads: Callable[[], DownloadBar]):
        super().__init__("sjia-safety")
        self._downloads = downloads

    def _build(self) -> list:
        self.steroid_text = text(layout=W.Layout(flex="1 1 360px", max_width="480px"))
        self.steroid_text.add_class("sjia-steroid-text")
        self.steroid_text.add_class("sjia-table")
        self.steroid_chart = LazyChart("sjia-steroid-chart", W.Layout(flex="0 1 auto", overflow="auto hidden"))
        self.safety_text = text()
        self.safety_text.add_class("sjia-safety-text")
        self.safety_text.add_class("sjia-table")
        return [W.HBox([self.steroid_text, self.steroid_chart.box],
                       layout=W.Layout(flex_flow="row wrap", align_items="flex-start", grid_gap="0 24px")),
                self.safety_text, self._downloads()]

    def render(self, model: SafetyModel | None) -> None:
        if model is None or self._later("render", model):
            return
        self.steroid_text.value = steroid_html(model.steroid)
        self.steroid_chart.render(model.steroid.spec)
        self.safety_text.value = adverse_events_html(model.adverse_events)
