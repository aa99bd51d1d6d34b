"""The outcome sections in a real browser: disease activity with the published evidence, biomarkers, the
window of opportunity without a cut-off, and each patient; then the same sections on an uploaded registry.

Expected numbers come from the package's own outcome functions (themselves tested against independent
computations in tests/test_app_outcomes.py) and are compared with what the page draws, read back from the SVG.
One page serves the whole module; each test leaves the page at the default selection.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from page_actions import open_app, open_section, upload
from playwright.sync_api import expect

from sjia_explore import load_cohort, outcomes
from sjia_explore.literature import literature

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


@pytest.fixture(scope="module")
def app(app_server, new_page, timing):
    watched = new_page()
    open_app(watched, app_server.url, timing=timing, timing_name="first_chart_outcomes_s")
    return watched


def texts(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")


def test_disease_activity_draws_states_n_inactive_and_published_points(app, cohort):
    page = app.page
    open_section(page, "Disease activity")
    expect(page).to_have_url(re.compile(r"[?&]section=activity(&|$)"))
    features = cohort.patient_features(12)
    by = dict(zip(features["patient_id"], features["duration_group"].astype(str)))
    states = outcomes.activity_states(cohort.visits, "sjadas10", by=by)
    shown = states[states["n_total"] > 0]
    bars = page.locator(".sjia-activity-chart svg .activity_bars_marks path")
    expect(bars).to_have_count(len(shown))  # zero-height bars included: one per group, visit and state
    n_labels = sorted(texts(page, ".sjia-activity-chart svg .activity_n_marks text"))
    assert n_labels == sorted(f"n = {n}" for n in shown.drop_duplicates(["group", "week"])["n_total"])
    inactive = outcomes.inactive_by_week(cohort.visits, by=by)
    expect(page.locator(".sjia-activity-chart svg .inactive_line_marks path")).to_have_count(
        inactive["group"].nunique())
    lit = literature()
    last = float(inactive.loc[inactive["n"] > 0, "week"].max())
    published = lit[(lit["matches"] == "inactive_by_week") & lit["time_point_weeks"].notna()
                    & (lit["time_point_weeks"] <= last * 1.1 + 1e-9)]  # the week axis ends 10% after the last visit
    points = page.locator(".sjia-activity-chart svg .published_points_marks path")
    expect(points).to_have_count(len(published))
    label = points.first.get_attribute("aria-label")
    assert "published, different population and definitions" in label and "Study:" in label
    later = len(lit[(lit["matches"] == "inactive_by_week") & lit["time_point_weeks"].notna()]) - len(published)
    expect(page.locator(".sjia-activity-chart svg")).to_contain_text(
        f"{later} published figures at later time points")
    intro = page.locator(".sjia-activity-intro")
    expect(intro).to_contain_text("computed from components")
    expect(intro).to_contain_text("uveitis not recorded")
    table = page.locator(".sjia-activity-extra .sjia-literature-table tbody tr")
    expect(table).to_have_count(len(lit))
    hrefs = page.locator(".sjia-activity-extra a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == len(lit) and all(h.startswith(("https://", "http://")) for h in hrefs)
    jadas = outcomes.activity_states(cohort.visits, "jadas27", by=by)
    page.locator(".sjia-activity-score select").select_option(label="JADAS27 (cut-offs made for polyarticular JIA)")
    expect(page).to_have_url(re.compile(r"[?&]activity_score=jadas27(&|$)"))
    expect(intro).to_contain_text("JADAS27")
    expect(bars).to_have_count(int((jadas["n_total"] > 0).sum()))
    page.locator(".sjia-activity-score select").select_option(label="sJADAS10")
    expect(page).not_to_have_url(re.compile(r"activity_score="))


def test_biomarkers_draw_each_marker_with_n_and_say_what_a_study_did_not_measure(app, cohort):
    page = app.page
    open_section(page, "Biomarkers")
    expect(page).to_have_url(re.compile(r"[?&]section=biomarkers(&|$)"))
    chart = ".sjia-biomarkers-chart svg"
    for column in ("esr_mm_h", "crp_mg_l", "ferritin_ng_ml", "il18_pg_ml", "mrp8_14_ng_ml"):
        expect(page.locator(f"{chart} .biomarker_{column}_median_marks path").first).to_be_visible()
    expect(page.locator(f"{chart} .biomarker_crp_mg_l_reference_marks line")).to_have_count(1)
    features = cohort.patient_features(12)
    v = cohort.visits.assign(group=cohort.visits["patient_id"].map(
        dict(zip(features["patient_id"], features["duration_group"].astype(str)))))
    counts = v.dropna(subset=["crp_mg_l"]).groupby(["group", "week"]).size()
    assert sorted(texts(page, f"{chart} .biomarker_crp_mg_l_n_marks text")) == sorted(str(n) for n in counts)
    expect(page.locator(".sjia-biomarkers-intro")).to_contain_text(
        "IL-18, MRP8/14: not measured in this study (Qiu 2024)")
    page.locator(".sjia-study select").select_option(label="Qiu 2024")
    expect(page.locator(f"{chart} .biomarker_il18_pg_ml_median_marks path")).to_have_count(0)
    expect(page.locator(f"{chart} .biomarker_esr_mm_h_median_marks path").first).to_be_visible()
    page.locator(".sjia-study select").select_option(label="All studies")
    expect(page.locator(f"{chart} .biomarker_il18_pg_ml_median_marks path").first).to_be_visible()


def test_window_without_a_cutoff_draws_each_patient_and_says_it_is_an_association(app, cohort):
    page = app.page
    open_section(page, "Window of opportunity")
    chart = ".sjia-window-continuous-chart svg"
    v = cohort.visits.set_index(["patient_id", "week"])["sjadas27"]
    n = sum(1 for pid in cohort.patients["patient_id"]
            if (pid, 0) in v.index and (pid, 24) in v.index and v[(pid, 0)] == v[(pid, 0)]
            and v[(pid, 24)] == v[(pid, 24)])
    expect(page.locator(f"{chart} .window_points_marks path")).to_have_count(n)
    expect(page.locator(f"{chart} .window_smoother_marks path")).to_have_count(1)
    expect(page.locator(f"{chart} .window_cutoffs_marks line")).to_have_count(2)
    expect(page.locator(".sjia-window-continuous-text")).to_contain_text(f"{n} patients")
    expect(page.locator(".sjia-window-continuous-text")).to_contain_text("not an effect")
    page.locator(".sjia-study select").select_option(label="Vastert 2011")
    expect(page.locator(f"{chart} .window_smoother_marks path")).to_have_count(0)
    expect(page.locator(".sjia-window-continuous-chart")).to_contain_text("at least 10 needed")
    page.locator(".sjia-study select").select_option(label="All studies")
    expect(page.locator(f"{chart} .window_smoother_marks path")).to_have_count(1)


def test_each_patient_draws_one_row_per_child_with_visits_and_events(app, cohort):
    page = app.page
    open_section(page, "Each patient")
    expect(page).to_have_url(re.compile(r"[?&]section=patients(&|$)"))
    chart = ".sjia-patients-chart svg"
    expect(page.locator(f"{chart} .patients_visits_marks path")).to_have_count(len(cohort.visits))
    expect(page.locator(f"{chart} .patients_events_marks path")).to_have_count(
        int(cohort.adverse_events["week"].notna().sum()))
    label = page.locator(f"{chart} .patients_visits_marks path").first.get_attribute("aria-label")
    assert "Data: reconstructed" in label
    expect(page.locator(".sjia-patients-chart")).to_contain_text(f"n = {cohort.n_patients}")
    open_section(page, "Trajectories")


@pytest.fixture(scope="module")
def registry_upload(tmp_path_factory):
    """A simulated 40-patient registry as a clinic would upload it, without two markers it did not measure."""
    from sjia_explore.data import load_cohort_from_bytes
    from sjia_explore.simulate import registry

    reg = registry(40, seed=3)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("patients", "treatments", "visits", "adverse_events"):
            table = getattr(reg, name)
            if name == "visits":
                table = table.drop(columns=["il18_pg_ml", "mrp8_14_ng_ml"])
            z.writestr(f"{name}.csv", table.to_csv(index=False))
    path = tmp_path_factory.mktemp("registry") / "registry.zip"
    path.write_bytes(buf.getvalue())
    return path, load_cohort_from_bytes(buf.getvalue(), path.name)


def test_the_outcome_sections_follow_an_uploaded_registry_and_say_what_it_lacks(app, registry_upload):
    """Runs last: the page keeps the uploaded registry."""
    page = app.page
    path, reg = registry_upload
    upload(page, path)
    expect(page.locator(".sjia-n-total")).to_contain_text(f"{reg.n_patients} patients")
    features = reg.patient_features(12)
    by = dict(zip(features["patient_id"], features["duration_group"].astype(str)))

    open_section(page, "Disease activity")
    shown = outcomes.activity_states(reg.visits, "sjadas10", by=by).query("n_total > 0")
    expected = sorted(f"n = {n}" for n in shown.drop_duplicates(["group", "week"])["n_total"])
    n_marks = page.locator(".sjia-activity-chart svg .activity_n_marks text")
    expect(n_marks.filter(has_text=re.compile(f"^{expected[-1]}$"))).not_to_have_count(0)  # the registry's chart
    expect(page.locator(".sjia-activity-chart svg .activity_bars_marks path")).to_have_count(len(shown))
    assert sorted(texts(page, ".sjia-activity-chart svg .activity_n_marks text")) == expected

    open_section(page, "Biomarkers")
    chart = ".sjia-biomarkers-chart svg"
    v = reg.visits.assign(group=reg.visits["patient_id"].map(by))
    counts = v.dropna(subset=["esr_mm_h"]).groupby(["group", "week"]).size()
    expect(page.locator(f"{chart} .biomarker_esr_mm_h_n_marks text").filter(
        has_text=re.compile(f"^{counts.max()}$"))).not_to_have_count(0)
    expect(page.locator(f"{chart} .biomarker_esr_mm_h_n_marks text")).to_have_count(len(counts))
    assert sorted(texts(page, f"{chart} .biomarker_esr_mm_h_n_marks text")) == sorted(str(n) for n in counts)
    expect(page.locator(f"{chart} .biomarker_il18_pg_ml_median_marks path")).to_have_count(0)
    expect(page.locator(".sjia-biomarkers-intro")).to_contain_text("IL-18")
    expect(page.locator(".sjia-biomarkers-intro")).to_contain_text("not measured")

    open_section(page, "Each patient")
    expect(page.locator(".sjia-patients-chart")).to_contain_text(f"n = {reg.n_patients}")
    expect(page.locator(".sjia-patients-chart svg .patients_events_marks path")).to_have_count(
        int(reg.adverse_events["week"].notna().sum()))
    open_section(page, "Trajectories")
    app.assert_clean()
