"""Browser tests: the app served by Voila (exactly as ``sjia-explore app`` serves it), driven in headless Chromium.

- Voila is started with :func:`sjia_explore.server.voila_command` on a free port
  bound to 127.0.0.1; the fixture waits for the port only (a GET would start a kernel).
- Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``); Playwright's own
  browser download is not used.
- Every request that would leave this computer is blocked and recorded; console
  errors and page errors are recorded. Tests assert both lists are empty.
- One page per module where possible: each page costs a kernel start.
- Screenshots and timings go to ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sjia_explore.server import RunningVoila, start_in_background

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
#: Everything that is not this computer.
EXTERNAL = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|data:|blob:|about:)")
#: Console messages that are not errors of ours. Voila 0.5's page reports these as *warnings*
#: ("Unsatisfied version 4.2.5 ... required ^4.6.2"): its frontend bundles JupyterLab 4.2 while the
#: installed extensions ask for 4.6. They are listed for the record; only errors fail a test.
HARMLESS_CONSOLE_ERRORS: tuple[re.Pattern, ...] = ()
VIEWPORT = {"width": 1360, "height": 1000}
PAGE_TIMEOUT_MS = 90_000  # kernel start + first execution on a slow 2-core machine
#: How long an `expect(...)` waits for the page to change (a round trip to the kernel and a redraw);
#: generous, because a busy 2-core machine can be slow, and a passing check returns at once.
EXPECT_TIMEOUT_MS = 20_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's Chromium (pytest-playwright looks for its own download otherwise)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium was not found at {CHROMIUM}. Install it with `apt-get install chromium` "
                    "(or set CHROMIUM=/path/to/chromium) and run the tests again.", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def start_voila(notebook: Path | None, log_path: Path) -> RunningVoila:
    return start_in_background(log_path, notebook=notebook, timeout_s=60)


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The real app (app.ipynb), served as `sjia-explore app` serves it."""
    server = start_voila(None, tmp_path_factory.mktemp("voila") / "voila.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def serve_notebook(tmp_path_factory):
    """Factory: serve another notebook (e.g. one written by a test) the same way; stopped after the module."""
    servers = []

    def serve(notebook: Path) -> RunningVoila:
        server = start_voila(notebook, tmp_path_factory.mktemp("voila") / "voila.log")
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def timing(artifacts):
    """Record a timing in test-artifacts/timings.json: ``timing("first_chart_s", seconds)``."""
    return lambda name, seconds: record_timing(artifacts, name, seconds)


@dataclass
class Watched:
    """A page with everything it tried to fetch from outside, and its console errors."""

    page: object
    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def assert_clean(self):
        assert self.external == [], f"requests that would leave this computer: {self.external}"
        errors = [e for e in self.console_errors if not any(p.search(e) for p in HARMLESS_CONSOLE_ERRORS)]
        assert errors == [], f"console errors: {errors}"


def watch(page) -> Watched:
    """Block and record every request not to 127.0.0.1/localhost/data:/blob:, and record console errors."""
    w = Watched(page)

    def block(route):
        w.external.append(route.request.url)
        route.abort()

    page.route(EXTERNAL, block)
    page.on("console", lambda m: (w.console_errors if m.type == "error" else w.warnings).append(m.text)
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: w.console_errors.append(f"page error: {e}"))
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return w


@pytest.fixture(scope="module")
def new_page(browser):
    """Factory for fresh, watched pages (own browser context each); closed at the end of the module."""
    contexts = []

    def make() -> Watched:
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        return watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


def record_timing(artifacts: Path, name: str, seconds: float) -> None:
    """Append a timing to test-artifacts/timings.json (and print it)."""
    path = artifacts / "timings.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data[name] = round(seconds, 3)
    path.write_text(json.dumps(data, indent=2))
    print(f"{name}: {seconds:.2f} s")
