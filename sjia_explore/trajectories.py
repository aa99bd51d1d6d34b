"""Per-visit summaries of an outcome: n, mean, SD, 95% CI, median and quartiles, per group.

These are the numbers behind every trajectory chart of the app. They are plain
functions of long (one row per patient and week) data and never change the
frames they are given.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "week": [0, 4, 0, 4],
...                        "active_joints": [6, 1, 4, 0]})
>>> summarise(visits, "active_joints")[["group", "week", "n", "mean"]]
  group  week  n  mean
0   all     0  2   5.0
1   all     4  2   0.5
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sjia_explore.conventions import NOT_RECORDED
from sjia_explore.student_t import t_quantiles  # scipy's values, without importing scipy

#: Label of the single group used when no grouping column is given.
ALL_GROUP = "all"
#: Label of patients whose grouping value is not recorded.
MISSING_GROUP = NOT_RECORDED
#: Coverage of the confidence interval of the mean.
CI_LEVEL = 0.95

SUMMARY_COLUMNS = ["group", "week", "n", "n_missing", "mean", "sd", "ci_low", "ci_high", "median", "q1", "q3",
                   "clipped"]
#: Said wherever a clipped interval is shown (chart legend, table note, exports).
CLIPPED_NOTE = "95% CI of the mean (t); cut at the scale's limits where it would cross them (clipped)"


def outcome_bounds(outcome: str) -> tuple[float | None, float | None]:
    """The limits of an outcome's scale, from the data schema: (lowest, highest possible value).

    The lower limit is the column's minimum; the upper limit is its maximum
    only for a bounded scale (a ``0–10`` or ``0–67`` score, a joint count), not
    for a laboratory value whose schema maximum is only a plausibility check.
    Unknown columns have no limits.

    Examples
    --------
    >>> outcome_bounds("sjadas27"), outcome_bounds("crp_mg_l"), outcome_bounds("x")
    ((0.0, 67.0), (0.0, None), (None, None))
    """
    from sjia_explore.schema import VISITS

    try:
        col = VISITS.column(outcome)
    except KeyError:
        return None, None
    bounded_scale = "scale" in (col.unit or "") or getattr(col, "noun", "") == "joints"
    low = float(col.minimum) if col.minimum is not None else None
    high = float(col.maximum) if (col.maximum is not None and bounded_scale) else None
    return low, high
PATIENT_COLUMNS = ["patient_id", "group", "week", "value"]


def _group_label(value) -> str:
    """Words for one value of a grouping column (booleans as yes/no, missing as 'not recorded')."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return MISSING_GROUP
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    return str(value)


def _check_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"{what} has no column {', '.join(repr(c) for c in missing)}; "
                       f"its columns are {', '.join(map(str, df.columns))}")


def _roster(visits: pd.DataFrame, by: str | None, patients: pd.DataFrame | None) -> pd.DataFrame:
    """The patients summarised, one row each: (patient_id, group)."""
    if patients is not None:
        _check_columns(patients, ["patient_id"] + ([by] if by is not None else []), "patients")
        roster = patients[["patient_id"] + ([by] if by is not None else [])].drop_duplicates("patient_id")
    else:
        roster = pd.DataFrame({"patient_id": visits["patient_id"].drop_duplicates()})
    roster = roster.copy()
    if by is None:
        roster["group"] = ALL_GROUP
    else:  # label each distinct value once, then spread the labels by code
        codes, uniques = pd.factorize(roster[by], use_na_sentinel=True)
        labels = np.array([_group_label(u) for u in uniques] + [MISSING_GROUP], dtype=object)
        roster["group"] = labels[codes]
    return roster[["patient_id", "group"]].reset_index(drop=True)


def _numeric(column: pd.Series) -> np.ndarray:
    """An outcome column as floats, anything unreadable as NaN."""
    return pd.to_numeric(column.astype("Float64"), errors="coerce").astype(float).to_numpy()


