"""The outcome sections of the app (disease activity, biomarkers, each patient, the continuous window), driven
through the public Session and checked against independent computations (hand-worked states and Wallace items,
scipy's exact intervals, numpy percentiles)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sjia_explore import load_cohort
from sjia_explore.app import Session, ViewState


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


@pytest.fixture(scope="module")
def session(cohort):
    return Session(cohort)


def groups_of(cohort, cut=12):
    f = cohort.patient_features(cut)
    return dict(zip(f["patient_id"], f["duration_group"].astype(str)))


def layer(spec, name):
    """The layer called ``name`` anywhere in a (composed) spec."""
    if isinstance(spec, dict):
        if spec.get("name") == name:
            return spec
        children = [v for k, v in spec.items() if k in ("layer", "vconcat", "hconcat", "concat")]
    else:
        children = [spec]
    for child in children:
        for item in child if isinstance(child, list) else [child]:
            found = layer(item, name)
            if found is not None:
                return found
    return None


def hand_sjadas10(v: pd.DataFrame) -> pd.Series:
    esr = ((v["esr_mm_h"] - 20) / 10).clip(0, 10)
    return v["physician_global"] + v["parent_global"] + v["active_joints"].clip(upper=10) + esr + v["systemic_score"]


def hand_state(x: float) -> str | None:
    if pd.isna(x):
        return None
    x = round(x, 6)
    return "inactive" if x <= 2.9 else "minimal" if x <= 10 else "moderate" if x <= 20.6 else "high"


def exact(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low, ci.high


# -- disease activity ------------------------------------------------------------------------------------------
def test_activity_states_per_group_and_visit_match_a_hand_count(session, cohort):
    model = session.update(ViewState(section="activity")).sections["activity"]
    v = cohort.visits.copy()
    v["state"] = hand_sjadas10(v).map(hand_state)
    v["group"] = v["patient_id"].map(groups_of(cohort))
    scored = v.dropna(subset=["state"])
    states = model.states.assign(state=model.states["state"].astype(str))
    checked = 0
    for (group, week), at in scored.groupby(["group", "week"]):
        for state in ("inactive", "minimal", "moderate", "high"):
            row = states[(states["group"] == group) & (states["week"] == week) & (states["state"] == state)].iloc[0]
            k, n = int((at["state"] == state).sum()), len(at)
            assert (row["n"], row["n_total"]) == (k, n)
            assert (row["ci_low"], row["ci_high"]) == pytest.approx(exact(k, n))
            checked += 1
    assert checked == 2 * 5 * 4
    assert "computed from its components" in model.score_note and "reconstructed" in model.score_note
    # n on each bar: one label per group and visit, saying how many patients had a score
    labels = layer(model.spec, "activity_n")["data"]["values"]
    expected = scored.groupby(["group", "week"]).size()
    assert {(d["group"], d["week"]): d["n_text"] for d in labels} == {
        (g, w): f"n = {n}" for (g, w), n in expected.items()}


def hand_inactive(v: pd.DataFrame) -> pd.Series:
    """Wallace 2004 from the items the bundled visits hold: True / False / None (unknown)."""
    out = []
    for r in v.to_dict("records"):
        esr, crp = r["esr_mm_h"], r["crp_mg_l"]
        lab = None
        if not pd.isna(esr) and not pd.isna(crp):
            lab = esr <= 20 and crp <= 10
        elif not pd.isna(esr):
            lab = esr <= 20
        elif not pd.isna(crp):
            lab = crp <= 10
        items = [None if pd.isna(r["active_joints"]) else r["active_joints"] == 0,
                 None if pd.isna(r["fever"]) else not r["fever"], None if pd.isna(r["rash"]) else not r["rash"], lab,
                 None if pd.isna(r["physician_global"]) else r["physician_global"] == 0]
        out.append(False if any(i is False for i in items) else None if any(i is None for i in items) else True)
    return pd.Series(out, index=v.index, dtype=object)


def test_inactive_disease_per_visit_matches_the_wallace_items_worked_by_hand(session, cohort):
    model = session.update(ViewState(section="activity")).sections["activity"]
    v = cohort.visits.copy()
    v["inactive"] = hand_inactive(v)
    v["group"] = v["patient_id"].map(groups_of(cohort))
    for (group, week), at in v.groupby(["group", "week"]):
        known = at.dropna(subset=["inactive"])
        k, n = int(known["inactive"].astype(bool).sum()), len(known)
        row = model.inactive[(model.inactive["group"] == group) & (model.inactive["week"] == week)].iloc[0]
        assert (row["n_inactive"], row["n"]) == (k, n)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(exact(k, n))
    assert "uveitis not recorded" in model.inactive_note


def test_published_points_are_drawn_labelled_with_their_citation(session):
    from sjia_explore.literature import literature

    model = session.update(ViewState(section="activity")).sections["activity"]
    drawn = layer(model.spec, "published_points")["data"]["values"]
    lit = literature()
    wanted = lit[(lit["matches"] == "inactive_by_week") & lit["time_point_weeks"].notna() & lit["proportion"].notna()]
    in_range = wanted[wanted["time_point_weeks"] <= 24 + 2.4]  # the last visit is week 24; the axis ends 10% later
    assert len(drawn) == len(in_range) > 0
    pardeo = next(d for d in drawn if d["study"].startswith("Pardeo") and d["numerator"] == 14)
    assert pardeo["proportion"] == pytest.approx(14 / 25)
    assert (pardeo["ci_low"], pardeo["ci_high"]) == pytest.approx(exact(14, 25))
    assert pardeo["kind"] == "published, different population and definitions"
    tooltip = {t["field"] for t in layer(model.spec, "published_points")["encoding"]["tooltip"]}
    assert {"label", "doi_or_url", "kind"} <= tooltip
    assert model.literature is not None and len(model.literature) == len(lit)


def test_activity_says_why_when_the_score_cannot_be_made(cohort):
    bare = replace(cohort, visits=cohort.visits.drop(columns=["systemic_score", "sjadas27", "physician_global",
                                                             "active_joints", "fever", "rash", "esr_mm_h",
                                                             "crp_mg_l"]))
    model = Session(bare).update(ViewState(section="activity")).sections["activity"]
    assert model.spec is None
    assert model.message.startswith("Nothing to draw") and "sjadas10" in model.message


def test_literature_links_are_escaped_and_only_http(session):
    from sjia_explore.app.views.outcomes import literature_html, safe_link

    assert safe_link("javascript:alert(1)") == "javascript:alert(1)"
    assert "<a" not in safe_link("data:text/html,<b>x</b>") and "&lt;b&gt;" in safe_link("data:text/html,<b>x</b>")
    hostile = pd.DataFrame([{"study": "<script>x</script>", "doi_or_url": 'https://e.org/"onmouseover=1',
                             "proportion": 0.5}])
    html = literature_html(hostile)
    assert "<script>" not in html and 'href="https://e.org/&quot;onmouseover=1"' in html
    model = session.update(ViewState(section="activity")).sections["activity"]
    html = literature_html(model.literature)
    assert html.count("<a href=\"https://") + html.count("<a href=\"http://") == len(model.literature)


def test_activity_downloads_carry_the_numbers(session):
    session.update(ViewState(section="activity"))
    name, mime, data = session.download("activity_csv")
    assert name.endswith(".csv") and b"inactive_disease" in data and b"activity_state" in data
    _, _, lit = session.download("literature_csv")
    assert b"vastert2014" in lit


# -- biomarkers ---------------------------------------------------------------------------------------------
def test_biomarker_medians_iqr_and_n_match_numpy(session, cohort):
    model = session.update(ViewState(section="biomarkers")).sections["biomarkers"]
    v = cohort.visits.assign(group=cohort.visits["patient_id"].map(groups_of(cohort)))
    medians = {(d["group"], d["week"]): d for d in layer(model.spec, "biomarker_crp_mg_l_median")["data"]["values"]}
    checked = 0
    for column in ("esr_mm_h", "crp_mg_l", "ferritin_ng_ml", "il18_pg_ml", "mrp8_14_ng_ml"):
        drawn = {(d["group"], d["week"]): d for d in layer(model.spec, f"biomarker_{column}_median")["data"]["values"]}
        for (group, week), at in v.groupby(["group", "week"]):
            values = at[column].dropna().to_numpy(dtype=float)
            if not len(values):
                assert (group, week) not in drawn
                continue
            d = drawn[(group, week)]
            assert d["n"] == len(values) and d["n_text"] == str(len(values))
            assert (d["q1"], d["median"], d["q3"]) == pytest.approx(tuple(np.percentile(values, [25, 50, 75])))
            checked += 1
    assert checked > 30 and medians
    crp_ref = layer(model.spec, "biomarker_crp_mg_l_reference")["data"]["values"][0]
    assert crp_ref["reference_value"] == 10.0
    crp_y = layer(model.spec, "biomarker_crp_mg_l_median")["encoding"]["y"]
    esr_y = layer(model.spec, "biomarker_esr_mm_h_median")["encoding"]["y"]
    assert crp_y["scale"] == {"type": "log"} and esr_y["scale"] != {"type": "log"}


def test_markers_a_study_lacks_say_not_measured(session, cohort):
    model = session.update(ViewState(section="biomarkers")).sections["biomarkers"]
    lacking = {(m, s) for s in cohort.patients["study"].unique() for m, col in (("IL-18", "il18_pg_ml"),
                                                                                ("MRP8/14", "mrp8_14_ng_ml"))
               if cohort.visits.loc[cohort.visits["patient_id"].isin(
                   cohort.patients.loc[cohort.patients["study"] == s, "patient_id"]), col].isna().all()}
    assert {(m, s.lower().replace(" ", "")) for m, s in model.not_measured} == lacking == {
        ("IL-18", "qiu2024"), ("MRP8/14", "qiu2024")}
    from sjia_explore.app.views.outcomes import biomarkers_html

    assert "IL-18, MRP8/14: not measured in this study (Qiu 2024)" in biomarkers_html(model)
    only_qiu = session.update(ViewState(section="biomarkers", study="qiu2024")).sections["biomarkers"]
    assert layer(only_qiu.spec, "biomarker_il18_pg_ml_median") is None


def test_biomarkers_say_why_when_none_was_measured(cohort):
    bare = replace(cohort, visits=cohort.visits.drop(columns=["esr_mm_h", "crp_mg_l", "ferritin_ng_ml",
                                                             "il18_pg_ml", "mrp8_14_ng_ml"]))
    model = Session(bare).update(ViewState(section="biomarkers")).sections["biomarkers"]
    assert model.spec is None and "not measured" in model.message


def test_biomarker_download_has_the_not_measured_rows(session):
    session.update(ViewState(section="biomarkers"))
    _, _, data = session.download("biomarkers_csv")
    assert b"il18_pg_ml" in data and b"reference_value" in data


# -- window of opportunity, continuous -------------------------------------------------------------------------
def test_each_patient_is_a_point_and_the_smoother_is_lowess_on_log_months(session, cohort):
    from statsmodels.nonparametric.smoothers_lowess import lowess

    model = session.update(ViewState(section="window", window_outcome="active_joints", window_week=24,
                                     early_cutoff_months=6)).sections["window"]
    v = cohort.visits.set_index(["patient_id", "week"])["active_joints"]
    months = cohort.patients.set_index("patient_id")["months_onset_to_treatment"]
    expected = {}
    for pid in cohort.patients["patient_id"]:
        if (pid, 24) in v.index and (pid, 0) in v.index and pd.notna(v[(pid, 24)]) and pd.notna(v[(pid, 0)]) \
                and pd.notna(months[pid]):
            expected[pid] = (float(months[pid]), float(v[(pid, 24)] - v[(pid, 0)]))
    drawn = {d["patient_id"]: (d["months_onset_to_treatment"], d["y"])
             for d in layer(model.continuous_spec, "window_points")["data"]["values"]}
    assert drawn.keys() == expected.keys()
    for pid, (m, change) in expected.items():
        assert drawn[pid] == pytest.approx((m, change))
    x = np.log10([m for m, _ in expected.values()])
    y = np.array([d for _, d in expected.values()])
    curve = layer(model.continuous_spec, "window_smoother")["data"]["values"]
    grid = np.log10([c["months"] for c in curve])
    assert [c["fit"] for c in curve] == pytest.approx(lowess(y, x, frac=2 / 3, it=0, xvals=grid))
    rules = {r["months"] for r in layer(model.continuous_spec, "window_cutoffs")["data"]["values"]}
    assert rules == {6.0, 3.0}
    from sjia_explore.app.views.sections import window_continuous_html

    words = window_continuous_html(model)
    assert f"{len(expected)} patients" in words and "not an effect" in words


def test_too_few_patients_get_points_but_no_smoother_and_say_why(session):
    model = session.update(ViewState(section="window", study="vastert2011")).sections["window"]
    assert layer(model.continuous_spec, "window_points") is not None
    assert layer(model.continuous_spec, "window_smoother") is None
    assert "at least 10 needed" in str(model.continuous_spec["title"]["subtitle"])


def test_window_points_download(session):
    session.update(ViewState(section="window"))
    _, _, data = session.download("windowpoints_csv")
    assert b"months_onset_to_treatment" in data and b"not an effect" in data


# -- each patient ----------------------------------------------------------------------------------------------
def test_each_patient_is_a_row_ordered_by_time_to_treatment_with_states_and_events(session, cohort):
    model = session.update(ViewState(section="patients")).sections["patients"]
    p = cohort.patients.sort_values(["months_onset_to_treatment", "patient_id"])
    order = [f"{pid} ({m:.1f} mo)" for pid, m in zip(p["patient_id"], p["months_onset_to_treatment"])]
    visits_layer = layer(model.spec, "patients_visits")
    assert visits_layer["encoding"]["y"]["sort"] == order and model.n_patients == len(p)
    v = cohort.visits.assign(state=hand_sjadas10(cohort.visits).map(hand_state))
    expected = {(r["patient_id"], float(r["week"])): r["state"] or "not computed" for r in v.to_dict("records")}
    drawn = {(d["patient_id"], float(d["week"])): d["state"] for d in visits_layer["data"]["values"]}
    assert drawn == expected
    assert {d["provenance"] for d in visits_layer["data"]["values"]} == {"reconstructed"}
    events = layer(model.spec, "patients_events")["data"]["values"]
    assert len(events) == int(cohort.adverse_events["week"].notna().sum())
    assert all(e["provenance"] == "reconstructed" for e in events)
    assert "n = 16" in model.spec["title"]["subtitle"][0]


def test_each_patient_says_why_when_there_are_no_visits(cohort):
    bare = replace(cohort, visits=cohort.visits.iloc[0:0])
    model = Session(bare).update(ViewState(section="patients")).sections["patients"]
    assert model.spec is None and model.message.startswith("Nothing to draw")


@pytest.mark.parametrize("name", ["activity", "biomarkers", "patients"])
def test_new_sections_reach_the_address_json_and_python(name, cohort):
    state = ViewState(section=name)
    assert f"section={name}" in state.to_query()
    again, ignored = ViewState.from_query(state.to_query(), studies=("qiu2024", "vastert2011"), drugs=())
    assert again == state and not ignored
    assert ViewState.from_dict(json.loads(state.to_json())) == state
    assert repr(name) in state.to_python("load_cohort()", (0, 4, 8, 12, 24))


@pytest.mark.parametrize("score, bounds", [("jadas27", (1.0, 3.8, 8.5)), ("cjadas27", (2.5, 5.0, 16.0))])
def test_another_score_uses_its_own_published_cutoffs_and_says_where_they_come_from(session, cohort, score, bounds):
    model = session.update(ViewState(section="activity", activity_score=score)).sections["activity"]
    assert model.score == score and "extrapolated: " in model.score_note
    jadas = (cohort.visits["physician_global"] + cohort.visits["parent_global"] + cohort.visits["active_joints"]
             + ((cohort.visits["esr_mm_h"] - 20) / 10).clip(0, 10))
    if score == "cjadas27":
        jadas = jadas - ((cohort.visits["esr_mm_h"] - 20) / 10).clip(0, 10)
    low, mid, high = bounds
    state = jadas.round(6).map(lambda x: None if pd.isna(x) else "inactive" if x <= low else "minimal" if x <= mid
                               else "moderate" if x <= high else "high")
    at24 = state[cohort.visits["week"] == 24].dropna()
    rows = model.states[model.states["week"] == 24].assign(state=lambda d: d["state"].astype(str))
    assert rows.groupby("state")["n"].sum().to_dict() == {s: int((at24 == s).sum())
                                                          for s in ("inactive", "minimal", "moderate", "high")}
    assert f"activity_score={score}" in ViewState(section="activity", activity_score=score).to_query()


def test_the_score_dropdown_drives_the_activity_section():
    from sjia_explore.app import CohortExplorer

    app = CohortExplorer(load_cohort())
    app.update(ViewState(section="activity"))
    app.outcomes.activity.score.value = "jadas27"
    assert app.state.activity_score == "jadas27"
    assert app.session.model.sections["activity"].score == "jadas27"
    assert "JADAS27" in app.outcomes.activity.intro.value
    app.apply_query("section=activity&activity_score=cjadas27")
    assert app.outcomes.activity.score.value == "cjadas27"


def test_an_address_with_a_score_choice_is_understood_without_a_notice(cohort):
    from sjia_explore.app import CohortExplorer

    explorer = CohortExplorer(cohort, query="section=activity&activity_score=jadas27")
    assert explorer.state.section == "activity" and explorer.state.activity_score == "jadas27"
    assert explorer.messages.notice.layout.display == "none"


# -- the published figures' file ------------------------------------------------------------------------------
def _stamp_and_rows(data: bytes):
    import io

    text = data.decode("utf-8-sig")
    stamp = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    rows = pd.read_csv(io.StringIO(text), comment=None, skiprows=len(stamp), keep_default_na=False)
    return stamp, rows


def test_published_figures_file_says_what_its_rows_are_and_which_cohort_they_sat_beside(session, cohort):
    import csv
    import hashlib
    from pathlib import Path

    session.update(ViewState())  # a view shown (the module's session may be fresh when this test runs alone)
    _, _, data = session.download("literature_csv")
    stamp, rows = _stamp_and_rows(data)
    source = Path(__file__).parents[1] / "data" / "literature.csv"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    assert stamp[0] == f"Data: published figures of other studies, literature.csv (SHA-256 {digest})"
    assert "Reconstructed data — not observations" not in stamp  # the rows are published, not reconstructed
    assert stamp[1].startswith("Subgroup: not applicable")
    beside = next(line for line in stamp if line.startswith("Shown beside the cohort: "))
    assert cohort.source in beside and cohort.sha256[:12] in beside and f"{cohort.n_patients} patients" in beside
    assert beside.endswith("reconstructed follow-up (not observations)")
    with source.open(encoding="utf-8", newline="") as f:
        printed = list(csv.DictReader(f))
    assert rows["study_id"].tolist() == [r["study_id"] for r in printed]
    assert rows["study"].tolist() == [r["study"] for r in printed]
    assert rows["provenance"].str.startswith("published: as printed in the study named in this row").all()
    studies = next(line for line in stamp if line.startswith("Studies: "))
    for r in printed:
        assert f"{r['study_id']} = {r['study']}" in studies


def test_published_figures_beside_an_observed_upload_say_observed():
    from sjia_explore.data import load_cohort_from_bytes

    mine = load_cohort_from_bytes(b"patient_id,study,months_onset_to_treatment,prior_mas,week,active_joints\n"
                                  b"P1,mine,3,yes,0,2\nP2,mine,30,no,0,4\nP3,mine,8,no,0,1\n", "mine.csv")
    shown = Session(mine)
    shown.update(ViewState(section="activity"))
    _, _, data = shown.download("literature_csv")
    stamp, rows = _stamp_and_rows(data)
    beside = next(line for line in stamp if line.startswith("Shown beside the cohort: "))
    assert beside.startswith("Shown beside the cohort: mine.csv") and "3 patients" in beside
    assert beside.endswith("observed values")
    assert len(rows) > 0 and "Reconstructed data — not observations" not in stamp


def test_two_groups_at_one_visit_are_drawn_apart_with_their_n_in_rows_under_the_axis():
    """Early and late at weeks 0, 4 and 12 used to overprint (Vega drops an xOffset on a quantitative axis): the
    points are now a little apart, at the same visit, and each group's n is in its own row under the axis."""
    from sjia_explore.plots import inactive_spec

    inactive = pd.DataFrame({"group": ["early", "early", "late", "late"], "week": [0, 12, 0, 12],
                             "n_inactive": [0, 2, 0, 5], "n": [7, 7, 9, 9], "proportion": [0, 2 / 7, 0, 5 / 9],
                             "ci_low": [0.0] * 4, "ci_high": [0.4, 0.7, 0.3, 0.86]})
    spec = inactive_spec(inactive, ["early", "late"])
    line = layer(spec, "inactive_line")
    assert line["encoding"]["x"]["field"] == "week_drawn" and "xOffset" not in json.dumps(spec)
    drawn = {(r["group"], r["week"]): r["week_drawn"] for r in line["data"]["values"]}
    start, end = line["encoding"]["x"]["scale"]["domain"]
    for week in (0, 12):
        early, late = drawn["early", week], drawn["late", week]
        assert early < week < late and late - early == pytest.approx(0.022 * (end - start))  # around the visit
    rows = [layer(spec, f"inactive_n{i}") for i in range(2)]
    assert [r["encoding"]["y"]["value"] for r in rows] == [200 + 25, 200 + 25 + 13]
    assert [r["transform"][0]["filter"]["equal"] for r in rows] == ["early", "late"]
    assert rows[0]["encoding"]["x"]["field"] == "week"  # the n sits under its visit, not under a dodged point
    assert line["encoding"]["x"]["axis"]["titlePadding"] == 7 + 2 * 13  # the axis title under both rows


