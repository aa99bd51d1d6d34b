"""The shipped JupyterHub configuration really runs: three users log in and each lands on a working dashboard.

The hub is started on 127.0.0.1 with ``deploy/jupyterhub/jupyterhub_config.py``
loaded as it ships, plus two test-only changes (in a configuration file written
here, never shipped): JupyterHub's dummy authenticator (any name and password;
the shipped file keeps the machine's own accounts) and the simple local process
spawner (every user's server runs as the test's own account, since the test
machine has no accounts for them). Each user logs in in their own browser
context, must land on the dashboard, see its first chart with no request leaving
this computer, and change a filter.

Needs JupyterHub (``pip install -e ".[hub]"``) and configurable-http-proxy (npm);
``.ci/run`` installs both and sets ``SJIA_REQUIRE_HUB=1`` so that they cannot be
silently missing there. Elsewhere the test is skipped, saying what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PAGE_TIMEOUT_MS, watch
from playwright.sync_api import expect

from sjia_explore import processes
from sjia_explore.server import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.hub]

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
JOINTS_LINE = ".sjia-chart svg .joints_mean_marks path"
USERS = ("alice", "bob", "carol")


#: The Python that runs the hub (and, through the shipped configuration, every user's server).
HUB_PYTHON = os.environ.get("SJIA_HUB_PYTHON", sys.executable)


def _missing() -> list[str]:
    out = []
    check = subprocess.run([HUB_PYTHON, "-c", "import jupyterhub, jupyterhub_idle_culler"], capture_output=True)
    if check.returncode != 0:
        out.append('JupyterHub (pip install -e ".[hub]")')
    if not _proxy():
        out.append("configurable-http-proxy (npm install -g configurable-http-proxy, "
                   "or set CONFIGURABLE_HTTP_PROXY)")
    return out


def _proxy() -> str | None:
    for candidate in (os.environ.get("CONFIGURABLE_HTTP_PROXY"), shutil.which("configurable-http-proxy"),
                      str(REPO / ".ci" / "node" / "node_modules" / ".bin" / "configurable-http-proxy")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    missing = _missing()
    if missing:
        if os.environ.get("SJIA_REQUIRE_HUB"):
            pytest.fail("the JupyterHub test needs " + " and ".join(missing), pytrace=False)
        pytest.skip("needs " + " and ".join(missing))
    state = tmp_path_factory.mktemp("hub")
    port, hub_port, api_port = free_port(), free_port(), free_port()
    config = state / "test_config.py"
    config.write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(SHIPPED)!r})  # noqa: F821\n"
        "# Test only: any user name and password, and every server run as this account.\n"
        "c.JupyterHub.authenticator_class = 'dummy'\n"
        "c.Authenticator.allow_all = True\n"
        "c.JupyterHub.spawner_class = 'simple'\n"
        f"c.SimpleLocalProcessSpawner.home_dir_template = {str(state / 'home' / '{username}')!r}\n"
        f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{hub_port}'\n"
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{api_port}'\n"
        + ("c.Spawner.args = list(c.Spawner.args) + ['--allow-root']\n" if os.geteuid() == 0 else "")
    )
    env = {**os.environ, "SJIA_HUB_STATE": str(state), "SJIA_HUB_PORT": str(port),
           "CONFIGURABLE_HTTP_PROXY": _proxy(),
           "PYTHONPATH": os.pathsep.join([str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                                      if p])}
    log_path = state / "hub.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([HUB_PYTHON, "-m", "jupyterhub", "-f", str(config)], cwd=state, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while "JupyterHub is now running" not in log_path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"JupyterHub did not start; its log:\n{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)
    tree = processes.descendants(proc.pid)

    class Hub:
        pass

    h = Hub()
    h.url, h.proc, h.log_path = url, proc, log_path
    yield h
    tree += processes.descendants(proc.pid)
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    processes.kill_left_over(tree, grace_s=2)


@pytest.mark.parametrize("user", USERS)
def test_each_user_lands_on_the_dashboard_offline_and_can_change_a_filter(hub, browser, user, artifacts):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    try:
        watched = watch(context.new_page())
        page = watched.page
        page.goto(f"{hub.url}/hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", "any-password")
        page.click("[type=submit]")
        page.wait_for_url(f"**/user/{user}/voila/render/app.ipynb**", timeout=PAGE_TIMEOUT_MS,
                          wait_until="commit")
        line = page.locator(JOINTS_LINE).first
        expect(line).to_be_attached(timeout=PAGE_TIMEOUT_MS)
        n_labels = page.locator(".sjia-chart svg text")
        before = n_labels.all_text_contents()
        page.locator(".sjia-sex button:text-is('Female')").click()
        expect(n_labels).not_to_have_text(before)
        page.screenshot(path=str(artifacts / f"jupyterhub-{user}.png"))
        watched.assert_clean()
    finally:
        context.close()