def _long_values(visits: pd.DataFrame, outcome: str, by: str | None, patients: pd.DataFrame | None,
                 weeks: Iterable[int] | None) -> tuple[pd.DataFrame, pd.DataFrame, list[int]]:
    """Shared preparation: (patient_id, group, week, value) rows; (patient_id, group) roster; weeks."""
    _check_columns(visits, ["patient_id", "week", outcome], "visits")
    if by is not None and patients is None:
        raise ValueError(f"grouping by {by!r} needs the patients table (e.g. cohort.patient_features())")
    roster = _roster(visits, by, patients)
    rows = visits.loc[visits["patient_id"].isin(roster["patient_id"]), ["patient_id", "week", outcome]]
    rows = rows.loc[rows["week"].notna()]
    if weeks is None:
        week_list = sorted(int(w) for w in rows["week"].unique())
    else:
        week_list = sorted({int(w) for w in weeks})
        rows = rows.loc[rows["week"].isin(week_list)]
    dup = rows.duplicated(["patient_id", "week"], keep=False)
    if dup.any():
        first = rows.loc[dup].iloc[0]
        raise ValueError(f"visits has more than one row for patient {first['patient_id']} at week "
                         f"{int(first['week'])}; keep one row per patient and week")
    out = pd.DataFrame({"patient_id": rows["patient_id"].to_numpy(), "week": rows["week"].astype(int).to_numpy(),
                        "value": _numeric(rows[outcome])})
    out = out.merge(roster, on="patient_id", how="left")
    return out, roster, week_list


def group_order(groups: Iterable[str]) -> list[str]:
    """Groups sorted by name, with 'not recorded' last."""
    present = set(groups.unique() if hasattr(groups, "unique") else groups)
    return sorted(present - {MISSING_GROUP}) + ([MISSING_GROUP] if MISSING_GROUP in present else [])


def summarise(visits: pd.DataFrame, outcome: str, by: str | None = None,
              patients: pd.DataFrame | None = None, weeks: Iterable[int] | None = None,
              bounds: tuple[float | None, float | None] | None = None) -> pd.DataFrame:
    """Summarise ``outcome`` at each visit week, for each group of patients.

    Parameters
    ----------
    visits
        Long visit table: one row per patient and week, with ``patient_id``,
        ``week`` (weeks since the IL-1 blocker was started) and ``outcome``.
    outcome
        Numeric column of ``visits`` to summarise, e.g. ``"active_joints"``,
        ``"sjadas27"`` or ``"steroid_mg_kg_day"``.
    by
        Patient-level column of ``patients`` to group by, e.g.
        ``"duration_group"``, ``"prior_mas"``, ``"sex"`` or ``"study"``.
        ``None``: one group called ``"all"``. Yes/no columns are labelled
        ``"yes"``/``"no"``; patients with no value are grouped as ``"not recorded"``.
    patients
        Patient table (e.g. :meth:`sjia_explore.Cohort.patient_features`).
        When given, it is the list of patients summarised: visits of other
        patients are ignored, and a patient with no value at a week counts in
        ``n_missing``. Required when ``by`` is given.
    weeks
        Weeks to report (e.g. ``[0, 4, 8, 12, 24]``); a week with no data
        still gets a row, with ``n`` = 0. ``None``: every week in ``visits``.
    bounds
        ``(lowest, highest)`` possible value of the outcome (``None`` for no
        limit on a side); the interval is cut at them. Default:
        :func:`outcome_bounds` (e.g. 0–67 for sJADAS27); ``(None, None)``
        for the plain t-interval.

    Returns
    -------
    pandas.DataFrame
        One row per group and week, sorted by group then week, with columns
        ``group``, ``week``, ``n`` (patients with a value), ``n_missing``
        (patients of the group without a value at that week, whether the
        visit row is absent or its value is empty), ``mean``, ``sd`` (sample
        SD, n − 1), ``ci_low``/``ci_high`` (95% confidence interval of the mean
        from Student's t with n − 1 degrees of freedom, cut at ``bounds``;
        missing when n < 2), ``median``, ``q1``, ``q3`` (quartiles, linear
        interpolation as in :meth:`pandas.Series.quantile`), ``clipped``
        (True where the t-interval crossed a limit of the scale and was cut
        there: say so wherever it is shown, e.g. :data:`CLIPPED_NOTE`).

    Examples
    --------
    >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b", "c"],
    ...                        "week": [0, 4, 0, 4, 0], "active_joints": [6, 1, 4, 0, 2]})
    >>> patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "sex": ["F", "F", "M"]})
    >>> s = summarise(visits, "active_joints", by="sex", patients=patients)
    >>> s[["group", "week", "n", "n_missing", "mean"]]
      group  week  n  n_missing  mean
    0     F     0  2          0   5.0
    1     F     4  2          0   0.5
    2     M     0  1          0   2.0
    3     M     4  0          1   NaN
    >>> print(round(s.loc[0, "ci_high"], 2))  # 5 + t(0.975, 1) * sd / sqrt(2)
    17.71
    """
    values, roster, week_list = _long_values(visits, outcome, by, patients, weeks)
    present = values.dropna(subset=["value"])
    group_of, week_of = present["group"].to_numpy(), present["week"].to_numpy()
    value_of = present["value"].to_numpy(dtype=float)
    cells = {}
    for group in group_order(roster["group"]):
        in_group = group_of == group
        for week in week_list:
            cells[group, week] = value_of[in_group & (week_of == week)]
    return _summary_frame(cells, roster.groupby("group")["patient_id"].nunique(),
                          outcome_bounds(outcome) if bounds is None else bounds)


