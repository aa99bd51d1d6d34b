"""A new viewer's kernel does only what the first chart needs.

Each viewer of the app gets a kernel of their own that runs ``app.ipynb``; with a
class opening the link at once, what that kernel does before the first chart is
paid thirty times over. These tests run the notebook's own code in a fresh
Python process (as a kernel would, without Voila) and check which libraries it
has imported by the first chart: the statistics libraries, the validator and the
spreadsheet and image writers must wait until a view needs them. Opening
Table 1 and running the tests must still work, importing them then.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Not needed for the first chart (the trajectories tab, every patient, defaults).
LATER = ("scipy", "scipy.stats", "scipy.special", "statsmodels", "tableone", "pandera", "openpyxl", "vl_convert",
         "altair", "frictionless", "matplotlib")


def app_code() -> str:
    """The code cells of ``app.ipynb``, in order: what a viewer's kernel runs."""
    nb = json.loads((REPO / "app.ipynb").read_text(encoding="utf-8"))
    return "\n\n".join("".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code")


def run_fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter (this checkout first on the path); it must print one JSON line last.

    As ``sjia-explore app`` does before it starts any kernel, the charts' JavaScript is prepared first.
    """
    from sjia_explore.server import prepare_chart_javascript

    prepare_chart_javascript()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


FIRST_VIEW = """
import json, sys
import IPython.display
IPython.display.display = lambda *objects, **kwargs: None  # no front end here; a kernel would send the view
{app}
later = {later!r}
report = {{"loaded": sorted(m for m in later if m in sys.modules), "section": explorer.state.section,
          "chart": explorer.session.model.sections["trajectories"] is not None,
          "computed": sorted(explorer.session.model.sections)}}
"""


@pytest.fixture(scope="module")
def first_view() -> dict:
    return run_fresh(FIRST_VIEW.format(app=app_code(), later=LATER) + "print(json.dumps(report))")


def test_first_chart_imports_no_statistics_validator_or_writer(first_view):
    assert first_view["section"] == "trajectories" and first_view["chart"]
    assert first_view["loaded"] == [], f"imported before the first chart needs them: {first_view['loaded']}"


def test_only_the_open_tab_is_computed_at_start(first_view):
    from sjia_explore.app.vocabulary import SECTIONS

    hidden = [s for s in SECTIONS if s != "trajectories"]
    assert "trajectories" in first_view["computed"]
    assert not set(hidden) & set(first_view["computed"]), first_view["computed"]


def test_table1_and_the_tests_still_work_and_import_what_they_need_then():
    code = FIRST_VIEW.format(app=app_code(), later=LATER) + """
explorer.details.selected_index = 0          # open Table 1
table1 = explorer.table1.value
after_table1 = sorted(m for m in later if m in sys.modules)
explorer.statistics.run.click()              # run the tests for the selected patients
report.update(table1=table1, after_table1=after_table1, results=explorer.statistics.results.value,
              after_tests=sorted(m for m in later if m in sys.modules), error=explorer.messages.error.value)
print(json.dumps(report))
"""
    out = run_fresh(code)
    assert out["loaded"] == [] and not out["error"], out["error"]
    assert "<table" in out["table1"] and "n=" in out["table1"].replace(" ", "")
    assert {"tableone", "scipy.stats"} <= set(out["after_table1"])
    assert "could not be run" not in out["results"] and "Running the tests" not in out["results"]
    assert "p" in out["results"] and len(out["results"]) > 200
    assert "scipy.stats" in out["after_tests"]
    assert "statsmodels" not in out["after_table1"] or "statsmodels" in out["after_tests"]


WIDGETS = FIRST_VIEW + """
import warnings
import ipywidgets
warnings.simplefilter("ignore", DeprecationWarning)  # Widget.widgets: every widget the kernel would send

def count():
    return len(ipywidgets.Widget.widgets)

report.update(at_start=count())
views = getattr(explorer, "lazy_views", {{}})
report.update(built=sorted(n for n, v in views.items() if v.built))
for view in views.values():
    view.build()
report.update(all_built=count())
print(json.dumps(report))
"""


def test_a_new_viewer_gets_the_widgets_of_what_is_on_screen_only():
    """Every widget is sent to the page when the app is shown: the tabs and panels that are not open wait.

    Before the closed tabs and panels were built on first use, a new viewer's kernel made
    396 widgets at start (as many as with every view built).
    """
    out = run_fresh(WIDGETS.format(app=app_code(), later=LATER))
    assert out["at_start"] < 300, out
    assert out["built"] == [], f"built before they are opened: {out['built']}"
    assert out["at_start"] <= 0.65 * out["all_built"], out


def test_the_server_writes_the_bytecode_once_so_kernels_do_not_compile(tmp_path):
    import importlib.util
    import shutil

    from sjia_explore import server

    copy = tmp_path / "sjia_explore"
    shutil.copytree(Path(server.__file__).resolve().parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    sources = sorted(copy.rglob("*.py"))

    def cached():
        return [p for p in sources if Path(importlib.util.cache_from_source(str(p))).is_file()]

    assert len(sources) > 50 and cached() == []
    assert server.compile_package(copy) is True
    assert cached() == sources


def test_the_trusted_path_cleans_cells_as_the_validators_path_does():
    """The bundled cohort's fast cleaning gives what the validator's cleaning gives, on messy cells too."""
    import numpy as np
    import pandas as pd

    from sjia_explore.schema import TABLES, _normalise_cells, _normalise_cells_plain

    messy = pd.DataFrame({
        "patient_id": [" p1", "p2 ", "NA", "p4", None, "  "],
        "sex": ["F", " m", "n/a", "Missing", ".", "F"],
        "fever": ["yes", " Y", "0", "nein", "", "maybe"],
        "age_onset_years": ["3.5", " 4 ", "none", "NULL", np.nan, "7,5"],
        "extra column": ["x", " y ", "nan", "z", "null", "Not reported"],
    })
    expected = _normalise_cells(messy, TABLES["patients"])
    got = _normalise_cells_plain(messy, TABLES["patients"])
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
