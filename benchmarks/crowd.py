"""Many viewers at the same moment, without a browser: what the server alone costs when a class opens the link.

N threads send ``GET /`` at the same instant (a barrier releases them together) and
read the whole page; Voila answers only when the notebook has run, so the time to
the last byte is the time to a page with its first chart in it. In one run, each on
a newly started server (``sjia_explore.server.voila_command``, as ``sjia-explore app``):

- ``trivial``: ``benchmarks/trivial.ipynb`` (one Dropdown and a Label), default flags;
- ``app``: the app, default flags (one kernel kept ready);

  for both, the burst comes once the one kernel kept ready has run the notebook (a
  server started a while before the class);
- ``app_viewers``: the app with ``--viewers N`` (Voila's pool of N kernels), measured
  once the pool has run the app. The refill that follows each page is delayed past
  the burst (``fill_delay``), so that the memory figure is the pool's, not twice it.

For each: p50 and p95 of the per-viewer time, errors (status not 200, no end of
page, a cell error or a server exception in the page, a timeout), and peak resident
memory of the server's process tree (sampled every 0.25 s). Keys, with N = 10, 30:
``concurrent_ratio_N`` = app p95 / trivial p95 and ``viewers_ratio_N`` = app with
``--viewers N`` p95 / trivial p95. No browser draws anything here: the browser load
test (``benchmarks/load_test.py``) checks that every viewer sees and can use the chart.

Run alone: ``python benchmarks/run.py --concurrent`` (merges its keys into results.json).
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import serving
from benchmarks.load_test import MemorySampler, percentile

REPO = Path(__file__).resolve().parents[1]
TRIVIAL = REPO / "benchmarks" / "trivial.ipynb"
#: Text in a page whose notebook failed (a cell error, or an exception in Voila).
FAILURE_MARKERS = (b"There was an error when executing cell", b"An exception occurred at the server")
#: Seconds before a pooled kernel used by a page is replaced, during the burst (Voila's default: 1 s).
NO_REFILL_FLAGS = ("--VoilaKernelManager.fill_delay=600",)


def fetch(url: str, timeout_s: float) -> dict:
    """GET ``url`` and read the whole page: ``{"s": seconds, "ok": bool, "error": str | None}``."""
    parts = urlsplit(url)
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
        conn.request("GET", parts.path or "/")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
    except (OSError, http.client.HTTPException) as err:
        return {"s": time.perf_counter() - started, "ok": False, "error": f"{type(err).__name__}: {err}"}
    took = time.perf_counter() - started
    if resp.status != 200:
        return {"s": took, "ok": False, "error": f"HTTP {resp.status}"}
    if b"</html>" not in body:
        return {"s": took, "ok": False, "error": "page cut short"}
    failed = [m.decode() for m in FAILURE_MARKERS if m in body]
    if failed:
        return {"s": took, "ok": False, "error": failed[0]}
    return {"s": took, "ok": True, "error": None}


def burst(url: str, viewers: int, timeout_s: float) -> list[dict]:
    """``viewers`` simultaneous :func:`fetch` calls; one result per viewer."""
    results: list[dict | None] = [None] * viewers
    gate = threading.Barrier(viewers)

    def one(i: int) -> None:
        gate.wait()
        results[i] = fetch(url, timeout_s)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(viewers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout_s + 30)
    return [r if r is not None else {"s": None, "ok": False, "error": "no answer"} for r in results]


#: CPU a kernel has used once it has run the notebook (the trivial one: 0.29 s measured on a quiet 2-core
#: machine, more on a busy one; the app: about 0.6-1 s), and the memory it then holds: a kernel that has
#: only started holds about 50 MB, one that has run the app 110 MB or more (the memory does not vary with load).
#: Below these, the wait for a warm pool never ends (it gives up after its timeout).
READY_CPU_S = {"app": 0.3, "trivial": 0.15}
READY_RSS_MB = {"app": 90.0, "trivial": 0.0}


def measure(label: str, notebook: Path | None, viewers: int, log_dir: Path, extra: tuple[str, ...] = (),
            warm_pool: int = 0, timeout_s: float = 300) -> dict:
    """Start a server, wait for ``warm_pool`` kernels to have run the notebook, then one burst of ``viewers``."""
    log_path = Path(log_dir) / f"voila-concurrent-{label}-{viewers}.log"
    server = serving.start(notebook, log_path, extra_args=extra)
    out: dict = {"label": label, "viewers": viewers, "flags": list(extra)}
    try:
        if warm_pool:
            started = time.perf_counter()
            out["pool_ready"] = serving.wait_for_idle_kernels(
                server.pid, warm_pool, timeout_s=max(300, 12 * warm_pool), quiet_s=5.0,
                min_cpu_s=READY_CPU_S["trivial" if notebook == TRIVIAL else "app"],
                min_rss_mb=READY_RSS_MB["trivial" if notebook == TRIVIAL else "app"])
            out["pool_warm_s"] = round(time.perf_counter() - started, 1)
        sampler = MemorySampler(server.pid)
        sampler.start()
        rows = burst(server.url, viewers, timeout_s)
        time.sleep(0.5)
        sampler.stop()
    finally:
        serving.stop(server)
    times = [r["s"] * 1000 for r in rows if r["ok"]]
    out.update({
        "p50_ms": _round(percentile(times, 50)), "p95_ms": _round(percentile(times, 95)),
        "max_ms": _round(max(times) if times else None),
        "errors": sum(not r["ok"] for r in rows),
        "error_messages": sorted({r["error"] for r in rows if r["error"]}),
        "peak_rss_mb_total": round(sampler.peak_total_mb), "peak_rss_mb_server": round(sampler.peak_server_mb),
        "peak_kernels": sampler.peak_kernels, "peak_rss_mb_largest_kernel": round(sampler.peak_kernel_mb),
        "server_log": str(log_path),
    })
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else round(a / b, 2)


def run(levels: tuple[int, ...] = (10, 30), log_dir: Path = REPO / "test-artifacts" / "bench",
        timeout_s: float = 300, say=print) -> dict:
    """Every configuration at every level; returns the keys for results.json (``concurrent`` holds the detail)."""
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    detail: dict = {}
    keys: dict = {}
    for n in levels:
        say(f"concurrent: {n} viewers, trivial notebook")
        trivial = measure("trivial", TRIVIAL, n, log_dir, warm_pool=1, timeout_s=timeout_s)
        say(f"concurrent: {n} viewers, the app")
        app = measure("app", None, n, log_dir, warm_pool=1, timeout_s=timeout_s)
        say(f"concurrent: {n} viewers, the app with --viewers {n} (pool warm first)")
        pooled = measure("app_viewers", None, n, log_dir, warm_pool=n, timeout_s=timeout_s,
                         extra=("--preheat_kernel=True", f"--pool_size={n}", *NO_REFILL_FLAGS))
        detail[str(n)] = {"trivial": trivial, "app": app, "app_viewers": pooled}
        keys[f"concurrent_ratio_{n}"] = _ratio(app["p95_ms"], trivial["p95_ms"])
        keys[f"viewers_ratio_{n}"] = _ratio(pooled["p95_ms"], trivial["p95_ms"])
        for name, res in (("trivial", trivial), ("app", app), ("app_viewers", pooled)):
            for field in ("p50_ms", "p95_ms", "errors", "peak_rss_mb_total"):
                keys[f"concurrent_{name}_{field}_{n}"] = res[field]
    keys["concurrent"] = detail
    return keys


def print_report(keys: dict) -> None:
    print("\nConcurrent page requests (no browser): time to the whole page, per viewer")
    print(f"{'viewers':>7} {'configuration':<28} {'p50':>9} {'p95':>9} {'errors':>6} {'peak memory':>12}")
    for n, configs in keys.get("concurrent", {}).items():
        for name, res in configs.items():
            text = {"trivial": "trivial notebook", "app": "app (default: 1 ready)",
                    "app_viewers": f"app --viewers {n} (warm)"}[name]
            p50 = "–" if res["p50_ms"] is None else f"{res['p50_ms'] / 1000:.1f} s"
            p95 = "–" if res["p95_ms"] is None else f"{res['p95_ms'] / 1000:.1f} s"
            print(f"{n:>7} {text:<28} {p50:>9} {p95:>9} {res['errors']:>6} {res['peak_rss_mb_total']:>9} MB")
        print(f"{'':>7} concurrent_ratio_{n} = {keys.get(f'concurrent_ratio_{n}')}, "
              f"viewers_ratio_{n} = {keys.get(f'viewers_ratio_{n}')}")
