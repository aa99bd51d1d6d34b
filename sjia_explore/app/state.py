"""What the dashboard shows, as one small frozen value: :class:`ViewState`.

The controls write into it, the address bar, JSON and Python forms are made from
it (:mod:`sjia_explore.app.address`), and :class:`sjia_explore.app.Session`
computes a view from it. It holds no widget and no data.

Examples
--------
>>> s = ViewState(sex="F", early_cutoff_months=6)
>>> s.to_query()
'cutoff=6&sex=F'
>>> ViewState.from_query("cutoff=6&sex=F&sex=<b>", studies=[], drugs=[])[0] == s
True
>>> ViewState.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from sjia_explore.app.vocabulary import (
    ACTIVITY_SCORES,
    DEFAULT_PANELS,
    MAX_PANELS,
    OUTCOME_COLUMNS,
    PANEL_COLUMNS,
    SECTIONS,
    TEST_METHODS,
    THEMES,
)
from sjia_explore.cohort import DEFAULT_EARLY_CUTOFF_MONTHS, Subgroup

#: Longest follow-up week a view can ask for.
MAX_WINDOW_WEEK = 520
#: The detail panels under the sections, in their order on the page (``None`` in a view: all closed).
DETAIL_PANELS = ("table1", "statistics", "share")
#: A file's fingerprint as a view carries it: the first 12 to 64 hexadecimal digits of its SHA-256.
FINGERPRINT = re.compile(r"[0-9a-f]{12,64}")
#: Longest patient id a view can highlight, in characters.
MAX_HIGHLIGHT_CHARS = 200
#: Fields that are data, not settings: kept in the session, never in the address, the Python or the JSON of a
#: view (a patient id, even a published case number, is left out everywhere, the simplest rule to keep).
PRIVATE_FIELDS = ("highlight",)


@dataclass(frozen=True)
class ViewState:
    """Everything the dashboard shows, as plain values (the controls write into it).

    Parameters
    ----------
    study
        Keep one study's patients (``None``: all studies).
    prior_biologic_any
        Keep patients who had at least one of these biologics before the IL-1 blocker.
    prior_biologic_none
        Keep patients who had none of these biologics before.
    early_cutoff_months
        Treated within this many months of onset counts as "early" (default 12).
    prior_mas
        ``True``/``False``: keep patients with/without macrophage activation syndrome before.
    sex
        ``"F"`` or ``"M"``.
    baseline_steroid
        ``True``/``False``: keep patients on/off corticosteroid at week 0.
    each_patient
        Also draw one thin line per patient.
    test_outcome, test_method
        Outcome and method of the statistics panel (``method`` one of
        :data:`sjia_explore.stats.METHODS`, or ``"all"`` for all four side by side).
    section
        The section shown: ``"trajectories"``, ``"window"`` (window of
        opportunity) or ``"safety"`` (steroids and safety).
    window_outcome, window_week
        Outcome and follow-up week compared between early and late patients.
    theme
        ``"light"``, ``"dark"``, or ``"auto"`` (follow the page's theme).
    activity_score
        The score of the disease-activity states: ``"sjadas10"`` (default), ``"sjadas27"``, ``"jadas27"``
        or ``"cjadas27"``.
    open_panel
        The detail panel open under the sections: ``"table1"``, ``"statistics"``, ``"share"``, or
        ``None`` (all closed).
    data_name, data_sha
        The uploaded file this view was made on: its name (no folders) and the start of its SHA-256
        (lower-case hexadecimal). ``None`` for the cohort the app started with. The data themselves are
        never part of a view.
    trajectory_outcomes
        The outcomes of the trajectory panels, in order: one to three different columns of
        :data:`sjia_explore.app.vocabulary.PANEL_COLUMNS` (default: active joints, sJADAS27, steroid dose).
    highlight
        The patient picked to be highlighted on every chart (their ``patient_id``), or ``None``. A patient
        id is data: it is never written to the page address, the Python or the settings JSON
        (:meth:`to_query`, :meth:`to_python`, :meth:`to_json` leave it out), whatever the cohort.
    """

    study: str | None = None
    prior_biologic_any: tuple[str, ...] = ()
    prior_biologic_none: tuple[str, ...] = ()
    early_cutoff_months: float = DEFAULT_EARLY_CUTOFF_MONTHS
    prior_mas: bool | None = None
    sex: str | None = None
    baseline_steroid: bool | None = None
    each_patient: bool = False
    test_outcome: str = "active_joints"
    test_method: str = "paper"
    section: str = "trajectories"
    window_outcome: str = "sjadas27"
    window_week: int = 24
    theme: str = "auto"
    activity_score: str = "sjadas10"
    open_panel: str | None = None
    data_name: str | None = None
    data_sha: str | None = None
    trajectory_outcomes: tuple[str, ...] = DEFAULT_PANELS
    highlight: str | None = None

    def __post_init__(self):
        chosen = self.trajectory_outcomes
        chosen = (chosen,) if isinstance(chosen, str) else tuple(str(c) for c in chosen)
        unknown = [c for c in chosen if c not in PANEL_COLUMNS]
        if unknown or not 1 <= len(chosen) <= MAX_PANELS or len(set(chosen)) < len(chosen):
            raise ValueError(f"trajectory_outcomes must be 1 to {MAX_PANELS} different outcomes of "
                             f"{', '.join(PANEL_COLUMNS)}, not {self.trajectory_outcomes!r}")
        object.__setattr__(self, "trajectory_outcomes", chosen)
        for name in ("prior_biologic_any", "prior_biologic_none"):
            value = getattr(self, name)
            value = (value,) if isinstance(value, str) else value
            object.__setattr__(self, name, tuple(sorted({str(v) for v in value})))
        object.__setattr__(self, "early_cutoff_months", float(self.early_cutoff_months))
        object.__setattr__(self, "each_patient", bool(self.each_patient))
        for name, allowed in (("test_outcome", OUTCOME_COLUMNS), ("test_method", TEST_METHODS),
                              ("section", SECTIONS), ("window_outcome", OUTCOME_COLUMNS), ("theme", THEMES),
                              ("activity_score", tuple(ACTIVITY_SCORES))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        week = self.window_week
        if isinstance(week, bool) or not isinstance(week, (int, float, np.integer, np.floating)) \
                or not float(week).is_integer() or not 0 < float(week) <= MAX_WINDOW_WEEK:
            raise ValueError(f"window_week must be a whole number of weeks from 1 to {MAX_WINDOW_WEEK}, "
                             f"not {week!r}")
        object.__setattr__(self, "window_week", int(week))
        if self.open_panel is not None and self.open_panel not in DETAIL_PANELS:
            raise ValueError(f"open_panel must be one of {', '.join(DETAIL_PANELS)} or None, not {self.open_panel!r}")
        if (self.data_name is None) != (self.data_sha is None):
            raise ValueError("data_name and data_sha go together: give both, or neither")
        if self.data_sha is not None and not (isinstance(self.data_sha, str) and FINGERPRINT.fullmatch(self.data_sha)):
            raise ValueError(f"data_sha must be 12 to 64 lower-case hexadecimal digits, not {self.data_sha!r}")
        if self.data_name is not None and (not isinstance(self.data_name, str) or not self.data_name
                                           or any(c in self.data_name for c in "/\\")):
            raise ValueError(f"data_name must be a file's own name (no folders), not {self.data_name!r}")
        if self.highlight is not None and (not isinstance(self.highlight, str) or not self.highlight
                                           or len(self.highlight) > MAX_HIGHLIGHT_CHARS):
            raise ValueError(f"highlight must be a patient id of 1 to {MAX_HIGHLIGHT_CHARS} characters, or None")
        self.subgroup()  # validates the filter fields

    def subgroup(self) -> Subgroup:
        """The patients this view keeps, as a :class:`sjia_explore.Subgroup`."""
        return Subgroup(
            studies=() if self.study is None else (self.study,),
            prior_biologic_any=self.prior_biologic_any,
            prior_biologic_none=self.prior_biologic_none,
            early_cutoff_months=self.early_cutoff_months,
            prior_mas=self.prior_mas,
            sex=self.sex,
            baseline_steroid=self.baseline_steroid,
        )

    def selection(self) -> Subgroup:
        """The patients only (the cut-off, which only splits them, at its default)."""
        return replace(self.subgroup(), early_cutoff_months=DEFAULT_EARLY_CUTOFF_MONTHS)

    def changed(self) -> dict[str, Any]:
        """Settings that differ from their defaults (never the :data:`PRIVATE_FIELDS`, such as the highlighted
        patient).

        Examples
        --------
        >>> ViewState(sex="F", highlight="Q03").changed()
        {'sex': 'F'}
        """
        default = ViewState()
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in PRIVATE_FIELDS and getattr(self, f.name) != getattr(default, f.name)}

    # -- the other forms of a view (see sjia_explore.app.address) ------------------------
    def to_query(self) -> str:
        """The view as a URL query string (only what differs from the defaults)."""
        from sjia_explore.app import address

        return address.to_query(self)

    @classmethod
    def from_query(cls, query: str, *, studies, drugs, cutoff_range: tuple[float, float] = (1, 240),
                   weeks=None) -> tuple[ViewState, list[str]]:
        """Read a view from a URL query string: see :func:`sjia_explore.app.address.from_query`."""
        from sjia_explore.app import address

        return address.from_query(query, studies=studies, drugs=drugs, cutoff_range=cutoff_range, weeks=weeks)

    def to_python(self, cohort_expr: str = "load_cohort()", weeks: tuple[int, ...] | None = None) -> str:
        """Python that recreates this view, and the numbers behind it, in JupyterLab."""
        from sjia_explore.app import address

        return address.to_python(self, cohort_expr, weeks)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready values of every setting (not the :data:`PRIVATE_FIELDS`: no patient id).

        Examples
        --------
        >>> "highlight" in ViewState(highlight="Q03").to_dict()
        False
        """
        return {f.name: (list(v) if isinstance(v, tuple) else v)
                for f in fields(self) if f.name not in PRIVATE_FIELDS for v in [getattr(self, f.name)]}

    def to_json(self) -> str:
        """The view's settings as indented JSON (every field but the :data:`PRIVATE_FIELDS`)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ViewState:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown view field(s): {', '.join(sorted(unknown))}")
        return cls(**values)
