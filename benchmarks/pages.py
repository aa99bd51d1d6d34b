"""Page timings in headless Chromium: first chart, control → redraw, bytes received.

How a page is timed
-------------------
An init script (:data:`INSTRUMENT_JS`) runs in every page before Voila's own
scripts. It watches the DOM with a MutationObserver and records, with
``performance.now()`` (milliseconds from the start of navigation):

- ``first``: when the page's first drawn mark appears (for the app the
  active-joints mean line, ``.sjia-chart svg .joints_mean_marks path``; for the
  trivial notebook its Label);
- for a redraw: ``t0``, when the browser dispatches the user's event (the
  ``keydown`` of Enter in the slider's read-out, the ``click`` on a toggle, the
  ``change`` of a ``<select>``), caught in the capture phase before any widget
  sees it; and ``t1``, the first DOM change after which the drawn marks differ
  from what was drawn before (every mark path and text of the chart and its
  legend's labels; the Label's text). The redraw latency is ``t1 - t0``: event → kernel → new
  chart specification → Vega has put the new marks in the page.

Bytes are counted with the Chrome DevTools Protocol: ``encodedDataLength`` of
every HTTP response (headers included, as on the wire) and the payload of every
WebSocket frame received. Each view gets a new browser context, so nothing comes
from the browser's cache.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1360, "height": 1000}
#: Anything that is not this computer (blocked and counted as an error).
EXTERNAL = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|data:|blob:|about:)")

#: What "drawn" means on each kind of page.
KINDS = {
    "app": {"first": ".sjia-chart svg .joints_mean_marks path",
            "marks": ".sjia-chart svg g.role-mark path, .sjia-chart svg g.role-mark text, "
                     ".sjia-chart svg g.role-legend-label text"},
    "trivial": {"first": ".bench-label", "marks": ".bench-label"},
}
#: The chart floor: the app's own chart widget, its specification swapped by a Dropdown (no computing).
KINDS["chart"] = KINDS["app"]
#: The peer (``benchmarks/peers/peer.ipynb``): an Altair ``JupyterChart`` with the same three panels and the
#: same classes on its controls and chart. Altair suffixes the names of layers inside a concatenation with the
#: panel's position, so its active-joints mean line is ``joints_mean_0``.
KINDS["peer"] = {"first": ".sjia-chart svg .joints_mean_marks path, .sjia-chart svg .joints_mean_0_marks path",
                 "marks": KINDS["app"]["marks"]}

INSTRUMENT_JS = r"""
(() => {
  const cfg = window.__BENCH_CFG;
  const B = window.__bench = {first: null, t0: null, t1: null, armed: null, before: null};
  const sig = () => {
    let s = "";
    document.querySelectorAll(cfg.marks).forEach(el => {
      s += (el.tagName === "path" ? (el.getAttribute("d") || "") : el.textContent) + "|";
    });
    return s;
  };
  B.sig = sig;
  B.msgs = [];
  B.arm = (kind) => {
    B.armed = kind; B.t0 = null; B.t1 = null; B.msgs = []; B.before = sig(); return B.before.length;
  };
  // Arrival time and size of every WebSocket message while a redraw is timed (kernel vs browser share).
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        if (B.armed === null) return;
        const d = ev.data;
        const size = typeof d === "string" ? d.length : (d.byteLength !== undefined ? d.byteLength : (d.size || 0));
        B.msgs.push([performance.now(), size]);
      });
    }
  };
  const start = (kind) => (ev) => {
    if (B.armed !== kind || B.t0 !== null) return;
    if (kind === "keydown" && ev.key !== "Enter") return;
    B.t0 = performance.now();
  };
  for (const kind of ["change", "keydown", "click"]) window.addEventListener(kind, start(kind), true);
  const check = () => {
    const now = performance.now();
    if (B.first === null) {
      const el = document.querySelector(cfg.first);
      if (el && el.getClientRects().length) B.first = now;
    }
    if (B.armed !== null && B.t0 !== null && B.t1 === null) {
      const s = sig();
      if (s && s !== B.before) { B.t1 = now; B.armed = null; }
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
                                                 characterData: true});
  const poll = setInterval(() => { check(); if (B.first !== null) clearInterval(poll); }, 10);
})();
"""


def launch_args(chromium: str) -> dict:
    return {"executable_path": chromium, "args": CHROMIUM_ARGS, "headless": True}


def init_script(kind: str) -> str:
    return f"window.__BENCH_CFG = {json.dumps(KINDS[kind])};\n{INSTRUMENT_JS}"


def _frame_bytes(response: dict) -> int:
    payload = response.get("payloadData", "")
    if response.get("opcode") == 2:  # binary frames arrive base64-encoded
        return len(base64.b64decode(payload)) if payload else 0
    return len(payload.encode("utf-8"))


@dataclass
class Bytes:
    """Bytes received by one page (running totals)."""

    http: int = 0
    http_responses: int = 0
    ws_in: int = 0
    ws_frames_in: int = 0
    ws_out: int = 0
    largest_frame: int = 0
    frames: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.http + self.ws_in

    def snapshot(self) -> dict:
        return {"http": self.http, "http_responses": self.http_responses, "ws_in": self.ws_in,
                "ws_frames_in": self.ws_frames_in, "ws_out": self.ws_out, "largest_frame": self.largest_frame,
                "total": self.total}


def count_bytes(page) -> Bytes:
    """Start counting the bytes ``page`` receives (Chromium only: DevTools Protocol)."""
    counter = Bytes()
    cdp = page.context.new_cdp_session(page)

    def on_loaded(event):
        counter.http += int(event.get("encodedDataLength", 0))
        counter.http_responses += 1

    def on_frame(event):
        n = _frame_bytes(event.get("response", {}))
        counter.ws_in += n
        counter.ws_frames_in += 1
        counter.largest_frame = max(counter.largest_frame, n)
        counter.frames.append(n)

    def on_sent(event):
        counter.ws_out += _frame_bytes(event.get("response", {}))

    cdp.on("Network.loadingFinished", on_loaded)
    cdp.on("Network.webSocketFrameReceived", on_frame)
    cdp.on("Network.webSocketFrameSent", on_sent)
    cdp.send("Network.enable")
    return counter


@dataclass
class View:
    """One opened page and what was measured on it."""

    context: object
    page: object
    kind: str
    bytes: Bytes
    first_ms: float | None = None
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def close(self):
        try:
            self.context.close()
        except Exception:  # noqa: BLE001 - closing a page that already failed
            pass


def open_view(browser, url: str, kind: str, timeout_ms: float = 180_000, settle_ms: float = 1000) -> View:
    """Open ``url`` in a new context and wait until its first mark is drawn (``View.first_ms``)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(script=init_script(kind))
    page = context.new_page()
    view = View(context=context, page=page, kind=kind, bytes=count_bytes(page))

    def block(route):
        view.external.append(route.request.url)
        route.abort()

    page.route(EXTERNAL, block)
    page.on("pageerror", lambda e: view.errors.append(f"page error: {e}"))
    page.on("console", lambda m: view.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    page.wait_for_function("() => window.__bench && window.__bench.first !== null", timeout=timeout_ms,
                           polling=50)
    view.first_ms = float(page.evaluate("window.__bench.first"))
    page.wait_for_timeout(settle_ms)  # messages that follow the first draw; flushes the byte counters
    return view


def redraw(view: View, arm: str, action, timeout_ms: float = 60_000) -> dict:
    """Run ``action`` (a user input) and time it until the drawn marks change (see the module docstring)."""
    page = view.page
    page.evaluate("k => window.__bench.arm(k)", arm)
    before = view.bytes.ws_in
    frames_before = view.bytes.ws_frames_in
    wall = time.perf_counter()
    action()
    page.wait_for_function("() => window.__bench.t1 !== null", timeout=timeout_ms, polling=20)
    wall = time.perf_counter() - wall
    t0, t1, msgs = page.evaluate("[window.__bench.t0, window.__bench.t1, window.__bench.msgs]")
    page.wait_for_timeout(250)  # the rest of the update's messages; flushes the byte counters
    return {"ms": float(t1) - float(t0), "wall_ms": wall * 1000, "ws_bytes": view.bytes.ws_in - before,
            "ws_frames": view.bytes.ws_frames_in - frames_before, **split(t0, t1, msgs)}


def split(t0: float, t1: float, msgs: list) -> dict:
    """Kernel share and browser share of a redraw.

    The largest WebSocket message received between the input and the redraw is
    the one that carries the new chart specification: ``to_spec_ms`` is input →
    that message (kernel work and transport), ``render_ms`` is that message →
    marks changed (widget manager, Vega-Lite compile, Vega render).
    """
    inside = [(t, n) for t, n in msgs if t0 <= t <= t1]
    if not inside:
        return {"to_spec_ms": None, "render_ms": None, "spec_msg_bytes": None}
    t_spec, size = max(inside, key=lambda m: m[1])
    return {"to_spec_ms": t_spec - t0, "render_ms": t1 - t_spec, "spec_msg_bytes": size}


# -- the inputs ------------------------------------------------------------------------
def set_cutoff(view: View, months: int, timeout_ms: float = 60_000) -> dict:
    """Type a cut-off into the slider's read-out and press Enter (the clock starts at Enter)."""
    page = view.page

    def action():
        readout = page.locator(".sjia-cutoff .widget-readout")
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(str(months))
        page.keyboard.press("Enter")

    return redraw(view, "keydown", action, timeout_ms)


def click_sex(view: View, label: str, timeout_ms: float = 60_000) -> dict:
    """Click one of the Sex toggle buttons ("Any", "Female", "Male")."""
    return redraw(view, "click", lambda: view.page.locator(f".sjia-sex button:text-is('{label}')").click(),
                  timeout_ms)


def click_mas(view: View, label: str, timeout_ms: float = 60_000) -> dict:
    """Click one of the MAS toggle buttons ("Any", "Yes", "No")."""
    return redraw(view, "click", lambda: view.page.locator(f".sjia-prior-mas button:text-is('{label}')").click(),
                  timeout_ms)


def choose(view: View, value: str, timeout_ms: float = 30_000) -> dict:
    """Choose a value in the floor notebooks' Dropdown (``.bench-dropdown``): a bare widget round trip."""
    return redraw(view, "change", lambda: view.page.locator(".bench-dropdown select").select_option(value),
                  timeout_ms)


def drawn_rows(view: View, outcomes: tuple[str, ...] = ("joints", "sjadas", "steroid")) -> dict:
    """What the chart draws, counted in the page: one ``n=`` label per summary row, one dot per patient value."""
    return view.page.evaluate("""(names) => {
      const out = {summary_rows: 0, patient_points: 0};
      for (const n of names) {
        out.summary_rows += document.querySelectorAll(`.sjia-chart svg g[class*="${n}_n"] text`).length;
        out.patient_points += document.querySelectorAll(`.sjia-chart svg .${n}_patientpoints_marks path`).length;
      }
      return out;
    }""", list(outcomes))
