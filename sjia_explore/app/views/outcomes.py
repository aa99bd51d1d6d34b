"""The outcome sections (tabs): disease activity with the published evidence, biomarkers, and each patient.

Each view builds its widgets the first time its tab is shown (see
:mod:`sjia_explore.app.views.lazy`) and ``render(model)`` puts a section model on
screen. :class:`OutcomeViews` holds them all, in the order of
:data:`sjia_explore.app.vocabulary.SECTIONS` after the first three tabs.
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from sjia_explore.app.model import ActivityModel, BiomarkersModel, HighlightModel, PatientsModel
from sjia_explore.app.views.html import esc, text
from sjia_explore.app.views.lazy import LazyView
from sjia_explore.app.views.sections import LazyChart
from sjia_explore.app.vocabulary import ACTIVITY_SCORES

W = widgets
LITERATURE_COLUMNS = (("study", "Study"), ("drug", "Drug"), ("line_of_therapy", "Line of therapy"), ("n", "n"),
                      ("onset_to_treatment", "Onset to treatment"), ("outcome_definition", "Outcome"),
                      ("time_point", "Time point"), ("numerator", "With it"), ("denominator", "Of"),
                      ("proportion", "Proportion"), ("read_from", "Read from"))


def safe_link(url) -> str:
    """A link to ``url`` when it is an http(s) address (escaped), else the text alone, escaped.

    Examples
    --------
    >>> safe_link("https://doi.org/10.1/x?a=1&b=2")
    '<a href="https://doi.org/10.1/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">doi.org</a>'
    >>> safe_link("javascript:alert(1)")
    'javascript:alert(1)'
    """
    from urllib.parse import urlsplit

    text = "" if url is None or (not isinstance(url, str) and pd.isna(url)) else str(url).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return (f'<a href="{esc(text)}" target="_blank" rel="noopener noreferrer">'
                f"{esc(parts.netloc.removeprefix('www.'))}</a>")
    return esc(text)


def literature_html(table: pd.DataFrame | None) -> str:
    """Every published figure of ``data/literature.csv`` as a table, each linked to its source."""
    if table is None or not len(table):
        return ""
    head = "".join(f"<th>{esc(title)}</th>" for _, title in LITERATURE_COLUMNS) + "<th>Source</th>"
    rows = []
    for r in table.to_dict("records"):
        cells = []
        for column, _ in LITERATURE_COLUMNS:
            v = r.get(column)
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                cells.append("<td></td>")
            elif column == "proportion":
                cells.append(f"<td>{100 * float(v):.0f}%</td>")
            else:
                cells.append(f"<td>{esc(v)}</td>")
        cells.append(f"<td>{safe_link(r.get('doi_or_url'))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ("<p><b>Published evidence beside ours.</b> Each row is one figure as printed in its source (mostly the "
            "abstract); nothing here is estimated or re-derived. These are other populations (first-line or "
            "later-line, trials or registries) with other definitions: reference points, not comparators.</p>"
            f'<table class="sjia-literature-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


def activity_html(model: ActivityModel) -> str:
    badge = ' <span class="sjia-badge">reconstructed</span>' if model.reconstructed else ""
    provenance = "computed from components" if "computed from its components" in model.score_note else (
        "as stored in the data" if "as stored" in model.score_note else "")
    title = ACTIVITY_SCORES.get(model.score, model.score).split(" (")[0]
    parts = [f"<p><b>Disease activity.</b> {esc(title)} ({esc(provenance) or 'score'}){badge}: "
             f"{esc(model.score_note)}.</p>"]
    if model.inactive_note:
        parts.append(f"<p><b>Inactive disease</b>: {esc(model.inactive_note)}.</p>")
    return "".join(parts)


class _Section(LazyView):
    """Intro text, a message when there is nothing to draw, a chart, and a download bar (built when first
    shown)."""

    def __init__(self, name: str, downloads=None):
        super().__init__(f"sjia-{name}")
        self.name = name
        self._downloads = downloads

    def _build(self) -> list:
        name = self.name
        self.intro = text()
        self.intro.add_class(f"sjia-{name}-intro")
        self.intro.add_class("sjia-section-intro")
        self.message = text(layout=W.Layout(display="none"))
        self.message.add_class(f"sjia-{name}-message")
        self.message.add_class("sjia-section-message")
        self.chart = LazyChart(f"sjia-{name}-chart")
        self.extra = text()
        self.extra.add_class(f"sjia-{name}-extra")
        self.extra.add_class("sjia-table")
        return [self.intro, self.message, self.chart.box, self.extra] + ([self._downloads()] if self._downloads else [])

    def show(self, intro: str, message: str, spec: dict | None, extra: str = "") -> None:
        self.intro.value = intro
        self.message.value = f"<p>{esc(message)}</p>" if message else ""
        self.message.layout.display = "" if message else "none"
        self.chart.render(None if message else spec)
        self.extra.value = extra


class ActivityView(_Section):
    def __init__(self, downloads=None):
        super().__init__("activity", downloads)

    def _build(self) -> list:
        children = super()._build()
        self.score = W.Dropdown(options=[(t, k) for k, t in ACTIVITY_SCORES.items()], value="sjadas10",
                                description="Score", layout=W.Layout(width="380px"))
        self.score.add_class("sjia-activity-score")
        return [self.intro, self.score, *children[1:]]

    def read(self, state) -> str:
        return self.score.value if self.built else state.activity_score

    def sync(self, score: str) -> None:
        if not self._later("sync", score):
            self.score.value = score

    def render(self, model: ActivityModel | None) -> None:
        if model is not None and not self._later("render", model):
            self.show(activity_html(model), model.message, model.spec, literature_html(model.literature))


def biomarkers_html(model: BiomarkersModel) -> str:
    badge = ' <span class="sjia-badge">reconstructed</span>' if model.reconstructed else ""
    parts = [f"<p><b>Inflammatory markers</b>{badge}: ESR, CRP, ferritin, IL-18 and MRP8/14 at each visit, "
             "on a log scale where the values span orders of magnitude. The dashed line is each marker's reference "
             "value: an upper limit of normal for ESR, CRP and ferritin, a remission cut-off for IL-18, the mean of "
             "healthy children for MRP8/14.</p>"]
    if model.not_measured:
        by_study: dict[str, list[str]] = {}
        for label, study in model.not_measured:
            by_study.setdefault(study, []).append(label)
        parts.append("<ul>" + "".join(f"<li>{esc(', '.join(labels))}: not measured in this study "
                                      f"({esc(study)}).</li>" for study, labels in by_study.items()) + "</ul>")
    return "".join(parts)


class BiomarkersView(_Section):
    def __init__(self, downloads=None):
        super().__init__("biomarkers", downloads)

    def render(self, model: BiomarkersModel | None) -> None:
        if model is not None and not self._later("render", model):
            self.show(biomarkers_html(model), model.message, model.spec)


def highlight_html(model: HighlightModel | None) -> str:
    """The sentence about the highlighted patient (or why nobody is), escaped; empty when there is none."""
    if model is None or not model.sentence:
        return ""
    return f'<p class="sjia-highlight-sentence">{esc(model.sentence)}</p>'


def patients_html(model: PatientsModel) -> str:
    badge = (' <span class="sjia-badge">reconstructed</span> (every mark says so in its tooltip)'
             if model.reconstructed else "")
    return (f"<p><b>Each patient</b>{badge}: one row per child, the earliest treated at the top. Hover a dot for the "
            "visit's sJADAS10 and activity state, the band for the corticosteroid dose, a triangle for the adverse "
            f"event.</p>" + (f"<p>{esc(model.note)}</p>" if model.note else ""))


#: The highlight picker's value for "nobody" (a Dropdown value cannot be None).
NOBODY = ""


def highlight_options(choices) -> tuple[tuple[str, str], ...]:
    """The highlight pickers' options: "none", then ``choices`` ((label, patient id) pairs).

    Examples
    --------
    >>> highlight_options([("P1 (Quartier)", "P1")])
    (('none', ''), ('P1 (Quartier)', 'P1'))
    """
    return (("none", NOBODY), *((label, pid) for label, pid in choices))


class PatientsView(_Section):
    """The swimmer chart, with the picker of the patient highlighted on every chart and the sentence about them."""

    def __init__(self, downloads=None):
        super().__init__("patients", downloads)

    def _build(self) -> list:
        children = super()._build()
        self.highlight = W.Dropdown(options=[("none", NOBODY)], value=NOBODY, description="Highlight a patient",
                                    style={"description_width": "initial"}, layout=W.Layout(width="320px"))
        self.highlight.add_class("sjia-highlight-choice")
        self.highlight_note = text()
        self.highlight_note.add_class("sjia-highlight-note")
        return [self.intro, self.highlight, self.highlight_note, *children[1:]]

    def set_choices(self, choices) -> None:
        """Offer ``choices`` ((label, patient id) pairs) and "none" (the caller holds back the updates)."""
        if self._later("set_choices", choices):
            return
        options = highlight_options(choices)
        if tuple(self.highlight.options) != options:
            self.highlight.options = options

    def read(self, state) -> str | None:
        if not self.built:
            return state.highlight
        return self.highlight.value or None

    def sync(self, patient_id: str | None) -> None:
        if self._later("sync", patient_id):
            return
        values = {v for _, v in self.highlight.options}
        self.highlight.value = patient_id if patient_id in values else NOBODY

    def show_highlight(self, sentence: str) -> None:
        """The sentence about the highlighted patient (HTML)."""
        if not self._later("show_highlight", sentence):
            self.highlight_note.value = sentence

    def render(self, model: PatientsModel | None) -> None:
        if model is not None and not self._later("render", model):
            self.show(patients_html(model), model.message, model.spec)


class OutcomeViews:
    """The outcome tabs: ``boxes`` go into the tab bar in the order of SECTIONS; ``render`` puts a view model
    on screen. Each view is built the first time its tab is shown."""

    def __init__(self, bars: dict):
        self.activity = ActivityView(bars.get("activity"))
        self.biomarkers = BiomarkersView(bars.get("biomarkers"))
        self.patients = PatientsView(bars.get("patients"))
        self.views = {"activity": self.activity, "biomarkers": self.biomarkers, "patients": self.patients}

    @property
    def boxes(self) -> list:
        return [v.box for v in self.views.values()]

    def read(self, state) -> dict:
        """The ViewState fields these controls set (``state``'s for a view not built yet)."""
        return {"activity_score": self.activity.read(state), "highlight": self.patients.read(state)}

    def sync(self, state) -> None:
        """Set the controls to ``state`` (the caller holds back the updates this triggers)."""
        self.activity.sync(state.activity_score)
        self.patients.sync(state.highlight)

    def render(self, model) -> None:
        for name, view in self.views.items():
            view.render(model.sections.get(name))
        self.patients.show_highlight(highlight_html(model.highlight))
