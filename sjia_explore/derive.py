"""Values a cohort's files imply but do not give, and what a missing outcome column leaves empty.

Run by the loader after the tables have passed the schema, on the typed visits:

* **the mSMS from its items.** Where ``systemic_score`` is empty and its items
  are recorded (fever grade or highest temperature, rash, generalised
  lymphadenopathy, hepato/splenomegaly, serositis, haemoglobin, platelets or
  ferritin), it is computed with :func:`sjia_explore.scores.msms`;
* **scores from their components.** Where ``sjadas27`` is empty and its five
  components are recorded, it is computed with :func:`sjia_explore.scores.sjadas27`,
  and JADAS27 and cJADAS27 with it (where empty);
* **a total that disagrees with its components** by more than
  :data:`TOLERANCE` (0.05, the rounding of a total written to one decimal) is
  kept as given, with a warning naming the file row;
* **a core outcome column missing** (``active_joints``, ``sjadas27`` with no
  way to compute it, ``steroid_mg_kg_day``) is not an error: a warning says which
  charts and analyses will have nothing to show and what column would fill them
  (:func:`missing_outcome_note`, the same sentence the app shows in place of the chart).

Every computed column is recorded in the cohort's provenance table with the status
:data:`COMPUTED_FROM_COMPONENTS` or :data:`COMPUTED_FROM_ITEMS`.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": ["P1", "P1"], "week": [0, 4], "physician_global": [6.0, 2.0],
...                        "parent_global": [5.0, 1.0], "active_joints": [10, 2], "esr_mm_h": [45.0, 12.0],
...                        "systemic_score": [3.0, 0.0], "sjadas27": [None, 5.5]})
>>> patients = pd.DataFrame({"patient_id": ["P1"], "study": ["mine"]})
>>> out = derive_visits(visits, patients, file="visits.csv", rows=[2, 3])
>>> out.visits["sjadas27"].tolist()  # 6 + 5 + 10 + 2.5 + 3 computed; 5.5 given (its components add up to 5)
[26.5, 5.5]
>>> w = out.warnings[0]
>>> w.file, w.row, w.column
('visits.csv', 3, 'sjadas27')
>>> print(w.message.split(";")[0])
sJADAS27 is given as 5.5 but its five components add up to 5, a difference of 0.5 (more than the 0.05 of rounding)
>>> out.provenance[["column", "study", "status"]].values.tolist()[0]
['sjadas27', 'mine', 'computed from components']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sjia_explore import scores
from sjia_explore.schema import Problem

#: Provenance status of a score computed from its components.
COMPUTED_FROM_COMPONENTS = "computed from components"
#: Provenance status of a systemic score computed from its mSMS items.
COMPUTED_FROM_ITEMS = "computed from mSMS items"
#: Largest difference between a given total and its components taken as rounding (a total written
#: to one decimal is within 0.05 of the exact sum).
TOLERANCE = 0.05
#: Columns that only the mSMS items use: one of them present means the file records the items.
MSMS_ITEM_ONLY_COLUMNS = ("fever_grade", "max_temperature_c", "generalised_lymphadenopathy", "hepatosplenomegaly",
                          "serositis", "haemoglobin_g_dl", "platelets_10e9_l")

_SCORES: dict[str, tuple[str, tuple[str, ...], Callable[[pd.DataFrame], pd.Series]]] = {
    "sjadas27": ("sJADAS27", scores.SJADAS27_COMPONENTS, scores.sjadas27),
    "jadas27": ("JADAS27", scores.JADAS27_COMPONENTS, scores.jadas27),
    "cjadas27": ("cJADAS27", scores.CJADAS27_COMPONENTS, scores.cjadas27),
}
_PROVENANCE_COLUMNS = ["table", "column", "study", "status"]
_COUNT_WORDS = {3: "three", 4: "four", 5: "five"}

#: Per core outcome: what it is called, what has nothing to show without it, and what would fill it.
CORE_OUTCOMES: dict[str, tuple[str, str, str]] = {
    "active_joints": (
        "active-joint counts",
        "the Active joints panel of Trajectories, and the window-of-opportunity comparison and statistics "
        "for active joints",
        "a column active_joints (the number of joints with active arthritis at each visit)"),
    "sjadas27": (
        "sJADAS27",
        "the sJADAS27 panel of Trajectories, and the window-of-opportunity comparison and statistics for sJADAS27",
        "a column sjadas27 (0–67), or its five components physician_global, parent_global, active_joints, "
        "esr_mm_h and systemic_score (or the mSMS items in place of systemic_score), from which it is computed"),
    "steroid_mg_kg_day": (
        "corticosteroid doses",
        "the Corticosteroid dose panel of Trajectories, the corticosteroid part of Steroids and safety (who was "
        "on corticosteroid at week 0, time to stopping), the “Corticosteroid at week 0” filter, and the "
        "window-of-opportunity comparison and statistics for the dose",
        "a column steroid_mg_kg_day (prednisone equivalent in mg/kg/day, 0 when off corticosteroid), or the "
        "dose in mg/day (steroid_mg_day) with the body weight (weight_kg)"),
}


@dataclass(frozen=True)
class Derived:
    """What :func:`derive_visits` returns.

    Attributes
    ----------
    visits
        The visits with the computed values filled in (a new frame).
    provenance
        Rows ``table, column, study, status`` for each computed column and study.
    warnings
        One :class:`~sjia_explore.schema.Problem` per thing said, in file rows.
    """

    visits: pd.DataFrame
    provenance: pd.DataFrame
    warnings: tuple[Problem, ...]


def _number(x: float) -> str:
    """A value for a message: at most 6 significant digits, no trailing zeros (``26.5``, ``5``)."""
    return f"{float(x):.6g}"


def _given(visits: pd.DataFrame, column: str) -> pd.Series:
    if column not in visits.columns:
        return pd.Series(np.nan, index=visits.index)
    return visits[column].astype("Float64").astype(float)


def _differing(given: pd.Series, computed: pd.Series) -> pd.Series:
    """Where both are known and differ by more than :data:`TOLERANCE` (compared at 6 decimals, so that
    a difference of 0.05 written in decimals is not "more" through binary rounding)."""
    diff = (given - computed).abs().round(scores.CUTOFF_COMPARISON_DECIMALS)
    return given.notna() & computed.notna() & (diff > TOLERANCE)


class _Collector:
    """The frame being filled in, with its provenance rows and warnings, in the file's own terms."""

    def __init__(self, visits: pd.DataFrame, patients: pd.DataFrame | None, file: str,
                 rows: Sequence[int] | None, headers: Mapping[str, str] | None):
        self.visits = visits.copy()
        self.file = file
        self.rows = list(rows) if rows is not None else [i + 2 for i in range(len(visits))]
        self.headers = dict(headers or {})
        self.provenance: list[dict] = []
        self.warnings: list[Problem] = []
        study = dict(zip(patients["patient_id"], patients["study"])) if patients is not None \
            and {"patient_id", "study"} <= set(patients.columns) else {}
        self.study = visits["patient_id"].map(study) if "patient_id" in visits.columns \
            else pd.Series(np.nan, index=visits.index)

    def header(self, column: str) -> str:
        return self.headers.get(column, column)

    def row(self, position: int) -> int:
        return self.rows[position] if position < len(self.rows) else position + 2

    def fill(self, column: str, computed: pd.Series, status: str) -> int:
        """Write ``computed`` where ``column`` is empty; record the provenance; the number of cells filled."""
        given = _given(self.visits, column)
        todo = given.isna() & computed.notna()
        if todo.any():
            exact = computed.round(scores.CUTOFF_COMPARISON_DECIMALS)  # no binary noise (26.499999...)
            self.visits[column] = given.where(~todo, exact).astype("Float64")
            for study in sorted(self.study[todo].dropna().astype(str).unique()):
                self.provenance.append({"table": "visits", "column": column, "study": study, "status": status})
        return int(todo.sum())

    def check(self, column: str, computed: pd.Series, what: str, parts: str) -> None:
        """Warn, row by row, where a given ``column`` differs from ``computed`` beyond rounding."""
        given = _given(self.visits, column)
        for position in np.flatnonzero(_differing(given, computed).to_numpy()):
            g, c = given.iloc[position], computed.iloc[position]
            self.warnings.append(Problem(
                self.file, self.row(position), self.header(column),
                f"{what} is given as {_number(g)} but its {parts} add up to {_number(c)}, a difference of "
                f"{_number(round(abs(g - c), scores.CUTOFF_COMPARISON_DECIMALS))} (more than the {TOLERANCE:g} of "
                "rounding); the given value was kept: check the total and its "
                + ("items" if parts.endswith("items") else "components")))