def _summary_frame(cells: dict[tuple[str, int], np.ndarray], group_size: pd.Series,
                   bounds: tuple[float | None, float | None] = (None, None)) -> pd.DataFrame:
    """The summary table from each (group, week)'s values, in the order they are given (see :func:`summarise`)."""
    size = len(cells)
    columns = {"mean": np.full(size, np.nan), "sd": np.full(size, np.nan), "median": np.full(size, np.nan),
               "q1": np.full(size, np.nan), "q3": np.full(size, np.nan)}
    n_of = np.zeros(size, dtype=int)
    for i, v in enumerate(cells.values()):
        n_of[i] = v.size
        if v.size:
            columns["q1"][i], columns["median"][i], columns["q3"][i] = np.percentile(v, [25, 50, 75])  # as pandas
            columns["mean"][i] = v.mean()
        if v.size >= 2:  # the t-interval needs n >= 2
            columns["sd"][i] = v.std(ddof=1)
    groups = [group for group, _ in cells]
    sizes = {group: int(group_size.get(group, 0)) for group in dict.fromkeys(groups)}
    return _frame(groups, [week for _, week in cells], n_of, np.array([sizes[group] for group in groups], dtype=int),
                  columns, bounds)


def _frame(groups: list[str], weeks: list[int], n_of: np.ndarray, group_n: np.ndarray, columns: dict[str, np.ndarray],
           bounds: tuple[float | None, float | None]) -> pd.DataFrame:
    """The summary table from each row's n, patients in its group, mean, sd and quartiles (``columns``):
    the 95% interval of the mean, cut at ``bounds``, is worked out here, once for every way of summarising."""
    size = len(groups)
    n = n_of.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_quantiles(0.5 + CI_LEVEL / 2, np.where(n >= 2, n - 1, np.nan)) * columns["sd"] / np.sqrt(n)
    low, high = bounds
    ci_low, ci_high = columns["mean"] - half, columns["mean"] + half
    clipped = np.zeros(size, dtype=bool)
    if low is not None:
        clipped |= ci_low < low
        ci_low = np.where(ci_low < low, low, ci_low)
    if high is not None:
        clipped |= ci_high > high
        ci_high = np.where(ci_high > high, high, ci_high)
    out = {  # built once, in the final column order
        "group": pd.array([str(g) for g in groups], dtype="str"),
        "week": np.array([int(week) for week in weeks], dtype=int),
        "n": n_of,
        "n_missing": group_n - n_of,
        "mean": columns["mean"], "sd": columns["sd"],
        "ci_low": ci_low, "ci_high": ci_high,
        "median": columns["median"], "q1": columns["q1"], "q3": columns["q3"], "clipped": clipped,
    }
    return pd.DataFrame(out)  # its keys are SUMMARY_COLUMNS, in order


