"""Choosable trajectory panels: the choice in the view state, the address and JSON, the section's numbers
(checked against pandas on the visits) and the controls above the charts."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from sjia_explore import load_cohort
from sjia_explore.app import CohortExplorer, Session, ViewState
from sjia_explore.app.address import KNOWN_KEYS
from sjia_explore.app.sections import section

DEFAULT = ("active_joints", "sjadas27", "steroid_mg_kg_day")
CHOSEN = ("ferritin_ng_ml", "crp_mg_l", "physician_global")


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


def names(spec, out=None):
    """Every layer name of a (composed) spec."""
    out = [] if out is None else out
    if isinstance(spec, dict):
        if "name" in spec:
            out.append(spec["name"])
        for key in ("layer", "vconcat", "hconcat", "concat"):
            for child in spec.get(key, []):
                names(child, out)
    return out


# -- state and address ----------------------------------------------------------------------------------------
def test_the_default_panels_are_unchanged_and_leave_the_address_empty():
    assert ViewState().trajectory_outcomes == DEFAULT
    assert ViewState().to_query() == ""
    assert ViewState.from_query("sex=F", studies=[], drugs=[])[0].trajectory_outcomes == DEFAULT


@pytest.mark.parametrize("chosen", [CHOSEN, ("crp_mg_l",), ("sjadas27", "il18_pg_ml"), DEFAULT[::-1]])
def test_a_choice_survives_the_address_json_and_python(chosen, cohort):
    state = ViewState(trajectory_outcomes=chosen, sex="F")
    query = state.to_query()
    assert "outcomes=" + "%2C".join(chosen) in query
    back, ignored = ViewState.from_query(query, studies=cohort.studies, drugs=cohort.prior_biologic_options())
    assert ignored == [] and back == state and back.trajectory_outcomes == chosen  # order kept
    assert ViewState.from_dict(json.loads(state.to_json())) == state
    assert f"trajectory_outcomes={chosen!r}" in state.to_python()


def test_every_address_key_is_known():
    assert "outcomes" in KNOWN_KEYS
    assert ViewState.from_query("outcomes=crp_mg_l", studies=[], drugs=[])[1] == []


@pytest.mark.parametrize("query, kept, said", [
    ("outcomes=crp_mg_l,__import__('os')", ("crp_mg_l",), ["trajectory outcome “__import__('os')” (not one this "
                                                            "page draws)"]),
    ("outcomes=crp_mg_l,crp_mg_l", ("crp_mg_l",), ["trajectory outcome “crp_mg_l” given twice"]),
    ("outcomes=crp_mg_l,esr_mm_h,ferritin_ng_ml,il18_pg_ml", ("crp_mg_l", "esr_mm_h", "ferritin_ng_ml"),
     ["trajectory outcome “il18_pg_ml” (at most 3 panels are shown)"]),
    ("outcomes=nothing", DEFAULT, ["trajectory outcome “nothing” (not one this page draws)"]),
    ("outcomes=months_onset_to_treatment", DEFAULT,
     ["trajectory outcome “months_onset_to_treatment” (not one this page draws)"]),
])
def test_junk_in_the_choice_is_left_out_and_named(query, kept, said):
    state, ignored = ViewState.from_query(query, studies=[], drugs=[])
    assert state.trajectory_outcomes == kept
    assert ignored == said


@pytest.mark.parametrize("bad", [(), ("crp_mg_l", "crp_mg_l"), ("crp_mg_l", "esr_mm_h", "sjadas27", "active_joints"),
                                 ("age",), ("__class__",)])
def test_a_state_with_an_impossible_choice_cannot_be_made(bad):
    with pytest.raises(ValueError, match="trajectory_outcomes"):
        ViewState(trajectory_outcomes=bad)


def test_the_choice_is_part_of_the_sections_cache_key():
    assert "trajectory_outcomes" in section("trajectories").inputs


# -- the section's numbers --------------------------------------------------------------------------------------
def test_the_chosen_panels_are_drawn_in_order_with_means_and_n_from_the_visits(cohort):
    model = Session(cohort).update(ViewState(trajectory_outcomes=CHOSEN)).sections["trajectories"]
    assert [column for column, _ in model.numbers] == list(CHOSEN)
    drawn = names(model.spec)
    assert {"ferritin_mean", "crp_mean", "physician_mean"} <= set(drawn)
    assert not any(n.startswith(("joints_", "sjadas_", "steroid_")) for n in drawn)
    assert drawn.index("ferritin_mean") < drawn.index("crp_mean") < drawn.index("physician_mean")
    features = cohort.patient_features(12)
    group = dict(zip(features["patient_id"], features["duration_group"].astype(str)))
    visits = cohort.visits.assign(group=cohort.visits["patient_id"].map(group))
    checked = 0
    for column, summary in model.numbers:
        for row in summary.itertuples():
            values = visits.loc[(visits["group"] == row.group) & (visits["week"] == row.week), column].dropna()
            assert row.n == len(values)
            if len(values) >= 2:
                assert row.mean == pytest.approx(values.mean())
                half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
                assert row.ci_high == pytest.approx(values.mean() + half)
                checked += 1
    assert checked >= 20
    assert model.spec["title"]["text"] == "Reconstructed data"  # the bundled follow-up is reconstructed


def test_a_chosen_outcome_the_selection_does_not_record_is_said_not_drawn(cohort):
    # IL-18 was measured in the Vastert 2011 children only
    state = ViewState(study="qiu2024", trajectory_outcomes=("il18_pg_ml", "crp_mg_l"))
    model = Session(cohort).update(state).sections["trajectories"]
    assert [column for column, _ in model.numbers] == ["crp_mg_l"]
    assert "Not recorded for the selected patients, so not drawn: IL-18." in json.dumps(model.spec,
                                                                                      ensure_ascii=False)
    bare = replace(cohort, visits=cohort.visits.drop(columns=["ferritin_ng_ml"]))
    model = Session(bare).update(ViewState(trajectory_outcomes=("ferritin_ng_ml", "active_joints"))) \
        .sections["trajectories"]
    assert [column for column, _ in model.numbers] == ["active_joints"]
    assert "so not drawn: Ferritin." in json.dumps(model.spec, ensure_ascii=False)


def test_the_download_has_the_chosen_outcomes(cohort):
    session = Session(cohort)
    session.update(ViewState(trajectory_outcomes=("crp_mg_l", "ferritin_ng_ml")))
    _, _, data = session.download("trajectories_csv")
    body = data.decode("utf-8-sig")
    assert "crp_mg_l" in body and "ferritin_ng_ml" in body and "active_joints" not in body


# -- the controls above the charts --------------------------------------------------------------------------------
def test_the_choice_controls_write_the_state_swap_and_follow_the_address(cohort):
    app = CohortExplorer(cohort, query="")
    first, second, third = app.trajectories.choices
    assert [c.value for c in app.trajectories.choices] == list(DEFAULT)
    offered = [v for _, v in first.options]
    assert offered[:3] == list(DEFAULT) and "ferritin_ng_ml" in offered and "mrp8_14_ng_ml" in offered
    third.value = "ferritin_ng_ml"
    assert app.state.trajectory_outcomes == ("active_joints", "sjadas27", "ferritin_ng_ml")
    assert "outcomes=active_joints%2Csjadas27%2Cferritin_ng_ml" in app.state.to_query()
    assert [c for c, _ in app.session.model.trajectories.numbers] == ["active_joints", "sjadas27", "ferritin_ng_ml"]
    third.value = "active_joints"  # already in chart 1: the two charts swap
    assert [c.value for c in app.trajectories.choices] == ["ferritin_ng_ml", "sjadas27", "active_joints"]
    assert app.state.trajectory_outcomes == ("ferritin_ng_ml", "sjadas27", "active_joints")
    app.apply_query("outcomes=crp_mg_l,esr_mm_h")
    assert [c.value for c in app.trajectories.choices] == ["crp_mg_l", "esr_mm_h", None]
    assert app.state.trajectory_outcomes == ("crp_mg_l", "esr_mm_h")
    third.value = "sjadas27"
    assert app.state.trajectory_outcomes == ("crp_mg_l", "esr_mm_h", "sjadas27")


def test_only_outcomes_the_cohort_records_are_offered(cohort):
    bare = replace(cohort, visits=cohort.visits.drop(columns=["il18_pg_ml", "mrp8_14_ng_ml"]))
    app = CohortExplorer(bare, query="")
    offered = [v for _, v in app.trajectories.choices[0].options]
    assert "il18_pg_ml" not in offered and "mrp8_14_ng_ml" not in offered and "crp_mg_l" in offered
    app.apply_query("outcomes=il18_pg_ml,crp_mg_l")  # an address from a cohort that had it
    labels = dict((v, t) for t, v in app.trajectories.choices[0].options)
    assert app.trajectories.choices[0].value == "il18_pg_ml" and labels["il18_pg_ml"] == "IL-18 (not recorded)"
