"""Everyday use without surprises (issue 15): odd addresses, plain words, absent data said as absent.

Each test opens its own page on the app as served (``sjia-explore app``) and
checks what a person sees.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

JOINTS_LINE = ".sjia-chart svg .joints_mean_marks path"
PAGE_TIMEOUT_MS = 90_000  # kernel start + first execution on a slow 2-core machine


def open_app(watched, url: str):
    page = watched.page
    page.goto(url)
    expect(page.locator(JOINTS_LINE).first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    return page


def test_an_odd_address_gets_one_plain_notice_listing_every_part_left_out(app_server, new_page):
    watched = new_page()
    page = open_app(watched, app_server.url + "?cutoff=7.5&sex=F&sex=M&colour=red&token=abc&voila-x=1")
    notice = page.locator(".sjia-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("cut-off “7.5” (expected whole months")
    expect(notice).to_contain_text("“sex” given 2 times")
    expect(notice).to_contain_text("setting “colour”")
    expect(notice).not_to_contain_text("token")
    expect(notice).not_to_contain_text("voila")
    expect(page.locator(".sjia-error")).to_be_hidden()
    expect(page.locator(".sjia-sex button:text-is('Female')")).to_have_class(re.compile("mod-active"))
    expect(page.locator(".sjia-cutoff .widget-readout")).to_have_text("12")
    watched.assert_clean()


def test_plain_words_tab_title_axis_titles_and_column_labels(app_server, new_page):
    watched = new_page()
    page = open_app(watched, app_server.url + "?each_patient=yes")
    expect(page).to_have_title("sJIA cohort explorer")
    expect(page.locator(".sjia-chart svg").first).to_contain_text("Number of active joints: mean and each patient")
    page.locator(".sjia-explain-button").click()
    explanation = page.locator(".sjia-explanation")
    expect(explanation).to_contain_text("Corticosteroid dose, prednisone equivalent, mg/kg/day")
    expect(explanation).not_to_contain_text("steroid_mg_kg_day")
    expect(explanation).not_to_contain_text("ferritin_gt_330")
    watched.assert_clean()
