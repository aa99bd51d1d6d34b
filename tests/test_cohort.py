"""Subgroups of the bundled cohort, checked against the printed Tables 1–2 of Qiu 2024 (case numbers from the paper)."""

import pandas as pd
import pytest

from sjia_explore import Subgroup, load_cohort


def cases(*numbers: int) -> set[str]:
    return {f"Q{n:02d}" for n in numbers}


VASTERT = {f"V{n:02d}" for n in range(1, 6)}


def ids(c) -> set[str]:
    return set(c.patients["patient_id"])


def test_bundled_cohort_holds_both_studies(cohort):
    assert ids(cohort) == cases(*range(1, 12)) | VASTERT
    assert cohort.studies == ["qiu2024", "vastert2011"]


@pytest.mark.parametrize(("criteria", "expected"), [
    ({"prior_biologic_any": ("tocilizumab",)}, cases(*range(1, 12))),
    ({"prior_biologic_none": ("tocilizumab",)}, VASTERT),
    ({"prior_biologic_any": ("adalimumab",)}, cases(4, 5, 9, 10, 11)),
    ({"prior_biologic_any": ("etanercept",)}, cases(4, 6, 10)),
    ({"prior_biologic_any": ("adalimumab", "etanercept")}, cases(4, 5, 6, 9, 10, 11)),
    ({"prior_biologic_none": ("adalimumab", "etanercept"), "studies": ("qiu2024",)}, cases(1, 2, 3, 7, 8)),
    ({"duration": "early"}, cases(1, 2) | VASTERT),
    ({"duration": "late"}, cases(3, 4, 5, 6, 7, 8, 9, 10, 11)),
    ({"duration": "early", "early_cutoff_months": 24}, cases(1, 2, 3, 8) | VASTERT),
    ({"duration": "early", "early_cutoff_months": 9}, VASTERT),  # 9 months is not < 9
    ({"duration": "late", "early_cutoff_months": 9}, cases(*range(1, 12))),
    ({"prior_mas": True}, cases(5, 7, 8)),
    ({"prior_mas": False, "studies": ("qiu2024",)}, cases(1, 2, 3, 4, 6, 9, 10, 11)),
    ({"sex": "M"}, cases(3, 4, 6, 10)),
    ({"sex": "F"}, cases(1, 2, 5, 7, 8, 9, 11)),
    ({"baseline_steroid": True}, cases(1, 4, 5, 8)),
    ({"baseline_steroid": False}, cases(2, 3, 6, 7, 9, 10, 11)),
    ({"studies": ("vastert2011",)}, VASTERT),
])
def test_filters_match_the_printed_tables(cohort, criteria, expected):
    assert ids(cohort.filter(**criteria)) == expected


def test_jak_inhibitor_counts_as_prior_advanced_therapy(cohort):
    assert "jaki" in [d.lower() for d in cohort.prior_biologic_options()]
    assert ids(cohort.filter(prior_biologic_any=tuple(d for d in cohort.prior_biologic_options()
                                                      if d.lower() == "jaki"))) == cases(7, 11)


def test_baseline_steroid_from_visits_agrees_with_table_2(cohort):
    t = cohort.treatments
    on = t[(t["period"] == "baseline") & (t["drug_class"] == "corticosteroid") & t["received"]]
    assert set(on["patient_id"]) == ids(cohort.filter(baseline_steroid=True))


def test_filter_keeps_only_the_subgroups_rows_in_every_table(cohort):
    sub = cohort.filter(prior_mas=True)
    for table in ("visits", "treatments", "adverse_events"):
        assert set(getattr(sub, table)["patient_id"]) <= ids(sub)
    assert len(sub.visits) == (cohort.visits["patient_id"].isin(ids(sub))).sum()


def test_an_empty_subgroup_is_a_valid_empty_cohort(cohort):
    empty = cohort.filter(duration="early", prior_mas=True)
    assert empty.n_patients == 0 and empty.visits.empty


def test_filtering_never_changes_the_original(cohort):
    before = {t: getattr(cohort, t).copy() for t in ("patients", "treatments", "visits", "adverse_events")}
    sub = cohort.filter(duration="late", sex="F", prior_biologic_any=("adalimumab",))
    sub.patients.loc[:, "sex"] = "M"
    cohort.patient_features(early_cutoff_months=3)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(getattr(cohort, table), frame)


def test_filters_compose_and_remember_the_subgroup(cohort):
    step = cohort.filter(studies=("qiu2024",)).filter(sex="F")
    assert step.subgroup == Subgroup(studies=("qiu2024",), sex="F")
    assert ids(step) == cases(1, 2, 5, 7, 8, 9, 11)
    assert "female" in step.subgroup.describe()


