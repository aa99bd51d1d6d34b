"""The highlighted patient: their marks on the swimmer, trajectory and continuous window charts, the sentence
about them, the caches (a new highlight computes no statistics again) and privacy (never in the address, the
Python or the JSON of a view). Expected values are read from the cohort's own tables, not from the charts."""

from __future__ import annotations

import json

import pytest

from sjia_explore import load_cohort
from sjia_explore.app import CohortExplorer, Session, ViewState
from sjia_explore.app.sections import SECTIONS, section
from sjia_explore.plots import HIGHLIGHT_COLOUR, group_colours

CHILD = "Q03"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


@pytest.fixture()
def session(cohort):
    return Session(cohort)


def names(layers) -> list[str]:
    return [layer.get("name", "") for layer in layers]


def months_of(cohort, pid) -> float:
    return float(cohort.patients.set_index("patient_id").loc[pid, "months_onset_to_treatment"])


# -- the swimmer chart ---------------------------------------------------------------------------
def test_no_highlight_draws_no_highlight_layer(session):
    model = session.update(ViewState(section="patients"))
    assert not any("highlight" in n for n in names(model.patients.spec["layer"]))
    assert "params" not in model.patients.spec
    assert model.highlight.patient_id is None and model.highlight.sentence == ""


def test_the_highlighted_row_is_emphasised_and_the_others_faded(session, cohort):
    spec = session.update(ViewState(section="patients", highlight=CHILD)).patients.spec
    band = spec["layer"][0]
    assert band["name"] == "highlight_row"
    row = f"{CHILD} ({months_of(cohort, CHILD):.1f} mo)"
    assert band["data"]["values"] == [{"patient_id": CHILD, "row": row}]
    assert band["mark"]["color"] == HIGHLIGHT_COLOUR
    params = {p["name"]: p.get("value") for p in spec["params"]}
    assert params["highlight_patient"] == CHILD and params["highlight_row_label"] == row
    visible = [layer for layer in spec["layer"][1:] if layer["mark"].get("opacity", 1) > 0]
    assert {layer["name"] for layer in visible} >= {"patients_span", "patients_steroid", "patients_visits"}
    for layer in visible:  # every patient's marks: full for the child, faded for the others
        opacity = layer["encoding"]["opacity"]
        own = layer["mark"].get("opacity", 1)
        assert opacity["condition"]["value"] == own and opacity["value"] < own / 2
        assert "highlight_patient" in opacity["condition"]["test"]
        assert CHILD not in opacity["condition"]["test"]  # the id is a parameter's value, never an expression


# -- the trajectories --------------------------------------------------------------------------------
def test_the_highlighted_line_is_drawn_over_the_means_even_with_each_patient_off(session, cohort):
    model = session.update(ViewState(highlight=CHILD))
    spec = model.trajectories.spec
    visits = cohort.visits[cohort.visits["patient_id"] == CHILD].sort_values("week")
    colours = set(group_colours(["early (< 12 mo)", "late (≥ 12 mo)"]).values())
    for panel, (column, css) in zip(spec["hconcat"], [("active_joints", "joints"), ("sjadas27", "sjadas"),
                                                       ("steroid_mg_kg_day", "steroid")]):
        layers = {layer["name"]: layer for layer in panel["layer"]}
        assert f"{css}_patients" not in layers  # each patient's lines stay off
        line = layers[f"{css}_highlight_line"]
        assert panel["layer"][-3:] == [line, layers[f"{css}_highlight_points"], layers[f"{css}_highlight_label"]]
        assert line["mark"]["strokeWidth"] > layers[f"{css}_mean"]["mark"]["strokeWidth"]
        assert line["encoding"]["color"] == {"value": HIGHLIGHT_COLOUR} and HIGHLIGHT_COLOUR not in colours
        assert layers[f"{css}_highlight_label"]["encoding"]["text"]["field"] == "patient_id"
        rows = spec["datasets"][f"{css}_highlight"]
        expected = visits.dropna(subset=[column])
        assert [r["week"] for r in rows] == expected["week"].astype(int).tolist()
        assert [r["value"] for r in rows] == pytest.approx(expected[column].astype(float).tolist())
        assert {r["patient_id"] for r in rows} == {CHILD}
        assert {r["provenance"] for r in rows} == {"reconstructed"}
    plain = session.update(ViewState()).trajectories.spec
    assert not any("highlight" in n for panel in plain["hconcat"] for n in names(panel["layer"]))
    assert not any("highlight" in name for name in plain["datasets"])


