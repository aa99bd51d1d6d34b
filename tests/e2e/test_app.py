"""The dashboard in a real browser: drawn offline, every control changes what is shown, errors are plain.

Expected numbers are computed here with the package itself (``Cohort.filter``,
``trajectories.summarise``) and compared with what the page shows, read from the
rendered SVG (the ``n=…`` labels under each visit) and from the count lines.

The tests of each module share one page (each page costs a kernel start), so
each test starts from "Reset filters".
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from pathlib import Path

import nbformat
import page_actions
import pytest
from page_actions import JOINTS_LINE, screenshot, set_cutoff
from playwright.sync_api import expect

from sjia_explore import load_cohort
from sjia_explore.app.views.sidebar import UNKNOWN_WORDS
from sjia_explore.app.vocabulary import OUTCOMES
from sjia_explore.trajectories import MISSING_GROUP, summarise

pytestmark = pytest.mark.e2e

WEEKS = [0, 4, 8, 12, 24]


# --------------------------------------------------------------------------------------------
# Expected values, from the package
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


def expected_n(cohort, **criteria) -> int:
    return cohort.filter(**criteria).n_patients


def expected_summary(cohort, cutoff: float = 12, **criteria):
    selected = cohort.filter(early_cutoff_months=cutoff, **criteria)
    return summarise(selected.visits, "active_joints", by="duration_group",
                     patients=selected.patient_features(cutoff), weeks=WEEKS)


def expected_n_rows(cohort, cutoff: float = 12, **criteria) -> list[list[str]]:
    """The ``n=…`` labels under the active-joints panel, one row per group a filter can show (early, late and,
    when the cohort has patients without a time to treatment, not recorded): a group no patient selected is
    in keeps its row, empty."""
    s = expected_summary(cohort, cutoff, **criteria)
    groups = [f"early (< {cutoff:g} mo)", f"late (≥ {cutoff:g} mo)"]
    if cohort.patients["months_onset_to_treatment"].isna().any():
        groups.append(MISSING_GROUP)
    return [[f"n={n}" for n in s.loc[s["group"] == g, "n"]] for g in groups]


def expected_means(cohort, cutoff: float = 12, **criteria) -> list[tuple[str, int, float]]:
    """(group, week, mean) of every mean drawn in the active-joints panel."""
    s = expected_summary(cohort, cutoff, **criteria)
    s = s[s["n"] >= 1]
    return sorted((g, int(w), float(m)) for g, w, m in zip(s["group"], s["week"], s["mean"]))


def drawn_means(page) -> list[tuple[str, int, float]]:
    """(group, week, mean) read back from the drawn points' accessible labels (the SVG itself)."""
    labels = page.locator(".sjia-chart svg .joints_meanpoints_marks path").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))")
    out = []
    for label in labels:
        m = re.search(r"Group: (.*?); .*?Mean: ([0-9.]+)", label)
        w = re.match(r"Week: (\d+);", label)
        out.append((m.group(1), int(w.group(1)), float(m.group(2))))
    return sorted(out)


def patients_word(n: int) -> str:
    return "No patients" if n == 0 else ("1 patient" if n == 1 else f"{n} patients")


# --------------------------------------------------------------------------------------------
# Page helpers
# --------------------------------------------------------------------------------------------
def n_rows(page, groups: int) -> list:
    return [page.locator(f".sjia-chart svg .joints_n{i}_marks text") for i in range(groups)]


def expect_view(page, n_total: int, rows: list[list[str]], means: list | None = None):
    """The count line says n_total, the chart's n rows say `rows` and its points are at `means`."""
    expect(page.locator(".sjia-n-total")).to_contain_text(patients_word(n_total))
    for locator, texts in zip(n_rows(page, len(rows)), rows):
        if texts:
            expect(locator).to_have_text(texts)
        else:
            expect(locator).to_have_count(0)
    expect(page.locator(f".sjia-chart svg .joints_n{len(rows)}_marks text")).to_have_count(0)
    if means is not None:  # the tooltip shows means to 1 decimal
        drawn = drawn_means(page)
        assert [(g, w) for g, w, _ in drawn] == [(g, w) for g, w, _ in means]
        assert [m for *_, m in drawn] == pytest.approx([m for *_, m in means], abs=0.05 + 1e-9)


