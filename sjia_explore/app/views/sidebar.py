"""The sidebar: the data shown (bundled or uploaded) and the filters that choose patients."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from sjia_explore import format as fmt
from sjia_explore.app.address import from_yes_no, yes_no
from sjia_explore.app.browser import UploadButton
from sjia_explore.app.compute.context import UNKNOWN_SUFFIX, CohortOptions
from sjia_explore.app.model import SelectionModel
from sjia_explore.app.state import ViewState
from sjia_explore.app.upload import UPLOAD_ACCEPT, UPLOAD_MAX_BYTES
from sjia_explore.app.views.html import esc, heading, shared_style, text
from sjia_explore.app.vocabulary import drug_label, study_label
from sjia_explore.cohort import DEFAULT_EARLY_CUTOFF_MONTHS

#: What a filter's patients with no value lack, in words.
UNKNOWN_WORDS = {"prior_mas": "MAS before week 0", "sex": "sex", "steroid": "corticosteroid at week 0"}

W = widgets
#: Funnel keys with a "→ n patients left" line under their filter.
N_LABELS = ("study", "had_any", "had_none", "prior_mas", "sex", "steroid", "cutoff")


class Sidebar:
    """Data and filters. ``on_change`` is called (with no argument) when a filter changes."""

    def __init__(self, on_change: Callable[..., None]):
        self._on_change = on_change
        self.had_any: dict[str, W.Checkbox] = {}
        self.had_none: dict[str, W.Checkbox] = {}
        # Data: bundled or uploaded
        self.source_text = text()
        limit = fmt.size(UPLOAD_MAX_BYTES)
        self.upload = UploadButton(accept=UPLOAD_ACCEPT, label="Upload a cohort file", max_bytes=UPLOAD_MAX_BYTES,
                                   layout=W.Layout(width="auto"),
                                   hint=f"A .csv, a .zip of CSV files or an .xlsx workbook, up to {limit}")
        self.upload.add_class("sjia-upload")
        self.upload_help = text(
            f'<div class="sjia-upload-help">A .csv file, a .zip of CSV files or an Excel .xlsx workbook, '
            f"<b>up to {limit}</b>. It is read in this session only: not saved, not sent anywhere else.</div>")
        # Reading options for files with visit dates or REDCap events (the defaults fit most files)
        text_layout = W.Layout(width="290px")
        self.visit_windows = W.Text(value="", placeholder="default: 0=0-1, 4=1, 8=2, 12=2, 24=4",
                                    description="Visit windows", layout=text_layout,
                                    style={"description_width": "110px"})
        self.visit_windows.add_class("sjia-visit-windows")
        self.event_weeks = W.Text(value="", placeholder="e.g. flare_arm_1=16", description="REDCap events",
                                  layout=text_layout, style={"description_width": "110px"})
        self.event_weeks.add_class("sjia-event-weeks")
        self.reading_options = W.VBox([
            text('<div class="sjia-upload-help">Only if needed, before uploading: visit windows for files '
                 "with visit dates (week=half-width or week=first-last), REDCap events whose name gives no "
                 "week (event=week).</div>"),
            self.visit_windows, self.event_weeks])
        self.reading_options.add_class("sjia-reading-options")
        self.back_button = W.Button(description="Back to the bundled cohort",
                                    layout=W.Layout(width="auto", align_self="flex-start", display="none"))
        self.back_button.add_class("sjia-back")

        # Filters
        self.study = W.Dropdown(options=[("All studies", "")], value="", layout=W.Layout(width="260px"))
        self.study.add_class("sjia-study")
        self.drug_box = W.VBox()
        toggle_style = shared_style("toggle_buttons", button_width="84px")
        # Selection widgets read None as "nothing selected", so "Any" is the string "any" here.
        self.prior_mas = W.ToggleButtons(options=[("Any", "any"), ("Yes", "yes"), ("No", "no")], value="any",
                                         style=toggle_style)
        self.prior_mas.add_class("sjia-prior-mas")
        self.sex = W.ToggleButtons(options=[("Any", "any"), ("Female", "F"), ("Male", "M")], value="any",
                                   style=toggle_style)
        self.sex.add_class("sjia-sex")
        self.baseline_steroid = W.ToggleButtons(options=[("Any", "any"), ("On", "yes"), ("Off", "no")],
                                                value="any", style=toggle_style)
        self.baseline_steroid.add_class("sjia-steroid")
        self.cutoff = W.IntSlider(value=int(DEFAULT_EARLY_CUTOFF_MONTHS), min=1, max=240, step=1,
                                  continuous_update=False, description="months", readout=True,
                                  layout=W.Layout(width="270px"), style={"description_width": "50px"})
        self.cutoff.add_class("sjia-cutoff")
        self.each_patient = W.Checkbox(value=False, description="Show each patient's line", indent=False)
        self.each_patient.add_class("sjia-each-patient")
        self.reset = W.Button(description="Reset filters", layout=W.Layout(width="auto", align_self="flex-start"))
        self.reset.add_class("sjia-reset")
        self.n_labels = {}
        for key in N_LABELS:
            label = text()
            label.add_class("sjia-n")
            label.add_class(f"sjia-n-{key}")
            self.n_labels[key] = label
        self.box = W.VBox([
            text('<b style="font-size:15px">Data</b>'), self.source_text, self.upload, self.upload_help,
            self.reading_options,
            self.back_button,
            text('<b style="font-size:15px; display:block; margin-top:14px">Choose patients</b> '
                 '<span class="sjia-n">(the line under each filter says how many are left)</span>'),
            heading("Study"), self.study, self.n_labels["study"],
            heading("Biologics before the IL-1 blocker"),
            text('<span class="sjia-n">Ticked “had”: at least one of them. Ticked “did not have”: none of '
                 "them.</span>"),
            self.drug_box, self.n_labels["had_any"], self.n_labels["had_none"],
            heading("Macrophage activation syndrome (MAS) before"), self.prior_mas, self.n_labels["prior_mas"],
            heading("Sex"), self.sex, self.n_labels["sex"],
            heading("Corticosteroid at week 0"), self.baseline_steroid, self.n_labels["steroid"],
            heading("Early or late treatment: early = IL-1 blocker started less than this many "
                    "months after onset"),
            self.cutoff, self.n_labels["cutoff"],
            heading("Chart"), self.each_patient,
            text(""), self.reset,
        ], layout=W.Layout(width="310px", min_width="310px"))
        self.box.add_class("sjia-sidebar")

    @property
    def controls(self) -> list[W.Widget]:
        """The filter controls whose ``value`` makes a new view (the drug check boxes are wired on their own)."""
        return [self.study, self.prior_mas, self.sex, self.baseline_steroid, self.cutoff, self.each_patient]

    def set_options(self, options: CohortOptions, source_words: str, n_patients: int, back_words: str,
                    show_back: bool) -> None:
        """Offer a cohort's studies, drugs and cut-off range (call with the controls' updates switched off)."""
        self.study.options = [("All studies", "")] + [(study_label(s), s) for s in options.studies]
        self.study.value = ""
        self._build_drug_rows(options.drugs)
        low, high = options.cutoff_range
        self.cutoff.max = max(high, self.cutoff.min)
        self.cutoff.min = low
        self.cutoff.max = high
        self.source_text.value = f'<div class="sjia-source">{esc(source_words)} ({esc(fmt.patients(n_patients))})</div>'
        self.back_button.description = back_words
        self.back_button.layout.display = "" if show_back else "none"

    def accessible_names(self) -> dict[str, str]:
        """What a screen reader calls each control, by the control's CSS class ("had Adalimumab", not "had")."""
        names = {"sjia-study": "Study", "sjia-cutoff": "Early or late cut-off, months from onset to treatment"}
        for kind, words, boxes in (("any", "had", self.had_any), ("none", "did not have", self.had_none)):
            for i, drug in enumerate(boxes):
                names[f"sjia-had-{kind}-{i}"] = f"{words} {drug_label(drug)}"
        return names

    def _build_drug_rows(self, drugs: tuple[str, ...]) -> None:
        """One row per prior biologic: [drug] [had] [did not have] (rebuilt when the cohort changes)."""
        for box in [*self.had_any.values(), *self.had_none.values()]:
            box.unobserve_all()
            box.close()
        box_layout = W.Layout(width="auto", margin="0")
        box_style = shared_style("checkbox")
        self.had_any = {d: W.Checkbox(value=False, description="had", indent=False, layout=box_layout,
                                      style=box_style,
                                      tooltip=f"Keep patients who had {drug_label(d)} (or another ticked drug)")
                        for d in drugs}
        self.had_none = {d: W.Checkbox(value=False, description="did not have", indent=False, layout=box_layout,
                                       style=box_style,
                                       tooltip=f"Keep patients who never had {drug_label(d)}")
                         for d in drugs}
        for kind, boxes in (("any", self.had_any), ("none", self.had_none)):
            for i, box in enumerate(boxes.values()):
                box.add_class(f"sjia-had-{kind}")
                box.add_class(f"sjia-had-{kind}-{i}")
                box.observe(self._on_change, names="value")
        if drugs:
            labels = [text(f'<span class="sjia-drug">{esc(drug_label(d))}</span>') for d in drugs]
            grid = W.GridBox(
                [cell for d, label in zip(drugs, labels) for cell in (label, self.had_any[d], self.had_none[d])],
                layout=W.Layout(grid_template_columns="120px 60px 110px", grid_gap="0 6px", align_items="center"))
            self.drug_box.children = [grid]
        else:
            self.drug_box.children = [text("<i>No prior biologics recorded in this cohort.</i>")]

    def read(self) -> dict:
        """The ViewState fields the sidebar's controls say."""
        return dict(
            study=self.study.value or None,
            prior_biologic_any=tuple(d for d, box in self.had_any.items() if box.value),
            prior_biologic_none=tuple(d for d, box in self.had_none.items() if box.value),
            early_cutoff_months=float(self.cutoff.value),
            prior_mas=from_yes_no(self.prior_mas.value),
            sex=None if self.sex.value == "any" else self.sex.value,
            baseline_steroid=from_yes_no(self.baseline_steroid.value),
            each_patient=self.each_patient.value,
        )

    def sync(self, state: ViewState, studies) -> None:
        """Set the controls to ``state`` (call with the controls' updates switched off)."""
        self.study.value = state.study if state.study in studies else ""
        for d, box in self.had_any.items():
            box.value = d in state.prior_biologic_any
        for d, box in self.had_none.items():
            box.value = d in state.prior_biologic_none
        self.cutoff.value = int(round(state.early_cutoff_months))
        self.prior_mas.value = yes_no(state.prior_mas)
        self.sex.value = state.sex or "any"
        self.baseline_steroid.value = yes_no(state.baseline_steroid)
        self.each_patient.value = state.each_patient

    def render(self, selection: SelectionModel) -> str:
        """The "→ n left" line under each filter; returns the groups in words (for the count above the charts)."""
        funnel = selection.funnel
        # each line written once, with its final words: a line whose words did not change sends nothing
        before = {"had_any": "“had” ", "had_none": "“did not have” "}
        for key in ("study", "had_any", "had_none", "prior_mas", "sex", "steroid"):
            unknown = funnel.get(key + UNKNOWN_SUFFIX, 0)
            why = (f" ({unknown} with {UNKNOWN_WORDS[key]} not recorded left out)" if unknown else "")
            self.n_labels[key].value = f"{before.get(key, '')}→ {fmt.patients(funnel[key])} left{why}"
        group_text = ", ".join(f"{n} {esc(g)}" for g, n in selection.group_counts.items()) or "none"
        self.n_labels["cutoff"].value = f"→ {group_text}"
        return group_text
