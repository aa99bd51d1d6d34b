"""Everyday use without surprises (issue 15): odd addresses, plain words, absent data said as absent.

Each test opens its own page on the app as served (``sjia-explore app``) and
checks what a person sees.
"""

from __future__ import annotations

import io
import os
import re
import signal
import zipfile
from pathlib import Path

import pytest
from page_actions import TAB, open_app, upload
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e



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
    axis_title = page.locator(".sjia-chart svg").first  # in two lines: longer than the panel is high
    expect(axis_title).to_contain_text("Number of active joints:")
    expect(axis_title).to_contain_text("mean and each patient")
    page.locator(".sjia-explain-button").click()
    explanation = page.locator(".sjia-explanation")
    expect(explanation).to_contain_text("Corticosteroid dose, prednisone equivalent, mg/kg/day")
    expect(explanation).not_to_contain_text("steroid_mg_kg_day")
    expect(explanation).not_to_contain_text("ferritin_gt_330")
    watched.assert_clean()


def test_absent_adverse_events_and_steroid_doses_are_not_recorded_never_zero(app_server, new_page, tmp_path):
    from sjia_explore import load_cohort

    bundled = load_cohort()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("patients", "treatments", "visits"):  # no adverse_events.csv
            z.writestr(f"{name}.csv", getattr(bundled, name).to_csv(index=False))
    path = tmp_path / "no-events.zip"
    path.write_bytes(buf.getvalue())
    watched = new_page()
    page = open_app(watched, app_server.url + "?study=vastert2011&section=safety", ready=".sjia-steroid-text p")
    steroid = page.locator(".sjia-steroid-text")
    expect(steroid).to_contain_text("No corticosteroid dose is recorded for the selected patients")
    expect(steroid).not_to_contain_text("n=0")
    upload(page, path)
    expect(page.locator(".sjia-upload-warnings")).to_contain_text("no adverse-events table was found")
    expect(page.locator(f"{TAB}.lm-mod-current")).to_have_text("Steroids and safety")
    safety = page.locator(".sjia-safety-text")
    expect(safety.locator("td", has_text="not recorded")).to_have_count(len(bundled.studies))
    expect(safety).not_to_contain_text("rate 0")
    watched.assert_clean()


def test_a_file_over_the_limit_is_refused_in_the_browser_and_the_next_upload_works(app_server, new_page, tmp_path):
    from sjia_explore import format as fmt
    from sjia_explore.app.upload import UPLOAD_MAX_BYTES

    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (UPLOAD_MAX_BYTES + 5 * 2**20))
    small = tmp_path / "small.csv"
    small.write_text("patient_id,study,months_onset_to_treatment,week,active_joints,sjadas27,steroid_mg_kg_day\n"
                     "P1,mine,3,0,4,20,0.5\nP1,mine,3,4,1,5,0\nP2,mine,20,0,2,18,0\nP2,mine,20,4,2,10,0\n")
    watched = new_page()
    page = open_app(watched, app_server.url)
    expect(page.locator(".sjia-upload")).not_to_contain_text("(0)")
    upload(page, big)
    limit, size = fmt.size(UPLOAD_MAX_BYTES), fmt.size(big.stat().st_size)
    expect(page.locator(".sjia-upload-status")).to_contain_text(f"it is {size}, over this app's limit of {limit}")
    expect(page.locator(".sjia-upload-problems")).to_contain_text(f"big.csv: the file is {size}")
    # the kernel's acknowledgement of the refusal does not wipe what the page said
    expect(page.locator(".sjia-upload-status")).to_contain_text("over this app's limit")
    upload(page, small)  # the control still works
    expect(page.locator(".sjia-n-total")).to_contain_text("2 patients")
    expect(page.locator(".sjia-upload-problems")).to_be_hidden()
    watched.assert_clean()


def kernel_pid(kernel_id: str) -> int:
    """The process of the kernel with this id (its command line names its connection file)."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(kernel_id.encode() in a and a.endswith(b".json") for a in args):
                return int(proc.name)
    raise LookupError(f"no process for kernel {kernel_id}")


def test_a_lost_kernel_is_said_within_seconds_and_the_controls_are_disabled(app_server, new_page):
    watched = new_page()
    page = open_app(watched, app_server.url + "?sex=F&cutoff=24")
    kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    banner = page.locator(".sjia-session-ended-banner")
    page.wait_for_timeout(5000)  # a quiet, live kernel answers: nothing is said
    expect(banner).to_have_count(0)
    os.kill(kernel_pid(kernel_id), signal.SIGKILL)
    expect(banner).to_be_visible(timeout=25_000)
    expect(banner).to_contain_text("This session has ended.")
    expect(banner).to_contain_text("Reload the page")
    expect(page.locator(".sjia-sex button:text-is('Male')")).to_be_disabled()
    expect(page.locator(".sjia-upload button")).to_be_disabled()


def test_section_headers_are_keyboard_buttons_and_controls_have_names(app_server, new_page):
    from sjia_explore import load_cohort
    from sjia_explore.app.vocabulary import drug_label

    drug = drug_label(load_cohort().prior_biologic_options()[0])
    watched = new_page()
    page = open_app(watched, app_server.url)
    expect(page.get_by_role("checkbox", name=f"had {drug}", exact=True)).to_have_count(1)
    expect(page.get_by_role("checkbox", name=f"did not have {drug}", exact=True)).to_have_count(1)
    expect(page.get_by_role("combobox", name="Study")).to_have_count(1)
    header = page.get_by_role("button", name="Table 1")
    expect(header).to_have_attribute("aria-expanded", "false")
    header.focus()
    page.keyboard.press("Enter")
    expect(header).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".sjia-table1")).to_be_visible()
    page.keyboard.press(" ")
    expect(header).to_have_attribute("aria-expanded", "false")
    ratio = selected_toggle_contrast(page, ".sjia-sex")
    print(f"selected toggle contrast {ratio:.2f}:1")
    assert ratio >= 3
    watched.assert_clean()


CONTRAST_JS = r"""(css) => {
  const lum = (c) => { const v = c.match(/[0-9.]+/g).slice(0, 3).map(Number).map(x => x / 255)
    .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const buttons = Array.from(document.querySelectorAll(css + " button"));
  const on = buttons.find(b => b.classList.contains("mod-active")), off = buttons.find(b => b !== on);
  const a = lum(getComputedStyle(on).backgroundColor), b = lum(getComputedStyle(off).backgroundColor);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def selected_toggle_contrast(page, css: str) -> float:
    """Contrast ratio (WCAG) between the selected toggle's background and another's."""
    return page.evaluate(CONTRAST_JS, css)
