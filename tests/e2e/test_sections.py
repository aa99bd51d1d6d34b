"""The sections of the app in a real browser: window of opportunity, steroids and safety, dark theme, downloads, upload.

Expected numbers come from the package itself (``sensitivity_table``, ``stats``) and
are compared with what the page draws, read back from the SVG. One page serves
the whole module (each page costs a kernel start); the tests run in order and
each leaves the page at the default view.
"""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from page_actions import open_app, open_section, screenshot, set_cutoff, upload
from playwright.sync_api import expect

from sjia_explore import load_cohort, published
from sjia_explore.app.vocabulary import STRIP_CUTOFFS
from sjia_explore.window import sensitivity_table

pytestmark = pytest.mark.e2e

STRIP_POINTS = ".sjia-window-chart svg .strip_points_marks path"
MARKER = ".sjia-window-chart svg .strip_current_marks line"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


@pytest.fixture(scope="module")
def app(app_server, new_page, timing):
    watched = new_page()
    open_app(watched, app_server.url, timing=timing, timing_name="first_chart_sections_s")
    return watched


def drawn_strip(page) -> dict[float, tuple[int, int, float]]:
    """Cut-off -> (n early, n late, difference) of every point drawn in the strip, read from the SVG."""
    labels = page.locator(STRIP_POINTS).evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    out = {}
    for label in labels:
        cut = re.search(r"Early means treated: < ([0-9.]+) months", label).group(1)
        n = re.search(r"Early patients \(n\): (\d+); Late patients \(n\): (\d+)", label)
        shift = re.search(r"Difference, early minus late: ([−+0-9.]+)", label).group(1).replace("−", "-")
        out[float(cut)] = (int(n.group(1)), int(n.group(2)), float(shift))
    return out


def expected_strip(cohort, **criteria) -> tuple[dict, list[float]]:
    """(estimable cut-off -> (n early, n late, difference)), and the cut-offs with too few patients."""
    selected = cohort.filter(**criteria) if criteria else cohort
    table = sensitivity_table(selected, "sjadas27", 24, STRIP_CUTOFFS)
    few = (table["n_early"] < 3) | (table["n_late"] < 3)
    ok = {float(r.cutoff_months): (int(r.n_early), int(r.n_late), round(float(r.hl_shift), 1))
          for r in table[~few].itertuples()}
    return ok, [float(c) for c in table.loc[few, "cutoff_months"]]


# --------------------------------------------------------------------------------------------
# Window of opportunity
# --------------------------------------------------------------------------------------------
def test_window_view_draws_early_and_late_side_by_side_and_the_strip(app, cohort, artifacts, timing):
    page = app.page
    start = time.perf_counter()
    open_section(page, "Window of opportunity")
    expect(page.locator(STRIP_POINTS).first).to_be_visible()
    timing("window_section_s", time.perf_counter() - start)
    chart = page.locator(".sjia-window-chart svg").first
    features = cohort.patient_features(12)
    n_early, n_late = int(features["early"].eq(True).sum()), int(features["early"].eq(False).sum())
    expect(chart).to_contain_text(f"Early: < 12 months after onset (n = {n_early})")
    expect(chart).to_contain_text(f"Late: ≥ 12 months after onset (n = {n_late})")
    expect(page.locator(".sjia-window-chart svg .window_early_mean_marks path")).to_have_count(1)
    expect(page.locator(".sjia-window-chart svg .window_late_mean_marks path")).to_have_count(1)
    expected, few = expected_strip(cohort)
    expect(page.locator(STRIP_POINTS)).to_have_count(len(expected))
    drawn = drawn_strip(page)
    assert drawn.keys() == expected.keys()
    for cut, (ne, nl, shift) in expected.items():
        assert drawn[cut][:2] == (ne, nl)
        assert drawn[cut][2] == pytest.approx(shift, abs=0.051)
    intro = page.locator(".sjia-window-intro")
    for words in ("confounding", "studies", "drugs", "line of therapy", "cannot answer"):
        expect(intro).to_contain_text(words)
    expect(page.locator(".sjia-window-ledger")).to_contain_text("Tests shown so far in this session")
    expect(page).to_have_url(re.compile(r"[?&]section=window(&|$)"))
    screenshot(page, artifacts / "app-window.png")
    app.assert_clean()


def test_moving_the_cut_off_moves_the_marker_and_the_split(app, cohort):
    page = app.page
    marker = page.locator(MARKER)
    expect(marker).to_have_count(1)
    before = marker.get_attribute("transform")
    set_cutoff(page, 24)
    expect(marker).not_to_have_attribute("transform", before)
    after = float(re.search(r"translate\(([0-9.]+)", marker.get_attribute("transform")).group(1))
    assert after > float(re.search(r"translate\(([0-9.]+)", before).group(1))  # further right
    expect(page.locator(".sjia-window-current")).to_contain_text("At the current cut-off (24 months)")
    n_early = int(cohort.patient_features(24)["early"].eq(True).sum())
    expect(page.locator(".sjia-window-chart svg").first).to_contain_text(
        f"Early: < 24 months after onset (n = {n_early})")
    set_cutoff(page, 12)
    expect(marker).to_have_attribute("transform", before)
    app.assert_clean()