def reset(page, cohort):
    page.locator(".sjia-reset").click()
    expect_view(page, cohort.n_patients, expected_n_rows(cohort))


def open_app(watched, url: str, timing, timing_name: str, ready: str = JOINTS_LINE):
    """Open the page, wait for ``ready`` to be drawn and record how long it took."""
    return page_actions.open_app(watched, url, ready=ready, timing=timing, timing_name=timing_name)


# --------------------------------------------------------------------------------------------
# The app as served
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app(app_server, new_page, timing):
    watched = new_page()
    open_app(watched, app_server.url, timing, "first_chart_s")
    return watched


def test_first_view_is_drawn_offline_and_labelled_reconstructed(app, cohort, artifacts):
    page = app.page
    expect(page.locator(JOINTS_LINE)).not_to_have_count(0)
    for outcome in OUTCOMES:
        expect(page.locator(f".sjia-chart svg .{outcome.css}_mean_marks path").first).to_be_visible()
    label = page.locator(".sjia-reconstructed-label")
    expect(label).to_be_visible()
    expect(label).to_contain_text("Reconstructed data")
    expect(page.locator(".sjia-chart svg").first).to_contain_text("Reconstructed data")
    expect_view(page, cohort.n_patients, expected_n_rows(cohort), expected_means(cohort))
    expect(page.locator(".sjia-error")).to_be_hidden()
    screenshot(page, artifacts / "app-light.png")
    if os.environ.get("SJIA_UPDATE_SCREENSHOT"):  # the README's picture: `SJIA_UPDATE_SCREENSHOT=1 make test`
        docs = Path(__file__).resolve().parents[2] / "docs"
        shutil.copyfile(artifacts / "app-light.png", docs / "screenshot.png")
    app.assert_clean()


def test_explanation_says_what_was_reconstructed_and_from_what(app, artifacts):
    page = app.page
    explanation = page.locator(".sjia-explanation")
    expect(explanation).to_be_hidden()
    page.locator(".sjia-explain-button").click()
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("generated one plausible course per patient")
    expect(explanation).to_contain_text("doi:10.1186/s12969-024-00974-4")
    page.screenshot(path=artifacts / "app-explanation.png")
    page.locator(".sjia-explain-button").click()
    expect(explanation).to_be_hidden()


@pytest.mark.parametrize("control, criteria, n_label", [
    (".sjia-sex button:text-is('Female')", {"sex": "F"}, "sex"),
    (".sjia-sex button:text-is('Male')", {"sex": "M"}, "sex"),
    (".sjia-prior-mas button:text-is('Yes')", {"prior_mas": True}, "prior_mas"),
    (".sjia-prior-mas button:text-is('No')", {"prior_mas": False}, "prior_mas"),
    (".sjia-steroid button:text-is('On')", {"baseline_steroid": True}, "steroid"),
    (".sjia-steroid button:text-is('Off')", {"baseline_steroid": False}, "steroid"),
])
def test_each_toggle_changes_the_n_and_the_chart(app, cohort, control, criteria, n_label):
    page = app.page
    reset(page, cohort)
    page.locator(control).click()
    n = expected_n(cohort, **criteria)
    (column,) = criteria
    unknown = int(cohort.patient_features()[column].isna().sum())  # they drop out too, and the line says so
    left_out = f" ({unknown} with {UNKNOWN_WORDS[n_label]} not recorded left out)" if unknown else ""
    expect(page.locator(f".sjia-n-{n_label}")).to_have_text(f"→ {patients_word(n).lower()} left{left_out}")
    if n:
        expect_view(page, n, expected_n_rows(cohort, **criteria), expected_means(cohort, **criteria))
    app.assert_clean()