def test_with_each_patient_on_the_highlight_is_drawn_on_top_of_the_thin_lines(session):
    spec = session.update(ViewState(each_patient=True, highlight=CHILD)).trajectories.spec
    order = names(spec["hconcat"][0]["layer"])
    assert order.index("joints_patients") < order.index("joints_highlight_line") == len(order) - 3


# -- the window of opportunity --------------------------------------------------------------------
def test_the_highlighted_point_is_ringed_on_the_continuous_window_chart(session, cohort):
    model = session.update(ViewState(section="window", window_outcome="sjadas27", window_week=24, highlight=CHILD))
    layers = {layer["name"]: layer for layer in model.window.continuous_spec["layer"]}
    ring, label = layers["highlight_point"], layers["highlight_label"]
    [row] = ring["data"]["values"]
    visits = cohort.visits[cohort.visits["patient_id"] == CHILD].set_index("week")["sjadas27"]
    assert row["patient_id"] == CHILD
    assert row["months_onset_to_treatment"] == pytest.approx(months_of(cohort, CHILD))
    assert row["y"] == pytest.approx(visits.loc[24] - visits.loc[0])
    assert ring["mark"]["filled"] is False and ring["mark"]["size"] > layers["window_points"]["mark"]["size"]
    assert label["data"] == ring["data"] and label["encoding"]["text"]["field"] == "patient_id"
    plain = session.update(ViewState(section="window")).window.continuous_spec
    assert not any("highlight" in n for n in names(plain["layer"]))


# -- the caches --------------------------------------------------------------------------------------------
def test_only_the_charts_that_draw_the_highlight_depend_on_it():
    drawn = {s.name for s in SECTIONS if "highlight" in s.drawn_inputs}
    assert drawn == {"trajectories", "window", "patients"}
    assert not any("highlight" in s.inputs for s in SECTIONS)  # never an input of the computation itself
    assert section("activity").drawn_inputs == section("activity").inputs


def test_a_new_highlight_computes_no_statistic_again(session):
    first = session.update(ViewState(section="window"))
    ledger = len(session.ledger.to_frame())
    second = session.update(ViewState(section="window", highlight=CHILD))
    third = session.update(ViewState(section="window", highlight="V02"))
    for model in (second, third):
        assert model.trajectories.numbers is first.trajectories.numbers  # the same summaries, not recomputed
        assert model.window.table is first.window.table and model.window.smoother is first.window.smoother
    assert third.window.continuous_spec is not first.window.continuous_spec
    assert len(session.ledger.to_frame()) == ledger
    again = session.update(ViewState(section="window", highlight=CHILD))
    assert again.window.continuous_spec is second.window.continuous_spec  # remembered with the highlight


# -- the sentence and the selection ------------------------------------------------------------------------
def test_the_sentence_names_the_child_their_group_months_and_reconstruction(session, cohort):
    model = session.update(ViewState(highlight=CHILD, early_cutoff_months=24))
    sentence = model.highlight.sentence
    assert f"patient {CHILD}, early (< 24 mo)" in sentence  # 15 months: early at a 24-month cut-off
    assert f"{months_of(cohort, CHILD):.1f} months after onset" in sentence
    assert "reconstructed" in sentence
    assert (f"{CHILD} ({months_of(cohort, CHILD):.1f} mo)", CHILD) in model.highlight.choices
    assert len(model.highlight.choices) == cohort.n_patients


