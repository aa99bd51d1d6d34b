#!/usr/bin/env python
"""Bytes one view of the app costs against the trivial notebook, first view and second view in one browser.

``python benchmarks/view_bytes.py`` serves the app and ``benchmarks/trivial.ipynb``
as ``sjia-explore app`` does, one after the other, and opens each twice in one
browser context: a first view (nothing cached) and a second view (what the
browser kept from the first). Bytes are counted as in :mod:`benchmarks.pages`
(HTTP responses as on the wire, WebSocket frames received). Requests leaving
this computer are recorded, not routed: Playwright's routing turns the
browser's HTTP cache off, and the second view is about that cache.

Prints JSON: each page's bytes, ``view_bytes_ratio`` (first views, app /
trivial, as ``make bench`` reports it) and ``repeat_view_bytes_ratio``.
Takes about two minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import pages, serving  # noqa: E402

TRIVIAL = REPO / "benchmarks" / "trivial.ipynb"
ARTIFACTS = REPO / "test-artifacts" / "bench"


def one_view(context, url: str, kind: str) -> dict:
    page = context.new_page()
    counted = pages.count_bytes(page)
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if pages.EXTERNAL.match(request.url) else None)
    page.goto(url, wait_until="commit", timeout=180_000)
    page.wait_for_function("() => window.__bench && window.__bench.first !== null", timeout=180_000, polling=50)
    page.wait_for_timeout(1500)  # what arrives after the first mark
    out = {**counted.snapshot(), "external": outside}
    page.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(**pages.launch_args(args.chromium))
        try:
            for kind, notebook in (("app", None), ("trivial", TRIVIAL)):
                server = serving.start(notebook, ARTIFACTS / f"voila-bytes-{kind}.log")
                try:
                    context = browser.new_context(viewport=pages.VIEWPORT)
                    context.add_init_script(script=pages.init_script(kind))
                    out[kind] = {"first": one_view(context, server.url, kind),
                                 "second": one_view(context, server.url, kind)}
                    context.close()
                finally:
                    serving.stop(server)
        finally:
            browser.close()
    out["view_bytes_ratio"] = round(out["app"]["first"]["total"] / out["trivial"]["first"]["total"], 3)
    out["repeat_view_bytes_ratio"] = round(out["app"]["second"]["total"] / out["trivial"]["second"]["total"], 3)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
