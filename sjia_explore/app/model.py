"""What each part of the view shows, as frozen values: tables, chart specifications and plain numbers.

A :class:`ViewModel` is made by :meth:`sjia_explore.app.Session.update` before
anything changes on screen; the views (:mod:`sjia_explore.app.views`) only put
it on screen. Nothing here holds a widget or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from sjia_explore.app.state import ViewState


@dataclass(frozen=True)
class SelectionModel:
    """The patients shown: how many, how each filter narrows them, and the early/late groups."""

    n_total: int
    funnel: dict[str, int]  # patients left after each filter, in the order the filters are shown
    group_counts: dict[str, int]  # patients per early/late group (and "not recorded")
    description: str  # the selection in plain words


@dataclass(frozen=True)
class StudyProvenance:
    """One study of the selection: its citation and which columns are published or reconstructed."""

    label: str
    citation: str | None  # None: the user's own data
    columns: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (status words, ((table, columns), ...))


@dataclass(frozen=True)
class AboutModel:
    """Whether the values drawn are reconstructed or simulated, and where every column came from."""

    reconstructed: bool
    simulated: bool
    studies: tuple[StudyProvenance, ...] = ()
    visit_rows: tuple[tuple[str, int], ...] = ()  # (provenance, rows) of the visits behind the charts


@dataclass(frozen=True)
class TrajectoriesModel:
    """The three trajectory panels (a Vega-Lite dict) and the per-visit summaries behind them."""

    spec: dict
    numbers: tuple[tuple[str, pd.DataFrame], ...]  # (outcome column, summary)
    missing: tuple[str, ...] = ()  # for each outcome with no value at all: what would fill its chart

    def table(self) -> pd.DataFrame:
        """The numbers of every panel in one table, with an ``outcome`` column first."""
        frame = pd.concat([summary.assign(outcome=column) for column, summary in self.numbers], ignore_index=True)
        return frame[["outcome"] + [c for c in frame.columns if c != "outcome"]]


@dataclass(frozen=True)
class WindowSide:
    """One side of the early/late split, described."""

    word: str  # "Early" / "Late"
    words: str  # "treated less than 12 months after onset"
    n: int
    origins: tuple[tuple[int, str, str], ...] = ()  # (patients, study label, drug label or "")
    n_prior_biologic: int = 0


@dataclass(frozen=True)
class WindowModel:
    """The window-of-opportunity section: who is early and late, the charts, the strip's numbers."""

    cutoff: float
    outcome: str
    week: int
    sides: tuple[WindowSide, ...]
    n_unknown: int  # patients with no recorded time from onset to treatment
    smallest_study: tuple[str, int, int] | None  # (study label, early, late) of the study with fewest on a side
    message: str = ""  # why nothing is drawn
    spec: dict | None = None
    table: pd.DataFrame | None = None  # one row per cut-off of the strip
    current: dict | None = None  # the strip's row at the current cut-off
    min_patients: int = 3
    continuous_spec: dict | None = None  # each patient: months from onset to treatment against the outcome
    points: pd.DataFrame | None = None  # sjia_explore.window.window_points
    smoother: pd.DataFrame | None = None  # sjia_explore.window.window_smoother (one row saying why when none)


@dataclass(frozen=True)
class SteroidModel:
    """Corticosteroid tapering among the patients on it at week 0."""

    n_on: int
    n_known: int
    n_unknown: int
    not_reported_by: tuple[str, ...]  # study labels that did not report a dose
    reconstructed: bool
    spec: dict | None = None
    per_visit: pd.DataFrame | None = None  # sjia_explore.stats.steroid_free
    km: pd.DataFrame | None = None  # sjia_explore.stats.time_to_steroid_free
    cumulative: pd.Series | None = None  # cumulative dose per patient (mg/kg), known values
    up_to_week: int = 24


@dataclass(frozen=True)
class AdverseEventsModel:
    """Adverse events per study, with rates, and by kind of event."""

    table: pd.DataFrame  # one row per study (raw numbers; "status" says not reported / reconstructed)
    notes: tuple[str, ...]  # plain sentences, one per study that needs one
    by_term: pd.DataFrame | None = None


@dataclass(frozen=True)
class SafetyModel:
    steroid: SteroidModel
    adverse_events: AdverseEventsModel


