"""``voila app.ipynb``, run by hand from the repository root, serves the same offline page as ``sjia-explore app``.

Voila reads ``voila.json`` from its working folder: the one beside ``app.ipynb``
names the app's template (``sjia-offline``) and the same protections the app's
own command sets. The package installs that template where Voila looks for
templates (``<prefix>/share/jupyter/voila/templates``), editable installs too.
Voila's default ``lab`` template would ask a CDN for Font Awesome twice.

The server here is the plain ``voila`` command with a port and ``--no-browser``
only, and its environment is this one unchanged (no ``JUPYTER_PATH`` added).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path
from playwright.sync_api import expect

from sjia_explore.server import TEMPLATE_NAME, RunningVoila, free_port, launch, voila_command, wait_until_listening

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
JOINTS_LINE = ".sjia-chart svg .joints_mean_marks path"
LOOPBACK = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")


def _installed_template() -> Path | None:
    for root in jupyter_path("voila", "templates"):
        if (Path(root) / TEMPLATE_NAME / "index.html.j2").is_file():
            return Path(root) / TEMPLATE_NAME
    return None


@pytest.fixture(scope="module")
def plain_voila(tmp_path_factory):
    if _installed_template() is None:
        pytest.fail(f"the {TEMPLATE_NAME} template is not where Voila looks for templates "
                    f"({', '.join(jupyter_path('voila', 'templates'))}): install the package again "
                    "(`pip install -e .`, or `make install`) so that it copies the template there", pytrace=False)
    voila = Path(sys.executable).with_name("voila")
    cmd = [str(voila)] if voila.is_file() else [sys.executable, "-m", "voila"]
    port = free_port()
    cmd += ["app.ipynb", f"--port={port}", "--no-browser"]
    log_path = tmp_path_factory.mktemp("plain-voila") / "voila.log"
    with open(log_path, "w") as log:
        proc = launch(cmd, env=dict(os.environ), cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    server = RunningVoila(proc=proc, url=f"http://127.0.0.1:{port}/", port=port, log_path=log_path, started_s=0.0)
    try:
        wait_until_listening(server, timeout_s=90)
    except RuntimeError as err:
        pytest.fail(f"voila app.ipynb: {err}", pytrace=False)
    yield server
    server.stop()


def test_voila_json_names_the_offline_template_and_the_package_installs_it():
    import json

    config = json.loads((REPO / "voila.json").read_text())
    assert config["VoilaConfiguration"]["template"] == TEMPLATE_NAME
    assert config["VoilaConfiguration"]["show_tracebacks"] is False
    assert config["VoilaConfiguration"]["file_allowlist"] == []
    # The same settings as the app's own command line (sjia_explore.server.voila_command).
    flags = dict(arg[2:].split("=", 1) for arg in voila_command() if arg.startswith("--") and "=" in arg)
    for section in ("VoilaConfiguration", "VoilaExecutor", "MappingKernelManager"):
        for key, value in config[section].items():
            flag = flags.get(f"{section}.{key}", flags.get(key))
            expected = {True: "True", False: "False"}.get(value, value) if not isinstance(value, list) else str(value)
            assert flag == str(expected), f"voila.json {section}.{key}={value!r}, voila_command {flag!r}"
    pyproject = (REPO / "pyproject.toml").read_text()
    assert f'= "share/jupyter/voila/templates/{TEMPLATE_NAME}"' in pyproject


def test_plain_voila_serves_the_app_offline_with_its_own_template(plain_voila, new_page):
    watched = new_page()
    page = watched.page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(plain_voila.url)
    expect(page.locator(JOINTS_LINE).first).to_be_attached(timeout=120_000)
    outside = [url for url in requested if not url.startswith(LOOPBACK)]
    assert outside == [], f"the page asked for addresses outside this computer: {outside}"
    # The template's own script sets the page's "_xsrf" cookie; Voila's lab page does not.
    assert "_xsrf=" in page.evaluate("document.cookie")
    # The chart library came from the installed template's static files.
    assert [url for url in requested if f"/voila/templates/{TEMPLATE_NAME}/static/vega-" in url]
    assert requested, "no request was recorded"
    watched.assert_clean()
