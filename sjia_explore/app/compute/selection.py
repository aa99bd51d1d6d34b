"""A selection of patients as one boolean per patient, over arrays worked out once per cohort.

A new selection on screen (another sex, MAS, study or biologic) is then a few
boolean operations: how many each filter leaves, the group sizes at any cut-off,
the trajectories' running sums, whether the values drawn are reconstructed or
simulated and which patients the highlight can pick need no new table. The
selected patients' tables (:attr:`SelectedPatients.cohort`, a
:meth:`~sjia_explore.Cohort.subset`) are made when a section first asks for them.

Every answer is the one the selected patients' own tables give
(``tests/test_selection.py`` checks them against :meth:`~sjia_explore.Cohort.subset`).

Examples
--------
>>> from sjia_explore import load_cohort
>>> arrays = PatientArrays(load_cohort())
>>> girls = SelectedPatients(arrays, arrays.mask("sex", "F"), Subgroup(sex="F"))
>>> girls.n_patients, girls.studies, girls.sorted_months.group_sizes(12)  # Qiu 2024, Table 1
(7, ('qiu2024',), {'early (< 12 mo)': 2, 'late (≥ 12 mo)': 5})
>>> girls.cohort.n_patients  # the tables, made on first use
7
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Sequence

import numpy as np
import pandas as pd

from sjia_explore.cohort import Cohort, Subgroup
from sjia_explore.trajectories import CutoffSums, SortedMonths, TrajectoryIndex

MONTHS = "months_onset_to_treatment"


def ids_and_months(patients: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A patient table's ids (as text) and months from onset to treatment (NaN where not recorded)."""
    months = pd.to_numeric(patients[MONTHS], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return patients["patient_id"].astype(str).to_numpy(dtype=object), months


def earliest_first(ids: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The order of patients, the earliest treated first (those with no time last; ties by id).

    Examples
    --------
    >>> earliest_first(np.array(["b", "a", "c"], dtype=object), np.array([3.0, np.nan, 3.0])).tolist()
    [0, 2, 1]
    """
    unknown = np.isnan(months)
    return np.lexsort((ids, np.where(unknown, 0.0, months), unknown))  # the last key sorts first


def _per_patient(rows: np.ndarray, flags: np.ndarray, n: int) -> np.ndarray:
    """True for each of ``n`` patients with at least one row (their positions ``rows``, −1 for none) flagged."""
    out = np.zeros(n + 1, dtype=bool)  # the last slot takes the rows of no known patient
    out[rows[flags]] = True
    return out[:n]


class PatientArrays:
    """One cohort's per-patient arrays (one value per row of ``cohort.patients``), each worked out on first use.

    Parameters
    ----------
    cohort
        The cohort shown.
    index
        Its :class:`~sjia_explore.trajectories.TrajectoryIndex`, if the trajectories use one.
    """

    def __init__(self, cohort: Cohort, index: TrajectoryIndex | None = None):
        self.cohort = cohort
        self.index = index
        ids = cohort.patients["patient_id"]
        self.n = len(ids)
        #: one row per patient: the fast answers below hold; otherwise each is asked of the selection's tables
        self.unique = bool(ids.is_unique) and not ids.isna().any()
        self.ids, self.months = ids_and_months(cohort.patients)
        self._masks: dict[tuple[str, Any], np.ndarray] = {}
        self._not_recorded: dict[str, np.ndarray] = {}
        self._has_values: dict[str, np.ndarray] = {}
        self._marked: dict[tuple[str, str], np.ndarray] = {}
        self._reconstructed_studies: dict[tuple[str, ...] | None, frozenset[str]] = {}

    def prepare(self, values: dict[str, Sequence[Any]], columns: Sequence[str] = ()) -> PatientArrays:
        """Work out now what a new selection will ask for: the masks of every filter value the controls offer
        (``values``: a :class:`~sjia_explore.Subgroup` field and its values), the patients with values of
        ``columns``, and the rest of the arrays, so that the first click on a filter costs what the next ones
        do. Returns the arrays.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> arrays = PatientArrays(load_cohort()).prepare({"sex": ["F", "M"]}, ["active_joints"])
        >>> sorted(arrays._masks)
        [('sex', 'F'), ('sex', 'M')]
        """
        for name, options in values.items():
            for value in options:
                try:
                    self.mask(name, value)
                except (KeyError, ValueError):  # a filter this cohort cannot answer: it says why when it is used
                    continue
        if self.unique:  # what the answers of a selection read (a patient table repeating a patient has none)
            for column in columns:
                if column in self.cohort.visits.columns:
                    self.has_values(column)
            _ = self.study_codes, self.index_positions, self.visit_provenance, self.earliest_first
            self._provenance_rows("visits", "reconstructed")
            self._provenance_rows("adverse_events", "simulated")
        return self

    def mask(self, name: str, value: Any) -> np.ndarray:
        """The patients who meet one criterion (a :class:`~sjia_explore.Subgroup` field and its value), kept."""
        key = (name, value)
        if key not in self._masks:
            self._masks[key] = self.cohort.subgroup_masks(Subgroup(**{name: value}))[name]
        return self._masks[key]

    def not_recorded(self, column: str) -> np.ndarray:
        """The patients with no value of ``column`` (:meth:`~sjia_explore.Cohort.not_recorded`), kept."""
        if column not in self._not_recorded:
            self._not_recorded[column] = self.cohort.not_recorded(column)
        return self._not_recorded[column]

    @cached_property
    def study_codes(self) -> tuple[np.ndarray, list[str]]:
        """Each patient's study as a code into the list of studies (−1: none)."""
        codes, names = pd.factorize(self.cohort.patients["study"])
        return codes, [str(n) for n in names]

    @cached_property
    def index_positions(self) -> np.ndarray | None:
        """Each patient's position in the trajectory index (−1: no visit there); None without an index."""
        return None if self.index is None else self.index.positions(self.cohort.patients["patient_id"])

    def _rows(self, table: str) -> np.ndarray:
        """Each row of ``table``'s patient: their position in ``patients`` (−1 for none)."""
        return self.cohort.patient_positions(getattr(self.cohort, table))

    def has_values(self, column: str) -> np.ndarray:
        """The patients with at least one visit with a value of ``column``."""
        if column not in self._has_values:
            visits = self.cohort.visits
            self._has_values[column] = _per_patient(self._rows("visits"), visits[column].notna().to_numpy(dtype=bool),
                                                    self.n)
        return self._has_values[column]

    def _provenance_rows(self, table: str, status: str) -> np.ndarray:
        """The patients with at least one row of ``table`` whose own ``provenance`` is ``status``."""
        if (table, status) not in self._marked:
            df = getattr(self.cohort, table)
            flags = (df["provenance"].eq(status).fillna(False).to_numpy(dtype=bool) if "provenance" in df.columns
                     else np.zeros(len(df), dtype=bool))
            self._marked[table, status] = _per_patient(self._rows(table), flags, self.n)
        return self._marked[table, status]

    @cached_property
    def visit_provenance(self) -> tuple[list[str], np.ndarray] | None:
        """The visits' provenance values ("not stated" for none) and each patient's count of each, or None when the
        visits have no provenance column."""
        visits = self.cohort.visits
        if "provenance" not in visits.columns:
            return None
        codes, names = pd.factorize(visits["provenance"].astype("string").fillna("not stated"))
        counts = np.zeros((self.n + 1, len(names)), dtype=np.int64)
        np.add.at(counts, (self._rows("visits"), codes), 1)
        return [str(n) for n in names], counts[:self.n]

    def reconstructed_studies(self, columns: Sequence[str] | None) -> frozenset[str]:
        """Studies whose visits (or ``columns`` of them) the data package marks reconstructed."""
        key = None if columns is None else tuple(columns)
        if key not in self._reconstructed_studies:
            self._reconstructed_studies[key] = frozenset(self.cohort.provenance_studies(
                "visits", "reconstructed", None if columns is None else list(columns)))
        return self._reconstructed_studies[key]

    @cached_property
    def earliest_first(self) -> np.ndarray:
        """The patients' rows, the earliest treated first (those with no time last; ties by id)."""
        return earliest_first(self.ids, self.months)


class SelectedPatients:
    """The patients of one selection (a boolean per patient of ``arrays``; None: all), and how many each filter
    left (``funnel``: see :func:`sjia_explore.app.compute.context.select`)."""

    def __init__(self, arrays: PatientArrays, kept: np.ndarray | None, subgroup: Subgroup,
                 funnel: dict[str, int] | None = None):
        self.arrays, self.kept, self.subgroup = arrays, kept, subgroup
        self.funnel = funnel or {}

    @cached_property
    def cohort(self) -> Cohort:
        """The selected patients' tables (made on first use)."""
        return self.arrays.cohort if self.kept is None else self.arrays.cohort.subset(self.kept, self.subgroup)

    def _fast(self) -> bool:
        return self.arrays.unique

    def _of(self, values: np.ndarray) -> np.ndarray:
        return values if self.kept is None else values[self.kept]

    @cached_property
    def n_patients(self) -> int:
        if self.kept is None or not self._fast():
            return self.cohort.n_patients
        return int(self.kept.sum())

    @cached_property
    def studies(self) -> tuple[str, ...]:
        """The selected patients' studies, sorted (as :attr:`sjia_explore.Cohort.studies`)."""
        if not self._fast():
            return tuple(self.cohort.studies)
        codes, names = self.arrays.study_codes
        return tuple(sorted(names[c] for c in np.unique(self._of(codes)) if c >= 0))

    @cached_property
    def sorted_months(self) -> SortedMonths:
        """Their months from onset to treatment, sorted: the group sizes at any cut-off."""
        if not self._fast():
            return SortedMonths.of(self.cohort.patients)
        return SortedMonths.from_months(self._of(self.arrays.months))

    def cutoff_sums(self, index: TrajectoryIndex) -> CutoffSums:
        """Their values per outcome and week in order of months (the trajectories at any cut-off)."""
        positions = self.arrays.index_positions if index is self.arrays.index else None
        if not self._fast() or positions is None:
            return CutoffSums(index, self.cohort.patients[["patient_id", MONTHS]])
        return CutoffSums.from_arrays(index, self._of(self.arrays.months), self._of(positions))

    def recorded(self, columns: Sequence[str]) -> set[str]:
        """Those of ``columns`` with at least one value among their visits."""
        visits = self.arrays.cohort.visits
        if not self._fast():
            return {c for c in columns if c in self.cohort.visits.columns and self.cohort.visits[c].count() > 0}
        return {c for c in columns if c in visits.columns and self._of(self.arrays.has_values(c)).any()}

    def in_reconstructed_study(self, columns: Sequence[str] | None = None) -> bool:
        """True when a selected study's visits (or ``columns`` of them) are marked reconstructed."""
        return bool(self.arrays.reconstructed_studies(columns).intersection(self.studies))

    def has_rows_marked(self, table: str, status: str) -> bool:
        """True when any of their rows of ``table`` has ``provenance`` ``status``."""
        if not self._fast():
            df = getattr(self.cohort, table)
            return bool("provenance" in df.columns and (df["provenance"] == status).any())
        return bool(self._of(self.arrays._provenance_rows(table, status)).any())

    def is_reconstructed(self, columns: Sequence[str] | None = None) -> bool:
        """:meth:`sjia_explore.Cohort.is_reconstructed` of their visits (or ``columns`` of them)."""
        return self.has_rows_marked("visits", "reconstructed") or self.in_reconstructed_study(columns)

    def visit_provenance_counts(self) -> tuple[tuple[str, int], ...]:
        """Their visits per provenance ("not stated" for none), the most first: ``(provenance, rows)``."""
        if not self._fast():
            visits = self.cohort.visits
            if "provenance" not in visits.columns or not len(visits):
                return ()
            counts = visits["provenance"].astype("string").fillna("not stated").value_counts()
            return tuple(sorted(((str(k), int(n)) for k, n in counts.items()), key=lambda kn: (-kn[1], kn[0])))
        table = self.arrays.visit_provenance
        if table is None:
            return ()
        names, counts = table
        totals = self._of(counts).sum(axis=0)
        order = sorted((i for i in range(len(names)) if totals[i] > 0), key=lambda i: (-totals[i], names[i]))
        return tuple((names[i], int(totals[i])) for i in order)

    def has_patient(self, patient_id: str) -> bool:
        """True when ``patient_id`` is among them."""
        if not self._fast():
            return bool(self.cohort.patients["patient_id"].astype(str).eq(patient_id).any())
        return bool(self._of(self.arrays.ids == patient_id).any())

    def highlight_order(self) -> tuple[np.ndarray, np.ndarray]:
        """Their ids and months, the earliest treated first (those with no time last; ties by id)."""
        if not self._fast():
            ids, months = ids_and_months(self.cohort.patients)
            order = earliest_first(ids, months)
            return ids[order], months[order]
        order = self.arrays.earliest_first
        if self.kept is not None:
            order = order[self.kept[order]]
        return self.arrays.ids[order], self.arrays.months[order]
