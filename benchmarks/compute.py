"""The app's update path without a browser: time per state change, chart size, profiles.

What is timed
-------------
``CohortExplorer.update(state)`` is the app's one update path. It is two halves:
``Session.compute(state)`` (filter, funnel counts, per-visit summaries,
chart specification; it touches no widget) and ``_show(view)`` (sets widget
values). ``update_ms`` times ``Session.compute``, the pure half, on alternating states
(cut-off 6 ↔ 12 months, what the slider does), each computed anew (the
explorer is made to forget the selections and charts it remembers before each
call; ``update_ms_revisit`` times the same states remembered); ``update_full_ms`` times
``update`` itself, with widgets that have no page attached (so no messages are
sent). The statistics panel runs only when its button is pressed; it is timed
separately (``stats_ms``, the paper's method).

The chart specification is checked for inlined data: the rows in its
``datasets`` are compared with the rows the chart draws, counted independently
from the cohort (one row per group × visit × outcome, plus one per patient value
when "each patient" is on).

Run ``python -m benchmarks.compute cold-path [FOLDER]`` for a cProfile of what
a new kernel does before the first chart (imports, load, first view).
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Alternating states timed per cohort: (name, state A, state B) as ViewState keyword arguments.
STATE_PAIRS = {
    "cutoff": ({"early_cutoff_months": 6}, {"early_cutoff_months": 12}),
    "sex": ({"sex": "F"}, {}),
}


def summary(samples: list[float]) -> dict:
    """min / median / max of a list of numbers (None when empty)."""
    if not samples:
        return {"min": None, "median": None, "max": None, "n": 0}
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples), "n": len(samples)}


def put(results: dict, key: str, samples: list[float], digits: int = 1) -> None:
    """``results[key]`` = median, with ``key_min`` / ``key_max`` siblings and ``key_n`` samples."""
    s = summary([float(x) for x in samples if x is not None])
    for suffix, value in (("", s["median"]), ("_min", s["min"]), ("_max", s["max"])):
        results[key + suffix] = None if value is None else round(value, digits)
    results[key + "_n"] = s["n"]


def registry_folder(n_patients: int, folder: Path, seed: int = 0) -> Path:
    """Write a simulated registry of ``n_patients`` into ``folder`` (CSV, as ``sjia-explore simulate``)."""
    from sjia_explore.simulate import registry, write_cohort

    folder = Path(folder)
    if not (folder / "patients.csv").is_file():
        write_cohort(registry(n_patients, seed=seed), folder)
    return folder


def load(path: Path | None):
    """``load_cohort(path)`` and the seconds it took."""
    from sjia_explore import load_cohort

    t = time.perf_counter()
    cohort = load_cohort(path)
    return cohort, time.perf_counter() - t


def forget(explorer) -> None:
    """Make the explorer forget the selections and charts it remembers, so the next update computes them.

    What depends only on the patients of a selection and not on what changed in the timed pair of views
    (the provenance of the values drawn: the ``about`` section) stays remembered, as in the app.
    """
    explorer.session.forget(sections=("trajectories", "window", "safety", "table1"))


def run_tests(explorer, state) -> None:
    """The statistics panel's tests for ``state``, computed anew (nothing remembered, nothing counted)."""
    from sjia_explore.app.compute import tests

    selected, _ = explorer.session.selected(state)
    tests.compute(selected, state.test_outcome, state.test_method)


def _time_alternating(fn, states, repeats: int, warmup: int = 1, before=None) -> list[float]:
    """Milliseconds of ``fn(state)`` on alternating states; ``before()`` runs untimed before each call."""
    for i in range(warmup):
        fn(states[i % 2])
    out = []
    for i in range(repeats):
        if before is not None:
            before()
        t = time.perf_counter()
        fn(states[(i + warmup) % 2])
        out.append((time.perf_counter() - t) * 1000)
    return out