def test_inactive_chart_keeps_the_visits_legible_and_names_the_later_published_figures():
    from sjia_explore.plots import inactive_spec

    inactive = pd.DataFrame({"group": ["all patients"] * 3, "week": [0, 12, 24], "n_inactive": [0, 3, 8],
                             "n": [11, 11, 11], "proportion": [0, 3 / 11, 8 / 11], "ci_low": [0.0, 0.06, 0.39],
                             "ci_high": [0.28, 0.61, 0.94]})
    refs = pd.DataFrame({"study": ["A", "B", "C", "D"], "label": list("abcd"), "outcome_definition": ["x"] * 4,
                         "time_point": ["1 month", "6 months", "1 year", "5 years"],
                         "time_point_weeks": [4.35, 26.09, 52.18, 260.89], "numerator": [pd.NA] * 4,
                         "denominator": [pd.NA] * 4, "proportion": [0.3, 0.56, 0.76, 0.96], "ci_low": [np.nan] * 4,
                         "ci_high": [np.nan] * 4, "doi_or_url": ["https://e.org"] * 4, "note": ["n"] * 4})
    spec = inactive_spec(inactive, ["all patients"], refs)
    for name in ("inactive_line", "inactive_ci", "inactive_n0", "published_points", "published_ci"):
        assert layer(spec, name)["encoding"]["x"]["scale"] == {"domain": [0.0, 26.4], "nice": False}, name
    drawn = layer(spec, "published_points")["data"]["values"]
    assert [d["study"] for d in drawn] == ["A", "B"]  # 1 and 6 months sit beside weeks 0-24; 1 and 5 years do not
    assert "2 published figures at later time points (up to 5 years) not drawn" in " ".join(spec["title"]["subtitle"])

    # a registry followed for two years: the axis follows it, and the 1-year figure comes back
    long = inactive.assign(week=[0, 52, 104])
    spec = inactive_spec(long, ["all patients"], refs)
    assert layer(spec, "inactive_line")["encoding"]["x"]["scale"]["domain"] == [0.0, pytest.approx(114.4)]
    assert [d["study"] for d in layer(spec, "published_points")["data"]["values"]] == ["A", "B", "C"]
    assert "1 published figure at later time points (up to 5 years)" in " ".join(spec["title"]["subtitle"])

    # nothing beyond the visits: no line about it
    spec = inactive_spec(inactive, ["all patients"], refs.iloc[:2])
    assert not any("not drawn" in line for line in spec["title"]["subtitle"])


def test_a_group_keeps_its_colour_in_the_outcome_charts_when_a_filter_leaves_the_other_out():
    """The bundled men were all treated late: their late group is drawn in the late colour (it used to take
    the first colour, the early group's), in the inactive-disease and the biomarker charts."""
    from sjia_explore.plots import group_colours

    late = "late (≥ 12 mo)"
    expected = group_colours(["early (< 12 mo)", late])[late]
    session = Session(load_cohort())

    def colours(spec) -> dict[str, str]:
        found = {}

        def walk(node):
            if isinstance(node, dict):
                scale = node.get("scale") if node.get("field") == "group" else None
                if isinstance(scale, dict) and "domain" in scale:
                    found.update(zip(scale["domain"], scale["range"]))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(spec)
        return found

    for section in ("activity", "biomarkers"):
        model = session.update(ViewState(section=section, sex="M")).sections[section]
        assert colours(model.spec) == {late: expected}, section