def _msms(out: _Collector) -> None:
    present = [c for c in MSMS_ITEM_ONLY_COLUMNS if c in out.visits.columns]
    if not present:
        return
    computed = scores.msms(out.visits)
    out.check("systemic_score", computed, "The systemic score", "mSMS items")
    filled = out.fill("systemic_score", computed, COMPUTED_FROM_ITEMS)
    if filled:
        out.warnings.append(Problem(out.file, None, "systemic_score",
                                    f"the systemic score was computed from its mSMS items (Rosina 2024) for {filled} "
                                    f"visit{'s' if filled != 1 else ''} where it was not given"))
    left = int((_given(out.visits, "systemic_score").isna() & computed.isna()).sum())
    if left:
        fever = ("fever_grade", "max_temperature_c", "fever")
        absent = [c for c in scores.MSMS_COLUMNS if c not in out.visits.columns and c not in fever]
        if not set(fever[:2]) & set(out.visits.columns):
            absent.insert(0, "fever_grade or max_temperature_c")
        why = f"no column for {', '.join(absent)}" if absent else "an item is not recorded on those rows"
        out.warnings.append(Problem(out.file, None, "systemic_score",
                                    f"the systemic score could not be computed from its mSMS items for {left} "
                                    f"visit{'s' if left != 1 else ''} ({why}); it is left empty there"))


