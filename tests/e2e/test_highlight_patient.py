"""Picking a child in "Each patient" highlights them everywhere, in a real browser: their row of the timeline,
their line over the trajectory means (each patient's lines off), their ringed point on the continuous window
chart; the sentence names them, and the page address never does. Read back from the SVG."""

from __future__ import annotations

import re

import pytest
from page_actions import open_app, open_section
from playwright.sync_api import expect

from sjia_explore import load_cohort

pytestmark = pytest.mark.e2e

#: A child of the bundled Qiu 2024 series (published case numbering), treated late.
CHILD = "Q03"


def transform(locator) -> str:
    return locator.get_attribute("transform") or ""


def test_a_child_picked_in_each_patient_is_highlighted_in_every_section(app_server, new_page):
    cohort = load_cohort()
    months = float(cohort.patients.set_index("patient_id").loc[CHILD, "months_onset_to_treatment"])
    page = open_app(new_page(), app_server.url)

    open_section(page, "Each patient")
    chart = ".sjia-patients-chart svg"
    expect(page.locator(f"{chart} .patients_visits_marks path").first).to_be_visible()
    expect(page.locator(f"{chart} .highlight_row_marks path")).to_have_count(0)
    page.locator(".sjia-highlight-choice select").select_option(label=f"{CHILD} ({months:.1f} mo)")
    row = page.locator(f"{chart} .highlight_row_marks path")
    expect(row).to_have_count(1)
    assert CHILD in (row.get_attribute("aria-label") or "")
    label = page.locator(f"{chart} text", has_text=f"{CHILD} ({months:.1f} mo)")
    expect(label).to_have_attribute("font-weight", "bold")
    sentence = page.locator(".sjia-patients .sjia-highlight-note")
    expect(sentence).to_contain_text(f"Highlighted: patient {CHILD}, late (≥ 12 mo)")
    expect(sentence).to_contain_text(f"{months:.1f} months after onset")
    expect(sentence).to_contain_text("reconstructed")
    expect(page).to_have_url(re.compile(r"[?&]section=patients(&|$)"))
    assert CHILD not in page.url  # a patient id is never part of the address

    open_section(page, "Trajectories")
    expect(page.locator(".sjia-chart svg .joints_patients_marks path")).to_have_count(0)  # lines are off
    line = page.locator(".sjia-chart svg .joints_highlight_line_marks path")
    expect(line).to_have_count(1)
    expect(page.locator(".sjia-chart svg .joints_highlight_label_marks text")).to_have_text(CHILD)
    beside = page.locator(".sjia-trajectories-highlight-choice select")
    shown = beside.evaluate("el => el.options[el.selectedIndex].text").replace("\u00a0", " ")
    assert shown == f"{CHILD} ({months:.1f} mo)"

    open_section(page, "Window of opportunity")
    continuous = ".sjia-window-continuous-chart svg"
    ring = page.locator(f"{continuous} .highlight_point_marks path")
    expect(ring).to_have_count(1)
    expect(page.locator(f"{continuous} .highlight_label_marks text")).to_have_text(CHILD)
    points = page.locator(f"{continuous} .window_points_marks path")
    labels = points.evaluate_all("els => els.map(e => [e.getAttribute('aria-label') || '', "
                                 "e.getAttribute('transform') || ''])")
    mine = [t for aria, t in labels if f"Patient: {CHILD};" in aria]
    assert mine == [transform(ring)]  # the ring sits on the child's own point
    expect(page.locator(".sjia-window .sjia-highlight-note")).to_contain_text(f"patient {CHILD}")

    open_section(page, "Each patient")
    page.locator(".sjia-highlight-choice select").select_option(label="none")
    expect(page.locator(f"{chart} .highlight_row_marks path")).to_have_count(0)
    expect(sentence).to_have_text("")

    # a click on another child's row picks them; a second click on it, nobody
    other = "V02"
    rows = page.locator(f"{chart} .patients_rows_marks path")
    mine = rows.nth(rows.evaluate_all(
        f"els => els.findIndex(e => (e.getAttribute('aria-label') || '').includes('{other}'))"))
    mine.click(position={"x": 5, "y": 3})  # at the row's left end, before week 0: no other mark there
    expect(page.locator(f"{chart} .highlight_row_marks path")).to_have_count(1)
    expect(sentence).to_contain_text(f"Highlighted: patient {other}, early (< 12 mo)")
    selected = page.locator(".sjia-highlight-choice select")
    assert selected.evaluate("el => el.options[el.selectedIndex].text").startswith(other)
    page.locator(f"{chart} .patients_rows_marks path").nth(rows.evaluate_all(
        f"els => els.findIndex(e => (e.getAttribute('aria-label') || '').includes('{other}'))")).click(
        position={"x": 5, "y": 3})
    expect(page.locator(f"{chart} .highlight_row_marks path")).to_have_count(0)
    expect(sentence).to_have_text("")
