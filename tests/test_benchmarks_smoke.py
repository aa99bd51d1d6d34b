"""The benchmark script's compute part runs and writes valid JSON (no timing is asserted here).

``make bench`` runs the full measurement (browser included); this only checks,
quickly, that ``benchmarks/run.py`` still works against the current package:
one repeat, a 200-patient registry instead of 10,000, no browser, no profiles.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import compute, run  # noqa: E402


def test_compute_part_runs_and_writes_valid_json(tmp_path, monkeypatch):
    monkeypatch.delenv("BENCH_ARGS", raising=False)
    out = tmp_path / "results.json"
    assert run.main(["--no-browser", "--no-profile", "--compute-repeats", "1", "--n-large", "200",
                     "--kernel-repeats", "1", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["kernel_start_cpu_s_n"] == results["kernel_start_cpu_s_trivial_n"] == 1
    assert results["kernel_start_cpu_s"] > results["kernel_start_cpu_s_trivial"] > 0
    for key in ("update_ms_bundled", "update_ms_10k", "update_full_ms_bundled", "stats_ms_bundled"):
        value = results[key]
        assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, key
        assert results[f"{key}_min"] <= value <= results[f"{key}_max"], key
    assert results["n_patients_bundled"] == 16
    assert results["n_patients_10k"] == 200
    assert "update_error_bundled" not in results and "update_error_10k" not in results
    # The chart specification inlines only rows it draws.
    assert results["spec_rows_bundled"] == results["spec_rows_drawn_bundled"] > 0
    assert results["spec_inlines_only_drawn_rows_each_patient_10k"] is True
    targets = {t["key"]: t for t in results["targets"]}
    assert set(targets) == {"first_chart_ratio", "first_chart_10k_vs_bundled", "update_ms_10k", "view_bytes_ratio",
                            "kernel_rss_mb_bundled", "kernel_rss_mb_10k", "concurrent_ratio_10", "viewers_ratio_10",
                            "concurrent_ratio_30",
                            "viewers_ratio_30", "redraw_vs_chart_floor_bundled", "redraw_vs_chart_floor_10k",
                            "redraw_sex_vs_chart_floor_bundled", "redraw_vs_peer_bundled", "first_chart_vs_peer"}
    assert targets["first_chart_vs_peer"]["status"] == "NOT MEASURED"
    assert targets["concurrent_ratio_10"]["status"] == "NOT MEASURED"  # no server in this test
    assert targets["update_ms_10k"]["status"] in ("PASS", "MISS")
    assert targets["first_chart_ratio"]["status"] == "NOT MEASURED"  # no browser in this test


def test_summary_keys_hold_the_median_with_min_and_max():
    results: dict = {}
    compute.put(results, "x_ms", [3.0, 1.0, 2.0, 10.0, 4.0])
    assert (results["x_ms"], results["x_ms_min"], results["x_ms_max"], results["x_ms_n"]) == (3.0, 1.0, 10.0, 5)
    compute.put(results, "empty", [])
    assert results["empty"] is None and results["empty_n"] == 0


def test_peer_notebook_runs_offline_with_the_names_the_benchmark_detects():
    """The peer notebook executes without a browser, inlines its chart library, and names its mean lines."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(run.PEER, as_version=4)
    sources = "\n".join(cell.source for cell in nb.cells)
    assert "http://" not in sources and "https://" not in sources
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\n"
        "spec = jchart.spec\n"
        "print(json.dumps({'offline': alt.JupyterChart._is_offline, 'esm': len(jchart._esm),\n"
        "    'names': [layer.get('name') for panel in spec['hconcat'] for layer in panel['layer']],\n"
        "    'classes': [sex._dom_classes, cutoff._dom_classes, jchart._dom_classes]}))"))
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(run.PEER.parent)}}
                   ).execute()
    out = json.loads(nb.cells[-1].outputs[0]["text"])
    assert out["offline"] is True and out["esm"] > 100_000  # vega-embed bundled by vl-convert, not a CDN import
    assert {"joints_mean_0", "sjadas_mean_1", "steroid_mean_2"} <= set(out["names"])
    assert out["classes"] == [["sjia-sex"], ["sjia-cutoff"], ["sjia-chart"]]
