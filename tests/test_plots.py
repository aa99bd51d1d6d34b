"""Chart specifications: only the rows they draw, labelled when reconstructed, with tooltips, in both themes."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from sjia_explore import plots
from sjia_explore.trajectories import patient_values, summarise

WEEKS = [0, 4, 8, 12, 24]


@pytest.fixture(scope="module")
def features(cohort):
    return cohort.patient_features(12)


@pytest.fixture(scope="module")
def summary(cohort, features):
    return summarise(cohort.visits, "active_joints", by="duration_group", patients=features, weeks=WEEKS)


def layer(spec: dict, name: str) -> dict:
    return next(lay for lay in spec["layer"] if lay["name"] == name)


def tooltip_fields(layer_spec: dict) -> list[str]:
    return [t["field"] for t in layer_spec["encoding"]["tooltip"]]


def strip_table(**overrides) -> pd.DataFrame:
    rows = {"cutoff_months": [3.0, 6.0, 12.0, 24.0], "n_early": [2, 3, 6, 8], "n_late": [14, 13, 9, 7],
            "hl_shift": [-1.0, -2.0, -1.9, -4.0], "ci_low": [-9.0, None, -6.8, -8.6],
            "ci_high": [5.0, None, 4.4, 1.7], "p": [None, 0.5, 0.46, 0.12], "note": ["", "", "", ""]}
    rows.update(overrides)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Trajectories
# --------------------------------------------------------------------------------------------
def test_trajectory_spec_holds_only_aggregated_rows_without_each_patient(summary, features):
    spec = plots.trajectory_spec(summary, title="Active joints", y_title="Mean", weeks=WEEKS, name="joints")
    groups = features["duration_group"].nunique()
    assert list(spec["datasets"]) == ["joints_summary"]
    assert len(spec["datasets"]["joints_summary"]) == groups * len(WEEKS)
    assert not any(name.endswith("_patients") for name in spec["datasets"])
    row_fields = set(spec["datasets"]["joints_summary"][0])
    assert "patient_id" not in row_fields


def test_trajectory_spec_adds_one_row_per_patient_and_visit_only_on_request(cohort, summary, features):
    lines = patient_values(cohort.visits, "active_joints", by="duration_group", patients=features, weeks=WEEKS)
    spec = plots.trajectory_spec(summary, title="Active joints", y_title="Mean", weeks=WEEKS, name="joints",
                                 patient_values=lines)
    with_value = cohort.visits[cohort.visits["week"].isin(WEEKS)]["active_joints"].notna().sum()
    assert len(spec["datasets"]["joints_patients"]) == with_value
    assert len(spec["datasets"]["joints_summary"]) == features["duration_group"].nunique() * len(WEEKS)


def test_mean_points_show_mean_ci_and_n_and_patient_marks_show_id_and_value(cohort, summary, features):
    lines = patient_values(cohort.visits, "active_joints", by="duration_group", patients=features, weeks=WEEKS)
    spec = plots.trajectory_spec(summary, title="Active joints", y_title="Mean", weeks=WEEKS, name="joints",
                                 patient_values=lines)
    mean_tips = tooltip_fields(layer(spec, "joints_meanpoints"))
    assert {"mean", "ci_text", "n", "group", "week"} <= set(mean_tips)
    assert tooltip_fields(layer(spec, "joints_patientpoints"))[:3] == ["patient_id", "week", "value"]
    assert "patient_id" in tooltip_fields(layer(spec, "joints_patients"))
    first = spec["datasets"]["joints_summary"][0]
    assert " to " in first["ci_text"]  # "0.3 to 2.1", with the interval's own bounds
    assert first["ci_text"] == plots.ci_text(first["ci_low"], first["ci_high"])


def test_ci_text_says_when_an_interval_cannot_be_computed():
    single = pd.DataFrame({"group": ["all"] * 2, "week": [0, 4], "n": [1, 0], "n_missing": [0, 1],
                           "mean": [3.0, None], "ci_low": [None, None], "ci_high": [None, None],
                           "median": [3.0, None], "q1": [3.0, None], "q3": [3.0, None]})
    spec = plots.trajectory_spec(single, title="t", y_title="y", weeks=[0, 4])
    texts = [r["ci_text"] for r in spec["datasets"]["trajectory_summary"]]
    assert texts == ["not computed (fewer than 2 patients)", ""]


def test_panels_carry_the_reconstructed_label_only_when_reconstructed(summary):
    panel = plots.trajectory_spec(summary, title="Active joints", y_title="Mean", weeks=WEEKS)
    recon = plots.panels_spec([panel], reconstructed=True)
    assert recon["title"]["text"] == plots.RECONSTRUCTED_TITLE
    assert plots.RECONSTRUCTED_SUBTITLE in recon["title"]["subtitle"]
    measured = plots.panels_spec([panel], reconstructed=False)
    assert measured["title"]["text"] == plots.MEASURED_TITLE
    assert plots.RECONSTRUCTED_SUBTITLE not in measured["title"]["subtitle"]
    assert "Reconstructed" not in json.dumps(measured["title"])


def colour_of(spec: dict, layer_name: str, label: str) -> str:
    """The colour a layer gives the rows of group ``label`` (colours are keyed by the group's position)."""
    labels = next(p["value"] for p in spec["params"] if p["name"] == plots.GROUP_LABELS_PARAM)
    rows = spec["datasets"][f"{layer_name.rsplit('_', 1)[0]}_summary"]
    position = {row["group_index"] for row in rows if row["group"] == label}
    assert position == {labels.index(label)}
    scale = layer(spec, layer_name)["encoding"]["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"]))[labels.index(label)]


