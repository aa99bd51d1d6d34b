"""One viewer's session: the cohort, the view shown, what has been computed, and the tests run.

:class:`Session` is the app without widgets: give it a :class:`ViewState`, get
back a :class:`~sjia_explore.app.model.ViewModel`. The dashboard
(:class:`sjia_explore.app.CohortExplorer`) puts that model on screen; tests,
benchmarks and notebooks drive the session directly.

Examples
--------
>>> from sjia_explore import load_cohort
>>> cohort = load_cohort()
>>> session = Session(cohort)
>>> model = session.update(ViewState(sex="F", early_cutoff_months=6))
>>> model.selection.n_total == int((cohort.patients["sex"] == "F").sum()), model.selection.description
(True, 'female')
>>> session.update(ViewState(early_cutoff_months=0.5))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: the cut-off must be whole months between 1 and ..., not 0.5
>>> session.state.sex   # a failed update leaves the last view as it was
'F'
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from sjia_explore.app import downloads
from sjia_explore.app.compute import tests as tests_compute
from sjia_explore.app.compute.context import CohortOptions, Context, choose
from sjia_explore.app.compute.patients import highlight_model
from sjia_explore.app.compute.selection import PatientArrays, SelectedPatients
from sjia_explore.app.compute.trajectories import index_of
from sjia_explore.app.model import SelectionModel, TestsModel, ViewModel
from sjia_explore.app.sections import SECTIONS, Section, section
from sjia_explore.app.state import ViewState
from sjia_explore.app.vocabulary import OUTCOMES, PANEL_OUTCOMES, describe_subgroup
from sjia_explore.cohort import Cohort, Subgroup

#: Selections of patients (filtered cohorts) kept for a quick return to them.
SELECTIONS_KEPT = 4


def remember(cache: OrderedDict, key: Any, make: Callable[[], Any], size: int) -> Any:
    """``cache[key]``, made by ``make()`` the first time; only the ``size`` most recently used are kept."""
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = cache[key] = make()
    while len(cache) > size:
        cache.popitem(last=False)
    return value


@dataclass
class Analyses:
    """The tests run on one selection of patients and their results; ``ledger`` counts them in the session's
    multiplicity ledger, stamped with the selection."""

    selection: Subgroup
    ledger: Any  # sjia_explore.stats.LedgerScope of the session's ledger
    results: dict = field(default_factory=dict)


class Session:
    """A cohort and the view shown of it, with everything computed for it remembered.

    Parameters
    ----------
    cohort
        The cohort to explore; :meth:`update` can switch to another one.

    Attributes
    ----------
    cohort, options
        The cohort shown, and what it offers the controls (drugs, studies, weeks, cut-off range).
    state, model
        The view shown and its model (``model`` is None before the first :meth:`update`).
    panel
        The detail panel open under the sections (``"table1"``, ``"statistics"``, ``"share"`` or None):
        Table 1 is made only while its panel is open.
    page_dark
        Whether the page around the app is dark (a ``theme="auto"`` view follows it).
    ledger
        Every p-value shown in this session, across selections, sections and Table 1
        (:class:`sjia_explore.stats.TestLedger`); the same test shown twice counts once.
    """

    def __init__(self, cohort: Cohort):
        from sjia_explore.stats.ledger import TestLedger

        self.ledger = TestLedger()
        self.initial_cohort = cohort
        self.panel: str | None = None
        self.page_dark = False
        self.state = ViewState()
        self.model: ViewModel | None = None
        self._use(cohort)

    # -- the cohort ----------------------------------------------------------------------
    def _use(self, cohort: Cohort) -> None:
        self.cohort = cohort
        self.options = CohortOptions.of(cohort)
        self.analyses: Analyses | None = None
        self._index: Any = False  # made on first use, for this cohort
        self._arrays: PatientArrays | None = None  # likewise
        self.forget()

    def forget(self, sections: tuple[str, ...] | None = None) -> None:
        """Forget the selections of patients and the sections computed (default: every section), so that the
        next update computes them anew."""
        self._selections: OrderedDict[Subgroup, SelectedPatients] = OrderedDict()
        kept = {} if sections is None else {k: v for k, v in getattr(self, "_sections", {}).items()
                                            if k not in sections}
        # parts kept under their own names (Context.remember) stay unless named
        self._sections: dict[str, OrderedDict] = {**kept, **{s.name: kept.get(s.name, OrderedDict()) for s in SECTIONS}}

    @property
    def index(self):
        """The shown cohort's visits arranged for fast summaries (made once per cohort), or None."""
        if self._index is False:
            self._index = index_of(self.cohort, self.options.weeks)
        return self._index

    @property
    def arrays(self) -> PatientArrays:
        """The shown cohort's per-patient arrays: a new selection of patients is boolean masks over them."""
        if self._arrays is None or self._arrays.cohort is not self.cohort:
            self._arrays = PatientArrays(self.cohort, self.index)
        return self._arrays

    # -- one view --------------------------------------------------------------------------
    def dark(self, state: ViewState) -> bool:
        """Whether ``state`` is drawn dark (its theme, or the page's when the theme is "auto")."""
        return state.theme == "dark" or (state.theme == "auto" and self.page_dark)

    def checked(self, state: ViewState) -> ViewState:
        """``state`` made to fit this cohort: the window week one it has, the cut-off in its range, and no
        highlighted patient unless the selection keeps them."""
        follow_up = self.options.follow_up_weeks
        if follow_up and state.window_week not in follow_up:
            state = replace(state, window_week=follow_up[-1])
        low, high = self.options.cutoff_range
        if state.early_cutoff_months != int(state.early_cutoff_months) or not (
                low <= state.early_cutoff_months <= high):
            raise ValueError(f"the cut-off must be whole months between {low} and {high}, not "
                             f"{state.early_cutoff_months:g}")
        if state.highlight is not None and not self.chosen(state).has_patient(state.highlight):
            state = replace(state, highlight=None)
        return state

    def selected(self, state: ViewState) -> tuple[Cohort, dict[str, int]]:
        """The patients of ``state`` and how many each filter leaves (remembered per selection)."""
        chosen = self.chosen(state)
        return chosen.cohort, chosen.funnel

    def prepare(self) -> None:
        """Work out the cohort's per-patient arrays for every filter value the controls offer (once per cohort),
        so that the first new selection of patients costs what the next ones do."""
        opts = self.options
        values = {"studies": [(s,) for s in opts.studies], "prior_biologic_any": [(d,) for d in opts.drugs],
                  "prior_biologic_none": [(d,) for d in opts.drugs], "prior_mas": [True, False],
                  "sex": ["F", "M"], "baseline_steroid": [True, False]}
        self.arrays.prepare(values, [o.column for o in PANEL_OUTCOMES])
        for columns in (None, [o.column for o in OUTCOMES], list(ViewState().trajectory_outcomes)):
            self.arrays.reconstructed_studies(columns)

    def chosen(self, state: ViewState) -> SelectedPatients:
        """The patients of ``state`` as a boolean per patient, with how many each filter leaves (remembered per
        selection); their tables are made when first asked for."""
        selection = state.selection()
        return remember(self._selections, selection, lambda: choose(self.arrays, selection), SELECTIONS_KEPT)

    def analyses_for(self, state: ViewState) -> Analyses:
        """The tests of this selection of patients: the same ledger while the patients stay the same."""
        selection = state.selection()
        if self.analyses is not None and self.analyses.selection == selection:
            return self.analyses
        name = "the bundled studies" if self.cohort.is_bundled else (self.cohort.source or "another cohort")
        return Analyses(selection=selection, ledger=self.ledger.scoped(describe_subgroup(selection), name))

    def context(self, state: ViewState, *, dark: bool | None = None) -> Context:
        """Everything a section needs for ``state``."""
        chosen = self.chosen(state)
        made: dict[str, Any] = {}

        def features():  # made once, when a section first asks for it
            if "features" not in made:
                made["features"] = chosen.cohort.patient_features(state.early_cutoff_months)
            return made["features"]

        ctx = Context(cohort=self.cohort, chosen=chosen, features_of=features, state=state,
                      dark=self.dark(state) if dark is None else dark, options=self.options,
                      group_counts={}, index=self.index, analyses=self.analyses_for(state), panel=self.panel)

        def remember_part(name: str, inputs: tuple[str, ...], make: Callable[[], Any]) -> Any:
            cache = self._sections.setdefault(name, OrderedDict())
            return remember(cache, ctx.key(inputs), make, 8)

        # the group sizes at any cut-off: a search in the selection's sorted months (kept with the selection)
        return replace(ctx, remember=remember_part,
                       group_counts=chosen.sorted_months.group_sizes(state.early_cutoff_months))

    def section_model(self, sec: Section, ctx: Context) -> Any:
        """One section's model for ``ctx``, computed only when its inputs changed; the highlighted patient is
        drawn over it afterwards (a new highlight never computes the section again)."""
        if not sec.cacheable(ctx):
            model = sec.compute(ctx)
            return sec.highlight(ctx, model) if sec.highlight is not None and ctx.state.highlight else model
        model = remember(self._sections[sec.name], ctx.key(sec.inputs), lambda: sec.compute(ctx), sec.keep)
        if sec.highlight is None or ctx.state.highlight is None:
            return model
        drawn = self._sections.setdefault(f"{sec.name}+highlight", OrderedDict())
        return remember(drawn, ctx.key(sec.drawn_inputs), lambda: sec.highlight(ctx, model), sec.keep)

    def compute(self, state: ViewState) -> ViewModel:
        """The model of ``state``, without making it the one shown."""
        fitted = self.checked(state)
        return self._model(self.context(fitted), dropped=state.highlight if fitted.highlight is None else None)

    def _model(self, ctx: Context, dropped: str | None = None) -> ViewModel:
        state = ctx.state
        selection = SelectionModel(n_total=ctx.chosen.n_patients, funnel=ctx.chosen.funnel,
                                   group_counts=ctx.group_counts,
                                   description=describe_subgroup(state.subgroup()))
        sections = {s.name: self.section_model(s, ctx) for s in SECTIONS if s.shown(ctx)}
        return ViewModel(state=state, dark=ctx.dark, selection=selection, about=sections.pop("about"),
                         ledger=self.ledger.to_frame(), sections=sections, highlight=highlight_model(ctx, dropped))

    def update(self, state: ViewState | None = None, cohort: Cohort | None = None) -> ViewModel:
        """Make ``state`` (default: the current one) the view shown, optionally of another ``cohort``.

        Atomic: when anything fails, the error is raised and the session is left
        exactly as it was (cohort, view, tests).
        """
        before = (self.cohort, self.options, self.analyses, self._index, self._selections, self._sections)
        try:
            if cohort is not None:
                self._use(cohort)
            asked = self.state if state is None else state
            ctx = self.context(self.checked(asked))
            model = self._model(ctx, dropped=asked.highlight if ctx.state.highlight is None else None)
        except Exception:
            (self.cohort, self.options, self.analyses, self._index, self._selections, self._sections) = before
            raise
        self.analyses = ctx.analyses
        self.state, self.model = model.state, model
        return model

    # -- on request ------------------------------------------------------------------------
    def run_tests(self, state: ViewState | None = None) -> TestsModel:
        """The statistics panel's tests for ``state`` (default: the view shown), counted once per selection."""
        state = self.state if state is None else state
        analyses = self.analyses_for(state)
        key = ("tests", state.test_outcome, state.test_method)
        result = analyses.results.get(key)
        if result is None:
            selected, _ = self.selected(state)
            result = analyses.results[key] = tests_compute.compute(selected, state.test_outcome, state.test_method,
                                                                   ledger=analyses.ledger)
        else:
            result = replace(result, repeated=True)
        if state == self.state:
            self.analyses = analyses
        return result

    def download(self, key: str, suppression: int = 0) -> tuple[str, str, bytes]:
        """The file of a download button for the view shown: ``(file name, MIME type, bytes)``."""
        if self.model is None:
            raise ValueError("nothing is shown yet")
        state = self.model.state
        selected, _ = self.selected(state)

        def light(name: str):
            return self.section_model(section(name), self.context(state, dark=False))

        return downloads.make(self.model, key, selected, suppression=suppression, light=light)
