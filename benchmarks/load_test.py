"""Many clinicians at once: N viewers open the app on one Voila server and change filters.

One Voila server on 127.0.0.1, started exactly as ``sjia-explore app`` starts it
(:func:`sjia_explore.server.voila_command`; ``--voila-flag`` adds or replaces a
flag to try a fix). One headless Chromium; each viewer is its own browser context
(no shared cache or cookies). Note that the browsers run on the same machine as
the server, so on a small machine they compete with the kernels for the CPU.

Each viewer, all at the same time:

1. opens the app and waits until the active-joints line is drawn;
2. clicks Sex "Female", sets the cut-off to 6, clicks "Any", sets the cut-off to 12,
   each time waiting until the chart's marks change (timed as in ``benchmarks/pages.py``);
3. checks that no error message is shown.

Reported: errors (must be 0: timeouts, page errors, console errors, error
banners, requests leaving the computer), first-chart and redraw latency
percentiles (p50/p95/max), peak resident memory of the server and its kernels
(sampled every 0.25 s), and kernels still running after the pages closed. Then,
unless ``--no-cull-check``, a separate small server with short culling
(``cull_interval=5``, ``cull_idle_timeout=10``) checks that the kernels of
closed pages are shut down (short culling during the load itself would shut
down kernels that are waiting for a slow page).

The whole test is bounded: ``--timeout`` seconds (default 300) for the viewers,
then the server is stopped whatever happened; the culling check takes at most
about a minute more.

Usage::

    python -m benchmarks.load_test                 # 10 viewers, all arriving at once
    python -m benchmarks.load_test --stagger 3     # one viewer every 3 s
    python -m benchmarks.load_test --voila-flag=--VoilaExecutor.iopub_timeout=60   # try a fix
    python benchmarks/run.py --load                # as part of `make bench`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)
elif str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import pages, serving  # noqa: E402

CULL_FLAGS = ("--MappingKernelManager.cull_interval=5", "--MappingKernelManager.cull_idle_timeout=10")
DEFAULT_OUT = REPO / "benchmarks" / "load_results.json"
#: The filter changes each viewer makes, in order: (what, value).
ACTIONS = (("sex", "Female"), ("cutoff", 6), ("sex", "Any"), ("cutoff", 12))


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0-100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class MemorySampler(threading.Thread):
    """Peak resident memory of a process tree, sampled in the background."""

    def __init__(self, pid: int, every_s: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.peak_total_mb = 0.0
        self.peak_server_mb = 0.0
        self.peak_kernels = 0
        self.peak_kernel_mb = 0.0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            mem = serving.tree_memory(self.pid)
            self.peak_total_mb = max(self.peak_total_mb, mem["total_mb"])
            self.peak_server_mb = max(self.peak_server_mb, mem["server_mb"])
            self.peak_kernels = max(self.peak_kernels, len(mem["kernels_mb"]))
            self.peak_kernel_mb = max([self.peak_kernel_mb, *mem["kernels_mb"]])
            self._halt.wait(self.every_s)

    def stop(self):
        self._halt.set()
        self.join(5)


async def _redraw(page, arm: str, action, timeout_ms: float) -> float:
    await page.evaluate("k => window.__bench.arm(k)", arm)
    await action()
    await page.wait_for_function("() => window.__bench.t1 !== null", timeout=timeout_ms, polling=50)
    t0, t1 = await page.evaluate("[window.__bench.t0, window.__bench.t1]")
    return float(t1) - float(t0)


async def viewer(i: int, browser, url: str, record: dict, page_timeout_ms: float, stagger_s: float) -> None:
    """One viewer's session; everything it sees goes into ``record``."""
    await asyncio.sleep(i * stagger_s)
    context = await browser.new_context(viewport=pages.VIEWPORT)
    record["context"] = context
    await context.add_init_script(script=pages.init_script("app"))
    page = await context.new_page()
    record["page"] = page
    errors, external = record["errors"], record["external"]

    async def block(route):
        external.append(route.request.url)
        await route.abort()

    await page.route(pages.EXTERNAL, block)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: errors.append(f"console error: {m.text}") if m.type == "error" else None)
    record["step"] = "open"
    await page.goto(url, wait_until="commit", timeout=page_timeout_ms)
    await page.wait_for_function("() => window.__bench && window.__bench.first !== null",
                                 timeout=page_timeout_ms, polling=100)
    record["first_ms"] = float(await page.evaluate("window.__bench.first"))
    for what, value in ACTIONS:
        record["step"] = f"{what}={value}"
        if what == "sex":
            async def action(value=value):
                await page.locator(f".sjia-sex button:text-is('{value}')").click()
            arm = "click"
        else:
            async def action(value=value):
                await page.locator(".sjia-cutoff .widget-readout").click()
                await page.keyboard.press("Control+A")
                await page.keyboard.type(str(value))
                await page.keyboard.press("Enter")
            arm = "keydown"
        record["redraws_ms"].append(await _redraw(page, arm, action, page_timeout_ms))
    record["step"] = "check"
    if await page.locator(".sjia-error").is_visible():
        errors.append("error banner shown: " + (await page.locator(".sjia-error").inner_text())[:200])
    record["step"] = "done"