def test_study_and_prior_biologic_filters_change_the_n_and_the_chart(app, cohort):
    page = app.page
    for study in cohort.studies:
        reset(page, cohort)
        page.locator(".sjia-study select").select_option(value=None, label=study_label(study))
        n = expected_n(cohort, studies=(study,))
        expect(page.locator(".sjia-n-study")).to_have_text(f"→ {patients_word(n).lower()} left")
        expect_view(page, n, expected_n_rows(cohort, studies=(study,)))
    drugs = cohort.prior_biologic_options()
    for i, drug in enumerate(drugs):
        reset(page, cohort)
        page.locator(f".sjia-had-any-{i} input").check()
        n = expected_n(cohort, prior_biologic_any=(drug,))
        expect(page.locator(".sjia-n-had_any")).to_have_text(f"“had” → {patients_word(n).lower()} left")
        if n:
            expect_view(page, n, expected_n_rows(cohort, prior_biologic_any=(drug,)))
        page.locator(f".sjia-had-any-{i} input").uncheck()
        page.locator(f".sjia-had-none-{i} input").check()
        n = expected_n(cohort, prior_biologic_none=(drug,))
        expect(page.locator(".sjia-n-had_none")).to_have_text(f"“did not have” → {patients_word(n).lower()} left")
        if n:
            expect_view(page, n, expected_n_rows(cohort, prior_biologic_none=(drug,)))
    app.assert_clean()


def study_label(study: str) -> str:
    from sjia_explore.app.vocabulary import study_label as _study_label

    return _study_label(study)


def test_cutoff_slider_moves_patients_between_early_and_late(app, cohort, artifacts):
    page = app.page
    reset(page, cohort)
    before = expected_n_rows(cohort, cutoff=12)
    months = sorted(cohort.patients["months_onset_to_treatment"].dropna())
    # a cut-off that moves at least one patient from late to early
    cutoff = next(int(m) + 1 for m in months if m >= 12 and int(m) + 1 <= 240)
    after = expected_n_rows(cohort, cutoff=cutoff)
    assert after != before
    # Mark the drawn chart: a new cut-off changes rows and labels only, so the page updates this chart in place.
    page.locator(".sjia-chart svg").first.evaluate("el => el.setAttribute('data-probe', 'drawn before')")
    set_cutoff(page, cutoff)
    expect_view(page, cohort.n_patients, after, expected_means(cohort, cutoff=cutoff))
    expect(page.locator(".sjia-chart svg[data-probe='drawn before']")).to_have_count(1)
    features = cohort.patient_features(cutoff)
    n_early = int(features["early"].fillna(False).sum())
    expect(page.locator(".sjia-n-cutoff")).to_contain_text(f"{n_early} early (< {cutoff} mo)")
    expect(page.locator(".sjia-chart svg").first).to_contain_text(f"early (< {cutoff} mo)")
    expect(page).to_have_url(re.compile(rf"[?&]cutoff={cutoff}(&|$)"))
    screenshot(page, artifacts / "app-cutoff.png")
    app.assert_clean()


def chart_words(page) -> str:
    """The first chart's texts (title, notes, labels) as one line: wrapped lines joined by spaces."""
    return page.locator(".sjia-chart svg").first.evaluate(
        "el => [...el.querySelectorAll('text')].map(t => t.textContent).join(' ').replace(/\\s+/g, ' ')")


def test_a_note_that_comes_and_goes_with_the_cutoff_is_redrawn_in_place(app, cohort):
    from sjia_explore import CohortExplorer
    from sjia_explore.app import ViewState
    from sjia_explore.plots.trajectory import BAND_CUT_NOTE

    page = app.page
    reset(page, cohort)
    session = CohortExplorer(cohort).session

    def noted(cutoff: int) -> bool:
        spec = session.compute(ViewState(early_cutoff_months=cutoff)).trajectories.spec
        return BAND_CUT_NOTE in spec["title"]["subtitle"]

    # the default cut-off and one whose chart differs in the note "a band was cut"
    other = next((c for c in (6, 9, 15, 18, 24, 3, 36) if noted(c) != noted(12)), None)
    assert other is not None, "no cut-off changes the band-cut note on this cohort: choose another pair"
    page.locator(".sjia-chart svg").first.evaluate("el => el.setAttribute('data-probe', 'drawn before')")
    note = " ".join(BAND_CUT_NOTE.split()[:6])  # its first words: the rest may wrap onto another line
    heights = {}
    for cutoff in (other, 12):
        set_cutoff(page, cutoff)
        expect_view(page, cohort.n_patients, expected_n_rows(cohort, cutoff=cutoff),
                    expected_means(cohort, cutoff=cutoff))
        page.wait_for_function(
            "([note, shown]) => [...document.querySelector('.sjia-chart svg').querySelectorAll('text')]"
            ".map(t => t.textContent).join(' ').replace(/\\s+/g, ' ').includes(note) === shown",
            arg=[note, noted(cutoff)])
        assert (note in chart_words(page)) == noted(cutoff)
        # the note came or went without a new chart: the same SVG element, updated in place
        expect(page.locator(".sjia-chart svg[data-probe='drawn before']")).to_have_count(1)
        heights[noted(cutoff)] = float(page.locator(".sjia-chart svg").first.get_attribute("height"))
    # the chart's height follows its notes: a note fewer gives its lines back, no gap is left above the title
    assert heights[True] > heights[False]
    app.assert_clean()


