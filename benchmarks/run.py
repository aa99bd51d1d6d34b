"""Performance and scale of sjia-explore, measured against baselines in the same run (``make bench``).

Prints a table and writes ``benchmarks/results.json``. Every figure is measured
several times; a key holds the median and ``<key>_min`` / ``<key>_max`` hold the
extremes. Ratios compare the app with a floor measured in the same run on the
same machine, so they hold on a busy or slow computer where absolute times do not.

1. First chart in Voila (headless Chromium, a newly started server per page):
   the app against ``benchmarks/trivial.ipynb`` (one Dropdown and a Label).
2. Redraw: a control change until the chart's marks differ, against a bare
   Dropdown → Label round trip; on the bundled cohort and on a 10,000-patient registry.
3. Compute per update, no browser (``benchmarks/compute.py``).
4. Memory of the viewer's kernel after the first chart.
5. Bytes sent to the browser for one view, and rows inlined in the chart specification.
6. The same first chart and redraws for ``benchmarks/peers/peer.ipynb``, a hand-made notebook (pandas,
   ipywidgets, an offline Altair ``JupyterChart``), and the app's redraws against the chart floor.

Usage::

    python benchmarks/run.py              # about 4-6 minutes on 2 cores
    python benchmarks/run.py --quick      # fewer repeats, no preheat comparison: about 2 minutes
    python benchmarks/run.py --load       # also the 10-viewer load test (benchmarks/load_test.py): +3 minutes
    python benchmarks/run.py --no-browser # compute figures only
    python benchmarks/run.py --only app,chart,peer,10k --out benchmarks/results-peer.json  # those pages only
    python benchmarks/run.py --concurrent # only the concurrent-viewers figures (benchmarks/crowd.py), merged
                                          # into the existing results.json: about 10 minutes
    python benchmarks/run.py --soak       # only the soak test (benchmarks/soak.py), merged likewise: ~5 minutes

Extra arguments can also come from the ``BENCH_ARGS`` environment variable
(``make bench BENCH_ARGS=--quick``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # import this folder as the `benchmarks` package, and shadow nothing
elif str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import compute  # noqa: E402
from benchmarks.compute import put  # noqa: E402

TRIVIAL = REPO / "benchmarks" / "trivial.ipynb"
PEER = REPO / "benchmarks" / "peers" / "peer.ipynb"
DEFAULT_OUT = REPO / "benchmarks" / "results.json"
ARTIFACTS = REPO / "test-artifacts" / "bench"
PREHEAT_FLAGS = ("--preheat_kernel=True", "--pool_size=1")
NO_PREHEAT_FLAGS = ("--preheat_kernel=False",)

#: (key, limit, how to read it): a target is met when the figure is at most the limit. Redraws are judged
#: against the chart floor (PEER_TARGETS), not a bare widget round trip: the chart alone costs 2-3x that.
TARGETS = (
    ("first_chart_ratio", 1.0, "first chart: app / trivial notebook, server as `sjia-explore app` starts it"),
    ("first_chart_10k_vs_bundled", 1.5, "first chart: 10,000 patients / bundled (no kernel kept ready)"),
    ("update_ms_10k", 15.0, "compute per update, 10,000 patients (ms)"),
    ("view_bytes_ratio", 1.02, "bytes of a first view: app / trivial notebook"),
    ("kernel_rss_mb_bundled", 120.0, "kernel memory after the first chart, bundled (MB)"),
    ("kernel_rss_mb_10k", 200.0, "kernel memory after the first chart, 10,000 patients (MB)"),
    ("concurrent_ratio_10", 1.3, "10 simultaneous page requests, p95: app / trivial notebook (no browser)"),
    ("viewers_ratio_10", 0.6, "10 simultaneous page requests, p95: app with --viewers 10 (warm) / trivial notebook"),
    ("concurrent_ratio_30", 1.3, "30 simultaneous page requests, p95: app / trivial notebook (no browser)"),
    ("viewers_ratio_30", 0.6, "30 simultaneous page requests, p95: app with --viewers 30 (warm) / trivial notebook"),
)

#: Targets against the chart floor and the peer notebook (issue 17); evaluated with TARGETS.
PEER_TARGETS = (
    ("redraw_vs_chart_floor_bundled", 1.5, "redraw: app (cut-off not shown before) / chart floor, bundled cohort"),
    ("redraw_vs_chart_floor_10k", 2.0, "redraw: app (cut-off not shown before), 10,000 patients / chart floor"),
    ("redraw_sex_vs_chart_floor_bundled", 1.5, "redraw: app (Sex toggle: a new selection) / chart floor, bundled"),
    ("redraw_vs_peer_bundled", 0.3, "redraw: app / peer notebook (cut-off not shown before), bundled"),
    ("first_chart_vs_peer", 0.4, "first chart: app / peer notebook (benchmarks/peers/peer.ipynb)"),
)

#: Pages ``--only`` can choose among (default configuration only: no cold or preheat what-if).
PAGES = ("app", "trivial", "chart", "peer", "10k")

#: Cut-offs a page is moved to, each for the first time (nothing about them has been computed yet); then it
#: goes back and forth between two it has shown (12, the default, and the first of these).
NEW_CUTOFFS = (6, 9, 15, 18, 24, 30, 36, 48)
#: The Sex toggle's clicks timed on each page: each one a selection of patients not shown before on that page
#: (the page opens on "Any"), so that ``redraw_*_sex`` is what a new selection costs, never a return to one.
SEX_CLICKS = ("Female", "Male")
#: The app's page is timed on two more: after Sex "Any" and MAS "No" (not timed; each changes the chart, so
#: each redraw is seen to end), Female and Male with no MAS before are new selections too. (The peer notebook
#: has no MAS filter: it is timed on SEX_CLICKS.)
SEX_ROUNDS = (((), SEX_CLICKS), ((("sex", "Any"), ("mas", "No")), SEX_CLICKS))

#: Chart floor: the app's chart widget with precomputed specifications swapped by a Dropdown.
CHART_FLOOR_NOTEBOOK = '''import ipywidgets as widgets

from sjia_explore import CohortExplorer, load_cohort
from sjia_explore.app import ViewState

explorer = CohortExplorer(load_cohort())
specs = {{"12": explorer.session.compute(ViewState(early_cutoff_months=12)).trajectories.spec,
         "6": explorer.session.compute(ViewState(early_cutoff_months=6)).trajectories.spec}}
dropdown = widgets.Dropdown(options=["12", "6"], value="12")
dropdown.add_class("bench-dropdown")
dropdown.observe(lambda change: setattr(explorer.trajectories.chart, "chart", specs[change["new"]]), names="value")
widgets.VBox([dropdown, explorer.trajectories.chart_box])
'''

LARGE_NOTEBOOK = '''from sjia_explore import CohortExplorer, load_cohort

CohortExplorer(load_cohort({folder!r})).view
'''


RUN_STARTED = time.perf_counter()  # log lines show seconds since the run started


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - RUN_STARTED:6.0f} s] {msg}", flush=True)


def write_notebook(path: Path, code: str) -> Path:
    """A one-cell notebook; like app.ipynb, it asks the app's template to preload the chart library."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["sjia_explore"] = {"preload_chart_library": True}
    nbformat.write(nb, path)
    return path


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("sjia-explore", "voila", "ipywidgets", "altair", "anywidget", "pandas", "numpy", "playwright"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def machine() -> dict:
    import psutil

    return {"platform": platform.platform(), "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


# --------------------------------------------------------------------------------------------
# Compute (no browser)
# --------------------------------------------------------------------------------------------
def run_compute(args, work: Path, results: dict) -> Path:
    log("compute: bundled cohort")
    cohort, load_s = compute.load(None)
    _, load_s_warm = compute.load(None)
    results["load_s_bundled"] = round(load_s_warm, 3)
    results["load_s_bundled_first_in_process"] = round(load_s, 3)
    results.update(compute.measure_cohort(cohort, "bundled", repeats=args.compute_repeats,
                                          stats_repeats=max(1, min(3, args.compute_repeats))))

    log(f"compute: simulated registry of {args.n_large} patients (written, then read back with load_cohort)")
    folder = compute.registry_folder(args.n_large, work / f"registry-{args.n_large}")
    large, load_s = compute.load(folder)
    results["load_s_10k"] = round(load_s, 3)
    results.update(compute.measure_cohort(large, "10k", repeats=args.compute_repeats,
                                          stats_repeats=1))
    if args.kernel_repeats > 0:
        from benchmarks import kernel_start

        log(f"kernel start: CPU of a fresh process running app.ipynb / trivial.ipynb, {args.kernel_repeats} pairs")
        results.update(kernel_start.measure(args.kernel_repeats))
    if not args.no_profile:
        log("compute: cProfile of the update on 10,000 patients")
        results["profile_update_10k"] = compute.profile_update(large, repeats=2,
                                                               dump=ARTIFACTS / "profile-update-10k.txt")
        results["profile_update_bundled"] = compute.profile_update(cohort, repeats=4,
                                                                   dump=ARTIFACTS / "profile-update-bundled.txt")
        log("compute: cProfile of a new kernel's path to the first view (bundled, then 10,000 patients)")
        results["kernel_cold_path_bundled"] = compute.cold_path_subprocess(
            None, dump=ARTIFACTS / "profile-cold-bundled.txt")
        results["kernel_cold_path_10k"] = compute.cold_path_subprocess(
            folder, dump=ARTIFACTS / "profile-cold-10k.txt")
        if not args.only or "peer" in args.only:
            log("compute: the peer notebook's kernel work per change, timed and profiled")
            profile_peer(results, repeats=args.compute_repeats)
    return folder


def peer_namespace() -> dict:
    """Run the peer notebook's code (all but its last line, which displays the widgets) in a new namespace."""
    import nbformat

    nb = nbformat.read(PEER, as_version=4)
    code = "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "code").rstrip()
    namespace: dict = {}
    exec(compile(code.rsplit("\n", 1)[0], str(PEER), "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def profile_peer(results: dict, repeats: int = 3) -> None:
    """The peer's kernel work per cut-off change: its steps timed (median ms) and a cProfile listing."""
    import cProfile

    ns = peer_namespace()
    cutoffs = [NEW_CUTOFFS[i % len(NEW_CUTOFFS)] for i in range(max(1, repeats))]
    steps = {"summary": [], "chart": [], "to_dict": []}
    for months in cutoffs:
        t0 = time.perf_counter()
        rows = ns["summary"]("any", "any", months)
        t1 = time.perf_counter()
        chart = ns["alt"].hconcat(*(ns["panel"](rows, o) for o in ns["OUTCOMES"]))
        t2 = time.perf_counter()
        chart.to_dict()
        t3 = time.perf_counter()
        for name, dt_s in (("summary", t1 - t0), ("chart", t2 - t1), ("to_dict", t3 - t2)):
            steps[name].append(dt_s * 1000)
    for name, values in steps.items():
        put(results, f"peer_kernel_ms_{name}", values)
    prof = cProfile.Profile()
    for months in cutoffs:
        prof.enable()
        ns["cutoff"].value = months + 1  # the notebook's own observer: summary, chart, JupyterChart update
        prof.disable()
    results["profile_peer_redraw"] = compute._top(prof, len(cutoffs), 15, ARTIFACTS / "profile-peer-redraw.txt")


# --------------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------------
def measure_view(browser, url: str, kind: str, server_pid: int, redraws: int,
                 sex_redraws: int = sum(len(clicks) for _, clicks in SEX_ROUNDS)) -> dict:
    """Open one page, time its first chart and its redraws; memory of its kernel; bytes received."""
    from benchmarks import pages, serving

    view = pages.open_view(browser, url, kind)
    out = {"first_ms": view.first_ms, "bytes": view.bytes.snapshot(), "largest_frame": view.bytes.largest_frame}
    mem = serving.tree_memory(server_pid)
    out["kernel_rss_mb"] = max(mem["kernels_mb"]) if mem["kernels_mb"] else None
    out["server_rss_mb"] = mem["server_mb"]
    out["redraws"], out["revisits"], out["sex_redraws"] = [], [], []
    try:
        if kind == "app":
            out["drawn"] = pages.drawn_rows(view)
            for months in NEW_CUTOFFS[:redraws]:
                out["redraws"].append(pages.set_cutoff(view, months))
            if redraws:
                pages.set_cutoff(view, NEW_CUTOFFS[0])
            for i in range(redraws):
                out["revisits"].append(pages.set_cutoff(view, 12 if i % 2 == 0 else NEW_CUTOFFS[0]))
            timed = 0
            for before, clicks in SEX_ROUNDS:
                for control, label in before if timed < sex_redraws else ():  # not timed: new selections next
                    (pages.click_sex if control == "sex" else pages.click_mas)(view, label)
                for label in clicks:
                    if timed < sex_redraws:
                        out["sex_redraws"].append(pages.click_sex(view, label))
                        timed += 1
        elif kind == "peer":
            measure_peer_redraws(view, out, redraws, sex_redraws)
        elif kind == "chart":
            for i in range(redraws):
                out["redraws"].append(pages.choose(view, "6" if i % 2 == 0 else "12"))
        else:
            for i in range(redraws):
                out["redraws"].append(pages.choose(view, "b" if i % 2 == 0 else "a"))
        mem = serving.tree_memory(server_pid)
        out["kernel_rss_mb_after_redraws"] = max(mem["kernels_mb"]) if mem["kernels_mb"] else None
    finally:
        out["errors"] = list(view.errors)
        out["external"] = list(view.external)
        view.close()
    return out


def measure_peer_redraws(view, out: dict, redraws: int, sex_redraws: int) -> None:
    """The peer notebook's redraws: the same cut-offs (none shown before) and Sex clicks as the app's."""
    from benchmarks import pages

    for months in NEW_CUTOFFS[:redraws]:
        out["redraws"].append(pages.set_cutoff(view, months))
    for label in SEX_CLICKS[:sex_redraws]:
        out["sex_redraws"].append(pages.click_sex(view, label))


def serve_and_measure(browser, notebook: Path | None, kind: str, extra: tuple[str, ...], label: str,
                      redraws: int, preheat: bool = False) -> dict:
    from benchmarks import serving

    server = serving.start(notebook, ARTIFACTS / f"voila-{label}.log", extra_args=extra)
    try:
        if preheat and not serving.wait_for_idle_kernels(server.pid, 1, timeout_s=180):
            raise RuntimeError("the preheated kernel did not become idle within 180 s")
        out = measure_view(browser, server.url, kind, server.pid, redraws)
        out["server_start_s"] = server.started_s
        return out
    finally:
        serving.stop(server)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def put_ratio(results: dict, key: str, pairs: list[tuple[float, float]]) -> None:
    """Ratio of paired samples (app, floor) measured in the same repeat: median, min, max."""
    put(results, key, [ratio(a, b) for a, b in pairs if ratio(a, b) is not None], digits=2)


def run_browser(args, large_folder: Path, work: Path, results: dict) -> None:
    from playwright.sync_api import sync_playwright

    from benchmarks import pages
    from sjia_explore.server import voila_command

    served_with_preheat = any(a.startswith("--preheat_kernel=True") or a == "--preheat_kernel"
                              for a in voila_command())
    results["voila_command_preheats"] = served_with_preheat
    raw: dict[str, list] = {"app": [], "trivial": [], "chart": [], "app_cold": [], "trivial_cold": [],
                            "app_preheat": [], "trivial_preheat": [], "app_10k": [], "peer": []}
    chart_nb = write_notebook(work / "chart_floor.ipynb", CHART_FLOOR_NOTEBOOK.format())
    results["raw_browser"] = raw
    with sync_playwright() as p:
        browser = p.chromium.launch(**pages.launch_args(args.chromium))
        results["chromium"] = browser.version
        try:
            configs = [("", ())]
            if served_with_preheat and not args.only:
                configs.append(("_cold", NO_PREHEAT_FLAGS))
            if not args.no_preheat and not args.only:
                configs.append(("_preheat", PREHEAT_FLAGS))
            for suffix, extra in configs:
                for i in range(args.repeats):
                    order = [("app", None), ("trivial", TRIVIAL)]
                    if i % 2:
                        order.reverse()  # neither page always goes first
                    if not suffix:
                        order.append(("chart", chart_nb))
                        order.insert(i % 2, ("peer", PEER))  # first, then second, in turn
                    order = [(k, nb) for k, nb in order if not args.only or k in args.only]
                    for kind, nb in order:
                        name = f"{kind}{suffix}"
                        log(f"browser: {name}, page {i + 1}/{args.repeats}")
                        try:
                            r = serve_and_measure(browser, nb, kind, extra, name, args.redraws if not suffix else 0,
                                                  preheat=suffix == "_preheat" or (not suffix and served_with_preheat))
                            raw[name].append(r)
                        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                            results.setdefault("errors", []).append(f"{name}: {type(exc).__name__}: {exc}")
                            traceback.print_exc()
            nb10k = write_notebook(work / "app_10k.ipynb", LARGE_NOTEBOOK.format(folder=str(large_folder)))
            # The registry has been opened before (sjia_explore.cohort_cache): pages read it back, not check it again.
            from sjia_explore import load_cohort

            load_cohort(large_folder)
            # Served with no kernel kept ready, and compared with the bundled app served the same way (app_cold):
            # the kernel's reading of the registry and first view are part of the figure, as the target means.
            pair_cold = not raw["app_cold"]  # --only: the bundled pages with no kernel kept ready are measured here
            for i in range(args.repeats_10k if not args.only or "10k" in args.only else 0):
                log(f"browser: app on {args.n_large} patients, page {i + 1}/{args.repeats_10k}")
                try:
                    raw["app_10k"].append(serve_and_measure(browser, nb10k, "app", NO_PREHEAT_FLAGS, "app-10k",
                                                            args.redraws))
                    if pair_cold:
                        log(f"browser: app_cold (beside the 10,000-patient pages), page {i + 1}")
                        raw["app_cold"].append(serve_and_measure(browser, None, "app", NO_PREHEAT_FLAGS,
                                                                 "app_cold", 0))
                except Exception as exc:  # noqa: BLE001
                    results.setdefault("errors", []).append(f"app_10k: {type(exc).__name__}: {exc}")
                    traceback.print_exc()
        finally:
            browser.close()
    results["path_10k"] = ("generated notebook: CohortExplorer(load_cohort(<folder written by "
                           f"simulate.write_cohort(registry({args.n_large}, seed=0))>)).view, served with "
                           "server.voila_command (the app has no upload path)")
    summarise_browser(results, raw)


def _redraw_samples(runs: list[dict], key: str = "redraws", field: str = "ms") -> list[float]:
    return [r[field] for run in runs for r in run.get(key, []) if r.get(field) is not None]


def summarise_browser(results: dict, raw: dict) -> None:
    app, trivial = raw["app"], raw["trivial"]
    # 1. first chart
    put(results, "first_chart_ms_app", [r["first_ms"] for r in app])
    put(results, "first_chart_ms_trivial", [r["first_ms"] for r in trivial])
    put_ratio(results, "first_chart_ratio", [(a["first_ms"], t["first_ms"]) for a, t in zip(app, trivial)])
    if raw["app_cold"]:
        cold_app, cold_trivial = raw["app_cold"], raw["trivial_cold"]
        results["first_chart_cold_note"] = "server.voila_command with --preheat_kernel=False appended"
    else:
        cold_app, cold_trivial = app, trivial
        results["first_chart_cold_note"] = ("server.voila_command starts no preheated kernels, so the cold figure "
                                            "is the same runs as first_chart_ratio")
    put(results, "first_chart_ms_app_cold", [r["first_ms"] for r in cold_app])
    put_ratio(results, "first_chart_ratio_cold",
              [(a["first_ms"], t["first_ms"]) for a, t in zip(cold_app, cold_trivial)])
    if raw["app_preheat"]:
        put(results, "first_chart_ms_app_preheat", [r["first_ms"] for r in raw["app_preheat"]])
        put(results, "first_chart_ms_trivial_preheat", [r["first_ms"] for r in raw["trivial_preheat"]])
        put_ratio(results, "first_chart_ratio_preheat",
                  [(a["first_ms"], t["first_ms"]) for a, t in zip(raw["app_preheat"], raw["trivial_preheat"])])
        results["first_chart_preheat_note"] = ("what-if: server.voila_command + --preheat_kernel=True --pool_size=1, "
                                               "page opened once the pooled kernel had run the notebook")

    # 2. redraw
    put(results, "redraw_ms_trivial", _redraw_samples(trivial))
    chart = raw["chart"]
    put(results, "redraw_ms_chart_floor", _redraw_samples(chart))
    put(results, "redraw_render_ms_chart_floor", _redraw_samples(chart, field="render_ms"))
    put_ratio(results, "redraw_ratio_chart_floor",
              [(med(_redraw_samples([c])), med(_redraw_samples([t]))) for c, t in zip(chart, trivial)])
    put_ratio(results, "redraw_ratio_bundled_vs_chart_floor",
              [(med(_redraw_samples([a])), med(_redraw_samples([c]))) for a, c in zip(app, chart)])
    put(results, "redraw_ms_bundled", _redraw_samples(app))
    put(results, "redraw_ms_bundled_sex", _redraw_samples(app, "sex_redraws"))
    put(results, "redraw_to_spec_ms_bundled", _redraw_samples(app, field="to_spec_ms"))
    put(results, "redraw_render_ms_bundled", _redraw_samples(app, field="render_ms"))
    pairs = [(med(_redraw_samples([a])), med(_redraw_samples([t]))) for a, t in zip(app, trivial)]
    put_ratio(results, "redraw_ratio_bundled", pairs)
    floor = results.get("redraw_ms_trivial")
    large = raw["app_10k"]
    put(results, "redraw_ms_10k", _redraw_samples(large))
    put(results, "redraw_ms_10k_sex", _redraw_samples(large, "sex_redraws"))
    put(results, "redraw_to_spec_ms_10k", _redraw_samples(large, field="to_spec_ms"))
    put(results, "redraw_render_ms_10k", _redraw_samples(large, field="render_ms"))
    # Per 10,000-patient page: its median redraw over the median floor of the whole run.
    put_ratio(results, "redraw_ratio_10k", [(med(_redraw_samples([a])), floor) for a in large])
    # Going back to a view already shown: its chart and selection are remembered (Session's section caches).
    for label, runs in (("bundled", app), ("10k", large)):
        put(results, f"redraw_ms_{label}_revisit", _redraw_samples(runs, "revisits"))
        put(results, f"redraw_to_spec_ms_{label}_revisit", _redraw_samples(runs, "revisits", "to_spec_ms"))
        put(results, f"redraw_render_ms_{label}_revisit", _redraw_samples(runs, "revisits", "render_ms"))
        put_ratio(results, f"redraw_ratio_{label}_revisit",
                  [(med(_redraw_samples([a], "revisits")), floor) for a in runs])
    put(results, "first_chart_ms_10k", [r["first_ms"] for r in large])
    bundled_first = med([r["first_ms"] for r in raw.get("app_cold", [])])
    put(results, "first_chart_10k_vs_bundled", [ratio(r["first_ms"], bundled_first) for r in large], digits=2)
    results["first_chart_10k_note"] = ("both with no kernel kept ready (--preheat_kernel=False): the 10,000-patient "
                                       "pages / the median of first_chart_ms_app_cold")

    # 4. memory
    put(results, "kernel_rss_mb_bundled", [r["kernel_rss_mb"] for r in app])
    put(results, "kernel_rss_mb_trivial", [r["kernel_rss_mb"] for r in trivial])
    put(results, "kernel_rss_mb_10k", [r["kernel_rss_mb"] for r in large])
    put(results, "kernel_rss_mb_10k_after_redraws", [r.get("kernel_rss_mb_after_redraws") for r in large])
    put(results, "server_rss_mb", [r["server_rss_mb"] for r in app])

    # 5. bytes
    for label, runs in (("bundled", app), ("trivial", trivial), ("10k", large)):
        put(results, f"view_bytes_{label}", [r["bytes"]["total"] for r in runs], digits=0)
        put(results, f"view_ws_bytes_{label}", [r["bytes"]["ws_in"] for r in runs], digits=0)
        put(results, f"view_http_bytes_{label}", [r["bytes"]["http"] for r in runs], digits=0)
        put(results, f"view_largest_ws_message_{label}", [r["largest_frame"] for r in runs], digits=0)
    # First view, nothing cached (a new browser context): app / trivial page, both served by the app's template.
    put_ratio(results, "view_bytes_ratio", [(a["bytes"]["total"], t["bytes"]["total"]) for a, t in zip(app, trivial)])
    put(results, "redraw_ws_bytes_bundled", _redraw_samples(app, field="ws_bytes"), digits=0)
    put(results, "redraw_ws_bytes_10k", _redraw_samples(large, field="ws_bytes"), digits=0)
    put(results, "redraw_spec_message_bytes_bundled", _redraw_samples(app, field="spec_msg_bytes"), digits=0)
    put(results, "redraw_spec_message_bytes_10k", _redraw_samples(large, field="spec_msg_bytes"), digits=0)
    for label, runs in (("bundled", app), ("10k", large)):
        drawn = [r["drawn"]["summary_rows"] + r["drawn"]["patient_points"] for r in runs if r.get("drawn")]
        if drawn:
            results[f"rows_drawn_in_page_{label}"] = drawn[0]
    errors = [f"{name}: {e}" for name, runs in raw.items() for r in runs for e in r.get("errors", [])]
    external = [u for runs in raw.values() for r in runs for u in r.get("external", [])]
    results["page_errors"] = errors
    results["external_requests"] = external
    summarise_peer(results, raw)


def summarise_peer(results: dict, raw: dict) -> None:
    """The app against the chart floor and against the peer notebook, paired page by page."""
    app, chart, peer, large = raw["app"], raw["chart"], raw.get("peer", []), raw["app_10k"]

    def by_page(runs, key="redraws", field="ms"):
        return [med(_redraw_samples([r], key, field)) for r in runs]

    put_ratio(results, "redraw_vs_chart_floor_bundled", list(zip(by_page(app), by_page(chart))))
    put_ratio(results, "redraw_sex_vs_chart_floor_bundled", list(zip(by_page(app, "sex_redraws"), by_page(chart))))
    floor = results.get("redraw_ms_chart_floor")  # median of the whole run, as for redraw_ratio_10k
    put_ratio(results, "redraw_vs_chart_floor_10k", [(a, floor) for a in by_page(large)])
    put(results, "first_chart_ms_peer", [r["first_ms"] for r in peer])
    put(results, "redraw_ms_peer", _redraw_samples(peer))
    put(results, "redraw_to_spec_ms_peer", _redraw_samples(peer, field="to_spec_ms"))
    put(results, "redraw_render_ms_peer", _redraw_samples(peer, field="render_ms"))
    put(results, "redraw_ms_peer_sex", _redraw_samples(peer, "sex_redraws"))
    put(results, "kernel_rss_mb_peer", [r["kernel_rss_mb"] for r in peer])
    put(results, "view_bytes_peer", [r["bytes"]["total"] for r in peer], digits=0)
    put(results, "redraw_ws_bytes_peer", _redraw_samples(peer, field="ws_bytes"), digits=0)
    put_ratio(results, "redraw_vs_peer_bundled", list(zip(by_page(app), by_page(peer))))
    put_ratio(results, "redraw_sex_vs_peer_bundled",
              list(zip(by_page(app, "sex_redraws"), by_page(peer, "sex_redraws"))))
    put_ratio(results, "first_chart_vs_peer", [(a["first_ms"], p["first_ms"]) for a, p in zip(app, peer)])
    results["peer_external_requests"] = [u for r in peer for u in r.get("external", [])]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
ROWS = (
    ("First chart", [
        ("first_chart_ms_app", "ms", "app, server as `sjia-explore app` starts it"),
        ("first_chart_ms_trivial", "ms", "trivial notebook (floor)"),
        ("first_chart_ratio", "×", "app / floor"),
        ("first_chart_ratio_cold", "×", "app / floor, no preheated kernel"),
        ("first_chart_ms_app_preheat", "ms", "app, preheated kernel (what-if)"),
        ("first_chart_ms_trivial_preheat", "ms", "trivial, preheated kernel (what-if)"),
        ("first_chart_ratio_preheat", "×", "app / floor, both preheated (what-if)"),
        ("first_chart_ms_10k", "ms", "app on 10,000 patients"),
        ("first_chart_10k_vs_bundled", "×", "app on 10,000 patients / app, bundled (no kernel kept ready)"),
    ]),
    ("Redraw (input → new marks in the page)", [
        ("redraw_ms_trivial", "ms", "bare Dropdown → Label round trip (floor)"),
        ("redraw_ms_chart_floor", "ms", "chart floor: app's chart, spec swapped, no compute"),
        ("redraw_render_ms_chart_floor", "ms", "  of which chart message → marks drawn"),
        ("redraw_ratio_chart_floor", "×", "chart floor / bare round trip"),
        ("redraw_ms_bundled", "ms", "app, cut-off slider, bundled cohort"),
        ("redraw_to_spec_ms_bundled", "ms", "  of which input → chart message arrives"),
        ("redraw_render_ms_bundled", "ms", "  of which chart message → marks drawn"),
        ("redraw_ms_bundled_sex", "ms", "app, Sex toggle, bundled cohort"),
        ("redraw_ratio_bundled", "×", "app / floor, bundled"),
        ("redraw_ratio_bundled_vs_chart_floor", "×", "app / chart floor, bundled"),
        ("redraw_ms_10k", "ms", "app, cut-off slider, 10,000 patients"),
        ("redraw_to_spec_ms_10k", "ms", "  of which input → chart message arrives"),
        ("redraw_render_ms_10k", "ms", "  of which chart message → marks drawn"),
        ("redraw_ratio_10k", "×", "app / floor, 10,000 patients"),
        ("redraw_ms_bundled_revisit", "ms", "app, back to a cut-off shown before, bundled"),
        ("redraw_to_spec_ms_bundled_revisit", "ms", "  of which input → chart message arrives"),
        ("redraw_render_ms_bundled_revisit", "ms", "  of which chart message → marks drawn"),
        ("redraw_ratio_bundled_revisit", "×", "app / floor, back to a cut-off shown before, bundled"),
        ("redraw_ms_10k_revisit", "ms", "app, back to a cut-off shown before, 10,000 patients"),
        ("redraw_ratio_10k_revisit", "×", "app / floor, back to a cut-off shown before, 10,000 patients"),
    ]),
    ("Compute per update (no browser)", [
        ("update_ms_bundled", "ms", "Session.compute, cut-off 6 ↔ 12, bundled"),
        ("update_ms_revisit_bundled", "ms", "  the same, both views remembered"),
        ("update_full_ms_bundled", "ms", "update() incl. widget values, bundled"),
        ("update_ms_sex_bundled", "ms", "Session.compute, Sex F ↔ any, bundled"),
        ("update_ms_new_selection_bundled", "ms", "Session.compute, Sex F ↔ M, each a new selection, bundled"),
        ("update_ms_10k", "ms", "Session.compute, cut-off 6 ↔ 12, 10,000 patients"),
        ("update_ms_revisit_10k", "ms", "  the same, both views remembered"),
        ("update_full_ms_10k", "ms", "update() incl. widget values, 10,000 patients"),
        ("update_ms_sex_10k", "ms", "Session.compute, Sex F ↔ any, 10,000 patients"),
        ("update_ms_new_selection_10k", "ms", "Session.compute, Sex F ↔ M, each a new selection, 10,000 patients"),
        ("stats_ms_bundled", "ms", "statistics button (paper's method), bundled"),
        ("stats_ms_10k", "ms", "statistics button (paper's method), 10,000 patients"),
        ("load_s_bundled", "s", "load_cohort(), bundled"),
        ("load_s_10k", "s", "load_cohort(folder), 10,000 patients"),
    ]),
    ("New viewer's kernel, start to first chart (CPU seconds of a fresh process, no server)", [
        ("kernel_start_cpu_s", "s", "app.ipynb (kernel imports, app, first chart)"),
        ("kernel_start_cpu_s_trivial", "s", "trivial notebook (floor)"),
        ("kernel_start_cpu_ratio", "×", "app / floor"),
    ]),
    ("Memory", [
        ("kernel_rss_mb_trivial", "MB", "kernel, trivial notebook"),
        ("kernel_rss_mb_bundled", "MB", "kernel after first chart, bundled"),
        ("kernel_rss_mb_10k", "MB", "kernel after first chart, 10,000 patients"),
        ("kernel_rss_mb_10k_after_redraws", "MB", "kernel after redraws, 10,000 patients"),
        ("server_rss_mb", "MB", "Voila server process"),
    ]),
    ("Bytes to the browser (new browser context: nothing cached)", [
        ("view_bytes_trivial", "B", "one view, trivial notebook (HTTP + WebSocket)"),
        ("view_bytes_bundled", "B", "one view, app, bundled"),
        ("view_ws_bytes_bundled", "B", "  of which WebSocket"),
        ("view_largest_ws_message_bundled", "B", "  largest WebSocket message"),
        ("view_bytes_ratio", "×", "one view: app / trivial notebook"),
        ("view_bytes_10k", "B", "one view, app, 10,000 patients"),
        ("view_ws_bytes_10k", "B", "  of which WebSocket"),
        ("redraw_ws_bytes_bundled", "B", "WebSocket bytes per redraw, bundled"),
        ("redraw_ws_bytes_10k", "B", "WebSocket bytes per redraw, 10,000 patients"),
        ("spec_bytes_bundled", "B", "chart specification, bundled"),
        ("spec_bytes_10k", "B", "chart specification, 10,000 patients"),
        ("spec_bytes_each_patient_10k", "B", "chart specification with each patient's line, 10,000"),
    ]),
)


ROWS += (
    ("Against the chart floor and the peer notebook (benchmarks/peers/peer.ipynb)", [
        ("first_chart_ms_peer", "ms", "peer: first chart"),
        ("first_chart_vs_peer", "×", "first chart, app / peer"),
        ("redraw_ms_peer", "ms", "peer: cut-off slider, bundled"),
        ("redraw_to_spec_ms_peer", "ms", "  of which input → chart message arrives"),
        ("redraw_render_ms_peer", "ms", "  of which chart message → marks drawn"),
        ("redraw_ms_peer_sex", "ms", "peer: Sex toggle, bundled"),
        ("redraw_vs_peer_bundled", "×", "redraw, app / peer, cut-off"),
        ("redraw_sex_vs_peer_bundled", "×", "redraw, app / peer, Sex toggle"),
        ("redraw_vs_chart_floor_bundled", "×", "redraw, app / chart floor, cut-off, bundled"),
        ("redraw_sex_vs_chart_floor_bundled", "×", "redraw, app / chart floor, Sex toggle, bundled"),
        ("redraw_vs_chart_floor_10k", "×", "redraw, app / chart floor, cut-off, 10,000 patients"),
        ("peer_kernel_ms_summary", "ms", "peer kernel per change: pandas group-by"),
        ("peer_kernel_ms_chart", "ms", "peer kernel per change: Altair chart objects"),
        ("peer_kernel_ms_to_dict", "ms", "peer kernel per change: chart.to_dict()"),
        ("kernel_rss_mb_peer", "MB", "peer: kernel after first chart"),
        ("view_bytes_peer", "B", "peer: one view (HTTP + WebSocket)"),
        ("redraw_ws_bytes_peer", "B", "peer: WebSocket bytes per redraw"),
    ]),
)


def fmt(value, unit: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if unit == "B":
        return f"{value / 1e6:.2f} MB" if value >= 1e5 else f"{value / 1e3:.1f} kB"
    if unit == "×":
        return f"{value:.2f}×"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"


def evaluate_targets(results: dict) -> list[dict]:
    out = []
    for key, limit, text in TARGETS + PEER_TARGETS:
        value = results.get(key)
        status = "NOT MEASURED" if value is None else ("PASS" if value <= limit else "MISS")
        out.append({"key": key, "value": value, "limit": limit, "status": status, "what": text})
    return out


def print_report(results: dict) -> None:
    print()
    print(f"{'figure':<52} {'median':>11} {'min':>11} {'max':>11}  n")
    for title, rows in ROWS:
        print(f"-- {title}")
        for key, unit, text in rows:
            if key not in results:
                continue
            v = results[key]
            n = results.get(f"{key}_n", "")
            print(f"{text:<52} {fmt(v, unit):>11} {fmt(results.get(f'{key}_min'), unit):>11} "
                  f"{fmt(results.get(f'{key}_max'), unit):>11}  {n}")
    for label in ("bundled", "10k"):
        if f"spec_rows_{label}" in results:
            print(f"chart rows inlined vs drawn ({label}): {results[f'spec_rows_{label}']} in the specification, "
                  f"{results[f'spec_rows_drawn_{label}']} drawn (counted from the cohort)"
                  + (f", {results[f'rows_drawn_in_page_{label}']} counted in the page"
                     if f"rows_drawn_in_page_{label}" in results else "")
                  + f"; with each patient's line: {results.get(f'spec_rows_each_patient_{label}')} vs "
                    f"{results.get(f'spec_rows_drawn_each_patient_{label}')}")
    print("\nTargets (figure ≤ limit):")
    for t in results["targets"]:
        value = "–" if t["value"] is None else f"{t['value']:g}"
        print(f"  {t['status']:<12} {t['key']:<22} {value:>8}  (≤ {t['limit']:g})  {t['what']}")
    if results.get("peer_external_requests"):
        print(f"\nThe peer notebook asked for: {results['peer_external_requests'][:5]}")
    if results.get("errors"):
        print("\nErrors during the run:")
        for e in results["errors"]:
            print("  " + e)
    if results.get("page_errors"):
        print(f"\nPage errors ({len(results['page_errors'])}): " + "; ".join(results["page_errors"][:5]))
    if results.get("external_requests"):
        print(f"\nRequests that would have left this computer: {results['external_requests'][:5]}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="1 page per configuration, 2 redraws, no preheat what-if (about 3 minutes)")
    parser.add_argument("--repeats", type=int, default=3, help="page loads per configuration (default 3)")
    parser.add_argument("--repeats-10k", type=int, default=2, help="page loads of the 10,000-patient app (default 2)")
    parser.add_argument("--redraws", type=int, default=4, help="cut-off changes timed per page (default 4)")
    parser.add_argument("--compute-repeats", type=int, default=7, help="updates timed per cohort (default 7)")
    parser.add_argument("--n-large", type=int, default=10_000, help="patients in the large registry (default 10000)")
    parser.add_argument("--kernel-repeats", type=int, default=5,
                        help="fresh processes per notebook for the kernel-start CPU figures (default 5; 0 skips)")
    parser.add_argument("--no-browser", action="store_true", help="compute figures only")
    parser.add_argument("--no-preheat", action="store_true", help="skip the preheated-kernel what-if")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    parser.add_argument("--load", action="store_true", help="also run the load test (benchmarks/load_test.py)")
    parser.add_argument("--viewers", type=int, default=10, help="viewers in the load test (default 10)")
    parser.add_argument("--load-timeout", type=float, default=180,
                        help="hard limit for the load test's viewers, seconds (default 180)")
    parser.add_argument("--concurrent", action="store_true",
                        help="only the concurrent-viewers figures (benchmarks/crowd.py), merged into --out")
    parser.add_argument("--no-concurrent", action="store_true", help="skip the concurrent-viewers figures")
    parser.add_argument("--soak", action="store_true",
                        help="only the soak test (benchmarks/soak.py: 200 filter changes by one viewer, kernel "
                             "memory), merged into --out; with --concurrent, both")
    parser.add_argument("--concurrent-levels", default="10,30",
                        help="simultaneous viewers, comma-separated (default 10,30; --quick: 10)")
    parser.add_argument("--only", default="",
                        help=f"measure only these pages, comma-separated, among {','.join(PAGES)} (no cold or "
                             "preheat what-if); e.g. --only app,chart,peer,10k")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"results file (default {DEFAULT_OUT})")
    extra = shlex.split(os.environ.get("BENCH_ARGS", ""))
    args = parser.parse_args((list(sys.argv[1:]) if argv is None else list(argv)) + extra)
    if args.quick:
        args.repeats, args.repeats_10k, args.redraws = 1, 1, 2
        args.compute_repeats = min(args.compute_repeats, 3)
        args.no_preheat = True
        if args.concurrent_levels == "10,30":
            args.concurrent_levels = "10"
    args.only = tuple(p.strip() for p in str(args.only).split(",") if p.strip())
    unknown = sorted(set(args.only) - set(PAGES))
    if unknown:
        parser.error(f"--only: unknown page(s) {', '.join(unknown)}; choose among {', '.join(PAGES)}")
    args.concurrent_levels = tuple(int(n) for n in str(args.concurrent_levels).split(",") if n.strip())
    return args


def run_concurrent(args, results: dict) -> None:
    from benchmarks import crowd

    log(f"concurrent page requests: {', '.join(map(str, args.concurrent_levels))} viewers")
    try:
        results.update(crowd.run(levels=args.concurrent_levels, log_dir=ARTIFACTS, say=log))
    except Exception:  # noqa: BLE001 - record it and keep the other figures
        results.setdefault("errors", []).append("concurrent: " + traceback.format_exc(limit=3))


def run_soak(args, results: dict) -> None:
    from benchmarks import soak

    log("soak: 200 filter changes by one viewer")
    try:
        results.update(soak.run(chromium=args.chromium, log_dir=ARTIFACTS, say=log))
    except Exception:  # noqa: BLE001 - record it and keep the other figures
        results.setdefault("errors", []).append("soak: " + traceback.format_exc(limit=3))


def main_merge(args) -> int:
    """``--concurrent`` / ``--soak``: measure only those figures and merge them into ``args.out``."""
    from benchmarks import crowd

    try:
        results = json.loads(args.out.read_text())
    except (OSError, ValueError):
        results = {}
    parts = [(flag, prefixes, runner) for flag, prefixes, runner in (
        (args.concurrent, ("concurrent", "viewers_ratio"), run_concurrent), (args.soak, ("soak",), run_soak)) if flag]
    for _, prefixes, runner in parts:
        results["errors"] = [e for e in results.get("errors", []) if not e.startswith(prefixes)]
        for key in [k for k in results if k.startswith(prefixes)]:
            del results[key]
        t0 = time.perf_counter()
        results[f"{prefixes[0]}_date"] = dt.datetime.now().isoformat(timespec="seconds")
        runner(args, results)
        results[f"{prefixes[0]}_wall_s"] = round(time.perf_counter() - t0, 1)
    results["targets"] = evaluate_targets(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
    if args.concurrent:
        crowd.print_report(results)
        for t in results["targets"]:
            if t["key"].startswith(("concurrent", "viewers")):
                value = "–" if t["value"] is None else f"{t['value']:g}"
                print(f"  {t['status']:<12} {t['key']:<22} {value:>8}  (≤ {t['limit']:g})  {t['what']}")
    if args.soak and "soak_readings" in results:
        print("\nSoak: kernel memory (MB) after N filter changes: "
              + ", ".join(f"{n}: {m:.0f}" for n, m in results["soak_readings"])
              + f"; growth {results['soak_rss_growth']:+.1%} (limit +10%)")
    for e in results.get("errors", []):
        print("error: " + e)
    print(f"\nMerged into {args.out}. Server logs: {ARTIFACTS}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if args.concurrent or args.soak:
        return main_merge(args)
    results: dict = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
                     "versions": versions(),
                     "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sjia-bench-") as tmp:
        work = Path(tmp)
        large_folder = run_compute(args, work, results)
        if not args.no_browser:
            if not Path(args.chromium).is_file():
                results.setdefault("errors", []).append(
                    f"Chromium not found at {args.chromium}: browser figures skipped")
            else:
                run_browser(args, large_folder, work, results)
            if not args.no_concurrent:
                run_concurrent(args, results)  # servers, no browser; skipped with --no-browser ("compute only")
        if args.load:
            from benchmarks import load_test

            log(f"load test: {args.viewers} viewers")
            results["load_test"] = load_test.run(viewers=args.viewers, chromium=args.chromium, log_dir=ARTIFACTS,
                                                timeout_s=args.load_timeout, page_timeout_ms=args.load_timeout * 1000)
    results["targets"] = evaluate_targets(results)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["wall_s"] = round(time.perf_counter() - t0, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
    print_report(results)
    if "concurrent" in results:
        from benchmarks import crowd

        crowd.print_report(results)
    if "load_test" in results:
        from benchmarks import load_test

        load_test.print_report(results["load_test"])
    print(f"\nWrote {args.out} ({results['wall_s']:.0f} s). Profiles and server logs: {ARTIFACTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
