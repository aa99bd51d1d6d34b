"""The chart library (vega, vega-lite, vega-embed, about 0.9 MB) reaches a browser once, as a cacheable file.

The app's template names it (``static/vega-<hash>.js``); Voila serves it with a
long cache lifetime, and no WebSocket message carries it. A second view in the
same browser takes it from the cache (or gets a 304), and still draws. app.ipynb
asks for it to be loaded at once (while the page loads: still one request); a
page with no chart does not fetch it. Served
with Voila's plain ``lab`` template instead (as in JupyterLab, where the app's
template does not apply) the chart asks its kernel for the library, and draws.

Bytes are counted with the Chrome DevTools Protocol, as ``benchmarks/pages.py`` does.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import EXTERNAL, PAGE_TIMEOUT_MS, VIEWPORT, Watched
from playwright.sync_api import expect

from sjia_explore.server import start_in_background
from sjia_explore.vega import page_library_path

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
JOINTS_LINE = ".sjia-chart svg .joints_mean_marks path"
LIBRARY = re.compile(r"/voila/templates/sjia-offline/static/vega-[0-9a-f]{12}\.js")
#: The library's size in bytes: a WebSocket frame carrying it (as text in a message) is at least as large.
LIBRARY_BYTES = page_library_path().stat().st_size


@dataclass
class Traffic:
    library_urls: list[str] = field(default_factory=list)
    library_bytes: int = 0  # bytes on the wire for the library (headers and body)
    library_status: list[int] = field(default_factory=list)
    library_cache_control: list[str] = field(default_factory=list)
    from_cache: int = 0
    frames: list[int] = field(default_factory=list)


def count(page) -> Traffic:
    traffic = Traffic()
    urls: dict[str, str] = {}
    cdp = page.context.new_cdp_session(page)

    def sent(event):
        urls[event["requestId"]] = event["request"]["url"]

    def received(event):
        response = event["response"]
        if LIBRARY.search(response["url"]):
            traffic.library_status.append(response["status"])
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            traffic.library_cache_control.append(headers.get("cache-control", ""))
            if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
                traffic.from_cache += 1

    def finished(event):
        url = urls.get(event["requestId"], "")
        if LIBRARY.search(url):
            traffic.library_urls.append(url)
            traffic.library_bytes += int(event.get("encodedDataLength", 0))

    def cached(event):
        if LIBRARY.search(urls.get(event["requestId"], "")):
            traffic.from_cache += 1

    def frame(event):
        response = event.get("response", {})
        payload = response.get("payloadData", "")
        traffic.frames.append(len(base64.b64decode(payload)) if response.get("opcode") == 2 and payload
                              else len(payload.encode("utf-8")))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", cached)
    cdp.on("Network.webSocketFrameReceived", frame)
    cdp.send("Network.enable")
    return traffic


@pytest.fixture(scope="module")
def lab_template_server(tmp_path_factory):
    """The app served with Voila's own ``lab`` template: no chart library in the page."""
    server = start_in_background(tmp_path_factory.mktemp("voila-lab") / "voila.log",
                                 extra_args=["--template=lab"], timeout_s=60)
    yield server
    server.stop()


def watch_without_routing(page) -> Watched:
    """Like conftest's ``watch``, but requests are only recorded, not routed: Playwright's routing turns the
    browser's HTTP cache off, and the cache is what this test is about."""
    watched = Watched(page)
    page.on("request", lambda request: watched.external.append(request.url)
            if EXTERNAL.match(request.url) else None)
    page.on("console", lambda m: watched.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.console_errors.append(f"page error: {e}"))
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return watched


def test_the_library_is_a_cached_file_fetched_once_per_browser(app_server, browser):
    context = browser.new_context(viewport=VIEWPORT)
    try:
        first = watch_without_routing(context.new_page())
        traffic = count(first.page)
        first.page.goto(app_server.url)
        expect(first.page.locator(JOINTS_LINE).first).to_be_attached()
        assert len(traffic.library_urls) == 1, traffic
        early = first.page.locator('script[type="module"][src*="/static/vega-"]')
        assert early.get_attribute("src") in traffic.library_urls[0]  # loaded at once, then imported: one request
        assert "?v=" in traffic.library_urls[0], "the address carries the content's hash"
        assert traffic.library_status == [200]
        max_age = re.search(r"max-age=(\d+)", traffic.library_cache_control[0])
        assert max_age and int(max_age.group(1)) >= 365 * 24 * 3600, traffic.library_cache_control
        assert traffic.library_bytes > LIBRARY_BYTES  # the library itself came this way (and its headers)
        assert traffic.frames and max(traffic.frames) < LIBRARY_BYTES, f"largest message: {max(traffic.frames)} B"
        first.assert_clean()

        # A second view in the same browser: the library comes from the cache (or a 304), not the wire.
        second = watch_without_routing(context.new_page())
        again = count(second.page)
        second.page.goto(app_server.url)
        expect(second.page.locator(JOINTS_LINE).first).to_be_attached()
        assert again.library_urls == traffic.library_urls
        assert again.from_cache >= 1 or again.library_status == [304], again
        assert again.library_bytes < 5_000, f"{again.library_bytes} B of the library travelled again"
        assert max(again.frames) < LIBRARY_BYTES
        second.assert_clean()
    finally:
        context.close()


def test_without_the_apps_template_the_chart_asks_its_kernel_for_the_library(lab_template_server, new_page):
    watched = new_page()  # Voila's lab page asks a CDN for Font Awesome: blocked, and not this test's subject
    traffic = count(watched.page)
    watched.page.goto(lab_template_server.url)
    expect(watched.page.locator(JOINTS_LINE).first).to_be_attached()
    assert traffic.library_urls == []
    assert max(traffic.frames) > LIBRARY_BYTES, "the library should have come from the kernel, in a message"
    errors = [e for e in watched.console_errors if "Failed to load resource" not in e]
    assert errors == []


def test_a_page_with_no_chart_does_not_fetch_the_library(serve_notebook, new_page):
    server = serve_notebook(REPO / "benchmarks" / "trivial.ipynb")
    watched = new_page()
    traffic = count(watched.page)
    watched.page.goto(server.url)
    expect(watched.page.locator(".bench-label")).to_be_visible()
    watched.page.wait_for_timeout(1000)
    assert watched.page.locator('meta[name="sjia-chart-library"]').count() == 1  # the app's template
    assert watched.page.locator('script[src*="/static/vega-"]').count() == 0  # its notebook asks for no preload
    assert traffic.library_urls == []
    watched.assert_clean()