@dataclass(frozen=True)
class IndexedGroups:
    """The patients to summarise, grouped, in the terms of one :class:`TrajectoryIndex` (see its ``groups``)."""

    roster: pd.DataFrame  #: (patient_id, group), one row per patient
    order: list[str]  #: the groups, in the order of :func:`group_order`
    group_no: np.ndarray  #: per indexed patient (and one extra slot): position of its group in ``order``, or -1
    group_size: pd.Series  #: patients per group


class TrajectoryIndex:
    """A cohort's visits, arranged once so that any subgroup is summarised quickly.

    :func:`summarise` finds, filters and merges rows on every call; for an app
    that redraws on every click on a large registry, this index keeps, per
    outcome and week, the rows' patients (as positions) and values in the order
    of ``visits``, so a summary is a few boolean masks. The numbers are those of
    :func:`summarise` with ``patients`` given (the same values in the same order,
    the same formulas); ``tests/test_trajectories.py`` checks it.

    Parameters
    ----------
    visits
        The whole cohort's visit table (a subgroup's visits are a subset of it).
    outcomes
        Columns of ``visits`` to summarise.
    weeks
        Weeks to report (as in :func:`summarise`).

    Raises
    ------
    ValueError
        When a patient has more than one row at a week (:func:`summarise` says
        which, for a subgroup holding that patient).

    Examples
    --------
    >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b", "c"],
    ...                        "week": [0, 4, 0, 4, 0], "active_joints": [6, 1, 4, 0, 2]})
    >>> patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "sex": ["F", "F", "M"]})
    >>> index = TrajectoryIndex(visits, ["active_joints"], weeks=[0, 4])
    >>> index.summarise("active_joints", patients, by="sex").equals(
    ...     summarise(visits, "active_joints", by="sex", patients=patients, weeks=[0, 4]))
    True
    """

    def __init__(self, visits: pd.DataFrame, outcomes: Iterable[str], weeks: Iterable[int]):
        outcomes = list(outcomes)
        _check_columns(visits, ["patient_id", "week"] + outcomes, "visits")
        self.weeks = sorted({int(w) for w in weeks})
        rows = visits.loc[visits["week"].notna(), ["patient_id", "week"] + outcomes]
        rows = rows.loc[rows["week"].isin(self.weeks)]
        if rows["patient_id"].isna().any() or rows.duplicated(["patient_id", "week"]).any():
            raise ValueError("visits has more than one row for a patient at a week, or a row with no patient")
        codes, ids = pd.factorize(rows["patient_id"])
        self._ids = pd.Index(ids)
        week_of = rows["week"].astype(int).to_numpy()
        at_week = {w: week_of == w for w in self.weeks}
        #: per outcome and week: (patient positions, values) of the rows with a value, in the order of ``visits``
        self._cells: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
        for outcome in outcomes:
            value_of = _numeric(rows[outcome])
            present = ~np.isnan(value_of)
            self._cells[outcome] = {w: (codes[present & at], value_of[present & at]) for w, at in at_week.items()}

    @property
    def outcomes(self) -> list[str]:
        return list(self._cells)

    def positions(self, patient_ids) -> np.ndarray:
        """Each of ``patient_ids``' position in this index (−1 for a patient with no visit indexed): what
        :meth:`CutoffSums.from_arrays` is given."""
        return self._ids.get_indexer(pd.Index(patient_ids))

    def groups(self, patients: pd.DataFrame, by: str | None = None) -> IndexedGroups:
        """The patients of ``patients`` grouped by its column ``by``, once for every outcome."""
        roster = _roster(pd.DataFrame(columns=["patient_id"]), by, patients)
        order = group_order(roster["group"])
        position = self._ids.get_indexer(roster["patient_id"])
        known = position >= 0
        group_no = np.full(len(self._ids) + 1, -1, dtype=np.int64)
        codes = pd.Categorical(roster["group"], categories=order).codes.astype(np.int64)
        group_no[position[known]] = codes[known]
        # the roster has one row per patient: its group sizes are counts of the codes
        size = np.bincount(codes, minlength=len(order)) if len(codes) else np.zeros(len(order), dtype=np.int64)
        return IndexedGroups(roster=roster, order=order, group_no=group_no,
                             group_size=pd.Series(size, index=pd.Index(order, name="group"), name="patient_id"))

    def summarise(self, outcome: str, patients: pd.DataFrame | None = None, by: str | None = None,
                  groups: IndexedGroups | None = None,
                  bounds: tuple[float | None, float | None] | None = None) -> pd.DataFrame:
        """:func:`summarise` of ``outcome`` for the patients in ``patients`` grouped by ``by``
        (or already grouped: ``groups``, from :meth:`groups`)."""
        if groups is None:
            if patients is None:
                raise ValueError("give the patients to summarise (or their groups)")
            groups = self.groups(patients, by)
        cells = {}
        by_week = self._cells[outcome]
        in_week = {w: groups.group_no[pos] for w, (pos, _) in by_week.items()}
        for i, group in enumerate(groups.order):
            for week in self.weeks:
                cells[group, week] = by_week[week][1][in_week[week] == i]
        return _summary_frame(cells, groups.group_size, outcome_bounds(outcome) if bounds is None else bounds)