def test_a_group_left_out_by_a_filter_keeps_its_colour_and_the_chart_its_element(app, cohort):
    from sjia_explore.plots import group_colours

    page = app.page
    reset(page, cohort)
    late = "late (≥ 12 mo)"
    men = expected_summary(cohort, sex="M")
    assert set(men["group"]) == {late}, "the bundled men are no longer all late: choose another filter"
    colour = group_colours(["early (< 12 mo)", late])[late]
    legend = page.locator(".sjia-chart svg .role-legend-label text")
    expect(legend).to_have_text(["early (< 12 mo)", late])
    page.locator(".sjia-chart svg").first.evaluate("el => el.setAttribute('data-probe', 'drawn before')")
    page.locator(".sjia-sex button:text-is('Male')").click()
    expect_view(page, expected_n(cohort, sex="M"), expected_n_rows(cohort, sex="M"), expected_means(cohort, sex="M"))
    expect(legend).to_have_text([late])  # the legend lists the groups drawn
    strokes = page.locator(f"{JOINTS_LINE}").evaluate_all("els => els.map(e => e.getAttribute('stroke'))")
    assert strokes and set(strokes) == {colour}, strokes  # late keeps its colour, not the early group's
    expect(page.locator(".sjia-chart svg[data-probe='drawn before']")).to_have_count(1)  # updated in place
    page.locator(".sjia-sex button:text-is('Any')").click()
    expect(legend).to_have_text(["early (< 12 mo)", late])
    expect(page.locator(".sjia-chart svg[data-probe='drawn before']")).to_have_count(1)
    app.assert_clean()


def test_each_patient_lines_appear_on_demand(app, cohort):
    page = app.page
    reset(page, cohort)
    lines = page.locator(".sjia-chart svg .joints_patients_marks path")
    expect(lines).to_have_count(0)
    page.locator(".sjia-each-patient input").check()
    with_values = cohort.visits.dropna(subset=["active_joints"])
    expect(lines).to_have_count(with_values["patient_id"].nunique())
    page.locator(".sjia-each-patient input").uncheck()
    expect(lines).to_have_count(0)