def test_a_one_group_panel_keeps_its_groups_colour(summary):
    groups = list(dict.fromkeys(summary["group"]))
    colours = plots.group_colours(groups)
    late = summary[summary["group"] == groups[1]]
    spec = plots.trajectory_spec(late, title="Late", y_title="y", weeks=WEEKS, colours=colours,
                                 colour_domain=groups, legend=False)
    assert colour_of(spec, "trajectory_mean", groups[1]) == colours[groups[1]] == plots.PALETTE[1]
    assert layer(spec, "trajectory_mean")["encoding"]["color"]["legend"] is None


def test_each_group_keeps_its_colour_and_the_legend_names_it(summary):
    groups = list(dict.fromkeys(summary["group"]))
    spec = plots.trajectory_spec(summary, title="Active joints", y_title="Mean", weeks=WEEKS)
    assert [colour_of(spec, "trajectory_mean", g) for g in groups] == list(plots.PALETTE[:len(groups)])
    legend = layer(spec, "trajectory_mean")["encoding"]["color"]["legend"]
    assert legend["labelExpr"] == f"{plots.GROUP_LABELS_PARAM}[datum.value]"


def test_the_drawn_legend_shows_the_group_labels_not_positions(cohort):
    """Rendered by vl-convert (not by the code under test): the legend reads the labels from the parameter."""
    import vl_convert

    features = cohort.patient_features(6)
    rows = summarise(cohort.visits, "active_joints", by="duration_group", patients=features, weeks=WEEKS)
    panel = plots.trajectory_spec(rows, title="Active joints", y_title="Mean", weeks=WEEKS)
    svg = vl_convert.vegalite_to_svg(plots.panels_spec([panel], reconstructed=True))
    for label in dict.fromkeys(rows["group"]):
        assert f">{label.replace('<', '&lt;')}<" in svg
    assert ">0<" not in svg.split("role-legend", 1)[1]


def test_a_new_cut_off_changes_only_rows_and_labels_not_the_structure(cohort):
    """What lets the page redraw in place: same structure, other rows and group labels."""
    from sjia_explore.vega import split_spec

    def spec(cutoff):
        features = cohort.patient_features(cutoff)
        labels = list(dict.fromkeys(features["duration_group"].dropna().sort_values()))
        panels = [plots.trajectory_spec(summarise(cohort.visits, col, by="duration_group", patients=features,
                                                  weeks=WEEKS), title=col, y_title=col, weeks=WEEKS, name=col,
                                        colour_domain=labels) for col in ("active_joints", "sjadas27")]
        return split_spec(plots.panels_spec(panels, reconstructed=True))

    (skeleton6, rows6, labels6), (skeleton12, rows12, labels12) = spec(6), spec(12)
    assert skeleton6 == skeleton12
    assert rows6 != rows12
    assert labels6[plots.GROUP_LABELS_PARAM] == ["early (< 6 mo)", "late (≥ 6 mo)"]
    assert labels12[plots.GROUP_LABELS_PARAM] == ["early (< 12 mo)", "late (≥ 12 mo)"]