async def _run_viewers(url: str, viewers: int, chromium: str, timeout_s: float, page_timeout_ms: float,
                       stagger_s: float, shots_dir: Path | None = None) -> list[dict]:
    from playwright.async_api import async_playwright

    records = [{"viewer": i, "errors": [], "external": [], "redraws_ms": [], "first_ms": None, "step": "start"}
               for i in range(viewers)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(**pages.launch_args(chromium))
        try:
            tasks = [asyncio.create_task(viewer(i, browser, url, records[i], page_timeout_ms, stagger_s))
                     for i in range(viewers)]
            done, pending = await asyncio.wait(tasks, timeout=timeout_s)
            for task in pending:
                task.cancel()
            for i, task in enumerate(tasks):
                if task in pending:
                    records[i]["errors"].append(f"timed out after {timeout_s:g} s at step {records[i]['step']}")
                elif task.exception() is not None:
                    exc = task.exception()
                    records[i]["errors"].append(f"{type(exc).__name__} at step {records[i]['step']}: "
                                                f"{str(exc).splitlines()[0][:200]}")
            if pending:
                await asyncio.wait(pending, timeout=10)
            for r in records:
                if r["errors"] and shots_dir is not None and r.get("page") is not None:
                    try:  # what a failed viewer was looking at
                        await r["page"].screenshot(path=str(shots_dir / f"load-viewer-{r['viewer']}.png"))
                        r["page_text"] = (await r["page"].inner_text("body"))[:300]
                    except Exception:  # noqa: BLE001 - the page may be gone
                        pass
                r.pop("page", None)
                context = r.pop("context", None)
                if context is not None:
                    try:
                        await context.close()
                    except Exception:  # noqa: BLE001 - already failed
                        pass
        finally:
            await browser.close()
    return records


def verify_culling(chromium: str, log_dir: Path, pages_to_open: int = 2, wait_s: float = 45) -> dict:
    """Open and close ``pages_to_open`` pages on a server with short culling; do their kernels go away?

    Voila does not shut a kernel down when its page closes; the server's idle
    culling does. The load phase keeps the production setting (10 minutes), so
    this separate check uses ``cull_interval=5``, ``cull_idle_timeout=10``.
    """
    from playwright.sync_api import sync_playwright

    server = serving.start(None, log_dir / "voila-cull.log", extra_args=CULL_FLAGS)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(**pages.launch_args(chromium))
            try:
                for _ in range(pages_to_open):
                    pages.open_view(browser, server.url, "app", settle_ms=200).close()
            finally:
                browser.close()
        after_close = len(serving.kernels(server.pid))
        t = time.perf_counter()
        left = after_close
        while time.perf_counter() - t < wait_s:
            left = len(serving.kernels(server.pid))
            if left == 0:
                break
            time.sleep(1)
        return {"pages": pages_to_open, "kernels_after_close": after_close, "kernels_left": left,
                "culled_after_s": round(time.perf_counter() - t, 1) if left == 0 else None,
                "server": "server.voila_command + " + " ".join(CULL_FLAGS)}
    finally:
        serving.stop(server)


def run(viewers: int = 10, chromium: str = "/usr/bin/chromium", timeout_s: float = 300,
        page_timeout_ms: float = 240_000, stagger_s: float = 0.0, cull_check: bool = True,
        log_dir: Path | None = None, voila_flags: tuple[str, ...] = ()) -> dict:
    """Run the load test; returns the figures (see the module docstring)."""
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="sjia-load-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    extra = tuple(voila_flags)
    server = serving.start(None, log_dir / "voila-load.log", extra_args=extra)
    sampler = MemorySampler(server.pid)
    sampler.start()
    t0 = time.perf_counter()
    try:
        records = asyncio.run(_run_viewers(server.url, viewers, chromium, timeout_s, page_timeout_ms, stagger_s,
                                           shots_dir=log_dir))
        wall_s = time.perf_counter() - t0
        kernels_after_close = len(serving.kernels(server.pid))
    finally:
        sampler.stop()
        serving.stop(server)
    culling = verify_culling(chromium, log_dir) if cull_check else None
    firsts = [r["first_ms"] for r in records if r["first_ms"] is not None]
    redraws = [ms for r in records for ms in r["redraws_ms"]]
    errors = [f"viewer {r['viewer']}: {e}" for r in records for e in r["errors"]]
    errors += [f"viewer {r['viewer']}: request leaving this computer: {u}" for r in records for u in r["external"]]
    return {
        "viewers": viewers,
        "stagger_s": stagger_s,
        "server": "server.voila_command" + (" + " + " ".join(extra) if extra else ""),
        "errors": len(errors),
        "error_messages": errors[:50],
        "completed_viewers": sum(r["step"] == "done" for r in records),
        "wall_s": round(wall_s, 1),
        "first_chart_ms_p50": percentile(firsts, 50),
        "first_chart_ms_p95": percentile(firsts, 95),
        "first_chart_ms_max": max(firsts) if firsts else None,
        "redraw_ms_p50": percentile(redraws, 50),
        "redraw_ms_p95": percentile(redraws, 95),
        "redraw_ms_max": max(redraws) if redraws else None,
        "redraw_samples": len(redraws),
        "peak_rss_mb_total": round(sampler.peak_total_mb, 1),
        "peak_rss_mb_server": round(sampler.peak_server_mb, 1),
        "peak_rss_mb_largest_kernel": round(sampler.peak_kernel_mb, 1),
        "peak_kernels": sampler.peak_kernels,
        "kernels_right_after_close": kernels_after_close,
        "culling_check": culling,
        "per_viewer": [{"viewer": r["viewer"], "first_ms": r["first_ms"], "redraws_ms": r["redraws_ms"],
                        "step": r["step"], "page_text": r.get("page_text")} for r in records],
        "server_log": str(log_dir / "voila-load.log"),
        "server_log_iopub_timeouts": _count(log_dir / "voila-load.log", "Timeout waiting for IOPub output"),
        "server_log_culled": _count(log_dir / "voila-load.log", "Culling 'idle' kernel"),
    }


def _count(path: Path, text: str) -> int:
    try:
        return path.read_text(errors="replace").count(text)
    except OSError:
        return 0


def print_report(res: dict) -> None:
    def ms(v):
        return "–" if v is None else f"{v:.0f} ms"

    print(f"\nLoad test: {res['viewers']} viewers on one server ({res['server']})")
    print(f"  errors: {res['errors']} (must be 0); viewers that finished: {res['completed_viewers']}/{res['viewers']};"
          f" wall time {res['wall_s']:.0f} s")
    for line in res["error_messages"][:10]:
        print(f"    {line[:300]}")
    print(f"  server log: {res['server_log_iopub_timeouts']} 'Timeout waiting for IOPub output', "
          f"{res['server_log_culled']} kernels culled while in use or idle ({res['server_log']})")
    print(f"  first chart: p50 {ms(res['first_chart_ms_p50'])}, p95 {ms(res['first_chart_ms_p95'])}, "
          f"max {ms(res['first_chart_ms_max'])}")
    print(f"  redraw ({res['redraw_samples']} filter changes): p50 {ms(res['redraw_ms_p50'])}, "
          f"p95 {ms(res['redraw_ms_p95'])}, max {ms(res['redraw_ms_max'])}")
    print(f"  peak memory: {res['peak_rss_mb_total']:.0f} MB for the server and {res['peak_kernels']} kernels "
          f"(server {res['peak_rss_mb_server']:.0f} MB, largest kernel {res['peak_rss_mb_largest_kernel']:.0f} MB)")
    print(f"  kernels still running right after the {res['viewers']} pages closed: {res['kernels_right_after_close']} "
          "(Voila leaves them to the idle culling)")
    c = res.get("culling_check")
    if c:
        print(f"  culling check ({c['server']}): {c['pages']} pages opened and closed, "
              f"{c['kernels_after_close']} kernels after close, {c['kernels_left']} left"
              + (f" (all culled after {c['culled_after_s']} s)" if c["culled_after_s"] is not None else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="N viewers open the app on one Voila server and change filters.")
    parser.add_argument("--viewers", type=int, default=10, help="concurrent viewers (default 10)")
    parser.add_argument("--timeout", type=float, default=300, help="hard limit for the viewers, seconds (default 300)")
    parser.add_argument("--stagger", type=float, default=0.0, help="seconds between viewers' arrivals (default 0)")
    parser.add_argument("--no-cull-check", action="store_true",
                        help="skip the separate check that closed pages' kernels are culled")
    parser.add_argument("--voila-flag", action="append", default=[], metavar="--Name=value",
                        help="extra Voila flag, replacing one of the same name (repeatable), e.g. "
                             "--voila-flag=--VoilaExecutor.iopub_timeout=60")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--log-dir", type=Path, default=None, help="server log and screenshots of failed viewers")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"results file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    res = run(viewers=args.viewers, chromium=args.chromium, timeout_s=args.timeout, stagger_s=args.stagger,
              cull_check=not args.no_cull_check, page_timeout_ms=args.timeout * 1000, log_dir=args.log_dir,
              voila_flags=tuple(args.voila_flag))
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    print_report(res)
    print(f"\nWrote {args.out}")
    return 0 if res["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