def test_cut_offs_with_too_few_patients_say_so_instead_of_a_number(app, cohort):
    page = app.page
    page.locator(".sjia-study select").select_option(label="Qiu 2024")
    expected, few = expected_strip(cohort, studies=("qiu2024",))
    assert few  # Qiu 2024 has no patient treated within 9 months
    expect(page.locator(STRIP_POINTS)).to_have_count(len(expected))
    too_few = page.locator(".sjia-window-chart svg .strip_toofewtext_marks text")
    expect(too_few).to_have_count(len(few))
    expect(too_few.first).to_have_text("too few to estimate")
    assert set(drawn_strip(page)) == set(expected)
    expect(page.locator(".sjia-window-current")).to_contain_text("Too few to estimate")
    page.locator(".sjia-reset").click()
    expect(page.locator(".sjia-n-total")).to_contain_text(f"{cohort.n_patients} patients")
    app.assert_clean()


# --------------------------------------------------------------------------------------------
# Steroids and safety
# --------------------------------------------------------------------------------------------
def test_safety_section_shows_steroid_free_counts_and_the_adverse_event_rate(app, cohort, artifacts):
    page = app.page
    open_section(page, "Steroids and safety")
    steroid = page.locator(".sjia-steroid-text")
    expect(steroid).to_contain_text(f"{published.N_BASELINE_STEROID} of {published.N_PATIENTS} selected patients")
    labels = page.locator(".sjia-steroid-chart svg .steroidfree_labels_marks text")
    n = published.N_BASELINE_STEROID
    free = [0] + [published.STEROID_FREE_BY_WEEK.get(w, 1) for w in (4, 8, 12, 24)]
    expect(labels).to_have_text([f"{k}/{n}" for k in free])
    safety = page.locator(".sjia-safety-text")
    expect(safety).to_contain_text(f"{published.AE_RATE_PER_100_PY.value:g} (222–562)")
    expect(safety).to_contain_text(f"{published.N_PATIENTS_WITH_AE} (73%)")
    expect(safety).to_contain_text("as the paper counted")
    expect(safety).to_contain_text("Reconstructed")
    expect(safety.locator("td", has_text="not reported")).to_have_count(1)  # Vastert 2011
    screenshot(page, artifacts / "app-safety.png")
    app.assert_clean()


# --------------------------------------------------------------------------------------------
# Tooltips
# --------------------------------------------------------------------------------------------
def test_hovering_shows_mean_ci_and_n_and_each_patients_id_and_value(app, cohort):
    page = app.page
    open_section(page, "Trajectories")
    tip = page.locator("#vg-tooltip-element")
    point = page.locator(".sjia-chart svg .joints_meanpoints_marks path").first
    point.scroll_into_view_if_needed()
    point.hover(force=True)
    for words in ("Mean", "95% CI of the mean", "Patients with a value (n)"):
        expect(tip).to_contain_text(words)
    page.locator(".sjia-each-patient input").check()
    dots = page.locator(".sjia-chart svg .joints_patientpoints_marks path")
    expect(dots.first).to_be_visible()
    ids = "|".join(re.escape(str(i)) for i in cohort.patients["patient_id"])
    wanted = re.compile(rf"Patient\s*({ids})\s*Week\s*\d+\s*Value\s*\d")
    for i in range(0, dots.count(), 7):  # a dot may lie under a mean point: try a few
        dots.nth(i).hover(force=True)
        page.wait_for_timeout(150)
        if wanted.search(tip.inner_text()):
            break
    expect(tip).to_contain_text(wanted)
    page.locator(".sjia-each-patient input").uncheck()
    page.mouse.move(0, 0)
    app.assert_clean()


