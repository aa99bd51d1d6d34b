"""What the browser tests do to the app's page, written once for every test module."""

from __future__ import annotations

import time

from playwright.sync_api import expect

#: Kernel start + first execution on a slow, shared 2-core machine.
PAGE_TIMEOUT_MS = 90_000
#: The first chart's active-joints mean line: the page is ready when it is drawn.
JOINTS_LINE = ".sjia-chart svg .joints_mean_marks path"
#: The section tabs.
TAB = ".sjia-tabs .lm-TabBar-tab"


def open_app(watched, url: str, ready: str = JOINTS_LINE, timing=None, timing_name: str = ""):
    """Open the page and wait until ``ready`` (default: the active-joints line) is drawn; optionally time it."""
    page = watched.page
    start = time.perf_counter()
    page.goto(url)
    expect(page.locator(ready).first).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    if timing is not None:
        timing(timing_name, time.perf_counter() - start)
    return page


def open_section(page, title: str) -> None:
    """Click a section's tab and wait until it is the current one."""
    page.locator(TAB, has_text=title).click()
    expect(page.locator(f"{TAB}.lm-mod-current")).to_have_text(title)


def upload(page, path) -> None:
    """Choose ``path`` with the upload button, as a user would."""
    with page.expect_file_chooser() as chooser:
        page.locator(".sjia-upload-button").click()
    chooser.value.set_files(str(path))


def set_cutoff(page, months: int) -> None:
    """Type a cut-off into the slider's read-out, as a user would."""
    page.locator(".sjia-cutoff .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(months))
    page.keyboard.press("Enter")


def screenshot(page, path) -> None:
    """The whole app, not just the window: grow the window to the app's height for the picture."""
    size = page.viewport_size
    page.evaluate("window.scrollTo(0, 0)")
    height = page.evaluate("Math.ceil(document.querySelector('.sjia-app').getBoundingClientRect().bottom) + 40")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(300)  # let the last paint settle
    page.screenshot(path=path)
    page.set_viewport_size(size)


#: Impacts that fail the accessibility audit (axe's "moderate" and "minor" are reported, not failed).
FAILING_IMPACTS = ("serious", "critical")


def audit(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line per rule.

    axe-core is the copy bundled in the ``axe-playwright-python`` package, injected from this computer.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(f"{n['target']}: {n.get('failureSummary', '')}".replace("\n", " ") for n in v["nodes"][:5])
            for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
