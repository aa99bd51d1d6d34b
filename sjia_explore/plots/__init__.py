"""Charts of per-visit summaries: pure functions from DataFrames to Vega-Lite charts.

Nothing here touches widgets, files or the network. A chart holds only the
rows it draws: the per-visit summaries of :mod:`sjia_explore.trajectories`
and, when asked for, one row per patient and visit for the thin per-patient
lines. Data text only ever appears as data (never inside a Vega expression),
and tooltips keep vega-tooltip's default escaping.

Two layers of the same thing:

- ``*_spec`` functions return the Vega-Lite specification as a plain ``dict``.
  They take milliseconds, so the dashboard calls them on every change.
- :func:`trajectory_chart` and :func:`trajectory_panels` wrap the same
  specifications as Altair charts, for notebooks (display, ``.save()``, further
  ``.properties()``). Building the same chart through Altair's object API takes
  about a second for three panels, too slow for a slider.

Every top-level specification carries a ``config`` for a light or a dark page
(:func:`theme_config`); :func:`with_theme` swaps it, e.g. to export a chart
drawn on a dark screen as a light picture.

Examples
--------
>>> import pandas as pd
>>> from sjia_explore.trajectories import summarise
>>> visits = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "week": [0, 4, 0, 4],
...                        "active_joints": [6, 1, 4, 0]})
>>> from sjia_explore.plots import trajectory_chart, trajectory_panels
>>> panel = trajectory_chart(summarise(visits, "active_joints"), title="Active joints",
...                          y_title="Mean active joints")
>>> chart = trajectory_panels([panel], reconstructed=True)
>>> chart.to_dict()["title"]["text"]
'Reconstructed data'
"""

from sjia_explore.plots.base import (  # noqa: F401
    DARK,
    DEFAULT_WEEKS,
    GROUP_LABELS_PARAM,
    GROUP_SHOWN_PARAM,
    HOW_TO_READ,
    LIGHT,
    MEASURED_TITLE,
    MIN_PATIENTS_PER_SIDE,
    MISSING_COLOUR,
    MISSING_COLOUR_DARK,
    MISSING_LABEL,
    PALETTE,
    PALETTE_DARK,
    RECONSTRUCTED_COLOUR,
    RECONSTRUCTED_COLOUR_DARK,
    RECONSTRUCTED_SUBTITLE,
    RECONSTRUCTED_TITLE,
    SCHEMA_URL,
    TOO_FEW_TEXT,
    ci_text,
    format_number,
    group_colours,
    stack_specs,
    theme_colours,
    theme_config,
    with_theme,
)
from sjia_explore.plots.highlight import (  # noqa: F401
    HIGHLIGHT_COLOUR,
    HIGHLIGHT_COLOUR_DARK,
    highlight_panels,
    highlight_point,
    highlight_swimmer,
)
from sjia_explore.plots.outcomes import (  # noqa: F401
    PUBLISHED_LABEL,
    STATE_COLOURS,
    activity_states_spec,
    biomarker_spec,
    inactive_spec,
    window_continuous_spec,
)
from sjia_explore.plots.patients import swimmer_spec  # noqa: F401
from sjia_explore.plots.steroid import steroid_free_spec  # noqa: F401
from sjia_explore.plots.strip import SENSITIVITY_COLUMNS, sensitivity_spec  # noqa: F401
from sjia_explore.plots.trajectory import (  # noqa: F401
    BAND_HEADROOM,
    panels_spec,
    trajectory_chart,
    trajectory_panels,
    trajectory_spec,
    with_reference_points,
    y_top,
)
