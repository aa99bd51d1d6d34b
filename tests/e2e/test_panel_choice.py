"""Choosing the trajectory panels in a real browser: a different outcome is drawn in place of another, the page
address records the choice, and opening that address draws the same panels again.

The expected points come from :func:`sjia_explore.trajectories.summarise` (tested against independent
computations in tests/test_trajectories.py and tests/test_trajectory_choice.py).
"""

from __future__ import annotations

import re
import time

import pytest
from page_actions import screenshot
from playwright.sync_api import expect

from sjia_explore import load_cohort
from sjia_explore.trajectories import summarise

pytestmark = pytest.mark.e2e

PAGE_TIMEOUT_MS = 90_000
CHART = ".sjia-chart svg"


def mean_points(column: str) -> int:
    """Points of an outcome's mean line: one per group and visit with a value, as summarise gives them."""
    cohort = load_cohort()
    summary = summarise(cohort.visits, column, by="duration_group", patients=cohort.patient_features(12),
                        weeks=[0, 4, 8, 12, 24])
    return int((summary["n"] > 0).sum())


def open_app(new_page, url: str, first: str):
    watched = new_page()
    page = watched.page
    page.goto(url)
    expect(page.locator(f"{CHART} .{first}_mean_marks path").first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    return watched


def test_choosing_another_outcome_draws_it_and_the_address_restores_it(app_server, new_page, timing, artifacts):
    start = time.perf_counter()
    watched = open_app(new_page, app_server.url, "joints")
    timing("first_chart_panel_choice_s", time.perf_counter() - start)
    page = watched.page
    expect(page.locator(f"{CHART} .steroid_mean_marks path").first).to_be_visible()
    expect(page.locator(f"{CHART} .ferritin_mean_marks")).to_have_count(0)

    page.locator(".sjia-panel-choice-3 select").select_option(label="Ferritin")
    expect(page.locator(f"{CHART} .ferritin_meanpoints_marks path")).to_have_count(mean_points("ferritin_ng_ml"))
    expect(page.locator(f"{CHART} .steroid_mean_marks")).to_have_count(0)
    expect(page.locator(f"{CHART} .joints_mean_marks path").first).to_be_visible()
    expect(page.locator(CHART)).to_contain_text("Ferritin")
    expect(page).to_have_url(re.compile(r"[?&]outcomes=active_joints%2Csjadas27%2Cferritin_ng_ml(&|$)"))
    address = page.url
    screenshot(page, artifacts / "panel_choice.png")

    # the same address in a new page draws the same panels, and the choices say so
    again = open_app(new_page, address, "ferritin")
    other = again.page
    expect(other.locator(f"{CHART} .ferritin_meanpoints_marks path")).to_have_count(mean_points("ferritin_ng_ml"))
    expect(other.locator(f"{CHART} .steroid_mean_marks")).to_have_count(0)
    expect(other.locator(".sjia-panel-choice-3 select")).to_have_value("Ferritin")  # a select's value: its label
    expect(other.locator(".sjia-panel-choice-1 select")).to_have_value("Active joints")

    # an address with other panels, in another order
    third = open_app(new_page, app_server.url + "?outcomes=crp_mg_l,physician_global", "crp")
    expect(third.page.locator(f"{CHART} .physician_mean_marks path").first).to_be_visible()
    expect(third.page.locator(f"{CHART} .joints_mean_marks")).to_have_count(0)
    expect(third.page.locator(".sjia-panel-choice-1 select")).to_have_value("CRP")
    expect(third.page.locator(".sjia-notice")).to_be_hidden()  # the address was understood in full

    for w in (watched, again, third):
        w.assert_clean()