def expected_rows(explorer, state, spec: dict | None = None) -> dict:
    """The rows the chart of ``state`` draws, counted from the cohort (not from the specification).

    With "each patient" on a cohort larger than ``ui.PATIENT_LINES_MAX``, the chart draws the lines of a
    sample of patients: their ids are read from ``spec``, checked against the limit, and their values
    counted from the cohort.
    """
    from sjia_explore import trajectories
    from sjia_explore.app.vocabulary import OUTCOMES, PATIENT_LINES_MAX

    selected = explorer.cohort.filter(state.subgroup())
    features = selected.patient_features(state.early_cutoff_months)
    groups = set(features["duration_group"].fillna(trajectories.MISSING_GROUP))
    weeks = list(explorer.weeks)
    outcomes = [o.column for o in OUTCOMES if o.column in selected.visits.columns]
    summary_rows = len(groups) * len(weeks) * len(outcomes)
    patient_rows = 0
    if state.each_patient:
        at_weeks = selected.visits[selected.visits["week"].isin(weeks)]
        if selected.n_patients > PATIENT_LINES_MAX and spec is not None:
            ids = {row["patient_id"] for name, rows in spec.get("datasets", {}).items()
                   if name.endswith("_patients") for row in rows}
            if len(ids) > PATIENT_LINES_MAX:
                raise AssertionError(f"{len(ids)} patients' lines drawn, more than {PATIENT_LINES_MAX}")
            at_weeks = at_weeks[at_weeks["patient_id"].astype(str).isin(ids)]
        patient_rows = int(sum(at_weeks[c].notna().sum() for c in outcomes))
    return {"summary_rows": summary_rows, "patient_rows": patient_rows, "total": summary_rows + patient_rows}


def spec_size(spec: dict | None) -> dict:
    """Bytes of a chart specification as sent (JSON) and the rows it inlines."""
    if spec is None:
        return {"bytes": 0, "rows": 0, "data_bytes": 0}
    datasets = spec.get("datasets", {})
    return {"bytes": len(json.dumps(spec, separators=(",", ":"))),
            "rows": sum(len(rows) for rows in datasets.values()),
            "data_bytes": len(json.dumps(datasets, separators=(",", ":")))}


def measure_cohort(cohort, label: str, repeats: int = 5, stats_repeats: int = 3) -> dict:
    """Every compute figure for one cohort; keys end in ``_<label>``."""
    from sjia_explore import CohortExplorer
    from sjia_explore.app import ViewState

    out: dict = {}
    t = time.perf_counter()
    explorer = CohortExplorer(cohort)
    out[f"explorer_init_s_{label}"] = round(time.perf_counter() - t, 3)
    out[f"n_patients_{label}"] = cohort.n_patients
    out[f"n_visits_{label}"] = len(cohort.visits)

    for name, (a, b) in STATE_PAIRS.items():
        states = (ViewState(**a), ViewState(**b))
        key = "update_ms" if name == "cutoff" else f"update_ms_{name}"
        # Every update computes its view anew (nothing remembered): the figure the target is about.
        put(out, f"{key}_{label}", _time_alternating(explorer.session.compute, states, repeats,
                                                     before=lambda: forget(explorer)))
        # Back to a view shown before: its selection and chart are remembered.
        put(out, f"{key}_revisit_{label}", _time_alternating(explorer.session.compute, states, repeats))
    # A selection of patients not computed before (everything per selection forgotten; the cohort's per-patient
    # arrays, worked out once per cohort, stay): what a click on another filter value costs.
    girls_boys = (ViewState(sex="F"), ViewState(sex="M"))
    put(out, f"update_ms_new_selection_{label}", _time_alternating(explorer.session.compute, girls_boys, repeats,
                                                                   before=explorer.session.forget))
    cut = (ViewState(**STATE_PAIRS["cutoff"][0]), ViewState(**STATE_PAIRS["cutoff"][1]))
    put(out, f"update_full_ms_{label}", _time_alternating(explorer.update, cut, repeats,
                                                          before=lambda: forget(explorer)))
    if explorer.messages.error.layout.display != "none":
        out[f"update_error_{label}"] = explorer.messages.error.value

    stats_state = ViewState()
    put(out, f"stats_ms_{label}", _time_alternating(lambda s: run_tests(explorer, s), (stats_state, stats_state),
                                                    stats_repeats, warmup=1))

    for each in (False, True):
        state = ViewState(early_cutoff_months=6, each_patient=each)
        t = time.perf_counter()
        view = explorer.session.compute(state)
        ms = (time.perf_counter() - t) * 1000
        size = spec_size(view.trajectories.spec)
        drawn = expected_rows(explorer, state, view.trajectories.spec)
        suffix = "_each_patient" if each else ""
        out[f"spec_bytes{suffix}_{label}"] = size["bytes"]
        out[f"spec_data_bytes{suffix}_{label}"] = size["data_bytes"]
        out[f"spec_rows{suffix}_{label}"] = size["rows"]
        out[f"spec_rows_drawn{suffix}_{label}"] = drawn["total"]
        out[f"spec_inlines_only_drawn_rows{suffix}_{label}"] = size["rows"] <= drawn["total"]
        if each:
            out[f"update_ms_each_patient_{label}"] = round(ms, 1)
        else:  # every chart specification the first view sends (other panels are made when opened)
            specs = [m.spec for m in view.sections.values() if isinstance(getattr(m, "spec", None), dict)]
            out[f"spec_bytes_all_charts_{label}"] = sum(spec_size(s)["bytes"] for s in specs)
    out[f"visit_rows_{label}"] = len(cohort.visits)
    return out


