"""sJADAS27, JADAS27, cJADAS27 and activity states, checked against hand-worked sums."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sjia_explore import scores
from sjia_explore.scores import (
    ACTIVITY_STATE_NOTE,
    activity_state,
    cjadas27,
    classify_activity,
    jadas27,
    normalised_esr,
    sjadas27,
)


def visit(physician=6.0, parent=5.0, joints=10, esr=45.0, sms=3.0) -> dict:
    return {"physician_global": physician, "parent_global": parent, "active_joints": joints,
            "esr_mm_h": esr, "systemic_score": sms}


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


# --- hand-worked examples ---------------------------------------------------

def test_sjadas27_of_a_hand_worked_visit():
    # 6 + 5 + 10 joints + (45 - 20) / 10 = 2.5 + 3 = 26.5
    assert sjadas27(frame(visit())).tolist() == [26.5]


def test_jadas27_and_cjadas27_of_the_same_visit():
    v = frame(visit())
    assert jadas27(v).tolist() == [23.5]  # 6 + 5 + 10 + 2.5
    assert cjadas27(v).tolist() == [21.0]  # 6 + 5 + 10


def test_a_quiet_visit_scores_zero():
    assert sjadas27(frame(visit(0.0, 0.0, 0, 8.0, 0.0))).tolist() == [0.0]


def test_the_maximum_sjadas27_is_67():
    v = frame(visit(10.0, 10.0, 71, 200.0, 10.0))
    assert sjadas27(v).tolist() == [67.0]
    assert jadas27(v).tolist() == [57.0]
    assert cjadas27(v).tolist() == [47.0]
    assert scores.SJADAS27_MAX == 67 and scores.JADAS27_MAX == 57 and scores.CJADAS27_MAX == 47


# --- ESR normalisation --------------------------------------------------------

@pytest.mark.parametrize("esr, expected", [
    (0.0, 0.0),       # far below 20: 0, never negative
    (19.9, 0.0),      # below 20
    (20.0, 0.0),      # exactly 20
    (21.0, 0.1),
    (70.0, 5.0),
    (120.0, 10.0),    # exactly 120
    (120.1, 10.0),    # above 120: capped
    (200.0, 10.0),
])
def test_esr_is_normalised_to_0_10(esr, expected):
    assert normalised_esr(pd.Series([esr])).iloc[0] == pytest.approx(expected)


def test_missing_esr_stays_missing():
    out = normalised_esr(pd.Series([None, 30.0], dtype="Float64"))
    assert math.isnan(out.iloc[0]) and out.iloc[1] == pytest.approx(1.0)


def test_esr_edge_cases_flow_into_sjadas27():
    v = frame(visit(esr=15.0), visit(esr=20.0), visit(esr=120.0), visit(esr=150.0), visit(esr=None))
    # 6 + 5 + 10 + 3 = 24 plus the normalised ESR: 0, 0, 10, 10, missing
    got = sjadas27(v).tolist()
    assert got[:4] == [24.0, 24.0, 34.0, 34.0]
    assert math.isnan(got[4])


# --- joints -----------------------------------------------------------------

def test_joint_count_above_27_is_capped_at_27():
    v = frame(visit(joints=27), visit(joints=28), visit(joints=71))
    assert sjadas27(v).tolist() == [6 + 5 + 27 + 2.5 + 3] * 3


# --- missing components -----------------------------------------------------

@pytest.mark.parametrize("column", ["physician_global", "parent_global", "active_joints", "esr_mm_h",
                                    "systemic_score"])
def test_any_missing_component_makes_sjadas27_missing(column):
    row = visit()
    row[column] = None
    assert math.isnan(sjadas27(frame(row)).iloc[0])


def test_missing_sms_does_not_affect_jadas27():
    row = visit(sms=None)
    assert math.isnan(sjadas27(frame(row)).iloc[0])
    assert jadas27(frame(row)).iloc[0] == 23.5


def test_missing_esr_does_not_affect_cjadas27():
    row = visit(esr=None)
    assert math.isnan(jadas27(frame(row)).iloc[0])
    assert cjadas27(frame(row)).iloc[0] == 21.0


def test_nullable_schema_dtypes_are_read():
    v = pd.DataFrame({
        "physician_global": pd.array([6.0, None], dtype="Float64"),
        "parent_global": pd.array([5.0, 1.0], dtype="Float64"),
        "active_joints": pd.array([10, 2], dtype="Int64"),
        "esr_mm_h": pd.array([45.0, 10.0], dtype="Float64"),
        "systemic_score": pd.array([3.0, 0.0], dtype="Float64"),
    })
    got = sjadas27(v)
    assert got.iloc[0] == 26.5 and math.isnan(got.iloc[1])


def test_a_missing_column_is_an_error_not_zero():
    v = frame(visit()).drop(columns="systemic_score")
    with pytest.raises(KeyError, match="systemic_score"):
        sjadas27(v)


@pytest.mark.parametrize("column, value", [("physician_global", 11.0), ("parent_global", -1.0),
                                           ("systemic_score", 10.5), ("active_joints", -2)])
def test_out_of_range_components_are_refused(column, value):
    row = visit()
    row[column] = value
    with pytest.raises(ValueError, match=column):
        sjadas27(frame(row))


def test_scores_leaves_out_what_the_columns_cannot_give():
    v = frame(visit()).drop(columns="systemic_score")
    out = scores.scores(v)
    assert list(out.columns) == ["jadas27", "cjadas27"]


# --- ranges (property) ------------------------------------------------------

component = st.one_of(st.none(), st.floats(0, 10, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(physician=component, parent=component, sms=component,
       joints=st.one_of(st.none(), st.integers(0, 71)),
       esr=st.one_of(st.none(), st.floats(0, 200, allow_nan=False)))
def test_scores_stay_in_range_and_are_missing_exactly_when_a_component_is(physician, parent, sms, joints, esr):
    row = visit(physician, parent, joints, esr, sms)
    v = pd.DataFrame([row]).astype({"active_joints": "Float64"})
    s = sjadas27(v).iloc[0]
    missing = any(x is None for x in (physician, parent, sms, joints, esr))
    assert math.isnan(s) == missing
    if not missing:
        assert 0 <= s <= 67
        assert s == pytest.approx(jadas27(v).iloc[0] + sms)
        assert 0 <= jadas27(v).iloc[0] <= 57
        assert 0 <= cjadas27(v).iloc[0] <= 47


# --- activity states --------------------------------------------------------

def test_activity_cut_offs_are_the_published_sjadas10_values():
    # Rosina et al. 2024: ID <= 2.9, MiDA <= 10, MoDA <= 20.6, HDA > 20.6
    got = classify_activity(pd.Series([0.0, 2.9, 2.95, 10.0, 10.01, 20.6, 20.61, 67.0])).tolist()
    assert got == ["inactive", "inactive", "minimal", "minimal", "moderate", "moderate", "high", "high"]


def test_a_sum_that_is_2_9_on_paper_is_inactive():
    assert classify_activity(pd.Series([0.7 + 2.2])).tolist() == ["inactive"]


def test_activity_state_carries_the_extrapolation_warning():
    v = frame(visit(), visit(0.0, 0.0, 0, 10.0, 0.0), visit(sms=None))
    out = activity_state(v)
    assert out["activity_state"].tolist()[:2] == ["high", "inactive"]
    assert pd.isna(out["activity_state"].iloc[2])
    assert (out["note"] == ACTIVITY_STATE_NOTE).all()
    assert "extrapolation" in ACTIVITY_STATE_NOTE and "sJADAS10" in ACTIVITY_STATE_NOTE
    assert "extrapolation" in activity_state.__doc__ and "extrapolation" in classify_activity.__doc__


def test_activity_state_of_a_stored_score_column():
    v = pd.DataFrame({"patient_id": ["a", "a"], "week": [0, 4], "sjadas27": pd.array([25.6, None], dtype="Float64")})
    out = activity_state(v, score_column="sjadas27")
    assert out["activity_state"].iloc[0] == "high" and pd.isna(out["activity_state"].iloc[1])


# --- inputs are not changed ---------------------------------------------------

def test_inputs_are_not_mutated():
    v = frame(visit(joints=40, esr=150.0), visit(esr=None))
    before = v.copy(deep=True)
    sjadas27(v), jadas27(v), cjadas27(v), scores.scores(v), activity_state(v)
    normalised_esr(v["esr_mm_h"])
    pd.testing.assert_frame_equal(v, before)


# --- the bundled data ---------------------------------------------------------

def _bundled_visits() -> pd.DataFrame:
    from sjia_explore.data import bundled_data_dir

    if not (bundled_data_dir() / "visits.csv").is_file():
        pytest.skip("the bundled data (data/visits.csv) is not there yet")
    from sjia_explore import load_cohort

    return load_cohort().visits


def test_bundled_sjadas27_equals_the_sum_of_its_components():
    v = _bundled_visits()
    stored = v["sjadas27"].astype("Float64").astype(float)
    computed = sjadas27(v)
    both = stored.notna() & computed.notna()
    assert both.sum() > 0
    np.testing.assert_allclose(computed[both], stored[both], atol=1e-9)
    # a stored score where a component is missing would be a score made up from nothing
    assert not (stored.notna() & computed.isna()).any()


# --- sJADAS10 -------------------------------------------------------------------

def test_sjadas10_of_a_hand_worked_visit_caps_joints_at_10():
    # 6 + 5 + min(14, 10) + (45 - 20) / 10 + 3 = 26.5; with 4 joints: 6 + 5 + 4 + 2.5 + 3 = 20.5
    v = frame(visit(joints=14), visit(joints=4), visit(joints=10), visit(joints=11))
    assert scores.sjadas10(v).tolist() == [26.5, 20.5, 26.5, 26.5]
    assert scores.sjadas10(v).name == "sjadas10"


def test_sjadas10_ranges_from_0_to_50():
    top = frame(visit(10.0, 10.0, 71, 200.0, 10.0), visit(0.0, 0.0, 0, 5.0, 0.0))
    assert scores.sjadas10(top).tolist() == [50.0, 0.0]
    assert scores.SJADAS10_MAX == 50  # "The sJADAS score ranges from 0 to 50" (Tibaldi 2020, FRI0547)


def test_sjadas10_is_missing_with_a_missing_component_and_refuses_out_of_range():
    assert math.isnan(scores.sjadas10(frame(visit(esr=None))).iloc[0])
    with pytest.raises(ValueError, match="physician_global"):
        scores.sjadas10(frame(visit(physician=10.5)))
    with pytest.raises(KeyError, match="esr_mm_h"):
        scores.sjadas10(frame(visit()).drop(columns="esr_mm_h"))


def test_sjadas10_and_sjadas27_agree_up_to_10_joints_and_differ_by_the_cap_above():
    v = frame(*(visit(joints=j) for j in (0, 5, 10, 15, 27, 40)))
    diff = (scores.sjadas27(v) - scores.sjadas10(v)).tolist()
    assert diff == [0.0, 0.0, 0.0, 5.0, 17.0, 17.0]


# --- mSMS -------------------------------------------------------------------------

@pytest.mark.parametrize("temperature, points", [
    (36.5, 0), (37.5, 0),            # at or below 37.5 °C: no fever point
    (37.6, 1), (38.0, 1),            # > 37.5–38
    (38.01, 2), (39.0, 2),           # > 38–39
    (39.5, 3), (40.0, 3),            # > 39–40
    (40.1, 4), (41.5, 4),            # > 40
])
def test_fever_points_follow_the_rosina_2024_bands(temperature, points):
    assert scores.fever_points(pd.Series([temperature])).iloc[0] == points


def item_row(**overrides) -> dict:
    row = {"max_temperature_c": 36.8, "rash": False, "generalised_lymphadenopathy": False,
           "hepatosplenomegaly": False, "serositis": False, "haemoglobin_g_dl": 12.0,
           "platelets_10e9_l": 300.0, "ferritin_ng_ml": 80.0}
    row.update(overrides)
    return row


def test_msms_of_hand_worked_visits():
    v = frame(
        item_row(),                                                   # nothing: 0
        item_row(max_temperature_c=40.3, rash=True, generalised_lymphadenopathy=True, hepatosplenomegaly=True,
                 serositis=True, haemoglobin_g_dl=8.2, platelets_10e9_l=720.0, ferritin_ng_ml=9000.0),  # 4+6 = 10
        item_row(max_temperature_c=38.5, rash=True, ferritin_ng_ml=501.0),   # 2 + 1 + 1 = 4
        item_row(haemoglobin_g_dl=9.0, platelets_10e9_l=600.0, ferritin_ng_ml=500.0),  # limits are not "above"
    )
    assert scores.msms(v).tolist() == [0.0, 10.0, 4.0, 0.0]
    assert scores.msms(v).name == "systemic_score"


def test_msms_fever_grade_wins_over_temperature_and_no_fever_counts_zero():
    v = frame(item_row(fever_grade=3, max_temperature_c=37.0),
              item_row(max_temperature_c=None, fever=False),
              item_row(max_temperature_c=None, fever=True))
    got = scores.msms(v).tolist()
    assert got[:2] == [3.0, 0.0]
    assert math.isnan(got[2])  # fever, but how high is not recorded: unknown, not 0


def test_msms_platelet_or_ferritin_item_uses_either_value():
    v = frame(item_row(platelets_10e9_l=None, ferritin_ng_ml=800.0),   # ferritin alone decides: 1
              item_row(platelets_10e9_l=650.0, ferritin_ng_ml=None),   # platelets alone decide: 1
              item_row(platelets_10e9_l=None, ferritin_ng_ml=100.0))   # one normal, one unknown: unknown
    got = scores.msms(v).tolist()
    assert got[:2] == [1.0, 1.0]
    assert math.isnan(got[2])


@pytest.mark.parametrize("column", ["rash", "generalised_lymphadenopathy", "hepatosplenomegaly", "serositis",
                                    "haemoglobin_g_dl"])
def test_msms_is_missing_when_an_item_is_not_recorded(column):
    assert math.isnan(scores.msms(frame(item_row(**{column: None}))).iloc[0])
    assert math.isnan(scores.msms(frame(item_row()).drop(columns=column)).iloc[0])


def test_msms_reads_nullable_schema_dtypes():
    v = pd.DataFrame({
        "fever_grade": pd.array([2, None], dtype="Int64"),
        "max_temperature_c": pd.array([None, 39.2], dtype="Float64"),
        "rash": pd.array([True, False], dtype="boolean"),
        "generalised_lymphadenopathy": pd.array([False, None], dtype="boolean"),
        "hepatosplenomegaly": pd.array([False, False], dtype="boolean"),
        "serositis": pd.array([True, False], dtype="boolean"),
        "haemoglobin_g_dl": pd.array([10.0, 8.0], dtype="Float64"),
        "platelets_10e9_l": pd.array([200.0, 700.0], dtype="Float64"),
        "ferritin_ng_ml": pd.array([100.0, 100.0], dtype="Float64"),
    })
    got = scores.msms(v).tolist()
    assert got[0] == 4.0  # 2 + rash + serositis
    assert math.isnan(got[1])  # lymphadenopathy not recorded


@pytest.mark.parametrize("column, value", [("fever_grade", 5), ("fever_grade", 1.5), ("fever_grade", -1),
                                           ("haemoglobin_g_dl", -3.0), ("platelets_10e9_l", -1.0)])
def test_msms_refuses_out_of_range_items(column, value):
    with pytest.raises(ValueError, match=column):
        scores.msms(frame(item_row(**{column: value})))


def test_msms_refuses_text_that_is_not_a_number():
    with pytest.raises(ValueError, match="haemoglobin_g_dl"):
        scores.msms(frame(item_row(haemoglobin_g_dl="low")))


def test_msms_stays_in_0_10_and_does_not_change_its_input():
    v = frame(item_row(max_temperature_c=42.0, rash=True, generalised_lymphadenopathy=True, hepatosplenomegaly=True,
                       serositis=True, haemoglobin_g_dl=5.0, platelets_10e9_l=900.0, ferritin_ng_ml=9000.0))
    before = v.copy(deep=True)
    assert scores.msms(v).iloc[0] == scores.SYSTEMIC_SCORE_MAX == 10
    pd.testing.assert_frame_equal(v, before)


# --- one implementation -----------------------------------------------------------

def test_sjadas27_is_computed_only_in_scores_py():
    """The reconstruction script and the simulator call scores.py rather than adding up the components again."""
    from pathlib import Path

    root = Path(__file__).parents[1]
    for path in [root / "scripts" / "reconstruct.py", *sorted((root / "sjia_explore").rglob("*.py"))]:
        if path.name == "scores.py":
            continue
        text = path.read_text(encoding="utf-8")
        code = text.replace("ESR - 20", "")  # the formula may be quoted in words (upper case) in a docstring
        assert "(esr - 20" not in code.lower() and "(esr-20" not in code.lower(), f"{path.name} normalises ESR itself"
    from sjia_explore.simulate import registry

    v = registry(50, seed=4).visits
    np.testing.assert_allclose(v["sjadas27"].astype(float), sjadas27(v).round(1), atol=1e-9)