@dataclass(frozen=True)
class SortedMonths:
    """Patients' months from onset to treatment, sorted, and how many are not recorded: the early and late
    groups' sizes at any cut-off are a binary search.

    Examples
    --------
    >>> months = SortedMonths.of(pd.DataFrame({"patient_id": ["a", "b", "c"],
    ...                                        "months_onset_to_treatment": [14.0, 3.5, None]}))
    >>> months.group_sizes(12), months.group_sizes(2)
    ({'early (< 12 mo)': 1, 'late (≥ 12 mo)': 1, 'not recorded': 1}, {'late (≥ 2 mo)': 2, 'not recorded': 1})
    """

    months: np.ndarray  #: the known months, ascending
    n_unknown: int  #: patients whose months are not recorded

    @classmethod
    def of(cls, patients: pd.DataFrame, column: str = "months_onset_to_treatment") -> SortedMonths:
        """From a patient table (one row per patient)."""
        _check_columns(patients, ["patient_id", column], "patients")
        return cls.from_months(_numeric(patients.drop_duplicates("patient_id")[column]))

    @classmethod
    def from_months(cls, months: np.ndarray) -> SortedMonths:
        """From each patient's months (a float array, NaN where not recorded), one value per patient."""
        months = np.asarray(months, dtype=float)
        known = ~np.isnan(months)
        return cls(np.sort(months[known]), int((~known).sum()))

    def group_sizes(self, cutoff: float) -> dict[str, int]:
        """Patients per group at ``cutoff`` months (early: fewer months than the cut-off; late; not recorded),
        the empty ones left out, in the order of :func:`group_order`."""
        from sjia_explore.cohort import duration_group_label

        early = int(np.searchsorted(self.months, float(cutoff), side="left"))
        sizes = {duration_group_label(True, float(cutoff)): early,
                 duration_group_label(False, float(cutoff)): self.months.size - early,
                 MISSING_GROUP: self.n_unknown}
        return {group: sizes[group] for group in group_order([g for g, n in sizes.items() if n])}


#: Groups of up to this many patients are summarised from their values directly (no running sums).
_DIRECT_UP_TO = 8


#: Up to this many values, quartiles are worked out in plain Python (a sort of a short list is ten times
#: faster than NumPy's calls on it, with the same arithmetic, so the same numbers).
_PLAIN_UP_TO = 32


