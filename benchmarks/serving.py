"""Voila servers for the benchmarks, started exactly as ``sjia-explore app`` starts them.

:func:`start` runs :func:`sjia_explore.server.voila_command` (plus optional
extra flags, which override earlier ones) with :func:`sjia_explore.server.voila_env`
on a free port of 127.0.0.1, and waits for the port only: a GET would start a kernel.
:func:`tree_memory` reads the resident memory of the server and of its kernels.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psutil

from sjia_explore.server import RunningVoila, start_in_background

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


#: A running Voila server (``proc``, ``url``, ``port``, ``log_path``, ``started_s``, ``pid``, ``log()``).
Server = RunningVoila


def start(notebook: Path | None, log_path: Path, extra_args: tuple[str, ...] = (),
          timeout_s: float = 90) -> Server:
    """Serve ``notebook`` (default: the app) as ``sjia-explore app`` does, plus ``extra_args``."""
    return start_in_background(log_path, notebook=notebook, extra_args=extra_args, timeout_s=timeout_s)


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a process we started (and the kernels it started), by its id."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for child in children:  # kernels normally stop with the server; make sure
        try:
            child.kill()
        except psutil.Error:
            pass


def stop(server: Server) -> None:
    stop_process(server.proc)


def kernels(pid: int) -> list[psutil.Process]:
    """The ipykernel processes started by the Voila server ``pid``."""
    out = []
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return out
    for child in children:
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def rss_mb(proc: psutil.Process) -> float | None:
    try:
        return proc.memory_info().rss / MB
    except psutil.Error:
        return None


def tree_memory(pid: int) -> dict:
    """Resident memory (MB) of the server, of each kernel, and of the whole tree."""
    try:
        server = psutil.Process(pid)
        server_mb = rss_mb(server) or 0.0
        others = server.children(recursive=True)
    except psutil.Error:
        return {"server_mb": 0.0, "kernels_mb": [], "total_mb": 0.0}
    kernel_pids = {k.pid for k in kernels(pid)}
    kernels_mb = [m for k in others if k.pid in kernel_pids for m in [rss_mb(k)] if m is not None]
    rest = sum(m for k in others if k.pid not in kernel_pids for m in [rss_mb(k)] if m is not None)
    return {"server_mb": server_mb, "kernels_mb": kernels_mb, "total_mb": server_mb + sum(kernels_mb) + rest}


def wait_for_idle_kernels(pid: int, count: int, timeout_s: float = 120, quiet_s: float = 1.5) -> bool:
    """Wait until ``count`` kernels exist and have used (almost) no CPU for ``quiet_s`` (a preheated pool)."""
    deadline = time.monotonic() + timeout_s
    last: dict[int, float] = {}
    quiet_since = None
    while time.monotonic() < deadline:
        ks = kernels(pid)
        cpu = {}
        for k in ks:
            try:
                t = k.cpu_times()
                cpu[k.pid] = t.user + t.system
            except psutil.Error:
                pass
        busy = len(cpu) < count or any(abs(cpu[p] - last.get(p, -1)) > 0.05 for p in cpu)
        last = cpu
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet_s:
            return True
        time.sleep(0.5)
    return False