def test_a_filter_that_leaves_the_child_out_clears_the_highlight_and_says_so(session):
    model = session.update(ViewState(highlight=CHILD, study="vastert2011"))
    assert model.state.highlight is None and session.state.highlight is None
    assert model.highlight.sentence == f"Patient {CHILD} is no longer highlighted: the filters now leave them out."
    assert all(pid.startswith("V") for _, pid in model.highlight.choices)
    assert not any("highlight" in n for n in names(model.trajectories.spec["hconcat"][0]["layer"]))


# -- privacy -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("uploaded", [False, True])
def test_the_highlight_is_never_in_the_address_the_python_or_the_json(uploaded):
    file = dict(data_name="mycohort.csv", data_sha="1a2b3c4d5e6f") if uploaded else {}
    state = ViewState(sex="F", highlight=CHILD, **file)
    for text in (state.to_query(), state.to_python(), state.to_json(), json.dumps(state.to_dict())):
        assert CHILD not in text and "highlight" not in text
    assert "sex=F" in state.to_query()
    back, ignored = ViewState.from_query(f"sex=F&highlight={CHILD}", studies=[], drugs=[])
    assert back.highlight is None and ignored == ["setting “highlight” (not one this page knows)"]


def test_picking_a_child_in_the_app_keeps_them_out_of_what_is_shared(cohort):
    explorer = CohortExplorer(cohort, query="sex=F")
    females = cohort.patients.loc[cohort.patients["sex"] == "F", "patient_id"].tolist()
    picker = explorer.outcomes.patients.highlight
    assert [v for _, v in picker.options] == ["", *sorted(females, key=lambda p: (months_of(cohort, p), p))]
    explorer.trajectories.highlight.value = females[0]  # the picker beside the trajectories sets the same view
    assert explorer.state.highlight == females[0] and picker.value == females[0]
    assert explorer.address_bar.query == "sex=F"
    assert females[0] not in explorer.share.json_text.value + explorer.share.python_text.value
    name, _, content = explorer.download("state_json")
    assert females[0].encode() not in content and b"highlight" not in content
    assert f"patient {females[0]}" in explorer.outcomes.patients.highlight_note.value


def test_bad_highlight_values_are_refused():
    with pytest.raises(ValueError, match="highlight"):
        ViewState(highlight="")
    with pytest.raises(ValueError, match="highlight"):
        ViewState(highlight=3)
    assert ViewState().highlight is None


def test_a_click_on_a_child_in_a_chart_picks_them_and_a_second_click_nobody(cohort):
    explorer = CohortExplorer(cohort)
    chart = explorer.trajectories.chart
    assert chart.click_field == "patient_id"
    chart._handle_custom_msg({"click": CHILD}, [])  # what the page sends for a click on the child's line
    assert explorer.state.highlight == CHILD
    assert explorer.outcomes.patients.highlight.value == CHILD
    chart._handle_custom_msg({"click": "not a patient"}, [])
    assert explorer.state.highlight == CHILD
    chart._handle_custom_msg({"click": CHILD}, [])
    assert explorer.state.highlight is None


def test_a_child_outside_the_patients_drawn_one_by_one_is_told_so():
    """In a large cohort "Each patient" draws a random sample of rows: a child picked outside it (by a click
    on the continuous window chart, say) is highlighted in the other charts, and the sentence does not
    promise a row that is not there."""
    from sjia_explore import simulate
    from sjia_explore.app.compute.trajectories import line_patients
    from sjia_explore.app.vocabulary import PATIENT_LINES_MAX

    big = simulate.registry(PATIENT_LINES_MAX * 2, seed=5)
    session = Session(big)
    features = session.context(ViewState()).features
    drawn = set(line_patients(features)[0]["patient_id"].astype(str))
    outside = next(p for p in sorted(features["patient_id"].astype(str)) if p not in drawn)
    inside = sorted(drawn)[0]
    model = session.update(ViewState(highlight=outside))
    assert "Their row (Each patient)" not in model.highlight.sentence
    assert f"Each patient draws {PATIENT_LINES_MAX:,} patients picked at random, and not them" \
        in model.highlight.sentence
    assert outside in {value for _, value in model.highlight.choices}  # still offered, so it stays chosen
    assert "Their row (Each patient)" in session.update(ViewState(highlight=inside)).highlight.sentence