def test_panels_side_by_side_must_share_their_groups(summary):
    groups = list(dict.fromkeys(summary["group"]))
    early = plots.trajectory_spec(summary[summary["group"] == groups[0]], title="a", y_title="y", weeks=WEEKS)
    late = plots.trajectory_spec(summary[summary["group"] == groups[1]], title="b", y_title="y", weeks=WEEKS)
    with pytest.raises(ValueError, match="colour_domain"):
        plots.panels_spec([early, late], reconstructed=True)
    late = plots.trajectory_spec(summary[summary["group"] == groups[1]], title="b", y_title="y", weeks=WEEKS,
                                 colour_domain=groups)
    early = plots.trajectory_spec(summary[summary["group"] == groups[0]], title="a", y_title="y", weeks=WEEKS,
                                  colour_domain=groups)
    assert plots.panels_spec([early, late], reconstructed=True)["params"][0]["value"] == groups


# --------------------------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------------------------
def test_dark_theme_draws_light_text_on_a_dark_background(summary):
    panel = plots.trajectory_spec(summary, title="Active joints", y_title="Mean", weeks=WEEKS, dark=True)
    spec = plots.panels_spec([panel], reconstructed=True, dark=True)
    assert spec["config"]["background"] == plots.DARK["background"]
    assert spec["config"]["axis"]["labelColor"] == plots.DARK["text"]
    assert spec["title"]["color"] == plots.RECONSTRUCTED_COLOUR_DARK
    assert colour_of({**spec["hconcat"][0], **spec}, "trajectory_mean", summary["group"].iloc[0]) == \
        plots.PALETTE_DARK[0]
    light = plots.with_theme(spec, dark=False)
    assert light["config"]["background"] == plots.LIGHT["background"]
    assert light["title"]["color"] == plots.RECONSTRUCTED_COLOUR
    assert spec["config"]["background"] == plots.DARK["background"]  # the input is not changed


# --------------------------------------------------------------------------------------------
# Window of opportunity strip
# --------------------------------------------------------------------------------------------
def test_strip_has_one_row_per_cut_off_and_marks_too_few_instead_of_a_number():
    spec = plots.sensitivity_spec(strip_table(), current_cutoff=12, outcome_title="sJADAS27", week=24,
                                  reconstructed=False)
    rows = spec["datasets"]["strip_rows"]
    assert [r["cutoff_months"] for r in rows] == [3.0, 6.0, 12.0, 24.0]
    first = rows[0]  # 2 early patients: too few
    assert first["too_few"] and not first["estimate"] and first["shift_text"] == plots.TOO_FEW_TEXT
    assert layer(spec, "strip_points")["transform"] == [{"filter": "datum.estimate"}]
    assert layer(spec, "strip_toofew")["transform"][0] == {"filter": "datum.too_few"}
    assert rows[1]["estimate"] and not rows[1]["has_ci"]  # estimate, but no 95% interval possible
    assert rows[1]["ci_text"].startswith("no 95% interval")
    assert [r["is_current"] for r in rows] == [False, False, True, False]
    assert spec["datasets"]["strip_current"] == [{"cutoff_months": 12.0, "label": "current cut-off: 12 months"}]
    assert {"n_early", "n_late", "shift_text", "ci_text", "p_text"} <= set(tooltip_fields(layer(spec, "strip_points")))
    assert "Reconstructed" not in json.dumps(spec["title"])


def test_strip_says_reconstructed_and_p_only_where_given():
    spec = plots.sensitivity_spec(strip_table(), current_cutoff=13, outcome_title="sJADAS27", week=24,
                                  reconstructed=True, axis_values=[3, 6, 9, 12])
    assert spec["title"]["subtitle"][0].startswith(plots.RECONSTRUCTED_TITLE)
    rows = spec["datasets"]["strip_rows"]
    assert rows[0]["p_text"] == ""  # too few: nothing shown
    assert rows[2]["p_text"] == "0.46"
    x_axis = layer(spec, "strip_points")["encoding"]["x"]
    assert x_axis["axis"]["values"] == [3.0, 6.0, 9.0, 12.0]
    assert x_axis["scale"]["domain"][1] >= 24


