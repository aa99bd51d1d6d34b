"""What every section's computation is given: the cohort, the selected patients and the view asked for."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from sjia_explore.app.compute.selection import PatientArrays, SelectedPatients
from sjia_explore.app.vocabulary import MAX_WEEK
from sjia_explore.cohort import Cohort, Subgroup
from sjia_explore.plots import DEFAULT_WEEKS

if TYPE_CHECKING:
    from sjia_explore.app.state import ViewState


@dataclass(frozen=True)
class CohortOptions:
    """What a cohort offers the controls: prior biologics, studies, visit weeks and the cut-off range, and
    whether some of its patients have no time from onset to treatment (a "not recorded" group).

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> o = CohortOptions.of(load_cohort())
    >>> o.weeks, o.studies
    ((0, 4, 8, 12, 24), ('qiu2024', 'vastert2011'))
    """

    drugs: tuple[str, ...]
    studies: tuple[str, ...]
    weeks: tuple[int, ...]
    cutoff_range: tuple[int, int]
    unknown_months: bool = False

    @classmethod
    def of(cls, cohort: Cohort) -> CohortOptions:
        weeks = sorted({int(w) for w in pd.to_numeric(cohort.visits["week"], errors="coerce").dropna()
                        if 0 <= int(w) <= MAX_WEEK})
        all_months = pd.to_numeric(cohort.patients["months_onset_to_treatment"], errors="coerce")
        months = all_months.dropna()
        top = int(math.ceil(months.max())) + 1 if len(months) else 60
        return cls(drugs=tuple(cohort.prior_biologic_options()), studies=tuple(cohort.studies),
                   weeks=tuple(weeks) or DEFAULT_WEEKS, cutoff_range=(1, int(min(240, max(24, top)))),
                   unknown_months=len(months) < len(all_months))

    @property
    def follow_up_weeks(self) -> tuple[int, ...]:
        """The weeks after week 0 (the window section compares change to one of them)."""
        return tuple(w for w in self.weeks if w > 0)


#: The filters in the order the sidebar shows them: (funnel key, Subgroup fields it sets).
FILTER_STEPS = (("study", ("studies",)), ("had_any", ("prior_biologic_any",)),
                ("had_none", ("prior_biologic_none",)), ("prior_mas", ("prior_mas",)), ("sex", ("sex",)),
                ("steroid", ("baseline_steroid",)))


#: Yes/no and sex filters keep nobody whose value is not recorded: the funnel counts them under
#: ``<key>_unknown`` (the patients with no value among those the filter was given).
UNKNOWN_COUNTED = {"prior_mas": "prior_mas", "sex": "sex", "steroid": "baseline_steroid"}
UNKNOWN_SUFFIX = "_unknown"


def select(cohort: Cohort, selection: Subgroup) -> tuple[Cohort, dict[str, int]]:
    """The patients of ``selection``, and how many each filter leaves, in the order the filters are shown.

    An active yes/no or sex filter also says how many of the patients it was given had no value
    (``"sex_unknown"``: they drop out with it). :func:`choose` gives the same without making the tables.

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> selected, funnel = select(load_cohort(), Subgroup(sex="F"))
    >>> funnel["study"] > funnel["sex"] == selected.n_patients
    True
    >>> funnel["sex_unknown"]  # Vastert 2011 did not report its patients' sex
    5
    """
    chosen = choose(PatientArrays(cohort), selection)
    return chosen.cohort, chosen.funnel


#: The filters' values that keep everybody.
_ANYBODY = Subgroup()


def choose(arrays: PatientArrays, selection: Subgroup) -> SelectedPatients:
    """The patients of ``selection`` as one boolean per patient of ``arrays``, with the funnel of :func:`select`:
    each filter's patients are worked out once per cohort, and a new selection makes no table."""
    funnel: dict[str, int] = {}
    ids = arrays.cohort.patients["patient_id"]
    kept = np.ones(arrays.n, dtype=bool)
    filtered = False
    for key, names in FILTER_STEPS:
        active = [arrays.mask(name, getattr(selection, name)) for name in names
                  if getattr(selection, name) != getattr(_ANYBODY, name)]
        if active and key in UNKNOWN_COUNTED:  # patients with no value of it drop out too: say how many
            funnel[key + UNKNOWN_SUFFIX] = int((kept & arrays.not_recorded(UNKNOWN_COUNTED[key])).sum())
        for mask in active:
            kept &= mask
        filtered = filtered or bool(active)
        funnel[key] = ((int(kept.sum()) if arrays.unique else int(ids[kept].nunique())) if filtered
                       else arrays.cohort.n_patients)
    if not filtered:
        return SelectedPatients(arrays, None, arrays.cohort.subgroup, funnel)
    return SelectedPatients(arrays, kept, selection, funnel)


