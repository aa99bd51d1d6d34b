"""The first chart is drawn once, already fitted, in a window too narrow for its natural width.

Panels side by side that clearly do not fit (three trajectory panels need about 910 px; a 1280-px window
leaves about 900) are fitted before the first drawing instead of being drawn too wide and drawn again.
Counted in the page: every ``<svg>`` added to the active-joints chart.
"""

from __future__ import annotations

import pytest
from page_actions import JOINTS_LINE, PAGE_TIMEOUT_MS

pytestmark = pytest.mark.e2e

COUNT_DRAWINGS = """
window.__sjiaDrawings = 0;
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes)
    if (node.nodeName === "svg" && node.closest && node.closest(".sjia-chart-joints")) window.__sjiaDrawings++;
}).observe(document, {subtree: true, childList: true});
"""


@pytest.mark.parametrize("width", [1280, 1024])
def test_a_narrow_window_gets_one_drawing_that_fits(app_server, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(COUNT_DRAWINGS)
        page.goto(app_server.url)
        page.wait_for_selector(JOINTS_LINE, state="attached", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(1500)  # a second drawing, if any, comes right after the first
        drawn = page.locator(".sjia-chart-joints svg").first.bounding_box()
        room = page.evaluate("document.querySelector('.sjia-chart-joints')"
                             ".closest('.widget-tab-contents, .jupyter-widget-tab-contents').clientWidth")
        assert page.evaluate("window.__sjiaDrawings") == 1
        assert drawn["width"] <= room, (drawn, room)
    finally:
        context.close()
