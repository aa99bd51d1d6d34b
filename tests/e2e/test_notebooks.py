"""The notebooks' charts are drawn in a real browser, from this computer only (nbmake only runs the code)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PAGE_TIMEOUT_MS
from playwright.sync_api import expect

NOTEBOOKS = sorted(p for p in (Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb")
                   if "VegaChart(" in p.read_text(encoding="utf-8"))


def test_there_are_notebooks_with_charts():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chart_of_the_notebook_is_drawn(notebook, serve_notebook, new_page, artifacts):
    server = serve_notebook(notebook)
    watched = new_page()
    page = watched.page
    page.goto(server.url)
    charts = page.locator(".sjia-vega")
    expect(charts.first).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    # Voila shows the page once every cell has run: then every chart widget is on it.
    expect(page.locator(".jp-OutputArea-output").last).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    count = charts.count()
    assert count >= 1
    expect(page.locator(".sjia-vega svg.marks")).to_have_count(count, timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".sjia-vega svg.marks g.role-mark").first).to_be_attached()
    expect(page.locator(".sjia-chart-error")).to_have_count(0)
    page.screenshot(path=artifacts / f"notebook-{notebook.stem}.png", full_page=True)
    watched.assert_clean()