def _scores(out: _Collector) -> None:
    computed = {name: fn(out.visits) for name, (_, components, fn) in _SCORES.items()
                if all(c in out.visits.columns for c in components)}
    for name, values in computed.items():
        what, components, _ = _SCORES[name]
        out.check(name, values, what, f"{_COUNT_WORDS[len(components)]} components")
    if "sjadas27" not in computed:
        return
    filled = out.fill("sjadas27", computed["sjadas27"], COMPUTED_FROM_COMPONENTS)
    if not filled:
        return
    also = {_SCORES[n][0]: out.fill(n, computed[n], COMPUTED_FROM_COMPONENTS) for n in ("jadas27", "cjadas27")}
    also_words = " and ".join(f"{name} ({_visits(n)})" for name, n in also.items() if n)
    out.warnings.append(Problem(
        out.file, None, "sjadas27",
        f"sJADAS27 was computed from its five components ({', '.join(scores.SJADAS27_COMPONENTS)}) for "
        f"{_visits(filled)} where it was not given" + (f"; so were {also_words}" if also_words else "")))


def _visits(n: int) -> str:
    return f"{n} visit{'s' if n != 1 else ''}"


def derive_visits(visits: pd.DataFrame, patients: pd.DataFrame | None = None, *, file: str = "visits.csv",
                  rows: Sequence[int] | None = None, headers: Mapping[str, str] | None = None) -> Derived:
    """Fill in the scores the visits imply, check the ones they give, and say what a missing outcome empties.

    Parameters
    ----------
    visits
        The visits table in the schema's types (as validated). Not changed.
    patients
        The patients table, for each patient's study (the provenance is per study).
    file
        How the visits' file is named in warnings (``visits.csv``, ``cohort.xlsx[visits]``).
    rows
        The file's own row number of each visits row (default: header on row 1, then in order).
    headers
        Schema column -> the header the file gave it, to name columns as the file does.

    Returns
    -------
    Derived
        The new visits, provenance rows and warnings (see the module's description).

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"patient_id": ["A"], "week": [0], "physician_global": [3.0], "parent_global": [2.0]})
    >>> for w in derive_visits(v).warnings:
    ...     print(w.column, "|", w.message.split(",")[0])
    active_joints | No active-joint counts: visits has no active_joints column
    sjadas27 | No sJADAS27: visits has no sjadas27 column and not all of its components (active_joints
    steroid_mg_kg_day | No corticosteroid doses: visits has no steroid_mg_kg_day column
    """
    out = _Collector(visits, patients, file, rows, headers)
    _msms(out)
    _scores(out)
    for column in CORE_OUTCOMES:
        note = missing_outcome_note(out.visits, column)
        if note:
            out.warnings.append(Problem(file, None, column, note))
    provenance = pd.DataFrame(out.provenance, columns=_PROVENANCE_COLUMNS)
    return Derived(out.visits, provenance, tuple(out.warnings))


def missing_outcome_note(visits: pd.DataFrame, column: str) -> str | None:
    """The sentence said where an outcome's charts would be, when the visits have none of its values.

    Parameters
    ----------
    visits
        A cohort's visits.
    column
        ``active_joints``, ``sjadas27`` or ``steroid_mg_kg_day`` (any other column: ``None``).

    Returns
    -------
    str or None
        ``None`` when some visit has a value; otherwise which charts and
        analyses have nothing to show and what column would fill them.

    Examples
    --------
    >>> import pandas as pd
    >>> note = missing_outcome_note(pd.DataFrame({"week": [0], "sjadas27": [12.0]}), "active_joints")
    >>> print(note.split(", so ")[0])
    No active-joint counts: visits has no active_joints column
    >>> print(note.split("; ")[1])
    add a column active_joints (the number of joints with active arthritis at each visit) to fill them.
    >>> missing_outcome_note(pd.DataFrame({"week": [0], "sjadas27": [12.0]}), "sjadas27") is None
    True
    """
    if column not in CORE_OUTCOMES:
        return None
    if column in visits.columns and visits[column].notna().any():
        return None
    what, empty, fill = CORE_OUTCOMES[column]
    if column in visits.columns:
        why = f"the {column} column of visits has no values"
    else:
        why = f"visits has no {column} column"
    if column == "sjadas27":
        absent = [c for c in scores.SJADAS27_COMPONENTS if c not in visits.columns
                  and not (c == "systemic_score" and set(MSMS_ITEM_ONLY_COLUMNS) & set(visits.columns))]
        if absent:
            why += f" and not all of its components ({', '.join(absent)} {'is' if len(absent) == 1 else 'are'} missing)"
        else:
            why += " and its components are not all recorded on any visit"
    return f"No {what}: {why}, so {empty} have nothing to show; add {fill} to fill them."