def _quartiles(v: np.ndarray) -> tuple[float, float, float]:
    """``np.percentile(v, [25, 50, 75])`` (linear interpolation, as pandas): a short ``v`` sorted as a Python list
    (:data:`_PLAIN_UP_TO`), a long one partially sorted once.

    Examples
    --------
    >>> _quartiles(np.array([4.0, 1.0, 3.0, 2.0])) == tuple(np.percentile([4.0, 1.0, 3.0, 2.0], [25, 50, 75]))
    True
    """
    if not v.size:
        return np.nan, np.nan, np.nan
    if v.size <= _PLAIN_UP_TO:
        ordered, top = sorted(v.tolist()), v.size - 1
        out = []
        for share in (0.25, 0.5, 0.75):
            h = top * share
            lo = int(h)
            a, b = ordered[lo], ordered[min(lo + 1, top)]
            gamma = h - lo
            out.append(b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma)  # numpy's own
        return out[0], out[1], out[2]
    h = (v.size - 1) * np.array([0.25, 0.5, 0.75])
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, v.size - 1)
    part = np.partition(v, np.unique(np.concatenate([lo, hi])))
    gamma = h - lo
    a, b = part[lo], part[hi]
    diff = b - a
    out = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)  # numpy's own interpolation
    return float(out[0]), float(out[1]), float(out[2])


def _direct(v: np.ndarray) -> tuple[float, float]:
    """(mean, sd) of some values as :func:`summarise` works them out (sd missing below 2 values)."""
    return (float(v.mean()) if v.size else np.nan), (float(v.std(ddof=1)) if v.size >= 2 else np.nan)


class _Cell:
    """One outcome at one week: the selected patients' values in order of time to treatment, with running sums.

    ``values`` and ``months``: the patients whose months are known, earliest treated first; ``unknown``: the
    values of the others, in the order of the visits."""

    def __init__(self, values: np.ndarray, months: np.ndarray, unknown: np.ndarray):
        self.values, self.months, self.n_known = values, months, values.size
        # running sums of values shifted by their mean, in extended precision: a group's sum of squares around
        # its own mean, sum(x²) - sum(x)²/n, keeps its digits
        self.shift = np.longdouble(values.mean()) if values.size else np.longdouble(0)
        d = values.astype(np.longdouble) - self.shift
        zero = np.zeros(1, dtype=np.longdouble)
        self.s1 = np.concatenate([zero, np.cumsum(d)])
        self.s2 = np.concatenate([zero, np.cumsum(d * d)])
        # lowest and highest value of each first-k and last-k: a group of equal values has SD exactly 0
        self.first_min, self.first_max = np.minimum.accumulate(values), np.maximum.accumulate(values)
        self.last_min = np.minimum.accumulate(values[::-1])[::-1]
        self.last_max = np.maximum.accumulate(values[::-1])[::-1]
        self.n_unknown = unknown.size
        self.unknown = (_direct(unknown), _quartiles(unknown))

    def moments(self, start: int, stop: int) -> tuple[float, float]:
        """(mean, sd) of ``values[start:stop]``, a first or last part of them."""
        n = stop - start
        if n <= _DIRECT_UP_TO:
            return _direct(self.values[start:stop])
        low, high = ((self.first_min[stop - 1], self.first_max[stop - 1]) if start == 0
                     else (self.last_min[start], self.last_max[start]))
        if low == high:
            return float(low), 0.0
        s1, s2 = self.s1[stop] - self.s1[start], self.s2[stop] - self.s2[start]
        mean = self.shift + s1 / n
        var = (s2 - s1 * s1 / n) / (n - 1)
        return float(mean), float(np.sqrt(max(var, 0)))


