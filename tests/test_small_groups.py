"""Small groups do not squash the charts (issue 15, item 7).

With two patients, a 95% confidence interval of the mean is very wide (Student's t with 1 degree of
freedom is 12.7): the y axis follows the means (and each patient's values when drawn), the band is cut
at the top of the chart with a ▲ where it was cut, and the chart's note says so.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from scipy import stats

from sjia_explore import plots, trajectories
from sjia_explore.plots.trajectory import BAND_CUT_NOTE

WEEKS = (0, 4, 8)


def two_patients() -> pd.DataFrame:
    """Two patients' doses: means 0.25, 0.1, 0.05 mg/kg/day; intervals many times wider."""
    return pd.DataFrame({"patient_id": ["a"] * 3 + ["b"] * 3, "week": [*WEEKS, *WEEKS],
                         "dose": [0.5, 0.2, 0.1, 0.0, 0.0, 0.0]})


def drawn_svg(spec: dict) -> str:
    vl_convert = pytest.importorskip("vl_convert")
    return vl_convert.vegalite_to_svg(plots.panels_spec([spec], reconstructed=False))


def drawn_svg_of(spec: dict) -> str:
    vl_convert = pytest.importorskip("vl_convert")
    return vl_convert.vegalite_to_svg(spec)


def marks(svg: str, name: str) -> list[str]:
    """The SVG paths of one layer's marks (Vega names their group ``<layer>_marks``)."""
    group = re.search(rf'<g class="mark-[a-z]+ role-mark {name}_marks"[^>]*?(/>|>(.*?)</g>)', svg, re.S)
    assert group, f"no layer {name} drawn"
    return re.findall(r"<path[^>]*>", group.group(2) or "")


def test_the_axis_follows_the_means_of_two_patients_and_the_band_is_cut_at_the_top():
    summary = trajectories.summarise(two_patients(), "dose", weeks=WEEKS)
    # the interval, independently: mean ± t(0.975, 1) · SD / √2
    t = stats.t.ppf(0.975, 1)
    assert summary.loc[summary["week"] == 0, "ci_high"].iloc[0] == pytest.approx(0.25 + t * 0.5 / 2 ** 0.5 / 2 ** 0.5)
    spec = plots.trajectory_spec(summary, title="Dose", y_title="Mean dose", name="dose", weeks=WEEKS,
                                 value_format=".2f")
    top = {p["name"]: p["value"] for p in spec["params"]}["dose_y_top"]
    assert 0.25 <= top <= 0.6  # the highest mean with room above it, far below the band's 3.4
    assert summary["ci_high"].max() > 3 * top
    band = next(layer for layer in spec["layer"] if layer["name"] == "dose_band")
    assert band["encoding"]["y"]["scale"]["domain"] == [0, {"expr": "dose_y_top"}]
    assert band["encoding"]["y"]["scale"]["clamp"] is True
    # drawn: one ▲ at each visit whose band was cut, all at the top of the plot
    svg = drawn_svg(spec)
    carets = marks(svg, "dose_bandcut")
    assert len(carets) == int((summary["ci_high"] > top).sum()) == 3
    ys = {float(m) for c in carets for m in re.findall(r'translate\([-0-9.]+,([-0-9.]+)\)', c)}
    assert ys == {0.0}  # the top edge of the plot


def test_a_band_within_twice_the_means_is_drawn_whole():
    rng = pd.Series(range(12))
    visits = pd.DataFrame({"patient_id": [f"p{i}" for i in rng for _ in WEEKS], "week": list(WEEKS) * 12,
                           "joints": [4 + (i % 4) - w / 4 for i in rng for w in WEEKS]})
    summary = trajectories.summarise(visits, "joints", weeks=WEEKS)
    top, cut = plots.y_top(summary)
    assert not cut and top >= summary["ci_high"].max()
    spec = plots.trajectory_spec(summary, title="Joints", y_title="Mean", name="joints", weeks=WEEKS)
    assert marks(drawn_svg(spec), "joints_bandcut") == []


def test_each_patients_values_stay_on_the_chart():
    visits = two_patients()
    summary = trajectories.summarise(visits, "dose", weeks=WEEKS)
    lines = trajectories.patient_values(visits, "dose", weeks=WEEKS)
    top, cut = plots.y_top(summary, lines)
    assert top >= 0.5 and cut  # patient a's 0.5 is on the chart; the band still reaches far above


def test_the_app_says_when_a_band_is_cut_and_the_steroid_axis_follows_the_two_early_patients():
    from sjia_explore import load_cohort
    from sjia_explore.app.session import Session
    from sjia_explore.app.state import ViewState

    model = Session(load_cohort()).compute(ViewState()).trajectories
    steroid = dict(model.numbers)["steroid_mg_kg_day"]
    early = steroid[steroid["group"].str.startswith("early")]
    assert early["n"].max() == 2  # the bundled cohort: two early patients with a recorded dose
    top = {p["name"]: p["value"] for p in model.spec["params"]}["steroid_y_top"]
    assert steroid["mean"].max() <= top <= 2.5 * steroid["mean"].max()
    assert early["ci_high"].max() > 3 * top
    assert BAND_CUT_NOTE in model.spec["title"]["subtitle"][-1]
    # with no band cut, nothing is said
    joints_top = {p["name"]: p["value"] for p in model.spec["params"]}["joints_y_top"]
    assert dict(model.numbers)["active_joints"]["ci_high"].max() <= joints_top


def test_panels_on_one_scale_share_one_top_and_say_so_when_a_band_is_cut():
    visits = two_patients()
    small = trajectories.summarise(visits, "dose", weeks=WEEKS)
    big = trajectories.summarise(visits.assign(dose=visits["dose"] * 4), "dose", weeks=WEEKS)
    panels = [plots.trajectory_spec(summary, title=name, y_title="Mean dose", name=name, weeks=WEEKS)
              for name, summary in (("small", small), ("big", big))]
    spec = plots.panels_spec(panels, reconstructed=False, shared_y=True)
    tops = {p["name"]: p["value"] for p in spec["params"] if p["name"].endswith("_y_top")}
    assert list(tops) == ["shared_y_top"] and tops["shared_y_top"] >= 4 * 0.25  # the higher panel's means fit
    assert spec["title"]["subtitle"][-1] == BAND_CUT_NOTE
    # drawn on one axis: both panels' y axes end at the same, non-zero, label
    svg = drawn_svg_of(spec)
    axes = re.findall(r'role-axis-label".*?</g>', svg, re.S)
    labels = [re.findall(r">([0-9.]+)</text>", axis) for axis in axes]
    y_labels = [found for found in labels if found != [str(w) for w in WEEKS]]
    assert len(y_labels) == 2 and y_labels[0] == y_labels[1] and len(y_labels[0]) >= 3, labels
    # a group of many with a narrow band: nothing cut, nothing said
    many = pd.DataFrame({"group": ["all"] * 3, "week": list(WEEKS), "n": [20] * 3, "mean": [5.0, 3.0, 2.0],
                         "ci_low": [4.0, 2.5, 1.5], "ci_high": [6.0, 3.5, 2.5]})
    calm = plots.panels_spec([plots.trajectory_spec(many, title="x", y_title="y", name="calm", weeks=WEEKS)],
                             reconstructed=False)
    assert BAND_CUT_NOTE not in calm["title"]["subtitle"]
