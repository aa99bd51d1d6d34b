"""Memory over a long class: one viewer makes 200 filter changes; does the kernel's memory stay put?

One page of the app (served as ``sjia-explore app`` serves it) in headless
Chromium; the viewer alternates cut-offs (6, 9, 12, 15, 18, 24 months) and the
Sex toggle (Female, Male, Any), waiting for each redraw. The resident memory of
that viewer's kernel (the one kept ready before the page was opened) is read
after the first chart, then after every 20 changes. Pass: the last reading is
within 10% of the first (``soak_rss_growth`` = last / first - 1 ≤ 0.10).

The app remembers the last few views it computed (a bounded cache), so memory may
rise over the first changes and must then stay flat: a leak shows as steady growth
over the readings.

Run alone: ``python benchmarks/run.py --soak`` (merges ``soak_*`` keys into results.json).
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks import pages, serving
from sjia_explore import processes

CUTOFFS = (6, 9, 15, 18, 24, 12)
SEXES = ("Female", "Male", "Any")
LIMIT = 0.10
#: A change whose chart looks the same as before is never "redrawn": give up waiting after this long.
TIMEOUT_MS = 15_000


def run(changes: int = 200, chromium: str = "/usr/bin/chromium", log_dir: Path | None = None,
        every: int = 20, say=print) -> dict:
    """Serve the app, open one page, make ``changes`` filter changes; returns the ``soak_*`` keys."""
    from playwright.sync_api import sync_playwright

    log_dir = Path(log_dir or Path(__file__).resolve().parents[1] / "test-artifacts" / "bench")
    log_dir.mkdir(parents=True, exist_ok=True)
    server = serving.start(None, log_dir / "voila-soak.log")
    readings: list[tuple[int, float]] = []
    redraw_ms: list[float] = []
    errors: list[str] = []
    unchanged: list[str] = []
    try:
        serving.wait_for_idle_kernels(server.pid, 1)
        pooled = processes.kernels(server.pid)
        kernel_pid = pooled[0].pid if pooled else None
        with sync_playwright() as p:
            browser = p.chromium.launch(**pages.launch_args(chromium))
            view = pages.open_view(browser, server.url, "app")
            time.sleep(2)
            readings.append((0, processes.rss_mb(kernel_pid) or float("nan")))
            say(f"soak: first chart; kernel {readings[-1][1]:.0f} MB")
            for i in range(1, changes + 1):
                try:
                    if i % 2:
                        r = pages.set_cutoff(view, CUTOFFS[(i // 2) % len(CUTOFFS)], timeout_ms=TIMEOUT_MS)
                    else:
                        r = pages.click_sex(view, SEXES[(i // 2) % len(SEXES)], timeout_ms=TIMEOUT_MS)
                    redraw_ms.append(r["ms"])
                except Exception as err:  # noqa: BLE001 - a change that draws the same chart times out; go on
                    unchanged.append(f"change {i}: {type(err).__name__}: {str(err)[:120]}")
                if i % every == 0:
                    time.sleep(0.5)
                    readings.append((i, processes.rss_mb(kernel_pid) or float("nan")))
                    say(f"soak: {i} changes; kernel {readings[-1][1]:.0f} MB")
            errors += view.errors
            view.close()
            browser.close()
    finally:
        serving.stop(server)
    first, last = readings[0][1], readings[-1][1]
    growth = last / first - 1 if first else None
    return {
        "soak_changes": changes, "soak_kernel_rss_mb_first": round(first, 1),
        "soak_kernel_rss_mb_last": round(last, 1), "soak_kernel_rss_mb_max": round(max(m for _, m in readings), 1),
        "soak_rss_growth": None if growth is None else round(growth, 3),
        "soak_within_10pct": growth is not None and growth <= LIMIT,
        "soak_readings": [[n, round(m, 1)] for n, m in readings],
        "soak_redraw_ms_median": round(sorted(redraw_ms)[len(redraw_ms) // 2], 1) if redraw_ms else None,
        "soak_redraws_timed": len(redraw_ms), "soak_changes_without_visible_redraw": len(unchanged),
        "soak_errors": errors + unchanged[:5],
    }
