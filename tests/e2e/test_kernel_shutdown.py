"""A closed or reloaded tab shuts its kernel down, so reloads do not pile kernels up until the idle cull.

Voila's page asks the server to shut its kernel down when it unloads; the server
used to refuse (``403 POST /voila/api/shutdown/... '_xsrf' argument missing``)
because Voila never sets the token cookie on a notebook page. The app's template
sets it. Kernels are counted in the process table of the server (``/proc``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from page_actions import JOINTS_LINE
from playwright.sync_api import expect

from sjia_explore import processes
from sjia_explore.server import PREHEAT_POOL_SIZE

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not processes.HAVE_PROC, reason="counts kernels in /proc (Linux)")]

TRIVIAL = Path(__file__).resolve().parents[2] / "benchmarks" / "trivial.ipynb"
REFUSED = re.compile(r"40\d POST /voila/api/shutdown")


def _kernels_settle_at_most(server, most: int, timeout_s: float = 30) -> int:
    """Wait until the server runs at most ``most`` kernels; returns the last count."""
    deadline = time.monotonic() + timeout_s
    n = len(processes.kernels(server.pid))
    while n > most and time.monotonic() < deadline:
        time.sleep(0.25)
        n = len(processes.kernels(server.pid))
    return n


def test_reloading_ten_times_leaves_at_most_the_pool_and_one_kernel(serve_notebook, new_page):
    server = serve_notebook(TRIVIAL)
    watched = new_page()
    page = watched.page
    page.goto(server.url)
    expect(page.locator(".bench-label")).to_be_visible()
    for _ in range(10):
        page.reload()
        expect(page.locator(".bench-label")).to_be_visible()
    n = _kernels_settle_at_most(server, PREHEAT_POOL_SIZE + 1)
    log = server.log()
    assert not REFUSED.search(log), REFUSED.search(log).group(0)
    assert n <= PREHEAT_POOL_SIZE + 1, f"{n} kernels after 10 reloads (pool {PREHEAT_POOL_SIZE}); log:\n{log[-3000:]}"
    assert log.count("Kernel shutdown:") >= 10
    # Closing the tab (the browser runs the page's unload handlers) leaves the pool only.
    page.close(run_before_unload=True)
    n = _kernels_settle_at_most(server, PREHEAT_POOL_SIZE)
    assert n <= PREHEAT_POOL_SIZE, f"{n} kernels after the tab was closed (pool {PREHEAT_POOL_SIZE})"
    watched.assert_clean()


def test_the_apps_kernel_is_shut_down_when_its_tab_is_reloaded(app_server, new_page):
    watched = new_page()
    page = watched.page
    page.goto(app_server.url)
    expect(page.locator(JOINTS_LINE).first).to_be_attached()
    first = {k.pid for k in processes.kernels(app_server.pid)}
    page.reload()
    expect(page.locator(JOINTS_LINE).first).to_be_attached()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "Kernel shutdown:" not in app_server.log():
        time.sleep(0.25)
    log = app_server.log()
    assert not REFUSED.search(log), REFUSED.search(log).group(0)
    assert "Kernel shutdown:" in log
    assert len(first - {k.pid for k in processes.kernels(app_server.pid)}) >= 1, "the first page's kernel still runs"
    watched.assert_clean()