def test_subgroup_round_trips_through_a_dict():
    sub = Subgroup(prior_biologic_any=("etanercept", "adalimumab"), duration="late", early_cutoff_months=18,
                   prior_mas=False)
    assert Subgroup.from_dict(sub.to_dict()) == sub
    assert sub.prior_biologic_any == ("adalimumab", "etanercept")


@pytest.mark.parametrize("bad", [{"duration": "soon"}, {"early_cutoff_months": 0}, {"sex": "X"}])
def test_invalid_subgroups_are_refused_with_a_message(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        Subgroup(**bad)


def test_unknown_subgroup_keys_are_refused():
    with pytest.raises(ValueError, match="unknown subgroup field"):
        Subgroup.from_dict({"colour": "red"})


def test_duration_groups_are_labelled_with_the_cutoff(cohort):
    feats = cohort.patient_features(early_cutoff_months=18)
    assert set(feats["duration_group"].dropna()) == {"early (< 18 mo)", "late (≥ 18 mo)"}


@pytest.mark.parametrize("criteria", [{"sex": "F"}, {"prior_mas": True}, {"duration": "early"},
                                      {"sex": "M", "baseline_steroid": True}, {"studies": ("simulated",)}])
def test_a_filtered_cohort_keeps_exactly_its_patients_rows_in_every_table(criteria):
    from sjia_explore.simulate import registry

    whole = registry(60, seed=11)
    part = whole.filter(**criteria)
    ids = set(part.patients["patient_id"])
    for table in ("patients", "visits", "treatments", "adverse_events"):
        expected = getattr(whole, table)
        expected = expected[expected["patient_id"].isin(ids)].reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(part, table), expected)
    assert part.filter(**criteria).n_patients == part.n_patients  # filtering again keeps them all


def test_a_misspelt_or_unknown_filter_value_is_an_error_that_lists_the_choices():
    """Silently, "toci" kept everybody as "never had toci", prior_mas="no" nobody as "MAS before"."""
    c = load_cohort()
    for criteria, words in (({"prior_biologic_none": ("toci",)}, "no drug 'toci' in this cohort"),
                            ({"prior_biologic_any": ("abatacept",)}, "adalimumab, etanercept, jaki, tocilizumab"),
                            ({"studies": ("qiu",)}, "the studies of this cohort: qiu2024, vastert2011"),
                            ({"prior_mas": "no"}, "prior_mas must be True, False or None"),
                            ({"baseline_steroid": "False"}, "baseline_steroid must be True, False or None")):
        with pytest.raises(ValueError, match=words):
            c.filter(**criteria)
    # the same names in other capitals are the same drug and study
    assert c.filter(prior_biologic_any=("Tocilizumab",)).n_patients == c.filter(
        prior_biologic_any=("tocilizumab",)).n_patients == 11
    assert c.filter(studies=("QIU2024",)).subgroup.studies == ("qiu2024",)
    # a drug that chose the patients stays a valid filter on them, although none of them had it
    never = c.filter(prior_biologic_none=("tocilizumab",))
    assert "tocilizumab" not in never.prior_biologic_options()
    assert never.filter(sex="M").n_patients == c.filter(prior_biologic_none=("tocilizumab",), sex="M").n_patients


def _registry_with_gaps():
    """A simulated registry where some patients have no sex or MAS recorded (every 7th and every 5th)."""
    from dataclasses import replace

    from sjia_explore.simulate import registry

    whole = registry(60, seed=11)
    patients = whole.patients.copy()
    patients.loc[patients.index % 7 == 0, "sex"] = pd.NA
    patients.loc[patients.index % 5 == 0, "prior_mas"] = pd.NA
    return replace(whole, patients=patients)


def test_each_criterions_mask_is_the_patients_plain_pandas_finds():
    """The reference is worked out from the raw tables, not from the cohort's own derived features."""
    c = _registry_with_gaps()
    p, t, v = c.patients, c.treatments, c.visits
    had_toci = set(t.loc[(t["period"] == "previous") & t["drug"].eq("tocilizumab") & t["received"].eq(True),
                         "patient_id"])
    on_steroid = set(v.loc[v["week"].eq(0) & (v["steroid_mg_kg_day"] > 0), "patient_id"])
    expected = {
        "sex": p["sex"].eq("F").fillna(False),
        "prior_mas": p["prior_mas"].eq(True).fillna(False),
        "prior_biologic_any": p["patient_id"].isin(had_toci),
        "prior_biologic_none": ~p["patient_id"].isin(had_toci),
        "baseline_steroid": p["patient_id"].isin(on_steroid),
        "studies": p["study"].eq("simulated"),
        "duration": p["months_onset_to_treatment"].lt(6).fillna(False),
    }
    for name, reference in expected.items():
        value = {"sex": "F", "prior_mas": True, "prior_biologic_any": ("tocilizumab",),
                 "prior_biologic_none": ("tocilizumab",), "baseline_steroid": True, "studies": ("simulated",),
                 "duration": "early"}[name]
        masks = c.subgroup_masks(Subgroup(early_cutoff_months=6, **{name: value}))
        assert list(masks) == [name]
        assert masks[name].tolist() == reference.astype(bool).tolist(), name
    assert c.subgroup_masks(Subgroup()) == {}  # nothing set: nothing to keep or drop
    assert c.not_recorded("sex").tolist() == p["sex"].isna().tolist()
    assert int(c.not_recorded("prior_mas").sum()) == 12  # rows 0, 5, ..., 55