def profile_update(cohort, repeats: int = 4, top: int = 15, dump: Path | None = None) -> dict:
    """cProfile of ``Session.compute`` on alternating cut-offs; the top costs per update (ms)."""
    from sjia_explore import CohortExplorer
    from sjia_explore.app import ViewState

    explorer = CohortExplorer(cohort)
    states = (ViewState(early_cutoff_months=6), ViewState(early_cutoff_months=12, sex="F"))
    explorer.session.compute(states[1])
    prof = cProfile.Profile()
    for i in range(repeats):
        forget(explorer)  # profile the work, not the look-up of a remembered view
        prof.enable()
        explorer.session.compute(states[i % 2])
        prof.disable()
    return _top(prof, repeats, top, dump)


def _top(prof: cProfile.Profile, per: int, top: int, dump: Path | None) -> dict:
    stats = pstats.Stats(prof)
    if dump is not None:
        dump.parent.mkdir(parents=True, exist_ok=True)
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(60)
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(30)
        dump.write_text(buf.getvalue())

    def rows(key: str, only_project: bool) -> list[dict]:
        entries = []
        for (file, line, func), (_primitive_calls, nc, tt, ct, _callers) in stats.stats.items():
            if only_project and "sjia_explore" not in file:
                continue
            entries.append({"function": f"{_short(file)}:{line}({func})", "calls": round(nc / per, 1) if per else nc,
                            "tottime_ms": round(tt * 1000 / per, 1), "cumtime_ms": round(ct * 1000 / per, 1)})
        entries.sort(key=lambda e: e[key], reverse=True)
        return entries[:top]

    return {"per_call_of": per, "project_by_cumtime": rows("cumtime_ms", True),
            "all_by_tottime": rows("tottime_ms", False)}


def _short(file: str) -> str:
    """A readable path: ``sjia_explore/app/session.py``, ``pandas/core/...``."""
    if "/sjia_explore/" in file:
        return "sjia_explore/" + file.split("/sjia_explore/", 1)[1]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def cold_path(folder: str | None = None, dump: Path | None = None) -> dict:
    """In this (new) process: import, load and build the first view as the app notebook does; profiled."""
    timings = {}
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    import ipywidgets  # noqa: F401 - a kernel has it loaded before the notebook runs

    t = time.perf_counter()
    from sjia_explore import CohortExplorer, load_cohort
    timings["import_s"] = time.perf_counter() - t
    t = time.perf_counter()
    cohort = load_cohort(folder)
    timings["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    CohortExplorer(cohort).view  # noqa: B018 - what app.ipynb's last line does
    timings["explorer_s"] = time.perf_counter() - t
    prof.disable()
    timings["total_s"] = time.perf_counter() - t0
    out = {k: round(v, 3) for k, v in timings.items()}
    out["profile"] = _top(prof, 1, 15, dump)
    return out


def cold_path_subprocess(folder: Path | None = None, dump: Path | None = None, timeout_s: float = 300) -> dict:
    """:func:`cold_path` in a fresh Python process (nothing imported yet, as in a new kernel)."""
    cmd = [sys.executable, "-m", "benchmarks.compute", "cold-path"]
    if folder is not None:
        cmd.append(str(folder))
    if dump is not None:
        cmd += ["--dump", str(dump)]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout_s)
    if res.returncode != 0:
        return {"error": res.stderr[-2000:]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "cold-path":
        print("usage: python -m benchmarks.compute cold-path [FOLDER] [--dump FILE]", file=sys.stderr)
        return 2
    dump = None
    if "--dump" in argv:
        i = argv.index("--dump")
        dump = Path(argv[i + 1])
        del argv[i:i + 2]
    folder = argv[1] if len(argv) > 1 else None
    print(json.dumps(cold_path(folder, dump)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