def test_n_rows_under_the_strip_grey_out_small_groups():
    spec = plots.sensitivity_spec(strip_table(), current_cutoff=12, outcome_title="x", week=24,
                                  reconstructed=False)
    n0 = layer(spec, "strip_n0")
    assert n0["encoding"]["text"]["field"] == "n_early_label"
    assert n0["encoding"]["color"]["condition"]["test"] == "datum.n_early < 3"


# --------------------------------------------------------------------------------------------
# Steroids, and every spec renders
# --------------------------------------------------------------------------------------------
def steroid_frames():
    per_visit = pd.DataFrame({"week": [0, 4, 12, 24], "n": [4, 4, 4, 4], "n_missing": [0] * 4, "k": [0, 1, 3, 4],
                              "proportion": [0, .25, .75, 1], "ci_low": [0, .006, .19, .4],
                              "ci_high": [.6, .81, .99, 1], "note": [""] * 4})
    km = pd.DataFrame({"week": [0, 4, 12, 24], "proportion_steroid_free": [0, .25, .75, 1.0]})
    return per_visit, km


def test_steroid_spec_shows_k_of_n_and_the_kaplan_meier_steps():
    per_visit, km = steroid_frames()
    spec = plots.steroid_free_spec(per_visit, km, reconstructed=True, weeks=WEEKS)
    assert [r["label"] for r in spec["datasets"]["steroidfree_visits"]] == ["0/4", "1/4", "3/4", "4/4"]
    assert layer(spec, "steroidfree_km")["mark"]["interpolate"] == "step-after"
    assert spec["title"]["text"] == plots.RECONSTRUCTED_TITLE


def test_every_spec_is_valid_vega_lite_and_renders_offline(summary):
    import vl_convert

    panel = plots.trajectory_spec(summary, title="Active joints", y_title="Mean", weeks=WEEKS)
    panels = plots.panels_spec([panel, panel | {"name": "x"}], reconstructed=True, dark=True, shared_y=True)
    strip = plots.sensitivity_spec(strip_table(), current_cutoff=12, outcome_title="x", week=24,
                                   reconstructed=True)
    steroid = plots.steroid_free_spec(*steroid_frames(), reconstructed=False, weeks=WEEKS)
    stacked = plots.stack_specs([plots.panels_spec([panel], reconstructed=False), strip])
    for spec in (panels, strip, steroid, stacked):
        kind = {"layer": alt.LayerChart, "hconcat": alt.HConcatChart, "vconcat": alt.VConcatChart}
        chart_class = next(cls for key, cls in kind.items() if key in spec)
        chart_class.from_dict(spec)  # validates against the Vega-Lite schema
        svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
        assert svg.startswith("<svg") and "NaN" not in svg
    assert "strip_points_marks" in vl_convert.vegalite_to_svg(stacked, allowed_base_urls=[])


def test_format_helpers_use_a_true_minus_and_words_for_missing():
    assert plots.format_number(-1.25, ".1f") == "−1.2"
    assert plots.format_number(0.5, ".2f", sign=True) == "+0.50"
    assert plots.ci_text(None, 1) == "not computed"
    assert plots.ci_text(-1, 2.5) == "−1.0 to 2.5"


def test_reference_points_above_the_means_raise_the_axis_instead_of_sitting_on_its_edge():
    """The y axis follows the means and clamps what is above it: a printed value above the top would be drawn
    at the top, at a wrong height. The panel's top is raised to take it; a value below leaves it alone."""
    visits = pd.DataFrame({"patient_id": ["a", "b", "a", "b"], "week": [0, 0, 4, 4],
                           "active_joints": [2.0, 3.0, 1.0, 1.0]})
    panel = plots.trajectory_spec(summarise(visits, "active_joints"), title="Joints", y_title="Mean", name="joints")

    def top(spec):
        return next(p["value"] for p in spec["params"] if p["name"] == "joints_y_top")

    before = top(panel)
    high = plots.with_reference_points(panel, [{"week": 0, "value": before * 4 + 0.3, "where": "Table 1"}], "joints")
    assert top(high) >= before * 4 + 0.3
    assert top(panel) == before  # the input is not changed
    low = plots.with_reference_points(panel, [{"week": 0, "value": before / 2, "where": "Table 1"}], "joints")
    assert top(low) == before
    shown = plots.panels_spec([high], reconstructed=False)
    assert next(p["value"] for p in shown["params"] if p["name"] == "joints_y_top") == top(high)
