"""Keyboard and screen-reader access in a real browser (issue 15, item 4).

- An automated audit with axe-core: no serious or critical violation, in both themes, on the first view,
  with each section open and with each collapsible panel open. axe-core is the copy bundled in the
  ``axe-playwright-python`` package, injected into the page from this computer (nothing is fetched).
- A keyboard-only walk: Tab from the top of the page reaches every control and section header, each
  shows where the focus is, and Space, Enter and the arrow keys operate them.
"""

from __future__ import annotations

import re

import pytest
from page_actions import audit
from playwright.sync_api import expect

from sjia_explore.app.vocabulary import SECTION_TITLES

pytestmark = pytest.mark.e2e

PAGE_TIMEOUT_MS = 90_000
READY = ".sjia-chart svg .joints_mean_marks path"
TAB = ".sjia-tabs .lm-TabBar-tab"
HEADER = ".jupyter-widget-Collapse-header"
def open_app(watched, url):
    page = watched.page
    page.goto(url)
    expect(page.locator(READY).first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    return page


def settle(page, pattern: str):
    """Wait until the address says the view has changed (the kernel answered), then for the redraw."""
    expect(page).to_have_url(re.compile(pattern))
    page.wait_for_timeout(1200)


def test_no_serious_accessibility_violation_in_either_theme_in_any_section_or_panel(app_server, new_page):
    watched = new_page()
    page = open_app(watched, app_server.url)
    found: dict[str, list[str]] = {}
    for theme in ("Light", "Dark"):
        page.locator(f".sjia-theme button:text-is('{theme}')").click()
        expect(page.locator(".sjia-app")).to_have_class(re.compile(rf"\bsjia-theme-{theme.lower()}\b"))
        page.wait_for_timeout(1200)
        found[f"{theme}: first view"] = audit(page)
        for key, title in SECTION_TITLES.items():
            page.locator(TAB, has_text=title).click()
            expect(page.locator(f"{TAB}.lm-mod-current")).to_have_text(title)
            if key != "trajectories":
                settle(page, rf"section={key}")
            else:
                page.wait_for_timeout(1200)
            found[f"{theme}: {title}"] = audit(page)
        page.locator(TAB, has_text=SECTION_TITLES["trajectories"]).click()
        headers = page.locator(HEADER)
        assert headers.count() == 3
        for i in range(headers.count()):
            header = headers.nth(i)
            header.click()
            expect(header).to_have_attribute("aria-expanded", "true")
            page.wait_for_timeout(1500)
            found[f"{theme}: {header.inner_text()} open"] = audit(page)
        headers.nth(2).click()
        expect(headers.nth(2)).to_have_attribute("aria-expanded", "false")
    failures = {where: lines for where, lines in found.items() if lines}
    assert failures == {}, "\n".join(f"{where}:\n  " + "\n  ".join(lines) for where, lines in failures.items())
    assert len(found) == 2 * (1 + len(SECTION_TITLES) + 3)
    watched.assert_clean()


#: Says what has the focus: its accessible name (or text), and whether a focus ring is drawn around it.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const name = e.getAttribute('aria-label') || (e.labels && e.labels.length ? e.labels[0].innerText : '')
    || e.innerText || e.value || '';
  const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  return {name: name.trim().split('\\n')[0], tag: e.tagName, role: e.getAttribute('role') || '', ring};
}"""


def tab_walk(page, presses: int = 80) -> list[dict]:
    """Everything that takes the focus, from the top of the page, pressing Tab only (until it wraps)."""
    page.locator("body").focus()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            if seen:
                break
            continue
        if seen and focused == seen[0]:
            break
        seen.append(focused)
    return seen


def focus_on(page, name: str, presses: int = 80) -> None:
    """Press Tab (only) until the element with this name has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and focused["name"] == name:
            return
    raise AssertionError(f"Tab never reached “{name}”")


def test_the_keyboard_alone_reaches_and_operates_every_control(app_server, new_page):
    watched = new_page()
    page = open_app(watched, app_server.url)
    walk = tab_walk(page)
    names = [f["name"] for f in walk]
    expected = ["Upload a cohort file", "Study", "had Tocilizumab", "did not have Tocilizumab", "Female", "Male",
                "Early or late cut-off, months from onset to treatment", "Show each patient's line",
                "Reset filters", "Light", "Dark", "Trajectories", "Chart (PNG)", "Numbers (CSV)",
                "Table 1: baseline characteristics of the selected patients", "Statistics: change from week 0",
                "Share, reproduce or download this view"]
    missing = [n for n in expected if not any(got.startswith(n) for got in names)]
    assert missing == [], f"never reached by Tab: {missing}; reached: {names}"
    # the order follows the page: filters, then the theme, the sections, their downloads, the panels
    first = {n: next(i for i, got in enumerate(names) if got.startswith(n)) for n in expected}
    assert first["Study"] < first["Female"] < first["Reset filters"] < first["Trajectories"] < first["Chart (PNG)"]
    assert first["Chart (PNG)"] < first["Table 1: baseline characteristics of the selected patients"]
    no_ring = [f["name"] for f in walk if not f["ring"]]
    assert no_ring == [], f"no visible focus on: {no_ring}"

    # Space on "Male": the selection changes
    total = page.locator(".sjia-n-total")
    before = total.inner_text()
    page.locator("body").focus()
    focus_on(page, "Male")
    page.keyboard.press("Space")
    expect(page.locator(".sjia-sex button:text-is('Male')")).to_have_class(re.compile("mod-active"))
    expect(page).to_have_url(re.compile(r"sex=M"))
    expect(total).not_to_have_text(before)
    # arrows on the cut-off slider
    focus_on(page, "Early or late cut-off, months from onset to treatment")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".sjia-cutoff .widget-readout")).to_have_text("14")
    expect(page).to_have_url(re.compile(r"cutoff=14"))
    # Space on "Dark"
    focus_on(page, "Dark")
    page.keyboard.press("Space")
    expect(page.locator(".sjia-app")).to_have_class(re.compile(r"\bsjia-theme-dark\b"))
    # the section tabs: arrow to the next one, Enter opens it
    focus_on(page, "Trajectories")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator(f"{TAB}.lm-mod-current")).to_have_text(SECTION_TITLES["window"])
    expect(page).to_have_url(re.compile(r"section=window"))
    expect(page.locator(".sjia-window-chart svg").first).to_be_visible()
    # Enter on a panel header opens it, Space closes it again
    focus_on(page, "Statistics: change from week 0")
    statistics = page.locator(HEADER, has_text="Statistics")
    page.keyboard.press("Enter")
    expect(statistics).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".sjia-stats").first).to_be_visible()
    page.keyboard.press("Space")
    expect(statistics).to_have_attribute("aria-expanded", "false")
    watched.assert_clean()