# --------------------------------------------------------------------------------------------
# Dark theme
# --------------------------------------------------------------------------------------------
def test_dark_theme_darkens_the_app_the_page_and_the_charts(app, artifacts):
    page = app.page
    open_section(page, "Trajectories")
    page.locator(".sjia-theme button", has_text="Dark").click()
    expect(page.locator(".sjia-app")).to_have_class(re.compile(r"\bsjia-theme-dark\b"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bsjia-page-dark\b"))
    expect(page).to_have_url(re.compile(r"[?&]theme=dark(&|$)"))
    chart = page.locator(".sjia-chart svg.marks").first
    expect(chart).to_have_attribute("style", re.compile(r"background-color: rgb\(26, 26, 26\)"))
    background = page.evaluate("getComputedStyle(document.querySelector('.sjia-app')).backgroundColor")
    text = page.evaluate("getComputedStyle(document.querySelector('.sjia-n-total')).color")
    assert sum(map(int, re.findall(r"\d+", background)[:3])) < 150  # dark
    assert sum(map(int, re.findall(r"\d+", text)[:3])) > 500  # light
    screenshot(page, artifacts / "app-dark.png")
    page.locator(".sjia-theme button", has_text="Light").click()
    expect(page.locator(".sjia-app")).to_have_class(re.compile(r"\bsjia-theme-light\b"))
    expect(chart).to_have_attribute("style", re.compile(r"background-color: rgb\(255, 255, 255\)"))
    app.assert_clean()


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------
def test_downloads_arrive_as_files_with_their_provenance(app):
    page = app.page
    bar = page.locator(".sjia-downloads-trajectories")
    with page.expect_download() as info:
        bar.locator("button", has_text="Chart (PNG)").click()
    download = info.value
    assert re.fullmatch(r"sjia-trajectories-\d{4}-\d\d-\d\d\.png", download.suggested_filename)
    assert open(download.path(), "rb").read()[:8] == PNG
    with page.expect_download() as info:
        bar.locator("button", has_text="Numbers (CSV)").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    assert text.startswith("# Reconstructed data") and "Subgroup: all patients" in text
    expect(bar.locator(".sjia-download-status")).to_contain_text("Saved sjia-trajectories-")
    app.assert_clean()


# --------------------------------------------------------------------------------------------
# Upload: your own cohort
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from sjia_explore.simulate import registry

    folder = tmp_path_factory.mktemp("uploads")
    reg = registry(40, seed=3)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("patients", "treatments", "visits", "adverse_events"):
            z.writestr(f"{name}.csv", getattr(reg, name).to_csv(index=False))
    good = folder / "registry.zip"
    good.write_bytes(buf.getvalue())
    broken = folder / "broken.csv"
    broken.write_text("patient_id,week,active_joints\nP1,zero,3\nP2,4,-1\n")
    return {"good": good, "broken": broken, "registry": reg}


def test_a_broken_upload_lists_its_problems_and_the_app_keeps_working(app, cohort, files):
    page = app.page
    upload(page, files["broken"])
    problems = page.locator(".sjia-upload-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("“broken.csv” could not be used as a cohort")
    lines = problems.locator(".sjia-problem-line")
    expect(lines.filter(has_text=re.compile(r"^broken\.csv:2:week: \"zero\""))).to_have_count(1)
    expect(lines.filter(has_text=re.compile(r"^broken\.csv:3:active_joints:"))).to_have_count(1)
    expect(lines.filter(has_text=re.compile(r"^broken\.csv:1:study:"))).to_have_count(1)
    expect(page.locator(".sjia-n-total")).to_contain_text(f"{cohort.n_patients} patients")  # unchanged
    page.locator(".sjia-sex button:text-is('Female')").click()  # still working
    expect(page.locator(".sjia-n-total")).to_contain_text(f"{cohort.filter(sex='F').n_patients} patients")
    page.locator(".sjia-reset").click()
    app.assert_clean()


def test_a_good_upload_replaces_the_cohort_everywhere_and_back_returns(app, cohort, files, timing):
    page = app.page
    reg = files["registry"]
    start = time.perf_counter()
    upload(page, files["good"])
    expect(page.locator(".sjia-n-total")).to_contain_text(f"{reg.n_patients} patients")
    timing("upload_registry_40_s", time.perf_counter() - start)
    expect(page.locator(".sjia-upload-problems")).to_be_hidden()
    expect(page.locator(".sjia-upload-warnings")).to_contain_text("registry.zip")
    expect(page.locator(".sjia-study option")).to_have_text(["All studies", "simulated"])
    expect(page.locator(".sjia-reconstructed-label")).to_contain_text("Simulated data")
    n_f = reg.filter(sex="F").n_patients
    page.locator(".sjia-sex button:text-is('Female')").click()
    expect(page.locator(".sjia-n-sex")).to_have_text(f"→ {n_f} patients left")
    open_section(page, "Window of opportunity")  # the statistics follow the new cohort too
    expect(page.locator(STRIP_POINTS).first).to_be_visible()
    expect(page.locator(".sjia-window-intro")).to_contain_text("from simulated")
    open_section(page, "Trajectories")
    page.locator(".sjia-back").click()
    expect(page.locator(".sjia-n-total")).to_contain_text(f"{cohort.n_patients} patients")
    expect(page.locator(".sjia-study option")).to_have_count(len(cohort.studies) + 1)
    expect(page.locator(".sjia-back")).to_be_hidden()
    expect(page.locator(".sjia-upload-warnings")).to_be_hidden()
    app.assert_clean()
