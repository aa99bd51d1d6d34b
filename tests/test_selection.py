"""A selection of patients as a boolean per patient gives the answers of the selected patients' own tables.

The reference for every answer is the selection made the plain way (``Cohort.subset`` / ``Cohort.filter``)
and asked with the cohort's own methods or with pandas; the app's view of a new selection is the same
whether it comes from the arrays or from the tables.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sjia_explore import Subgroup, load_cohort
from sjia_explore.app import Session, ViewState
from sjia_explore.app.compute.context import choose
from sjia_explore.app.compute.selection import PatientArrays, SelectedPatients
from sjia_explore.app.compute.trajectories import index_of
from sjia_explore.app.vocabulary import OUTCOMES, PANEL_OUTCOMES
from sjia_explore.trajectories import CutoffSums, SortedMonths

SELECTIONS = [Subgroup(), Subgroup(sex="F"), Subgroup(sex="M", prior_mas=True), Subgroup(prior_mas=False),
              Subgroup(studies=("vastert2011",)), Subgroup(studies=("qiu2024",), baseline_steroid=True),
              Subgroup(prior_biologic_any=("tocilizumab",)), Subgroup(prior_biologic_none=("tocilizumab",), sex="F"),
              Subgroup(sex="F", studies=("vastert2011",))]  # the last keeps nobody


def _mixed_cohort():
    """The bundled studies with a simulated registry's patients beside them, some of them with no sex recorded:
    three studies, reconstructed, published and simulated rows."""
    from sjia_explore.simulate import registry

    bundled, sim = load_cohort(), registry(30, seed=5)
    both = {t: pd.concat([getattr(bundled, t), getattr(sim, t)], ignore_index=True)
            for t in ("patients", "visits", "treatments", "adverse_events")}
    both["patients"].loc[both["patients"].index % 6 == 0, "sex"] = pd.NA
    return replace(bundled, **both, provenance=bundled.provenance)


@pytest.fixture(scope="module", params=["bundled", "mixed"])
def cohort_and_arrays(request):
    cohort = load_cohort() if request.param == "bundled" else _mixed_cohort()
    index = index_of(cohort, (0, 4, 8, 12, 24))
    return cohort, PatientArrays(cohort, index), index


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: s.describe())
def test_each_answer_is_that_of_the_selected_patients_tables(cohort_and_arrays, selection):
    cohort, arrays, index = cohort_and_arrays
    chosen = choose(arrays, selection)
    tables = cohort.filter(selection)  # the plain way
    assert chosen.n_patients == tables.n_patients == chosen.cohort.n_patients
    assert list(chosen.studies) == tables.studies
    assert sorted(chosen.cohort.patients["patient_id"]) == sorted(tables.patients["patient_id"])
    expected_months = SortedMonths.of(tables.patients)
    assert chosen.sorted_months.months.tolist() == expected_months.months.tolist()
    assert chosen.sorted_months.n_unknown == expected_months.n_unknown
    columns = [o.column for o in PANEL_OUTCOMES]
    assert chosen.recorded(columns) == {c for c in columns if c in tables.visits and tables.visits[c].notna().any()}
    drawn = [o.column for o in OUTCOMES]
    for cols in (None, drawn, ["active_joints"], ["ferritin_ng_ml"]):
        assert chosen.is_reconstructed(cols) == tables.is_reconstructed("visits", cols), cols
    counts = tables.visits["provenance"].astype("string").fillna("not stated").value_counts()
    assert dict(chosen.visit_provenance_counts()) == {str(k): int(n) for k, n in counts.items()}
    totals = [n for _, n in chosen.visit_provenance_counts()]
    assert totals == sorted(totals, reverse=True)  # the most first
    events = tables.adverse_events
    assert chosen.has_rows_marked("adverse_events", "simulated") == bool(
        "provenance" in events and events["provenance"].eq("simulated").any())
    ids, months = chosen.highlight_order()
    plain = tables.patients.assign(m=pd.to_numeric(tables.patients["months_onset_to_treatment"]))
    plain = plain.sort_values(["m", "patient_id"], na_position="last")
    assert ids.tolist() == plain["patient_id"].astype(str).tolist()
    for pid in ("Q01", "V03", "S000002", "nobody"):
        assert chosen.has_patient(pid) == (pid in set(tables.patients["patient_id"]))
    for cut in (6, 12, 30):  # the trajectories at any cut-off: the running sums of the tables' patients
        for outcome in ("active_joints", "sjadas27", "steroid_mg_kg_day"):
            fast = chosen.cutoff_sums(index).summarise(outcome, cut)
            plain_sums = CutoffSums(index, tables.patients[["patient_id", "months_onset_to_treatment"]])
            pd.testing.assert_frame_equal(fast, plain_sums.summarise(outcome, cut))


def test_the_funnel_counts_patients_once_when_the_patient_table_repeats_one():
    """A patient table holding a patient twice: the arrays give up their shortcuts, the tables answer."""
    cohort = load_cohort()
    twice = replace(cohort, patients=pd.concat([cohort.patients, cohort.patients.iloc[[0]]], ignore_index=True))
    arrays = PatientArrays(twice)
    assert not arrays.unique
    arrays.prepare({"sex": ["F", "M"]}, ["active_joints"])  # works out only what such a table can answer
    chosen = choose(arrays, Subgroup(sex=str(cohort.patients["sex"].iloc[0])))
    assert chosen.n_patients == twice.filter(sex=chosen.subgroup.sex).n_patients
    assert chosen.funnel["sex"] == chosen.n_patients


def _view(session: Session, state: ViewState) -> dict:
    model = session.compute(state)
    trajectories = model.sections.get("trajectories")  # not drawn for nobody
    return {"spec": json.dumps(trajectories.spec if trajectories else None, sort_keys=True, default=str),
            "about": model.about, "funnel": model.selection.funnel, "n": model.selection.n_total,
            "groups": model.selection.group_counts, "choices": model.highlight.choices,
            "sentence": model.highlight.sentence}


@pytest.mark.parametrize("state", [ViewState(sex="F"), ViewState(prior_mas=True, early_cutoff_months=6),
                                   ViewState(study="vastert2011", highlight="V02"),
                                   ViewState(prior_biologic_none=("tocilizumab",), each_patient=True),
                                   ViewState(sex="M", study="vastert2011")],
                         ids=["female", "mas-6mo", "vastert-highlight", "never-toci-lines", "nobody"])
def test_a_new_selection_on_screen_is_the_same_from_the_arrays_as_from_the_tables(state, monkeypatch):
    fast = _view(Session(load_cohort()), state)

    class Plain(PatientArrays):  # every answer asked of the selected patients' tables
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.unique = False

    monkeypatch.setattr("sjia_explore.app.session.PatientArrays", Plain)
    assert _view(Session(load_cohort()), state) == fast


def test_a_new_selection_makes_no_table_until_a_section_asks_for_one(monkeypatch):
    """The trajectories, the group sizes, the funnel, the banner and the highlight's choices come from the arrays."""
    session = Session(load_cohort())
    session.compute(ViewState())
    made = []
    original = SelectedPatients.__dict__["cohort"].func
    monkeypatch.setattr(SelectedPatients, "cohort", property(lambda self: made.append(1) or original(self)))
    model = session.compute(ViewState(sex="F", prior_mas=False))
    assert model.selection.n_total > 0 and not made
    session.compute(ViewState(sex="F", prior_mas=False, section="safety"))  # the safety section reads the tables
    assert made