def test_an_empty_selection_says_so_instead_of_drawing(app, cohort):
    page = app.page
    reset(page, cohort)
    page.locator(".sjia-had-any-0 input").check()
    page.locator(".sjia-had-none-0 input").check()  # had it and did not have it: nobody
    empty = page.locator(".sjia-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("No patient matches all of these filters")
    expect(page.locator(".sjia-chart")).to_be_hidden()
    expect(page.locator(".sjia-n-had_none")).to_have_text("“did not have” → no patients left")
    reset(page, cohort)
    expect(empty).to_be_hidden()
    expect(page.locator(JOINTS_LINE).first).to_be_visible()
    app.assert_clean()


def test_the_view_is_in_the_address_and_copyable(app, cohort):
    page = app.page
    reset(page, cohort)
    expect(page).to_have_url(re.compile(r"/$"))
    page.locator(".sjia-sex button:text-is('Female')").click()
    expect(page).to_have_url(re.compile(r"\?sex=F$"))
    page.get_by_text("Share, reproduce or download this view").click()
    expect(page.get_by_text("it is also the one in your browser's address bar")).to_be_visible()  # the app's page
    expect(page.locator(".sjia-state-json textarea")).to_have_value(re.compile(r'"sex": "F"'))
    expect(page.locator(".sjia-state-python textarea")).to_have_value(re.compile(r"ViewState\(sex='F'\)"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator(".sjia-copy-json button").click()
    expect(page.locator(".sjia-copy-json .sjia-copy-status")).to_have_text(" Copied.")
    assert '"sex": "F"' in page.evaluate("navigator.clipboard.readText()")
    page.get_by_text("Share, reproduce or download this view").click()  # close it again
    app.assert_clean()


def test_table_1_is_made_when_its_section_opens(app, cohort):
    page = app.page
    reset(page, cohort)
    page.get_by_text("Table 1: baseline characteristics").click()
    table1 = page.locator(".sjia-table1")
    expect(table1).to_be_visible()
    expect(table1).not_to_contain_text("Making Table 1")
    expect(table1).not_to_contain_text("could not be made")
    try:
        import sjia_explore.tables  # noqa: F401
    except ImportError:
        expect(table1).to_contain_text("not available")
    else:
        expect(table1.locator("table")).to_have_count(1)
    page.get_by_text("Table 1: baseline characteristics").click()  # close it again
    app.assert_clean()


def test_statistics_run_on_request_and_go_stale_when_the_selection_changes(app, cohort, artifacts):
    page = app.page
    reset(page, cohort)
    page.get_by_text("Statistics: change from week 0").click()
    expect(page.locator(".sjia-test-method-text")).to_contain_text("one-way ANOVA")
    results = page.locator(".sjia-stats")
    expect(results).to_contain_text("Press the button")
    page.locator(".sjia-run-tests").click()
    expect(results.locator("table tbody tr")).to_have_count(len(WEEKS) - 1)
    expect(results).to_contain_text(f"{patients_word(cohort.n_patients).lower()}")
    expect(results).to_contain_text("Exploratory")
    results.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "app-statistics.png")
    page.locator(".sjia-sex button:text-is('Female')").click()
    expect(results).to_contain_text("changed since the tests were run")
    expect(results.locator("table")).to_have_count(0)
    page.get_by_text("Statistics: change from week 0").click()  # close it again
    app.assert_clean()


def test_an_address_with_a_query_restores_the_view(app_server, new_page, cohort, timing):
    watched = new_page()
    page = open_app(watched, app_server.url + "?cutoff=24&sex=F&each_patient=yes&bogus=1&prior_mas=maybe"
                    "&section=safety&theme=dark", timing, "first_chart_with_query_s",
                    ready=".sjia-steroid-chart svg .steroidfree_points_marks path")
    expect(page.locator(".sjia-cutoff .widget-readout")).to_have_text("24")
    expect(page.locator(".sjia-sex button:text-is('Female')")).to_have_class(re.compile("mod-active"))
    expect(page.locator(".sjia-each-patient input")).to_be_checked()
    expect_view(page, expected_n(cohort, sex="F"), expected_n_rows(cohort, cutoff=24, sex="F"))
    notice = page.locator(".sjia-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("prior mas “maybe”")
    expect(page.locator(".sjia-tabs .lm-TabBar-tab.lm-mod-current")).to_have_text("Steroids and safety")
    expect(page.locator(".sjia-steroid-text")).to_contain_text("selected patients with a recorded dose")
    expect(page.locator(".sjia-app")).to_have_class(re.compile(r"\bsjia-theme-dark\b"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bsjia-page-dark\b"))
    expect(page).to_have_url(re.compile(r"\?cutoff=24&sex=F&each_patient=yes&section=safety&theme=dark$"))
    watched.assert_clean()


# --------------------------------------------------------------------------------------------
# Failures and hostile data: a test notebook around the same CohortExplorer
# --------------------------------------------------------------------------------------------
PAYLOAD = '<img src=x onerror="window.__xss=1">'

HOSTILE_NOTEBOOK = textwrap.dedent('''
    from dataclasses import replace

    from sjia_explore import CohortExplorer, load_cohort

    PAYLOAD = {payload!r}
    cohort = load_cohort()
    first = cohort.patients["patient_id"].iloc[0]
    patients = cohort.patients.copy()
    patients.loc[patients["patient_id"] == first, "study"] = PAYLOAD
    treatments = cohort.treatments.copy()
    rows = (treatments["patient_id"] == first) & (treatments["period"] == "previous") \\
        & treatments["drug_class"].isin(["bDMARD", "JAKi"]) & treatments["received"].fillna(False)
    treatments.loc[rows[rows].index[:1], "drug"] = PAYLOAD
    explorer = CohortExplorer(replace(cohort, patients=patients, treatments=treatments))

    checked = explorer.session.checked
    def failing_for_male(state):
        if state.sex == "M":
            raise RuntimeError("induced failure <b>for the test</b>")
        return checked(state)
    explorer.session.checked = failing_for_male
    explorer.view
''')


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, serve_notebook, new_page, timing):
    folder = tmp_path_factory.mktemp("hostile")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(HOSTILE_NOTEBOOK.format(payload=PAYLOAD))]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "hostile.ipynb"
    nbformat.write(nb, path)
    watched = new_page()
    open_app(watched, serve_notebook(path).url, timing, "first_chart_hostile_s")
    return watched


def test_a_failing_update_shows_a_plain_message_and_the_app_keeps_working(hostile, cohort, artifacts):
    page = hostile.page
    error = page.locator(".sjia-error")
    expect(error).to_be_hidden()
    total_before = page.locator(".sjia-n-total").inner_text()
    page.locator(".sjia-sex button:text-is('Male')").click()
    expect(error).to_be_visible()
    expect(error).to_contain_text("Something went wrong while updating the view")
    expect(error).to_contain_text("induced failure <b>for the test</b>")  # escaped: shown as text
    expect(page.locator(".sjia-n-total")).to_have_text(total_before)  # the last good view stays
    expect(page.locator(".sjia-sex button:text-is('Any')")).to_have_class(re.compile("mod-active"))  # and its filters
    expect(page.locator(JOINTS_LINE).first).to_be_visible()
    page.screenshot(path=artifacts / "app-error.png")
    page.locator(".sjia-sex button:text-is('Female')").click()
    expect(error).to_be_hidden()
    expect(page.locator(".sjia-n-total")).to_contain_text(patients_word(expected_n(cohort, sex="F")))
    assert "Traceback" not in page.content()
    hostile.assert_clean()


def test_data_text_is_shown_as_text_never_run_as_html(hostile):
    page = hostile.page
    page.locator(".sjia-sex button:text-is('Any')").click()
    page.locator(".sjia-study select").select_option(label=PAYLOAD)
    expect(page.locator(".sjia-n-total")).to_contain_text(PAYLOAD)
    expect(page.locator(".sjia-sidebar")).to_contain_text(PAYLOAD)  # the drug's checkbox
    page.locator(".sjia-explain-button").click()
    expect(page.locator(".sjia-explanation")).to_contain_text(PAYLOAD)
    page.locator(".sjia-each-patient input").check()
    expect(page.locator(".sjia-chart svg .joints_patients_marks path").first).to_be_visible()
    page.locator(".sjia-study select").select_option(label="All studies")
    page.locator(".sjia-tabs .lm-TabBar-tab", has_text="Window of opportunity").click()
    expect(page.locator(".sjia-window-intro")).to_contain_text(f"from {PAYLOAD} on")
    expect(page.locator(".sjia-window-chart svg .strip_points_marks path").first).to_be_visible()
    page.locator(".sjia-tabs .lm-TabBar-tab", has_text="Steroids and safety").click()
    expect(page.locator(".sjia-safety-text td", has_text=PAYLOAD)).to_have_count(1)
    assert page.evaluate("window.__xss") is None
    assert page.locator(".sjia-app img").count() == 0
    hostile.assert_clean()


def test_an_uploaded_file_name_is_shown_as_text(hostile, tmp_path):
    page = hostile.page
    path = tmp_path / f"{PAYLOAD}.csv"
    path.write_text("patient_id,week\nP1,x\n")
    with page.expect_file_chooser() as chooser:
        page.locator(".sjia-upload-button").click()
    chooser.value.set_files(str(path))
    problems = page.locator(".sjia-upload-problems")
    expect(problems).to_contain_text(f"“{PAYLOAD}.csv” could not be used as a cohort")
    assert page.evaluate("window.__xss") is None
    assert page.locator(".sjia-app img").count() == 0
    hostile.assert_clean()
