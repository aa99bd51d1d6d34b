"""The app's words: outcomes, statistical methods, sections, drug and study names, and fixed settings.

Plain data and small functions only (no widgets, no HTML): every other module of
the app takes its labels from here, so a word is changed in one place.

Examples
--------
>>> outcome("sjadas27").title, drug_label("jaki"), study_label("qiu2024")
('sJADAS27', 'JAK inhibitor', 'Qiu 2024')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sjia_explore.cohort import Subgroup


@dataclass(frozen=True)
class Outcome:
    """One trajectory chart: the visits column and how to label it."""

    column: str
    title: str
    y_title: str
    css: str  # short name used in mark class names (``<css>_mean_marks``)
    value_format: str = ".1f"


OUTCOMES = (
    Outcome("active_joints", "Active joints", "Mean number of active joints", "joints"),
    Outcome("sjadas27", "sJADAS27", "Mean sJADAS27 (0–67)", "sjadas"),
    Outcome("steroid_mg_kg_day", "Corticosteroid dose", "Mean dose (mg/kg/day, prednisone)", "steroid", ".2f"),
)

#: Outcomes drawn and tested (visits columns), in the order of the panels.
OUTCOME_COLUMNS = tuple(o.column for o in OUTCOMES)
#: Further outcomes a trajectory panel can show, when the cohort records them (the panels are chosen from
#: :data:`PANEL_OUTCOMES`; the statistics and the window of opportunity stay with :data:`OUTCOMES`).
MORE_OUTCOMES = (
    Outcome("physician_global", "Physician global", "Mean physician global (0–10)", "physician"),
    Outcome("parent_global", "Parent global", "Mean parent global (0–10)", "parent"),
    Outcome("systemic_score", "Systemic features", "Mean systemic feature score (0–10)", "systemic"),
    Outcome("esr_mm_h", "ESR", "Mean ESR (mm/h)", "esr", ".0f"),
    Outcome("crp_mg_l", "CRP", "Mean CRP (mg/L)", "crp"),
    Outcome("ferritin_ng_ml", "Ferritin", "Mean ferritin (ng/mL)", "ferritin", ".0f"),
    Outcome("il18_pg_ml", "IL-18", "Mean IL-18 (pg/mL)", "il18", ".0f"),
    Outcome("mrp8_14_ng_ml", "MRP8/14", "Mean MRP8/14 (ng/mL)", "mrp8_14", ".0f"),
)
#: Every outcome a trajectory panel can show, in the order the choice lists them.
PANEL_OUTCOMES = OUTCOMES + MORE_OUTCOMES
PANEL_COLUMNS = tuple(o.column for o in PANEL_OUTCOMES)
#: Most trajectory panels shown at once, and the panels shown when none is chosen.
MAX_PANELS = 3
DEFAULT_PANELS = OUTCOME_COLUMNS
#: Methods of the statistics panel (see sjia_explore.stats.METHODS), plus all four side by side.
TEST_METHODS = ("paper", "rm_anova", "friedman", "mixed", "all")
TEST_METHOD_LABELS = {
    "paper": "As in the paper: one-way ANOVA, Bonferroni",
    "rm_anova": "Repeated-measures ANOVA, paired t-tests",
    "friedman": "Friedman, Wilcoxon signed-rank tests",
    "mixed": "Mixed model (keeps incomplete patients)",
    "all": "All four methods, side by side",
    "mann_whitney": "Mann–Whitney U, Hodges–Lehmann shift",
}
#: Sections of the main area (tabs), in order, with their titles.
SECTIONS = ("trajectories", "window", "safety", "activity", "biomarkers", "patients")
SECTION_TITLES = {"trajectories": "Trajectories", "window": "Window of opportunity",
                  "safety": "Steroids and safety", "activity": "Disease activity",
                  "biomarkers": "Biomarkers", "patients": "Each patient"}
#: Scores the disease-activity states can be made from (sjia_explore.outcomes.CUTOFFS), with their titles.
ACTIVITY_SCORES = {"sjadas10": "sJADAS10", "sjadas27": "sJADAS27 (cut-offs extrapolated)",
                   "jadas27": "JADAS27 (cut-offs made for polyarticular JIA)",
                   "cjadas27": "cJADAS27 (cut-offs extrapolated)"}
#: "auto" follows the page (Voila's or JupyterLab's theme).
THEMES = ("auto", "light", "dark")
#: ViewState fields that choose patients ("Reset filters" puts these back).
FILTER_FIELDS = ("study", "prior_biologic_any", "prior_biologic_none", "early_cutoff_months", "prior_mas", "sex",
                 "baseline_steroid")
#: Shown with every statistical result.
TESTS_CAUTION = (
    "Exploratory. Each press of “Run” is another set of tests: the more subgroups and methods you try, the "
    "likelier a small p-value arises by chance.")
#: Added to it when the values tested are reconstructed.
TESTS_RECONSTRUCTED = ("These values are reconstructed: the tests describe the reconstruction (which was built to "
                       "reproduce the published p-values), not real patients.")

#: Weeks drawn on the trajectory charts.
MAX_WEEK = 24
#: Groups smaller than this get a caution about uncertainty.
SMALL_GROUP_N = 5
#: Cut-offs of the window-of-opportunity strip, in months (the current cut-off is added).
STRIP_CUTOFFS = tuple(range(3, 37, 3))
#: Most patients drawn as thin lines ("Show each patient's line"); above it, a fixed random sample, said so
#: on the chart (10,000 lines would be a 13 MB chart and 140,000 SVG marks for the browser).
PATIENT_LINES_MAX = 300
PATIENT_LINES_SEED = 20240338

#: How the app names drugs whose stored label is not a plain drug name (the data keep the printed,
#: lower-case labels of Qiu 2024 Table 2). Any other drug is shown with a capital first letter.
DRUG_DISPLAY_NAMES = {
    "jaki": "JAK inhibitor",
    "nsaids": "NSAIDs",
    "cyclosporine a": "ciclosporin A",
    "corticosteroid pulse": "Corticosteroid pulses",
}

#: Download buttons per area: (key, label); a key is ``<what>_<file type>``.
DOWNLOADS = {
    "trajectories": (("trajectories_png", "Chart (PNG)"), ("trajectories_svg", "Chart (SVG)"),
                     ("trajectories_csv", "Numbers (CSV)"), ("trajectories_xlsx", "Numbers (Excel)")),
    "window": (("window_png", "Charts (PNG)"), ("window_svg", "Charts (SVG)"),
               ("window_csv", "Numbers (CSV)"), ("window_xlsx", "Numbers (Excel)"),
               ("windowpoints_csv", "Each patient, without a cut-off (CSV)")),
    "safety": (("steroid_png", "Steroid chart (PNG)"), ("steroid_svg", "Steroid chart (SVG)"),
               ("steroid_csv", "Steroid-free by visit (CSV)"), ("steroid_xlsx", "Steroid-free by visit (Excel)"),
               ("ae_csv", "Adverse events (CSV)"), ("ae_xlsx", "Adverse events (Excel)")),
    "activity": (("activity_png", "Charts (PNG)"), ("activity_svg", "Charts (SVG)"),
                 ("activity_csv", "Numbers (CSV)"), ("literature_csv", "Published figures (CSV)")),
    "biomarkers": (("biomarkers_png", "Charts (PNG)"), ("biomarkers_svg", "Charts (SVG)"),
                   ("biomarkers_csv", "Numbers (CSV)")),
    "patients": (("patients_png", "Chart (PNG)"), ("patients_svg", "Chart (SVG)"),
                 ("patients_csv", "Visits drawn (CSV)")),
    "state": (("state_json", "This view's settings (JSON)"),),
}
#: Small-count suppression offered for downloaded tables: (words, threshold; 0 = none).
SUPPRESSION_CHOICES = (("Show every count", 0), ("Hide counts of 1–4", 5), ("Hide counts of 1–7", 8),
                       ("Hide counts of 1–10", 11))


def outcome(column: str) -> Outcome:
    """The :class:`Outcome` of a visits column (one of :data:`PANEL_COLUMNS`)."""
    return next(o for o in PANEL_OUTCOMES if o.column == column)


def outcome_title(column: str) -> str:
    """The title of an outcome, or the column name itself for one the app does not draw."""
    return next((o.title for o in PANEL_OUTCOMES if o.column == column), column)


def stats_methods(test_method: str) -> tuple[str, ...]:
    """The statistics methods behind a ``test_method`` choice (``"all"``: the four of sjia_explore.stats).

    Examples
    --------
    >>> stats_methods("all")
    ('paper', 'rm_anova', 'friedman', 'mixed')
    """
    return tuple(m for m in TEST_METHODS if m != "all") if test_method == "all" else (test_method,)


def drug_label(name: Any) -> str:
    """A drug's name as the app shows it (plain text: escape it before putting it in HTML).

    Examples
    --------
    >>> drug_label("jaki"), drug_label("nsaids"), drug_label("cyclosporine a"), drug_label("adalimumab")
    ('JAK inhibitor', 'NSAIDs', 'ciclosporin A', 'Adalimumab')
    """
    text = str(name)
    shown = DRUG_DISPLAY_NAMES.get(text.strip().lower())
    if shown is not None:
        return shown
    return text[:1].upper() + text[1:]


def study_label(key: Any) -> str:
    """``qiu2024`` -> ``Qiu 2024``; other labels as given.

    Examples
    --------
    >>> study_label("vastert2011"), study_label("My clinic")
    ('Vastert 2011', 'My clinic')
    """
    m = re.fullmatch(r"([a-z]+)(\d{4})", str(key))
    return f"{m.group(1).capitalize()} {m.group(2)}" if m else str(key)


def describe_subgroup(sub: Subgroup) -> str:
    """The subgroup in plain words, with studies and drugs under their display names (plain text).

    Examples
    --------
    >>> describe_subgroup(Subgroup(prior_biologic_any=("jaki",), sex="F"))
    'had JAK inhibitor, female'
    """
    return sub.describe(drug_label=drug_label, study_label=study_label)
