"""The package works from an installed wheel and from any working directory, not only from this checkout."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sjia_explore
from sjia_explore import load_cohort
from sjia_explore.data import bundled_data_dir
c = load_cohort()
print(json.dumps({"module": sjia_explore.__file__, "data": str(bundled_data_dir()),
                  "patients": c.n_patients, "visits": len(c.visits)}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                   check=True, timeout=600)
    (found,) = out.glob("sjia_explore-*.whl")
    return found


def test_wheel_carries_the_data_and_the_app(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("patients.csv", "visits.csv", "treatments.csv", "adverse_events.csv", "datapackage.json",
                     "README.md"):
        assert f"sjia_explore/_bundled/data/{required}" in names
    assert "sjia_explore/_bundled/app.ipynb" in names


def test_load_cohort_from_installed_wheel_in_another_directory(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
                   check=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=300, check=True)
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["module"].startswith(str(site)), "the wheel's copy, not the checkout, must be imported"
    assert got["data"].startswith(str(site))
    assert (got["patients"], got["visits"]) > (0, 0)


def test_load_cohort_from_any_working_directory(tmp_path):
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, check=True)
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["patients"] > 0


def test_wheel_installs_the_page_template_where_voila_looks_for_templates(wheel):
    """``voila app.ipynb`` (with the ``voila.json`` beside it) finds the app's template under <prefix>/share/jupyter."""
    names = set(zipfile.ZipFile(wheel).namelist())
    shared = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    template = "share/jupyter/voila/templates/sjia-offline/"
    assert {template + "index.html.j2", template + "conf.json"} <= shared
    library = [n for n in shared if n.startswith(template + "static/vega-") and n.endswith(".js")]
    assert len(library) == 1, shared
    assert "sjia_explore/_voila/voila/templates/sjia-offline/index.html.j2" in names  # for `sjia-explore app`