def test_a_subset_keeps_the_rows_of_the_patients_it_is_given_and_refuses_a_mask_of_another_length():
    c = _registry_with_gaps()
    kept = (c.patients.index % 3 == 0)
    part = c.subset(kept, Subgroup(sex="M"))
    ids = set(c.patients.loc[kept, "patient_id"])
    for table in ("patients", "visits", "treatments", "adverse_events"):
        expected = getattr(c, table)
        pd.testing.assert_frame_equal(getattr(part, table),
                                      expected[expected["patient_id"].isin(ids)].reset_index(drop=True))
    assert part.subgroup == Subgroup(sex="M") and c.subset(kept).subgroup == c.subgroup
    assert part.patient_features(12)["patient_id"].tolist() == c.patients.loc[kept, "patient_id"].tolist()
    with pytest.raises(ValueError, match="one True or False per patient row"):
        c.subset(kept[:-1])


def test_the_apps_funnel_counts_each_filter_in_the_order_shown_with_those_it_left_out_for_no_value():
    """Counted by hand, one filter after the other, from the raw tables."""
    from sjia_explore.app.compute.context import select

    c = _registry_with_gaps()
    p, t, v = c.patients, c.treatments, c.visits
    had = set(t.loc[(t["period"] == "previous") & t["drug"].isin(["tocilizumab", "etanercept"])
                    & t["received"].eq(True), "patient_id"])
    on_steroid = set(v.loc[v["week"].eq(0) & (v["steroid_mg_kg_day"] > 0), "patient_id"])
    no_steroid_value = set(p["patient_id"]) - set(v.loc[v["week"].eq(0) & v["steroid_mg_kg_day"].notna(),
                                                        "patient_id"])
    rows = p.assign(had=p["patient_id"].isin(had), on=p["patient_id"].isin(on_steroid))
    expected = {"study": len(rows)}
    rows = rows[rows["had"]]
    expected["had_any"] = expected["had_none"] = len(rows)
    expected["prior_mas_unknown"] = int(rows["prior_mas"].isna().sum())
    rows = rows[rows["prior_mas"].eq(False).fillna(False)]
    expected["prior_mas"] = len(rows)
    expected["sex_unknown"] = int(rows["sex"].isna().sum())
    rows = rows[rows["sex"].eq("F").fillna(False)]
    expected["sex"] = len(rows)
    expected["steroid_unknown"] = int(rows["patient_id"].isin(no_steroid_value).sum())
    rows = rows[rows["on"]]
    expected["steroid"] = len(rows)
    selected, funnel = select(c, Subgroup(prior_biologic_any=("tocilizumab", "etanercept"), prior_mas=False,
                                          sex="F", baseline_steroid=True))
    assert funnel == expected
    assert expected["prior_mas_unknown"] > 0 and expected["sex_unknown"] > 0 and expected["steroid"] > 0
    assert sorted(selected.patients["patient_id"]) == sorted(rows["patient_id"])
    assert select(c, Subgroup())[0] is c  # no filter: the cohort itself


def test_a_filter_on_a_column_the_file_does_not_have_keeps_nobody_and_the_app_says_why():
    """A clinic file with no MAS column: "MAS before" used to end in "Something went wrong … KeyError"."""
    from dataclasses import replace

    from sjia_explore import CohortExplorer
    from sjia_explore.data import load_cohort_from_bytes

    content = (b"patient_id,study,sex,months_onset_to_treatment,week,active_joints\n"
               b"P1,clinic,F,3,0,4\nP1,clinic,F,3,4,1\nP2,clinic,M,20,0,6\nP2,clinic,M,20,4,2\n")
    clinic = load_cohort_from_bytes(content, "clinic.csv")
    assert "prior_mas" not in clinic.patients.columns  # the premise
    assert clinic.filter(prior_mas=True).n_patients == clinic.filter(prior_mas=False).n_patients == 0
    assert clinic.not_recorded("prior_mas").tolist() == [True, True]
    app = CohortExplorer(load_cohort())
    assert app.load_file(content, "clinic.csv")
    assert app.update(replace(app.state, prior_mas=True))
    assert app.messages.error.value == ""
    assert app.sidebar.n_labels["prior_mas"].value == (
        "→ no patients left (2 with MAS before week 0 not recorded left out)")