@dataclass(frozen=True)
class Table1Model:
    """Table 1 of the selection, or the reason it is not shown."""

    n_patients: int
    cutoff: float
    table: pd.DataFrame | None = None
    note: str = ""
    message: str = ""


@dataclass(frozen=True)
class TestsModel:
    """The statistics panel's results for one selection, outcome and method."""

    __test__ = False  # not a test class

    outcome: str
    n_patients: int
    description: str
    methods: tuple[str, ...]
    by_week: pd.DataFrame | None = None  # sjia_explore.stats.vs_baseline, every method
    overall: pd.DataFrame | None = None  # sjia_explore.stats.omnibus, every method
    message: str = ""  # why nothing was tested
    repeated: bool = False  # shown again from an earlier run (not counted again)
    reconstructed: bool = False  # the outcome's values tested are reconstructed (for some study of the selection)


@dataclass(frozen=True)
class ActivityModel:
    """Disease activity: states per visit, inactive disease with published figures beside it, their notes."""

    score: str
    message: str = ""  # why nothing is drawn
    spec: dict | None = None
    states: pd.DataFrame | None = None  # sjia_explore.outcomes.activity_states, by early/late group
    inactive: pd.DataFrame | None = None  # sjia_explore.outcomes.inactive_by_week, by early/late group
    score_note: str = ""  # where the score came from and its cut-offs
    inactive_note: str = ""  # the Wallace criteria used, and those not recorded
    literature: pd.DataFrame | None = None  # sjia_explore.literature.literature(): every published figure
    reconstructed: bool = False

    def table(self) -> pd.DataFrame:
        """States and inactive disease in one table, with a ``measure`` column first."""
        parts = [f.assign(measure=m) for m, f in (("activity_state", self.states), ("inactive_disease",
                                                                                  self.inactive)) if f is not None]
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True)
        return frame[["measure"] + [c for c in frame.columns if c != "measure"]]


@dataclass(frozen=True)
class BiomarkersModel:
    """Inflammatory markers per visit and group, and the markers a study did not measure."""

    message: str = ""
    spec: dict | None = None
    table: pd.DataFrame | None = None  # sjia_explore.biomarkers.biomarkers, by early/late group
    not_measured: tuple[tuple[str, str], ...] = ()  # (marker label, study label) with no value at all
    reconstructed: bool = False


@dataclass(frozen=True)
class PatientsModel:
    """Each patient's course on one row."""

    n_patients: int
    message: str = ""
    spec: dict | None = None
    table: pd.DataFrame | None = None  # one row per patient and visit drawn
    note: str = ""  # e.g. only a sample of patients drawn
    reconstructed: bool = False


@dataclass(frozen=True)
class HighlightModel:
    """The patient picked to be highlighted on every chart, and the patients that can be picked."""

    patient_id: str | None = None  # None: nobody
    sentence: str = ""  # who is highlighted (group, months to treatment, reconstructed or not), or why nobody is
    choices: tuple[tuple[str, str], ...] = ()  # (label, patient_id) of the patients offered, in the rows' order


@dataclass(frozen=True)
class ViewModel:
    """Everything the app shows for one :class:`~sjia_explore.app.state.ViewState`."""

    state: ViewState
    dark: bool
    selection: SelectionModel
    about: AboutModel
    ledger: pd.DataFrame  # sjia_explore.stats.TestLedger.to_frame() of the tests counted so far
    sections: dict[str, Any] = field(default_factory=dict)  # section name -> its model (made when on screen)
    highlight: HighlightModel = field(default_factory=HighlightModel)

    @property
    def trajectories(self) -> TrajectoriesModel | None:
        return self.sections.get("trajectories")

    @property
    def window(self) -> WindowModel | None:
        return self.sections.get("window")

    @property
    def safety(self) -> SafetyModel | None:
        return self.sections.get("safety")

    @property
    def activity(self) -> ActivityModel | None:
        return self.sections.get("activity")

    @property
    def biomarkers(self) -> BiomarkersModel | None:
        return self.sections.get("biomarkers")

    @property
    def patients(self) -> PatientsModel | None:
        return self.sections.get("patients")

    @property
    def table1(self) -> Table1Model | None:
        return self.sections.get("table1")