def test_masks_are_worked_out_once_per_criterion():
    arrays = PatientArrays(load_cohort())
    first = arrays.mask("sex", "F")
    assert arrays.mask("sex", "F") is first
    assert np.array_equal(first, load_cohort().patients["sex"].eq("F").fillna(False).to_numpy(dtype=bool))


def test_the_app_works_out_every_filter_value_ahead_so_the_first_click_costs_what_the_next_do(monkeypatch):
    from sjia_explore import CohortExplorer
    from sjia_explore.cohort import Cohort

    app = CohortExplorer(load_cohort())
    asked = []
    original = Cohort.subgroup_masks
    monkeypatch.setattr(Cohort, "subgroup_masks", lambda self, sub: asked.append(sub) or original(self, sub))
    for state in (ViewState(sex="F"), ViewState(sex="M", prior_mas=True), ViewState(study="vastert2011"),
                  ViewState(prior_biologic_none=("tocilizumab",), baseline_steroid=False)):
        assert app.update(state)
    assert asked == []  # every mask was ready
    content = (b"patient_id,study,sex,months_onset_to_treatment,week,active_joints\n"
               b"P1,clinic,F,3,0,4\nP1,clinic,F,3,4,1\nP2,clinic,M,20,0,6\nP2,clinic,M,20,4,2\n")
    assert app.load_file(content, "clinic.csv")  # a new cohort: its own masks, worked out as it is shown
    asked.clear()
    assert app.update(replace(app.state, sex="M"))
    assert asked == [] and app.session.model.selection.n_total == 1


def test_a_large_selections_highlight_choices_are_the_patients_drawn_one_by_one():
    """Past PATIENT_LINES_MAX patients the lines are a seeded sample: the choices are that sample, in order."""
    from sjia_explore.app.compute.patients import _choices, highlight_model
    from sjia_explore.app.compute.trajectories import line_patients
    from sjia_explore.app.vocabulary import PATIENT_LINES_MAX
    from sjia_explore.simulate import registry

    big = registry(1200, seed=3)
    session = Session(big)
    for state in (ViewState(sex="F"), ViewState(), ViewState(sex="M", prior_mas=False)):
        expected_patients = big.filter(**({"sex": state.sex} if state.sex else {}),
                                       **({"prior_mas": state.prior_mas} if state.prior_mas is not None else {}))
        assert expected_patients.n_patients > PATIENT_LINES_MAX  # the premise: a sample is drawn
        choices = highlight_model(session.context(state)).choices
        expected, _ = _choices(line_patients(expected_patients.patients)[0])
        assert choices == expected and len(choices) == PATIENT_LINES_MAX
