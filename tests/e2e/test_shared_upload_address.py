"""A shared address made on an uploaded file (issue 15): it names the file and its fingerprint, never its data;
opened elsewhere it asks for that file, and shows the shared view once the same file is uploaded. The open
panel comes back with the address.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from page_actions import set_cutoff
from playwright.sync_api import expect

from sjia_explore import load_cohort

pytestmark = pytest.mark.e2e

JOINTS_LINE = ".sjia-chart svg .joints_mean_marks path"
PAGE_TIMEOUT_MS = 90_000  # kernel start + first execution on a slow 2-core machine
TAB = ".sjia-tabs .lm-TabBar-tab"
SHARE = "Share, reproduce or download this view"
STATISTICS = "Statistics: change from week 0"


def small_csv() -> str:
    """Eight patients in long form (a row per patient and visit), half of them female; onset to treatment
    3, 7, 11, … 31 months."""
    rows = ["patient_id,study,sex,months_onset_to_treatment,week,active_joints,sjadas27,steroid_mg_kg_day"]
    for i in range(8):
        sex, months = ("F" if i % 2 else "M"), 3 + 4 * i
        for week, joints in ((0, 6 + i), (4, 3 + i % 3), (12, 1 + i % 2)):
            rows.append(f"P{i},mine,{sex},{months},{week},{joints},{10 + 2 * joints},{0.5 if week == 0 else 0.1}")
    return "\n".join(rows) + "\n"


def choose_file(page, button: str, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator(button).click()
    chooser.value.set_files(str(path))


def open_app(watched, url: str, ready: str = JOINTS_LINE):
    page = watched.page
    page.goto(url)
    expect(page.locator(ready).first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    return page


def shared_address(page) -> str:
    """Open the Share panel and read the address it gives."""
    page.get_by_text(SHARE).click()
    field = page.locator(".sjia-share-address-text")
    expect(field).to_be_visible()
    expect(field).to_have_value(re.compile(r"^http://"))
    return field.input_value()


def test_an_address_made_on_an_uploaded_file_asks_for_it_and_shows_the_view_once_it_comes(
        app_server, new_page, tmp_path, artifacts):
    path = tmp_path / "mycohort.csv"
    path.write_text(small_csv())
    sha = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    bundled_n = f"{load_cohort().n_patients} patients"

    # Odd file keys get the plain notice, as text
    first = new_page()
    page = open_app(first, app_server.url + "?data=%3Cb%3Ebold%3C%2Fb%3E.csv&sha=zz")
    notice = page.locator(".sjia-notice")
    expect(notice).to_contain_text("file name “<b>bold</b>.csv”")
    expect(notice).to_contain_text("fingerprint “zz”")
    expect(notice.locator("b")).to_have_count(0)
    expect(page.locator(".sjia-shared-file")).to_be_hidden()

    # Upload, choose a view, and read its address from the Share panel
    choose_file(page, ".sjia-upload-button", path)
    expect(page.locator(".sjia-n-total")).to_contain_text("8 patients")
    page.locator(".sjia-sex button:text-is('Female')").click()
    expect(page.locator(".sjia-n-total")).to_contain_text("4 patients")
    set_cutoff(page, 10)
    expect(page).to_have_url(re.compile(r"[?&]cutoff=10(&|$)"))
    page.locator(TAB, has_text="Window of opportunity").click()
    expect(page).to_have_url(re.compile(r"[?&]section=window(&|$)"))
    address = shared_address(page)
    assert re.search(rf"[?&]data=mycohort\.csv&sha={sha}$", address), address
    for part in ("sex=F", "cutoff=10", "section=window"):
        assert part in address
    assert "P1" not in address and "mine" not in address  # the file's values never go into the address
    privacy = page.locator(".sjia-share-privacy")
    expect(privacy).to_contain_text("The address holds your choices, never the data")
    expect(privacy).to_contain_text("whoever opens it needs the same file")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator(".sjia-copy-address").click()
    expect(page.locator(".sjia-share-address-status")).to_have_text(" Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == address
    page.locator(".sjia-share").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "shared-address-share-panel.png")
    expect(page.locator(".sjia-state-python textarea")).to_have_value(re.compile(r'load_cohort\("mycohort\.csv"\)'))
    first.assert_clean()

    # Opened elsewhere: the bundled studies, and a banner naming the file and offering the upload
    second = new_page()
    page = open_app(second, address, ready=".sjia-shared-file")
    banner = page.locator(".sjia-shared-file")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"This view was made on “mycohort.csv” (fingerprint {sha}).")
    expect(banner).to_contain_text("Upload that file to see it; until then the app shows the bundled studies")
    expect(page.locator(".sjia-n-total")).to_contain_text(bundled_n)
    expect(page.locator(f"{TAB}.lm-mod-current")).to_have_text("Window of opportunity")
    expect(page.locator(".sjia-notice")).to_be_hidden()
    expect(page).to_have_url(address)  # the shared address is kept while nothing is changed
    page.screenshot(path=artifacts / "shared-address-banner.png")

    # The same file, uploaded from the banner: the banner goes and the shared view is applied
    choose_file(page, ".sjia-shared-upload-button", path)
    expect(banner).to_be_hidden()
    expect(page.locator(".sjia-n-total")).to_contain_text("4 patients")
    expect(page.locator(".sjia-sex button:text-is('Female')")).to_have_class(re.compile("mod-active"))
    expect(page.locator(".sjia-cutoff .widget-readout")).to_have_text("10")
    expect(page.locator(f"{TAB}.lm-mod-current")).to_have_text("Window of opportunity")
    expect(page.locator(".sjia-upload-warnings")).to_contain_text("Now showing your file “mycohort.csv”")

    # The open panel is part of the view: open Statistics, copy the address from the Share panel
    page.get_by_text(STATISTICS).click()
    expect(page.locator(".sjia-test-method-text")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]open=statistics(&|$)"))
    address = shared_address(page)
    assert "open=statistics" in address and f"sha={sha}" in address, address
    second.assert_clean()

    third = new_page()
    page = open_app(third, address, ready=".sjia-shared-file")
    expect(page.locator(".sjia-test-method-text")).to_be_visible()  # Statistics open again
    expect(page.locator(".sjia-share-address-text")).to_be_hidden()  # the Share panel is not
    expect(page.locator(".sjia-shared-file")).to_contain_text(f"fingerprint {sha}")

    # A different file is accepted, and the banner says its fingerprint differs
    other = tmp_path / "other.csv"
    other.write_text(small_csv().replace("P7,mine,F,31,0,13", "P7,mine,F,31,0,12"))
    other_sha = hashlib.sha256(other.read_bytes()).hexdigest()[:12]
    choose_file(page, ".sjia-shared-upload-button", other)
    expect(page.locator(".sjia-n-total")).to_contain_text("8 patients")
    banner = page.locator(".sjia-shared-file")
    expect(banner).to_contain_text("“other.csv” is not the file this view was made on")
    expect(banner).to_contain_text(f"its fingerprint, {other_sha}, differs from the address’s, {sha}")
    third.assert_clean()