class CutoffSums:
    """One selection of patients' values, per outcome and week, in order of time from onset to treatment, so
    that the early and late groups' summaries at any cut-off are a look-up, not a pass over the visits.

    Per outcome and week, the selected patients' values are sorted by ``months_onset_to_treatment`` and kept
    with their running count, sum and sum of squares (shifted by the week's mean, in extended precision);
    patients whose months are not recorded are kept apart, as the "not recorded" group. A cut-off is then one
    binary search per week, and each group's n, mean, SD and 95% interval follow from two running sums. The
    numbers are those of :func:`summarise` grouped by ``duration_group`` of
    :meth:`sjia_explore.Cohort.patient_features` at that cut-off (``tests/test_cutoff_sums.py`` checks them).

    Parameters
    ----------
    index
        The cohort's :class:`TrajectoryIndex`.
    patients
        The selected patients: ``patient_id`` and ``months_onset_to_treatment``.

    Examples
    --------
    >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b", "c"],
    ...                        "week": [0, 4, 0, 4, 0], "active_joints": [6, 1, 4, 0, 2]})
    >>> patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "months_onset_to_treatment": [2.0, 7.5, None]})
    >>> sums = CutoffSums(TrajectoryIndex(visits, ["active_joints"], weeks=[0, 4]), patients)
    >>> sums.group_sizes(6)
    {'early (< 6 mo)': 1, 'late (≥ 6 mo)': 1, 'not recorded': 1}
    >>> sums.summarise("active_joints", 6)[["group", "week", "n", "n_missing", "mean"]]
                group  week  n  n_missing  mean
    0  early (< 6 mo)     0  1          0   6.0
    1  early (< 6 mo)     4  1          0   1.0
    2   late (≥ 6 mo)     0  1          0   4.0
    3   late (≥ 6 mo)     4  1          0   0.0
    4    not recorded     0  1          0   2.0
    5    not recorded     4  0          1   NaN
    """

    MONTHS = "months_onset_to_treatment"

    def __init__(self, index: TrajectoryIndex, patients: pd.DataFrame):
        _check_columns(patients, ["patient_id", self.MONTHS], "patients")
        roster = patients.drop_duplicates("patient_id")
        self._arrange(index, _numeric(roster[self.MONTHS]), index.positions(roster["patient_id"]))

    @classmethod
    def from_arrays(cls, index: TrajectoryIndex, months: np.ndarray, positions: np.ndarray) -> CutoffSums:
        """The same, from the selected patients' months (NaN where not recorded) and their positions in ``index``
        (:meth:`TrajectoryIndex.positions`; −1 for a patient with no visit there), one value per patient: a new
        selection that is a boolean mask over arrays worked out once per cohort makes no table.

        Examples
        --------
        >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "c"], "week": [0, 4, 0, 0],
        ...                        "active_joints": [6, 1, 4, 2]})
        >>> index = TrajectoryIndex(visits, ["active_joints"], weeks=[0, 4])
        >>> sums = CutoffSums.from_arrays(index, np.array([2.0, 7.5]), index.positions(["a", "b"]))
        >>> sums.summarise("active_joints", 6)["n"].tolist()
        [1, 1, 1, 0]
        """
        out = cls.__new__(cls)
        out._arrange(index, np.asarray(months, dtype=float), np.asarray(positions, dtype=np.intp))
        return out

    def _arrange(self, index: TrajectoryIndex, months: np.ndarray, position: np.ndarray) -> None:
        self.sorted_months = SortedMonths.from_months(months)
        self._index = index
        self.weeks = index.weeks
        # each selected patient's rank in order of months (the unknown last): a week's values are put in that
        # order by placing each at its patient's rank, with no sort per week
        order = np.argsort(months, kind="stable")
        rank = np.empty(order.size, dtype=np.intp)
        rank[order] = np.arange(order.size)
        self._months_by_rank = months[order]
        self._n_known = self.sorted_months.months.size
        found = position >= 0
        self._rank_at = np.full(len(index._ids) + 1, -1, dtype=np.intp)
        self._rank_at[position[found]] = rank[found]
        self._cells: dict[str, list[_Cell]] = {}

    @property
    def outcomes(self) -> list[str]:
        return self._index.outcomes

    def _of(self, outcome: str) -> list[_Cell]:
        """The outcome's cells, one per week (arranged on first use)."""
        if outcome not in self._cells:
            cells = []
            for week in self.weeks:
                pos, values = self._index._cells[outcome][week]
                rank = self._rank_at[pos]
                keep = rank >= 0
                rank, values = rank[keep], values[keep]
                known = rank < self._n_known
                placed, there = np.empty(self._n_known), np.zeros(self._n_known, dtype=bool)
                placed[rank[known]], there[rank[known]] = values[known], True
                cells.append(_Cell(placed[there], self._months_by_rank[:self._n_known][there], values[~known]))
            self._cells[outcome] = cells
        return self._cells[outcome]

    def group_sizes(self, cutoff: float) -> dict[str, int]:
        """Patients per group at ``cutoff`` months (:meth:`SortedMonths.group_sizes`)."""
        return self.sorted_months.group_sizes(cutoff)

    def summarise(self, outcome: str, cutoff: float, bounds: tuple[float | None, float | None] | None = None,
                  quartiles: bool = True) -> pd.DataFrame:
        """:func:`summarise` of ``outcome`` for these patients grouped early/late at ``cutoff`` months.

        ``quartiles=False`` leaves ``median``, ``q1`` and ``q3`` missing (they are the only numbers that need
        the group's values rather than its running sums).
        """
        from sjia_explore.cohort import duration_group_label

        sizes = self.group_sizes(cutoff)
        cells = self._of(outcome)
        cut = float(cutoff)
        sides = {duration_group_label(True, cut): 0, duration_group_label(False, cut): 1, MISSING_GROUP: 2}
        splits = [int(np.searchsorted(cell.months, cut, side="left")) for cell in cells]
        size = len(sizes) * len(cells)
        columns = {name: np.full(size, np.nan) for name in ("mean", "sd", "median", "q1", "q3")}
        n_of = np.zeros(size, dtype=int)
        groups, weeks, group_n = [], [], np.zeros(size, dtype=int)
        i = 0
        for group, n_group in sizes.items():
            side = sides[group]
            for week, cell, k in zip(self.weeks, cells, splits):
                groups.append(group)
                weeks.append(week)
                group_n[i] = n_group
                if side == 2:
                    n_of[i] = cell.n_unknown
                    (mean, sd), quarts = cell.unknown
                else:
                    start, stop = (0, k) if side == 0 else (k, cell.n_known)
                    n_of[i] = stop - start
                    mean, sd = cell.moments(start, stop) if stop > start else (np.nan, np.nan)
                    quarts = _quartiles(cell.values[start:stop]) if quartiles else (np.nan,) * 3
                columns["mean"][i], columns["sd"][i] = mean, sd
                if quartiles:
                    columns["q1"][i], columns["median"][i], columns["q3"][i] = quarts
                i += 1
        return _frame(groups, weeks, n_of, group_n, columns, outcome_bounds(outcome) if bounds is None else bounds)


def patient_values(visits: pd.DataFrame, outcome: str, by: str | None = None,
                   patients: pd.DataFrame | None = None, weeks: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per patient and week with a value: the points behind :func:`summarise` (for spaghetti plots).

    Parameters are those of :func:`summarise`.

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id``, ``group``, ``week``, ``value``; rows with no
        value are left out; sorted by group, patient and week.

    Examples
    --------
    >>> visits = pd.DataFrame({"patient_id": ["a", "a", "b"], "week": [0, 4, 0],
    ...                        "active_joints": [6, None, 4]})
    >>> patient_values(visits, "active_joints")
      patient_id group  week  value
    0          a   all     0    6.0
    1          b   all     0    4.0
    """
    values, roster, _ = _long_values(visits, outcome, by, patients, weeks)
    order = {g: i for i, g in enumerate(group_order(roster["group"]))}
    out = values.dropna(subset=["value"]).copy()
    out["_order"] = out["group"].map(order)
    out = out.sort_values(["_order", "patient_id", "week"], kind="stable")
    out["patient_id"] = out["patient_id"].astype(str)
    return out[PATIENT_COLUMNS].reset_index(drop=True)
