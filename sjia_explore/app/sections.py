"""The sections of the app, each with the inputs it depends on: the one list where a section is added.

A section is a pure computation ``Context -> model`` (in :mod:`sjia_explore.app.compute`),
the view settings it depends on (``inputs``: its cache key), and when it is on
screen. :class:`sjia_explore.app.Session` computes a section only while it is
shown, and only again when one of its inputs changed.

A section that draws the highlighted patient has a ``highlight`` step ``(Context, model) -> model`` that
adds their marks to the charts already computed: the highlight is an input of what is drawn
(``drawn_inputs``) but not of the computation, so picking another patient never computes the means,
intervals or tests again.

Examples
--------
>>> [s.name for s in SECTIONS]
['about', 'trajectories', 'window', 'safety', 'activity', 'biomarkers', 'patients', 'table1']
>>> section("window").inputs
('selection', 'early_cutoff_months', 'window_outcome', 'window_week', 'each_patient', 'dark')
>>> section("window").drawn_inputs[-1], section("safety").drawn_inputs == section("safety").inputs
('highlight', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sjia_explore.app.compute import about, activity, biomarkers, patients, safety, table1, trajectories, window
from sjia_explore.app.compute.context import Context


def _always(ctx: Context) -> bool:
    return True


def _drawn(ctx: Context) -> bool:
    return ctx.chosen.n_patients > 0


def _tab(name: str) -> Callable[[Context], bool]:
    return lambda ctx: ctx.chosen.n_patients > 0 and ctx.state.section == name


def _small(ctx: Context) -> bool:
    """One line per patient makes a chart too big to keep (megabytes at 10,000 patients)."""
    return not ctx.state.each_patient


@dataclass(frozen=True)
class Section:
    """One section: its name, the inputs it is computed from, how, and when it is on screen."""

    name: str
    inputs: tuple[str, ...]
    compute: Callable[[Context], Any]
    shown: Callable[[Context], bool] = _always
    cacheable: Callable[[Context], bool] = _always
    keep: int = 32  # results remembered, most recent first
    highlight: Callable[[Context, Any], Any] | None = None  # draws the highlighted patient over the model

    @property
    def drawn_inputs(self) -> tuple[str, ...]:
        """The inputs of what is drawn: :attr:`inputs`, and the highlighted patient where it is drawn."""
        return self.inputs + ("highlight",) if self.highlight is not None else self.inputs


SECTIONS = (
    Section("about", about.INPUTS, about.compute, keep=4),
    Section("trajectories", trajectories.INPUTS, trajectories.compute, _drawn, _small,
            highlight=trajectories.highlight),
    Section("window", window.INPUTS, window.compute, _tab("window"), _small, keep=8, highlight=window.highlight),
    Section("safety", safety.INPUTS, safety.compute, _tab("safety"), keep=4),
    Section("activity", activity.INPUTS, activity.compute, _tab("activity"), keep=8),
    Section("biomarkers", biomarkers.INPUTS, biomarkers.compute, _tab("biomarkers"), keep=8),
    Section("patients", patients.INPUTS, patients.compute, _tab("patients"), keep=4, highlight=patients.highlight),
    Section("table1", table1.INPUTS, table1.compute, lambda ctx: ctx.panel == "table1", keep=4),
)


def section(name: str) -> Section:
    """The section called ``name``."""
    return next(s for s in SECTIONS if s.name == name)