def has_values(visits: pd.DataFrame, column: str) -> bool:
    """True when the visits hold at least one value of ``column``."""
    return column in visits.columns and visits[column].count() > 0  # count(): no mask made


@dataclass(frozen=True)
class Context:
    """One view's inputs, shared by every section's computation.

    ``inputs`` of a section name fields of :meth:`key`: the selection of
    patients, the cut-off and the other view settings a section depends on.
    """

    cohort: Cohort  # the whole cohort shown
    chosen: SelectedPatients  # the patients of the selection (their tables: :attr:`selected`)
    #: makes :attr:`features` (one row per selected patient, with the early/late group at the cut-off) when
    #: a section first asks for it: a cut-off change that needs only the group sizes does not make it
    features_of: Callable[[], pd.DataFrame]
    state: ViewState
    dark: bool
    options: CohortOptions
    group_counts: dict[str, int]
    index: Any  # trajectories.TrajectoryIndex of the cohort, or None
    analyses: Any  # the session's record of tests run on these patients (sjia_explore.app.session.Analyses)
    panel: str | None = None  # the detail panel open under the sections ("table1", "statistics", "share")
    #: ``remember(name, inputs, make)``: a part of a section's work kept on its own inputs (the session's caches).
    remember: Callable[[str, tuple[str, ...], Callable[[], Any]], Any] = lambda name, inputs, make: make()

    @property
    def selected(self) -> Cohort:
        """The selected patients' tables (made when a section first asks for them)."""
        return self.chosen.cohort

    @cached_property
    def features(self) -> pd.DataFrame:
        """One row per selected patient (``Cohort.patient_features``), with the early/late group at the cut-off."""
        return self.features_of()

    def key(self, inputs: tuple[str, ...]) -> tuple:
        """The values of ``inputs`` (``"selection"``, ``"studies"``, ``"dark"``, ``"panel"`` or a ViewState field)."""
        values = {"selection": self.state.selection(), "dark": self.dark, "panel": self.panel}
        if "studies" in inputs:
            values["studies"] = self.chosen.studies
        return tuple(values[name] if name in values else getattr(self.state, name) for name in inputs)


def colour_domain(ctx: Context) -> list[str]:
    """The groups a filter of this cohort can show at the cut-off: early, late and, when the cohort has
    patients without a time to treatment, "not recorded". Each keeps its colour and its row of ``n``
    labels whichever of them the selected patients fall in (the legend lists those only).

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> from sjia_explore.app import Session, ViewState
    >>> colour_domain(Session(load_cohort()).context(ViewState(sex="M")))
    ['early (< 12 mo)', 'late (≥ 12 mo)']
    """
    from sjia_explore.cohort import duration_group_label
    from sjia_explore.conventions import NOT_RECORDED

    cut = ctx.state.early_cutoff_months
    groups = [duration_group_label(True, cut), duration_group_label(False, cut)]
    return [*groups, NOT_RECORDED] if ctx.options.unknown_months else groups


def group_colours(ctx: Context, groups: list[str] | None = None) -> dict[str, str]:
    """Each group's colour, the same in every chart and view of the cohort (:func:`colour_domain`); only
    ``groups`` (default: all of them), in their order.

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> from sjia_explore.app import Session, ViewState
    >>> group_colours(Session(load_cohort()).context(ViewState(sex="M")), ["late (≥ 12 mo)"])
    {'late (≥ 12 mo)': '#dd6b20'}
    """
    from sjia_explore import plots

    every = plots.group_colours(colour_domain(ctx), dark=ctx.dark)
    return {g: every[g] for g in (every if groups is None else groups)}
